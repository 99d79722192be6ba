"""Building a :class:`WorkingCalendar` from data: yearly notice files, the statutory pattern, overrides.

Years with a file ``calendars/vn/YYYY.yaml`` use exactly that file (the government's notice for the
year). Other years in 2000–2050 follow the Labour Code's statutory pattern, with lunar dates from the
shipped ``lunar.yaml`` table. A yearly file may carry one kind of date outside its year: the day off
of a swap whose make-up day it lists (New Year 2019: off Mon 31/12/2018, worked Sat 5/1/2019); it is
added on top of the neighbouring year. A province override file (same shape plus ``remove:``) is
applied last. The format and the yearly update runbook are in docs/calendar.md; the files are read and
checked in ``calendar_parse``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from inspections.calendar import FIRST_YEAR, LAST_YEAR, WorkingCalendar
from inspections.calendar_days import (
    DEFAULT_WORKING_HOURS,
    Confidence,
    Holiday,
    HolidayKind,
    MakeUpDay,
    WorkingHours,
)
from inspections.files.calendar_parse import (
    CalendarData,
    CalendarDataError,
    LunarDates,
    parse_calendar_data,
    parse_lunar_table,
    read_yaml,
)

__all__ = [
    "PATTERN_MARK", "CalendarData", "CalendarDataError", "LunarDates", "build_calendar", "calendar_files",
    "compensatory_days", "follows_pattern", "load_calendar", "nothing_removed", "parse_calendar_data",
    "parse_lunar_table",
    "read_calendar_file", "statutory_holidays", "year_of_file",
]  # fmt: skip

_SAT = 5

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


log = logging.getLogger(__name__)


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
    lunar = parse_lunar_table(read_yaml(root / "lunar.yaml"), "lunar.yaml")
    years: dict[int, CalendarData] = {}
    for entry in root.iterdir():
        year = year_of_file(entry.name)
        if year is not None:
            years[year] = parse_calendar_data(read_yaml(entry), entry.name, year=year)
    return years, lunar


def year_of_file(name: str) -> int | None:
    """The year a file named ``YYYY.yaml`` holds (``None``: not a yearly file)."""
    stem = name.removesuffix(".yaml")
    # Four ASCII digits: ``str.isdigit`` took ``02025`` and ``٢٠٢٥`` for 2025, and ``²⁰²⁵`` broke int().
    return int(stem) if name.endswith(".yaml") and re.fullmatch(r"[0-9]{4}", stem) else None


def read_calendar_file(path: Path, *, year: int | None = None, allow_remove: bool = False) -> CalendarData:
    """One calendar file: a yearly one (``year``) or a province override (``allow_remove``)."""
    return parse_calendar_data(read_yaml(path), path.name if year is not None else str(path),
                               year=year, allow_remove=allow_remove)  # fmt: skip


def build_calendar(
    years: Mapping[int, CalendarData],
    lunar: Mapping[int, LunarDates],
    override: CalendarData | None = None,
    *,
    working_hours: WorkingHours = DEFAULT_WORKING_HOURS,
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
    not_removed: list[date] | None = None,
) -> WorkingCalendar:
    """Merge yearly data (or the statutory pattern where a year has none) and an override.

    A date of the override's ``remove:`` that is neither a day off nor a make-up day of the calendar removes
    nothing: it is appended to ``not_removed`` when given (``calendar check`` prints it), else logged as one
    warning. Not an error: ``remove: [2026-11-24]``, a day off marked unconfirmed, would have stopped every
    command once a later release of the data dropped that day (review)."""
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
        nothing = _apply_override(holidays, make_up, override, range(first_year, last_year + 1))
        if not_removed is not None:
            not_removed.extend(nothing)
        elif nothing:
            log.warning("%s", nothing_removed(override.origin, nothing))
    return WorkingCalendar(
        holidays.values(),
        make_up.values(),
        first_year=first_year,
        last_year=last_year,
        working_hours=working_hours,
    )


def _apply_override(
    holidays: dict[date, Holiday], make_up: dict[date, MakeUpDay], override: CalendarData, years: range
) -> list[date]:
    """Apply a province override to the calendar's days (removals first, then additions); the dates of its
    ``remove:`` that are neither a day off nor a make-up day of the calendar (nothing removed). Refused,
    each in one line naming the file, is what the calendar could not honour:

    - a day off or make-up day outside the calendar's ``years`` (loaded without a word, never used);
    - a make-up day on a day off (the holiday wins, yet it was counted as a make-up day) or one replacing a
      day that is not off (a working day gained and none lost: due dates a day early). What it replaces
      may be a day off of the calendar or of the override itself;
    - the removal of a day off that a make-up day of the calendar replaces, the make-up day kept.
    """
    nothing: list[date] = []
    for d in override.remove:
        day_off, made_up = holidays.pop(d, None), make_up.pop(d, None)
        if day_off is None and made_up is None:
            nothing.append(d)
    dated = [("day off", h.date) for h in override.holidays] + [
        ("make-up day", m.date) for m in override.make_up_days
    ]
    for what, d in dated:
        if d.year not in years:
            raise CalendarDataError(
                f"{override.origin}: {what} {d} is outside the calendar's years {years[0]}–{years[-1]}"
            )
    days_off = holidays.keys() | {h.date for h in override.holidays}
    for m in override.make_up_days:
        if m.date in days_off:
            raise CalendarDataError(
                f"{override.origin}: make-up day {m.date} is a day off of the calendar (a holiday wins over "
                "a make-up day): remove that day off first, or drop the make-up day"
            )
        if m.replaces is not None and m.replaces not in days_off:
            raise CalendarDataError(
                f"{override.origin}: make-up day {m.date} replaces {m.replaces}, which is not a day off of "
                "the calendar nor of the override: add that day off, or correct 'replaces'"
            )
    holidays.update((h.date, h) for h in override.holidays)
    make_up.update((m.date, m) for m in override.make_up_days)
    for m in sorted(make_up.values(), key=lambda m: m.date):
        # A make-up day of the calendar whose day off the override removed: both days were worked, and due
        # dates across them came a day early (review: remove: [2026-01-02] kept Saturday 10/1 a working day).
        if m.replaces is not None and m.replaces not in holidays:
            raise CalendarDataError(
                f"{override.origin}: remove: {m.replaces} is the day off that make-up day {m.date} replaces: "
                f"remove {m.date} too (else both are working days), or keep {m.replaces}"
            )
    return nothing


def nothing_removed(origin: str, dates: list[date]) -> str:
    """The warning on the dates of an override's ``remove:`` that removed nothing."""
    said = ", ".join(d.isoformat() for d in dates)
    which = "is not a day off" if len(dates) == 1 else "are not days off"
    return f"{origin}: remove: {said} {which} of the calendar: nothing removed"


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


def _package_dir() -> Traversable:
    return resources.files("inspections") / "calendars" / "vn"
