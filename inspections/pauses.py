"""Pauses of the processing clock: supplement and financial-obligation intervals, as each rulebook counts.

v1 subtracts every closed request → completion interval as it is. v2 counts a pause only inside the
dossier's own processing (amendment 1: clipped to [``received_at``, ``end_at``]), lets an unfulfilled
financial obligation pause until the end (amendment 8) and, with ``supplement_clock = restart``
(amendment 13), replaces the supplement pause by a restart of the time limit at the last completion.
Kept apart from the fold in ``timeline`` so each rule of counting reads on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from inspections.ports import CataloguePort
from inspections.semantics import Semantics
from schemas.events import AnyEvent, EventType, Received, SupplementRequested

ZERO = timedelta(0)

#: Ends after which a dossier waiting for its only supplement counts as waiting (amendment 2).
_WAITING_ENDS = frozenset({EventType.WITHDRAWN, EventType.SUSPENDED, EventType.REFUSED})


@dataclass(frozen=True, slots=True)
class Interval:
    """A pause: from a request to the event that ended it (clipped under v2, see ``clip``)."""

    start: datetime
    end: datetime
    start_event_id: str
    end_event_id: str

    @property
    def length(self) -> timedelta:
        return self.end - self.start


#: A request and what closed it (``None``: still open when the walk ended).
Pair = tuple[AnyEvent, AnyEvent | None]


def closed_intervals(pairs: Iterable[Pair]) -> list[Interval]:
    """v1: the closed pairs as they are (an open request pauses nothing)."""
    return [
        Interval(start.occurred_at, end.occurred_at, start.event_id, end.event_id)
        for start, end in pairs
        if end is not None
    ]


def clip(
    pairs: Iterable[Pair], lo: datetime | None, hi: datetime, *, open_until_end: bool = False
) -> list[Interval]:
    """v2: each pair clipped to ``[lo, hi]`` (``lo`` None: not received, no lower bound); empty ones dropped.

    ``open_until_end``: an open request pauses until ``hi`` (financial obligations, amendment 8); else an
    open request pauses nothing (supplements: only a completion makes a request/completion interval).
    """
    out: list[Interval] = []
    for start, end in pairs:
        if end is None:
            if not open_until_end:
                continue
            end_at, end_id = hi, ""
        else:
            end_at, end_id = end.occurred_at, end.event_id
        a = start.occurred_at if lo is None or start.occurred_at > lo else lo
        b = end_at if end_at < hi else hi
        if b > a:
            out.append(Interval(a, b, start.event_id, end_id))
    return out


def total(intervals: Iterable[Interval]) -> timedelta:
    out = ZERO
    for interval in intervals:
        out += interval.end - interval.start
    return out


# --- the clock of each version: which requests count, the end, the pauses -----------------------------

#: (requests that count, waiting, end_at, supplement intervals, supplement time, financial time, restart_at)
Clock = tuple[
    tuple[SupplementRequested, ...], bool, datetime, Sequence[Interval], timedelta, timedelta, datetime | None
]

#: The clock, but ``end_at`` (the end event's instant, else ``as_of``), of a dossier without supplement
#: request or financial obligation, under either version: nothing counts, is waited for, pauses or
#: restarts. ``clock_v1`` and ``clock_v2`` give exactly this for one (each pause a sum over pairs of a
#: request and what closed it, each waiting a count of requests): ``timeline`` skips them then.
NO_PAUSE: tuple[tuple[SupplementRequested, ...], bool, Sequence[Interval], timedelta, timedelta, None] = (
    (), False, (), ZERO, ZERO, None
)  # fmt: skip


def clock_v1(
    semantics: Semantics,
    requests: list[SupplementRequested],
    supplements: list[Pair],
    obligations: list[Pair],
    end_event: AnyEvent | None,
    as_of: datetime,
) -> Clock:
    """v1 as published: every closed pair counts as it is; waiting only without an end event."""
    intervals = closed_intervals(supplements)
    financial = (
        total(closed_intervals(obligations)) if semantics.params.pause_on_financial_obligation else ZERO
    )
    waiting = end_event is None and len(requests) == 1 and not intervals
    if end_event is not None:
        end_at = end_event.occurred_at
    elif waiting:
        end_at = requests[0].occurred_at
    else:
        end_at = as_of
    return tuple(requests), waiting, end_at, intervals, total(intervals), financial, None


def clock_v2(
    semantics: Semantics,
    catalogue: CataloguePort | None,
    procedure_code: str | None,
    received: Received | None,
    requests: list[SupplementRequested],
    supplements: list[Pair],
    obligations: list[Pair],
    open_request: AnyEvent | None,
    open_at_end: AnyEvent | None,
    end_event: AnyEvent | None,
    as_of: datetime,
) -> Clock:
    """v2: only what happens inside [``received_at``, ``end_at``] pauses (amendments 1, 8, 13); every
    request counts, as in v1 (amendment 1 clips pauses, not requests: an online-stage request is the
    "once, completely" of Decree 61 Art. 17(2)(a), so one after receipt is a second: review), and the only
    request makes the dossier wait when it falls inside (amendment 2)."""
    lo = received.occurred_at if received is not None else None
    limit = end_event.occurred_at if end_event is not None else as_of
    counted = tuple(requests)
    only = requests[0] if len(requests) == 1 else None
    if only is not None and not ((lo is None or only.occurred_at >= lo) and only.occurred_at <= limit):
        only = None  # made outside the processing: nothing it waits on
    waiting = False
    if only is not None:  # waiting when the pairing holds it open (it supersedes an online-stage request)
        if end_event is None:
            waiting = open_request is only
        elif end_event.type in _WAITING_ENDS:
            # Amendment 2: still waiting for the applicant when withdrawn, suspended or refused.
            waiting = open_at_end is only
    end_at = only.occurred_at if waiting and only is not None else limit

    procedure = None
    params = semantics.params
    if (
        catalogue is not None
        and procedure_code
        and (params.pause_on_financial_obligation or semantics.restarts)
    ):
        procedure = catalogue.procedure(procedure_code, lo)  # its time limit when received
    intervals = clip(supplements, lo, end_at)
    supplement_time = total(intervals)
    restart_at = None
    if semantics.restarts and lo is not None and procedure is not None and procedure.max_time.is_limited:
        completions = [
            end.occurred_at for start, end in supplements if end is not None and lo <= start.occurred_at
            and end.occurred_at <= end_at
        ]  # fmt: skip
        if completions:
            restart_at = max(completions)
            supplement_time = ZERO  # the limit counts again instead (amendment 13)
    financial = ZERO
    if params.pause_on_financial_obligation and procedure is not None and procedure.financial_obligation:
        floor = restart_at if restart_at is not None else lo
        financial = total(clip(obligations, floor, end_at, open_until_end=True))
    return counted, waiting, end_at, intervals, supplement_time, financial, restart_at
