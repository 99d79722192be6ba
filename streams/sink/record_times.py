"""When the sink's rows happened, from their Kafka records' timestamps: deterministic across redeliveries.

A producer sets a record's timestamp, so it may be anything: one a ClickHouse ``DateTime`` column cannot
hold is never stored (the warehouse would clamp it, or Python could not represent it). An event takes the
time of conversion then (its ``ingested_at``); a rejection takes :data:`UNTIMED`, the same on every
redelivery, so that a redelivered record replaces its first rejection row (``streams.sink.batch``).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = [
    "DATETIME_END", "DATETIME_END_MS", "DATETIME_START", "UNTIMED", "record_time", "record_times",
    "rejection_time",
]  # fmt: skip

#: The first instant a ClickHouse ``DateTime`` cannot hold (2106-02-07T06:28:16Z), in milliseconds.
DATETIME_END_MS = 2**32 * 1000


#: What a ``DateTime`` column holds: a dead letter's ``rejected_at`` outside it is its record's time instead.
DATETIME_START, DATETIME_END = (
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime.fromtimestamp(DATETIME_END_MS // 1000, UTC),
)
#: The ``rejected_at`` of a rejection whose Kafka record has no timestamp a ``DateTime`` holds (none, -1, or
#: beyond 2106): 1970-01-01T00:00:00Z, the same on every redelivery (see the module doc).
UNTIMED = datetime(1970, 1, 1, tzinfo=UTC)


def record_time(timestamp_ms: int | None) -> datetime:
    """The Kafka record timestamp (whole seconds, UTC): deterministic across redeliveries. A producer sets
    it, so it may be anything: one a ``DateTime`` column cannot hold (the warehouse would store it clamped,
    or Python could not even represent it) is replaced by the time of conversion (an event's
    ``ingested_at``; a rejection takes :func:`rejection_time`)."""
    if timestamp_ms is None or not 0 <= timestamp_ms < DATETIME_END_MS:
        return datetime.now(UTC).replace(microsecond=0)
    return datetime.fromtimestamp(timestamp_ms // 1000, UTC)


def rejection_time(timestamp_ms: object) -> datetime:
    """The ``rejected_at`` of a record's rejection: its Kafka timestamp (whole seconds, UTC) when a
    ``DateTime`` holds it, else :data:`UNTIMED`. Never raises, whatever the timestamp is."""
    if isinstance(timestamp_ms, int) and 0 <= timestamp_ms < DATETIME_END_MS:
        return datetime.fromtimestamp(timestamp_ms // 1000, UTC)
    return UNTIMED


def record_times(timestamp_ms: int | None) -> tuple[datetime, datetime]:
    """(``ingested_at`` of the record's event, ``rejected_at`` of its rejection)."""
    return record_time(timestamp_ms), rejection_time(timestamp_ms)
