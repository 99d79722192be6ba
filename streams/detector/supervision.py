"""The detector's supervision, apart from its batch path: wall-clock ticks (``live``), idle partitions, the
until-idle / as-of decision and the final evaluation, and the membership watchdog.

Idle partitions: a partition's watermark moves with its own events (and, with ``live``, with the wall clock,
every poll). Without ``live``, a partition that has received nothing for ``idle_partition_timeout`` seconds
follows the lowest watermark of the worker's active partitions (:func:`streams.watermark.idle_targets`, as
Flink leaves idle inputs out of the minimum), so a dossier on a quiet partition still becomes late.

Finalization at ``as_of``, per partition: once the group has committed the events topic to its end and
nothing arrived for ``idle_seconds`` (within one group generation, no rebalance running or pending), the
worker finalizes each held partition that needs it (:meth:`Supervision._finalize_due`) and then writes, to
the ``partitions`` table's changelog, a mark "finalized at ``as_of`` up to offset N"
(:class:`streams.detector.readback.FinalMark`), after the violations it vouches for. ``until_idle`` stops
only once every partition of the events topic carries a mark for ``as_of`` that covers its current end,
whoever wrote it: a worker that dies after the group caught up but before finalizing leaves its partitions
unmarked, and the survivor waits, takes them over at the rebalance and finalizes them (the old rule, "the
group is caught up", let it stop with only its own partitions finalized).

A mixin of :class:`streams.detector.worker.Detector` rather than a separate object: the supervisor reads and
mutates the same state under the same lock as the batch path, and the names the app and the tests use
(``detector.supervise()``, ``detector.watch_membership``, ``detector._settled()``) stay the detector's. The
attributes and methods it needs from the detector are declared below, so the type checker holds the two
halves together without this module importing the worker (no import circle).
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

from streams.detector.core import DetectorCore, Outcome
from streams.detector.inlet import Inlet
from streams.detector.membership import Membership
from streams.detector.options import DetectorOptions
from streams.detector.readback import FinalMark, GroupProgress, read_final_marks, read_published
from streams.detector.stats import DetectorStats
from streams.detector.transport import rejoin_pending
from streams.detector.versions import VersionClock
from streams.kafka import KafkaConfig
from streams.observability import WorkerMetrics
from streams.topics import PlatformTopics
from streams.watermark import Idleness, from_us, idle_targets, to_us

__all__ = ["Supervision"]

log = logging.getLogger("streams.detector.worker")  # one logger for the detector's runtime


@dataclass
class _Memory:
    """What the supervisor remembers between polls."""

    idleness: Idleness | None
    #: Partitions this worker has finalized at ``as_of`` (in this process).
    finalized: set[int] = field(default_factory=set)
    #: Done with its own partitions (``until_idle``), waiting for the others to be finalized.
    waiting: bool = False
    missing: list[int] = field(default_factory=list)
    checked: float = 0.0


class Supervision:
    """Supervision of a :class:`~streams.detector.worker.Detector` (see the module docstring)."""

    # What the detector provides (set in its __init__ / defined by its batch path).
    app: Any
    kafka: KafkaConfig
    options: DetectorOptions
    topics: PlatformTopics
    core: DetectorCore
    metrics: WorkerMetrics | None
    stats: DetectorStats
    version: VersionClock
    lock: asyncio.Lock
    inlet: Inlet
    ready: bool
    finalized: bool
    busy: bool
    last_activity: float
    exit_code: int
    events_topic: str
    progress: GroupProgress
    membership: Membership
    partition_table: Any

    def _live_floor(self) -> int | None:
        raise NotImplementedError

    async def _publish(self, partition: int, outcome: Outcome) -> None:
        raise NotImplementedError

    async def _delivered(self) -> None:
        raise NotImplementedError

    async def _send(self, topic: str, key: bytes | None, value: bytes, partition: int | None = None) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    # --- supervision: live ticks, idleness, replay ------------------------------------------------------

    _supervision: _Memory | None = None  # made at first use: the detector's __init__ stays its own

    def _memory(self) -> _Memory:
        if self._supervision is None:
            timeout = self.options.idle_partition_timeout
            self._supervision = _Memory(Idleness(timeout) if timeout else None)
        return self._supervision

    async def supervise(self) -> None:
        """Background loop: wall-clock ticks (live), idle partitions, metrics, and the idle/replay/stop
        logic (see the module docstring)."""
        opts = self.options
        memory = self._memory()
        idle_since: float | None = None
        idle_generation: int | None = None  # the idle window must lie within one group generation
        try:
            while True:
                await asyncio.sleep(opts.poll_seconds)
                if self.exit_code == 2:  # the membership watchdog gave up on a stuck group
                    return
                if memory.waiting and await self._others_done(memory):
                    self.stop()
                    return
                if not self._settled():
                    idle_since = None
                    continue
                if opts.live:
                    await self._tick_live()
                await self._tick_idle()
                if not (opts.until_idle or (opts.as_of is not None and self._unfinalized())):
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
                if opts.as_of is not None:
                    if await self._finalize_due(opts.as_of):
                        idle_since = None
                    if not opts.until_idle:
                        continue
                    if not await self._all_finalized(opts.as_of):
                        # Others' partitions: their workers finalize them, or this one after a rebalance.
                        memory.waiting = True
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

        The until-idle/as-of decision waits for this, so it is never taken on an assignment about to change.
        """
        return self.ready and not self.app.rebalancing and not self._rejoin_pending()

    def _rejoin_pending(self) -> bool:
        return rejoin_pending(self.app)

    async def _tick_live(self) -> None:
        floor = self._live_floor()
        assert floor is not None
        async with self.lock:
            for partition, state in list(self.core.partitions.items()):
                if state.watermark.value is None or floor > state.watermark.value:
                    await self._publish(partition, state.advance(floor))
            await self._delivered()

    async def _tick_idle(self, now: float | None = None) -> None:
        """Let the idle partitions follow the event time of the active ones (:func:`idle_targets`)."""
        idleness = self._memory().idleness
        if idleness is None:
            return
        now = time.monotonic() if now is None else now
        async with self.lock:  # between batches: a batch's partitions are all or nothing
            partitions = self.core.partitions
            idleness.retain(partitions)
            for partition, state in partitions.items():
                idleness.observe(partition, (state.next_offset, state.watermark.max_event_us), now)
            idle = [p for p in partitions if idleness.idle(p, now)]
            targets = idle_targets(self.core.watermarks(), idle)
            for partition, target in targets.items():
                await self._publish(partition, partitions[partition].advance(target))
            if targets:
                await self._delivered()
                log.debug(
                    "idle partitions advanced",
                    extra={"watermarks": {p: from_us(t).isoformat() for p, t in targets.items()}},
                )

    async def _group_caught_up(self) -> bool:
        """Whether the group has committed every partition of the events topic to its end."""
        await self.app.consumer.commit()
        caught_up = True
        for partition, lag in (await self.progress.lags(self.events_topic)).items():
            if self.metrics is not None and partition in self.core.partitions:
                self.metrics.set_lag(self.events_topic, partition, lag)
            if lag > 0:
                caught_up = False
        return caught_up

    # --- finalization at as_of, per partition -----------------------------------------------------------

    def _unfinalized(self) -> bool:
        """Whether this worker holds a partition it has not finalized yet (continuous ``as_of`` runs)."""
        return not set(self.core.partitions) <= self._memory().finalized

    async def _marks(self) -> dict[int, FinalMark]:
        topic = self.partition_table.changelog_topic.get_topic_name()
        return await read_final_marks(self.kafka, topic)

    async def _finalize_due(self, as_of: datetime) -> bool:
        """Finalize the held partitions that need it; whether there were any.

        ``until_idle``: each one not marked as finalized at ``as_of`` up to its current end (by this worker
        or another, in this run or an earlier one over the same events). Otherwise (a worker that goes on
        live): each one finalized neither by this worker nor at ``as_of`` by any, so that a partition is
        never evaluated back at ``as_of`` after its events moved on.
        """
        at = to_us(as_of)
        offsets = await self.progress.offsets(self.events_topic)  # before the marks: a mark is newer
        marks = await self._marks()
        memory = self._memory()
        due = []
        for partition in sorted(self.core.partitions):
            mark = marks.get(partition)
            if self.options.until_idle:
                end = offsets.get(partition, (0, 0))[1]
                if mark is None or not mark.covers(at, end):
                    due.append(partition)
            elif partition not in memory.finalized:
                if mark is not None and mark.as_of_us == at:
                    memory.finalized.add(partition)  # another worker's: never evaluated back at as_of
                else:
                    due.append(partition)
        if not due:
            return False
        if self.options.freeze_before_finalize:
            log.warning("freezing before finalizing (fault test)", extra={"partitions": due})
            os.kill(os.getpid(), signal.SIGSTOP)
        await self.finalize(as_of, due, {p: offsets.get(p, (0, 0))[0] for p in due})
        return True

    async def _all_finalized(self, as_of: datetime) -> bool:
        """Whether every partition of the events topic is marked finalized at ``as_of`` up to its current
        end, whoever finalized it: then the replay is complete and a ``--until-idle`` worker may stop."""
        offsets = await self.progress.offsets(self.events_topic)
        marks = await self._marks()
        at = to_us(as_of)
        missing = [
            p for p, (_, end) in sorted(offsets.items()) if not ((m := marks.get(p)) and m.covers(at, end))
        ]
        memory = self._memory()
        if missing and missing != memory.missing:
            log.info("detector waiting for partitions to be finalized", extra={"partitions": missing})
        memory.missing = missing
        return not missing

    async def _others_done(self, memory: _Memory) -> bool:
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
        offsets: Mapping[int, int] | None = None,
    ) -> None:
        """Evaluate every dossier of ``partitions`` (default: every held one) at ``as_of`` against what the
        violations topic really holds, then mark each partition finalized up to ``offsets`` (the group's
        committed offsets read before: the state holds at least those events)."""
        async with self.lock:
            await self.app.producer.flush()
            chosen = sorted(
                self.core.partitions if partitions is None else set(partitions) & set(self.core.partitions)
            )
            states = {p: self.core.partitions[p] for p in chosen}
            held = {d for s in states.values() for d in s.dossiers}
            observed, top_version = await read_published(self.kafka, self.topics.violations, held)
            self.version.floor(top_version)
            at = to_us(as_of)
            for partition, state in states.items():
                before = {d: dict(s.published) for d, s in state.dossiers.items()}
                state.replace_published(observed)
                outcome = state.finalize(at)
                # Where the topic disagreed with the changelog, the stored state must follow the topic.
                outcome.dirty |= {d for d, s in state.dossiers.items() if s.published != before[d]}
                await self._publish(partition, outcome)
            await self._delivered()  # the violations first: a mark vouches for them
            await self.app.consumer.commit()
            if offsets is not None:
                topic = self.partition_table.changelog_topic.get_topic_name()
                for partition, state in states.items():
                    offset = max(offsets.get(partition, 0), state.next_offset or 0)
                    mark = FinalMark(partition, at, offset)
                    await self._send(topic, mark.key(), mark.encode(), partition)
                await self._delivered()
            memory = self._memory()
            memory.finalized.update(chosen)
            self.finalized = set(self.core.partitions) <= memory.finalized
            self.stats.finalized_at = as_of.astimezone(UTC).isoformat()
            log.info(
                "detector finalized",
                extra={"as_of": self.stats.finalized_at, "dossiers": len(held), "partitions": chosen},
            )

    def watch_membership(self, loop: asyncio.AbstractEventLoop, every: float = 1.0) -> None:
        """Exit 2 once out of the group past the join deadline: a loop callback, not a Faust task, which
        starts only after the consumer has joined (a stuck join never got there in the chaos test)."""
        opts = self.options

        def give_up() -> None:
            log.error(Membership.message(opts.app_id, self.kafka.bootstrap_servers, opts.join_timeout))
            self.exit_code = 2
            self.stop()

        self.membership.watch(loop, opts.join_timeout, give_up, every)
