"""The sink's warehouse retry policy: capped exponential backoff, for as long as it takes.

A batch whose write failed with a :class:`~warehouse.base.WarehouseError` (the warehouse is unreachable or
refused the write) is written again after ``initial`` seconds, then twice as long each time up to
``maximum``, until it is stored or the worker gives it up (stopping, or a rebalance took its partitions:
the batch is then redelivered). Nothing is dropped, and nothing read after it is committed before it.
Any other error is a bug, not an outage: it is not retried. A data error (a value the warehouse refuses,
:func:`streams.sink.isolate.is_data_error`) does not get here: the writer rejects the refused records
and stores the rest (:mod:`streams.sink.poison`), since retrying would fail alike for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from warehouse.base import WarehouseError

__all__ = ["RetryPolicy", "retry_write"]


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


def retry_write(
    write: Callable[[], object],
    error: WarehouseError,
    policy: RetryPolicy,
    *,
    wait: Callable[[float], bool],
    on_retry: Callable[[WarehouseError, float], None],
) -> bool:
    """Retry ``write`` (which failed with ``error``) until it succeeds; True once it did.

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
