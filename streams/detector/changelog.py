"""The detector's writes to its tables' changelogs: dossier states, watermarks, evictions and progress
markers, in the order a restore relies on.

Per partition, a batch writes its changed dossier states, then its evictions (the eviction record, then
the tombstones: :mod:`streams.detector.evict`), then its progress marker (after the states it vouches
for: :mod:`streams.detector.resume`). Records of one changelog partition are kept in order, so a batch
delivered only in part leaves a prefix of that sequence.

With eviction on, every write also says how far the writer had confirmed delivery, so that a restore can
tell the dossier states whose violation messages may never have reached the topic (``UNSURE``:
:mod:`streams.detector.dossier`): a state carries the events-topic offset it was written at, a marker the
offset up to which earlier writes were confirmed. Every step of the worker (a batch, a tick, a final
evaluation) ends by waiting for its records' delivery, so after that wait the partition's writes are
confirmed up to its current offset (:meth:`ChangelogWrites._confirmed_now`). A marker written after such a
wait with that offset (:meth:`ChangelogWrites._confirm_markers`, at a rebalance and after the final
evaluation) spares the next owner from doubting the last batch. A restore that flags states ``UNSURE``
stores the flag at once (:meth:`ChangelogWrites._store_restored_flags`), before any later marker could
confirm the offset they were written at.

A mixin of :class:`streams.detector.worker.Detector`, like :mod:`streams.detector.supervision`; what it needs
of the detector is declared below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from streams.detector.core import DetectorCore
from streams.detector.dossier import RESTORED_UNSURE
from streams.detector.evict import eviction_key, eviction_value
from streams.detector.options import DetectorOptions
from streams.detector.partition_state import PartitionState
from streams.detector.resume import marker_key, marker_value
from streams.detector.stats import DetectorStats
from streams.observability import WorkerMetrics
from streams.watermark import from_us, to_us

__all__ = ["ChangelogWrites"]

log = logging.getLogger("streams.detector.worker")  # one logger for the detector's runtime


class ChangelogWrites:
    """The changelog writes of a :class:`~streams.detector.worker.Detector` (see the module docstring)."""

    options: DetectorOptions
    core: DetectorCore
    stats: DetectorStats
    metrics: WorkerMetrics | None
    dossier_table: Any
    partition_table: Any

    async def _send(self, topic: str, key: bytes | None, value: bytes, partition: int | None = None) -> None:
        raise NotImplementedError

    #: The digest of the inputs the worker judges by (``Finalization._inputs``; a declaration, not a stub,
    #: which would come first in the detector's method order).
    _inputs: Callable[[], str]

    @property
    def _evicting(self) -> bool:
        """Eviction is on: only with a history to read evicted dossiers back from."""
        return self.options.history is not None

    async def _persist(
        self, state: PartitionState, dirty: Iterable[str], watermark_moved: bool, written: int | None = None
    ) -> None:
        """Send the changed dossier states (and the watermark, if it moved) of ``state``; ``written``: the
        events-topic offset the step reaches (default: the partition's)."""
        partition = state.partition
        table = self.dossier_table.changelog_topic.get_topic_name()
        header = b"%d\n" % partition
        at = (written if written is not None else state.next_offset or 0) if self._evicting else None
        for dossier_id in dirty:
            value = header + state.dossiers[dossier_id].encode(partition, at)
            await self._send(table, dossier_id.encode(), value, partition)
        if watermark_moved:
            meta = self.partition_table.changelog_topic.get_topic_name()
            await self._send(meta, b"%d" % partition, DetectorCore.encode_partition(state), partition)
            if self.metrics is not None and state.watermark.value is not None:
                self.metrics.set_watermark(partition, from_us(state.watermark.value))

    async def _mark_progress(self, reached: Mapping[int, int], keep: Mapping[int, Collection[str]]) -> None:
        """End each partition's changelog writes of the batch with its evictions (only with a history to read
        them back from; never a dossier of ``keep``, written in this batch) and its progress marker."""
        table = self.dossier_table.changelog_topic.get_topic_name()
        evict = self._evicting
        cap = to_us(self.options.as_of) if self.options.as_of is not None else None
        grace = int(self.options.return_grace.total_seconds() * 1_000_000)
        for partition, next_offset in reached.items():
            state = self.core.partitions[partition]
            state.next_offset = next_offset
            gone = state.evict(next_offset, cap, grace, keep.get(partition, ())) if evict else []
            if gone:  # the record first, then the tombstones (module doc)
                newest, inputs = max(dossier._occ[-1] for dossier, _ in gone), self._inputs()
                record = eviction_value(partition, [entry for _, entry in gone], newest, inputs)
                state.evicted_inputs.add(inputs)
                await self._send(table, eviction_key(partition), record, partition)
                for dossier, _ in gone:  # a null value: table recovery deletes the key
                    await self._send(table, dossier.dossier_id.encode(), None, partition)  # type: ignore[arg-type]
                self.stats.evicted += len(gone)
                if self.metrics is not None:
                    self.metrics.detector_evicted_dossiers.inc(len(gone))
            confirmed = (state.confirmed if state.confirmed is not None else -1) if evict else None
            await self._send(
                table, marker_key(partition), marker_value(partition, next_offset, confirmed), partition
            )
        if evict:
            partitions = self.core.partitions.values()
            self.stats.dossiers_held = held = sum(len(s.dossiers) for s in partitions)
            self.stats.evicted_index = sum(len(s.evicted) for s in partitions)
            if self.metrics is not None:
                self.metrics.detector_dossiers_held.set(held)

    def _confirmed_now(self) -> None:
        """Every record sent so far was delivered: each partition's writes are confirmed up to its offset."""
        if self._evicting:
            for state in self.core.partitions.values():
                state.confirmed = state.next_offset

    async def _confirm_markers(self, partitions: Iterable[int]) -> None:
        """Send a marker saying the partitions' writes are confirmed up to their offsets (call right after a
        successful wait for delivery; the caller waits for these too)."""
        if not self._evicting:
            return
        table = self.dossier_table.changelog_topic.get_topic_name()
        for partition in sorted(partitions):
            state = self.core.partitions.get(partition)
            if state is None or state.next_offset is None or state.confirmed != state.next_offset:
                continue
            value = marker_value(partition, state.next_offset, state.confirmed)
            await self._send(table, marker_key(partition), value, partition)

    async def _store_restored_flags(self, states: Iterable[PartitionState]) -> int:
        """Store the ``UNSURE`` flag of the dossier states a restore flagged (module doc); how many. The
        caller waits for their delivery."""
        count = 0
        for state in states:
            flagged = [d for d, s in state.dossiers.items() if s.flags & RESTORED_UNSURE]
            for dossier_id in flagged:
                state.dossiers[dossier_id].flags &= ~RESTORED_UNSURE
            if flagged:
                await self._persist(state, flagged, False)
                count += len(flagged)
        if count:
            log.warning(
                "dossier states restored from writes not confirmed delivered; kept in memory until a final "
                "evaluation re-reads the violations topic",
                extra={"dossiers": count},
            )
        return count
