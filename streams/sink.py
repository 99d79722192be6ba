"""The warehouse sink: a kafka-python consumer group that stores the platform's topics in ClickHouse.

- events topic → ``events`` (``source`` = ``kafka:<topic>/<partition>``, ``source_offset`` = the offset);
  a message that is not a contract event (not JSON, not valid) → ``rejected_events`` with its reason;
- dead-letters topic → ``rejected_events`` with the dead letter's own source, offset and reason;
- violations topic → ``violations`` (the detector's opened/retracted records).

Delivery is at least once and storage idempotent: offsets are committed only after the batch's warehouse
write succeeded, and every table is a ReplacingMergeTree whose key makes a redelivered row replace its
first copy (``ingested_at``/``rejected_at`` come from the Kafka record timestamp, so a redelivered row is
even byte-identical). While the warehouse is down the batch is retried with capped exponential backoff;
the consumer keeps polling with its partitions paused, so it stays in the group and nothing is committed.

Throughput: a batch is written by a writer thread while the consumer thread polls and converts the next
one. One write is in flight at a time and its offsets are committed (by the consumer thread, in batch
order) only once it succeeded; a failed write is retried as above before the next batch is handed over.

The sink does not evaluate rules (the detector does). With ``fold=True`` it refreshes the dossier
projection (``dossiers``, ``dossier_outcomes``) of the dossiers each batch touched, which the SQL
reporting form reads.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from bootstrap.platform import Platform
from bootstrap.settings import Settings
from schemas.events import AnyEvent
from schemas.validation import Rejection, parse_event
from streams.ingest import bootstrap_of
from streams.messages import DeadLetter, MessageError, ViolationMessage
from streams.observability import WorkerMetrics
from streams.topics import ensure_topics, platform_topics
from warehouse.base import Warehouse, WarehouseError
from warehouse.migrate import migrate
from warehouse.projection import fold_dossiers
from warehouse.store import (
    EVENT_COLUMNS,
    REJECTION_COLUMNS,
    VIOLATION_COLUMNS,
    event_row,
    rejection_row,
    violation_row,
)

log = logging.getLogger(__name__)

DEFAULT_GROUP = "dossier-audit-sink"

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


@dataclass
class SinkStats:
    """What a sink run stored (rows written; a redelivered row counts again)."""

    messages: int = 0
    events: int = 0
    rejected: int = 0
    violations: int = 0
    batches: int = 0
    retries: int = 0
    folded: int = 0
    discarded_batches: int = 0

    def to_json_dict(self) -> dict[str, int]:
        return {
            "messages": self.messages,
            "events_stored": self.events,
            "rejected_stored": self.rejected,
            "violations_stored": self.violations,
            "batches": self.batches,
            "retries": self.retries,
            "dossiers_folded": self.folded,
            "discarded_batches": self.discarded_batches,
        }


@dataclass
class SinkBatch:
    """Rows converted from consumed records, and the offsets to commit once they are stored."""

    events: list[tuple[Any, ...]] = field(default_factory=list)
    rejected: list[tuple[Any, ...]] = field(default_factory=list)
    rejected_reasons: list[str] = field(default_factory=list)
    violations: list[tuple[Any, ...]] = field(default_factory=list)
    violation_states: list[str] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    offsets: dict[TopicPartition, int] = field(default_factory=dict)
    messages: int = 0
    opened_at: float = 0.0

    def __bool__(self) -> bool:
        return self.messages > 0


def _columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    return [list(column) for column in zip(*rows, strict=True)]


_NO_STAMP = object()


def _record_time(timestamp_ms: int | None) -> datetime:
    """The Kafka record timestamp (whole seconds, UTC): deterministic across redeliveries."""
    if timestamp_ms is None or timestamp_ms < 0:
        return datetime.now(UTC).replace(microsecond=0)
    return datetime.fromtimestamp(timestamp_ms // 1000, UTC)


def _may_carry_applicant(event: AnyEvent) -> bool:
    """Whether the event's data has an ``applicant`` (declared or extra). Cheaper than letting
    ``Pseudonymiser.apply`` probe with ``getattr``, which is slow for a model without the attribute."""
    data = event.data
    extra = data.__pydantic_extra__
    return _declares_applicant(type(data)) or bool(extra and "applicant" in extra)


@cache
def _declares_applicant(model: type[Any]) -> bool:
    return "applicant" in model.model_fields


@dataclass
class _InFlight:
    """A batch the writer thread is storing; ``revoked`` once a rebalance took its partitions."""

    batch: SinkBatch
    write: Future[None]
    revoked: bool = False


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
    """Consume the events, dead-letters and violations topics into ``wh`` (see the module docstring).

    ``before_commit(batch)`` runs after a batch was written and before its offsets are committed (a hook
    for fault-injection tests). ``consumer_options`` override :data:`CONSUMER_TUNING`.
    """

    def __init__(
        self,
        settings: Settings,
        platform: Platform,
        wh: Warehouse,
        *,
        bootstrap_servers: str | None = None,
        group_id: str = DEFAULT_GROUP,
        metrics: WorkerMetrics | None = None,
        fold: bool = False,
        fold_as_of: datetime | None = None,
        idle_seconds: float = 1.5,
        backoff_initial: float = 0.2,
        backoff_max: float = 10.0,
        consumer_options: dict[str, Any] | None = None,
        before_commit: Callable[[SinkBatch], None] | None = None,
    ) -> None:
        self.settings = settings
        self.platform = platform
        self.wh = wh
        self.bootstrap_servers = bootstrap_of(settings, bootstrap_servers)
        self.group_id = group_id
        self.metrics = metrics or WorkerMetrics()
        self.fold = fold
        self.fold_as_of = fold_as_of
        self.idle_seconds = idle_seconds
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.consumer_options = {**CONSUMER_TUNING, **(consumer_options or {})}
        self.before_commit = before_commit
        self.stats = SinkStats()
        self.topics = (settings.topic_events, settings.topic_dead_letters, settings.topic_violations)
        self._pending = SinkBatch()
        self._backlog: list[tuple[TopicPartition, list[Any]]] = []
        self._revoked = False
        self._inflight: _InFlight | None = None
        self._writer: ThreadPoolExecutor | None = None
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
        options: dict[str, Any] = self.settings.kafka_client_options()
        ensure_topics(self.bootstrap_servers, platform_topics(self.settings), **options)
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            group_id=self.group_id,
            client_id=f"{self.group_id}-worker",
            enable_auto_commit=False,
            max_poll_records=self.settings.sink_batch_size,
            **self.consumer_options,
            **options,
        )
        log.info("sink started", extra={"group": self.group_id, "topics": list(self.topics)})
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.group_id}-writer")
        self._writer = writer
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
                self._writer = None
                writer.shutdown(wait=True)
        log.info("sink stopped", extra=self.stats.to_json_dict())
        return self.stats

    def _loop(
        self, consumer: KafkaConsumer, idle_mode: bool | threading.Event, stop: threading.Event
    ) -> None:
        batch_seconds = self.settings.sink_batch_seconds
        batch_size = self.settings.sink_batch_size
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
        polled = consumer.poll(timeout_ms=int(wait * 1000), max_records=self.settings.sink_batch_size)
        records = [(tp, rs) for tp, rs in polled.items() if rs]
        if records:
            self._last_record = time.monotonic()
        return records

    def _caught_up(self, consumer: KafkaConsumer) -> bool:
        if time.monotonic() - self._last_record < self.idle_seconds:
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

    # -- records to rows -----------------------------------------------------------------------------------
    def _add_records(self, tp: TopicPartition, records: Sequence[Any]) -> None:
        """Convert one partition's polled records (in offset order) into the pending batch's rows."""
        if not records:
            return
        batch = self._pending
        if not batch:
            batch.opened_at = time.monotonic()
        batch.messages += len(records)
        batch.offsets[tp] = records[-1].offset + 1
        topic = tp.topic
        where = f"kafka:{topic}/{tp.partition}"
        if topic == self.settings.topic_events:
            self._add_events(batch, where, records)
        else:
            for record in records:
                self._add_other(batch, topic, where, record)

    def _add_events(self, batch: SinkBatch, where: str, records: Sequence[Any]) -> None:
        # The hot path: one validation per message, one serialisation per event (``event_row``).
        apply = self.platform.pseudonymiser.apply
        rows, touched = batch.events, batch.touched
        last_stamp: object = _NO_STAMP
        at = datetime.min
        for record in records:
            value: bytes = record.value if record.value is not None else b""
            stamp = record.timestamp
            if stamp != last_stamp or stamp is None:  # records of one producer batch share their stamp
                last_stamp, at = stamp, _record_time(stamp)
            parsed = parse_event(value, line_no=record.offset)
            if isinstance(parsed, Rejection):
                self._reject(parsed, where, value, at)
                continue
            if _may_carry_applicant(parsed):
                # Producers pseudonymise already; pseudonyms pass through unchanged, clear values do not.
                parsed = apply(parsed)
            rows.append(event_row(parsed, where, record.offset, at))
            touched.add(parsed.dossier_id)

    def _add_other(self, batch: SinkBatch, topic: str, where: str, record: Any) -> None:
        value: bytes = record.value if record.value is not None else b""
        at = _record_time(record.timestamp)
        if topic == self.settings.topic_dead_letters:
            try:
                letter = DeadLetter.decode(value)
            except MessageError as exc:
                self._reject(
                    Rejection("dead_letter.invalid", str(exc), record.offset, value), where, value, at
                )
                return
            rejected_at = (
                letter.rejected_at if letter.rejected_at.tzinfo else letter.rejected_at.replace(tzinfo=UTC)
            )
            rejection = Rejection(letter.reason_code, letter.reason, letter.offset, letter.raw)
            self._reject(rejection, letter.source, letter.raw, rejected_at)
        elif topic == self.settings.topic_violations:
            try:
                msg = ViolationMessage.decode(value)
                row = violation_row(msg.violation, msg.state, msg.as_of, msg.producer, msg.version)
            except (MessageError, KeyError, TypeError, ValueError) as exc:
                reason = str(exc) if isinstance(exc, MessageError) else f"not a violation message: {exc!r}"
                self._reject(Rejection("violation.invalid", reason, record.offset, value), where, value, at)
                return
            batch.violations.append(row)
            batch.violation_states.append(msg.state)

    def _reject(self, rejection: Rejection, source: str, raw: bytes, at: datetime) -> None:
        scrubbed = self.platform.pseudonymiser.scrub_raw(raw)
        self._pending.rejected.append(rejection_row(rejection, source, scrubbed, at))
        self._pending.rejected_reasons.append(rejection.code)

    # -- write, then commit ---------------------------------------------------------------------------------
    def _write(self, batch: SinkBatch) -> None:
        started = time.perf_counter()
        if batch.events:
            self.wh.insert("events", EVENT_COLUMNS, _columns(batch.events))
        if batch.rejected:
            self.wh.insert("rejected_events", REJECTION_COLUMNS, _columns(batch.rejected))
        if batch.violations:
            self.wh.insert("violations", VIOLATION_COLUMNS, _columns(batch.violations))
        if self.fold and batch.touched:
            as_of = self.fold_as_of or datetime.now(UTC)
            folded, _, _ = fold_dossiers(
                self.platform.auditor, self.wh, sorted(batch.touched), as_of, violations=False
            )
            self.stats.folded += folded
        self.metrics.sink_write_seconds.observe(time.perf_counter() - started)

    def _flush(self, consumer: KafkaConsumer, stop: threading.Event) -> None:
        """Settle the write in flight, then hand the pending batch to the writer thread."""
        self._settle(consumer, stop)
        batch, self._pending = self._pending, SinkBatch()
        if not batch:  # a rebalance while settling dropped it
            return
        assert self._writer is not None, "flush outside run()"
        self._inflight = _InFlight(batch, self._writer.submit(self._write, batch))

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
        self, consumer: KafkaConsumer, batch: SinkBatch, stop: threading.Event, error: Exception
    ) -> bool:
        """Retry a failed write with backoff, polling the paused consumer meanwhile; false when the batch
        had to be given up (stopping, or its partitions revoked): it will be redelivered."""
        self._revoked = False
        delay = self.backoff_initial
        paused: list[TopicPartition] = []
        try:
            while True:
                self.stats.retries += 1
                self.metrics.sink_write_retries.inc()
                log.warning(
                    "warehouse write failed; retrying",
                    extra={"error": str(error), "retry_in_s": round(delay, 2), "messages": batch.messages},
                )
                if stop.is_set():
                    log.warning("stopping with an unstored batch; it will be redelivered")
                    self.stats.discarded_batches += 1
                    return False
                if not paused:
                    paused = list(consumer.assignment())
                    consumer.pause(*paused)
                if not self._wait(consumer, delay, stop):
                    self.stats.discarded_batches += 1
                    return False
                delay = min(delay * 2, self.backoff_max)
                try:
                    self._write(batch)
                    return True
                except WarehouseError as exc:
                    error = exc
        finally:
            if paused:
                consumer.resume(*[tp for tp in paused if tp in consumer.assignment()])

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
        m = self.metrics
        m.sink_batches.inc()
        m.events_in.inc(len(batch.events))
        for code in batch.rejected_reasons:
            m.events_rejected.labels(reason=code).inc()
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
