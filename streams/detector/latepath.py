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
past ``E`` (read from Kafka through one consumer kept for the purpose, retried on any error; at most
``wait_seconds``). The worker first waits for that outside its lock (:meth:`LatePath.prewait`), so that a
rebalance is not held up by the sink, and re-checks its assignment after reading back under the lock
(:mod:`streams.detector.worker`). If the sink never gets there (it is down), the warehouse cannot be read,
or anything else on this path raises, the worker stops with exit code 1 without acknowledging the batch:
the next start reads it again. So does a dossier whose stored events do not match its index entry even
though the sink has stored past ``E`` (:class:`HistoryInconsistent`: a merge kept another version of an
event than the detector's, rows lost, or a 64-bit collision of dossier ids that cannot be told from those):
one line names it, and it is counted. Exact or loud, never a silent guess.

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
from typing import Any

from inspections.rulebook import Auditor
from schemas.events import AnyEvent
from streams.detector.core import DetectorCore
from streams.detector.evict import note_candidates
from streams.detector.history import DossierHistory, StoredRow, matching_entry, rebuild
from streams.detector.options import DetectorOptions
from streams.detector.partition_state import PartitionState
from streams.detector.stats import DetectorStats
from streams.kafka import KafkaConfig
from streams.messages import describe_error
from streams.watermark import from_us, to_us

__all__ = ["HistoryInconsistent", "HistoryUnavailable", "LateGlue", "LatePath", "Reloaded"]

log = logging.getLogger(__name__)
worker_log = logging.getLogger("streams.detector.worker")  # one logger for the detector's runtime

#: Dossier ids per warehouse query.
_CHUNK = 2000


class HistoryUnavailable(RuntimeError):
    """The warehouse (or the sink's progress) could not be read within the wait: the batch is not judged."""


class HistoryInconsistent(HistoryUnavailable):
    """An evicted dossier's stored events do not match its index entry, although the sink has stored past
    its eviction: the batch is not judged (module doc)."""


@dataclass
class Reloaded:
    """What one reading back did: dossiers rebuilt, and whether it read anything (Kafka or the warehouse:
    it waited, and the worker's assignment may have changed meanwhile)."""

    dossiers: int = 0
    #: Events of the batch new to a dossier read back (what the late path judged; duplicates excluded).
    late_events: int = 0
    read: bool = False


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
        self._consumer: Any = None  # the kafka-python consumer reading the sink's progress, kept

    @staticmethod
    def wanted(state: PartitionState, dossier_ids: Iterable[str]) -> set[str]:
        """The dossiers among ``dossier_ids`` that are not in memory but were evicted."""
        held, index = state.dossiers, state.evicted
        if not len(index):
            return set()
        return {d for d in dossier_ids if d not in held and index.lookup(d)}

    @staticmethod
    def needed(core: DetectorCore, messages: Iterable[Any]) -> dict[int, int]:
        """Per partition, the offset the sink must have stored for the evicted dossiers that ``messages``
        (events-topic records, keyed by dossier id) are for; read from the keys, without decoding."""
        out: dict[int, int] = {}
        seen: set[tuple[int, bytes]] = set()
        for message in messages:
            state = core.partitions.get(message.partition)
            key = message.key
            if state is None or key is None or not len(state.evicted) or (message.partition, key) in seen:
                continue
            seen.add((message.partition, key))
            dossier_id = key.decode("utf-8", "surrogateescape")
            if dossier_id in state.dossiers:
                continue
            entries = state.evicted.lookup(dossier_id)
            if entries and entries[0].offset > out.get(message.partition, -1):
                out[message.partition] = entries[0].offset
        return out

    async def prewait(self, core: DetectorCore, messages: Iterable[Any]) -> None:
        """Wait until the sink has stored what the batch's evicted dossiers need (outside the worker's lock:
        :meth:`reload` then finds it confirmed at once)."""
        for partition, offset in sorted(self.needed(core, messages).items()):
            await self._sink_reached(partition, offset)

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
            total.read = True
            done = await self.reload(state, wanted)
            total.dossiers += done.dossiers
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
        rebuilt = []  # all of them first: a dossier that does not match leaves the state as it was
        for dossier_id in sorted(dossier_ids):
            mine = rows.get(dossier_id, [])
            known = matching_entry(dossier_id, mine, entries[dossier_id])
            if known is None:
                entry = entries[dossier_id][0]
                raise HistoryInconsistent(
                    f"evicted dossier {dossier_id!r} (partition {state.partition}): its stored events in "
                    f"{self.history.describe()} do not match its eviction ({entry.count} events before "
                    f"offset {entry.offset}; {len(mine)} rows stored), although the sink has stored past it"
                )
            rebuilt.append(rebuild(self.auditor, dossier_id, known, at or from_us(0)))
        for dossier in rebuilt:
            state.dossiers[dossier.dossier_id] = dossier
            note_candidates(state.candidates, state.dossiers, (dossier.dossier_id,))
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
            try:
                committed = await asyncio.to_thread(self._sink_committed, partition)
            except Exception as exc:  # a broker unreachable, a timeout: retried within the wait
                committed = None
                await asyncio.to_thread(self._drop_consumer)
                if time.monotonic() >= deadline:
                    raise HistoryUnavailable(
                        f"cannot read the sink's progress (group {self.sink_group!r}): "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                log.warning(
                    "reading the sink's progress failed; retrying",
                    extra={"partition": partition, "reason": f"{type(exc).__name__}: {exc}"},
                )
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
        """The sink group's committed offset of ``partition`` (one consumer for every poll of the wait)."""
        from kafka import KafkaConsumer, TopicPartition

        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.kafka.bootstrap_servers, group_id=self.sink_group,
                enable_auto_commit=False, **self.kafka.kafka_python_options(),
            )  # fmt: skip
        committed: int | None = self._consumer.committed(TopicPartition(self.events_topic, partition))
        return committed

    def _drop_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except Exception as exc:  # closing a broken client: nothing more to do with it
                log.debug("closing the sink-progress consumer failed", extra={"reason": str(exc)})

    async def close(self) -> None:
        """Close the consumer of the sink's progress (the history is the worker's to close)."""
        await asyncio.to_thread(self._drop_consumer)

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


class LateGlue:
    """The late path in a :class:`~streams.detector.worker.Detector` (a mixin): the wait before the lock,
    the one :class:`LatePath` of the worker, what any failure of it does, and the refusal of a replay before
    the eviction horizon or by other inputs (:mod:`streams.detector.evict`). What it needs of the detector
    is declared here."""

    options: DetectorOptions
    kafka: KafkaConfig
    events_topic: str
    core: DetectorCore
    stats: DetectorStats
    failed: bool
    ready: bool
    exit_code: int
    late_path: LatePath
    #: The digest of the inputs the worker judges by (``Finalization._inputs``; declared, see ``changelog``).
    _inputs: Callable[[], str]

    def stop(self) -> None:
        raise NotImplementedError

    async def _prewait(self, batch: list[Any]) -> None:
        """Before the lock: wait for the sink to have stored what the batch's evicted dossiers need, so that
        a rebalance is not held up by the sink (module doc)."""
        # Not ready (revoked): the batch is left unacknowledged anyway (Detector.process); no wait for it.
        if self.options.history is not None and not self.failed and self.ready:
            try:
                await self._late_path().prewait(self.core, batch)
            except Exception as exc:
                self._late_path_failed(exc)

    def _late_path(self) -> LatePath:
        late: LatePath | None = getattr(self, "late_path", None)
        if late is None:
            opts = self.options
            assert opts.history is not None
            late = self.late_path = LatePath(
                opts.history, self.kafka, self.events_topic, opts.history_sink_group, self.core.auditor,
                opts.history_wait,
            )  # fmt: skip
        return late

    def _late_path_failed(self, exc: Exception) -> None:
        """Anything the late path raises stops the worker: its batch is not acknowledged (the next owner or
        start reads it again), and nothing more is taken (exact or loud)."""
        if isinstance(exc, HistoryInconsistent):
            self.stats.history_mismatches += 1
            worker_log.error(
                "evicted dossier's stored events do not match its eviction; stopping",
                extra={"reason": str(exc)},
            )
        else:
            worker_log.error(
                "evicted dossiers cannot be read back; stopping", extra={"reason": describe_error(exc)}
            )
        self.failed, self.exit_code = True, 1
        self.stop()

    def _replay_refused(self) -> bool:
        """Refuse (exit 2) a replay at ``--as-of`` that the dossiers an earlier run evicted from a held
        partition cannot be part of exactly: their state at that instant is gone (only their final one was
        kept), so the final set would not be the batch audit's

        - at an ``--as-of`` before the newest event of one of them (the partition's eviction horizon);
        - by other inputs than those they were judged by (a rulebook version or parameter, the catalogue or
          the calendar changed since: ``marks.inputs_digest``): their published verdicts would stand under a
          final mark naming the new inputs, and the sink would store them as such."""
        as_of = self.options.as_of
        if as_of is None:
            return False
        at = to_us(as_of)
        past = {
            p: s.evicted_newest_us
            for p, s in sorted(self.core.partitions.items())
            if s.evicted_newest_us is not None and s.evicted_newest_us > at
        }
        if past:
            horizon = from_us(max(past.values())).isoformat()
            return self._refuse(
                f"--as-of {as_of.isoformat()} is before the eviction horizon {horizon} of partitions "
                f"{sorted(past)}: an earlier run of this group evicted dossiers whose events reach past it; "
                "replay with --as-of at or after the horizon, or with a new group (--group-id)",
                {"as_of": as_of.isoformat(), "horizon": horizon, "partitions": sorted(past)},
            )
        inputs = self._inputs()
        other = {
            p: sorted(s.evicted_inputs - {inputs})
            for p, s in sorted(self.core.partitions.items())
            if s.evicted_inputs - {inputs}
        }
        if other:
            return self._refuse(
                f"partitions {sorted(other)} hold dossiers an earlier run of this group evicted with the "
                f"verdicts of other inputs (the rulebook version or parameters, the catalogue or the "
                f"calendar changed since: judged by {sorted(set().union(*other.values()))}, now {inputs}): "
                "a final evaluation would keep those verdicts; replay with a new group (--group-id)",
                {"as_of": as_of.isoformat(), "inputs": inputs, "partitions": sorted(other)},
            )
        return False

    def _refuse(self, message: str, extra: dict[str, Any]) -> bool:
        """Stop the worker with exit 2 (a usage error: the operator's choice of ``--as-of`` or group), having
        said why in one line."""
        worker_log.error(message, extra=extra)
        self.failed, self.exit_code = True, 2
        self.stop()
        return True
