"""The late path: events for dossiers the detector evicted (:mod:`streams.detector.evict`) are judged
exactly, by reading the dossier's events back from the warehouse before the batch is applied.

Per batch and partition, the dossiers of the batch that are not in memory but are in the partition's
:class:`~streams.detector.evict.EvictedIndex` are read back together (one query), each rebuilt with the
violations it was published with (:func:`streams.detector.history.rebuild`: an ended dossier's evaluation
no longer changes with time), and put back in memory. The batch is then applied as usual: its events are
new (judged, the difference published: a retraction, a new violation) or duplicates (nothing changes), and
the dossier stays in memory until it qualifies for eviction again.

The sink lagging behind: the warehouse may not hold every event of an evicted dossier yet. The entry says
up to which events-topic offset its events came (``E``), and the sink commits a batch's offsets only once
it is stored, so the late path first waits until the sink's consumer group has committed the partition
past ``E`` (read from Kafka; at most ``wait_seconds``). If it never does (the sink is down), the worker
stops with exit code 1 without acknowledging the batch: the next start reads it again. Exact or loud,
never a silent guess.

The warehouse client is synchronous: its calls (and the Kafka read of the sink's progress) run in a thread,
off the event loop that keeps the consumer's heartbeats going.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from inspections.rulebook import Auditor
from schemas.events import AnyEvent
from streams.detector.core import DetectorCore, PartitionState
from streams.detector.evict import note_candidates
from streams.detector.history import DossierHistory, StoredRow, matching_entry, rebuild
from streams.kafka import KafkaConfig
from streams.watermark import from_us

__all__ = ["HistoryUnavailable", "LatePath", "Reloaded"]

log = logging.getLogger(__name__)

#: Dossier ids per warehouse query.
_CHUNK = 2000


class HistoryUnavailable(RuntimeError):
    """The warehouse (or the sink's progress) could not be read within the wait: the batch is not judged."""


@dataclass
class Reloaded:
    """What one reading back did: dossiers rebuilt, and those whose stored events did not match the
    detector's record (rebuilt from what was stored before their eviction offset; logged)."""

    dossiers: int = 0
    mismatched: int = 0
    #: Events of the batch new to a dossier read back (what the late path judged; duplicates excluded).
    late_events: int = 0


class LatePath:
    """Reads evicted dossiers back for one worker (see the module doc)."""

    def __init__(
        self,
        history: DossierHistory,
        kafka: KafkaConfig,
        events_topic: str,
        sink_group: str,
        auditor: Auditor,
        wait_seconds: float = 120.0,
    ) -> None:
        self.history = history
        self.kafka = kafka
        self.events_topic = events_topic
        self.sink_group = sink_group
        self.auditor = auditor
        self.wait_seconds = wait_seconds
        self._confirmed: dict[int, int] = {}  # per partition: the sink's committed offset last seen

    @staticmethod
    def wanted(state: PartitionState, dossier_ids: Iterable[str]) -> set[str]:
        """The dossiers among ``dossier_ids`` that are not in memory but were evicted."""
        held, index = state.dossiers, state.evicted
        if not len(index):
            return set()
        return {d for d in dossier_ids if d not in held and index.lookup(d)}

    async def read_back(
        self, core: DetectorCore, by_partition: Mapping[int, Sequence[tuple[AnyEvent, bytes]]]
    ) -> Reloaded:
        """Before a batch is applied: read back the evicted dossiers it has events for, per partition."""
        total = Reloaded()
        for partition, items in by_partition.items():
            state = core.partitions[partition]
            wanted = self.wanted(state, {event.dossier_id for event, _ in items})
            if not wanted:
                continue
            done = await self.reload(state, wanted)
            total.dossiers += done.dossiers
            total.mismatched += done.mismatched
            new = {
                (e.dossier_id, e.event_id)
                for e, _ in items
                if e.dossier_id in wanted
                and (d := state.dossiers.get(e.dossier_id)) is not None
                and e.event_id not in d.raw
            }
            total.late_events += len(new)
        return total

    async def reload(self, state: PartitionState, dossier_ids: set[str]) -> Reloaded:
        """Put the evicted ``dossier_ids`` of ``state`` back in memory, as they were when evicted."""
        out = Reloaded()
        if not dossier_ids:
            return out
        entries = {d: state.evicted.lookup(d) for d in dossier_ids}
        needed = max(e[0].offset for e in entries.values() if e)
        await self._sink_reached(state.partition, needed)
        rows = await self._rows(state.partition, sorted(dossier_ids))
        at = from_us(state.watermark.value) if state.watermark.value is not None else None
        for dossier_id in sorted(dossier_ids):
            mine = rows.get(dossier_id, [])
            known = matching_entry(dossier_id, mine, entries[dossier_id])
            if known is None:
                newest = entries[dossier_id][0].offset
                before = [r for r in mine if r[2] < newest]
                if not before:
                    continue  # a 64-bit collision with an evicted dossier: this one is new
                # The warehouse holds other events before the eviction than the detector did (e.g. an event
                # the detector dead-lettered as unprocessable): judged on what is stored, and said so.
                log.warning(
                    "evicted dossier's stored events differ from the detector's record; judged as stored",
                    extra={"dossier_id": dossier_id, "partition": state.partition},
                )
                known = {r[1]: r[3] for r in sorted(before, key=lambda r: r[2], reverse=True)}
                out.mismatched += 1
            dossier = rebuild(self.auditor, dossier_id, known, at or from_us(0))
            state.dossiers[dossier_id] = dossier
            note_candidates(state.candidates, state.dossiers, (dossier_id,))
            out.dossiers += 1
        return out

    async def _rows(self, partition: int, dossier_ids: list[str]) -> dict[str, list[StoredRow]]:
        source = f"kafka:{self.events_topic}/{partition}"
        grouped: dict[str, list[StoredRow]] = defaultdict(list)
        for i in range(0, len(dossier_ids), _CHUNK):
            chunk = dossier_ids[i : i + _CHUNK]
            found = await self._retrying(partial(self.history.stored_rows, source, chunk))
            for row in found:
                grouped[row[0]].append(row)
        return grouped

    async def _sink_reached(self, partition: int, offset: int) -> None:
        """Wait until the sink's group has committed ``partition`` of the events topic to ``offset``."""
        if self._confirmed.get(partition, -1) >= offset:
            return
        deadline = time.monotonic() + self.wait_seconds
        told = False
        while True:
            committed = await asyncio.to_thread(self._sink_committed, partition)
            if committed is not None:
                self._confirmed[partition] = committed
                if committed >= offset:
                    return
            if time.monotonic() >= deadline:
                raise HistoryUnavailable(
                    f"the sink (group {self.sink_group!r}) has not stored partition {partition} of "
                    f"{self.events_topic!r} up to offset {offset} within {self.wait_seconds:g} s (committed: "
                    f"{committed}); an evicted dossier cannot be judged without its stored events"
                )
            if not told:
                log.info(
                    "waiting for the sink to store an evicted dossier's events",
                    extra={"partition": partition, "offset": offset, "sink_committed": committed},
                )
                told = True
            await asyncio.sleep(0.5)

    def _sink_committed(self, partition: int) -> int | None:
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(
            bootstrap_servers=self.kafka.bootstrap_servers, group_id=self.sink_group,
            enable_auto_commit=False, **self.kafka.kafka_python_options(),
        )  # fmt: skip
        try:
            committed: int | None = consumer.committed(TopicPartition(self.events_topic, partition))
            return committed
        finally:
            consumer.close()

    async def _retrying(self, call: Callable[[], list[StoredRow]]) -> list[StoredRow]:
        """``call()`` in a thread, retried until the wait runs out (a warehouse restarting, a blip)."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                rows: list[StoredRow] = await asyncio.to_thread(call)
                return rows
            except Exception as exc:  # the warehouse's errors: retried, then the worker stops (module doc)
                if time.monotonic() >= deadline:
                    raise HistoryUnavailable(
                        f"cannot read evicted dossiers from {self.history.describe()}: {exc}"
                    ) from exc
                log.warning(
                    "history read failed; retrying",
                    extra={"history": self.history.describe(), "reason": f"{type(exc).__name__}: {exc}"},
                )
                await asyncio.sleep(1.0)
