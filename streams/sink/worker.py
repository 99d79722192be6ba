"""The sink's consumer loop (see :mod:`streams.sink` for what it stores and its guarantees).

One thread owns the consumer: it polls, converts records into the pending batch, hands a full batch to the
writer thread, and commits a batch's offsets once its write succeeded — in batch order, since the next
batch is handed over only after the previous one is settled. It is the only place that commits, so the
order of commits is decided here alone; a rebalance callback (run by the same thread, inside ``poll``)
marks what it invalidates and never commits.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from inspections.rulebook import Auditor
from schemas.pseudonym import Pseudonymiser
from streams.kafka import KafkaConfig, StreamError
from streams.observability import WorkerMetrics
from streams.sink.batch import BatchConverter, SinkBatch, SinkStats
from streams.sink.isolate import POISON_CODES
from streams.sink.options import SinkOptions
from streams.sink.retry import retry_write
from streams.sink.writer import BatchWriter
from streams.topics import TopicError, ensure_topics
from warehouse.base import Warehouse, WarehouseError
from warehouse.migrate import migrate

__all__ = ["CONSUMER_TUNING", "GC_THRESHOLD0", "SinkWorker"]

log = logging.getLogger(__name__)

#: Consumer settings that suit both Kafka and the embedded tansu broker. tansu (measured) completes a group
#: join about half a session timeout after it starts, and after a member died without leaving, only once
#: that member's session expired: short sessions make restarts quick. 6 s is Kafka's minimum by default.
CONSUMER_TUNING: dict[str, Any] = {
    "session_timeout_ms": 6_000,
    "heartbeat_interval_ms": 1_000,
    "max_poll_interval_ms": 10_000,
    "fetch_max_wait_ms": 100,
    "max_partition_fetch_bytes": 8 * 1024 * 1024,
    "auto_offset_reset": "earliest",
}

#: While a write is in flight the consumer polls at most this long, so its commit is not held up.
_SETTLE_POLL_SECONDS = 0.05
#: Generation-0 threshold of the cyclic garbage collector while a sink runs (CPython's default: 700).
#: Converting a batch allocates tens of thousands of short-lived objects; every collection they trigger
#: walks the young ones, every hundredth the whole heap: measured ~10 % of a sink's CPU time.
GC_THRESHOLD0 = 10_000


class _CollectorTuning:
    """Raises the collector's generation-0 threshold (never lowers it) while at least one sink runs in
    the process, and restores it when the last one stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = gc.get_threshold()

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._saved = gc.get_threshold()
                gc.set_threshold(max(GC_THRESHOLD0, self._saved[0]), *self._saved[1:])
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    gc.set_threshold(*self._saved)


_COLLECTOR = _CollectorTuning()


@dataclass
class _InFlight:
    """A batch the writer thread is storing; ``revoked`` once a rebalance took its partitions."""

    batch: SinkBatch
    write: Future[None]
    revoked: bool = False


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: SinkWorker) -> None:
        self.worker = worker

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        self.worker._on_revoked(list(revoked))

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        log.info(
            "partitions assigned", extra={"partitions": sorted(f"{t.topic}/{t.partition}" for t in assigned)}
        )


class SinkWorker:
    """Consume the events, dead-letters and violations topics into ``warehouse``.

    ``pseudonymiser`` pseudonymises events a foreign producer left in clear and scrubs rejected messages;
    ``auditor`` is needed with ``options.fold`` (the projection is evaluated by the rulebook).
    ``before_commit(batch)`` runs after a batch was written and before its offsets are committed (a hook
    for fault-injection tests and benchmarks). Kafka failures are raised as :class:`StreamError`.
    """

    def __init__(
        self,
        kafka: KafkaConfig,
        options: SinkOptions,
        pseudonymiser: Pseudonymiser,
        warehouse: Warehouse,
        *,
        auditor: Auditor | None = None,
        metrics: WorkerMetrics | None = None,
        before_commit: Callable[[SinkBatch], None] | None = None,
    ) -> None:
        if options.fold and auditor is None:
            raise ValueError("folding the dossier projection needs the auditor")
        self.kafka = kafka
        self.options = options
        self.wh = warehouse
        self.metrics = metrics or WorkerMetrics()
        self.before_commit = before_commit
        self.stats = SinkStats()
        self.consumer_options = {**CONSUMER_TUNING, **options.consumer_options}
        topics = options.topics
        self.topics = (topics.events, topics.dead_letters, topics.violations)
        self._converter = BatchConverter(topics, pseudonymiser)
        self._writer = BatchWriter(
            warehouse, self.metrics, self.stats, auditor=auditor if options.fold else None,
            fold_as_of=options.fold_as_of, thread_name=f"{options.group_id}-writer",
            scrub=pseudonymiser.scrub_raw,
        )  # fmt: skip
        self._pending = SinkBatch()
        self._backlog: list[tuple[TopicPartition, list[Any]]] = []
        self._revoked = False
        self._inflight: _InFlight | None = None
        self._last_record = time.monotonic()
        self._lag_updated = 0.0
        self._closing = False

    # -- the loop ----------------------------------------------------------------------------------------
    def run(
        self, *, until_idle: bool | threading.Event = False, stop_event: threading.Event | None = None
    ) -> SinkStats:
        """Consume until ``stop_event`` is set, or (``until_idle``) until every assigned partition is
        consumed to its end and no message arrived for ``idle_seconds``. ``until_idle`` may be an event:
        the sink then runs live until it is set, and stops once idle after that (a supervisor sets it when
        the producers upstream have finished). Returns the stats."""
        stop = stop_event or threading.Event()
        migrate(self.wh)
        try:
            self._consume(until_idle, stop)
        except (KafkaError, TopicError) as exc:
            raise StreamError(f"Kafka at {self.kafka.bootstrap_servers}: {exc}") from exc
        log.info("sink stopped", extra=self.stats.to_json_dict())
        return self.stats

    def _consume(self, until_idle: bool | threading.Event, stop: threading.Event) -> None:
        ensure_topics(self.kafka, self.options.topics.specs())
        group = self.options.group_id
        consumer = KafkaConsumer(
            bootstrap_servers=self.kafka.bootstrap_servers,
            group_id=group,
            client_id=f"{group}-worker",
            enable_auto_commit=False,
            max_poll_records=self.options.batch_size,
            **self.consumer_options,
            **self.kafka.kafka_python_options(),
        )
        log.info("sink started", extra={"group": group, "topics": list(self.topics)})
        self._writer.start()
        try:
            with _COLLECTOR.applied():
                consumer.subscribe(list(self.topics), listener=_Listener(self))
                self._loop(consumer, until_idle, stop)
        finally:
            # No autocommit: only offsets of stored batches were ever committed. A write still in flight
            # (after an error) finishes before run returns, uncommitted.
            self._closing = True
            try:
                consumer.close(autocommit=False)
            finally:
                self._closing = False
                self._inflight = None
                self._writer.shutdown()

    def _loop(
        self, consumer: KafkaConsumer, idle_mode: bool | threading.Event, stop: threading.Event
    ) -> None:
        batch_seconds = self.options.batch_seconds
        batch_size = self.options.batch_size
        self._last_record = time.monotonic()
        while not stop.is_set():
            until_idle = idle_mode.is_set() if isinstance(idle_mode, threading.Event) else idle_mode
            if self._pending:
                wait = max(0.0, self._pending.opened_at + batch_seconds - time.monotonic())
            else:
                wait = min(batch_seconds, 0.5)
            if self._inflight is not None:
                wait = min(wait, _SETTLE_POLL_SECONDS)
            records = self._backlog or self._poll(consumer, wait)
            self._backlog = []
            for tp, group in records:
                self._add_records(tp, group)
            if self._inflight is not None and (self._inflight.write.done() or not records):
                self._settle(consumer, stop)
            if self._pending and (
                self._pending.messages >= batch_size
                or time.monotonic() >= self._pending.opened_at + batch_seconds
                or (until_idle and not records)
            ):
                self._flush(consumer, stop)
            self._update_lag(consumer)
            if until_idle and not self._pending and self._inflight is None and self._caught_up(consumer):
                break
        if stop.is_set():
            if self._pending:
                self._flush(consumer, stop)
            self._settle(consumer, stop)

    def _poll(self, consumer: KafkaConsumer, wait: float) -> list[tuple[TopicPartition, list[Any]]]:
        """Polled records, by partition."""
        polled = consumer.poll(timeout_ms=int(wait * 1000), max_records=self.options.batch_size)
        records = [(tp, rs) for tp, rs in polled.items() if rs]
        if records:
            self._last_record = time.monotonic()
        return records

    def _add_records(self, tp: TopicPartition, records: list[Any]) -> None:
        self._converter.add(self._pending, tp, records)

    def _caught_up(self, consumer: KafkaConsumer) -> bool:
        if time.monotonic() - self._last_record < self.options.idle_seconds:
            return False
        assignment = consumer.assignment()
        if not assignment:
            return False
        for tp in assignment:
            # The highwater of the last fetch response: tansu's ListOffsets answers are not reliable.
            highwater = consumer.highwater(tp)
            position = consumer.position(tp) if highwater is not None else None
            if highwater is None or position is None or position < highwater:
                return False
        return True

    def _update_lag(self, consumer: KafkaConsumer) -> None:
        now = time.monotonic()
        if now - self._lag_updated < 1.0:
            return
        self._lag_updated = now
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                position = consumer.position(tp)
                if position is not None:
                    self.metrics.set_lag(tp.topic, tp.partition, highwater - position)

    # -- write, then commit ---------------------------------------------------------------------------------
    def _flush(self, consumer: KafkaConsumer, stop: threading.Event) -> None:
        """Settle the write in flight, then hand the pending batch to the writer thread."""
        self._settle(consumer, stop)
        batch, self._pending = self._pending, SinkBatch()
        if not batch:  # a rebalance while settling dropped it
            return
        self._inflight = _InFlight(batch, self._writer.submit(batch))

    def _settle(self, consumer: KafkaConsumer, stop: threading.Event) -> None:
        """Wait for the write in flight; retry it while the warehouse fails; then commit its offsets."""
        flight, self._inflight = self._inflight, None
        if flight is None:
            return
        error = flight.write.exception()  # waits for the writer thread
        if flight.revoked:
            # The partitions may have a new owner that re-reads the batch: leave their offsets to it.
            log.warning("partitions revoked while a batch was being written; it will be redelivered")
            self.stats.discarded_batches += 1
            return
        if error is not None:
            if not isinstance(error, WarehouseError):
                raise error
            if not self._retry(consumer, flight.batch, stop, error):
                return
        if self.before_commit is not None:
            self.before_commit(flight.batch)
        self._commit(consumer, flight.batch)

    def _retry(
        self, consumer: KafkaConsumer, batch: SinkBatch, stop: threading.Event, error: WarehouseError
    ) -> bool:
        """Retry a failed write by the retry policy, polling the paused consumer meanwhile; false when the
        batch had to be given up (stopping, or its partitions revoked): it will be redelivered."""
        self._revoked = False
        paused: list[TopicPartition] = []

        def on_retry(error: WarehouseError, delay: float) -> None:
            self.stats.retries += 1
            self.metrics.sink_write_retries.inc()
            log.warning(
                "warehouse write failed; retrying",
                extra={"error": str(error), "retry_in_s": round(delay, 2), "messages": batch.messages},
            )

        def wait(delay: float) -> bool:
            if stop.is_set():
                log.warning("stopping with an unstored batch; it will be redelivered")
                return False
            if not paused:
                paused.extend(consumer.assignment())
                consumer.pause(*paused)
            return self._wait(consumer, delay, stop)

        try:
            stored = retry_write(
                lambda: self._writer.write(batch), error, self.options.retry, wait=wait, on_retry=on_retry
            )
        finally:
            if paused:
                consumer.resume(*[tp for tp in paused if tp in consumer.assignment()])
        if not stored:
            self.stats.discarded_batches += 1
        return stored

    def _wait(self, consumer: KafkaConsumer, seconds: float, stop: threading.Event) -> bool:
        """Sleep ``seconds`` while polling the paused consumer (so it keeps its group membership); false
        when a rebalance took the batch's partitions away meanwhile."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and not stop.is_set():
            # Partitions newly assigned by a rebalance are not paused: keep what they return for later.
            polled = consumer.poll(timeout_ms=int(left * 1000))
            # After the poll: a rebalance inside it replaces the backlog list.
            self._backlog.extend((tp, rs) for tp, rs in polled.items() if rs)
            if self._revoked:
                log.warning("partitions revoked during a warehouse outage; the batch will be redelivered")
                return False
        return True

    def _commit(self, consumer: KafkaConsumer, batch: SinkBatch) -> None:
        offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in batch.offsets.items()}
        try:
            consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # The rows are stored; the partitions' next owner re-reads and re-stores them (idempotent).
            log.warning("offset commit failed; the batch will be redelivered", extra={"error": str(exc)})
        s = self.stats
        s.batches += 1
        s.messages += batch.messages
        s.events += len(batch.events)
        s.rejected += len(batch.rejected)
        s.violations += len(batch.violations)
        s.poison += batch.poison
        m = self.metrics
        m.sink_batches.inc()
        m.events_in.inc(len(batch.events))
        for code in batch.rejected_reasons:
            m.events_rejected.labels(reason=code).inc()
            if code in POISON_CODES:
                m.poison_records.labels(reason=code).inc()
        for state in batch.violation_states:
            (m.violations_opened if state == "open" else m.violations_retracted).inc()
        log.debug("batch stored", extra={"messages": batch.messages, "events": len(batch.events)})

    def _on_revoked(self, revoked: list[TopicPartition]) -> None:
        # Eager rebalance: every partition restarts from its committed offset, so an unstored batch is
        # simply dropped and read again (by us or by the partitions' new owner).
        if self._pending:
            self.stats.discarded_batches += 1
            self._pending = SinkBatch()
        if self._inflight is not None:
            self._inflight.revoked = True
        self._backlog = []
        self._revoked = True
        for tp in [] if self._closing else revoked:  # their lag is the new owner's to report
            with contextlib.suppress(KeyError):
                self.metrics.consumer_lag.remove(tp.topic, str(tp.partition))
        if revoked:
            names = sorted(f"{t.topic}/{t.partition}" for t in revoked)
            log.info("partitions revoked", extra={"partitions": names})
