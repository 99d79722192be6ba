"""The detector's supervision, apart from its batch path: wall-clock ticks (``live``), idle partitions, the
until-idle / as-of decision and the final evaluation, and the membership watchdog.

Idle partitions: a partition's watermark moves with its own events (and, with ``live``, with the wall clock,
every poll). Without ``live``, a partition that has had nothing to read (its state reaches the end of its
log as the consumer's fetches saw it: :func:`streams.detector.app_internals.fetched_highwaters`) and received
nothing for ``idle_partition_timeout`` seconds follows the lowest watermark of the worker's active
partitions (:func:`streams.watermark.idle_targets`, as Flink leaves idle inputs out of the minimum), so a
dossier on a quiet partition still becomes late. The clocks start over whenever the worker is not settled,
is reassigned, or stalled (:class:`streams.watermark.Idleness`).

Every supervisor action that changes state (a live tick, an idle tick, a final evaluation) decides on a
settled assignment, then takes the lock, which a batch or a rebalance may hold meanwhile: inside the lock it
goes on only if the worker is still settled in the same group generation (:meth:`Supervision._still`).

Finalization at ``as_of``: :mod:`streams.detector.finalization`.

A mixin of :class:`streams.detector.worker.Detector` rather than a separate object: the supervisor reads and
mutates the same state under the same lock as the batch path, and the names the app and the tests use
(``detector.supervise()``, ``detector.watch_membership``, ``detector._settled()``) stay the detector's. The
attributes and methods it needs from the detector are declared below, so the type checker holds the two
halves together without this module importing the worker (no import circle).
"""

from __future__ import annotations

import asyncio
import logging
import time

from streams.detector.app_internals import fetched_highwaters, rejoin_pending
from streams.detector.finalization import Finalization
from streams.detector.inlet import Inlet
from streams.detector.membership import Membership
from streams.observability import WorkerMetrics
from streams.watermark import caught_up, from_us, idle_targets

__all__ = ["Supervision"]

log = logging.getLogger("streams.detector.worker")  # one logger for the detector's runtime


class Supervision(Finalization):
    """Supervision of a :class:`~streams.detector.worker.Detector` (see the module docstring)."""

    # What the detector provides beyond what Finalization declares (set in its __init__).
    metrics: WorkerMetrics | None
    inlet: Inlet
    ready: bool
    busy: bool
    last_activity: float
    exit_code: int
    membership: Membership

    def _live_floor(self) -> int | None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    # --- supervision: live ticks, idleness, replay ------------------------------------------------------

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
                    self._restart_idle_clocks()
                    continue
                settled_in = self.app.consumer_generation_id
                if opts.live:
                    await self._tick_live(settled_in)
                await self._tick_idle(generation=settled_in)
                self._tick_lag()
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
                    if await self._finalize_due(opts.as_of, generation):
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

    def _still(self, generation: int | None) -> bool:
        """Inside the lock, before a supervisor action: whether the assignment it was decided on still holds
        (settled, in the same generation). ``generation`` None: not checked (a direct call)."""
        return generation is None or (self._settled() and self.app.consumer_generation_id == generation)

    def _restart_idle_clocks(self) -> None:
        idleness = self._memory().idleness
        if idleness is not None:
            idleness.clear()

    def _highwaters(self) -> dict[int, int | None]:
        """The events topic's ends per held partition, as the consumer's fetches saw them."""
        return fetched_highwaters(self.app, self.events_topic, self.core.partitions)

    async def _tick_live(self, generation: int | None = None) -> None:
        floor = self._live_floor()
        assert floor is not None
        async with self.lock:
            if not self._still(generation):
                return
            for partition, state in list(self.core.partitions.items()):
                if state.watermark.value is None or floor > state.watermark.value:
                    await self._publish(partition, state.advance(floor))
            await self._delivered()

    async def _tick_idle(self, now: float | None = None, generation: int | None = None) -> None:
        """Let the idle partitions follow the event time of the active ones (:func:`idle_targets`)."""
        idleness = self._memory().idleness
        if idleness is None:
            return
        async with self.lock:  # between batches: a batch's partitions are all or nothing
            if not self._still(generation):
                return
            now = time.monotonic() if now is None else now  # after the wait for the lock
            idleness.tick(now)
            partitions = self.core.partitions
            idleness.retain(partitions)
            ends = self._highwaters()
            for partition, state in partitions.items():
                progress = (state.next_offset, state.watermark.max_event_us)
                idleness.observe(partition, progress, now, caught_up(state.next_offset, ends.get(partition)))
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

    def _tick_lag(self) -> None:
        """Each held partition's lag: its end as the fetches saw it, less the offset its state reached. Set
        before only when deciding whether the group was idle (``--until-idle``, ``--as-of``): a live
        detector, as deployed, published none, and "detector behind" had no metric (on-call review)."""
        if self.metrics is None:
            return
        ends = self._highwaters()
        held = dict(self.core.partitions)
        for partition, state in held.items():
            end, reached = ends.get(partition), state.next_offset
            if end is not None and reached is not None:  # known once fetched and read from
                self.metrics.set_lag(self.events_topic, partition, end - reached)
        # A partition another worker took over is its lag to report: the last value kept here was
        # exported for ever, a false alert and a double count once several workers run (review of the diff).
        gauge = self.metrics.consumer_lag
        for metric in gauge.collect():
            for sample in metric.samples:
                topic, number = sample.labels["topic"], sample.labels["partition"]
                if topic == self.events_topic and int(number) not in held:
                    gauge.remove(topic, number)

    async def _group_caught_up(self) -> bool:
        """Whether the group has committed every partition of the events topic to its end (the lag metric
        is :meth:`_tick_lag`'s, set on every tick: set here too, it was two readings of one gauge)."""
        await self.app.consumer.commit()
        lags = await self.progress.lags(self.events_topic)
        return all(lag <= 0 for lag in lags.values())

    # --- finalization at as_of, per partition -----------------------------------------------------------

    def watch_membership(self, loop: asyncio.AbstractEventLoop, every: float = 1.0) -> None:
        """Exit 2 once out of the group past the join deadline: a loop callback, not a Faust task, which
        starts only after the consumer has joined (a stuck join never got there in the chaos test)."""
        opts = self.options

        def give_up() -> None:
            log.error(Membership.message(opts.app_id, self.kafka.bootstrap_servers, opts.join_timeout))
            self.exit_code = 2
            self.stop()

        self.membership.watch(loop, opts.join_timeout, give_up, every)
