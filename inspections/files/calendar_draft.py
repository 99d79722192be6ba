"""The two steps of the yearly calendar runbook (docs/calendar.md) that took Python before: a year's file
drafted from the statutory pattern (``dossier-audit calendar draft``), and a year file or province override
checked against the shipped calendar, with what it changes of the pattern (``dossier-audit calendar
check``).

Why a draft: a year file replaces the pattern for its whole year, so it lists every day off, and Tết and
Giỗ Tổ move with the lunar calendar; copying last year's file and editing it is how a year loses its Tết.
The draft *is* the pattern (loaded, it gives the calendar the year has without a file:
tests/inspections/test_calendar_draft.py), so the editor only adds what the government's notice decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from inspections.calendar_days import Holiday, MakeUpDay
from inspections.files.calendar import (
    CalendarData,
    CalendarDataError,
    build_calendar,
    calendar_files,
    read_calendar_file,
    statutory_holidays,
    year_of_file,
)

_HEADER = """\
# Civil servants' holidays and make-up working days for {year}: a DRAFT from the Labour Code's statutory
# pattern (dossier-audit calendar draft {year}), not yet the government's notice for the year.
# Edit it from the notice (docs/calendar.md, "Yearly update runbook"): the Tết days it fixes, the Quốc
# khánh adjacent day (1/9 or 3/9), every swap (a `kind: swapped` day off and its `lam_bu` Saturday), the
# notice's number and date in each `source`, `C` only for what was read in the document itself; then run
# `dossier-audit calendar check` on the file. Format: docs/calendar.md.
# Not in the pattern: 24/11, Vietnamese Culture Day, a day off in the 2026 file (marked U: announced, the
# Labour Code not yet amended). Add it (kind: statutory) if the year's notice gives it, as 2026's file does.
"""


def draft_year(year: int, data_dir: Path | None = None) -> str:
    """``YYYY.yaml`` text for ``year`` holding the statutory pattern's days off (no make-up day)."""
    _, lunar = calendar_files(data_dir)
    if year not in lunar:
        first, last = min(lunar), max(lunar)
        raise CalendarDataError(f"no lunar dates for {year}: the calendar covers {first}–{last}")
    doc = {
        "year": year,
        "scope": "công chức, viên chức",
        "notes": f"DRAFT from the statutory pattern; replace with the government's notice for {year}.",
        "holidays": [_holiday(h) for h in sorted(statutory_holidays(year, lunar[year]), key=_day)],
        "lam_bu": [],
    }
    body = yaml.dump(doc, Dumper=_Indented, allow_unicode=True, sort_keys=False, width=110)
    return _HEADER.format(year=year) + body


class _Indented(yaml.SafeDumper):
    """Lists indented under their key, as the shipped files are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


@dataclass(frozen=True, slots=True)
class FileCheck:
    """A calendar file that loads with the shipped ones: a year file (``year``) with the days off it adds
    to and drops from the statutory pattern, or a province override (``year`` None) as it stands."""

    year: int | None
    data: CalendarData
    added: tuple[Holiday, ...] = ()
    dropped: tuple[Holiday, ...] = ()
    #: The dates of an override's ``remove:`` that are no day off nor make-up day: nothing removed.
    not_removed: tuple[date, ...] = ()


def check_file(path: Path, data_dir: Path | None = None) -> FileCheck:
    """Load ``path`` with the shipped calendar as the product would: a ``YYYY.yaml`` in place of the year's
    shipped file (or pattern), anything else as the province override. Raises ``CalendarDataError`` (or
    YAML's ``ValueError``) naming the problem."""
    years, lunar = calendar_files(data_dir)
    year = year_of_file(path.name)
    if year is None:
        override = read_calendar_file(path, allow_remove=True)
        not_removed: list[date] = []
        build_calendar(years, lunar, override, not_removed=not_removed)
        return FileCheck(None, override, not_removed=tuple(not_removed))
    if year not in lunar:
        first, last = min(lunar), max(lunar)
        raise CalendarDataError(f"{path.name}: the calendar covers {first}–{last}, not {year}")
    data = read_calendar_file(path, year=year)
    build_calendar({**years, year: data}, lunar)  # the fixed days, a swap across New Year
    pattern = {h.date: h for h in statutory_holidays(year, lunar[year])}
    listed = {h.date: h for h in data.holidays}
    added = tuple(sorted((h for d, h in listed.items() if d not in pattern), key=_day))
    dropped = tuple(sorted((h for d, h in pattern.items() if d not in listed), key=_day))
    return FileCheck(year, data, added, dropped)


def _day(item: Holiday | MakeUpDay) -> date:
    return item.date


def _holiday(h: Holiday) -> dict[str, Any]:
    return {
        "date": h.date,
        "name_vi": h.name_vi,
        "name_en": h.name_en,
        "kind": h.kind.value,
        "source": h.source,
        "confidence": h.confidence.value,
    }
