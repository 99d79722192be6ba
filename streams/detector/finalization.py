"""Finalization at ``as_of``, per partition: once the group has committed the events topic to its end and
nothing arrived for ``idle_seconds`` (within one group generation, no rebalance running or pending), the
worker finalizes each held partition that needs it (:meth:`Finalization._finalize_due`) and then writes, to
the ``partitions`` table's changelog, a mark "finalized at ``as_of`` up to offset N by these inputs"
(:class:`streams.detector.marks.FinalMark`), after the violations it vouches for. N is what the partition's
state holds (its ``next_offset``), not the group's committed offset, which a worker the group already left
can push past it on tansu; a partition whose state holds nothing gets a mark only when it is empty.
``until_idle`` stops only once every partition of the events topic carries a mark for ``as_of`` that covers
its current end, whoever wrote it: a worker that dies after the group caught up but before finalizing leaves
its partitions unmarked, and the survivor waits, takes them over at the rebalance and finalizes them (the old
rule, "the group is caught up", let it stop with only its own partitions finalized).

A mixin of :class:`streams.detector.worker.Detector` under :class:`streams.detector.supervision.Supervision`
(which decides when to finalize); it also holds what the supervisor remembers between polls (:class:`Memory`).
What it needs of the detector is declared below.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streams.detector.core import DetectorCore, Outcome, VKey
from streams.detector.marks import FinalMark, FinalMarks, inputs_digest
from streams.detector.options import DetectorOptions
from streams.detector.readback import GroupProgress, read_published
from streams.detector.stats import DetectorStats
from streams.detector.versions import VersionClock
from streams.kafka import KafkaConfig
from streams.topics import PlatformTopics
from streams.watermark import Idleness, to_us

__all__ = ["Finalization", "Memory"]

log = logging.getLogger("streams.detector.worker")  # one logger for the detector's runtime


@dataclass
class Memory:
    """What the supervisor remembers between polls."""

    idleness: Idleness | None
    #: Partitions this worker has finalized at ``as_of`` (in this process).
    finalized: set[int] = field(default_factory=set)
    #: Done with its own partitions (``until_idle``), waiting for the others to be finalized.
    waiting: bool = False
    missing: list[int] = field(default_factory=list)
    checked: float = 0.0
    #: :func:`~streams.detector.marks.inputs_digest` of the worker's auditor (computed once).
    inputs: str | None = None


class Finalization:
    """The final evaluation of a :class:`~streams.detector.worker.Detector` (see the module docstring)."""

    app: Any
    kafka: KafkaConfig
    options: DetectorOptions
    topics: PlatformTopics
    core: DetectorCore
    stats: DetectorStats
    version: VersionClock
    lock: asyncio.Lock
    finalized: bool
    events_topic: str
    progress: GroupProgress
    final_marks: FinalMarks
    partition_table: Any

    async def _publish(self, partition: int, outcome: Outcome) -> None:
        raise NotImplementedError

    async def _delivered(self) -> None:
        raise NotImplementedError

    async def _confirm_markers(self, partitions: Iterable[int]) -> None:
        raise NotImplementedError

    async def _send(self, topic: str, key: bytes | None, value: bytes, partition: int | None = None) -> None:
        raise NotImplementedError

    def _still(self, generation: int | None) -> bool:
        raise NotImplementedError

    _supervision: Memory | None = None  # made at first use: the detector's __init__ stays its own

    def _memory(self) -> Memory:
        if self._supervision is None:
            timeout = self.options.idle_partition_timeout
            self._supervision = Memory(Idleness(timeout) if timeout else None)
        return self._supervision

    def _unfinalized(self) -> bool:
        """Whether this worker holds a partition it has not finalized yet (continuous ``as_of`` runs)."""
        return not set(self.core.partitions) <= self._memory().finalized

    async def _marks(self) -> dict[int, FinalMark]:
        topic = self.partition_table.changelog_topic.get_topic_name()
        return await self.final_marks.read(topic)

    def _inputs(self) -> str:
        """The digest of the inputs the worker judges by (:func:`inputs_digest`), computed once."""
        memory = self._memory()
        if memory.inputs is None:
            memory.inputs = inputs_digest(self.core.auditor)
        return memory.inputs

    async def _finalize_due(self, as_of: datetime, generation: int | None = None) -> bool:
        """Finalize the held partitions that need it; whether there were any.

        Each one not marked as finalized at ``as_of`` up to its current end by the same inputs (by this
        worker or another, in this run or an earlier one over the same events); a worker that goes on live
        (not ``until_idle``) also never finalizes again a partition it finalized itself in this process.
        """
        at = to_us(as_of)
        offsets = await self.progress.offsets(self.events_topic)  # before the marks: a mark is newer
        marks = await self._marks()
        inputs = self._inputs()
        memory = self._memory()
        due = []
        for partition in sorted(self.core.partitions):
            mark = marks.get(partition)
            end = offsets.get(partition, (0, 0))[1]
            if mark is not None and mark.covers(at, end, inputs):
                memory.finalized.add(partition)
            elif self.options.until_idle or partition not in memory.finalized:
                due.append(partition)
        if not due:
            return False
        if self.options.freeze_before_finalize:
            log.warning("freezing before finalizing (fault test)", extra={"partitions": due})
            os.kill(os.getpid(), signal.SIGSTOP)
        ends = {p: offsets.get(p, (0, 0))[1] for p in due}
        await self.finalize(as_of, due, ends, generation)
        return True

    async def _all_finalized(self, as_of: datetime) -> bool:
        """Whether every partition of the events topic is marked finalized at ``as_of`` up to its current
        end, whoever finalized it: then the replay is complete and a ``--until-idle`` worker may stop."""
        offsets = await self.progress.offsets(self.events_topic)
        marks = await self._marks()
        at, inputs = to_us(as_of), self._inputs()
        missing = [
            p
            for p, (_, end) in sorted(offsets.items())
            if not ((m := marks.get(p)) and m.covers(at, end, inputs))
        ]
        memory = self._memory()
        if missing and missing != memory.missing:
            log.info("detector waiting for partitions to be finalized", extra={"partitions": missing})
        memory.missing = missing
        return not missing

    async def _others_done(self, memory: Memory) -> bool:
        """While waiting for other workers' partitions: whether they are all finalized now (checked at most
        once a second, settled or not: complete marks make a rebalance irrelevant)."""
        as_of = self.options.as_of
        now = time.monotonic()
        if as_of is None or now - memory.checked < 1.0:
            return False
        memory.checked = now
        return await self._all_finalized(as_of)

    async def finalize(
        self,
        as_of: datetime,
        partitions: Iterable[int] | None = None,
        ends: Mapping[int, int] | None = None,
        generation: int | None = None,
    ) -> None:
        """Evaluate every dossier of ``partitions`` (default: every held one) at ``as_of`` against what the
        violations topic really holds, then mark each partition finalized up to what its state holds
        (``ends``: the partitions' current ends, read before; without them, no marks). ``generation``: the
        group generation the decision was taken in (the worker must still be settled in it)."""
        async with self.lock:
            if not self._still(generation):
                return
            await self.app.producer.flush()
            chosen = sorted(
                self.core.partitions if partitions is None else set(partitions) & set(self.core.partitions)
            )
            states = {p: self.core.partitions[p] for p in chosen}
            held = {d for s in states.values() for d in s.dossiers}
            observed, top_version = await self._read_published(held)
            if not self._still(generation):  # a rebalance began while the topic was read
                return
            self.version.floor(top_version)
            at = to_us(as_of)
            for partition, state in states.items():
                before = {d: (dict(s.published), s.flags) for d, s in state.dossiers.items()}
                state.replace_published(observed)
                outcome = state.finalize(at)
                # Where the topic disagreed with the changelog, the stored state must follow the topic.
                outcome.dirty |= {d for d, s in state.dossiers.items() if (s.published, s.flags) != before[d]}
                await self._publish(partition, outcome)
            await self._delivered()  # the violations first: a mark vouches for them
            await self.app.consumer.commit()
            if ends is not None:
                topic = self.partition_table.changelog_topic.get_topic_name()
                inputs = self._inputs()
                for partition, state in states.items():
                    offset = self._mark_offset(partition, state.next_offset, ends.get(partition))
                    if offset is not None:
                        mark = FinalMark(partition, at, offset, inputs)
                        await self._send(topic, mark.key(), mark.encode(), partition)
                await self._confirm_markers(chosen)
                await self._delivered()
            memory = self._memory()
            memory.finalized.update(chosen)
            self.finalized = set(self.core.partitions) <= memory.finalized
            self.stats.finalized_at = as_of.astimezone(UTC).isoformat()
            log.info(
                "detector finalized",
                extra={"as_of": self.stats.finalized_at, "dossiers": len(held), "partitions": chosen},
            )

    async def _read_published(self, dossiers: set[str]) -> tuple[dict[str, dict[VKey, bytes]], int]:
        """What the violations topic holds for ``dossiers`` (:func:`read_published`)."""
        return await read_published(self.kafka, self.topics.violations, dossiers)

    def _mark_offset(self, partition: int, next_offset: int | None, end: int | None) -> int | None:
        """Up to which offset a partition's final mark may say it is finalized: what its state holds. A state
        that holds nothing vouches for nothing, unless the partition is empty (its beginning is its end)."""
        if next_offset is not None:
            return next_offset
        if end is not None and self.progress.beginnings.get(partition) == end:
            return end
        log.info(
            "no final mark for a partition whose state holds nothing yet", extra={"partition": partition}
        )
        return None
