"""The working-day calendar: which local dates are working days, and arithmetic over them.

Everything is precomputed once per calendar (a byte per day, a prefix count of working days and the
sorted working-day ordinals), so every query is O(1) or a couple of list look-ups: it runs per dossier
event. Dates are local to Vietnam (``VN_TZ``, a fixed UTC+07:00 over the supported years).
The values it is built from and exports (holidays, make-up days, per-day rows, working hours) live in
:mod:`inspections.calendar_days`; loading the shipped data lives in :mod:`inspections.files.calendar`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from inspections.calendar_days import (
    _US_PER_HOUR,
    DEFAULT_WORKING_HOURS,
    LAM_BU,
    CalendarDay,
    Confidence,
    Holiday,
    HolidayKind,
    MakeUpDay,
    WorkingHours,
    _us,
)
from inspections.timeunits import HOURS_PER_WORKING_DAY, VN_TZ, ProcessingTime, TimeUnit
from schemas import timerange

#: The years covered: exactly those event times may fall in (validation rejects the others), so that no
#: valid event's date is outside the calendar.
FIRST_YEAR = timerange.FIRST_YEAR
LAST_YEAR = timerange.LAST_YEAR

# Vietnam has kept UTC+07:00 without DST since 1975, so local dates are exact integer arithmetic.
_VN_OFFSET_S = 7 * 3600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()
_US_PER_DAY = 86_400_000_000


class CalendarRangeError(ValueError):
    """A date or a result falls outside the years the calendar covers."""


class WorkingCalendar:
    """An immutable working-day calendar for ``first_year``..``last_year`` (inclusive).

    A day is a working day when it is Monday–Friday and not a holiday, or when it is a make-up
    working day (a holiday on the same date wins). All ``datetime`` arguments must be aware.
    """

    __slots__ = (
        "_base",
        "_before",
        "_first",
        "_holidays",
        "_last",
        "_make_up",
        "_ords",
        "_periods",
        "_size",
        "_wday_us",
        "_work",
        "_working_hours",
    )

    _base: int
    _before: list[int]
    _first: date
    _holidays: dict[date, Holiday]
    _last: date
    _make_up: dict[date, MakeUpDay]
    _ords: list[int]
    _periods: tuple[tuple[int, int], ...]
    _size: int
    _work: bytes
    _working_hours: WorkingHours
    _wday_us: int

    def __init__(
        self,
        holidays: Iterable[Holiday],
        make_up_days: Iterable[MakeUpDay] = (),
        *,
        first_year: int = FIRST_YEAR,
        last_year: int = LAST_YEAR,
        working_hours: WorkingHours = DEFAULT_WORKING_HOURS,
    ) -> None:
        first, last = date(first_year, 1, 1), date(last_year, 12, 31)
        hol = {h.date: h for h in holidays if first <= h.date <= last}
        mup = {m.date: m for m in make_up_days if first <= m.date <= last}
        base = first.toordinal()
        size = last.toordinal() - base + 1
        work = bytearray(size)
        before = [0] * (size + 1)
        ords: list[int] = []
        for i in range(size):
            d = date.fromordinal(base + i)
            if d not in hol and (d.weekday() < 5 or d in mup):
                work[i] = 1
                ords.append(base + i)
            before[i + 1] = len(ords)
        s = object.__setattr__
        s(self, "_first", first)
        s(self, "_last", last)
        s(self, "_holidays", hol)
        s(self, "_make_up", mup)
        s(self, "_base", base)
        s(self, "_size", size)
        s(self, "_work", bytes(work))
        s(self, "_before", before)
        s(self, "_ords", ords)
        s(self, "_working_hours", working_hours)
        s(self, "_periods", tuple((_us(a), _us(b)) for a, b in working_hours.periods))
        s(self, "_wday_us", sum(b - a for a, b in self._periods))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("WorkingCalendar is immutable")

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar({self._first.year}..{self._last.year}, {len(self._holidays)} holidays, "
            f"{len(self._make_up)} make-up days)"
        )

    # --- data access -------------------------------------------------------------------------

    @property
    def first_date(self) -> date:
        return self._first

    @property
    def last_date(self) -> date:
        return self._last

    @property
    def working_hours(self) -> WorkingHours:
        return self._working_hours

    @property
    def holidays(self) -> Mapping[date, Holiday]:
        return dict(self._holidays)

    @property
    def make_up_days(self) -> Mapping[date, MakeUpDay]:
        return dict(self._make_up)

    def holiday(self, d: date) -> Holiday | None:
        """The holiday on local date ``d``, if any."""
        return self._holidays.get(d)

    def make_up_day(self, d: date) -> MakeUpDay | None:
        """The make-up working day on ``d``, if any."""
        return self._make_up.get(d)

    def to_rows(self, start: date | None = None, end: date | None = None) -> list[CalendarDay]:
        """The merged per-day calendar from ``start`` to ``end`` inclusive (default: all of it)."""
        lo = self._index(start or self._first)
        hi = self._index(end or self._last)
        rows = []
        for i in range(lo, hi + 1):
            d = date.fromordinal(self._base + i)
            working = bool(self._work[i])
            h = self._holidays.get(d)
            m = self._make_up.get(d)
            if h is not None:
                rows.append(
                    CalendarDay(d, working, h.kind.value, h.name_vi, h.name_en, None, h.source, h.confidence)
                )
            elif m is not None:
                rows.append(CalendarDay(d, working, LAM_BU, None, None, m.replaces, m.source, m.confidence))
            else:
                rows.append(CalendarDay(d, working))
        return rows

    @classmethod
    def from_rows(
        cls, rows: Iterable[CalendarDay], working_hours: WorkingHours = DEFAULT_WORKING_HOURS
    ) -> WorkingCalendar:
        """Rebuild a calendar from :meth:`to_rows` output; the years covered are those of the rows."""
        rows = list(rows)
        if not rows:
            raise ValueError("no calendar rows")
        holidays: list[Holiday] = []
        make_up: list[MakeUpDay] = []
        for r in rows:
            if r.kind == LAM_BU:
                make_up.append(MakeUpDay(r.date, r.replaces, r.source or "", r.confidence or Confidence.U))
            elif r.kind is not None:
                holidays.append(
                    Holiday(
                        r.date,
                        r.holiday_name_vi or "",
                        r.holiday_name_en or "",
                        HolidayKind(r.kind),
                        r.source or "",
                        r.confidence or Confidence.U,
                    )
                )
        cal = cls(
            holidays,
            make_up,
            first_year=min(r.date for r in rows).year,
            last_year=max(r.date for r in rows).year,
            working_hours=working_hours,
        )
        for r in rows:
            if cal.is_working_day(r.date) != r.is_working_day:
                raise ValueError(f"row for {r.date} says is_working_day={r.is_working_day}, data disagrees")
        return cal

    # --- days --------------------------------------------------------------------------------

    def _index(self, d: date) -> int:
        return self._index_o(d.toordinal())

    def _index_o(self, o: int) -> int:
        i = o - self._base
        if not 0 <= i < self._size:
            raise CalendarRangeError(
                f"{date.fromordinal(o)} is outside the calendar ({self._first}..{self._last})"
            )
        return i

    @staticmethod
    def local_date(t: datetime) -> date:
        """The local (Asia/Ho_Chi_Minh) calendar date of an aware instant."""
        return date.fromordinal(_local_ordinal(t))

    def is_working_day(self, d: date) -> bool:
        return self._work[self._index(d)] == 1

    def _offset_ordinal(self, o: int, n: int) -> int:
        i = self._index_o(o)
        if n > 0:
            k = self._before[i + 1] + n - 1
            if k >= len(self._ords):
                raise CalendarRangeError(f"{n} working days after {date.fromordinal(o)} is past {self._last}")
        elif n < 0:
            k = self._before[i] + n
            if k < 0:
                raise CalendarRangeError(
                    f"{-n} working days before {date.fromordinal(o)} is before {self._first}"
                )
        else:
            return o
        return self._ords[k]

    def working_day_offset(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (n > 0), strictly before it (n < 0), or ``d``."""
        return date.fromordinal(self._offset_ordinal(d.toordinal(), n))

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return date.fromordinal(self._offset_ordinal(d.toordinal(), 1))

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The same local wall-clock time on the n-th working day after (n < 0: before) start's date."""
        o = _local_ordinal(start)
        days = self._offset_ordinal(o, n) - o
        return _shift_days(start, days) if days else start

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days d with local_date(start) < d <= local_date(end); 0 when end <= start."""
        a, b = _local_ordinal(start), _local_ordinal(end)
        if b <= a:
            return 0
        return self._before[self._index_o(b) + 1] - self._before[self._index_o(a) + 1]

    def end_of_working_day(self, d: date) -> datetime:
        """The end of the last working period on ``d`` (17:00 local by default)."""
        return datetime.combine(d, self._working_hours.end_of_day, tzinfo=VN_TZ)

    # --- hours -------------------------------------------------------------------------------

    def _position(self, t: datetime) -> int:
        """Working microseconds from the calendar's start up to ``t``."""
        delta = t - _EPOCH if t.tzinfo is not None else _naive(t)
        local_s = delta.seconds + _VN_OFFSET_S
        i = self._index_o(_EPOCH_ORDINAL + delta.days + local_s // 86400)
        pos = self._before[i] * self._wday_us
        if self._work[i]:
            tod = (local_s % 86400) * 1_000_000 + delta.microseconds
            for a, b in self._periods:
                if tod <= a:
                    break
                pos += (tod if tod < b else b) - a
        return pos

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Consume ``hours`` of working time from ``start`` (snapping forward into working periods).

        A result that falls exactly on the end of a period is that end (e.g. 17:00), not the next
        period's start.
        """
        if hours < 0 or math.isnan(hours):
            raise ValueError(f"hours must be >= 0, got {hours}")
        us = round(hours * _US_PER_HOUR)
        if us == 0:
            return start
        p = self._position(start) + us
        k, r = divmod(p - 1, self._wday_us)
        r += 1
        if k >= len(self._ords):
            raise CalendarRangeError(f"{hours} working hours after {start} is past {self._last}")
        for a, b in self._periods:
            if r <= b - a:
                tod = a + r
                break
            r -= b - a
        instant = _EPOCH + timedelta(
            days=self._ords[k] - _EPOCH_ORDINAL, microseconds=tod, seconds=-_VN_OFFSET_S
        )
        return instant.astimezone(start.tzinfo)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours inside working periods between two instants; 0 when end <= start."""
        if end <= start:
            return 0.0
        return (self._position(end) - self._position(start)) / _US_PER_HOUR

    # --- legal due date ----------------------------------------------------------------------

    def legal_due_date(self, received_at: datetime, max_time: ProcessingTime) -> date | None:
        """The last local date a dossier received at ``received_at`` may be returned on.

        Fractional working days count as ``amount * 8`` working hours; calendar days are rounded up
        and a non-working result moves to the next working day; ``TimeUnit.NONE`` gives None.
        """
        unit, amount = max_time.unit, max_time.amount
        if unit is TimeUnit.NONE:
            return None
        if amount < 0:
            raise ValueError(f"negative processing time {max_time!r}")
        if unit is TimeUnit.WORKING_DAYS:
            if float(amount).is_integer():
                return self.local_date(self.add_working_days(received_at, int(amount)))
            return self.local_date(self.add_working_hours(received_at, amount * HOURS_PER_WORKING_DAY))
        if unit is TimeUnit.WORKING_HOURS:
            return self.local_date(self.add_working_hours(received_at, amount))
        due = self.local_date(received_at) + timedelta(days=math.ceil(amount))
        return due if self.is_working_day(due) else self.next_working_day(due)


def _naive(t: datetime) -> timedelta:
    raise ValueError(f"naive datetime {t!r}: the calendar needs timezone-aware datetimes")


def _local_ordinal(t: datetime) -> int:
    if t.tzinfo is None:
        _naive(t)
    delta = t - _EPOCH
    return _EPOCH_ORDINAL + delta.days + (delta.seconds + _VN_OFFSET_S) // 86400


def _shift_days(t: datetime, days: int) -> datetime:
    tz = t.tzinfo
    if tz is VN_TZ or tz is UTC:
        # Fixed offsets: wall-clock addition is also absolute addition.
        return t + timedelta(days=days)
    # Keep the Vietnamese wall-clock time even if the caller's zone has DST.
    return (t.astimezone(UTC) + timedelta(days=days)).astimezone(tz)
