"""Pauses of the processing clock: supplement and financial-obligation intervals, as each rulebook counts.

v1 subtracts every closed request → completion interval as it is. v2 counts a pause only inside the
dossier's own processing (amendment 1: clipped to [``received_at``, ``end_at``]), lets an unfulfilled
financial obligation pause until the end (amendment 8) and, with ``supplement_clock = restart``
(amendment 13), replaces the supplement pause by a restart of the time limit at the last completion.
Kept apart from the fold in ``timeline`` so each rule of counting reads on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.events import AnyEvent

ZERO = timedelta(0)


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
