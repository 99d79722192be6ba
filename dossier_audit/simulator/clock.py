"""The simulator's time: a seeded fast random source and the working-minute clock over the calendar.

Planning in working minutes of the calendar's own working day keeps every event inside working hours and
makes "a time between a and b" a single ``randint``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

from inspections.calendar_days import DEFAULT_WORKING_HOURS
from inspections.timeunits import ProcessingTime

_T = TypeVar("_T")

#: Fixed UTC+07:00 (Vietnam has no DST); faster than ZoneInfo and renders as "+07:00".
TZ = timezone(timedelta(hours=7))


def _minute_of(t: time) -> int:
    return t.hour * 60 + t.minute


# The working day is the calendar's (07:00–11:30 and 13:30–17:00), not a second copy of it: the simulator
# plans in working minutes of exactly the periods the rules count in.
(_AM_START, _AM_END), (_PM_START, _PM_END) = (
    (_minute_of(a), _minute_of(b)) for a, b in DEFAULT_WORKING_HOURS.periods
)
#: Working minutes of the morning (270) and of the whole working day (480).
_MORNING = _AM_END - _AM_START
DAY_MINUTES = _MORNING + _PM_END - _PM_START
_SECONDS = [timedelta(seconds=s) for s in range(60)]
SUFFIX = [f"-{n:02d}" for n in range(100)]
ACTORS = [f"cb-{n:03d}" for n in range(1, 61)]
#: Arrivals are received no later than this working minute of a day, so same-day processing fits.
LAST_ARRIVAL_MINUTE = 470


class FastRandom(random.Random):
    """``random.Random`` with cheaper integer and choice draws (one ``random()`` call each).

    The draws are deterministic per seed, like the base class, but not bit-identical to it; a bias
    below 2**-40 is irrelevant for a simulation.
    """

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        if stop <= start or step != 1:
            return super().randrange(start, stop, step)
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        return seq[int(self.random() * len(seq))]


class Calendar(Protocol):
    """The calendar calls the simulator needs (``inspections.calendar.WorkingCalendar`` fits)."""

    def is_working_day(self, d: date) -> bool: ...

    def working_day_offset(self, d: date, n: int) -> date: ...

    def legal_due_date(self, received_at: datetime, max_time: ProcessingTime) -> date | None: ...

    def end_of_working_day(self, d: date) -> datetime: ...

    def add_working_hours(self, start: datetime, hours: float) -> datetime: ...


class Clock:
    """Working minutes as integers: ``wm = day_index * 480 + minute``, minute 0 = 07:00, 270 = 13:30.

    Planning in working minutes keeps events inside working hours and makes "a time between a and b"
    a single ``randint``.
    """

    def __init__(self, calendar: Calendar, first: date, last: date) -> None:
        self.days: list[date] = []
        self._le: dict[date, int] = {}  # index of the last working day <= d
        d = first
        while d <= last:
            if calendar.is_working_day(d):
                self.days.append(d)
            self._le[d] = len(self.days) - 1
            d += timedelta(days=1)
        if not self.days:
            raise ValueError(f"no working day between {first} and {last}")
        self.first, self.last = first, last
        self._dt_cache: dict[int, datetime] = {}
        self._label: dict[int, str] = {}

    def label(self, day_index: int) -> str:
        """``yyMMdd`` of a working day (for dossier ids)."""
        got = self._label.get(day_index)
        if got is None:
            got = self._label[day_index] = self.days[day_index].strftime("%y%m%d")
        return got

    def day_index_le(self, d: date) -> int:
        """Index of the last working day on or before ``d`` (-1 when none)."""
        return self._le[d]

    def day_index_ge(self, d: date) -> int:
        """Index of the first working day on or after ``d``."""
        i = self._le[d]
        return i if i >= 0 and self.days[i] == d else i + 1

    def is_working(self, d: date) -> bool:
        i = self._le[d]
        return i >= 0 and self.days[i] == d

    def after(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (n >= 1)."""
        return self.days[self._le[d] + n]

    def before(self, d: date, n: int) -> date:
        """The n-th working day strictly before ``d`` (n >= 1)."""
        return self.days[self.day_index_ge(d) - n]

    def first_wm(self, d: date) -> int:
        """First working minute on or after the start of ``d``."""
        return self.day_index_ge(d) * DAY_MINUTES

    def last_wm(self, d: date) -> int:
        """Last working minute on or before the end of ``d``."""
        return self.day_index_le(d) * DAY_MINUTES + DAY_MINUTES - 1

    def date_of(self, wm: int) -> date:
        return self.days[wm // DAY_MINUTES]

    def dt(self, wm: int, second: int = 0) -> datetime:
        """The local instant of a working minute (plus ``second``)."""
        base = self._dt_cache.get(wm)
        if base is None:
            day, m = divmod(wm, DAY_MINUTES)
            clock = _AM_START + m if m < _MORNING else _PM_START + (m - _MORNING)
            h, mi = divmod(clock, 60)
            base = self._dt_cache[wm] = datetime.combine(self.days[day], time(h, mi), tzinfo=TZ)
        return base + _SECONDS[second] if second else base

    def floor(self, t: datetime) -> int:
        """The last working minute starting at or before ``t``."""
        local = t.astimezone(TZ)
        d = local.date()
        i = self._le[d]
        if i < 0:
            raise ValueError(f"{t} is before the first working day")
        if self.days[i] != d:
            return i * DAY_MINUTES + DAY_MINUTES - 1
        minutes = local.hour * 60 + local.minute
        if minutes < _AM_START:
            return i * DAY_MINUTES - 1
        if minutes < _AM_END:
            return i * DAY_MINUTES + minutes - _AM_START
        if minutes < _PM_START:
            return i * DAY_MINUTES + _MORNING - 1
        if minutes < _PM_END:
            return i * DAY_MINUTES + _MORNING + minutes - _PM_START
        return i * DAY_MINUTES + DAY_MINUTES - 1

    def random_minute(self, rng: random.Random) -> int:
        """A minute of the working day with a morning peak (about 08:30)."""
        if rng.random() < 0.62:
            return int(rng.triangular(0, _MORNING, 90))
        return _MORNING + int(rng.triangular(0, DAY_MINUTES - _MORNING, 45))
