"""What the commands' date and instant options accept (``--as-of``, ``--from``/``--to``, the simulator's
``--start`` and ``--weeks``), each refused with one line naming the option's forms, inside the supported
years (``schemas.timerange``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from dossier_audit.cli.common import UsageError
from inspections.timeunits import VN_TZ
from schemas.timerange import EARLIEST, END, FIRST_YEAR, LAST_YEAR, SUPPORTED, in_range

#: What ``--as-of`` and the other instant options accept, said in every message about one.
INSTANT_FORMATS = (
    "a date YYYY-MM-DD (00:00 in Asia/Ho_Chi_Minh) or an RFC 3339 timestamp such as 2025-11-03T09:00:00+07:00"
)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: RFC 3339 (a space for the T too, as ``datetime.fromisoformat`` reads), the offset optional here so
#: that a missing one gets its own hint. ASCII digits only: Python's ``\d`` and ``fromisoformat`` take
#: other scripts' digits too. A fraction of any length, as RFC 3339 allows (nanoseconds were refused as
#: no timestamp at all: review); ``fromisoformat`` keeps its microseconds.
_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)


def parse_instant(text: str) -> datetime:
    """An RFC 3339 instant with offset, or a date meaning 00:00 of that day in Asia/Ho_Chi_Minh, in the
    supported years (``schemas.timerange``: the working calendar knows no other, so an evaluation time
    outside them could only give a wrong answer)."""
    shape = _TIMESTAMP.match(text)
    if _DATE.match(text) is None and shape is None:
        raise UsageError(f"{text!r} is not {INSTANT_FORMATS}")
    try:
        if shape is None:
            value = datetime.combine(date.fromisoformat(text), time(0), tzinfo=VN_TZ)
        else:
            value = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{text!r} is not a valid date or time (write {INSTANT_FORMATS})") from None
    if value.tzinfo is None:
        raise UsageError(f"{text!r} has no UTC offset; write e.g. {text}+07:00")
    try:
        supported = in_range(value)
    except OverflowError:  # an offset that carries the instant past year 1 or 9999
        supported = False
    if not supported:
        raise UsageError(f"{text!r} is outside {SUPPORTED}")
    return value


def parse_date(text: str) -> date:
    """A day YYYY-MM-DD in the supported years; the first day after them too, so that an exclusive
    ``--to`` can close a period at the end of the last one."""
    if _DATE.match(text) is None:
        raise UsageError(f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a valid date (YYYY-MM-DD)") from None
    if not date(FIRST_YEAR, 1, 1) <= day <= END.date():
        raise UsageError(
            f"{text!r} is outside {SUPPORTED}: give a day from {FIRST_YEAR}-01-01 to {LAST_YEAR + 1}-01-01"
        )
    return day


def simulated_period(start: str, weeks: int) -> tuple[date, date]:
    """``--start`` and ``--weeks`` as the first day and the day after the last, both in the supported
    years (a simulated event outside them would be rejected, and ``date`` overflows past 9999)."""
    from dossier_audit.simulator.config import PLAN_AFTER, PLAN_BEFORE

    first = parse_date(start)
    # The simulator plans PLAN_BEFORE the period and PLAN_AFTER it on the calendar: a period ending within
    # PLAN_AFTER of the last supported day failed on a day no option named (review).
    earliest, last = (EARLIEST + PLAN_BEFORE).date(), (END - PLAN_AFTER).date() - timedelta(days=1)
    if first < earliest:
        raise UsageError(f"--start {first}: the simulator plans from {PLAN_BEFORE.days} days before the "
                         f"period ({SUPPORTED}): give a --start from {earliest} on")  # fmt: skip
    if not 1 <= weeks <= (last - first).days // 7:
        latest = (
            f"; the latest --start for {weeks} week(s) is {last - timedelta(weeks=weeks)}"
            if 1 <= weeks <= (last - earliest).days // 7 else ""
        )  # fmt: skip
        raise UsageError(
            f"--weeks {weeks}: from {first} the simulated period must be at least one week and end before "
            f"{last} (the simulator plans {PLAN_AFTER.days} days past it, within {SUPPORTED}){latest}"
        )
    return first, first + timedelta(weeks=weeks)
