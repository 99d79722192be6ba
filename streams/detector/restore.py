"""Rebuilding a worker's partitions from what Faust's table recovery left in the tables' memory stores.

At each rebalance Faust reads the assigned changelog partitions into the ``dossiers`` and ``partitions``
tables' stores, to the changelogs' true ends (:mod:`streams.detector.transport`): a partition new to this
worker from its beginning, a partition it kept only from where its last recovery stopped (the tail: what
was written since, by this worker or by one that owned the partition meanwhile). The detector's memory is
the working copy, so the stores are emptied once read.

Per partition the worker (:meth:`streams.detector.worker.Detector.on_recovered`) asks for one of:
  - *rebuild* (not in memory): the stored states are the partition;
  - *refresh* (in memory, but another worker may have owned it since): the stored states replace the
    remembered ones dossier by dossier (the newest changelog record of a dossier is the newest state of
    it, whoever wrote it), the others are kept, and the watermark is the later of the two.

The table also holds one progress marker per partition (:mod:`streams.detector.resume`): it becomes the
state's ``next_offset``, where reading the events topic resumes at the latest; and the eviction records
(:mod:`streams.detector.evict`): they rebuild the partition's index of evicted dossiers (an evicted
dossier's state was tombstoned, so recovery deleted it from the store and it is not restored) and its
eviction horizon (a record of the first format, without one, counts as the partition's watermark: an upper
bound) and the inputs its evicted dossiers were judged by. At a refresh, a dossier the memory holds but the
tail evicted (another owner evicted it meanwhile) is dropped from memory: its next event takes the late
path, which reads what that owner left.

With ``confirm`` (eviction on), the marker's confirmed offset also decides which restored states are
``UNSURE`` (written past it: their delivery was never confirmed; :mod:`streams.detector.dossier`); no
marker, or one without that offset, confirms nothing.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from streams.detector.core import DetectorCore, StateError
from streams.detector.evict import Evicted, id_hash, note_candidates, read_eviction
from streams.detector.partition_state import PartitionState
from streams.detector.resume import read_progress

__all__ = ["restore_partitions"]


def restore_partitions(
    core: DetectorCore,
    dossier_store: Any,
    partition_store: Any,
    rebuild: Iterable[int],
    on_unreadable: Callable[[str, StateError], None],
    refresh: Iterable[int] = (),
    confirm: bool = False,
) -> list[tuple[PartitionState, bool]]:
    """Rebuild or refresh partitions of ``core`` from the stores (Faust memory stores: ``.data`` dicts of
    raw bytes), then empty both stores. Per partition: its state, and whether anything was stored for it."""
    rebuilt, refreshed = set(rebuild), set(refresh)
    stored: dict[int, list[tuple[str, bytes]]] = defaultdict(list)
    markers: dict[int, tuple[int, int | None]] = {}
    evictions: dict[int, list[Evicted]] = defaultdict(list)
    horizons: dict[int, list[int | None]] = defaultdict(list)  # per partition: each record's newest event
    inputs: dict[int, set[str]] = defaultdict(set)  # per partition: what its records' dossiers were judged by
    for key, value in list(dossier_store.data.items()):
        if not value:
            continue
        try:
            marker = read_progress(bytes(key), bytes(value))
            eviction = read_eviction(bytes(key), bytes(value))
        except StateError as exc:
            on_unreadable(bytes(key).decode(errors="replace"), exc)
            continue
        if marker is not None:
            markers[marker[0]] = (marker[1], marker[2])
            continue
        if eviction is not None:
            evictions[eviction.partition].extend(eviction.entries)
            horizons[eviction.partition].append(eviction.newest_us)
            if eviction.inputs is not None:
                inputs[eviction.partition].add(eviction.inputs)
            continue
        head, _, body = bytes(value).partition(b"\n")
        p = int(head)
        if p in rebuilt or p in refreshed:
            stored[p].append((bytes(key).decode(), body))
    out = []
    for partition in sorted(rebuilt | refreshed):
        meta = partition_store.data.get(b"%d" % partition)
        dossiers = stored.get(partition, [])
        old = core.partitions.get(partition) if partition in refreshed else None
        progress = markers.get(partition)
        confirmed = (progress[1] if progress and progress[1] is not None else -1) if confirm else None
        state = core.restore(partition, dossiers, bytes(meta) if meta else None, on_unreadable, confirmed)
        state.next_offset = progress[0] if progress else None
        evicted = evictions.get(partition, [])
        state.evicted.update(evicted)
        state.evicted_inputs |= inputs.get(partition, set())
        for newest in horizons.get(partition, []):
            bound = newest if newest is not None else state.watermark.value  # first format: an upper bound
            if bound is not None and (state.evicted_newest_us is None or bound > state.evicted_newest_us):
                state.evicted_newest_us = bound
        if old is not None:
            _keep_the_rest(state, old, {e.dossier_hash for e in evicted})
            if state.next_offset is None:  # nothing in the tail: the memory's own progress stands
                state.next_offset = old.next_offset
            if progress is None:
                state.confirmed = old.confirmed
        out.append((state, bool(dossiers or meta or partition in markers or evicted)))
    for store in (dossier_store, partition_store):
        store.data.clear()
        getattr(store, "_key_partition", {}).clear()
    return out


def _keep_the_rest(state: PartitionState, old: PartitionState, evicted_in_tail: set[int]) -> None:
    """Add to ``state`` (rebuilt from the stored tail) what ``old`` (the memory) holds beyond it, except the
    dossiers the tail evicted (module doc)."""
    for dossier_id, dossier in old.dossiers.items():
        if dossier_id not in state.dossiers:
            if evicted_in_tail and id_hash(dossier_id) in evicted_in_tail:
                continue
            state.dossiers[dossier_id] = dossier
            if dossier.due_us is not None:
                heapq.heappush(state.timers, (dossier.due_us, dossier_id))
            note_candidates(state.candidates, state.dossiers, (dossier_id,))
    state.evicted.update(old.evicted.entries())
    state.evicted_inputs |= old.evicted_inputs
    if old.evicted_newest_us is not None and (
        state.evicted_newest_us is None or old.evicted_newest_us > state.evicted_newest_us
    ):
        state.evicted_newest_us = old.evicted_newest_us
    wm = old.watermark
    if wm.max_event_us is not None:
        state.watermark.observe(wm.max_event_us)
    if wm.value is not None:
        state.watermark.advance_to(wm.value)
    state.watermark.advance()
