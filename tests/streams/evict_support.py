"""A detector without Kafka for the eviction tests: the real worker (``streams.detector.worker.Detector``:
its batches, late path, changelog writes, restores and final evaluation) around a fake producer whose
records land in dicts that behave like the tables' stores after a recovery (the dossiers and partitions
changelogs) and like a reader of the violations topic (newest wins); a warehouse that stores what a sink
would (optionally ahead of the detector, optionally with merges that keep only the newest row of a sort
key); and the real late path with the sink's progress taken as complete.

Partial delivery: :meth:`Sim.batch` may lose records the way a producer does, per topic partition from one
record on (a partition's records are kept in order): the worker then fails, the sim restarts it from what
was delivered, and the batch (never acknowledged) comes again. A worker that stops for any other reason
(the late path: exact or loud) halts the sim: ``halted`` says why, and later batches are not taken."""

from __future__ import annotations

import asyncio
import random
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson

from inspections.rulebook import Auditor
from schemas.events import AnyEvent
from streams.detector.core import VKey
from streams.detector.history import StoredRow
from streams.detector.latepath import LatePath
from streams.detector.options import DetectorOptions
from streams.detector.worker import Detector
from streams.kafka import KafkaConfig
from streams.messages import ViolationMessage, encode_event
from streams.topics import PlatformTopics
from streams.watermark import from_us
from warehouse.event_rows import EVENT_COLUMNS, event_row

TOPIC = "dossier-events"
VIOLATIONS = "dossier-violations"
_RAW = EVENT_COLUMNS.index("raw")
_PRINT = EVENT_COLUMNS.index("fingerprint")


def partition_of(dossier_id: str, n: int) -> int:
    return zlib.crc32(dossier_id.encode()) % n


class FakeWarehouse:
    """The ``events`` rows a sink stores: (dossier, event id, offset, raw, fingerprint) per source. With
    ``merge``, a row stored with the sort key of an earlier one replaces it (what a ReplacingMergeTree
    merge does: same dossier, event time and event id, the later insert wins); otherwise both stay (before
    any merge)."""

    def __init__(self, merge: bool = False) -> None:
        self.merge = merge
        self.rows: dict[str, dict[tuple[str, str, Any], list[StoredRow]]] = defaultdict(dict)
        self.reads = 0
        self.closed = 0

    def store(self, source: str, event: AnyEvent, offset: int) -> None:
        row = event_row(event, source, offset, event.occurred_at)
        key = (event.dossier_id, event.event_id, event.occurred_at)
        stored = self.rows[source].setdefault(key, [])
        new = (event.dossier_id, event.event_id, offset, row[_RAW], row[_PRINT])
        if self.merge:
            stored[:] = [new]
        else:
            stored.append(new)

    def stored_rows(self, source: str, dossier_ids: Sequence[str]) -> list[StoredRow]:
        self.reads += 1
        wanted = set(dossier_ids)
        return [r for (d, _, _), rows in self.rows[source].items() if d in wanted for r in rows]

    def describe(self) -> str:
        return "fake warehouse"

    def close(self) -> None:
        self.closed += 1


class TestLatePath(LatePath):
    """The late path with the sink's progress taken as complete (the fake warehouse stores at once)."""

    __test__ = False

    def _sink_committed(self, partition: int) -> int | None:
        return 1 << 62


class Lost(RuntimeError):
    """A record the fake broker did not take (partial delivery)."""


#: Whether to lose a record (topic, key, value), given to a :class:`Sim` batch; its partition loses the
#: records after it too.
Loss = Callable[[str, bytes | None, bytes | None], bool]


def random_loss(rng: random.Random, p: float) -> Loss:
    """Each record lost with probability ``p``."""
    return lambda *_: rng.random() < p


class _Producer:
    """Faust's producer as the worker uses it: ``send`` returns a delivery future. A delivered record lands
    in the sim's stores at once; with a loss plan, each topic partition loses its records from one on."""

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.loss: Loss | None = None
        self.broken: set[tuple[str, int]] = set()
        self.sent: list[tuple[str, bytes | None, bytes | None]] = []
        self.acked: list[Any] = []

    async def send(
        self, topic: str, key: bytes | None, value: bytes | None, partition: int | None, *_: Any
    ) -> Any:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.sent.append((topic, key, value))
        tp = (topic, partition if partition is not None else zlib.crc32(key or b"") % self.sim.partitions)
        if self.loss is not None and (tp in self.broken or self.loss(topic, key, value)):
            self.broken.add(tp)
            future.set_exception(Lost(f"record to {tp} lost (for the test)"))
        else:
            self.sim.deliver(topic, key, value)
            future.set_result(None)
        return future

    async def flush(self) -> None:
        return None


class Sim:
    """One worker, its changelogs and a warehouse, fed batch by batch (see the module doc)."""

    def __init__(
        self,
        auditor: Auditor,
        lateness: timedelta,
        partitions: int = 1,
        *,
        evict: bool = True,
        warehouse: FakeWarehouse | None = None,
        sink_ahead: bool = False,
        return_grace: timedelta = timedelta(0),
        as_of: datetime | None = None,
    ) -> None:
        self.auditor = auditor
        self.lateness = lateness
        self.partitions = partitions
        self.evict = evict
        self.warehouse = warehouse or FakeWarehouse()
        self.sink_ahead = sink_ahead
        self.options = DetectorOptions(
            topics=PlatformTopics(TOPIC, VIOLATIONS, "dossier-dead-letters", partitions), datadir=Path("."),
            allowed_lateness=lateness, as_of=as_of, history=self.warehouse if evict else None,
            return_grace=return_grace, idle_partition_timeout=None, freeze_gc=False,
        )  # fmt: skip
        self.offsets = [0] * partitions
        self.changelog: dict[bytes, bytes] = {}  # the dossiers table's store after recovery
        self.meta: dict[bytes, bytes] = {}  # the partitions table's
        self.topic: dict[tuple[str, str, str], bytes | None] = {}  # violations, newest wins (None: retracted)
        self.dead: list[bytes] = []
        self.top_version = 0
        self.producer = _Producer(self)
        self.generation = 1
        self.stopped = 0
        self.crashes = 0
        self.halted: str | None = None
        self._past: dict[str, int] = defaultdict(int)  # counts of the detectors before the last restart
        self.detector = self._new_detector()
        for p in range(partitions):
            self.detector.core.partition(p)

    # --- the stores the fake producer delivers into -----------------------------------------------------

    def deliver(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        if topic in {"dossiers", "partitions"}:
            store = self.changelog if topic == "dossiers" else self.meta
            assert key is not None
            if value is None:
                store.pop(key, None)  # a tombstone: recovery deletes the key
            else:
                store[key] = value
        elif topic == VIOLATIONS:
            assert value is not None
            message = ViolationMessage.decode(value)
            v = message.violation
            self.top_version = max(self.top_version, message.version)
            key3 = (str(v["dossier_id"]), str(v["rule_id"]), str(v["event_id"] or ""))
            self.topic[key3] = orjson.dumps(v) if message.state == "open" else None
        else:
            self.dead.append(value or b"")

    # --- the worker ------------------------------------------------------------------------------------

    def _new_detector(self) -> Detector:
        def table(name: str) -> Any:
            store = SimpleNamespace(data={})  # Faust's memory store: its ``data`` dict
            return SimpleNamespace(changelog_topic=SimpleNamespace(get_topic_name=lambda: name), data=store)

        async def commit(*_: Any) -> None:
            return None

        tps = [SimpleNamespace(topic=TOPIC, partition=p) for p in range(self.partitions)]
        joined = SimpleNamespace(  # the consumer thread's aiokafka consumer: in its group, no rejoin pending
            _coordinator=SimpleNamespace(need_rejoin=lambda s: False),
            _subscription=SimpleNamespace(subscription=1),
        )
        thread = SimpleNamespace(_ensure_consumer=lambda: joined)
        app = SimpleNamespace(
            consumer=SimpleNamespace(ack=self.producer.acked.append, commit=commit, _thread=thread),
            producer=self.producer,
            consumer_generation_id=self.generation, rebalancing=False,
            assignor=SimpleNamespace(assigned_actives=lambda: tps),
            tables=SimpleNamespace(recovery=SimpleNamespace(
                signal_recovery_start=SimpleNamespace(is_set=lambda: False), _generation_id=self.generation,
            )),
        )  # fmt: skip
        kafka = KafkaConfig("localhost:1")
        detector = Detector(app, kafka, self.options, self.auditor, lambda raw: raw, None)  # type: ignore[arg-type]
        detector.dossier_table, detector.partition_table = table("dossiers"), table("partitions")
        detector.ready = True
        if self.evict:
            detector.late_path = TestLatePath(
                self.warehouse, detector.kafka, TOPIC, "sink", self.auditor, 1.0
            )

        def stop() -> None:
            self.stopped += 1

        async def read_published(held: set[str]) -> tuple[dict[str, dict[VKey, bytes]], int]:
            observed: dict[str, dict[VKey, bytes]] = defaultdict(dict)
            for (d, rule, event), doc in self.topic.items():
                if doc is not None and d in held:
                    observed[d][(rule, event)] = doc
            return observed, self.top_version

        detector.stop = stop  # type: ignore[method-assign]
        detector._read_published = read_published  # type: ignore[method-assign,assignment]
        return detector

    @property
    def core(self) -> Any:
        return self.detector.core

    def source(self, p: int) -> str:
        return f"kafka:{TOPIC}/{p}"

    def preload(self, events: Iterable[AnyEvent]) -> None:
        """The sink ahead of the detector: it has stored the whole stream already (same offsets)."""
        offsets = [0] * self.partitions
        for e in events:
            p = partition_of(e.dossier_id, self.partitions)
            self.warehouse.store(self.source(p), e, offsets[p])
            offsets[p] += 1

    def batch(self, events: Sequence[AnyEvent], loss: Loss | None = None) -> None:
        """One batch of the events topic (the sink stores it first unless it is ahead). With ``loss``,
        records may be lost: the worker fails, restarts from what was delivered and takes the same batch
        again, without losses. A worker that stops otherwise halts the sim (module doc)."""
        if self.halted:
            return
        messages = []
        offsets = list(self.offsets)
        for e in events:
            p = partition_of(e.dossier_id, self.partitions)
            if not self.sink_ahead:
                self.warehouse.store(self.source(p), e, offsets[p])
            messages.append(
                SimpleNamespace(topic=TOPIC, partition=p, offset=offsets[p], key=e.dossier_id.encode(),
                                value=encode_event(e), generation_id=self.generation)
            )  # fmt: skip
            offsets[p] += 1
        self.producer.loss, self.producer.broken = loss, set()
        lost = False
        try:
            asyncio.run(self._take(messages))
        except Lost:
            lost = True
            assert self.detector.failed and self.detector.exit_code == 1
        finally:
            self.producer.loss = None
        if lost:  # not acknowledged: the next owner reads it again
            self.crashes += 1
            self.restart()
            asyncio.run(self._take(messages))
        if self.detector.failed:
            self.halted = f"the worker stopped (exit {self.detector.exit_code})"
            return
        self.offsets = offsets

    async def _take(self, messages: list[Any]) -> None:
        """What the agent does with a batch (``Detector.run_agent``, one turn)."""
        detector = self.detector
        for message in messages:  # fetched in the current generation
            message.generation_id = self.generation
        await detector._prewait(messages)
        async with detector.lock:
            await detector.process(messages)

    def finalize(self, at_us: int) -> None:
        ends = {p: self.offsets[p] for p in range(self.partitions)}
        asyncio.run(self.detector.finalize(from_us(at_us), None, ends))

    def restart(self, **options: Any) -> None:
        """A new worker (a new group generation) rebuilding every partition from the changelogs; ``options``
        replace some of the worker's (e.g. another ``as_of``)."""
        if options:
            self.options = replace(self.options, **options)
        for name in ("evicted", "reloaded", "late_events_evicted", "unsure_restored"):
            self._past[name] += getattr(self.detector.stats, name)
        self.generation += 1
        self.detector = self._new_detector()
        self.detector.ready = False
        self.detector.dossier_table.data.data.update(self.changelog)
        self.detector.partition_table.data.data.update(self.meta)
        asyncio.run(self.detector.on_recovered())

    def open_set(self) -> dict[tuple[str, str, str], bytes]:
        return {k: v for k, v in self.topic.items() if v is not None}

    def held(self) -> int:
        return sum(len(s.dossiers) for s in self.core.partitions.values())

    def _count(self, name: str) -> int:
        return self._past[name] + int(getattr(self.detector.stats, name))

    @property
    def evicted(self) -> int:
        return self._count("evicted")

    @property
    def unsure_restored(self) -> int:
        return self._count("unsure_restored")

    @property
    def reloaded(self) -> int:
        return self._count("reloaded")

    @property
    def late_events(self) -> int:
        return self._count("late_events_evicted")
