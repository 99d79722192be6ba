"""One received dossier reduced to what the reporting form reads of it (``DossierOutcome``).

Kept apart from the form (``metrics``) and from the outcome history (``history``), which both build on
it: ``metrics`` sums outcomes into forms, ``history`` computes a dossier's outcome at each of its change
points and reuses what did not change from one to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from inspections.classification import Classification, Days, Status, classify, local_day
from inspections.ports import CalendarPort, CataloguePort
from inspections.slotted import maker
from inspections.standing import Standing
from inspections.timeline import DossierFacts


@dataclass(frozen=True, slots=True)
class DossierOutcome:
    """What the reporting form needs of one received dossier, as known at ``as_of``."""

    dossier_id: str
    unit_code: str
    procedure_code: str
    received_on: date
    channel: str
    ended_on: date | None
    status: Status
    working_days: int
    returned_channel: str | None


#: ``DossierOutcome(...)`` with every field given, faster (``slotted``): one is built per change point.
_outcome = maker(DossierOutcome)


def outcome(facts: DossierFacts, catalogue: CataloguePort, calendar: CalendarPort) -> DossierOutcome | None:
    """Reduce a dossier's facts to its outcome; ``None`` for dossiers never received."""
    return judged_outcome(facts, classify(facts, catalogue, calendar), calendar, {})


def judged_outcome(
    facts: Standing, cls: Classification | None, calendar: CalendarPort, days: Days
) -> DossierOutcome | None:
    """:func:`outcome` given the facts' classification. ``days``: local dates remembered (``local_day``;
    the receipt and the end of one dossier repeat over its history, and an effective end with nothing to
    subtract is the end itself)."""
    received = facts.received
    if received is None or cls is None:
        return None
    end = facts.end_event
    data = received.data
    ended = facts.end_at if ends_waiting(facts) else end.occurred_at if end is not None else None
    return _outcome(  # built once per change point
        facts.dossier_id,
        received.unit_code,
        data.procedure_code,
        local_day(received.occurred_at, calendar, days),
        data.channel,
        local_day(ended, calendar, days) if ended is not None else None,
        cls.status,
        _working_days(received.occurred_at, facts.effective_end, calendar),
        _returned_channel(facts),
    )


def ends_waiting(facts: Standing) -> bool:
    """Whether the dossier ended at the supplement request it waits on: "a dossier that is waiting for the
    applicant after its only supplement request ends at that request" (RULES.md, derived facts; amendment 2
    when withdrawn, suspended or refused since). The form counts it resolved, by its judgement, in the period
    of the request, and not in progress (within time) in every period after (review of the statistician's
    seat); a completion reopens it. Not on a request before the receipt (rulebook v1 counts one made online
    before it as waited on: it would end before it was received). The console and the packs say it so
    (the ``dossiers`` row's ``waiting``)."""
    received = facts.received
    return facts.waiting and received is not None and facts.end_at >= received.occurred_at


def returned_again(previous: DossierOutcome | None, facts: Standing) -> DossierOutcome | None:
    """:func:`judged_outcome` of ``facts`` given the outcome of the previous change point, of the same
    end, the same judgement and what it read (the same receipt, an indistinguishable effective end):
    every field is the same, but the return's channel may not be."""
    if (p := previous) is None or (channel := _returned_channel(facts)) == p.returned_channel:
        return p
    return _outcome(
        p.dossier_id, p.unit_code, p.procedure_code, p.received_on, p.channel, p.ended_on, p.status,
        p.working_days, channel,
    )  # fmt: skip


def _working_days(start: datetime, end: datetime, calendar: CalendarPort) -> int:
    """``calendar.working_days_between(start, end)``; none from an instant to itself (a dossier judged at
    its receipt), whatever the calendar: the working days after the first's local date up to the
    second's."""
    return 0 if end is start else calendar.working_days_between(start, end)


def _returned_channel(facts: Standing) -> str | None:
    returned = facts.first_returned
    return returned.data.channel if returned is not None else None
