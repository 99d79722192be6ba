"""Fold a dossier's events into the derived facts of the rulebook (docs/rules-semantics.md).

Pure and order-independent: events are deduplicated by ``event_id`` and sorted in event-time order before
anything is derived, so arrival order never matters. The facts depend on the rulebook version they are
derived under (``Semantics``), and carry it: classification, the rules and the reporting form read it
from them, so no caller can judge v2 facts by v1 or the reverse.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Literal, TypeVar, overload

from inspections.dossier_events import DossierEvents, Observation
from inspections.pauses import NO_PAUSE, Interval, Pair, clock_v1, clock_v2
from inspections.ports import CataloguePort
from inspections.semantics import DEFAULT_SEMANTICS, Semantics
from inspections.slotted import maker
from inspections.standing import StandingAt
from schemas.events import (
    LIFECYCLE_RANK,
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
    event_id_sort_key,
    event_sort_key,
)

__all__ = ["DossierEvents", "DossierFacts", "Interval", "Observation", "derive_facts", "prefix_standings"]

_CORRECTIONS = frozenset({EventType.DUE_DATE_CHANGED, EventType.APOLOGY_ISSUED})

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class DossierFacts:
    """Everything the rules and metrics read about one dossier at ``as_of``, under ``semantics``."""

    dossier_id: str
    as_of: datetime
    semantics: Semantics
    events: tuple[AnyEvent, ...]
    unit_code: str
    procedure_code: str | None
    submitted: Submitted | None
    received: Received | None
    due_at: datetime | None
    end_event: AnyEvent | None
    end_at: datetime
    waiting: bool
    # The requests that count, and every one of them: the same under both versions since amendment 1 is
    # read as clipping pauses only (docs/rules-semantics.md); the rules declare which name they read.
    supplement_requests: tuple[SupplementRequested, ...]
    all_supplement_requests: tuple[SupplementRequested, ...]
    supplement_intervals: tuple[Interval, ...]
    supplement_time: timedelta
    financial_time: timedelta
    effective_end: datetime
    apologies: tuple[ApologyIssued, ...]
    refusals: tuple[Refused | Suspended, ...]
    due_date_changes: tuple[DueDateChanged, ...]
    first_returned: Returned | None
    after_return: tuple[AnyEvent, ...]
    #: The events that hand in or ask for documents (received, supplement requested / completed).
    document_events: tuple[AnyEvent, ...] = ()
    #: Every end event, in event-time order.
    end_events: tuple[AnyEvent, ...] = ()
    #: The end events of another kind than the first end, after it — except the result returned after
    #: processing, which is the lifecycle itself (v2's EVENT_AFTER_END reports them, amendment 10).
    conflicting_ends: tuple[AnyEvent, ...] = ()
    #: ``supplement_clock = restart`` (amendment 13): the completion the time limit counts again from.
    restart_at: datetime | None = None
    #: The events whose source says it cannot provide some of their ``data`` fields (``source.unknown``):
    #: the rules that need those fields are not evaluated on them (``inspections/rules/needs.py``).
    sourced_unknown: tuple[AnyEvent, ...] = ()

    @property
    def received_at(self) -> datetime | None:
        return self.received.occurred_at if self.received is not None else None

    @property
    def is_open(self) -> bool:
        """No end event yet (a waiting dossier is open too)."""
        return self.end_event is None

    @property
    def pause(self) -> timedelta:
        """Time subtracted from the processing end: ``end_at - effective_end``."""
        return self.supplement_time + self.financial_time


_facts = maker(DossierFacts)  # ``DossierFacts(...)``, faster (one is built per dossier judged)

# Rank of each end type: the lowest rank present gives the end; within a rank, the earliest event.
END_RANK: dict[str, int] = {
    EventType.PROCESSED: 0,
    EventType.RETURNED: 1,
    EventType.SUSPENDED: 2,
    EventType.REFUSED: 2,
    EventType.WITHDRAWN: 3,
}


# Types that need nothing beyond the end-event bookkeeping above (the most frequent ones skip the chain).
_NOTHING_ELSE = frozenset({EventType.TRANSFERRED, EventType.PROCESSED, EventType.WITHDRAWN})

SortKey = Callable[[AnyEvent], Any]


def _ordered(events: Iterable[AnyEvent], as_of: datetime, presorted: bool, amended: bool) -> list[AnyEvent]:
    """Events known at ``as_of``, one per ``event_id``, in event-time order (presorted: ties as given).

    Comparing aware instants is slow (each side's offset is computed), so presorted input, in time order,
    is filtered only when its last event is not visible.
    """
    if presorted:
        ordered = events if isinstance(events, list) else list(events)
        if ordered and ordered[-1].occurred_at > as_of:
            ordered = [event for event in ordered if event.occurred_at <= as_of]
        return ordered
    key: SortKey = event_sort_key if amended else event_id_sort_key
    seen: set[str] = set()
    ordered = []
    for event in sorted(events, key=key):
        if event.occurred_at <= as_of and event.event_id not in seen:
            seen.add(event.event_id)
            ordered.append(event)
    return ordered


def derive_facts(
    dossier_id: str,
    events: Iterable[AnyEvent],
    as_of: datetime,
    *,
    semantics: Semantics = DEFAULT_SEMANTICS,
    catalogue: CataloguePort | None = None,
    presorted: bool = False,
) -> DossierFacts:
    """Derive the facts of ``docs/rules-semantics.md`` from the events known at ``as_of``.

    ``events`` may be in any order and contain duplicates (same ``event_id``): only the first of each
    id is used, after sorting by event time. ``presorted=True`` is the caller's promise that they are
    already unique and in ``occurred_at`` order (ties in any order), which saves the sort.
    ``catalogue``: v2 reads the procedure's financial obligation (amendment 8) and maximum time
    (amendment 13) from it; without one, neither pauses nor restarts anything.
    """
    ordered = _ordered(events, as_of, presorted, semantics.amended)
    walk = _folds(dossier_id, ordered, semantics, catalogue, presorted, standings=False)
    next(walk)  # up to its first ``yield``, where it waits for a prefix
    facts = walk.send((len(ordered), as_of))
    if facts is None:  # a real tie out of the version's order: start again sorted
        return derive_facts(dossier_id, ordered, as_of, semantics=semantics, catalogue=catalogue)
    return facts


#: A walk over ever longer prefixes of one event list, sent ``(cut, as_of)`` (see :func:`prefix_standings`).
Walk = Generator[_T | None, tuple[int, datetime], None]


def prefix_standings(
    dossier_id: str,
    events: list[AnyEvent],
    *,
    semantics: Semantics = DEFAULT_SEMANTICS,
    catalogue: CataloguePort | None = None,
) -> Walk[StandingAt]:
    """The standings (what classification and the outcome read) of ever longer prefixes of one dossier's
    events (unique, in ``occurred_at`` order, unchanged while in use), each event walked once.

    Sent ``(cut, as_of)``, cuts never decreasing and ``as_of`` at or after each of ``events[:cut]`` (the
    events known then), it answers the standing of ``derive_facts(dossier_id, events[:cut], as_of,
    presorted=True, ...)``, or ``None`` from the first prefix holding a real tie out of the version's
    order (``derive_facts`` starts again sorted there: call it). Exact by construction: it is
    ``derive_facts``' own walk, paused at each cut (the walk of a prefix never looks past its end, nor at
    an instant but the previous event's), and the standing's values are those ``derive_facts`` puts in
    the facts' fields of the same names, computed by the same lines.
    """
    walk = _folds(dossier_id, events, semantics, catalogue, True, standings=True)
    next(walk)
    return walk


@overload
def _folds(
    dossier_id: str,
    ordered: list[AnyEvent],
    semantics: Semantics,
    catalogue: CataloguePort | None,
    check_ties: bool,
    standings: Literal[False],
) -> Walk[DossierFacts]: ...


@overload
def _folds(
    dossier_id: str,
    ordered: list[AnyEvent],
    semantics: Semantics,
    catalogue: CataloguePort | None,
    check_ties: bool,
    standings: Literal[True],
) -> Walk[StandingAt]: ...


def _folds(
    dossier_id: str,
    ordered: list[AnyEvent],
    semantics: Semantics,
    catalogue: CataloguePort | None,
    check_ties: bool,
    standings: bool,
) -> Walk[DossierFacts] | Walk[StandingAt]:
    """The walk of ``derive_facts``: the facts (``standings``: the :class:`StandingAt`) of each prefix ``(cut,
    as_of)`` sent, resumed where it stopped; ``None`` from a real tie out of order (``check_ties``)."""
    amended = semantics.amended
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
    ends: list[AnyEvent] = []
    documents: list[AnyEvent] = []
    open_at_end: AnyEvent | None = None  # the supplement request open just before the end (amendment 2)
    supplements: list[Pair] = []
    open_request: AnyEvent | None = None
    obligations: list[Pair] = []
    open_obligation: AnyEvent | None = None
    # Presorted input is only trusted for its instants: callers sort ties their own way (the batch engine
    # by ``event_sort_key``, the detector and the warehouse by ``event_id``). Same-instant events out of the
    # version's order have out-of-order neighbours, so the fold compares each event's tie-break with the
    # previous one's (cheap) and their instants only when inverted; on a real tie it starts again sorted.
    lifecycle = LIFECYCLE_RANK
    previous: AnyEvent | None = None
    previous_tie: Any = None
    sourced_unknown: list[AnyEvent] = []
    size = len(ordered)
    done = 0
    cut, as_of = yield None
    while True:
        for event in ordered if done == 0 and cut == size else islice(ordered, done, cut):
            kind = event.type
            if check_ties:
                tie = lifecycle[kind] if amended else event.event_id
                if previous is not None and previous_tie > tie and previous.occurred_at == event.occurred_at:
                    while True:
                        yield None
                previous, previous_tie = event, tie
            source = event.source
            if source is not None and source.unknown:
                sourced_unknown.append(event)
            if first_returned is not None and kind not in _CORRECTIONS:
                after_return.append(event)
            rank = END_RANK.get(kind)
            if rank is not None:
                ends.append(event)
                if rank < end_rank:
                    end_event, end_rank, open_at_end = event, rank, open_request
            if kind in _NOTHING_ELSE:
                continue
            if isinstance(event, Received):
                documents.append(event)
                if received is None:
                    received = event
            elif isinstance(event, Submitted):
                if submitted is None:
                    submitted = event
            elif isinstance(event, SupplementRequested):
                requests.append(event)
                documents.append(event)
                # A second request while one is open restarts nothing: the first runs until a completion. In
                # v2 a request of the processing supersedes one of the online stage left open: else the
                # completion answering it paused the processing from receipt, and in ``restart`` mode counted
                # as no supplement requested after receipt (amendments 1 and 13; review).
                if open_request is None or (
                    amended and received is not None and open_request.occurred_at < received.occurred_at
                ):
                    open_request = event
            elif kind == EventType.SUPPLEMENT_COMPLETED:
                documents.append(event)
                if open_request is not None:
                    supplements.append((open_request, event))
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
                obligations.append((open_obligation, event))
                open_obligation = None
        done = cut
        if received is not None:
            procedure_code: str | None = received.data.procedure_code
            due_at = received.data.due_at
        else:
            procedure_code = submitted.data.procedure_code if submitted is not None else None
            due_at = None

        if not requests and not obligations and open_obligation is None:  # common: what either clock gives
            end_at = end_event.occurred_at if end_event is not None else as_of
            counted, waiting, intervals, supplement_time, financial_time, restart_at = NO_PAUSE
            # Subtracting nothing gives the same instant, but with ``fold`` 0: the end itself when it has it
            # (one object less, and callers may remember its local date by identity: ``local_day``).
            effective_end = end_at if not end_at.fold else end_at - supplement_time
        else:
            if amended:
                pairs = obligations if open_obligation is None else [*obligations, (open_obligation, None)]
                clock = clock_v2(
                    semantics, catalogue, procedure_code, received, requests, supplements, pairs,
                    open_request, open_at_end, end_event, as_of,
                )  # fmt: skip
            else:
                clock = clock_v1(semantics, requests, supplements, obligations, end_event, as_of)
            counted, waiting, end_at, intervals, supplement_time, financial_time, restart_at = clock
            effective_end = end_at - supplement_time - financial_time
        if standings:
            cut, as_of = yield StandingAt(
                dossier_id, semantics, procedure_code, received, due_at, end_event, counted, effective_end,
                supplement_time + financial_time, restart_at, end_at, waiting, first_returned,
            )  # fmt: skip
            continue
        cut, as_of = yield _facts(
            dossier_id=dossier_id,
            as_of=as_of,
            semantics=semantics,
            events=tuple(ordered) if cut == size else tuple(ordered[:cut]),
            unit_code=received.unit_code if received is not None else ordered[0].unit_code if cut else "",
            procedure_code=procedure_code,
            submitted=submitted,
            received=received,
            due_at=due_at,
            end_event=end_event,
            end_at=end_at,
            waiting=waiting,
            supplement_requests=counted,
            all_supplement_requests=tuple(requests),
            supplement_intervals=tuple(intervals),
            supplement_time=supplement_time,
            financial_time=financial_time,
            effective_end=effective_end,
            apologies=tuple(apologies),
            refusals=tuple(refusals),
            due_date_changes=tuple(changes),
            first_returned=first_returned,
            after_return=tuple(after_return),
            document_events=tuple(documents),
            end_events=tuple(ends),
            conflicting_ends=_conflicting(ends) if len(ends) > 1 else (),
            restart_at=restart_at,
            sourced_unknown=tuple(sourced_unknown),
        )


def _conflicting(ends: list[AnyEvent]) -> tuple[AnyEvent, ...]:
    first = ends[0].type
    if first is EventType.PROCESSED and len(ends) == 2 and ends[1].type is EventType.RETURNED:
        return ()  # processed, then returned: most ended dossiers
    return tuple(
        e
        for e in ends[1:]
        if e.type is not first and not (first is EventType.PROCESSED and e.type is EventType.RETURNED)
    )
