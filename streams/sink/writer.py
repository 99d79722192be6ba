"""The sink's writer thread: stores one batch in the warehouse while the consumer thread polls and converts
the next one.

It only writes. Which batch is written when, whether a failed write is retried, and which offsets are
committed afterwards are the worker's decisions (:mod:`streams.sink.worker`): it hands over a batch only
once the previous one is settled, so at most one write is in flight.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from inspections.rulebook import Auditor
from streams.observability import WorkerMetrics
from streams.sink.batch import SinkBatch, SinkStats
from warehouse.base import Warehouse
from warehouse.projection import fold_dossiers
from warehouse.store import EVENT_COLUMNS, REJECTION_COLUMNS, VIOLATION_COLUMNS

__all__ = ["BatchWriter"]


def _columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    return [list(column) for column in zip(*rows, strict=True)]


class BatchWriter:
    """Writes batches to ``warehouse``, in a thread of its own (:meth:`submit`) or in the caller's
    (:meth:`write`, for retries). With an ``auditor`` it also folds the dossiers each batch touched into
    the projection, at ``fold_as_of`` (None: the time of the write); ``stats.folded`` counts them."""

    def __init__(
        self,
        warehouse: Warehouse,
        metrics: WorkerMetrics,
        stats: SinkStats,
        *,
        auditor: Auditor | None = None,
        fold_as_of: datetime | None = None,
        thread_name: str = "sink-writer",
    ) -> None:
        self.warehouse = warehouse
        self.metrics = metrics
        self.stats = stats
        self.auditor = auditor
        self.fold_as_of = fold_as_of
        self.thread_name = thread_name
        self._executor: ThreadPoolExecutor | None = None

    def start(self) -> None:
        """Start the thread (one: writes happen one at a time, in the order submitted)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.thread_name)

    def submit(self, batch: SinkBatch) -> Future[None]:
        """Write ``batch`` in the writer thread; the future holds the outcome."""
        assert self._executor is not None, "submit before start()"
        return self._executor.submit(self.write, batch)

    def write(self, batch: SinkBatch) -> None:
        """Insert the batch's rows (and fold its dossiers); raises what the warehouse raised."""
        started = time.perf_counter()
        wh = self.warehouse
        if batch.events:
            wh.insert("events", EVENT_COLUMNS, _columns(batch.events))
        if batch.rejected:
            wh.insert("rejected_events", REJECTION_COLUMNS, _columns(batch.rejected))
        if batch.violations:
            wh.insert("violations", VIOLATION_COLUMNS, _columns(batch.violations))
        if self.auditor is not None and batch.touched:
            as_of = self.fold_as_of or datetime.now(UTC)
            folded, _, _ = fold_dossiers(self.auditor, wh, sorted(batch.touched), as_of, violations=False)
            self.stats.folded += folded
        self.metrics.sink_write_seconds.observe(time.perf_counter() - started)

    def shutdown(self) -> None:
        """Wait for the write in flight, if any, and stop the thread."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
