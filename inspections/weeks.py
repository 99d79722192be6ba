"""Reporting weeks: Monday–Sunday in Asia/Ho_Chi_Minh, named by ISO week (``2025-W45``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from inspections.timeunits import VN_TZ
from schemas.timerange import END, FIRST_YEAR, LAST_YEAR, SUPPORTED

#: ASCII digits: ``\d`` took "٤٥/٢٠٢٥" too.
_WEEK = re.compile(r"^(?P<year>[0-9]{4})-[Ww](?P<number>[0-9]{2})$")
#: A week as the Vietnamese documents and the console's dashboard write it: number/year (``45/2025``).
_WEEK_VI = re.compile(r"^(?P<number>[0-9]{1,2})/(?P<year>[0-9]{4})$")


class WeekError(ValueError):
    """A week name that is not ``YYYY-Www`` or names no such week."""


@dataclass(frozen=True, slots=True, order=True)
class Week:
    """One ISO week; ``start`` is its Monday, ``end`` the following Monday (exclusive)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        match = _WEEK.match(text.strip()) or _WEEK_VI.match(text.strip())
        if match is None:
            raise WeekError(f"{text!r} is not a week; write e.g. 2025-W45 (or 45/2025)")
        year, number = int(match["year"]), int(match["number"])
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise WeekError(f"{text!r}: {year} has no week {number}") from None
        return cls(year, number)

    @classmethod
    def of(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def containing(cls, instant: datetime) -> Week:
        """The week holding ``instant`` in Vietnamese local time."""
        return cls.of(instant.astimezone(VN_TZ).date())

    @classmethod
    def last_complete(cls, instant: datetime) -> Week:
        """The latest week that has fully ended at ``instant`` (local time)."""
        return cls.containing(instant).previous()

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> date:
        """The Monday after the week (the period is ``[start, end)``)."""
        return self.start + timedelta(days=7)

    @property
    def sunday(self) -> date:
        return self.start + timedelta(days=6)

    def previous(self, n: int = 1) -> Week:
        return Week.of(self.start - timedelta(days=7 * n))

    def next(self, n: int = 1) -> Week:
        return Week.of(self.start + timedelta(days=7 * n))

    def history(self, n: int) -> list[Week]:
        """The ``n`` weeks ending with this one, oldest first."""
        return [self.previous(i) for i in range(n - 1, -1, -1)]

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"


def supported_week(text: str) -> Week:
    """An ISO week (``2025-W45``) whose days all fall in the supported years; else a ``WeekError``. What a
    user's week is read with (the commands' ``--week``, the console's ``?week=``): ``Week.parse`` takes any
    year, and nothing is known outside the calendar's years, a week 9999-W52 overflows ``date`` at its end
    and the warehouse's dates start in 1970."""
    week = Week.parse(text)
    # A week across a bound is said so: "2050-W52 is outside the years 2000–2050" read as wrong (review).
    last = week.start + timedelta(days=6) if week.start.year <= LAST_YEAR else week.start  # 9999-W52
    if week.start.year <= LAST_YEAR < last.year:
        raise WeekError(f"{text!r} ends on {last.isoformat()}, after {SUPPORTED}")
    if week.start.year < FIRST_YEAR <= last.year:
        raise WeekError(f"{text!r} starts on {week.start.isoformat()}, before {SUPPORTED}")
    if not date(FIRST_YEAR, 1, 1) <= week.start <= END.date() - timedelta(days=7):
        raise WeekError(f"{text!r} is outside {SUPPORTED}")
    return week
