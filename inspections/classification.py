"""Early / on time / late, as RULES.md and the national index 2.1 define them.

The version's differences come in through the facts (``facts.semantics``, and the v2 facts' pauses and
restart) and through ``deadlines.legal_due``: v2 judges working-hour limits as instants (amendment 3),
same-day procedures by working hours (amendment 4) and, with ``supplement_clock = restart``, counts the
limit from the last supplement completion (amendment 13).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from inspections.deadlines import amends, legal_due
from inspections.ports import CalendarPort, CataloguePort
from inspections.slotted import maker
from inspections.standing import Judged
from inspections.timeunits import VN_TZ, ProcessingTime, TimeUnit

Status = Literal["early", "on_time", "late"]
Basis = Literal["repeated_supplement", "due_at", "max_time", "no_limit", "restart"]

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Classification:
    """A received dossier's standing at ``as_of``; ``late_since`` is when it became late.

    ``due_instant``: the legal due instant when the limit is judged in working hours (v2), else ``None``.
    ``first_late_day``: v1's whole working days, the first working day past the limit (the day it is late
    from); the other limits by date are late from the day after ``due_date`` (see :func:`late_from`).
    """

    status: Status
    basis: Basis
    due_date: date | None
    late_since: datetime | None
    due_instant: datetime | None = None
    first_late_day: date | None = None

    @property
    def is_late(self) -> bool:
        return self.status == "late"


#: ``Classification(...)`` with every field given, faster (``slotted``): one is built per judgement.
_classification = maker(Classification)


def local_midnight(d: date) -> datetime:
    """The first instant of local date ``d``."""
    return datetime.combine(d, time(0), tzinfo=VN_TZ)


#: Local dates remembered by the identity of their instant, each kept alive with its date (so that no
#: other instant can take its identity while remembered).
Days = dict[int, tuple[datetime, date]]


def local_day(t: datetime, calendar: CalendarPort, days: Days) -> date:
    """``calendar.local_date(t)``, remembered in ``days``."""
    known = days.get(id(t))
    if known is None:
        day = calendar.local_date(t)
        days[id(t)] = (t, day)
        return day
    return known[1]


def _compare(end: date, due: date) -> Status:
    if end < due:
        return "early"
    return "on_time" if end == due else "late"


def classify(
    facts: Judged, catalogue: CataloguePort, calendar: CalendarPort, days: Days | None = None
) -> Classification | None:
    """Classify a received dossier; ``None`` when it was never received (not audited for lateness).

    ``facts``: a ``DossierFacts``, or only the part of them read here (``inspections.standing``).
    ``days``: local dates to remember (see :func:`local_day`), for a caller that judges one dossier at
    many instants (its due date and its end repeat)."""
    received = facts.received
    if received is None:
        return None
    requests = facts.supplement_requests
    if len(requests) > 1:
        return _classification("late", "repeated_supplement", None, requests[1].occurred_at, None, None)

    if facts.restart_at is not None:
        code = facts.procedure_code  # its time limit when received, whatever changed since
        procedure = catalogue.procedure(code, received.occurred_at) if code else None
        if procedure is not None and procedure.max_time.is_limited:
            return _by_max_time(facts, facts.restart_at, procedure.max_time, calendar, "restart")

    if facts.due_at is not None:
        if days is None:
            due, end = calendar.local_date(facts.due_at), calendar.local_date(facts.effective_end)
        else:
            due, end = local_day(facts.due_at, calendar, days), local_day(facts.effective_end, calendar, days)
        status = _compare(end, due)
        return _classification(status, "due_at", due, _late_since(status, due, facts.pause), None, None)

    code = facts.procedure_code
    procedure = catalogue.procedure(code, received.occurred_at) if code else None
    if procedure is None or not procedure.max_time.is_limited:
        return _classification("on_time", "no_limit", None, None, None, None)
    return _by_max_time(facts, received.occurred_at, procedure.max_time, calendar, "max_time")


def _by_max_time(
    facts: Judged, start: datetime, max_time: ProcessingTime, calendar: CalendarPort, basis: Basis
) -> Classification:
    """Judge the effective end against ``max_time`` counted from ``start`` (receipt, or a restart)."""
    pause = facts.pause
    end = facts.effective_end
    status: Status
    if facts.semantics.amended and amends(max_time):
        due = legal_due(calendar, start, max_time, amended=True)
        assert due is not None  # callers pass limited times only
        if due.instant is not None:  # a limit in working hours: late strictly after the instant
            if end > due.instant:
                return _classification("late", basis, due.day, due.instant + pause + _TICK, due.instant, None)
            status = "early" if calendar.local_date(end) < due.day else "on_time"
            return _classification(status, basis, due.day, None, due.instant, None)
        status = _not_early(_compare(calendar.local_date(end), due.day), basis)  # same day (amendment 4)
        return _classification(status, basis, due.day, _late_since(status, due.day, pause), None, None)
    legal = calendar.legal_due_date(start, max_time)
    assert legal is not None  # a limited time always has a legal due date
    # No appointment: v1's count of working days. A restart compares the end with the new legal due date
    # (amendment 13's words), as with an appointment: processed on the Saturday after a Friday due date is
    # late, where the count found no working day past it (rules review).
    if basis == "max_time" and max_time.unit is TimeUnit.WORKING_DAYS and float(max_time.amount).is_integer():
        limit = int(max_time.amount)
        used = calendar.working_days_between(start, end)
        status = _not_early("early" if used < limit else ("on_time" if used == limit else "late"), basis)
        first_late = calendar.working_day_offset(calendar.local_date(start), limit + 1)
        since = local_midnight(first_late) + pause if status == "late" else None
        return _classification(status, basis, legal, since, None, first_late)
    status = _not_early(_compare(calendar.local_date(end), legal), basis)
    return _classification(status, basis, legal, _late_since(status, legal, pause), None, None)


def _not_early(status: Status, basis: Basis) -> Status:
    """A dossier received with no appointment (``basis`` ``"max_time"``) is *on time* when not late, never
    *early*: RULES.md, "No ``due_at`` → on time when [within] the procedure's maximum processing time,
    else late". Only a limit in working hours (v2 amendment 3) and a restarted clock (amendment 13:
    "compares the end with" the new legal due date, as with an appointment) tell early apart (review: a
    dossier processed in one of its three working days counted early on the form)."""
    return "on_time" if status == "early" and basis == "max_time" else status


def late_from(cls: Classification) -> datetime | None:
    """For a dossier ``cls`` judged not late: the instant its ``late_since`` is at the least, whenever
    facts judged the same way (every member classification reads but the effective end and the pause)
    with a pause of zero or more are late; ``None``: such facts are never late.

    Each late judgement but a repeated supplement's (the requests are among what is judged the same) sets
    ``late_since`` to this instant plus the pause, by wall-clock arithmetic in its zone: just after a due
    instant (v2's working hours), or the midnight starting the first day late (the day after the due date,
    or v1's first working day past a whole number of working days). Without a limit, or due on the last
    date there is, nothing is ever late by the clock."""
    if cls.due_instant is not None:
        return cls.due_instant + _TICK
    day = cls.first_late_day
    if day is None:
        due = cls.due_date
        if due is None or due == date.max:
            return None
        day = due + _DAY
    return local_midnight(day)


_DAY = timedelta(days=1)


def _late_since(status: Status, due: date, pause: timedelta) -> datetime | None:
    if status != "late":
        return None
    return local_midnight(due + timedelta(days=1)) + pause
