"""The calendar's plain values: days off, make-up days, per-day rows and the working hours of a day.

They are kept apart from the arithmetic in :mod:`inspections.calendar` because several users want the
shapes alone: the file loader (:mod:`inspections.files.calendar`) builds holidays and make-up days from
YAML, the warehouse stores and reads ``CalendarDay`` rows, the simulator reads the default working hours.
``WorkingCalendar`` is built from these values and exports them; this module imports nothing from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from datetime import date as _date  # fields named "date" shadow the type in class bodies
from enum import StrEnum

_US_PER_HOUR = 3_600_000_000


class Confidence(StrEnum):
    """How sure the data is: confirmed, secondary sources, unconfirmed (see DOMAIN.md)."""

    C = "C"
    S = "S"
    U = "U"


class HolidayKind(StrEnum):
    """Why a day is off: a statutory holiday, a compensatory day for one on a weekend, or a swap."""

    STATUTORY = "statutory"
    COMPENSATORY = "compensatory"
    SWAPPED = "swapped"


#: ``CalendarDay.kind`` of a make-up working day (*làm bù*).
LAM_BU = "lam_bu"


@dataclass(frozen=True, slots=True)
class Holiday:
    """A day off for civil servants, with the notice it comes from."""

    date: date
    name_vi: str
    name_en: str
    kind: HolidayKind
    source: str
    confidence: Confidence


@dataclass(frozen=True, slots=True)
class MakeUpDay:
    """A weekend day worked to make up for ``replaces`` (*ngày làm bù*)."""

    date: date
    replaces: _date | None
    source: str
    confidence: Confidence


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One row of the merged calendar, the shape a warehouse table stores."""

    date: date
    is_working_day: bool
    kind: str | None = None  # a HolidayKind value, LAM_BU, or None for an ordinary day
    holiday_name_vi: str | None = None
    holiday_name_en: str | None = None
    replaces: _date | None = None
    source: str | None = None
    confidence: Confidence | None = None


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """The working periods of a working day, in local time, ordered and non-overlapping."""

    periods: tuple[tuple[time, time], ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("working hours need at least one period")
        previous_end = time(0)
        for start, end in self.periods:
            if not previous_end <= start < end:
                raise ValueError(f"working periods must be ordered and non-empty: {self.periods!r}")
            previous_end = end

    @property
    def hours_per_day(self) -> float:
        return sum(_us(end) - _us(start) for start, end in self.periods) / _US_PER_HOUR

    @property
    def end_of_day(self) -> time:
        return self.periods[-1][1]


DEFAULT_WORKING_HOURS = WorkingHours()


def _us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
