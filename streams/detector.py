"""The violation detector: a Faust app whose agent feeds event batches to the pure core
(:mod:`streams.detector_core`) and publishes what opened and what was retracted.

Layout
  - events topic (keyed by ``dossier_id``) → the ``detect`` agent: decode (bad input becomes a dead letter,
    the stream goes on), group the batch per partition, ``PartitionState.apply``, emit.
  - two Faust tables, co-partitioned with the events topic (same key, same partition count; every write
    goes to the partition of the events it came from): ``dossiers`` (per dossier: its deduplicated events,
    the violations published as open, its next deadline) and ``partitions`` (per partition: the
    watermark). Memory store, changelog-backed: after a rebalance or a restart a worker rebuilds the
    partitions newly assigned to it from the changelog; the worker's memory is the working copy.
  - violations topic (keyed by ``dossier_id``): :class:`streams.messages.ViolationMessage` with state
    ``open``/``retracted``, ``as_of`` = the watermark used, producer ``detector`` and a version that
    grows per key (microseconds of emission, bumped by a counter so it never repeats).

Throughput: Faust's per-message path (consumer → conductor → channel queue → stream iterator) costs
~90 µs a message here (measured: ~11k messages/s with an empty agent), more than the rulebook. The app
therefore uses a consumer whose fetch loop hands the events topic's messages to the agent in bulk
(:class:`_Inlet`, ~100k messages/s), without per-message tasks. Acknowledgements and offset commits stay
Faust's (``consumer.ack``; Faust flushes the producer before it commits: at-least-once, and the core is
idempotent); a rebalance waits for the batch in progress through the detector's lock. After each batch
the survivors are frozen out of the cyclic garbage collector (see :func:`_freeze_young_objects`).
Each partition has its own event-time watermark: a partition that receives nothing does not advance
(``--live`` lets the wall clock move it; ``--as-of`` moves all of them at the end of a replay).

``--until-idle``/``--as-of``: a supervisor task polls, every ``poll_seconds``, whether the consumer group
has committed every partition of the events topic to its true end (:func:`streams.offsets.true_end_offsets`)
and nothing arrived for ``idle_seconds``, all within one group generation and with no rebalance running or
pending (see :meth:`Detector._settled`).
With ``as_of`` it then re-reads the violations topic (what was really published, whatever crashes came
before) for the dossiers it holds, evaluates every dossier at ``as_of`` and publishes the difference;
with ``until_idle`` it stops the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import logging
import signal
import ssl
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import faust
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.exceptions import ConsumerNotStarted
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka

from bootstrap.platform import Platform
from bootstrap.settings import Settings
from inspections.rulebook import Auditor
from schemas.events import AnyEvent
from schemas.validation import Rejection, parse_event
from streams.detector_core import Change, DetectorCore, Outcome, PartitionState, VKey
from streams.messages import DeadLetter, MessageError, ViolationMessage
from streams.observability import WorkerMetrics
from streams.offsets import true_end_offsets
from streams.watermark import from_us, to_us

log = logging.getLogger(__name__)

__all__ = ["DetectorApp", "DetectorOptions", "DetectorStats", "make_app", "run_detector"]

PRODUCER = "detector"


@dataclass(frozen=True)
class DetectorOptions:
    """How one detector worker runs (everything else comes from :class:`Settings`)."""

    allowed_lateness: timedelta = timedelta(hours=1)
    #: Replay: once caught up, evaluate every dossier at this instant and publish the differences.
    as_of: datetime | None = None
    #: Stop once the group has consumed every partition and nothing arrived for ``idle_seconds``.
    until_idle: bool = False
    #: Let wall-clock time advance the watermark too (``now - allowed_lateness``).
    live: bool = False
    idle_seconds: float = 1.5
    poll_seconds: float = 0.25
    batch_max: int = 10_000
    #: Longest wait for a batch to fill once a message is there (bounds the added latency).
    batch_wait: float = 0.05
    app_id: str = "dossier-audit-detector"
    datadir: Path | None = None
    # Consumer group timing (short: the embedded tansu broker completes a join only after the group's
    # rebalance timeout).
    session_timeout: float = 6.0
    heartbeat_interval: float = 1.0
    max_poll_interval: float = 10.0
    rebalance_timeout: float = 10.0
    commit_interval: float = 1.0
    loglevel: str = "WARNING"
    #: After each batch, exempt what survived it from cyclic garbage collection (see
    #: :func:`_freeze_young_objects`); without it, full collections over the growing state cost more
    #: than the rulebook.
    freeze_gc: bool = True

    def __post_init__(self) -> None:
        if self.allowed_lateness < timedelta(0):
            raise ValueError(f"allowed lateness must be >= 0, got {self.allowed_lateness}")
        if self.as_of is not None and self.as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        if self.batch_max < 1:
            raise ValueError("batch_max must be >= 1")


@dataclass
class DetectorStats:
    """What a worker did (reported by ``worker detect``)."""

    events: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    evaluations: int = 0
    opened: int = 0
    retracted: int = 0
    batches: int = 0
    restored_partitions: int = 0
    finalized_at: str | None = None
    seconds: float = 0.0
    #: From the start of the first batch to the end of the last one (the processing rate's time base).
    first_batch: float | None = None
    last_batch: float | None = None
    #: Time spent inside batches (decode, evaluate, emit), excluding waits for input.
    busy_seconds: float = 0.0
    watermarks: dict[int, str | None] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        span = (self.last_batch - self.first_batch) if self.first_batch and self.last_batch else 0.0
        rate = self.events / span if span > 0 else 0.0
        return {
            "events": self.events,
            "duplicates": self.duplicates,
            "dead_letters": self.dead_letters,
            "evaluations": self.evaluations,
            "opened": self.opened,
            "retracted": self.retracted,
            "batches": self.batches,
            "restored_partitions": self.restored_partitions,
            "finalized_at": self.finalized_at,
            "seconds": round(self.seconds, 3),
            "processing_seconds": round(span, 3),
            "busy_seconds": round(self.busy_seconds, 3),
            "events_per_second": round(rate, 1),
            "watermarks": {str(p): w for p, w in sorted(self.watermarks.items())},
        }


# --- the batching consumer ------------------------------------------------------------------------------


class _Inlet:
    """Messages of the events topic handed over by the fetch loop, taken by the agent in batches."""

    def __init__(self, batch_max: int) -> None:
        self.batch_max = batch_max
        self.limit = 4 * batch_max
        self.items: list[Any] = []
        self._nonempty = asyncio.Event()
        self._full = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()

    def put(self, message: Any) -> None:
        items = self.items
        items.append(message)
        n = len(items)
        if n == 1:
            self._nonempty.set()
        if n >= self.batch_max:
            self._full.set()
            if n >= self.limit:
                self._room.clear()

    @property
    def has_room(self) -> bool:
        return len(self.items) < self.limit

    async def wait_for_room(self) -> None:
        await self._room.wait()

    async def take(self, wait: float) -> list[Any]:
        while not self.items:
            self._nonempty.clear()
            await self._nonempty.wait()
        if len(self.items) < self.batch_max and wait > 0:
            self._full.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), wait)
        batch = self.items[: self.batch_max]
        del self.items[: self.batch_max]
        if len(self.items) < self.limit:
            self._room.set()
        return batch

    def clear(self) -> None:
        self.items.clear()
        self._room.set()


#: Longest time a fetch may wait for data on the broker. Faust hard-codes 1.5 s; a broker that holds an
#: empty fetch until then (tansu does) adds up to that much to every violation's latency.
FETCH_MAX_WAIT_MS = 50


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):  # pragma: no cover - exercised end to end
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by the fetcher when the consumer starts
        return consumer


class _BatchingConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer, with a fetch loop that gives the detector's topic to its inlet directly
    (other topics, e.g. Faust's own, keep the normal per-message path)."""

    logger = logging.getLogger("faust.detector")  # Faust's chatter stays under "faust" (quietened)

    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - exercised end to end
        # Follows faust.transport.consumer.Consumer._drain_messages; the difference is the inlet.
        app = self.app
        callback = self.callback
        getmany = self.getmany
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        set_flag, unset_flag = self.diag.set_flag, self.diag.unset_flag
        acks_enabled_for = app.topics.acks_enabled_for
        suspended = self.suspend_flow.is_set
        inlet: _Inlet | None = getattr(app, "inlet", None)
        inlet_topic: str | None = getattr(app, "inlet_topic", None)
        since_yield = 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(CONSUMER_FETCHING)
                ait = getmany(timeout=1.0)
                await self.sleep(0)
                if not self.should_stop:
                    async for tp, message in ait:
                        since_yield += 1
                        if since_yield > 1000:
                            await asyncio.sleep(0)
                            since_yield = 0
                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is not None and offset < r_offset:
                            continue
                        gap = offset - (r_offset or 0)
                        if gap > 1 and r_offset and acks_enabled_for(message.topic):
                            await self._add_gap(tp, r_offset + 1, offset)
                        commit_every = self._commit_every
                        if commit_every is not None and self._n_acked >= commit_every:
                            self._n_acked = 0
                            await self.commit()
                        if inlet is not None and tp.topic == inlet_topic:
                            if suspended():
                                continue  # rebalancing: it is fetched again from the committed offset
                            if not inlet.has_room:
                                await self.wait_first(inlet.wait_for_room(), self.suspend_flow.wait())
                                if suspended():
                                    continue
                            inlet.put(message)
                        else:
                            await self.wait_first(callback(message), self.suspend_flow.wait())
                        set_read_offset(tp, offset)
                    unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise
        finally:
            unset_flag(CONSUMER_FETCHING)


class _Transport(faust_aiokafka.Transport):
    Consumer = _BatchingConsumer


class DetectorApp(faust.App):
    """The Faust app of the detector (see :func:`make_app`); ``detector`` holds its runtime."""

    logger = logging.getLogger("faust.detector")  # Faust's chatter stays under "faust" (quietened)
    inlet: _Inlet | None = None
    inlet_topic: str | None = None
    detector: Detector

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)


# --- the runtime ----------------------------------------------------------------------------------------


class _VersionClock:
    """Versions that grow per process: microseconds now, bumped so that none repeats."""

    def __init__(self) -> None:
        self.last = 0

    def floor(self, version: int) -> None:
        self.last = max(self.last, version)

    def __call__(self) -> int:
        now = to_us(datetime.now(UTC))
        self.last = now if now > self.last else self.last + 1
        return self.last


class Detector:
    """The detector's state and I/O around the pure core (one per app)."""

    def __init__(
        self,
        app: DetectorApp,
        settings: Settings,
        auditor: Auditor,
        options: DetectorOptions,
        scrub: Any,
        metrics: WorkerMetrics | None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.options = options
        self.core = DetectorCore(auditor, options.allowed_lateness)
        self.scrub = scrub
        self.metrics = metrics
        self.stats = DetectorStats()
        self.version = _VersionClock()
        self.lock = asyncio.Lock()
        self.inlet = _Inlet(options.batch_max)
        self.ready = False
        self.finalized = False
        self.busy = False
        self.last_activity = time.monotonic()
        self.started = time.monotonic()
        self.worker: faust.Worker | None = None
        self.exit_code = 0
        self.events_topic = settings.topic_events
        self._admin: AIOKafkaConsumer | None = None
        self.dossier_table: Any = None
        self.partition_table: Any = None

    # --- the agent's work -------------------------------------------------------------------------

    async def run_agent(self) -> None:
        """The ``detect`` agent's loop: batches from the inlet until the app stops."""
        inlet, wait = self.inlet, self.options.batch_wait
        while True:
            batch = await inlet.take(wait)
            async with self.lock:
                self.busy = True
                began = time.monotonic()
                if self.stats.first_batch is None:
                    self.stats.first_batch = began
                try:
                    await self.process(batch)
                finally:
                    self.busy = False
                    self.last_activity = self.stats.last_batch = time.monotonic()
                    self.stats.busy_seconds += self.last_activity - began
                if self.options.freeze_gc:
                    _freeze_young_objects()

    async def process(self, messages: list[Any]) -> None:
        """Decode, apply per partition, emit, persist, then acknowledge the batch."""
        app = self.app
        consumer = app.consumer
        generation = app.consumer_generation_id
        by_partition: dict[int, list[tuple[AnyEvent, bytes]]] = defaultdict(list)
        sources: dict[int, list[Any]] = defaultdict(list)  # the message of each item, for dead letters
        taken: list[Any] = []
        dead: list[DeadLetter] = []
        now = datetime.now(UTC)
        for message in messages:
            if message.generation_id != generation or message.partition not in self.core.partitions:
                continue  # fetched before a rebalance: it comes again from the committed offset
            # Not tracked as in-flight: a rebalance waits for this batch through `self.lock` instead.
            taken.append(message)
            item = self._decode(message, now)
            if isinstance(item, DeadLetter):
                dead.append(item)
            else:
                by_partition[message.partition].append(item)
                sources[message.partition].append(message)
        floor = self._live_floor()
        for partition, items in by_partition.items():
            outcome = self.core.apply(partition, items, floor)
            self.stats.events += len(items)
            for conflict in outcome.conflicts:
                origin = next(m for (e, _), m in zip(items, sources[partition], strict=True) if e is conflict)
                dead.append(self._conflict(conflict, origin, now))
            await self._publish(partition, outcome)
        for letter in dead:
            await self._send(self.settings.topic_dead_letters, None, letter.encode())
        self.stats.dead_letters += len(dead)
        self.stats.batches += 1
        if self.metrics is not None:
            self.metrics.events_in.inc(sum(len(v) for v in by_partition.values()))
            for letter in dead:
                self.metrics.events_rejected.labels(reason=letter.reason_code).inc()
        for message in taken:
            consumer.ack(message)

    def _decode(self, message: Any, now: datetime) -> tuple[AnyEvent, bytes] | DeadLetter:
        source = f"kafka:{message.topic}/{message.partition}"
        raw = message.value
        if raw is None:
            return DeadLetter(source, message.offset, "json.invalid", "empty message (no value)", b"", now)
        parsed = parse_event(raw)
        if isinstance(parsed, Rejection):
            return DeadLetter(source, message.offset, parsed.code, parsed.message, self.scrub(raw), now)
        key = message.key
        if key is not None and key != parsed.dossier_id.encode():
            # Keyed otherwise, the dossier's events may be spread over partitions: its verdict would be wrong.
            return DeadLetter(
                source, message.offset, "key.mismatch",
                f"message key {key.decode('utf-8', 'replace')!r} is not the event's dossier_id "
                f"{parsed.dossier_id!r}", self.scrub(raw), now,
            )  # fmt: skip
        return parsed, raw

    def _conflict(self, event: AnyEvent, message: Any, now: datetime) -> DeadLetter:
        return DeadLetter(
            f"kafka:{message.topic}/{message.partition}", message.offset, "event_id.conflict",
            f"event_id {event.event_id!r} was already seen with different content; the first version is kept",
            self.scrub(message.value), now,
        )  # fmt: skip

    def _live_floor(self) -> int | None:
        if not self.options.live:
            return None
        return to_us(datetime.now(UTC) - self.options.allowed_lateness)

    async def _publish(self, partition: int, outcome: Outcome) -> None:
        """Send the outcome's violation messages, then the changed states to the changelogs."""
        state = self.core.partitions[partition]
        as_of = from_us(outcome.as_of_us) if outcome.as_of_us is not None else datetime.now(UTC)
        for dossier_id, reason in outcome.errors:
            log.warning("dossier not evaluated", extra={"dossier_id": dossier_id, "reason": reason})
        opened = retracted = 0
        for change in outcome.changes:
            await self._emit(change, as_of)
            if change.state == "open":
                opened += 1
            else:
                retracted += 1
        self.stats.opened += opened
        self.stats.retracted += retracted
        self.stats.evaluations += outcome.evaluated
        self.stats.duplicates += outcome.duplicates
        if self.metrics is not None:
            self.metrics.violations_opened.inc(opened)
            self.metrics.violations_retracted.inc(retracted)
        await self._persist(state, outcome.dirty, outcome.watermark_moved)

    async def _emit(self, change: Change, as_of: datetime) -> None:
        message = ViolationMessage(change.state, as_of, PRODUCER, self.version(), change.violation())
        await self._send(self.settings.topic_violations, message.key, message.encode())

    async def _persist(self, state: PartitionState, dirty: Iterable[str], watermark_moved: bool) -> None:
        partition = state.partition
        table = self.dossier_table.changelog_topic.get_topic_name()
        header = b"%d\n" % partition
        for dossier_id in dirty:
            value = header + state.dossiers[dossier_id].encode(partition)
            await self._send(table, dossier_id.encode(), value, partition)
        if watermark_moved:
            meta = self.partition_table.changelog_topic.get_topic_name()
            await self._send(meta, b"%d" % partition, DetectorCore.encode_partition(state), partition)
            if self.metrics is not None and state.watermark.value is not None:
                self.metrics.set_watermark(partition, from_us(state.watermark.value))

    async def _send(self, topic: str, key: bytes | None, value: bytes, partition: int | None = None) -> None:
        # Not awaiting delivery: Faust flushes the producer before it commits the consumed offsets.
        await self.app.producer.send(topic, key, value, partition, None, None)

    # --- rebalances -----------------------------------------------------------------------------------

    async def on_revoked(self, revoked: Any) -> None:
        # Faust revokes everything on each rebalance; what we keep is decided when recovery is done.
        self.ready = False
        self.inlet.clear()
        async with self.lock:  # the batch in progress finishes (and is acknowledged) first
            pass

    async def on_recovered(self) -> None:
        """Tables recovered: drop partitions no longer ours, rebuild newly assigned ones."""
        async with self.lock:
            assigned = {
                tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == self.events_topic
            }
            for partition in list(self.core.partitions):
                if partition not in assigned:
                    self.core.drop(partition)
            new = assigned - set(self.core.partitions)
            stored: dict[int, list[tuple[str, bytes]]] = defaultdict(list)
            store = self.dossier_table.data
            for key, value in list(store.data.items()):
                if value:
                    head, _, body = bytes(value).partition(b"\n")
                    p = int(head)
                    if p in new:
                        stored[p].append((bytes(key).decode(), body))
            metas = self.partition_table.data
            for partition in sorted(new):
                meta = metas.data.get(b"%d" % partition)
                self.core.restore(partition, stored.get(partition, ()), bytes(meta) if meta else None)
                if stored.get(partition) or meta:  # counts partitions that had a stored state
                    self.stats.restored_partitions += 1
            # The memory is the working copy: the store only carried the recovery.
            for s in (store, metas):
                s.data.clear()
                getattr(s, "_key_partition", {}).clear()
            log.info("detector assignment", extra={"partitions": sorted(assigned), "restored": sorted(new)})
            self.ready = True
            self.last_activity = time.monotonic()

    # --- supervision: live ticks, idleness, replay ------------------------------------------------------

    async def supervise(self) -> None:
        """Background loop: wall-clock ticks (live), metrics, and the idle/replay/stop logic."""
        opts = self.options
        idle_since: float | None = None
        idle_generation: int | None = None  # the idle window must lie within one group generation
        try:
            while True:
                await asyncio.sleep(opts.poll_seconds)
                if not self._settled():
                    idle_since = None
                    continue
                if opts.live:
                    await self._tick_live()
                if not (opts.until_idle or (opts.as_of is not None and not self.finalized)):
                    continue
                if self.busy or self.inlet.items or time.monotonic() - self.last_activity < opts.idle_seconds:
                    idle_since = None
                    continue
                generation = self.app.consumer_generation_id
                # Settled again afterwards: a rebalance may have begun while the offsets were read.
                if not await self._group_caught_up() or not self._settled():
                    idle_since = None
                    continue
                now = time.monotonic()
                if idle_since is None or generation != idle_generation:
                    idle_since, idle_generation = now, generation
                if now - idle_since < opts.idle_seconds:
                    continue
                if opts.as_of is not None and not self.finalized:
                    await self.finalize(opts.as_of)
                    idle_since = None
                    if not opts.until_idle:
                        continue
                if opts.until_idle:
                    self.stop()
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # a supervisor failure must stop the worker, not leave it hanging
            log.exception("detector supervisor failed")
            self.exit_code = 1
            self.stop()
        finally:
            await self.close()

    def _settled(self) -> bool:
        """Whether this worker holds a settled assignment: recovered, not rebalancing, no rejoin pending.

        Faust flags ``app.rebalancing`` when aiokafka prepares the rejoin; the coordinator knows one step
        earlier (a heartbeat answered "rebalancing", a member left, the metadata changed). The
        until-idle/as-of decision waits for both, so it is never taken on an assignment about to change.
        """
        return self.ready and not self.app.rebalancing and not self._rejoin_pending()

    def _rejoin_pending(self) -> bool:
        """Whether the group coordinator wants this consumer to (re)join; true until it has joined.

        Reads aiokafka internals (no public API tells it): should they change, the supervisor fails loudly
        with an AttributeError rather than deciding blind.
        """
        thread: Any = getattr(self.app.consumer, "_thread", None)
        if thread is None:
            return True
        try:
            consumer = thread._ensure_consumer()
        except ConsumerNotStarted:
            return True
        # The consumer lives in Faust's consumer thread: only its flags are read here.
        coordinator = consumer._coordinator
        subscription = consumer._subscription.subscription
        if coordinator is None or subscription is None:
            return True
        return bool(coordinator.need_rejoin(subscription))

    async def _tick_live(self) -> None:
        floor = self._live_floor()
        assert floor is not None
        async with self.lock:
            for partition, state in list(self.core.partitions.items()):
                if state.watermark.value is None or floor > state.watermark.value:
                    await self._publish(partition, state.advance(floor))

    async def _admin_client(self) -> AIOKafkaConsumer:
        if self._admin is None:
            self._admin = AIOKafkaConsumer(
                bootstrap_servers=_servers(self.settings), group_id=self.options.app_id,
                enable_auto_commit=False, **_aiokafka_security(self.settings),
            )  # fmt: skip
            await self._admin.start()
        return self._admin

    async def _group_caught_up(self) -> bool:
        """Whether the group has committed every partition of the events topic to its end."""
        await self.app.consumer.commit()
        admin = await self._admin_client()
        parts = admin.partitions_for_topic(self.events_topic)
        if not parts:
            await admin._client.force_metadata_update()
            parts = admin.partitions_for_topic(self.events_topic) or set()
        tps = [TopicPartition(self.events_topic, p) for p in sorted(parts)]
        ends = await true_end_offsets(admin, tps)
        starts = await admin.beginning_offsets(tps)
        caught_up = True
        for tp in tps:
            committed = await admin.committed(tp)
            position = committed if committed is not None else starts[tp]
            lag = ends[tp] - position
            if self.metrics is not None and tp.partition in self.core.partitions:
                self.metrics.set_lag(self.events_topic, tp.partition, lag)
            if lag > 0:
                caught_up = False
        return caught_up

    async def finalize(self, as_of: datetime) -> None:
        """Evaluate every held dossier at ``as_of`` against what the violations topic really holds."""
        async with self.lock:
            await self.app.producer.flush()
            held = {d: p for p, s in self.core.partitions.items() for d in s.dossiers}
            observed, top_version = await self._read_published(set(held))
            self.version.floor(top_version)
            at = to_us(as_of)
            for partition, state in sorted(self.core.partitions.items()):
                before = {d: dict(s.published) for d, s in state.dossiers.items()}
                state.replace_published(observed)
                outcome = state.finalize(at)
                # Where the topic disagreed with the changelog, the stored state must follow the topic.
                outcome.dirty |= {d for d, s in state.dossiers.items() if s.published != before[d]}
                await self._publish(partition, outcome)
            await self.app.producer.flush()
            await self.app.consumer.commit()
            self.finalized = True
            self.stats.finalized_at = as_of.astimezone(UTC).isoformat()
            log.info("detector finalized", extra={"as_of": self.stats.finalized_at, "dossiers": len(held)})

    async def _read_published(self, dossiers: set[str]) -> tuple[dict[str, dict[VKey, bytes]], int]:
        """The open violations of ``dossiers`` as the violations topic holds them (newest version wins)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=_servers(self.settings), group_id=None, enable_auto_commit=False,
            auto_offset_reset="earliest", max_partition_fetch_bytes=4 << 20,
            **_aiokafka_security(self.settings),
        )  # fmt: skip
        await consumer.start()
        latest: dict[tuple[str, VKey], tuple[int, ViolationMessage]] = {}
        top = 0
        try:
            topic = self.settings.topic_violations
            parts = consumer.partitions_for_topic(topic)
            if not parts:
                await consumer._client.force_metadata_update()
                parts = consumer.partitions_for_topic(topic) or set()
            tps = [TopicPartition(topic, p) for p in sorted(parts)]
            if not tps:
                return {}, 0
            ends = await true_end_offsets(consumer, tps)
            pending = {tp for tp in tps if ends[tp] > 0}
            await consumer.seek_to_beginning(*tps)
            while pending:
                batch = await consumer.getmany(*pending, timeout_ms=500, max_records=50_000)
                for tp, records in batch.items():
                    for record in records:
                        if record.offset >= ends[tp]:
                            continue
                        try:
                            message = ViolationMessage.decode(record.value)
                        except MessageError:
                            continue
                        top = max(top, message.version)
                        dossier_id = str(message.violation["dossier_id"])
                        if dossier_id not in dossiers:
                            continue
                        key = (
                            dossier_id,
                            (str(message.violation["rule_id"]), str(message.violation["event_id"] or "")),
                        )
                        known = latest.get(key)
                        if known is None or message.version >= known[0]:
                            latest[key] = (message.version, message)
                for tp in list(pending):
                    if await consumer.position(tp) >= ends[tp]:
                        pending.discard(tp)
        finally:
            await consumer.stop()
        observed: dict[str, dict[VKey, bytes]] = defaultdict(dict)
        for (dossier_id, vkey), (_, message) in latest.items():
            if message.state == "open":
                observed[dossier_id][vkey] = orjson.dumps(message.violation)
        return observed, top

    def stop(self) -> None:
        """Stop the worker as SIGTERM would (from inside the app)."""
        worker = self.worker
        if worker is not None:
            worker._schedule_shutdown(signal.SIGTERM)

    async def close(self) -> None:
        if self._admin is not None:
            admin, self._admin = self._admin, None
            await admin.stop()


def _freeze_young_objects() -> None:
    """Collect the young generations, then move every survivor to the permanent generation.

    The detector keeps every dossier's parsed events: millions of container objects that the collector's
    full passes would scan again and again (measured: 80 % of the time of a catch-up). Frozen objects are
    still freed by reference counting; only reference cycles among them would outlive their use, and the
    young collection before each freeze reclaims those a batch leaves behind.
    """
    gc.collect(1)
    gc.freeze()


# --- assembly ------------------------------------------------------------------------------------------


def _servers(settings: Settings) -> str:
    if not settings.bootstrap_servers:
        raise ValueError("the detector needs --bootstrap-servers (or DOSSIER_AUDIT_BOOTSTRAP_SERVERS)")
    return settings.bootstrap_servers


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None)


def _aiokafka_security(settings: Settings) -> dict[str, Any]:
    options = dict(settings.kafka_client_options())
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        options.pop("ssl_cafile", None)
        options["ssl_context"] = _ssl_context(settings)
    return options


def _credentials(settings: Settings) -> Any:
    protocol = settings.security_protocol
    if protocol == "PLAINTEXT":
        return None
    if protocol == "SSL":
        return faust.SSLCredentials(context=_ssl_context(settings))
    return faust.SASLCredentials(
        username=settings.sasl_username,
        password=settings.sasl_password.get_secret_value() if settings.sasl_password else None,
        mechanism=settings.sasl_mechanism or "PLAIN",
        ssl_context=_ssl_context(settings) if protocol == "SASL_SSL" else None,
    )


def make_app(
    settings: Settings,
    platform: Platform,
    options: DetectorOptions | None = None,
    *,
    auditor: Auditor | None = None,
    metrics: WorkerMetrics | None = None,
) -> DetectorApp:
    """Build the detector's Faust app (nothing connects until it runs; see :func:`run_detector`).

    ``auditor``: the rulebook with the catalogue and calendar to judge by (default: the platform's; the
    CLI passes one built from the warehouse's snapshot).
    """
    options = options or DetectorOptions()
    servers = _servers(settings)
    datadir = options.datadir or settings.workdir / "faust"
    app = DetectorApp(
        options.app_id,
        broker=[f"kafka://{s.strip()}" for s in servers.split(",") if s.strip()],
        broker_credentials=_credentials(settings),
        store="memory://",
        datadir=str(datadir),
        autodiscover=False,
        web_enabled=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=options.session_timeout,
        broker_heartbeat_interval=options.heartbeat_interval,
        broker_max_poll_interval=options.max_poll_interval,
        broker_rebalance_timeout=options.rebalance_timeout,
        broker_commit_interval=options.commit_interval,
        broker_max_poll_records=options.batch_max,
        consumer_max_fetch_size=4 << 20,
        producer_linger=0.005,
        producer_max_batch_size=1 << 20,
        producer_max_request_size=8 << 20,
        stream_recovery_delay=0.0,
        worker_redirect_stdouts=False,
    )
    detector = Detector(
        app, settings, auditor or platform.auditor, options, platform.pseudonymiser.scrub_raw, metrics
    )
    app.detector = detector
    app.inlet = detector.inlet
    app.inlet_topic = settings.topic_events

    # Raw bytes everywhere: the agent decodes (a bad message becomes a dead letter, not a crash).
    events = app.topic(
        settings.topic_events, partitions=settings.partitions, key_type=bytes, value_type=bytes,
        key_serializer="raw", value_serializer="raw",
    )  # fmt: skip
    n = settings.partitions
    detector.dossier_table = app.Table(
        "dossiers", key_type=bytes, value_type=bytes, partitions=n, recovery_buffer_size=10_000
    )
    detector.partition_table = app.Table("partitions", key_type=bytes, value_type=bytes, partitions=n)
    detector.dossier_table.on_recover(detector.on_recovered)
    detector.partition_table.on_recover(_noop)

    @app.agent(events, name="detect")
    async def detect(stream: Any) -> None:
        # The batching consumer hands this topic's messages to the inlet: the stream itself stays idle.
        await detector.run_agent()

    async def supervise() -> None:
        await detector.supervise()

    app.task(supervise)

    app.on_partitions_revoked.connect(_revoked_handler(detector))
    return app


async def _noop() -> None:
    return None


def _revoked_handler(detector: Detector) -> Any:
    async def on_revoked(app: Any, revoked: Any, **_: Any) -> None:
        await detector.on_revoked(revoked)

    return on_revoked


_QUIET = ("faust", "mode", "aiokafka", "kafka")


def run_detector(app: DetectorApp) -> tuple[int, DetectorStats]:
    """Run the app in this process until SIGTERM/Ctrl-C, or until idle with ``until_idle``.

    Returns the exit code and what the worker did.
    """
    detector = app.detector
    level = detector.options.loglevel.upper()
    saved = {name: logging.getLogger(name).level for name in _QUIET}
    for name in _QUIET:
        logging.getLogger(name).setLevel(level)
    Path(app.conf.datadir).mkdir(parents=True, exist_ok=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    worker = faust.Worker(
        app, loop=loop, loglevel=level, quiet=True, override_logging=False, redirect_stdouts=False,
        stdout=io.StringIO(),  # Faust's start-up spinner and banner: not for our stdout
    )  # fmt: skip
    detector.worker = worker
    detector.started = time.monotonic()
    code = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if not loop.is_closed():
            loop.run_until_complete(detector.close())
            loop.close()
        asyncio.set_event_loop(None)
        gc.unfreeze()
        for name, lvl in saved.items():
            logging.getLogger(name).setLevel(lvl)
    detector.stats.seconds = time.monotonic() - detector.started
    detector.stats.watermarks = {
        p: from_us(w).isoformat() if w is not None else None for p, w in detector.core.watermarks().items()
    }
    return (code or detector.exit_code), detector.stats
