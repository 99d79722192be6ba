"""How a sink worker runs: its topics, consumer group, batching, retries and the optional fold.

Plain values, no I/O library imported: the composition root builds them from the
settings on every start, and the worker (:mod:`streams.sink.worker`) is then built from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.sink.retry import RetryPolicy
from streams.topics import PlatformTopics

__all__ = ["DEFAULT_GROUP", "SinkOptions"]

DEFAULT_GROUP = "dossier-audit-sink"


@dataclass(frozen=True)
class SinkOptions:
    """One sink worker's configuration (the Kafka connection and the warehouse are passed beside it)."""

    topics: PlatformTopics
    #: Messages per warehouse write (and most records per poll).
    batch_size: int
    #: Longest wait to fill a batch once its first message is in.
    batch_seconds: float
    group_id: str = DEFAULT_GROUP
    #: ``until_idle``: caught up means every assigned partition consumed and nothing new for this long.
    idle_seconds: float = 1.5
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: kafka-python consumer settings that override :data:`streams.sink.worker.CONSUMER_TUNING`.
    consumer_options: Mapping[str, Any] = field(default_factory=dict)
    #: Refresh the dossier projection of the dossiers each batch touched (needs the worker's auditor).
    fold: bool = False
    #: The instant the fold evaluates at (None: the time of each write).
    fold_as_of: datetime | None = None

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.batch_seconds <= 0:
            raise ValueError(f"batch_seconds must be > 0, got {self.batch_seconds}")
