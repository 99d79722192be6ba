"""The sink's progress as its loop reads it: its lag, counted from what it has not stored yet; whether it
has read every assigned partition to its end (:func:`at_end`); whether it knows its group's coordinator.

Counted from the consumer's position, it read 0 while the warehouse was down: the records held for the
write's retries are past the position, and a paused partition fetches nothing new, so the alert the
operator's guide asks for ("the lag grows") never fired (on-call review). From the oldest record held, in
flight, pending or polled, every record up to the partition's end is one the warehouse does not have.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from streams.observability import WorkerMetrics
from streams.sink.batch import SinkBatch

log = logging.getLogger("streams.sink.worker")  # the sink's lines, under the name its log readers know

#: Polled records not converted yet, by partition, in the order they came.
Backlog = Sequence[tuple[TopicPartition, Sequence[Any]]]


def report_coordinator(
    consumer: KafkaConsumer, metrics: WorkerMetrics, group: str, before: bool | None
) -> bool | None:
    """Set whether ``consumer`` knows its group's coordinator, and say it once when it loses or finds it
    again (``before``: what the last call returned); ``None`` for a consumer that is not kafka-python's. A
    broker gone away showed only as kafka-python's own log lines, no metric (on-call review)."""
    coordinator = getattr(consumer, "_coordinator", None)  # kafka-python's; absent from test fakes
    if coordinator is None:
        return None
    known = not coordinator.coordinator_unknown()
    metrics.group_coordinator_known.labels(group=group).set(1 if known else 0)
    if before and not known:
        log.warning("group coordinator lost: the broker may be down (the sink keeps trying)")
    elif known and before is False:
        log.info("group coordinator found again")
    return known


def report_lag(
    consumer: KafkaConsumer, metrics: WorkerMetrics, batches: Sequence[SinkBatch | None], backlog: Backlog
) -> None:
    """Set each assigned partition's lag: its end as the last fetch saw it, less :func:`unstored_from`."""
    for tp in consumer.assignment():
        if (read := _fetched(consumer, tp)) is not None:
            end, position = read
            metrics.set_lag(tp.topic, tp.partition, end - unstored_from(tp, position, batches, backlog))


def unstored_from(
    tp: TopicPartition, position: int, batches: Iterable[SinkBatch | None], backlog: Backlog
) -> int:
    """The first offset of ``tp`` not stored yet: the oldest of ``batches``' records of it (the write in
    flight, the batch being filled) and of the polled records not converted yet (``backlog``), or the
    consumer's ``position`` when none is held."""
    held = [position]
    held += [batch.starts[tp] for batch in batches if batch is not None and tp in batch.starts]
    held += [records[0].offset for polled, records in backlog if polled == tp and records]
    return min(held)


def at_end(consumer: KafkaConsumer) -> bool:
    """Every assigned partition (at least one) consumed to the end its last fetch reported.

    Why not an empty poll alone (``until_idle``'s early flush, :data:`IDLE_POLL_SECONDS`): a poll as
    long as a fetch's wait comes back empty whenever one fetch round trip is slow. Why not a longer
    cap instead (say 3x ``fetch_max_wait_ms``): it would only make that rarer, and add its length to
    the end of each run. Fetched records not yet returned by ``poll`` keep a position below its
    highwater; a partition not fetched yet has none."""
    assignment = consumer.assignment()
    if not assignment:
        return False
    for tp in assignment:
        read = _fetched(consumer, tp)
        if read is None or read[1] < read[0]:
            return False
    return True


def _fetched(consumer: KafkaConsumer, tp: TopicPartition) -> tuple[int, int] | None:
    """The end of ``tp`` as the last fetch response gave it (its highwater: tansu's ListOffsets answers are
    not reliable) and the consumer's position, once both are known."""
    highwater = consumer.highwater(tp)
    position = consumer.position(tp) if highwater is not None else None
    return (highwater, position) if highwater is not None and position is not None else None
