"""Reading calendar data files: the yearly notices, the lunar table and province overrides, as YAML, checked
entry by entry; every problem is one :class:`CalendarDataError` naming the file and the entry. Split from
``inspections.files.calendar``, which builds the calendar from what is read here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from inspections.calendar_days import Confidence, Holiday, HolidayKind, MakeUpDay
from inspections.files.whole_file import MIB, read_whole
from inspections.files.yaml_marked import MarkedConstruction, UniqueKeys, where_and_what

_SAT = 5
_T = TypeVar("_T")
_HOLIDAY_KEYS = frozenset({"date", "name_vi", "name_en", "kind", "source", "confidence", "note"})
_LAM_BU_KEYS = frozenset({"date", "replaces", "source", "confidence", "note"})


#: The largest calendar file read, in bytes: a year's notice file is about 6 KB, a province override less;
#: 1 MiB is over a hundred times that.
MAX_CALENDAR_BYTES = MIB


class CalendarDataError(ValueError):
    """A calendar data file is malformed; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class LunarDates:
    """Gregorian dates of a year's lunar new year (Tết, lunar 1/1) and Hùng Kings day (lunar 10/3)."""

    tet: date
    hung_kings: date


@dataclass(frozen=True, slots=True)
class CalendarData:
    """Holidays and make-up days of one data file; ``remove`` only in province overrides. ``origin`` names
    the file in the messages of checks that need the rest of the calendar (``build_calendar``'s)."""

    holidays: tuple[Holiday, ...] = ()
    make_up_days: tuple[MakeUpDay, ...] = ()
    remove: tuple[date, ...] = ()
    origin: str = "province override"


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
    holidays = tuple(
        _holiday(e, f"{origin}: holidays[{i}]") for i, e in enumerate(_listed(doc, "holidays", origin))
    )
    make_up = tuple(
        _lam_bu(e, f"{origin}: lam_bu[{i}]") for i, e in enumerate(_listed(doc, "lam_bu", origin))
    )
    remove = tuple(_listed(doc, "remove", origin))
    for i, d in enumerate(remove):
        if not isinstance(d, date):
            raise CalendarDataError(f"{origin}: remove[{i}]: expected a date, got {d!r}")
    dates = [h.date for h in holidays] + [m.date for m in make_up]
    if len(set(dates)) != len(dates):
        twice = sorted({d for d in dates if dates.count(d) > 1})
        raise CalendarDataError(f"{origin}: listed twice: {', '.join(map(date.isoformat, twice))}")
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
                f"{origin}: dates outside {year}: {', '.join(map(date.isoformat, stray))} (only a swapped day"
                " off in the previous or next year, replaced by a lam_bu of this file, may be)"
            )
    for m in make_up:
        if m.date.weekday() < _SAT:
            raise CalendarDataError(f"{origin}: make-up day {m.date} is not a weekend day")
    if year is not None:
        # A year file lists every day off of its year, so what a make-up day replaces is one of its holidays
        # (an override's may be the base calendar's: build_calendar checks those). Replacing a working day
        # added a working day and took none away: due dates came a day early (review).
        days_off = {h.date for h in holidays}
        for m in make_up:
            if m.replaces is not None and m.replaces not in days_off:
                raise CalendarDataError(
                    f"{origin}: make-up day {m.date} replaces {m.replaces}, which is not a day off of this "
                    "file (none of its holidays): list that day off, or correct 'replaces'"
                )
    return CalendarData(holidays, make_up, remove, origin)


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


def _listed(doc: dict[str, Any], key: str, origin: str) -> list[Any]:
    """``doc[key]``, a list (absent or null: empty). A mapping there was read as its keys: "holidays: {a: 1}"
    said "holidays[0]: expected a mapping" (review)."""
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise CalendarDataError(f"{origin}: {key}: expected a list of entries (each '- ...')")
    return value


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


class _Loader(UniqueKeys, MarkedConstruction, yaml.SafeLoader):
    """PyYAML's safe loader, but for a value that is none of its tag (a date ``2025-02-30``): where it
    stands, not only "day is out of range for month" (fuzz review of 2026-12-05); and a key repeated in a
    mapping is refused where it stands (``yaml_marked.UniqueKeys``), not read as if the first were not
    there."""


def read_yaml(path: Traversable | Path) -> Any:
    """A calendar file's YAML; what keeps it from being read is one line naming the file and, for YAML,
    where (Python's codec and PyYAML's own messages named the file twice, ``"<unicode string>"``, a caret).
    A file on disk, or a stream, is read up to :data:`MAX_CALENDAR_BYTES`, and a directory or a device not at
    all (else ``OSError``, ``whole_file``): a device was read without end."""
    data = (
        read_whole(path, MAX_CALENDAR_BYTES, "a calendar file")
        if isinstance(path, Path)
        else path.read_bytes()
    )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CalendarDataError(
            f"{path}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); save the file as UTF-8"
        ) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        raise CalendarDataError(f"{path}: {where_and_what(e)}") from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow (a control character)
        code = e.character if isinstance(e.character, int) else ord(e.character)
        problem = f"character U+{code:04X} at offset {e.position}: {e.reason}"
        raise CalendarDataError(f"{path}: {problem}") from None
    except yaml.YAMLError as e:
        raise CalendarDataError(f"{path}: {' '.join(str(e).split())}") from None
    except ValueError as e:  # another constructor's (a date is :func:`_timestamp`'s, with its line)
        raise CalendarDataError(f"{path}: {e}") from None
    except RecursionError:
        raise CalendarDataError(f"{path}: nested too deeply to be a calendar file") from None
