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

__all__ = ["DEFAULT_GROUP", "DEFAULT_JOIN_TIMEOUT", "SinkOptions"]

DEFAULT_GROUP = "dossier-audit-sink"
#: Seconds a sink may be out of its group before it gives up (:mod:`streams.sink.group`): six rebalance
#: timeouts (the workers' ``max_poll_interval``, 10 s), plus room for a dead member's session to expire.
DEFAULT_JOIN_TIMEOUT = 60.0


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
    #: kafka-python consumer settings that override :data:`streams.sink.polling.CONSUMER_TUNING`.
    consumer_options: Mapping[str, Any] = field(default_factory=dict)
    #: Refresh the dossier projection of the dossiers each batch touched (needs the worker's auditor).
    fold: bool = False
    #: The instant the fold evaluates at (None: the time of each write).
    fold_as_of: datetime | None = None
    #: With the fold: how often to fold again the open dossiers of its partitions whose standing time alone
    #: changed (:mod:`streams.sink.refresh`); 0: never.
    refresh_seconds: float = 0.0
    #: Longest time out of the group (from the subscription or a revocation to the next assignment)
    #: before the sink stops with ``GroupJoinTimeout``; None: no deadline.
    join_timeout: float | None = DEFAULT_JOIN_TIMEOUT
    #: Before joining, copy this group's committed offsets to ``group_id`` if it has none yet (the
    #: recovery from a stuck group: :mod:`streams.sink.group`).
    from_group: str | None = None

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.batch_seconds <= 0:
            raise ValueError(f"batch_seconds must be > 0, got {self.batch_seconds}")
        if self.refresh_seconds < 0:
            raise ValueError(f"refresh_seconds must be >= 0, got {self.refresh_seconds}")
        if self.join_timeout is not None and self.join_timeout <= 0:
            raise ValueError(f"join_timeout must be > 0, got {self.join_timeout}")
        if self.from_group is not None and self.from_group == self.group_id:
            raise ValueError(f"from_group must name another group than {self.group_id!r}")
