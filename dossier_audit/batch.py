"""Streaming batch engine: group a JSONL file's events by dossier, evaluate each dossier once, exactly.

Memory is bounded by the number of *open* dossiers, not by the file size:

- a dossier that has ended and has seen no event for ``lateness`` of event time (the file's highest
  ``occurred_at`` so far) is evaluated and evicted; its result is spooled to a temporary file;
- fixed-size Bloom filters remember evicted dossiers and seen event ids. An event for an evicted dossier
  (a *straggler*) or an event id that may have been seen in another dossier (a *suspect*: a possible
  cross-dossier duplicate or conflict) is resolved exactly by a second read of the file, restricted to the
  dossiers concerned. Bloom false positives only cost that extra work, never a wrong answer.

The results are therefore identical to grouping the whole file in memory, whatever the file's order.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson
from rbloom import Bloom

from inspections.timeline import DossierEvents
from schemas.dedup import conflict_rejection, fingerprint
from schemas.events import END_TYPES, AnyEvent
from schemas.validation import Rejection, parse_event

Evaluate = Callable[[str, list[AnyEvent]], list[Any]]
"""Per-dossier evaluation: (dossier id, its deduplicated events) → JSON-ready results."""


@dataclass(slots=True)
class IngestStats:
    """What reading the file found: valid, duplicate and rejected events (by reason code)."""

    lines: int = 0
    valid: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    dossiers: int = 0
    second_pass_dossiers: int = 0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "valid": self.valid,
            "duplicates": self.duplicates,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "dossiers": self.dossiers,
        }


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """Tuning of the engine; none of these change results, only memory and speed."""

    lateness: timedelta = timedelta(days=30)
    expected_events: int = 16_000_000
    expected_dossiers: int = 4_000_000
    bloom_error_rate: float = 0.01


class _Resident:
    __slots__ = ("ended", "events", "last_at")

    def __init__(self, dossier_id: str) -> None:
        self.events = DossierEvents(dossier_id)
        self.last_at: datetime | None = None
        self.ended = False


RejectionSink = Callable[[Rejection], None]
ProgressSink = Callable[[int], None]


class BatchEngine:
    """Run ``evaluate`` once per dossier of a JSONL file, streaming; see the module docstring."""

    def __init__(
        self,
        evaluate: Evaluate | None,
        *,
        options: BatchOptions | None = None,
        on_rejection: RejectionSink | None = None,
        on_progress: ProgressSink | None = None,
        transform: Callable[[AnyEvent], AnyEvent] | None = None,
    ) -> None:
        self.evaluate = evaluate
        self.options = options or BatchOptions()
        self.on_rejection = on_rejection
        self.on_progress = on_progress
        self.transform = transform
        self.stats = IngestStats()

    # -- pass 1 -----------------------------------------------------------------------------------
    def run(self, path: Path) -> Iterator[Any]:
        """Yield every dossier's results (flattened), each dossier exactly once; ``stats`` is final after."""
        opts = self.options
        residents: dict[str, _Resident] = {}
        heap: list[tuple[datetime, str]] = []
        evicted = Bloom(opts.expected_dossiers, opts.bloom_error_rate)
        seen_ids = Bloom(opts.expected_events, opts.bloom_error_rate)
        stragglers: set[str] = set()
        suspects: dict[str, int] = {}  # event id -> line number where it became suspect
        recheck: set[str] = set()
        watermark: datetime | None = None
        stats = self.stats
        lateness = opts.lateness

        with tempfile.TemporaryFile(dir=os.environ.get("TMPDIR")) as spool:
            with open(path, "rb") as fh:
                for line_no, raw in enumerate(fh, 1):
                    stats.lines = line_no
                    if self.on_progress is not None and line_no % 65536 == 0:
                        self.on_progress(fh.tell())
                    if not raw.strip():
                        continue
                    parsed = parse_event(raw, line_no=line_no)
                    if isinstance(parsed, Rejection):
                        self._reject(parsed)
                        continue
                    event = self.transform(parsed) if self.transform is not None else parsed
                    dossier_id = event.dossier_id
                    resident = residents.get(dossier_id)
                    if resident is None:
                        resident = residents[dossier_id] = _Resident(dossier_id)
                        if dossier_id in evicted:
                            stragglers.add(dossier_id)
                    event_id = event.event_id
                    if event_id in suspects:
                        recheck.add(dossier_id)
                        resident.events.add(event)
                        seen_ids.add(event_id)
                        continue
                    outcome = resident.events.add(event)
                    if outcome == "new" and event_id in seen_ids:
                        # Seen before but not in this dossier: maybe another dossier's id (or a false positive).
                        suspects[event_id] = line_no
                        recheck.add(dossier_id)
                        seen_ids.add(event_id)
                        continue
                    seen_ids.add(event_id)
                    if outcome == "new":
                        stats.valid += 1
                    elif outcome == "duplicate":
                        stats.duplicates += 1
                    else:
                        self._reject(conflict_rejection(event, raw=raw, line_no=line_no))

                    at = event.occurred_at
                    if resident.last_at is None or at > resident.last_at:
                        resident.last_at = at
                    if event.type in END_TYPES:
                        resident.ended = True
                    if watermark is None or at > watermark:
                        watermark = at
                    if resident.ended and resident.last_at is not None:
                        heapq.heappush(heap, (resident.last_at + lateness, dossier_id))
                    while heap and heap[0][0] < watermark:
                        deadline, candidate = heapq.heappop(heap)
                        cand = residents.get(candidate)
                        if cand is None or cand.last_at is None or cand.last_at + lateness != deadline:
                            continue  # stale entry: the dossier moved on or was already evicted
                        del residents[candidate]
                        evicted.add(candidate)
                        self._finalise(candidate, cand.events.sorted_events(), spool)

            for dossier_id, resident in residents.items():
                self._finalise(dossier_id, resident.events.sorted_events(), spool)
            residents.clear()

            redo = stragglers | recheck
            recomputed: dict[str, list[Any]] = {}
            if redo or suspects:
                recomputed = self._second_pass(path, redo, suspects)
            stats.second_pass_dossiers = len(redo)

            spool.seek(0)
            for record in spool:
                dossier_id, results = orjson.loads(record)
                if dossier_id in redo:
                    continue
                stats.dossiers += 1
                yield from results
            for results in recomputed.values():
                stats.dossiers += 1
                yield from results

    def _reject(self, rejection: Rejection) -> None:
        self.stats.rejected[rejection.code] += 1
        if self.on_rejection is not None:
            self.on_rejection(rejection)

    def _finalise(self, dossier_id: str, events: list[AnyEvent], spool: IO[bytes]) -> None:
        results = self.evaluate(dossier_id, events) if self.evaluate is not None else []
        spool.write(orjson.dumps([dossier_id, results]))
        spool.write(b"\n")

    # -- pass 2 -----------------------------------------------------------------------------------
    def _second_pass(self, path: Path, redo: set[str], suspects: dict[str, int]) -> dict[str, list[Any]]:
        """Re-read the file for the dossiers that need it and settle suspect event ids exactly."""
        stats = self.stats
        # First occurrence of each suspect id wins (file order), as with an exact global index.
        winners: dict[str, bytes] = {}
        collected: dict[str, DossierEvents] = {d: DossierEvents(d) for d in redo}
        with open(path, "rb") as fh:
            for line_no, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                parsed = parse_event(raw, line_no=line_no)
                if isinstance(parsed, Rejection):
                    continue
                event = self.transform(parsed) if self.transform is not None else parsed
                event_id = event.event_id
                flagged_at = suspects.get(event_id)
                if flagged_at is not None:
                    print_ = fingerprint(event)
                    winner = winners.get(event_id)
                    if winner is None:
                        winners[event_id] = print_
                        if line_no >= flagged_at:
                            stats.valid += 1
                    elif line_no >= flagged_at:
                        if winner == print_:
                            stats.duplicates += 1
                        else:
                            self._reject(conflict_rejection(event, raw=raw, line_no=line_no))
                    if winner is not None and winner != print_:
                        continue  # a conflicting copy never enters any dossier
                target = collected.get(event.dossier_id)
                if target is not None:
                    target.add(event)
        out: dict[str, list[Any]] = {}
        for dossier_id, events in collected.items():
            if len(events) == 0:
                continue
            out[dossier_id] = self.evaluate(dossier_id, events.sorted_events()) if self.evaluate else []
        return out

