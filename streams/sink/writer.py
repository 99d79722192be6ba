"""The sink's writer thread: stores one batch in the warehouse while the consumer thread polls and converts
the next one.

It only writes. Which batch is written when, whether a failed write is retried, and which offsets are
committed afterwards are the worker's decisions (:mod:`streams.sink.worker`): it hands over a batch only
once the previous one is settled, so at most one write is in flight.

A write that fails with a data error (:func:`streams.sink.isolate.is_data_error`) is not retried as a
whole: the refused table's rows are stored part by part (:mod:`streams.sink.poison`) and each record the
warehouse refuses becomes a ``sink.unstorable`` rejection, so the batch is stored but for its poison and
its offsets can be committed. A dossier whose projection alone is refused keeps its stored events.

The fold follows the same rule as the rows (:mod:`streams.sink.isolate`): a dossier is left unfolded only
when the warehouse refused its projection rows alone *and* accepted a known-good row of the refusing table
(``dossiers`` or ``dossier_outcomes``) after that. A warehouse refusing every projection row raises
:class:`~streams.sink.isolate.WarehouseRefuses`: the batch is retried like an outage and no dossier is
dropped from ``touched``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from inspections.rulebook import Auditor
from streams.messages import describe_error
from streams.observability import WorkerMetrics
from streams.sink.batch import SinkBatch, SinkStats
from streams.sink.conflicts import reject_conflicts
from streams.sink.isolate import Probe, is_data_error, isolate
from streams.sink.poison import Scrub, columns_of, store_rows
from warehouse.base import Warehouse, WarehouseError
from warehouse.event_rows import EVENT_COLUMNS
from warehouse.projection import fold_dossiers
from warehouse.stream_refresh import stream_dossiers_due

__all__ = ["REFRESH_MOST", "BatchWriter", "PreparesInserts"]

#: Dossiers a refresh folds in one write at most (about a second's fold); more are asked for at once after.
REFRESH_MOST = 2_000

log = logging.getLogger(__name__)


def _keep(raw: bytes) -> bytes:
    return raw


@runtime_checkable
class PreparesInserts(Protocol):
    """A warehouse that can build an insert ahead of it (``ChdbWarehouse``): ``prepare_insert`` returns the
    same column data, ready for a later ``insert`` of it into ``table``, in any thread while another one
    uses the warehouse; ``data`` itself when it prepared nothing."""

    def prepare_insert(
        self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]
    ) -> Sequence[Sequence[Any]]: ...


class BatchWriter:
    """Writes batches to ``warehouse``, in a thread of its own (:meth:`submit`) or in the caller's
    (:meth:`write`, for retries). With an ``auditor`` it also folds the dossiers each batch touched into
    the projection, at ``fold_as_of`` (None: the time of the write); ``stats.folded`` counts them. A batch
    with a ``refresh`` folds too the dossiers time changed (:mod:`streams.sink.refresh`).
    ``scrub`` removes applicant data from the raw bytes of records the warehouse refuses (they are
    rejected with them)."""

    def __init__(
        self,
        warehouse: Warehouse,
        metrics: WorkerMetrics,
        stats: SinkStats,
        *,
        auditor: Auditor | None = None,
        fold_as_of: datetime | None = None,
        thread_name: str = "sink-writer",
        scrub: Scrub = _keep,
    ) -> None:
        self.warehouse = warehouse
        self.metrics = metrics
        self.stats = stats
        self.auditor = auditor
        self.fold_as_of = fold_as_of
        self.thread_name = thread_name
        self.scrub = scrub
        self._executor: ThreadPoolExecutor | None = None

    def start(self) -> None:
        """Start the thread (one: writes happen one at a time, in the order submitted)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.thread_name)

    def prepare(self, batch: SinkBatch) -> None:
        """Have a warehouse that can (:class:`PreparesInserts`) build the batch's events insert ahead, in
        the calling thread (the consumer's), which may run while the writer thread stores the batch
        before (the warehouse prepares without its session). Then the writer thread is left the engine's
        work alone instead of contending with the consumer thread for the GIL while it builds the insert:
        measured on the sink benchmark (chdb), that contention doubled the write of a batch and made the
        writer the bottleneck.

        Done once per batch while its ``events`` are unchanged (:meth:`SinkBatch.prepared_event_columns`);
        again after a change, or after the events were stored (a retry of the batch). Only what the
        warehouse did prepare is kept: when it returns the column data as it was given (nothing prepared,
        e.g. the table's types not known yet), the batch stays unprepared, so that a retry may prepare it
        once they are."""
        wh = self.warehouse
        if batch.events and batch.prepared_event_columns() is None and isinstance(wh, PreparesInserts):
            data = columns_of(batch.events)
            prepared = wh.prepare_insert("events", EVENT_COLUMNS, data)
            batch.set_event_columns(None if prepared is data else prepared)

    def submit(self, batch: SinkBatch) -> Future[None]:
        """Write ``batch`` in the writer thread (started if it is not), prepared first (:meth:`prepare`) if
        it is not yet; the future holds the outcome."""
        self.start()
        assert self._executor is not None
        self.prepare(batch)
        return self._executor.submit(self.write, batch)

    def write(self, batch: SinkBatch) -> None:
        """Insert the batch's rows (and fold its dossiers), rejecting the records the warehouse refuses
        with a data error (:mod:`streams.sink.poison`); raises any other error the warehouse raised."""
        started = time.perf_counter()
        # The first version of an id stays (conflicts.py).
        reject_conflicts(self.warehouse, batch)
        store_rows(self.warehouse, batch, self.scrub)
        if self.auditor is not None:
            as_of = self.fold_as_of or datetime.now(UTC)
            if batch.refresh:
                self._add_due(batch, as_of)
            if batch.touched:
                self._fold(batch, as_of)
        self.metrics.sink_write_seconds.observe(time.perf_counter() - started)

    def _add_due(self, batch: SinkBatch, as_of: datetime) -> None:
        """Add to the batch's dossiers those of its refresh's partitions whose standing time alone changed
        since their fold (:mod:`streams.sink.refresh`), counted once (a retried batch holds them); at most
        :data:`REFRESH_MOST`, ``batch.refresh_more`` set when there may be more: the first refresh after a
        long stop found every open dossier that turned late meanwhile and folded them in one write, the
        partitions paused all along (review of the diff)."""
        found = stream_dossiers_due(self.warehouse, as_of, batch.refresh, REFRESH_MOST)
        batch.refresh_more = len(found) == REFRESH_MOST
        due = set(found) - batch.touched
        if due:
            batch.touched |= due
            self.stats.refreshed += len(due)
            self.metrics.sink_dossiers_refreshed.inc(len(due))
            log.info("open dossiers folded again: time changed their standing", extra={"dossiers": len(due)})

    def _fold(self, batch: SinkBatch, as_of: datetime) -> None:
        """Refresh the projection of the batch's dossiers. One whose rows the warehouse refuses with a data
        error — demonstrably its own (module doc) — is left out (logged on one line, counted): its events
        are stored, and the projection is derived from them, so nothing is lost that a later fold cannot
        rebuild."""
        assert self.auditor is not None
        auditor = self.auditor
        wh = Probe(self.warehouse)  # which table refused, and which rows it accepted (the canary)

        def fold(ids: Sequence[str]) -> None:
            folded, _, _ = fold_dossiers(auditor, wh, list(ids), as_of, violations=False)
            self.stats.folded += folded

        ids = sorted(batch.touched)
        try:
            fold(ids)
        except WarehouseError as exc:
            if not is_data_error(exc):
                raise
            for index, error in isolate(fold, ids, exc, wh):
                batch.touched.discard(ids[index])  # a retry after an outage does not try it again
                self.stats.unfolded += 1
                self.metrics.sink_dossiers_not_folded.inc()
                log.warning(
                    "dossier projection refused by the warehouse; its events are stored",
                    extra={"dossier_id": ids[index], "reason": describe_error(error)},
                )

    def shutdown(self) -> None:
        """Wait for the write in flight, if any, and stop the thread."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
