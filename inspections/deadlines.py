"""The legal due date of a procedure's maximum time, as each rulebook version computes it.

v1 (published): ``calendar.legal_due_date`` — a date for every unit, working-hour limits included.
v2 keeps it for whole working days and calendar days, and amends two cases (RULES.md):
- a maximum of 0 is a same-day procedure: due on the date of receipt, or on the next working day when
  received on a non-working day or after working hours (amendment 4);
- a limit in working hours, or a fraction of a working day, is judged in working hours: the legal due
  *instant* is the start plus the maximum on the working-hours calendar (amendment 3).
Classification, ``APOLOGY_TOO_LATE`` and ``DUE_DATE_OVERSTATED`` all read it from here, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from inspections.ports import CalendarPort
from inspections.timeunits import HOURS_PER_WORKING_DAY, ProcessingTime, TimeUnit


@dataclass(frozen=True, slots=True)
class LegalDue:
    """The last date a result may be returned on; ``instant`` too when the limit is judged in hours."""

    day: date
    instant: datetime | None = None


def working_hours_of(max_time: ProcessingTime) -> float | None:
    """The limit in working hours when v2 judges it by the hour (amendment 3), else ``None``."""
    amount = max_time.amount
    if amount == 0:
        return None  # same-day: judged by date (amendment 4)
    if max_time.unit is TimeUnit.WORKING_HOURS:
        return float(amount)
    if max_time.unit is TimeUnit.WORKING_DAYS and not float(amount).is_integer():
        return amount * HOURS_PER_WORKING_DAY
    return None


def amends(max_time: ProcessingTime) -> bool:
    """Whether v2 computes this (limited) maximum differently from v1: 0, or a limit in working hours.

    The common whole-working-day limits answer ``False`` after two comparisons, so callers on the
    per-dossier path keep v1's direct computation for them.
    """
    amount = max_time.amount
    if amount == 0:
        return True
    unit = max_time.unit
    return unit is TimeUnit.WORKING_HOURS or (
        unit is TimeUnit.WORKING_DAYS and not float(amount).is_integer()
    )


def same_day_due(calendar: CalendarPort, start: datetime) -> date:
    """Amendment 4: the date of ``start``, or the next working day when it is not a working day or
    ``start`` is at or after the end of its working hours."""
    day = calendar.local_date(start)
    if calendar.is_working_day(day) and start < calendar.end_of_working_day(day):
        return day
    return calendar.working_day_offset(day, 1)


def legal_due(
    calendar: CalendarPort, start: datetime, max_time: ProcessingTime, *, amended: bool
) -> LegalDue | None:
    """When a dossier started at ``start`` is due under ``max_time`` (``None``: no legal maximum)."""
    if not max_time.is_limited:
        return None
    if amended:
        if max_time.amount == 0:
            return LegalDue(same_day_due(calendar, start))
        hours = working_hours_of(max_time)
        if hours is not None:
            instant = calendar.add_working_hours(start, hours)
            return LegalDue(calendar.local_date(instant), instant)
    day = calendar.legal_due_date(start, max_time)
    assert day is not None  # a limited time always has a legal due date
    return LegalDue(day)
