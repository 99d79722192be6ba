"""The sink's warehouse retry policy: capped exponential backoff, for as long as it takes.

A batch whose write failed with a :class:`~warehouse.base.WarehouseError` (the warehouse is unreachable or
refused the write) is written again after ``initial`` seconds, then twice as long each time up to
``maximum``, until it is stored or the worker gives it up (stopping, or a rebalance took its partitions:
the batch is then redelivered). Nothing is dropped, and nothing read after it is committed before it.
Any other error is a bug, not an outage: it is not retried. A data error (a value the warehouse refuses,
:func:`streams.sink.isolate.is_data_error`) does not get here: the writer rejects the refused records
and stores the rest (:mod:`streams.sink.poison`), since retrying would fail alike for ever — unless the
warehouse refuses a known-good row too: then it arrives here as ``WarehouseRefuses`` and is retried.

The worker never sleeps through a retry: a consumer that does not poll for ``max_poll_interval`` is
dropped from its group, and an outage would churn the whole group (issue 19). So the policy is a clock
the worker's loop reads between polls (:class:`RetryClock`), and the sink writes through a server URL
without the backend's own connection retries (:func:`sink_warehouse_url`): one write attempt is one
connection attempt, quick to fail, logged on one line, and the backoff between attempts is the sink's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from streams.sink.batch import SinkBatch
from warehouse.base import WarehouseError, parse_url

__all__ = ["OUTAGE_HINT", "InFlight", "RetryClock", "RetryPolicy", "retry_write", "sink_warehouse_url"]


@dataclass(frozen=True)
class RetryPolicy:
    """Delays between attempts: ``initial``, doubled each time, at most ``maximum`` (seconds)."""

    initial: float = 0.2
    maximum: float = 10.0

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.maximum:
            raise ValueError(f"need 0 < initial <= maximum, got {self.initial} and {self.maximum}")

    def after(self, delay: float) -> float:
        """The delay that follows ``delay``."""
        return min(delay * 2, self.maximum)


#: What a retried write's warning suggests (review of 2026-12-06: the line said what failed, not what to do).
OUTAGE_HINT = (
    "the batch is kept and retried, nothing is committed meanwhile: check that the ClickHouse server is up "
    "and reachable at the configured URL (DOSSIER_AUDIT_WAREHOUSE) and has disk space"
)


@dataclass
class RetryClock:
    """When a failed write may be tried again: the non-blocking form of :func:`retry_write`.

    :meth:`failed` after each failed attempt schedules the next one (``initial`` seconds later, then
    twice as long each time up to ``maximum``) and returns the delay; :meth:`left` says how long until
    it is due (None while an attempt runs), so the caller polls meanwhile instead of sleeping;
    :meth:`started` marks the scheduled attempt begun."""

    policy: RetryPolicy
    #: The last delay scheduled (0 before the first failure).
    delay: float = 0.0
    #: How many attempts failed so far.
    failures: int = 0
    _due: float | None = None

    def failed(self) -> float:
        self.failures += 1
        self.delay = self.policy.after(self.delay) if self.delay else self.policy.initial
        self._due = time.monotonic() + self.delay
        return self.delay

    def left(self) -> float | None:
        """Seconds until the scheduled attempt is due (0: due now); None when none is scheduled."""
        return None if self._due is None else max(0.0, self._due - time.monotonic())

    def started(self) -> None:
        self._due = None


def retry_write(
    write: Callable[[], object],
    error: WarehouseError,
    policy: RetryPolicy,
    *,
    wait: Callable[[float], bool],
    on_retry: Callable[[WarehouseError, float], None],
) -> bool:
    """Retry ``write`` (which failed with ``error``) until it succeeds; True once it did. The blocking form,
    for callers with nothing else to do meanwhile (the worker uses :class:`RetryClock`).

    Before each attempt ``on_retry(last_error, delay)`` is told, then ``wait(delay)`` waits: it returns
    False to give the write up (this returns False at once). A write that fails otherwise than with a
    ``WarehouseError`` raises.
    """
    delay = policy.initial
    while True:
        on_retry(error, delay)
        if not wait(delay):
            return False
        delay = policy.after(delay)
        try:
            write()
            return True
        except WarehouseError as exc:
            error = exc


def sink_warehouse_url(url: str) -> str:
    """The URL the sink writes through: a server URL with ``retries=0`` (the last value of an option
    wins, so this overrides any ``retries=`` of ``url``); a chdb URL unchanged (it has no connection).

    The server backend otherwise retries a refused connection five times with backoff inside one call
    (~15 s), during which the write cannot be given up and each attempt is logged: the sink's own retry
    does the waiting instead. A bad URL raises ``WarehouseError`` as opening it would.
    """
    if parse_url(url).scheme == "chdb":
        return url
    parts = urlsplit(url)
    query = f"{parts.query}&retries=0" if parts.query else "retries=0"
    return urlunsplit(parts._replace(query=query))


@dataclass
class InFlight:
    """A batch the worker is storing: its current attempt (``write``, in the writer thread), when the next
    one is due after a failed one (``retry``), and ``revoked`` once a rebalance took its partitions."""

    batch: SinkBatch
    write: Future[None]
    revoked: bool = False
    retry: RetryClock | None = None
