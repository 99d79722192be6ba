"""The sink's consumer loop (see :mod:`streams.sink` for what it stores and its guarantees).

One thread owns the consumer: it polls, converts records into the pending batch, hands a full batch to the
writer thread, and commits a batch's offsets once its write succeeded — in batch order, since the next
batch is handed over only after the previous one is settled. It is the only place that commits, so the
order of commits is decided here alone; a rebalance callback (run by the same thread, inside ``poll``)
marks what it invalidates and never commits.

The thread never blocks for long: a consumer that does not poll for ``max_poll_interval`` is dropped
from its group, so a slow or failing write (a warehouse outage) must not stop the polls, or the group
churns (issue 19). Each write attempt runs in the writer thread; while the consumer thread waits for
one, or for the next retry (:class:`~streams.sink.retry.RetryClock`), it polls with its partitions
paused. And it is never out of its group for longer than the join deadline
(:mod:`streams.sink.group`): a stuck coordinator is an error, not a silent hang.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import wait
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from inspections.rulebook import Auditor
from schemas.pseudonym import Pseudonymiser
from streams.kafka import KafkaConfig, StreamError
from streams.observability import WorkerMetrics
from streams.sink.batch import BatchConverter, SinkBatch, SinkStats, count_stored
from streams.sink.collector import COLLECTOR, GC_THRESHOLD0
from streams.sink.group import GroupJoinTimeout, JoinDeadline, copy_group_offsets
from streams.sink.lag import at_end, report_coordinator, report_lag
from streams.sink.options import SinkOptions
from streams.sink.polling import (
    CONSUMER_TUNING,
    HOLD_SECONDS,
    IDLE_POLL_SECONDS,
    RETRY_POLL_SECONDS,
    SETTLE_POLL_SECONDS,
)
from streams.sink.refresh import RefreshClock, owned_sources
from streams.sink.retry import OUTAGE_HINT, InFlight, RetryClock
from streams.sink.writer import BatchWriter
from streams.topics import BrokersUnreachable, TopicError, ensure_topics
from warehouse.base import Warehouse, WarehouseError
from warehouse.migrate import migrate
from warehouse.pseudonym_keys import check_key

__all__ = ["GC_THRESHOLD0", "SinkWorker"]

log = logging.getLogger(__name__)


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: SinkWorker) -> None:
        self.worker = worker

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        self.worker._on_revoked(list(revoked))

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        self.worker._join.joined()  # an empty assignment too: the member is in its group
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
        self._key = pseudonymiser.fingerprint
        self._writer = BatchWriter(
            warehouse, self.metrics, self.stats, auditor=auditor if options.fold else None,
            fold_as_of=options.fold_as_of, thread_name=f"{options.group_id}-writer",
            scrub=pseudonymiser.scrub_raw,
        )  # fmt: skip
        self._pending = SinkBatch()
        self._backlog: list[tuple[TopicPartition, list[Any]]] = []
        self._revoked = False
        self._inflight: InFlight | None = None
        self._last_record = time.monotonic()
        self._lag_updated = 0.0
        self._coordinator_known: bool | None = None
        self._closing = False
        self._join = JoinDeadline(options.join_timeout)
        self._refresh = RefreshClock(options.refresh_seconds if options.fold else 0.0)
        max_poll = float(self.consumer_options.get("max_poll_interval_ms", 300_000)) / 1000
        self._hold = min(HOLD_SECONDS, max_poll / 4)

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
        # Under the warehouse's key or none: a sink restored beside another key mixed two keys' pseudonyms
        # without a word (``warehouse.pseudonym_keys``); refused before anything is read.
        check_key(self.wh, self._key, on_adopted=log.warning)
        try:
            self._consume(until_idle, stop)
        except BrokersUnreachable as exc:  # before anything was read: the command tells it apart (exit 2)
            raise BrokersUnreachable(f"Kafka at {self.kafka.described}: {exc}") from exc
        except (KafkaError, TopicError) as exc:
            raise StreamError(f"Kafka at {self.kafka.described}: {exc}") from exc
        log.info("sink stopped", extra=self.stats.to_json_dict())
        return self.stats

    def _consume(self, until_idle: bool | threading.Event, stop: threading.Event) -> None:
        # A run starts clean. A run that failed (an error raised from the loop) may have left a pending
        # batch, converted and perhaps prepared, and polled records: none of it is committed, so this run's
        # consumer reads it again from the committed offsets. Kept, the batch would be stored beside what
        # is read again, its offsets committed for partitions this run may not be assigned, and its rows,
        # appended to, would no longer be those of its prepared columns.
        self._pending = SinkBatch()
        self._backlog = []
        ensure_topics(self.kafka, self.options.topics.specs())
        group = self.options.group_id
        if self.options.from_group is not None:
            copy_group_offsets(self.kafka, self.options.from_group, group, self.topics)
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
            with COLLECTOR.applied():
                consumer.subscribe(list(self.topics), listener=_Listener(self))
                self._join.left()
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
                wait = min(wait, SETTLE_POLL_SECONDS)
            elif until_idle and self._pending:
                wait = min(wait, IDLE_POLL_SECONDS)
            records = self._backlog or self._poll(consumer, wait)
            self._backlog = []
            if self._join.expired():
                self._join_failed(consumer)
            for tp, group in records:
                self._add_records(tp, group)
            if self._refresh.due(time.monotonic()):
                self._ask_refresh(consumer)
            if self._inflight is not None:
                if records:  # busy: settle only what is done, and go on converting
                    self._step(consumer, stop)
                else:
                    self._settle(consumer, stop)
            if self._pending and (
                self._pending.messages >= batch_size
                or time.monotonic() >= self._pending.opened_at + batch_seconds
                or (until_idle and not records and at_end(consumer))
            ):
                self._flush(consumer, stop)
            self._update_lag(consumer)
            if until_idle and not self._pending and self._inflight is None and self._caught_up(consumer):
                break
        if stop.is_set():
            if self._pending.messages:
                self._flush(consumer, stop)
            self._settle(consumer, stop)

    def _ask_refresh(self, consumer: KafkaConsumer) -> None:
        """Have the next batch fold the dossiers of the owned events partitions that time changed
        (:mod:`streams.sink.refresh`); a batch of no message is written for it within ``batch_seconds``."""
        sources = owned_sources(consumer.assignment(), self.options.topics.events)
        if not sources:  # not assigned yet: asked again once it is
            return
        now = time.monotonic()
        self._refresh.started(now)
        if not self._pending.messages:
            self._pending.opened_at = now
        self._pending.refresh = sources

    def _join_failed(self, consumer: KafkaConsumer) -> None:
        """Out of the group past the deadline: a stuck group (:class:`GroupJoinTimeout`), unless no group
        coordinator answers at all — Kafka is down, a failure like any other of Kafka's, not this."""
        seconds, servers = self.options.join_timeout or 0.0, self.kafka.bootstrap_servers
        coordinator = getattr(consumer, "_coordinator", None)  # kafka-python's; absent from test fakes
        if coordinator is not None and coordinator.coordinator_unknown():
            raise StreamError(f"Kafka at {servers}: no group coordinator answered within {seconds:g} s")
        raise GroupJoinTimeout(self.options.group_id, seconds, servers)

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
        return at_end(consumer)

    def _update_lag(self, consumer: KafkaConsumer) -> None:
        now = time.monotonic()
        if now - self._lag_updated < 1.0:
            return
        self._lag_updated = now
        flight = self._inflight.batch if self._inflight is not None else None
        report_lag(consumer, self.metrics, (flight, self._pending), self._backlog)
        group, before = self.options.group_id, self._coordinator_known
        self._coordinator_known = report_coordinator(consumer, self.metrics, group, before)

    # -- write, then commit ---------------------------------------------------------------------------------
    def _flush(self, consumer: KafkaConsumer, stop: threading.Event) -> None:
        """Prepare the pending batch's insert while the write in flight ends, settle that write, then hand
        the pending batch to the writer thread."""
        self._writer.prepare(self._pending)
        self._settle(consumer, stop)
        batch, self._pending = self._pending, SinkBatch()
        if not batch:  # a rebalance while settling dropped it
            return
        self._inflight = InFlight(batch, self._writer.submit(batch))

    def _settle(self, consumer: KafkaConsumer, stop: threading.Event) -> None:
        """Wait until the write in flight is settled (stored and committed, or given up), retrying it while
        the warehouse fails, and polling meanwhile with the partitions paused (so the consumer keeps its
        group membership and reads nothing new)."""
        paused: list[TopicPartition] = []
        held = False
        self._revoked = False
        try:
            while not self._step(consumer, stop):
                flight = self._inflight
                assert flight is not None
                if not held and flight.retry is None:
                    held = True
                    wait([flight.write], timeout=self._hold)
                    continue
                if self._revoked:  # a new assignment starts unpaused
                    paused, self._revoked = [], False
                new = [tp for tp in consumer.assignment() if tp not in paused]
                if new:
                    consumer.pause(*new)
                    paused.extend(new)
                left = flight.retry.left() if flight.retry is not None else None
                timeout = SETTLE_POLL_SECONDS if left is None else min(left, RETRY_POLL_SECONDS)
                polled = consumer.poll(timeout_ms=int(timeout * 1000))
                # After the poll: a rebalance inside it replaces the backlog list. Partitions newly assigned
                # by it are not paused yet: keep what they returned for later.
                self._backlog.extend((tp, rs) for tp, rs in polled.items() if rs)
                self._update_lag(consumer)  # the held records stay counted while the warehouse is down
        finally:
            if paused:
                consumer.resume(*[tp for tp in paused if tp in consumer.assignment()])

    def _step(self, consumer: KafkaConsumer, stop: threading.Event) -> bool:
        """Move the write in flight on without blocking: commit it once stored, schedule a retry when it
        failed with a ``WarehouseError`` (any other error is raised), start a retry that is due, give it
        up when stopping or revoked (it will be redelivered). True once nothing is in flight."""
        flight = self._inflight
        if flight is None:
            return True
        clock = flight.retry
        left = clock.left() if clock is not None else None
        if clock is not None and left is not None:  # waiting for the next attempt
            if flight.revoked:
                return self._give_up("partitions revoked during a warehouse outage; it will be redelivered")
            if stop.is_set():
                return self._give_up("stopping with an unstored batch; it will be redelivered")
            if left <= 0:
                clock.started()
                flight.write = self._writer.submit(flight.batch)
            return False
        if not flight.write.done():  # an attempt runs
            return False
        error = flight.write.exception()
        if flight.revoked:
            # The partitions may have a new owner that re-reads the batch: leave their offsets to it.
            return self._give_up("partitions revoked while a batch was written; it will be redelivered")
        if error is None:
            self._inflight = None
            if clock is not None:  # the on-call engineer saw retries, then silence: it says it recovered
                log.info(
                    "warehouse write succeeded after retrying; the sink goes on",
                    extra={"failed_attempts": clock.failures, "messages": flight.batch.messages},
                )
            if flight.batch.refresh_more:  # more dossiers than one write folds: the rest at once
                self._refresh.reset()
            if self.before_commit is not None:
                self.before_commit(flight.batch)
            self._commit(consumer, flight.batch)
            return True
        if not isinstance(error, WarehouseError):
            self._inflight = None
            raise error
        if stop.is_set():
            return self._give_up("stopping with an unstored batch; it will be redelivered")
        flight.retry = clock = clock or RetryClock(self.options.retry)
        delay = clock.failed()
        self.stats.retries += 1
        self.metrics.sink_write_retries.inc()
        log.warning(
            "warehouse write failed; retrying",
            extra={"error": str(error), "retry_in_s": round(delay, 2), "messages": flight.batch.messages,
                   "hint": OUTAGE_HINT},
        )  # fmt: skip
        return False

    def _give_up(self, why: str) -> bool:
        flight, self._inflight = self._inflight, None
        if flight is not None and flight.batch.messages:  # a refresh alone loses nothing: asked again later
            log.warning(why)
            self.stats.discarded_batches += 1
        return True

    def _commit(self, consumer: KafkaConsumer, batch: SinkBatch) -> None:
        if not batch.messages:  # a refresh alone (refresh.py): nothing to commit, no batch to count
            return
        offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in batch.offsets.items()}
        committed = True
        try:
            consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # The rows are stored; the partitions' next owner re-reads and re-stores them (idempotent).
            log.warning("offset commit failed; the batch will be redelivered", extra={"error": str(exc)})
            committed = False
        count_stored(batch, self.stats, self.metrics, committed=committed)
        log.debug("batch stored", extra={"messages": batch.messages, "events": len(batch.events)})

    def _on_revoked(self, revoked: list[TopicPartition]) -> None:
        # Eager rebalance: every partition restarts from its committed offset, so an unstored batch is
        # simply dropped and read again (by us or by the partitions' new owner).
        if self._pending.messages:
            self.stats.discarded_batches += 1
        self._pending = SinkBatch()
        self._refresh.reset()  # the partitions' new owners look at them soon (a refresh asked is dropped)
        if self._inflight is not None:
            self._inflight.revoked = True
        self._backlog = []
        self._revoked = True
        if not self._closing:
            self._join.left()  # until the next assignment
        for tp in [] if self._closing else revoked:  # their lag is the new owner's to report
            with contextlib.suppress(KeyError):
                self.metrics.consumer_lag.remove(tp.topic, str(tp.partition))
        if revoked:
            names = sorted(f"{t.topic}/{t.partition}" for t in revoked)
            log.info("partitions revoked", extra={"partitions": names})
