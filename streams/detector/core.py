"""The stream detector's pure core: all the partitions one worker holds (:class:`DetectorCore`), each a
:class:`~streams.detector.partition_state.PartitionState` (per-dossier state, event-time watermarks, timers,
and the diff of violation sets that decides which "opened" and "retracted" messages to publish: see
:mod:`streams.detector.partition_state`), and a partition's persistence: its watermark encoded, and the
partition rebuilt from its stored dossier states after a rebalance. No I/O.

Why apart from :mod:`streams.detector.partition_state`: the worker drives the core through this one object
(apply, drop, restore), while a partition's logic is read and tested on its own. The names the detector's
modules use with the core (its outcome, a dossier's state, their errors) are importable from here too.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import orjson

from inspections.rulebook import Auditor
from schemas.events import AnyEvent
from streams.detector.dossier import DossierState, StateError, VKey, violation_key
from streams.detector.evict import note_candidates
from streams.detector.outcome import Change, Outcome, diff_published
from streams.detector.partition_state import PartitionState
from streams.watermark import Horizon

__all__ = [
    "Change",
    "DetectorCore",
    "DossierState",
    "Outcome",
    "StateError",
    "VKey",
    "diff_published",
    "violation_key",
]


class DetectorCore:
    """All partitions held by one worker."""

    def __init__(self, auditor: Auditor, allowed_lateness: timedelta, horizon: Horizon | None = None) -> None:
        if allowed_lateness < timedelta(0):
            raise ValueError(f"allowed lateness must be >= 0, got {allowed_lateness}")
        self.auditor = auditor
        self.lateness_us = int(allowed_lateness.total_seconds() * 1_000_000)
        #: The latest instant a partition's event time may reach (``streams.watermark.Watermark``).
        self.horizon = horizon
        self.partitions: dict[int, PartitionState] = {}

    def partition(self, partition: int) -> PartitionState:
        state = self.partitions.get(partition)
        if state is None:
            state = self.partitions[partition] = PartitionState(
                partition, self.auditor, self.lateness_us, self.horizon
            )
        return state

    def apply(
        self, partition: int, events: Iterable[tuple[AnyEvent, bytes]], floor_us: int | None = None
    ) -> Outcome:
        return self.partition(partition).apply(events, floor_us)

    def drop(self, partition: int) -> None:
        """Forget a partition (revoked from this worker)."""
        self.partitions.pop(partition, None)

    def watermarks(self) -> dict[int, int | None]:
        return {p: s.watermark.value for p, s in sorted(self.partitions.items())}

    def open_violations(self) -> dict[tuple[str, str, str], dict[str, Any]]:
        """Everything published as open, keyed by (dossier, rule, event) (for tests and diagnostics)."""
        out: dict[tuple[str, str, str], dict[str, Any]] = {}
        for part in self.partitions.values():
            for dossier_id, state in part.dossiers.items():
                for key, doc in state.published.items():
                    out[(dossier_id, *key)] = orjson.loads(doc)
        return out

    # --- persistence of a partition ----------------------------------------------------------------

    @staticmethod
    def encode_partition(state: PartitionState) -> bytes:
        wm = state.watermark
        return orjson.dumps({"p": state.partition, "max_event_us": wm.max_event_us, "watermark_us": wm.value})

    def restore(
        self,
        partition: int,
        dossiers: Iterable[tuple[str, bytes]],
        meta: bytes | None,
        on_unreadable: Callable[[str, StateError], None] | None = None,
        confirmed: int | None = None,
    ) -> PartitionState:
        """Rebuild a partition from its stored dossier states and watermark (after a rebalance).

        A dossier state that cannot be read raises :class:`StateError`; with ``on_unreadable`` it is told
        there and left out instead, since raising would stop the worker at every start. ``confirmed``: see
        :meth:`DossierState.decode`."""
        state = PartitionState(partition, self.auditor, self.lateness_us, self.horizon)
        state.confirmed = confirmed
        for dossier_id, value in dossiers:
            try:
                p, dossier = DossierState.decode(dossier_id, value, confirmed)
            except StateError as exc:
                if on_unreadable is None:
                    raise
                on_unreadable(dossier_id, exc)
                continue
            if p != partition:
                raise StateError(f"dossier {dossier_id!r} is stored for partition {p}, not {partition}")
            state.dossiers[dossier_id] = dossier
            if dossier._occ:
                state.watermark.observe(dossier._occ[-1])  # the newest: events are kept in time order
            if dossier.due_us is not None:
                state.timers.append((dossier.due_us, dossier_id))
        heapq.heapify(state.timers)
        note_candidates(state.candidates, state.dossiers, state.dossiers)
        if meta is not None:
            try:
                doc = orjson.loads(meta)
                stored_max, stored_value = doc.get("max_event_us"), doc.get("watermark_us")
            except (orjson.JSONDecodeError, AttributeError) as exc:
                raise StateError(f"partition {partition}: unreadable stored watermark: {exc}") from exc
            if stored_max is not None:
                state.watermark.observe(int(stored_max))
            if stored_value is not None:
                state.watermark.advance_to(int(stored_value))
        state.watermark.advance()
        self.partitions[partition] = state
        return state
