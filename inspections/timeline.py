"""Fold a dossier's events into the derived facts of the rulebook (docs/rules-semantics.md).

Pure and order-independent: events are deduplicated by ``event_id`` and sorted by
(``occurred_at``, ``event_id``) before anything is derived, so arrival order never matters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from schemas.events import (
    AnyEvent,
    ApologyIssued,
    DueDateChanged,
    EventType,
    Received,
    Refused,
    Returned,
    Submitted,
    SupplementRequested,
    Suspended,
    event_sort_key,
)

_ZERO = timedelta(0)

_CORRECTIONS = frozenset({EventType.DUE_DATE_CHANGED, EventType.APOLOGY_ISSUED})

Observation = Literal["new", "duplicate", "conflict"]


class DossierEvents:
    """The deduplicated event set of one dossier (mutable accumulator; cheap to add to)."""

    __slots__ = ("_by_id", "dossier_id")

    def __init__(self, dossier_id: str) -> None:
        self.dossier_id = dossier_id
        self._by_id: dict[str, AnyEvent] = {}

    def add(self, event: AnyEvent) -> Observation:
        """Add an event: ``duplicate`` when already present with equal content, ``conflict`` (kept out)
        when present with different content."""
        known = self._by_id.get(event.event_id)
        if known is None:
            self._by_id[event.event_id] = event
            return "new"
        return "duplicate" if known == event else "conflict"

    def __len__(self) -> int:
        return len(self._by_id)

    def sorted_events(self) -> list[AnyEvent]:
        return sorted(self._by_id.values(), key=event_sort_key)


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed pause: a request and the event that ended it."""

    start: datetime
    end: datetime
    start_event_id: str
    end_event_id: str


@dataclass(frozen=True, slots=True)
class DossierFacts:
    """Everything the rules and metrics read about one dossier at ``as_of``."""

    dossier_id: str
    as_of: datetime
    events: tuple[AnyEvent, ...]
    unit_code: str
    procedure_code: str | None
    submitted: Submitted | None
    received: Received | None
    due_at: datetime | None
    end_event: AnyEvent | None
    end_at: datetime
    waiting: bool
    supplement_requests: tuple[SupplementRequested, ...]
    supplement_intervals: tuple[Interval, ...]
    supplement_time: timedelta
    financial_time: timedelta
    effective_end: datetime
    apologies: tuple[ApologyIssued, ...]
    refusals: tuple[Refused | Suspended, ...]
    due_date_changes: tuple[DueDateChanged, ...]
    first_returned: Returned | None
    after_return: tuple[AnyEvent, ...]

    @property
    def received_at(self) -> datetime | None:
        return self.received.occurred_at if self.received is not None else None

    @property
    def is_open(self) -> bool:
        """No end event yet (a waiting dossier is open too)."""
        return self.end_event is None


# Rank of each end type: the lowest rank present gives the end; within a rank, the earliest event.
_END_RANK: dict[str, int] = {
    EventType.PROCESSED: 0,
    EventType.RETURNED: 1,
    EventType.SUSPENDED: 2,
    EventType.REFUSED: 2,
    EventType.WITHDRAWN: 3,
}


# Types that need nothing beyond the end-event bookkeeping above (the most frequent ones skip the chain).
_NOTHING_ELSE = frozenset({EventType.TRANSFERRED, EventType.PROCESSED, EventType.WITHDRAWN})


def _ordered(events: Iterable[AnyEvent], as_of: datetime, presorted: bool) -> list[AnyEvent]:
    """Events known at ``as_of``, one per ``event_id``, in event-time order."""
    if presorted:
        return [event for event in events if event.occurred_at <= as_of]
    seen: set[str] = set()
    ordered: list[AnyEvent] = []
    for event in sorted(events, key=event_sort_key):
        if event.occurred_at <= as_of and event.event_id not in seen:
            seen.add(event.event_id)
            ordered.append(event)
    return ordered


def derive_facts(
    dossier_id: str,
    events: Iterable[AnyEvent],
    as_of: datetime,
    *,
    pause_on_financial_obligation: bool = False,
    presorted: bool = False,
) -> DossierFacts:
    """Derive the facts of ``docs/rules-semantics.md`` from the events known at ``as_of``.

    ``events`` may be in any order and contain duplicates (same ``event_id``): only the first of each
    id is used, after sorting by event time. ``presorted=True`` is the caller's promise that they are
    already unique and in (``occurred_at``, ``event_id``) order, which saves the sort.
    """
    ordered = _ordered(events, as_of, presorted)
    submitted: Submitted | None = None
    received: Received | None = None
    requests: list[SupplementRequested] = []
    apologies: list[ApologyIssued] = []
    refusals: list[Refused | Suspended] = []
    changes: list[DueDateChanged] = []
    first_returned: Returned | None = None
    after_return: list[AnyEvent] = []
    end_event: AnyEvent | None = None
    end_rank = 99
    supplement_intervals: list[Interval] = []
    open_request: AnyEvent | None = None
    financial_time = _ZERO
    open_obligation: AnyEvent | None = None
    for event in ordered:
        kind = event.type
        if first_returned is not None and kind not in _CORRECTIONS:
            after_return.append(event)
        rank = _END_RANK.get(kind)
        if rank is not None and rank < end_rank:
            end_event, end_rank = event, rank
        if kind in _NOTHING_ELSE:
            continue
        if isinstance(event, Received):
            if received is None:
                received = event
        elif isinstance(event, Submitted):
            if submitted is None:
                submitted = event
        elif isinstance(event, SupplementRequested):
            requests.append(event)
            # A second request while one is open restarts nothing: the first runs until a completion.
            if open_request is None:
                open_request = event
        elif kind == EventType.SUPPLEMENT_COMPLETED:
            if open_request is not None:
                start = open_request
                supplement_intervals.append(
                    Interval(start.occurred_at, event.occurred_at, start.event_id, event.event_id)
                )
                open_request = None
        elif isinstance(event, ApologyIssued):
            apologies.append(event)
        elif isinstance(event, Refused | Suspended):
            refusals.append(event)
        elif isinstance(event, DueDateChanged):
            changes.append(event)
        elif isinstance(event, Returned):
            if first_returned is None:
                first_returned = event
        elif kind == EventType.FINANCIAL_OBLIGATION_REQUESTED:
            if open_obligation is None:
                open_obligation = event
        elif kind == EventType.FINANCIAL_OBLIGATION_FULFILLED and open_obligation is not None:
            financial_time += event.occurred_at - open_obligation.occurred_at
            open_obligation = None

    supplement_time = _ZERO
    for interval in supplement_intervals:
        supplement_time += interval.end - interval.start
    if not pause_on_financial_obligation:
        financial_time = _ZERO

    waiting = end_event is None and len(requests) == 1 and not supplement_intervals
    if end_event is not None:
        end_at = end_event.occurred_at
    elif waiting:
        end_at = requests[0].occurred_at
    else:
        end_at = as_of

    if received is not None:
        unit_code = received.unit_code
        procedure_code: str | None = received.data.procedure_code
    else:
        unit_code = ordered[0].unit_code if ordered else ""
        procedure_code = submitted.data.procedure_code if submitted is not None else None

    return DossierFacts(
        dossier_id=dossier_id,
        as_of=as_of,
        events=tuple(ordered),
        unit_code=unit_code,
        procedure_code=procedure_code,
        submitted=submitted,
        received=received,
        due_at=received.data.due_at if received is not None else None,
        end_event=end_event,
        end_at=end_at,
        waiting=waiting,
        supplement_requests=tuple(requests),
        supplement_intervals=tuple(supplement_intervals),
        supplement_time=supplement_time,
        financial_time=financial_time,
        effective_end=end_at - supplement_time - financial_time,
        apologies=tuple(apologies),
        refusals=tuple(refusals),
        due_date_changes=tuple(changes),
        first_returned=first_returned,
        after_return=tuple(after_return),
    )
