"""How one detector worker runs: its topics, watermark, replay and stop conditions, batching and group
timing.

Plain values, no I/O library imported: the composition root builds them from the
settings on every start; :func:`streams.detector.app.make_app` builds the app from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from streams.detector.history import DossierHistory
from streams.topics import PlatformTopics

__all__ = ["DetectorOptions"]


@dataclass(frozen=True)
class DetectorOptions:
    """One detector worker's configuration (the Kafka connection and the rulebook are passed beside it)."""

    topics: PlatformTopics
    #: Faust's local directory.
    datadir: Path
    allowed_lateness: timedelta = timedelta(hours=1)
    #: Replay: once caught up, evaluate every dossier at this instant and publish the differences.
    as_of: datetime | None = None
    #: Stop once the group has consumed every partition and nothing arrived for ``idle_seconds``.
    until_idle: bool = False
    #: Let wall-clock time advance the watermark too (``now - allowed_lateness``).
    live: bool = False
    idle_seconds: float = 1.5
    poll_seconds: float = 0.25
    batch_max: int = 10_000
    #: Longest wait for a batch to fill once a message is there (bounds the added latency).
    batch_wait: float = 0.05
    #: The Faust app id: the consumer group, and the prefix of the tables' changelog topics.
    app_id: str = "dossier-audit-detector"
    # Consumer group timing (short: the embedded tansu broker completes a join only after the group's
    # rebalance timeout).
    session_timeout: float = 6.0
    heartbeat_interval: float = 1.0
    max_poll_interval: float = 10.0
    rebalance_timeout: float = 10.0
    commit_interval: float = 1.0
    #: Longest time out of the consumer group (from the start or a revocation to the next assignment)
    #: before the worker stops with exit code 2: a stuck group coordinator (None: wait for ever).
    join_timeout: float | None = None
    loglevel: str = "WARNING"
    #: After each batch, exempt what survived it from cyclic garbage collection (see
    #: :func:`streams.detector.versions.freeze_young_objects`); without it, full collections over the
    #: growing state cost more than the rulebook.
    freeze_gc: bool = True
    #: Where evicted dossiers are read back from (issue 17; :mod:`streams.detector.evict`): ended dossiers
    #: are evicted from memory only when this is set (a warehouse server the sink stores into; an embedded
    #: chdb warehouse is owned by the sink's process and cannot be read by the detector).
    history: DossierHistory | None = None
    #: The sink's consumer group: the late path waits until it has stored an evicted dossier's events.
    history_sink_group: str = "dossier-audit-sink"
    #: Longest wait for the sink or the warehouse on the late path before the worker stops (exit 1).
    history_wait: float = 120.0
    #: How much longer a processed dossier whose result is not returned yet stays in memory before it is
    #: evicted (its ``returned`` usually follows within days; after eviction it would be read back).
    return_grace: timedelta = timedelta(days=14)
    #: Wall-clock seconds without any event after which a partition counts as idle and its watermark follows
    #: the lowest watermark of this worker's active partitions (Flink's idleness; see
    #: :func:`streams.watermark.idle_targets`), so time-triggered violations fire on a quiet partition
    #: without ``live``. None: idle partitions wait for their next event.
    idle_partition_timeout: float | None = 60.0
    #: Fault tests only: stop this process (SIGSTOP) when it is about to finalize at ``as_of``, as a worker
    #: frozen or dying at that moment would (``tests/streams/test_detector_takeover.py``).
    freeze_before_finalize: bool = False

    def __post_init__(self) -> None:
        if self.allowed_lateness < timedelta(0):
            raise ValueError(f"allowed lateness must be >= 0, got {self.allowed_lateness}")
        if self.as_of is not None and self.as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        if self.batch_max < 1:
            raise ValueError("batch_max must be >= 1")
        if self.idle_partition_timeout is not None and self.idle_partition_timeout <= 0:
            raise ValueError("idle_partition_timeout must be > 0 (None: no idleness)")
