"""What the weekly report says about the calendar its due dates and lateness were counted with.

Working days decide every due date and every "late", and the calendar knows a year's days off exactly only
from the government's notice for it (``inspections/calendars/vn/YYYY.yaml``). A year without one follows
the Labour Code's pattern: Tết's days as the law fixes them, no swap, no make-up Saturday. A report of a
December week counts its dossiers' due dates into January, so until next year's notice is in the calendar
its figures there may still move; and a day off the calendar marks unconfirmed (``U``: 24/11/2026, the
culture day, was announced before the law changed) may turn out a working day. The leadership reading the
report is told both, in one sentence each, from the calendar stored with the catalogue snapshot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from inspections.calendar import WorkingCalendar
from inspections.calendar_days import LAM_BU, HolidayKind
from inspections.catalogue import Catalogue
from inspections.files.calendar import follows_pattern
from inspections.timeunits import HOURS_PER_WORKING_DAY, TimeUnit
from inspections.weeks import Week
from warehouse.base import Warehouse
from warehouse.queries import load_sql

#: How far past the week its dossiers' due dates reach: most procedures take at most 20 working days, a
#: few 30; 45 calendar days cover 30 working days around a holiday. A catalogue with longer limits reaches
#: further (:func:`horizon`).
HORIZON = timedelta(days=45)
#: Calendar days per working day, and the margin for a long holiday, of :func:`horizon`.
_DAYS_PER_WORKING_DAY, _HOLIDAY_MARGIN = 1.5, 15

_PATTERN = {
    "vi": "Lịch ngày nghỉ {years} đang tính theo quy định của Bộ luật Lao động, chưa theo thông báo nghỉ "
    "lễ, Tết của Chính phủ cho năm đó: hạn giải quyết rơi vào thời gian này, và các vi phạm về thời hạn, "
    "tỷ lệ đúng hạn tính theo đó, có thể thay đổi khi lịch được cập nhật.",
    "en": "The days off of {years} follow the Labour Code's pattern, not yet the government's notice for "
    "that year: due dates that fall then, and the time-limit violations and on-time rate counted from "
    "them, may change once the calendar is updated.",
}
_UNCONFIRMED = {
    "vi": "Được tính là ngày nghỉ nhưng chưa được xác nhận: {days}.",
    "en": "Counted as days off but not confirmed: {days}.",
}


@dataclass(frozen=True, slots=True)
class CalendarNote:
    """The years the week's due dates reach whose days off follow the pattern only, and the unconfirmed
    days off among the days they reach (those of the pattern's years aside: the first sentence says it)."""

    pattern_years: tuple[int, ...] = ()
    unconfirmed: tuple[tuple[date, str, str], ...] = ()  # (day, name_vi, name_en)

    def lines(self, lang: str) -> list[str]:
        """The note's sentences in ``lang`` (none when the calendar is a notice's throughout)."""
        lines: list[str] = []
        if self.pattern_years:
            years = ", ".join(str(y) for y in self.pattern_years)
            word = ("năm " if len(self.pattern_years) == 1 else "các năm ") if lang == "vi" else ""
            lines.append(_PATTERN[lang].format(years=word + years))
        if self.unconfirmed:
            days = "; ".join(_day(d, vi, en, lang) for d, vi, en in self.unconfirmed)
            lines.append(_UNCONFIRMED[lang].format(days=days))
        return lines


def horizon(catalogue: Catalogue | None) -> timedelta:
    """How far past a week its dossiers' due dates may reach: :data:`HORIZON`, or what the catalogue's longest
    time limit needs (a working day as a day and a half, and a fortnight for a long holiday): a procedure of
    60 working days received in October is due in January, beyond 45 days (review of New Year 2027)."""
    if catalogue is None:
        return HORIZON
    longest = 0.0
    for procedure in catalogue.procedures.values():
        for limit in (procedure.max_time, *(t.max_time for t in procedure.time_limits)):
            if limit.unit is TimeUnit.CALENDAR_DAYS:
                longest = max(longest, float(limit.amount))
            elif limit.unit is TimeUnit.WORKING_DAYS:
                longest = max(longest, float(limit.amount) * _DAYS_PER_WORKING_DAY)
            elif limit.unit is TimeUnit.WORKING_HOURS:
                longest = max(longest, float(limit.amount) / HOURS_PER_WORKING_DAY * _DAYS_PER_WORKING_DAY)
    return max(HORIZON, timedelta(days=math.ceil(longest) + _HOLIDAY_MARGIN))


def calendar_note(
    wh: Warehouse,
    week: Week,
    calendar: WorkingCalendar | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> CalendarNote:
    """The note for ``week``: the days from its Monday to its :func:`horizon` after it (the ``catalogue``'s
    longest limit, :data:`HORIZON` at least), in ``calendar`` (the process's, the one its folds were judged
    with), else in the newest calendar snapshot the warehouse stores (none: no note)."""
    first, last = week.start, week.end + horizon(catalogue)
    start, stop = date(first.year, 1, 1), date(last.year + 1, 1, 1)
    if calendar is None:
        rows = [
            tuple(row)
            for row in wh.query(load_sql("report_calendar_days"), {"from_day": start, "to_day": stop})
        ]
    else:
        rows = [
            (d, h.kind.value, h.name_vi, h.name_en, h.source, h.confidence.value)
            for d, h in sorted(calendar.holidays.items())
            if start <= d < stop
        ]
    statutory: dict[int, list[str]] = {}
    unconfirmed: list[tuple[date, str, str]] = []
    for day, kind, name_vi, name_en, source, confidence in rows:
        if kind == HolidayKind.STATUTORY.value:
            statutory.setdefault(day.year, []).append(source)
        if confidence == "U" and kind != LAM_BU and first <= day < last:
            unconfirmed.append((day, name_vi, name_en))
    pattern = tuple(y for y in range(first.year, last.year + 1) if follows_pattern(statutory.get(y, ())))
    return CalendarNote(pattern, tuple(u for u in unconfirmed if u[0].year not in pattern))


def _day(d: date, name_vi: str, name_en: str, lang: str) -> str:
    return f"{d:%d/%m/%Y} ({name_vi})" if lang == "vi" else f"{d.isoformat()} ({name_en})"
