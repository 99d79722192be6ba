"""What a detector worker did, as ``worker detect`` reports it (stdout JSON) and the tests read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DetectorStats"]


@dataclass
class DetectorStats:
    """What a worker did (reported by ``worker detect``)."""

    events: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    #: Of the dead letters: messages whose processing raised (``detector.unprocessable``).
    poison: int = 0
    #: Stored dossier states that could not be read back at a rebalance or start (left out).
    unreadable_states: int = 0
    evaluations: int = 0
    opened: int = 0
    retracted: int = 0
    batches: int = 0
    restored_partitions: int = 0
    #: Dossiers and their events rebuilt from the changelog at rebalances and starts (a restart that
    #: consumes nothing new must restore every event the previous run applied).
    restored_dossiers: int = 0
    restored_events: int = 0
    finalized_at: str | None = None
    seconds: float = 0.0
    #: From the start of the first batch to the end of the last one (the processing rate's time base).
    first_batch: float | None = None
    last_batch: float | None = None
    #: Time spent inside batches (decode, evaluate, emit), excluding waits for input.
    busy_seconds: float = 0.0
    watermarks: dict[int, str | None] = field(default_factory=dict)
    #: Eviction (issue 17): ended dossiers evicted from memory; dossiers read back from the warehouse for
    #: an event that came after their eviction, and those events (new ones, duplicates excluded); evicted
    #: dossiers whose stored events did not match their eviction (the worker stopped, logged).
    evicted: int = 0
    reloaded: int = 0
    late_events_evicted: int = 0
    history_mismatches: int = 0
    #: Dossier states restored from writes not confirmed delivered (flagged ``UNSURE``), and dossiers held
    #: at the end that a flag keeps from eviction (``PINNED`` or ``UNSURE``: streams.detector.dossier).
    unsure_restored: int = 0
    kept_by_flags: int = 0
    #: Dossiers held in memory, and evicted ones remembered (index entries), when last counted.
    dossiers_held: int = 0
    evicted_index: int = 0

    def to_json_dict(self) -> dict[str, Any]:
        span = (self.last_batch - self.first_batch) if self.first_batch and self.last_batch else 0.0
        rate = self.events / span if span > 0 else 0.0
        return {
            "events": self.events,
            "duplicates": self.duplicates,
            "dead_letters": self.dead_letters,
            "poison_records": self.poison,
            "unreadable_states": self.unreadable_states,
            "evaluations": self.evaluations,
            "opened": self.opened,
            "retracted": self.retracted,
            "batches": self.batches,
            "restored_partitions": self.restored_partitions,
            "restored_dossiers": self.restored_dossiers,
            "restored_events": self.restored_events,
            "finalized_at": self.finalized_at,
            "seconds": round(self.seconds, 3),
            "processing_seconds": round(span, 3),
            "busy_seconds": round(self.busy_seconds, 3),
            "events_per_second": round(rate, 1),
            "watermarks": {str(p): w for p, w in sorted(self.watermarks.items())},
            "evicted": self.evicted,
            "reloaded": self.reloaded,
            "late_events_evicted": self.late_events_evicted,
            "history_mismatches": self.history_mismatches,
            "unsure_restored": self.unsure_restored,
            "kept_by_flags": self.kept_by_flags,
            "dossiers_held": self.dossiers_held,
            "evicted_index": self.evicted_index,
        }
