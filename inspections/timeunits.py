"""Maximum processing time of a procedure, shared by the calendar and the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

#: Reports, calendar dates and day boundaries are in Vietnam's time zone (UTC+07:00, no DST).
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: Working hours per working day (07:00–11:30 and 13:30–17:00 is 8 hours).
HOURS_PER_WORKING_DAY = 8


class TimeUnit(StrEnum):
    """How a procedure's maximum processing time is counted."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    WORKING_HOURS = "working_hours"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ProcessingTime:
    """A maximum processing time: ``amount`` in ``unit``; ``unit=NONE`` means no legal maximum.

    A fractional number of working days (e.g. 0.5) is counted as ``amount * 8`` working hours.
    """

    amount: float
    unit: TimeUnit

    @property
    def is_limited(self) -> bool:
        return self.unit is not TimeUnit.NONE


NO_LIMIT = ProcessingTime(0, TimeUnit.NONE)
