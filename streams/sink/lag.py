"""The sink's lag, counted from what it has not stored yet.

Counted from the consumer's position, it read 0 while the warehouse was down: the records held for the
write's retries are past the position, and a paused partition fetches nothing new, so the alert the
operator's guide asks for ("the lag grows") never fired (on-call review). From the oldest record held, in
flight, pending or polled, every record up to the partition's end is one the warehouse does not have.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from streams.observability import WorkerMetrics
from streams.sink.batch import SinkBatch


def report_lag(
    consumer: KafkaConsumer,
    metrics: WorkerMetrics,
    batches: Sequence[SinkBatch | None],
    backlog: Sequence[tuple[TopicPartition, Sequence[Any]]],
) -> None:
    """Set each assigned partition's lag: its end as the last fetch saw it, less :func:`unstored_from`."""
    for tp in consumer.assignment():
        highwater = consumer.highwater(tp)
        position = consumer.position(tp) if highwater is not None else None
        if highwater is not None and position is not None:
            metrics.set_lag(tp.topic, tp.partition, highwater - unstored_from(tp, position, batches, backlog))


def unstored_from(
    tp: TopicPartition,
    position: int,
    batches: Iterable[SinkBatch | None],
    backlog: Sequence[tuple[TopicPartition, Sequence[Any]]],
) -> int:
    """The first offset of ``tp`` not stored yet: the oldest of ``batches``' records of it (the write in
    flight, the batch being filled) and of the polled records not converted yet (``backlog``), or the
    consumer's ``position`` when none is held."""
    held = [position]
    held += [batch.starts[tp] for batch in batches if batch is not None and tp in batch.starts]
    held += [records[0].offset for polled, records in backlog if polled == tp and records]
    return min(held)
