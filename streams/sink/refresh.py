"""When a sink folds again the dossiers time alone changed (``warehouse.stream_refresh``), and which.

A sink with the fold folds a dossier when an event of it arrives. An open dossier that turns late with no new
event would keep its "within time" row: every ``refresh_seconds`` (and at each new assignment, the
partitions' new owner catching up on what their old one left) the sink looks for the dossiers of the
events partitions it owns whose outcome history changed since their fold, and folds them with the next
batch it writes (one with no message when nothing arrives), at most ``writer.REFRESH_MOST`` a write, the
rest at once after. Only the partitions it owns: a dossier's events are on one as the producers key them, so
its owner is the one sink that folds it (a dossier whose events came on two partitions may be folded by
both; the newer fold's version wins, and both read the same stored events).
"""

from __future__ import annotations

from collections.abc import Iterable

from kafka import TopicPartition

__all__ = ["RefreshClock", "owned_sources"]


class RefreshClock:
    """Whether a refresh is due: every ``seconds`` (0: never), the first as soon as the sink owns
    partitions, and again after each rebalance (:meth:`reset`)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: float | None = None

    def due(self, now: float) -> bool:
        return self.seconds > 0 and (self._last is None or now - self._last >= self.seconds)

    def started(self, now: float) -> None:
        self._last = now

    def reset(self) -> None:
        self._last = None


def owned_sources(assignment: Iterable[TopicPartition], events_topic: str) -> frozenset[str]:
    """The ``source`` the sink stores the events of its assigned events partitions under."""
    return frozenset(f"kafka:{tp.topic}/{tp.partition}" for tp in assignment if tp.topic == events_topic)
