"""What the batch engine is given and what it counts: options, the callbacks' types, ingest statistics.

Kept apart from the engine and its shards so that both (and the jobs that configure them) import it
without importing each other.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from schemas.events import AnyEvent
from schemas.validation import Rejection

Evaluate = Callable[[str, list[AnyEvent]], list[Any]]
"""Per-dossier evaluation: (dossier id, its deduplicated valid events in time order) → JSON-ready results."""

EvaluateLines = Callable[[str, list[AnyEvent], list[int]], list[Any]]
""":data:`Evaluate` that also gets each event's line number in the file (``line_numbers[i]`` is that of
``events[i]``): the warehouse load stores it with the event."""

RejectionSink = Callable[[Rejection], None]
RawKeeper = Callable[[bytes], bytes]
"""What the engine keeps of a rejected line for its :data:`RejectionSink` (the load: the line scrubbed of
applicants, ``Pseudonymiser.scrub_raw``); without one it keeps nothing (a command that counts and shows)."""
ProgressSink = Callable[[int], None]
EventSink = Callable[[AnyEvent, int], None]
"""Called with each accepted event and its line number (in-process engines only; a dossier settled twice
because of a second pass reports its events twice — sinks must be idempotent)."""


@dataclass(slots=True)
class IngestStats:
    """What reading the file found: valid, duplicate and rejected events (by reason code)."""

    lines: int = 0
    valid: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    dossiers: int = 0
    second_pass_dossiers: int = 0
    #: The most dossiers held in memory at once by one worker (the engine's memory bound).
    peak_residents: int = 0
    #: When the file's earliest valid event occurred (``None``: no valid event): an evaluation time before
    #: it knows no event at all, which the commands say (``cli.notices.warn_before_every_event``).
    earliest: datetime | None = None
    #: When its latest valid event occurred: a period of ``metrics`` ending after it judges every dossier
    #: still open in the file at the period's end (``cli.notices.warn_after_every_event``).
    latest: datetime | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def merge(self, other: IngestStats) -> None:
        self.lines = max(self.lines, other.lines)
        self.valid += other.valid
        self.duplicates += other.duplicates
        self.rejected.update(other.rejected)
        self.dossiers += other.dossiers
        self.second_pass_dossiers += other.second_pass_dossiers
        self.peak_residents = max(self.peak_residents, other.peak_residents)
        self.saw(other.earliest, other.latest)

    def saw(self, occurred_at: datetime | None, last: datetime | None = None) -> None:
        """Keep ``occurred_at`` as :attr:`earliest` if it is earlier, and ``last`` as :attr:`latest` if it is
        later (valid events' times)."""
        if occurred_at is not None and (self.earliest is None or occurred_at < self.earliest):
            self.earliest = occurred_at
        if last is not None and (self.latest is None or last > self.latest):
            self.latest = last

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

    #: How long (event time) a finished dossier (returned, refused, suspended, withdrawn) stays in memory
    #: waiting for late events.
    lateness: timedelta = timedelta(days=2)
    #: The same for a processed dossier whose result has not been returned yet (the return may follow).
    lateness_unreturned: timedelta = timedelta(days=30)
    #: The watermark never passes this instant (e.g. the audit's ``as_of``): a typo far in the future
    #: must not evict every dossier.
    horizon: datetime | None = None
    workers: int = 1
    expected_events: int = 16_000_000
    expected_dossiers: int = 4_000_000
    bloom_error_rate: float = 0.01


def default_workers() -> int:
    """One worker per core, at most 4 (each reads the whole file)."""
    return max(1, min(4, os.cpu_count() or 1))


def stats_dict(stats: IngestStats) -> dict[str, Any]:
    return {"lines": stats.lines, "valid": stats.valid, "duplicates": stats.duplicates,
            "rejected": dict(stats.rejected), "second_pass": stats.second_pass_dossiers,
            "peak_residents": stats.peak_residents,
            "earliest": stats.earliest.isoformat() if stats.earliest is not None else None,
            "latest": stats.latest.isoformat() if stats.latest is not None else None}  # fmt: skip


def stats_from(data: dict[str, Any]) -> IngestStats:
    earliest = datetime.fromisoformat(data["earliest"]) if data["earliest"] is not None else None
    latest = datetime.fromisoformat(data["latest"]) if data.get("latest") is not None else None
    return IngestStats(data["lines"], data["valid"], data["duplicates"], Counter(data["rejected"]), 0,
                       data["second_pass"], data["peak_residents"], earliest, latest)  # fmt: skip
