"""A detector without Kafka for the eviction tests: the core, the worker's changelog writes (states,
tombstones, eviction records, progress markers) into a dict that behaves like Faust's memory store, a
warehouse that stores what a sink would (optionally ahead of the detector, optionally with merges that
keep only the newest row of a re-delivered event), and the real late path
(:class:`streams.detector.latepath.LatePath`, with the sink's progress taken as complete)."""

from __future__ import annotations

import asyncio
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from inspections.rulebook import Auditor
from schemas.events import AnyEvent
from streams.detector.core import DetectorCore, PartitionState
from streams.detector.evict import eviction_key, eviction_value
from streams.detector.history import StoredRow
from streams.detector.latepath import LatePath
from streams.detector.restore import restore_partitions
from streams.detector.resume import marker_key, marker_value
from streams.kafka import KafkaConfig
from streams.messages import encode_event
from warehouse.store import EVENT_COLUMNS, event_row

TOPIC = "dossier-events"
_RAW = EVENT_COLUMNS.index("raw")


def partition_of(dossier_id: str, n: int) -> int:
    return zlib.crc32(dossier_id.encode()) % n


class FakeWarehouse:
    """The ``events`` rows a sink stores: (dossier, event id, offset, raw) per source. With ``merge``, a
    row re-delivered with the same sort key replaces the earlier one (what a ReplacingMergeTree merge
    does); otherwise both stay (before any merge)."""

    def __init__(self, merge: bool = False) -> None:
        self.merge = merge
        self.rows: dict[str, dict[tuple[str, str, Any], list[StoredRow]]] = defaultdict(dict)
        self.reads = 0

    def store(self, source: str, event: AnyEvent, offset: int) -> None:
        row = event_row(event, source, offset, event.occurred_at)
        raw = row[_RAW]
        key = (event.dossier_id, event.event_id, event.occurred_at)
        stored = self.rows[source].setdefault(key, [])
        new = (event.dossier_id, event.event_id, offset, raw)
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


class TestLatePath(LatePath):
    """The late path with the sink's progress taken as complete (the fake warehouse stores at once)."""

    __test__ = False

    def _sink_committed(self, partition: int) -> int | None:
        return 1 << 62


class Sim:
    """One worker's core, its changelog and a warehouse, fed batch by batch (see the module doc)."""

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
    ) -> None:
        self.auditor = auditor
        self.lateness = lateness
        self.partitions = partitions
        self.evict = evict
        self.core = DetectorCore(auditor, lateness)
        for p in range(partitions):
            self.core.partition(p)
        self.warehouse = warehouse or FakeWarehouse()
        self.sink_ahead = sink_ahead
        self.grace_us = int(return_grace.total_seconds() * 1_000_000)
        self.offsets = [0] * partitions
        self.changelog: dict[bytes, bytes] = {}  # the dossiers table's store after recovery
        self.meta: dict[bytes, bytes] = {}
        self.topic: dict[tuple[str, str, str], bytes | None] = {}  # violations, newest wins (None: retracted)
        self.late = TestLatePath(self.warehouse, KafkaConfig("localhost:1"), TOPIC, "sink", auditor, 1.0)
        self.reloaded = self.late_events = self.evicted = 0

    def source(self, p: int) -> str:
        return f"kafka:{TOPIC}/{p}"

    def preload(self, events: Iterable[AnyEvent]) -> None:
        """The sink ahead of the detector: it has stored the whole stream already (same offsets)."""
        offsets = [0] * self.partitions
        for e in events:
            p = partition_of(e.dossier_id, self.partitions)
            self.warehouse.store(self.source(p), e, offsets[p])
            offsets[p] += 1

    def batch(self, events: Sequence[AnyEvent], floor_us: int | None = None) -> None:
        by_part: dict[int, list[tuple[AnyEvent, bytes]]] = defaultdict(list)
        for e in events:
            p = partition_of(e.dossier_id, self.partitions)
            if not self.sink_ahead:
                self.warehouse.store(self.source(p), e, self.offsets[p])
            self.offsets[p] += 1
            by_part[p].append((e, encode_event(e)))
        if self.evict and by_part:
            back = asyncio.run(self.late.read_back(self.core, by_part))
            self.reloaded += back.dossiers
            self.late_events += back.late_events
        for p, items in by_part.items():
            out = self.core.apply(p, items, floor_us)
            self._publish(self.core.partitions[p], out)
            self._end_batch(self.core.partitions[p])

    def _publish(self, state: PartitionState, out: Any) -> None:
        for c in out.changes:
            self.topic[(c.dossier_id, *c.key)] = c.json if c.state == "open" else None
        for d in out.dirty:
            self.changelog[d.encode()] = b"%d\n" % state.partition + state.dossiers[d].encode(state.partition)
        if out.watermark_moved:
            self.meta[b"%d" % state.partition] = DetectorCore.encode_partition(state)

    def _end_batch(self, state: PartitionState, cap_us: int | None = None) -> None:
        p = state.partition
        if self.evict:
            gone = state.evict(self.offsets[p], cap_us, self.grace_us)
            for dossier, _ in gone:
                self.changelog.pop(dossier.dossier_id.encode(), None)  # a tombstone: recovery deletes it
            if gone:
                self.changelog[eviction_key(p)] = eviction_value(p, [e for _, e in gone])
            self.evicted += len(gone)
        self.changelog[marker_key(p)] = marker_value(p, self.offsets[p])

    def finalize(self, at_us: int) -> None:
        for state in self.core.partitions.values():
            self._publish(state, state.finalize(at_us))

    def restart(self) -> None:
        """A new worker rebuilding every partition from the changelog."""
        stores = _Store(dict(self.changelog)), _Store(dict(self.meta))
        self.core = DetectorCore(self.auditor, self.lateness)
        restore_partitions(self.core, *stores, range(self.partitions), _raise)

    def open_set(self) -> dict[tuple[str, str, str], bytes]:
        return {k: v for k, v in self.topic.items() if v is not None}

    def held(self) -> int:
        return sum(len(s.dossiers) for s in self.core.partitions.values())


class _Store:
    def __init__(self, data: dict[bytes, bytes]) -> None:
        self.data = data


def _raise(dossier_id: str, exc: Exception) -> None:
    raise exc
