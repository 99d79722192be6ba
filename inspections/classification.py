"""Early / on time / late, as RULES.md and the national index 2.1 define them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from inspections.ports import CalendarPort, CataloguePort
from inspections.timeline import DossierFacts
from inspections.timeunits import VN_TZ, TimeUnit

Status = Literal["early", "on_time", "late"]
Basis = Literal["repeated_supplement", "due_at", "max_time", "no_limit"]


@dataclass(frozen=True, slots=True)
class Classification:
    """A received dossier's standing at ``as_of``; ``late_since`` is when it became late."""

    status: Status
    basis: Basis
    due_date: date | None
    late_since: datetime | None

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


def classify(facts: DossierFacts, catalogue: CataloguePort, calendar: CalendarPort) -> Classification | None:
    """Classify a received dossier; ``None`` when it was never received (not audited for lateness)."""
    received = facts.received
    if received is None:
        return None
    pause = facts.supplement_time + facts.financial_time
    end_date = calendar.local_date(facts.effective_end)

    if len(facts.supplement_requests) > 1:
        return Classification("late", "repeated_supplement", None, facts.supplement_requests[1].occurred_at)

    if facts.due_at is not None:
        due = calendar.local_date(facts.due_at)
        status = _compare(end_date, due)
        return Classification(status, "due_at", due, _late_since(status, due, pause))

    procedure = facts.procedure_code and catalogue.procedure(facts.procedure_code)
    if not procedure or not procedure.max_time.is_limited:
        return Classification("on_time", "no_limit", None, None)

    max_time = procedure.max_time
    legal = calendar.legal_due_date(received.occurred_at, max_time)
    if max_time.unit is TimeUnit.WORKING_DAYS and float(max_time.amount).is_integer():
        limit = int(max_time.amount)
        used = calendar.working_days_between(received.occurred_at, facts.effective_end)
        status = "early" if used < limit else ("on_time" if used == limit else "late")
        first_late = calendar.working_day_offset(calendar.local_date(received.occurred_at), limit + 1)
        since = local_midnight(first_late) + pause if status == "late" else None
        return Classification(status, "max_time", legal, since)
    assert legal is not None  # a limited time always has a legal due date
    status = _compare(end_date, legal)
    return Classification(status, "max_time", legal, _late_since(status, legal, pause))


def _late_since(status: Status, due: date, pause: timedelta) -> datetime | None:
    if status != "late":
        return None
    return local_midnight(due + timedelta(days=1)) + pause
