"""Per-unit audit packs for inspection teams: every violating dossier of the week with its rule, legal basis
and evidence timeline, and a reproducible random sample of clean dossiers to verify on site."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from inspections.catalogue import Catalogue
from inspections.weeks import Week
from reporting import gather
from reporting import tables as tb
from reporting.cells import put, xml_text
from reporting.header import Letterhead, ReportHeader, letterhead
from reporting.html import render
from reporting.i18n import Texts
from reporting.xlsx import put_table, sheet_title, size_columns
from warehouse.base import Warehouse

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


@dataclass(frozen=True, slots=True)
class UnitPack:
    """What one unit's pack holds."""

    unit: str
    name: str
    violations: list[gather.ViolationRecord]
    sample: list[str]
    clean_total: int
    seed: str
    timelines: dict[str, list[gather.TimelineEvent]]
    facts: dict[str, gather.DossierFacts]

    @property
    def violating_dossiers(self) -> list[str]:
        return sorted({v.dossier_id for v in self.violations})


def gather_packs(catalogue: Catalogue, wh: Warehouse, week: Week, sample_size: int) -> list[UnitPack]:
    """One pack per unit (in force at the end of ``week``) with dossiers in its form or violations."""
    if sample_size < 0:
        raise ValueError(f"sample_size must be >= 0, not {sample_size}")
    forms = gather.week_forms(catalogue, wh, week)
    violations = gather.week_violations(catalogue, wh, week)
    clean = gather.clean_dossiers(catalogue, wh, week)
    units = sorted({code for code, f in forms.units.items() if f.received_total} | set(violations))
    samples = {
        unit: gather.reproducible_sample(clean.get(unit, []), unit, week, sample_size) for unit in units
    }
    wanted = {v.dossier_id for found in violations.values() for v in found}
    wanted |= {d for chosen in samples.values() for d in chosen}
    timelines = gather.timelines(wh, wanted)
    facts = gather.dossier_facts(wh, wanted)
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
            )
        )
    return packs


_PSEUDONYM = "hmac-sha256:"


def compact(value: Any) -> str:
    """Evidence or event data as ``key: value; …`` (lists comma-separated) for a table cell; pseudonyms
    are cut to 12 hex digits (enough to tell applicants apart on one page)."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {compact(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(compact(v) for v in value)
    if isinstance(value, str) and value.startswith(_PSEUDONYM):
        return value[: len(_PSEUDONYM) + 12] + "…"
    return "" if value is None else str(value)


def _when(t: Texts, value: datetime | None) -> str:
    return t.instant(value) if value is not None else "—"


def violations_table(t: Texts, pack: UnitPack) -> tb.Table:
    table = tb.Table(
        "violations",
        [
            t("h_dossier"),
            t("h_procedure_code"),
            t("h_rule"),
            t("h_rule_title"),
            t("h_kind"),
            t("h_severity"),
            t("h_occurred"),
            t("h_legal"),
            t("h_evidence"),
        ],
    )
    for v in pack.violations:
        texts = [
            v.dossier_id,
            v.procedure_code or "",
            v.rule_id,
            t.rule_title(v.rule_id),
            t.kind(v.kind),
            t.severity(v.severity),
            _when(t, v.occurred_at),
            v.legal_basis,
            compact(v.evidence),
        ]
        table.rows.append(tb.Row([tb.Cell(x, x) for x in texts], key=v.dossier_id))
    return table


def timeline_table(t: Texts, pack: UnitPack, dossier_ids: list[str], *, with_dossier: bool) -> tb.Table:
    headings = [t("h_occurred"), t("h_event"), t("h_unit"), t("h_actor"), t("h_details")]
    table = tb.Table("timeline", ([t("h_dossier")] if with_dossier else []) + headings)
    triggers = {v.event_id for v in pack.violations if v.event_id}
    for dossier_id in dossier_ids:
        for e in pack.timelines.get(dossier_id, []):
            texts = [
                _when(t, e.occurred_at),
                t.event_type(e.type),
                e.unit_code,
                e.actor or "",
                compact(e.data),
            ]
            if with_dossier:
                texts.insert(0, dossier_id)
            # The event a violation points at is highlighted: the evidence the inspector checks first.
            row = tb.Row([tb.Cell(x, x) for x in texts], key=dossier_id, alert=e.event_id in triggers)
            table.rows.append(row)
    return table


def sample_table(t: Texts, pack: UnitPack) -> tb.Table:
    table = tb.Table(
        "sample",
        [
            t("h_dossier"),
            t("h_procedure_code"),
            t("h_channel"),
            t("h_received_at"),
            t("h_due_at"),
            t("h_end"),
            t("h_status"),
        ],
    )
    for dossier_id in pack.sample:
        f = pack.facts.get(dossier_id)
        texts = (
            [
                dossier_id,
                f.procedure_code or "",
                t.channel(f.channel),
                _when(t, f.received_at),
                _when(t, f.due_at),
                (t.event_type(f.end_type) + " " + _when(t, f.end_at)) if f.end_type else "—",
                t.status(f.status),
            ]
            if f is not None
            else [dossier_id, "", "", "", "", "", ""]
        )
        table.rows.append(tb.Row([tb.Cell(x, x) for x in texts], key=dossier_id))
    return table


def _title(t: Texts, week: Week, pack: UnitPack) -> str:
    return t(
        "pack_title",
        number=f"{week.number:02d}",
        year=week.year,
        start=t.day(week.start),
        sunday=t.day(week.sunday),
        unit=f"{pack.name} ({pack.unit})",
    )


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


def write_pack_html(t: Texts, header: Letterhead, week: Week, pack: UnitPack, path: Path) -> Path:
    text = render(
        "pack.html.j2",
        lang=t.lang,
        t=t,
        header=header,
        place_date=t.place_date(header.place, header.issued_on),
        title=_title(t, week, pack),
        violations=violations_table(t, pack),
        timelines=[(d, timeline_table(t, pack, [d], with_dossier=False)) for d in pack.violating_dossiers],
        sample=sample_table(t, pack),
        sample_timelines=[(d, timeline_table(t, pack, [d], with_dossier=False)) for d in pack.sample],
        sample_note=t("pack_sample_note", seed=pack.seed, n=len(pack.sample), of=pack.clean_total),
    )
    path.write_text(text, encoding="utf-8")
    return path


def write_pack_xlsx(t: Texts, header: Letterhead, week: Week, pack: UnitPack, path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(t("sheet_violating"))
    lines = [
        (header.issuer, False),
        (header.team, True),
        (t("national_name"), True),
        (t("national_motto"), True),
        (t.place_date(header.place, header.issued_on), False),
        (_title(t, week, pack), True),
    ]
    for i, (text, bold) in enumerate(lines, start=1):
        put(ws, i, 1, text).font = Font(bold=bold)
    row = len(lines) + 2
    if pack.violations:
        put_table(ws, violations_table(t, pack), top=row)
    else:
        put(ws, row, 1, t("pack_no_violations"))
    size_columns(ws, {1: 30.0, 8: 60.0, 9: 60.0})

    timeline = wb.create_sheet(sheet_title(t("sheet_timeline")))
    ids = pack.violating_dossiers + [d for d in pack.sample if d not in set(pack.violating_dossiers)]
    put_table(timeline, timeline_table(t, pack, ids, with_dossier=True))
    size_columns(timeline, {6: 80.0})
    timeline.freeze_panes = "A2"

    sample = wb.create_sheet(sheet_title(t("sheet_sample")))
    ws_row = put_table(sample, sample_table(t, pack))
    note = t("pack_sample_note", seed=pack.seed, n=len(pack.sample), of=pack.clean_total)
    put(sample, ws_row, 1, note).font = Font(italic=True)
    size_columns(sample, {1: 30.0})
    wb.properties.title = xml_text(_title(t, week, pack))
    wb.properties.creator = "dossier-audit"
    wb.save(path)
    return path


def write_packs(
    catalogue: Catalogue, header: ReportHeader, wh: Warehouse, week: Week, out_dir: Path, sample_size: int
) -> list[Path]:
    """Write ``out_dir/units/<name>.xlsx`` and ``.html`` for every unit with dossiers or violations, named by
    :func:`pack_file_stem` (the unit code itself for the usual codes)."""
    t = Texts(header.lang)
    dated = letterhead(header, week)
    folder = out_dir / "units"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for pack in gather_packs(catalogue, wh, week, sample_size):
        stem = pack_file_stem(pack.unit)
        written.append(write_pack_xlsx(t, dated, week, pack, folder / f"{stem}.xlsx"))
        written.append(write_pack_html(t, dated, week, pack, folder / f"{stem}.html"))
    return written
