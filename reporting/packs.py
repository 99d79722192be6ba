"""Per-unit audit packs for inspection teams: every violating dossier of the week with its rule, legal basis
and evidence timeline, and a reproducible random sample of clean dossiers to verify on site."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from inspections.calendar import WorkingCalendar
from inspections.catalogue import Catalogue
from inspections.classification import local_midnight
from inspections.ports import CalendarPort
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting import gather
from reporting import pack_tables as pt
from reporting.calendar_note import calendar_note
from reporting.editions import edition_code
from reporting.evidence_words import WorkingDays
from reporting.header import Letterhead, ReportHeader, letterhead
from reporting.html import css_string, render
from reporting.i18n import Texts
from reporting.pack_legend import bases_table, numbered_bases
from reporting.pack_model import UnitPack
from reporting.pack_notes import onsite_note, sample_onsite
from reporting.pack_texts import pack_text, signing_team
from reporting.pack_timelines import timeline_table
from reporting.pack_xlsx import write_pack_xlsx
from reporting.reach import Maturity, figures_and_maturity, unreached
from reporting.to_review import week_to_review
from reporting.visible import visible
from warehouse.base import Warehouse, WarehouseError

__all__ = ["UnitPack", "gather_packs", "pack_file_stem", "write_packs"]

# Pack file names (``pack_file_stem``): plain codes, and the slug of any other code.
_PLAIN = re.compile(r"[0-9A-Z][0-9A-Z.-]*")
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")
_HASH_DIGITS = 16
_D_BAR = str.maketrans("đĐ", "dD")  # no decomposition: NFKD keeps them as they are
_MAX_STEM = 64
_SLUG_CHARS = _MAX_STEM - 2 - _HASH_DIGITS  # room for the "_" before the hash and one after a device name
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in range(10)}
)


def gather_packs(
    catalogue: Catalogue,
    wh: Warehouse,
    week: Week,
    sample_size: int,
    units: Collection[str] | None = None,
    calendar: CalendarPort | None = None,
) -> list[UnitPack]:
    """One pack per unit (in force at the end of ``week``) with dossiers in its form or violations; only of
    ``units`` when given (the console's download of one unit's pack reads no other unit's dossiers);
    ``calendar``: see :func:`pack_working_days`."""
    if sample_size < 0:
        raise ValueError(f"sample_size must be >= 0, not {sample_size}")
    forms = gather.week_forms(catalogue, wh, week)
    violations = gather.week_violations(catalogue, wh, week)
    to_review = week_to_review(catalogue, wh, week)
    clean = gather.clean_dossiers(catalogue, wh, week)
    found_units = {code for code, f in forms.units.items() if f.received_total} | set(violations)
    found_units |= set(to_review)
    units = sorted(found_units if units is None else found_units & set(units))
    samples = {
        unit: gather.reproducible_sample(clean.get(unit, []), unit, week, sample_size) for unit in units
    }
    wanted = {v.dossier_id for found in violations.values() for v in found}
    wanted |= {d for chosen in samples.values() for d in chosen}
    timelines = gather.timelines(wh, wanted)
    facts = gather.dossier_facts(wh, wanted)
    codes = {v.procedure_code for found in violations.values() for v in found}
    codes |= {f.procedure_code for f in facts.values()}
    procedures = {c: p.name for c in codes if c and (p := catalogue.procedure(c)) is not None}
    components = {
        c: {part.code: part.name for part in p.components}
        for c in codes
        if c and (p := catalogue.procedure(c)) is not None
    }
    sent_to = {
        e.data.get("to_unit_code") for events in timelines.values() for e in events if e.type == "transferred"
    }
    # Every unit a timeline names (where each event happened, where a transfer went): by name, the code below.
    sent_to |= {e.unit_code for events in timelines.values() for e in events}
    unit_names = {c: u.name for c in sent_to if isinstance(c, str) and (u := catalogue.unit(c)) is not None}
    working_days = pack_working_days(wh, calendar)
    cases = gather.handled_cases(wh, [v.key for unit in units for v in violations.get(unit, [])])
    packs = []
    for unit in units:
        found = violations.get(unit, [])
        ids = {v.dossier_id for v in found} | set(samples[unit])
        known = catalogue.unit(unit)
        packs.append(
            UnitPack(
                unit=unit,
                name=known.name if known is not None else unit,
                violations=found,
                sample=samples[unit],
                clean_total=len(clean.get(unit, [])),
                seed=gather.sample_seed(unit, week),
                timelines={d: timelines.get(d, []) for d in sorted(ids)},
                facts={d: facts[d] for d in sorted(ids) if d in facts},
                procedures=procedures,
                components=components,
                units=unit_names,
                working_days=working_days,
                week_years=tuple(sorted({week.start.year, (week.end - timedelta(days=1)).year})),
                cases={v.key: cases[v.key] for v in found if v.key in cases},
                to_review=to_review.get(unit, []),
            )
        )
    return packs


def pack_working_days(wh: Warehouse, calendar: CalendarPort | None) -> WorkingDays | None:
    """What a pack counts a lateness in: the working days of the calendar stored with the catalogue, else
    of ``calendar`` (the platform's, what ``warehouse load`` judged with), else none (calendar days). A
    warehouse filled by ``warehouse load`` stores no catalogue, and every pack said "vượt 6 ngày theo
    lịch" beside a limit of "3 ngày làm việc" (report review: 4 working days)."""
    stored = stored_working_days(wh)
    if stored is None and calendar is not None:
        return working_days_on(calendar)
    return stored


def stored_working_days(wh: Warehouse) -> WorkingDays | None:
    """Working days between two dates on the calendar stored with the catalogue (what the audit counted
    with), for "trễ 4 ngày làm việc"; ``None`` when the warehouse holds no calendar."""
    from warehouse.catalogue_read import load_stored_catalogue

    try:
        calendar = load_stored_catalogue(wh).calendar
    except WarehouseError:
        return None
    return working_days_on(calendar)


def working_days_on(calendar: CalendarPort) -> WorkingDays:
    """Working days between two dates on ``calendar`` (0 outside its years: the sentence then counts
    calendar days): the packs' count, and the console's on its dossier page."""

    def between(a: date, b: date) -> int:
        try:
            return calendar.working_days_between(local_midnight(a), local_midnight(b))
        except ValueError:  # outside the calendar's years: the sentence counts calendar days
            return 0

    return between


def _title(t: Texts, week: Week, pack: UnitPack) -> str:
    return t(
        "pack_title",
        number=f"{week.number:02d}",
        year=week.year,
        start=t.day(week.start),
        sunday=t.day(week.sunday),
        unit=f"{pack.name} ({pack.unit})",
    )


def _page_head(week: Week, pack: UnitPack, lang: str) -> str:
    unit = f"{pack.name} ({pack.unit})"
    return pack_text("page_head", lang, unit=unit, number=f"{week.number:02d}", year=week.year)


def pack_file_stem(unit: str) -> str:
    """The file name (without extension) of ``unit``'s pack: one path component, distinct for distinct
    codes even on a case-insensitive file system (Windows, macOS), and safe on every common one.

    A code made only of ``0-9 A-Z . -`` (every code of the national scheme, e.g. ``000.10.01.H99``) that
    is short, starts with a digit or letter, does not end with a dot and is not a Windows device name is
    its own name. Any other code (``a/b``, ``a_b``, the empty code, lower case, Vietnamese letters, …) is
    named by a readable ASCII slug plus ``_`` and 16 hex digits of the SHA-256 of the exact code. The two
    kinds cannot meet (only the second holds ``_``), plain names differ even when case is folded, and
    hashed names differ unless 64-bit hashes collide."""
    if len(unit) <= _MAX_STEM and _PLAIN.fullmatch(unit) and not unit.endswith(".") and not _reserved(unit):
        return unit
    digest = hashlib.sha256(unit.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_DIGITS]
    # No leading dot (a hidden file) or dash (read as a command option); "CON.x_…" would still open the CON
    # device on Windows, so a device name before the first dot gets a "_".
    slug = _SLUG_UNSAFE.sub("_", _ascii(unit)).lstrip(".-")[:_SLUG_CHARS]
    head, dot, rest = slug.partition(".")
    if _reserved(head):
        head += "_"
    return f"{head}{dot}{rest}_{digest}"


def _ascii(text: str) -> str:
    """Vietnamese (and other Latin) letters without their marks, for a readable slug: "Phường" → "Phuong"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_D_BAR))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _reserved(name: str) -> bool:
    """Whether Windows reads ``name`` (or ``name.anything``) as a device."""
    return name.partition(".")[0].upper() in _WINDOWS_DEVICES


def _count_line(t: Texts, pack: UnitPack) -> str:
    found = [v for v in pack.violations if v.kind == "violation"]
    others = len(pack.violations) - len(found)
    return pack_text(
        "violations_count",
        t.lang,
        n=t.integer(len(found)),
        d=t.integer(len({v.dossier_id for v in found})),
        others=pack_text("others", t.lang, n=t.integer(others)) if others else "",
    ) + (pack_text("cases_note", t.lang) if pack.cases else "")


def pack_html(
    t: Texts,
    header: Letterhead,
    week: Week,
    pack: UnitPack,
    provisional: str | None = None,
    edition: str | None = None,
    *,
    days_off: str | None = None,
) -> str:
    """The printable pack: A4 landscape, one table per section, links between each violation and its
    timeline, room for the inspector's findings and signatures. ``provisional``: the box of a provisional
    week (:func:`provisional_box`), also marked on every printed page; ``edition``: its edition code, at the
    foot of every page (``reporting.editions``). Without it, what the code is computed from."""
    lang = t.lang
    violations, bases = numbered_bases(t, pt.violations_table(t, pack))
    return render(
        "pack.html.j2",
        lang=lang,
        t=t,
        provisional_note=provisional,
        provisional_mark=t("provisional_mark"),
        days_off_note=days_off,
        p=lambda key, **values: pack_text(key, lang, **values),
        signing_team=signing_team(header.team, lang),
        header=header,
        place_date=t.place_date(header.place, header.issued_on),
        title=_title(t, week, pack),
        # Made visible first: the template's finalize leaves Markup as it is (a U+202E in a unit's name).
        page_head=css_string(visible(_page_head(week, pack, lang))),
        violations=violations,
        bases=bases_table(t, bases),
        onsite=pt.onsite_table(t, pack),
        timelines=[(d, timeline_table(t, pack, [d], with_dossier=False)) for d in pack.violating_dossiers],
        sample=pt.sample_table(t, pack),
        sample_timelines=[(d, timeline_table(t, pack, [d], with_dossier=False)) for d in pack.sample],
        sample_note=t("pack_sample_note", seed=pack.seed, n=len(pack.sample), of=pack.clean_total),
        sample_onsite=sample_onsite(pack, lang),
        violations_count=_count_line(t, pack),
        onsite_note=onsite_note(pack, lang),
        to_review=pt.to_review_items(t, pack),
        edition_line=pack_text("edition", lang, code=edition) if edition else None,
    )


def write_packs(
    catalogue: Catalogue,
    header: ReportHeader,
    wh: Warehouse,
    week: Week,
    out_dir: Path,
    sample_size: int,
    units: Collection[str] | None = None,
    *,
    calendar: CalendarPort | None = None,
) -> list[Path]:
    """Write ``out_dir/units/<name>.xlsx`` and ``.html`` for every unit with dossiers or violations (of
    ``units`` when given), named by :func:`pack_file_stem` (the unit code itself for the usual codes);
    none for a week no feed's data reach into (as its report has no figures); ``calendar``: see
    :func:`pack_working_days`."""
    t = Texts(header.lang)
    # Dated as the week's report is: by how far its figures reach (``reach.figures_through``).
    now = datetime.now(UTC)
    figures, maturity = figures_and_maturity(t, catalogue, wh, week, header.maturity, now)
    folder = out_dir / "units"
    folder.mkdir(parents=True, exist_ok=True)
    if unreached(week, figures.ahead or figures.through):
        # No feed's data reach into the week (``WeeklyReport.unreached``): its report has no figures and
        # asks for the feeds to be checked; a pack would send inspectors after what a clock found on data
        # that stopped before the week ("late 5 working days" of a dossier whose result never came in).
        # The folder stays, empty: published over the week's, it takes an earlier run's packs away (kept
        # under ``editions``), as the report command does (last read of the session).
        return []
    dated = letterhead(header, week, figures.through)
    provisional = provisional_box(t, maturity)
    days_off = calendar_box(t, wh, week, calendar, catalogue)
    written: list[Path] = []
    for gathered in gather_packs(catalogue, wh, week, sample_size, units, calendar):
        own = pack_dated(dated, gathered, now)
        pack = dataclasses.replace(gathered, issued_on=own.issued_on)
        stem = pack_file_stem(pack.unit)
        title = _title(t, week, pack)
        # One edition code for both files (``editions``): the HTML's, which holds everything either shows.
        code = edition_code(pack_html(t, own, week, pack, provisional, days_off=days_off))
        edition = pack_text("edition", t.lang, code=code)
        xlsx = folder / f"{stem}.xlsx"
        written.append(write_pack_xlsx(t, own, title, pack, xlsx, provisional, edition, days_off=days_off))
        html = folder / f"{stem}.html"
        html.write_text(pack_html(t, own, week, pack, provisional, code, days_off=days_off), encoding="utf-8")
        written.append(html)
    return written


def pack_dated(dated: Letterhead, pack: UnitPack, now: datetime) -> Letterhead:
    """The week's letterhead, dated no earlier than the newest event the pack's timelines print (local day):
    a pack dated the Monday after its week listed a return of the Tuesday after, a document dated before
    what it reports (review). Its timelines show each dossier to the end, which the team checks on site.
    Never after today (``now``): an event a source stamped a year ahead would date the pack then. The
    decisions on its cases it prints (the team's column: "đã kết luận có vi phạm") count too: a pack
    downloaded after them was dated the week's Monday (inspector review). So do the instants its open
    dossiers are judged at: their evidence and standing say "tính đến 10/11 00:00" (the load's ``--as-of``),
    which a pack dated 05/11 stated before it held (pack review)."""
    instants = [e.occurred_at for events in pack.timelines.values() for e in events]
    instants += [event.at for state in pack.cases.values() for event, _ in state.history]
    instants += [f.as_of for f in pack.facts.values() if f.end_type is None and f.as_of is not None]
    newest = max(instants, default=None)
    if newest is None:
        return dated
    day = (newest.replace(tzinfo=UTC) if newest.tzinfo is None else newest).astimezone(VN_TZ).date()
    day = min(day, now.astimezone(VN_TZ).date())
    return dated if day <= dated.issued_on else dataclasses.replace(dated, issued_on=day)


def calendar_box(
    t: Texts, wh: Warehouse, week: Week, calendar: CalendarPort | None, catalogue: Catalogue | None = None
) -> str | None:
    """What a pack says of the calendar its due dates were counted with, as the weekly report does
    (``reporting.calendar_note``), and what to do about it on site (``None``: a notice's days throughout).
    A pack of January 2027 listed firm violations counted on the Labour Code's pattern of Tết, which the
    notice often moves by a day, without a word (review of New Year 2027)."""
    own = calendar if isinstance(calendar, WorkingCalendar) else None  # else the snapshot's
    lines = calendar_note(wh, week, own, catalogue=catalogue).lines(t.lang)
    return " ".join(lines) + pack_text("calendar_check", t.lang) if lines else None


def provisional_box(t: Texts, maturity: Maturity) -> str | None:
    """What a pack of a provisional week says above its tables (``None`` for final figures): as the weekly
    report's box, the reasons and the day the figures are final, and what that means on site: a time-limit
    violation may still be missing from the list (any violation, when the week's own data may be
    incomplete), a sampled dossier may still turn out to violate, and the sample drawn again differ."""
    if not maturity.provisional:
        return None
    key = "provisional_box_incomplete" if maturity.incomplete else "provisional_box"
    return pack_text(key, t.lang, reasons=maturity.reasons_text, final_day=t.day(maturity.final_on))
