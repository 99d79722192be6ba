"""Event-time watermarks: per partition, the highest ``occurred_at`` seen minus the allowed lateness (and
the idleness rule that lets a partition receiving nothing follow the others: :class:`Idleness`).

Times are integer microseconds since the Unix epoch (exact and cheap to compare on the hot path).
A watermark never goes back: a late event (older than the watermark) is still used, it just does not
move time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(t: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact, unlike float timestamps)."""
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    """The aware UTC datetime of microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=us)


#: What an instant may be ahead of the clock it is checked against (a producer's clock a little fast).
CLOCK_SKEW = timedelta(minutes=5)

#: The latest instant event time may reach now (``None``: no bound), asked at each advance.
Horizon = Callable[[], int | None]


class Watermark:
    """The event-time watermark of one partition.

    ``value`` is ``None`` until the first event (or an explicit advance); afterwards it is
    ``max(previous value, min(highest event time, horizon) - lateness, any floor given)``. ``horizon``: the
    latest instant event time may stand for (the detector's: its ``as_of``, else the wall clock plus
    :data:`CLOCK_SKEW`), so that one event dated years ahead (a typo) does not move the partition's time
    there for good, judging every open dossier at that date (as the batch engine's ``horizon`` does).
    """

    __slots__ = ("horizon", "lateness_us", "max_event_us", "value")

    def __init__(
        self,
        lateness_us: int,
        max_event_us: int | None = None,
        value: int | None = None,
        horizon: Horizon | None = None,
    ) -> None:
        if lateness_us < 0:
            raise ValueError(f"allowed lateness must be >= 0, got {lateness_us} µs")
        self.lateness_us = lateness_us
        self.max_event_us = max_event_us
        self.value = value
        self.horizon = horizon

    def observe(self, event_us: int) -> None:
        """Note an event time (does not move the watermark until :meth:`advance`)."""
        if self.max_event_us is None or event_us > self.max_event_us:
            self.max_event_us = event_us

    def advance(self, floor_us: int | None = None) -> bool:
        """Move to ``max(value, max_event - lateness, floor)``; True when it moved."""
        newest = self.max_event_us
        if newest is not None and self.horizon is not None:
            bound = self.horizon()
            if bound is not None and newest > bound:
                newest = bound
        candidate = None if newest is None else newest - self.lateness_us
        if floor_us is not None and (candidate is None or floor_us > candidate):
            candidate = floor_us
        if candidate is not None and (self.value is None or candidate > self.value):
            self.value = candidate
            return True
        return False

    def advance_to(self, t_us: int) -> bool:
        """Move to at least ``t_us`` (``--as-of`` replays, wall-clock time in live mode)."""
        return self.advance(t_us)

    def __repr__(self) -> str:
        shown = from_us(self.value).isoformat() if self.value is not None else None
        return f"Watermark({shown}, lateness={self.lateness_us / 1e6:g} s)"


# --- idle partitions ---------------------------------------------------------------------------------------


class Idleness:
    """Which partitions are idle: nothing to read and nothing received for ``timeout`` seconds of wall clock
    (Flink's ``withIdleness``, Kafka Streams' ``max.task.idle.ms``).

    Why: a partition's watermark moves only with its own events, so on a partition that receives nothing a
    time-triggered violation (a dossier becoming late) would wait for its next event, however far the other
    partitions' event time has gone. The caller feeds each partition's *progress* (anything that changes when
    it receives something: its next offset and highest event time) and whether it is *caught up* (nothing
    left to read: :func:`caught_up`), with the time it looked, at every tick; a partition is idle once it has
    been caught up without progress for ``timeout`` seconds. "No progress" alone is not enough: a worker that
    stalled (a long batch, a pause) makes no progress on partitions with a backlog, and those would jump
    forward and have their backlog arrive late. For the same reason a gap between two ticks longer than half
    the timeout (:meth:`tick`) starts every clock over: across a stall nothing was observed, and what the
    consumer knew of the partitions' ends may be stale.
    """

    __slots__ = ("_last", "_seen", "timeout")

    def __init__(self, timeout: float) -> None:
        if timeout <= 0:
            raise ValueError(f"the idleness timeout must be > 0, got {timeout}")
        self.timeout = timeout
        self._seen: dict[int, tuple[object, float]] = {}
        self._last: float | None = None

    def tick(self, now: float) -> None:
        """A tick at ``now`` (monotonic seconds): after a stall (module doc) every clock starts over."""
        if self._last is not None and now - self._last > self.timeout / 2:
            self._seen.clear()
        self._last = now

    def observe(self, partition: int, progress: object, now: float, caught_up: bool = True) -> None:
        """Note ``partition``'s progress at ``now``; a change, or something left to read, resets its clock."""
        seen = self._seen.get(partition)
        if seen is None or seen[0] != progress or not caught_up:
            self._seen[partition] = (progress, now)

    def idle(self, partition: int, now: float) -> bool:
        seen = self._seen.get(partition)
        return seen is not None and now - seen[1] >= self.timeout

    def retain(self, partitions: Iterable[int]) -> None:
        """Forget the partitions not in ``partitions`` (revoked: should they come back, time starts over)."""
        keep = set(partitions)
        for partition in [p for p in self._seen if p not in keep]:
            del self._seen[partition]

    def clear(self) -> None:
        """Start every clock over (the worker was not settled, or was reassigned)."""
        self._seen.clear()
        self._last = None


def caught_up(next_offset: int | None, highwater: int | None) -> bool:
    """Whether a partition has nothing left to read: what its state holds (``next_offset``, None: nothing)
    reaches the end of the log as the consumer's last fetch saw it (``highwater``, None: not fetched yet,
    which is not known to be caught up)."""
    if highwater is None:
        return False
    return (next_offset or 0) >= highwater


def idle_targets(watermarks: Mapping[int, int | None], idle: Iterable[int]) -> dict[int, int]:
    """Per idle partition whose watermark trails: the watermark it may advance to.

    The rule (Flink's, per partition): idle inputs are left out, and the others' lowest watermark is the
    event time every partition of the worker has reached; an idle partition follows it. Nothing moves while
    no partition is active (all idle: time stands still, as in Flink) or while an active one has no
    watermark yet (it may still hold older events). A target is never below the partition's own watermark
    (watermarks never go back).
    """
    idle_set = set(idle)
    active = [w for p, w in watermarks.items() if p not in idle_set]
    if not active or any(w is None for w in active):
        return {}
    target = min(w for w in active if w is not None)
    return {
        p: target
        for p in sorted(idle_set)
        if p in watermarks and ((w := watermarks[p]) is None or w < target)
    }
