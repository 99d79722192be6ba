"""Building a :class:`WorkingCalendar` from data: yearly notice files, the statutory pattern, overrides.

Years with a file ``calendars/vn/YYYY.yaml`` use exactly that file (the government's notice for the
year). Other years in 2000–2050 follow the Labour Code's statutory pattern, with lunar dates from the
shipped ``lunar.yaml`` table. A yearly file may carry one kind of date outside its year: the day off
of a swap whose make-up day it lists (New Year 2019: off Mon 31/12/2018, worked Sat 5/1/2019); it is
added on top of the neighbouring year. A province override file (same shape plus ``remove:``) is
applied last. The format and the yearly update runbook are in docs/calendar.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from inspections.calendar import FIRST_YEAR, LAST_YEAR, WorkingCalendar
from inspections.calendar_days import (
    DEFAULT_WORKING_HOURS,
    Confidence,
    Holiday,
    HolidayKind,
    MakeUpDay,
    WorkingHours,
)

_SAT = 5
_T = TypeVar("_T")

#: What the source of every day the statutory pattern gives ends with: a year whose days off all say it
#: follows no government notice (the pattern itself, or a draft not yet edited: ``follows_pattern``).
PATTERN_MARK = "mẫu luật định, không có thông báo năm"
_LC2019 = f"Bộ luật Lao động 2019 (45/2019/QH14), Điều 112 — {PATTERN_MARK}"
_LC2012 = f"Bộ luật Lao động 2012 (10/2012/QH13), Điều 115 — {PATTERN_MARK}"
_LC1994 = f"Bộ luật Lao động 1994 (sửa đổi 2007), Điều 73 — {PATTERN_MARK}"
# The clause giving a compensatory day for a holiday on the weekly rest day: BLLĐ 2019 Điều 111(3)
# ("Nếu ngày nghỉ hằng tuần trùng với ngày nghỉ lễ, tết quy định tại khoản 1 Điều 112 …"; Điều 112(3)
# is the Prime Minister fixing the Tết days and the adjacent Quốc khánh day); BLLĐ 2012 Điều 115(3);
# BLLĐ 1994 Điều 73 (clause not checked).
_MAKE_UP_RULE = {_LC2019: "Điều 111(3)", _LC2012: "Điều 115(3)", _LC1994: "Điều 73"}

_HOLIDAY_KEYS = frozenset({"date", "name_vi", "name_en", "kind", "source", "confidence", "note"})
_LAM_BU_KEYS = frozenset({"date", "replaces", "source", "confidence", "note"})


class CalendarDataError(ValueError):
    """A calendar data file is malformed; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class LunarDates:
    """Gregorian dates of a year's lunar new year (Tết, lunar 1/1) and Hùng Kings day (lunar 10/3)."""

    tet: date
    hung_kings: date


@dataclass(frozen=True, slots=True)
class CalendarData:
    """Holidays and make-up days of one data file; ``remove`` only in province overrides."""

    holidays: tuple[Holiday, ...] = ()
    make_up_days: tuple[MakeUpDay, ...] = ()
    remove: tuple[date, ...] = ()


def load_calendar(
    province_override: Path | None = None,
    working_hours: WorkingHours = DEFAULT_WORKING_HOURS,
    *,
    data_dir: Path | None = None,
) -> WorkingCalendar:
    """The civil servants' calendar for 2000–2050, with a province override applied if given.

    ``data_dir`` replaces the shipped ``inspections/calendars/vn`` directory (it must hold
    ``lunar.yaml`` and any ``YYYY.yaml``). Reads files: load once and reuse the calendar.
    """
    years, lunar = calendar_files(data_dir)
    override = None
    if province_override is not None:
        override = read_calendar_file(province_override, allow_remove=True)
    return build_calendar(years, lunar, override, working_hours=working_hours)


def calendar_files(data_dir: Path | None = None) -> tuple[dict[int, CalendarData], dict[int, LunarDates]]:
    """The yearly files and the lunar table of ``data_dir`` (default: the shipped ``calendars/vn``)."""
    root: Traversable = data_dir if data_dir is not None else _package_dir()
    lunar = parse_lunar_table(_read_yaml(root / "lunar.yaml"), "lunar.yaml")
    years: dict[int, CalendarData] = {}
    for entry in root.iterdir():
        year = year_of_file(entry.name)
        if year is not None:
            years[year] = parse_calendar_data(_read_yaml(entry), entry.name, year=year)
    return years, lunar


def year_of_file(name: str) -> int | None:
    """The year a file named ``YYYY.yaml`` holds (``None``: not a yearly file)."""
    stem = name.removesuffix(".yaml")
    # Four ASCII digits: ``str.isdigit`` took ``02025`` and ``٢٠٢٥`` for 2025, and ``²⁰²⁵`` broke int().
    return int(stem) if name.endswith(".yaml") and re.fullmatch(r"[0-9]{4}", stem) else None


def read_calendar_file(path: Path, *, year: int | None = None, allow_remove: bool = False) -> CalendarData:
    """One calendar file: a yearly one (``year``) or a province override (``allow_remove``)."""
    return parse_calendar_data(_read_yaml(path), path.name if year is not None else str(path),
                               year=year, allow_remove=allow_remove)  # fmt: skip


def build_calendar(
    years: Mapping[int, CalendarData],
    lunar: Mapping[int, LunarDates],
    override: CalendarData | None = None,
    *,
    working_hours: WorkingHours = DEFAULT_WORKING_HOURS,
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
) -> WorkingCalendar:
    """Merge yearly data (or the statutory pattern where a year has none) and an override."""
    holidays: dict[date, Holiday] = {}
    make_up: dict[date, MakeUpDay] = {}
    cross_year: list[tuple[int, Holiday]] = []
    for year in range(first_year, last_year + 1):
        data = years.get(year)
        if data is None:
            if year not in lunar:
                raise CalendarDataError(f"no lunar dates for {year} and no data file")
            data = CalendarData(holidays=statutory_holidays(year, lunar[year]))
        elif year in lunar:
            _check_fixed_days(year, data, lunar[year])
        holidays.update((h.date, h) for h in data.holidays if h.date.year == year)
        cross_year.extend((year, h) for h in data.holidays if h.date.year != year)
        make_up.update((m.date, m) for m in data.make_up_days)
    # A yearly file's swapped day in a neighbouring year (checked by parse_calendar_data) goes on
    # top of that year, whichever way it was built; it must not collide with that year's own days.
    for year, h in cross_year:
        if h.date in holidays or h.date in make_up:
            raise CalendarDataError(
                f"{year}.yaml: swapped day {h.date} is already a holiday or make-up day of {h.date.year}"
            )
        holidays[h.date] = h
    if override is not None:
        for d in override.remove:
            holidays.pop(d, None)
            make_up.pop(d, None)
        holidays.update((h.date, h) for h in override.holidays)
        make_up.update((m.date, m) for m in override.make_up_days)
    return WorkingCalendar(
        holidays.values(),
        make_up.values(),
        first_year=first_year,
        last_year=last_year,
        working_hours=working_hours,
    )


def _check_fixed_days(year: int, data: CalendarData, lunar: LunarDates) -> None:
    """A year file replaces the pattern for its whole year, so it lists every day off: refuse one that lacks
    a day the Labour Code gives off every year (1/1, lunar 1/1, lunar 10/3 from 2007, 30/4, 1/5, 2/9). A
    file holding only a newly declared day off took every other holiday of its year away, silently; last
    year's file copied and not updated lacks this year's Tết. Every shipped file lists them all."""
    fixed = [
        (date(year, 1, 1), "1/1"),
        (lunar.tet, "Tết (1/1 âm lịch)"),
        *([(lunar.hung_kings, "Giỗ Tổ Hùng Vương (10/3 âm lịch)")] if year >= 2007 else []),
        (date(year, 4, 30), "30/4"),
        (date(year, 5, 1), "1/5"),
        (date(year, 9, 2), "2/9"),
    ]
    listed = {h.date for h in data.holidays}
    missing = [f"{day.isoformat()} ({name})" for day, name in fixed if day not in listed]
    if missing:
        raise CalendarDataError(
            f"{year}.yaml lacks days off the Labour Code gives every year: {', '.join(missing)}; a year file "
            "replaces the statutory pattern for its whole year, so it lists every day off (docs/calendar.md)"
        )


def statutory_holidays(year: int, lunar: LunarDates) -> tuple[Holiday, ...]:
    """The Labour Code's holidays of ``year`` plus compensatory days for those on a weekend.

    Tết is modelled as the last day of the lunar year and the following days (5 days in all from
    2013, 4 before); from 2021 Quốc khánh adds 1/9 (the decree lets the Prime Minister pick 1/9 or
    3/9 each year). Compensatory days follow BLLĐ 2019 art. 111(3) (BLLĐ 2012 art. 115(3) before
    2021): the next day that is neither weekend nor holiday.
    """
    if year >= 2021:
        source, confidence, tet_days = _LC2019, Confidence.S, 5
    elif year >= 2013:
        source, confidence, tet_days = _LC2012, Confidence.S, 5
    else:
        source, confidence, tet_days = _LC1994, Confidence.U, 4

    def make(d: date, vi: str, en: str) -> Holiday:
        return Holiday(d, vi, en, HolidayKind.STATUTORY, source, confidence)

    days = [make(date(year, 1, 1), "Tết Dương lịch", "New Year's Day")]
    eve = lunar.tet - timedelta(days=1)
    days.append(make(eve, "Tết Âm lịch (ngày cuối năm âm lịch)", "Lunar New Year's Eve"))
    days.extend(
        make(lunar.tet + timedelta(days=i), f"Tết Âm lịch (mùng {i + 1})", f"Lunar New Year (day {i + 1})")
        for i in range(tet_days - 1)
    )
    if year >= 2007:
        days.append(make(lunar.hung_kings, "Giỗ Tổ Hùng Vương (10/3 âm lịch)", "Hung Kings' Commemoration"))
    days.append(make(date(year, 4, 30), "Ngày Chiến thắng", "Reunification Day"))
    days.append(make(date(year, 5, 1), "Ngày Quốc tế Lao động", "International Labour Day"))
    if year >= 2021:
        days.append(make(date(year, 9, 1), "Quốc khánh (ngày liền kề)", "National Day (adjacent day)"))
    days.append(make(date(year, 9, 2), "Quốc khánh", "National Day"))
    return tuple(sorted(days, key=lambda h: h.date)) + compensatory_days(days, _MAKE_UP_RULE[source])


def follows_pattern(sources: Iterable[str]) -> bool:
    """Whether a year's statutory days off, by their ``source``, all come from the statutory pattern (no
    notice of the year: its swaps and Tết days as the government fixes them are not known). A neighbour's
    swap across New Year (31/12/2018, kind ``swapped``) does not count. ``False`` for no day at all."""
    marks = [PATTERN_MARK in source for source in sources]
    return bool(marks) and all(marks)


def compensatory_days(holidays: Iterable[Holiday], rule: str | None = None) -> tuple[Holiday, ...]:
    """A compensatory day off for each holiday on a Saturday or Sunday.

    The rule is BLLĐ 2019 art. 111(3) (BLLĐ 2012 art. 115(3) before 2021): the next day that is
    neither weekend nor holiday. ``rule``, if given, is prefixed to each day's source.
    """
    ordered = sorted(holidays, key=lambda h: h.date)
    taken = {h.date for h in ordered}
    result = []
    for h in ordered:
        if h.date.weekday() < _SAT:
            continue
        d = h.date + timedelta(days=1)
        while d.weekday() >= _SAT or d in taken:
            d += timedelta(days=1)
        taken.add(d)
        result.append(
            Holiday(
                d,
                f"Nghỉ bù {h.name_vi}",
                f"Compensatory day off for {h.name_en}",
                HolidayKind.COMPENSATORY,
                f"nghỉ bù theo {rule}; {h.source}" if rule else h.source,
                h.confidence,
            )
        )
    return tuple(result)


# --- parsing -----------------------------------------------------------------------------------


def parse_lunar_table(doc: Any, origin: str) -> dict[int, LunarDates]:
    """Parse ``lunar.yaml``: ``years: {YYYY: {tet: date, hung_kings: date}}``."""
    years = _require(doc, "years", dict, origin)
    table = {}
    for year, row in years.items():
        where = f"{origin}: year {year}"
        if not isinstance(row, dict):
            raise CalendarDataError(f"{where}: expected a mapping")
        tet = _require(row, "tet", date, where)
        hung = _require(row, "hung_kings", date, where)
        if tet.year != year or hung.year != year:
            raise CalendarDataError(f"{where}: dates must fall in {year}")
        table[int(year)] = LunarDates(tet, hung)
    return table


def parse_calendar_data(
    doc: Any, origin: str, *, year: int | None = None, allow_remove: bool = False
) -> CalendarData:
    """Parse a yearly file (``year`` set: its dates must be in it) or a province override.

    The one exception in a yearly file is a cross-year swap, stated explicitly: a ``swapped``
    holiday in the previous or next year is allowed when a ``lam_bu`` of the same file ``replaces``
    it (e.g. 2019.yaml: off Mon 31/12/2018, made up on Sat 5/1/2019).
    """
    if not isinstance(doc, dict):
        raise CalendarDataError(f"{origin}: expected a mapping at the top level")
    known = {"year", "scope", "holidays", "lam_bu", "notes"} | ({"remove"} if allow_remove else set())
    unknown = set(doc) - known
    if unknown:
        raise CalendarDataError(f"{origin}: unknown keys {sorted(unknown)}")
    if year is None and "year" in doc:  # a year file under another name was read as an override (review)
        raise CalendarDataError(
            f"{origin}: a province override has no 'year'; a year's file is named YYYY.yaml"
        )
    if year is not None and doc.get("year") != year:
        raise CalendarDataError(f"{origin}: 'year' must be {year}")
    holidays = tuple(_holiday(e, f"{origin}: holidays[{i}]") for i, e in enumerate(doc.get("holidays") or []))
    make_up = tuple(_lam_bu(e, f"{origin}: lam_bu[{i}]") for i, e in enumerate(doc.get("lam_bu") or []))
    remove = tuple(doc.get("remove") or [])
    for i, d in enumerate(remove):
        if not isinstance(d, date):
            raise CalendarDataError(f"{origin}: remove[{i}]: expected a date, got {d!r}")
    dates = [h.date for h in holidays] + [m.date for m in make_up]
    if len(set(dates)) != len(dates):
        raise CalendarDataError(f"{origin}: a date is listed twice")
    if year is not None:
        replaced = {m.replaces for m in make_up}
        cross_year_swaps = {
            h.date
            for h in holidays
            if h.kind is HolidayKind.SWAPPED and abs(h.date.year - year) == 1 and h.date in replaced
        }
        stray = [d for d in dates if d.year != year and d not in cross_year_swaps]
        if stray:
            raise CalendarDataError(
                f"{origin}: dates outside {year}: {stray} (only a swapped day off in the previous or"
                " next year, replaced by a lam_bu of this file, may be)"
            )
    for m in make_up:
        if m.date.weekday() < _SAT:
            raise CalendarDataError(f"{origin}: make-up day {m.date} is not a weekend day")
    return CalendarData(holidays, make_up, remove)


def _holiday(entry: Any, where: str) -> Holiday:
    _check_keys(entry, _HOLIDAY_KEYS, where)
    try:
        kind = HolidayKind(_require(entry, "kind", str, where))
    except ValueError:
        raise CalendarDataError(f"{where}: kind must be one of {[k.value for k in HolidayKind]}") from None
    return Holiday(
        _require(entry, "date", date, where),
        _require(entry, "name_vi", str, where),
        _require(entry, "name_en", str, where),
        kind,
        _require(entry, "source", str, where),
        _confidence(entry, where),
    )


def _lam_bu(entry: Any, where: str) -> MakeUpDay:
    _check_keys(entry, _LAM_BU_KEYS, where)
    replaces = entry.get("replaces")
    if replaces is not None and not isinstance(replaces, date):
        raise CalendarDataError(f"{where}: 'replaces' must be a date")
    return MakeUpDay(
        _require(entry, "date", date, where),
        replaces,
        _require(entry, "source", str, where),
        _confidence(entry, where),
    )


def _confidence(entry: dict[str, Any], where: str) -> Confidence:
    try:
        return Confidence(_require(entry, "confidence", str, where))
    except ValueError:
        raise CalendarDataError(f"{where}: confidence must be C, S or U") from None


def _check_keys(entry: Any, allowed: frozenset[str], where: str) -> None:
    if not isinstance(entry, dict):
        raise CalendarDataError(f"{where}: expected a mapping")
    unknown = set(entry) - allowed
    if unknown:
        raise CalendarDataError(f"{where}: unknown keys {sorted(unknown)}")


def _require(entry: dict[str, Any], key: str, typ: type[_T], where: str) -> _T:
    value = entry.get(key)
    if not isinstance(value, typ) or (typ is date and not _is_date(value)):
        raise CalendarDataError(f"{where}: '{key}' must be a {typ.__name__}, got {value!r}")
    return value


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _package_dir() -> Traversable:
    return resources.files("inspections") / "calendars" / "vn"


def _read_yaml(path: Traversable | Path) -> Any:
    """A calendar file's YAML; what keeps it from being read is one line naming the file and, for YAML,
    where (Python's codec and PyYAML's own messages named the file twice, ``"<unicode string>"``, a caret)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CalendarDataError(
            f"{path}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); save the file as UTF-8"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise CalendarDataError(f"{path}: {where}{e.problem or e.context or 'not YAML'}") from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow (a control character)
        code = e.character if isinstance(e.character, int) else ord(e.character)
        problem = f"character U+{code:04X} at offset {e.position}: {e.reason}"
        raise CalendarDataError(f"{path}: {problem}") from None
    except yaml.YAMLError as e:
        raise CalendarDataError(f"{path}: {' '.join(str(e).split())}") from None
    except ValueError as e:  # PyYAML's date constructor: a day such as 2025-02-30
        raise CalendarDataError(f"{path}: {e}") from None
    except RecursionError:
        raise CalendarDataError(f"{path}: nested too deeply to be a calendar file") from None
