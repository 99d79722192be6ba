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
from inspections.standing import Judged
from inspections.timeunits import VN_TZ, ProcessingTime, TimeUnit

Status = Literal["early", "on_time", "late"]
Basis = Literal["repeated_supplement", "due_at", "max_time", "no_limit", "restart"]

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Classification:
    """A received dossier's standing at ``as_of``; ``late_since`` is when it became late.

    ``due_instant``: the legal due instant when the limit is judged in working hours (v2), else ``None``.
    """

    status: Status
    basis: Basis
    due_date: date | None
    late_since: datetime | None
    due_instant: datetime | None = None

    @property
    def is_late(self) -> bool:
        return self.status == "late"


def local_midnight(d: date) -> datetime:
    """The first instant of local date ``d``."""
    return datetime.combine(d, time(0), tzinfo=VN_TZ)


def _compare(end: date, due: date) -> Status:
    if end < due:
        return "early"
    return "on_time" if end == due else "late"


def classify(facts: Judged, catalogue: CataloguePort, calendar: CalendarPort) -> Classification | None:
    """Classify a received dossier; ``None`` when it was never received (not audited for lateness).

    ``facts``: a ``DossierFacts``, or only the part of them read here (``inspections.standing``)."""
    received = facts.received
    if received is None:
        return None
    requests = facts.supplement_requests
    if len(requests) > 1:
        return Classification("late", "repeated_supplement", None, requests[1].occurred_at)

    if facts.restart_at is not None:
        procedure = catalogue.procedure(facts.procedure_code) if facts.procedure_code else None
        if procedure is not None and procedure.max_time.is_limited:
            return _by_max_time(facts, facts.restart_at, procedure.max_time, calendar, "restart")

    if facts.due_at is not None:
        due = calendar.local_date(facts.due_at)
        status = _compare(calendar.local_date(facts.effective_end), due)
        return Classification(status, "due_at", due, _late_since(status, due, facts.pause))

    procedure = catalogue.procedure(facts.procedure_code) if facts.procedure_code else None
    if procedure is None or not procedure.max_time.is_limited:
        return Classification("on_time", "no_limit", None, None)
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
                return Classification("late", basis, due.day, due.instant + pause + _TICK, due.instant)
            status = "early" if calendar.local_date(end) < due.day else "on_time"
            return Classification(status, basis, due.day, None, due.instant)
        status = _compare(calendar.local_date(end), due.day)  # same day (amendment 4)
        return Classification(status, basis, due.day, _late_since(status, due.day, pause))
    legal = calendar.legal_due_date(start, max_time)
    assert legal is not None  # a limited time always has a legal due date
    if max_time.unit is TimeUnit.WORKING_DAYS and float(max_time.amount).is_integer():
        limit = int(max_time.amount)
        used = calendar.working_days_between(start, end)
        status = "early" if used < limit else ("on_time" if used == limit else "late")
        first_late = calendar.working_day_offset(calendar.local_date(start), limit + 1)
        since = local_midnight(first_late) + pause if status == "late" else None
        return Classification(status, basis, legal, since)
    status = _compare(calendar.local_date(end), legal)
    return Classification(status, basis, legal, _late_since(status, legal, pause))


def _late_since(status: Status, due: date, pause: timedelta) -> datetime | None:
    if status != "late":
        return None
    return local_midnight(due + timedelta(days=1)) + pause
