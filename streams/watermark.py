"""Event-time watermarks: per partition, the highest ``occurred_at`` seen minus the allowed lateness.

Times are integer microseconds since the Unix epoch (exact and cheap to compare on the hot path).
A watermark never goes back: a late event (older than the watermark) is still used, it just does not
move time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(t: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact, unlike float timestamps)."""
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    """The aware UTC datetime of microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=us)


class Watermark:
    """The event-time watermark of one partition.

    ``value`` is ``None`` until the first event (or an explicit advance); afterwards it is
    ``max(previous value, highest event time - lateness, any floor given)``.
    """

    __slots__ = ("lateness_us", "max_event_us", "value")

    def __init__(self, lateness_us: int, max_event_us: int | None = None, value: int | None = None) -> None:
        if lateness_us < 0:
            raise ValueError(f"allowed lateness must be >= 0, got {lateness_us} µs")
        self.lateness_us = lateness_us
        self.max_event_us = max_event_us
        self.value = value

    def observe(self, event_us: int) -> None:
        """Note an event time (does not move the watermark until :meth:`advance`)."""
        if self.max_event_us is None or event_us > self.max_event_us:
            self.max_event_us = event_us

    def advance(self, floor_us: int | None = None) -> bool:
        """Move to ``max(value, max_event - lateness, floor)``; True when it moved."""
        candidate = None if self.max_event_us is None else self.max_event_us - self.lateness_us
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
