"""The detector's runtime around the pure core: one :class:`Detector` per app takes event batches from the
inlet, applies them per partition, publishes the violations that opened or were retracted, persists the
changed state to the tables' changelogs, follows rebalances, and supervises the live/idle/replay logic.

Every mutation of the core happens under the detector's lock, and so does a rebalance's revocation: a
batch is applied, emitted and acknowledged as a whole, or (revoked first) read again from the committed
offsets. The one wait a batch may make for others, the sink storing an evicted dossier's events, comes
before the lock (:meth:`~streams.detector.latepath.LatePath.prewait`); a batch that still had to read
something under the lock checks afterwards that its assignment is still the one it started with, and
otherwise leaves the batch, unacknowledged, to the partitions' new owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import faust

from inspections.rulebook import Auditor
from schemas.events import AnyEvent
from streams.detector.app_internals import recovery_pending, shutdown_worker
from streams.detector.changelog import ChangelogWrites
from streams.detector.core import Change, DetectorCore, Outcome, StateError
from streams.detector.guard import (
    UNPROCESSABLE,
    UNREADABLE_STATE,
    apply_isolating,
    decode_guarded,
    unprocessable,
)
from streams.detector.inlet import Inlet, Scrub, conflict_letter
from streams.detector.latepath import LateGlue, LatePath
from streams.detector.marks import FinalMarks
from streams.detector.membership import Membership
from streams.detector.options import DetectorOptions
from streams.detector.readback import GroupProgress
from streams.detector.restore import restore_partitions
from streams.detector.stats import DetectorStats
from streams.detector.supervision import Supervision
from streams.detector.versions import VersionClock, freeze_young_objects
from streams.kafka import KafkaConfig
from streams.messages import DeadLetter, ViolationMessage, describe_error
from streams.observability import WorkerMetrics
from streams.watermark import CLOCK_SKEW, from_us, to_us

__all__ = ["PRODUCER", "Detector", "DetectorStats"]

log = logging.getLogger(__name__)

#: The ``producer`` of the violation messages the detector publishes.
PRODUCER = "detector"


class Detector(ChangelogWrites, LateGlue, Supervision):
    """The detector's state and I/O around the pure core (one per app; see the module docstring).

    ``app`` is the Faust app it runs in (:class:`streams.detector.app.DetectorApp`); ``scrub`` removes
    applicant data from the raw bytes of dead letters.
    """

    def __init__(
        self,
        app: faust.App,
        kafka: KafkaConfig,
        options: DetectorOptions,
        auditor: Auditor,
        scrub: Scrub,
        metrics: WorkerMetrics | None,
    ) -> None:
        self.app = app
        self.kafka = kafka
        self.options = options
        self.topics = options.topics
        self.core = DetectorCore(auditor, options.allowed_lateness, self._horizon)
        self.scrub = scrub
        self.metrics = metrics
        self.stats = DetectorStats()
        self.version = VersionClock()
        self.lock = asyncio.Lock()
        self.inlet = Inlet(options.batch_max)
        self.ready = False
        self.finalized = False
        self.busy = False
        self.last_activity = time.monotonic()
        self.started = time.monotonic()
        self.worker: faust.Worker | None = None
        self.exit_code = 0
        self.events_topic = options.topics.events
        self.progress = GroupProgress(kafka, options.app_id)
        self.final_marks = FinalMarks(kafka)
        self.dossier_table: Any = None
        self.partition_table: Any = None
        #: The group generation of the assignment the memory reflects (see :meth:`on_recovered`).
        self.generation: int | None = None
        self.membership = Membership()  # out of the group until the first assignment
        self.in_flight: list[Any] = []  # delivery futures of the records sent since the last wait
        self.failed = False  # a record was refused: the worker takes nothing more and stops

    # --- the agent's work -------------------------------------------------------------------------

    async def run_agent(self) -> None:
        """The ``detect`` agent's loop: batches from the inlet until the app stops."""
        inlet, wait = self.inlet, self.options.batch_wait
        while True:
            batch = await inlet.take(wait)
            await self._prewait(batch)
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
                    freeze_young_objects()

    async def process(self, messages: list[Any]) -> None:
        """Decode, apply per partition, emit, persist, then acknowledge the batch."""
        if self.failed:  # a record was refused: nothing more is taken, so nothing past it is committed
            return
        if not self.ready:
            # Taken from the inlet before a revocation and given the lock after it: until the next assignment
            # is recovered the generation is unchanged and the revoked partitions still in memory, so nothing
            # else stops it; applied, it would write their states after this worker left the group, possibly
            # after the new owner's, and a later restore would take them (seen in the chaos test: dossiers
            # missing their latest events). Unacknowledged, it is read again by whoever owns the partitions.
            return
        app = self.app
        consumer = app.consumer
        generation = app.consumer_generation_id
        by_partition: dict[int, list[tuple[AnyEvent, bytes]]] = defaultdict(list)
        sources: dict[int, list[Any]] = defaultdict(list)  # the message of each item, for dead letters
        taken: list[Any] = []
        reached: dict[int, int] = {}  # per partition: the offset after the last message taken
        dead: list[DeadLetter] = []
        now = datetime.now(UTC)
        for message in messages:
            if message.generation_id != generation or message.partition not in self.core.partitions:
                continue  # fetched before a rebalance: it comes again from the committed offset
            # Not tracked as in-flight: a rebalance waits for this batch through `self.lock` instead.
            taken.append(message)
            reached[message.partition] = max(reached.get(message.partition, 0), message.offset + 1)
            item = decode_guarded(message, now, self.scrub)
            if isinstance(item, DeadLetter):
                dead.append(item)
            else:
                by_partition[message.partition].append(item)
                sources[message.partition].append(message)
        if self.options.history is not None and by_partition:  # the late path (streams.detector.latepath)
            try:
                back = await self._late_path().read_back(self.core, by_partition)
            except Exception as exc:  # exact or loud: stop, nothing of this batch acknowledged
                self._late_path_failed(exc)
                return
            if back.read and (app.consumer_generation_id != generation or not self.ready):
                # A rebalance began while it read: the partitions' new owner reads this batch again.
                log.info(
                    "assignment changed while evicted dossiers were read back; batch left to the new owner"
                )
                return
            self.stats.reloaded += back.dossiers
            self.stats.late_events_evicted += back.late_events
            if self.metrics is not None:
                self.metrics.detector_dossiers_reloaded.inc(back.dossiers)
                self.metrics.detector_late_events_evicted.inc(back.late_events)
        floor = self._live_floor()
        applied = duplicates = conflicts = 0  # events taken in; of them, resends and conflicting versions
        # Per partition, the dossiers written in this batch: none of them is evicted in it (see evict.py).
        written: dict[int, set[str]] = {}
        for partition, items in by_partition.items():
            outcome, failed = apply_isolating(self.core, partition, items, floor)
            dead.extend(unprocessable(sources[partition][i], now, self.scrub, exc) for i, exc in failed)
            applied += len(items) - len(failed)
            duplicates += outcome.duplicates
            conflicts += len(outcome.conflicts)
            for conflict in outcome.conflicts:
                origin = next(m for (e, _), m in zip(items, sources[partition], strict=True) if e is conflict)
                dead.append(conflict_letter(conflict, origin, now, self.scrub))
            await self._publish(partition, outcome, reached[partition])
            written[partition] = outcome.dirty
        for letter in dead:
            await self._send(self.topics.dead_letters, None, letter.encode())
        await self._mark_progress(reached, written)
        # Delivered before acknowledged: a commit follows Faust's flush, which does not fail on a record
        # the broker refused; a batch with a lost changelog record must be read again, not committed.
        await self._delivered()
        self.stats.events += applied
        self.stats.dead_letters += len(dead)
        self.stats.poison += sum(letter.reason_code == UNPROCESSABLE for letter in dead)
        self.stats.batches += 1
        if self.metrics is not None:
            # Valid events taken in: not a resend (counted apart) nor a conflict (counted as rejected).
            self.metrics.events_in.inc(applied - duplicates - conflicts)
            self.metrics.events_duplicate.inc(duplicates)
            for letter in dead:
                self.metrics.rejected(letter.reason_code)
                if letter.reason_code == UNPROCESSABLE:
                    self.metrics.poison_records.labels(reason=UNPROCESSABLE).inc()
        for message in taken:
            consumer.ack(message)

    def _horizon(self) -> int:
        """The latest instant event time may reach: the replay's ``as_of``, else now plus the clock skew
        (``streams.watermark.Watermark``: an event dated years ahead must not move a partition there)."""
        if self.options.as_of is not None:
            return to_us(self.options.as_of)
        return to_us(datetime.now(UTC) + CLOCK_SKEW)

    def _live_floor(self) -> int | None:
        if not self.options.live:
            return None
        return to_us(datetime.now(UTC) - self.options.allowed_lateness)

    async def _publish(self, partition: int, outcome: Outcome, written: int | None = None) -> None:
        """Send the outcome's violation messages, then the changed states to the changelogs (``written``:
        the events-topic offset the step reaches, default the partition's)."""
        state = self.core.partitions[partition]
        as_of = from_us(outcome.as_of_us) if outcome.as_of_us is not None else datetime.now(UTC)
        for dossier_id, reason in outcome.errors:
            log.warning("dossier not judged: AUDIT_ERROR", extra={"dossier_id": dossier_id, "reason": reason})
        opened = retracted = 0
        for change in outcome.changes:
            violation = change.violation()
            await self._emit(change, violation, as_of)
            if change.state == "open":
                opened += 1
            else:
                retracted += 1
            if (m := self.metrics) is not None:
                counter = m.violations_opened if change.state == "open" else m.violations_retracted
                counter.labels(kind=violation.get("kind", "violation")).inc()
        self.stats.opened += opened
        self.stats.retracted += retracted
        self.stats.evaluations += outcome.evaluated
        self.stats.duplicates += outcome.duplicates
        await self._persist(state, outcome.dirty, outcome.watermark_moved, written)

    async def _emit(self, change: Change, violation: dict[str, Any], as_of: datetime) -> None:
        message = ViolationMessage(change.state, as_of, PRODUCER, self.version(), violation)
        await self._send(self.topics.violations, message.key, message.encode())

    async def _send(self, topic: str, key: bytes | None, value: bytes, partition: int | None = None) -> None:
        # Queued, not awaited: the batch's sends travel together; :meth:`_delivered` awaits them all.
        try:
            self.in_flight.append(await self.app.producer.send(topic, key, value, partition, None, None))
        except Exception as exc:  # refused before it left (e.g. too large): as a refused delivery
            self._fail(exc)
            raise

    async def _delivered(self) -> None:
        """Wait until the broker has every record sent so far; raise if it refused one."""
        pending, self.in_flight = self.in_flight, []
        if not pending:
            self._confirmed_now()
            return
        results = await asyncio.gather(*pending, return_exceptions=True)
        refused = [r for r in results if isinstance(r, BaseException)]
        if refused:
            self._fail(refused[0], len(refused))
            raise refused[0]
        self._confirmed_now()

    def _fail(self, exc: BaseException, records: int = 1) -> None:
        """Stop for good on a refused record: nothing of its batch is acknowledged and no later batch is taken
        (Faust would restart the agent), so the next owner reads it again from the committed offset. A refusal
        that can never succeed (a state over the broker's size limit) stops every owner: loud, not lost."""
        if not self.failed:
            log.error(
                "records not delivered; stopping", extra={"records": records, "reason": describe_error(exc)}
            )
        self.failed = True
        self.exit_code = 1
        self.stop()

    # --- rebalances -----------------------------------------------------------------------------------

    async def on_revoked(self, revoked: Any) -> None:
        # Faust revokes everything on each rebalance; what we keep is decided when recovery is done.
        self.ready = False
        self.membership.left()
        self.inlet.clear()
        async with self.lock:  # the batch in progress finishes (and is acknowledged) first
            if not self.failed:  # every step waited for its records: the next owner may trust them all
                await self._confirm_markers(self.core.partitions)
                with contextlib.suppress(Exception):  # refused: _fail stopped the worker already
                    await self._delivered()
            # Faust flushed before this hook; the batch's changelog writes must precede the next owner's read.
            await self.app.producer.flush()

    async def on_recovered(self) -> None:
        """Tables recovered: drop partitions no longer ours, rebuild new ones from the changelogs, refresh
        kept ones from the changelogs' tails unless this worker held them in the generation just before
        (or this one). One that missed a rebalance (dropped for being slow, then rejoining) may get back a
        partition another worker processed meanwhile: kept as remembered, it would lack those events."""
        async with self.lock:
            if recovery_pending(self.app):  # a newer assignment's recovery follows: that one is ours
                log.info("detector recovery superseded by a newer assignment")
                return
            assigned = {
                tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == self.events_topic
            }
            generation: int | None = getattr(self.app, "consumer_generation_id", None)  # None: unknown
            last = self.generation
            held = generation is not None and last is not None and generation in (last, last + 1)
            for partition in list(self.core.partitions):
                if partition not in assigned:
                    self.core.drop(partition)
            new = assigned - set(self.core.partitions)
            refresh = () if held else set(self.core.partitions)
            tables = self.dossier_table.data, self.partition_table.data
            confirm = self.options.history is not None
            states = restore_partitions(self.core, *tables, new, self._unreadable, refresh, confirm)
            for state, stored in states:
                if state.partition in new:
                    self.stats.restored_partitions += stored  # partitions that had a stored state
                    self.stats.restored_dossiers += len(state.dossiers)
                    self.stats.restored_events += sum(len(d) for d in state.dossiers.values())
            self.generation = generation
            log.info("detector assignment", extra={"partitions": sorted(assigned), "restored": sorted(new)})
            if self._replay_refused():
                return
            if confirm:
                try:
                    self.stats.unsure_restored += await self._store_restored_flags(s for s, _ in states)
                    await self._delivered()
                except Exception:  # refused: _fail stopped the worker
                    return
            self._restart_idle_clocks()
            self.ready = True
            self.last_activity = time.monotonic()

    def state_progress(self) -> dict[int, int | None]:
        """Per held partition, the events-topic offset its state reaches (where reading resumes at the
        latest after a rebalance; see :mod:`streams.detector.resume`)."""
        return {p: s.next_offset for p, s in self.core.partitions.items()}

    def _unreadable(self, dossier_id: str, error: StateError) -> None:
        """A stored dossier state that cannot be read back is left out rather than stopping the worker at
        every start; the dossier is judged again from its next event (its earlier ones are not re-read)."""
        self.stats.unreadable_states += 1
        if self.metrics is not None:
            self.metrics.poison_records.labels(reason=UNREADABLE_STATE).inc()
        log.error(
            "stored dossier state unreadable; left out",
            extra={"dossier_id": dossier_id, "reason": describe_error(error)},
        )

    # --- supervision: live ticks, idleness, replay (streams.detector.supervision) -----------------------

    def stop(self) -> None:
        """Stop the worker as SIGTERM would (from inside the app)."""
        worker = self.worker
        if worker is not None:
            shutdown_worker(worker)

    async def close(self) -> None:
        """Release what the worker opened (idempotent: the supervisor and the runner both call it)."""
        await self.progress.close()
        await self.final_marks.close()
        late: LatePath | None = getattr(self, "late_path", None)
        if late is not None:
            await late.close()
        if self.options.history is not None:
            await asyncio.to_thread(self.options.history.close)
