"""The load's writes of the rows its workers built as Arrow (``row_frames``): ``events`` as the workers
hand them over, and the new dossiers' folds once the load judges.

Rows go to ``Warehouse.insert_arrow`` in inserts of ``ROWS`` rows (the last one fewer): few enough parts for
the engine to merge, a bounded amount of memory whatever the file's size or the number of rows per dossier.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from dossier_audit.jobs.row_frames import TOKEN, FoldFrames
from inspections.violations import NOT_CHECKABLE
from warehouse.base import Warehouse

#: Rows per insert.
ROWS = 50_000
#: Bytes of fold frames read at a time while judging.
FOLD_READ_BYTES = 32 << 20

Progress = Callable[[str, int, int], None]


class ArrowBatch:
    """Arrow tables of one warehouse table, inserted ``size`` rows at a time (``ROWS`` by default); what is
    left over waits for more rows, or for :meth:`flush`. ``by_dossier``: each added chunk is sorted by
    ``dossier_id`` first (stably), so the rows of a small file go in an order that does not depend on which
    worker wrote them first."""

    def __init__(
        self, wh: Warehouse, table: str, *, by_dossier: bool = False, size: int | None = None
    ) -> None:
        self.wh, self.table, self.by_dossier, self.size = wh, table, by_dossier, size or ROWS
        self._tables: list[pa.Table] = []
        self._rows = 0
        self.written = 0

    def add(self, chunk: pa.Table | list[pa.RecordBatch]) -> None:
        if isinstance(chunk, list):
            if not chunk:
                return
            chunk = pa.Table.from_batches(chunk)
        if chunk.num_rows == 0:
            return
        if self.by_dossier:
            chunk = chunk.take(pc.sort_indices(chunk, sort_keys=[("dossier_id", "ascending")]))  # stable
        self._tables.append(chunk)
        self._rows += chunk.num_rows
        if self._rows >= self.size:
            self._insert(whole_only=True)

    def flush(self) -> None:
        """Insert every row added."""
        self._insert(whole_only=False)

    def _insert(self, *, whole_only: bool) -> None:
        if not self._tables:
            return
        table = pa.concat_tables(self._tables)
        end = table.num_rows - table.num_rows % self.size if whole_only else table.num_rows
        rest = table.slice(end)
        self._tables, self._rows = ([rest], rest.num_rows) if rest.num_rows else ([], 0)
        for start in range(0, end, self.size):
            self.written += self.wh.insert_arrow(self.table, table.slice(start, min(self.size, end - start)))


#: The column of each fold table that the newest row of a key wins by (``ReplacingMergeTree(...)``).
VERSION_COLUMNS = {"dossiers": "version", "dossier_outcomes": "generation", "violations": "version"}


def write_folds(
    wh: Warehouse, folds: FoldFrames, keep: np.ndarray, progress: Progress, *, version: int | None = None
) -> int:
    """Write the rows of the folds whose tokens are in ``keep`` (the last settlement of each dossier new to
    the warehouse or holding only the file's events, less those another writer gave events meanwhile),
    table by table, without their token; ``version``: the version they are written under (each table's
    :data:`VERSION_COLUMNS`), rather than the one the workers gave them when the load started (see
    ``load_stored``). Returns the open violations and findings written (not_checkable records are stored,
    not counted). Progress: the ``judging`` stage, in bytes of fold frames read (every settlement's, kept or
    not)."""
    kept = np.sort(keep.astype(np.int64, copy=False))  # sorted once: each chunk is a binary search

    def pending() -> int:
        return sum(frames.pending() for frames in folds.tables.values())

    total = pending()
    opened = 0
    progress("judging", 0, total)
    for table, frames in folds.tables.items():
        out = ArrowBatch(wh, table)
        while batches := frames.read(FOLD_READ_BYTES):
            chunk = pa.Table.from_batches(batches)
            chunk = chunk.filter(_kept(chunk[TOKEN], kept)).drop_columns([TOKEN])
            if version is not None:
                chunk = _versioned(chunk, VERSION_COLUMNS[table], version)
            if table == "violations":
                opened += chunk.num_rows - int(pc.sum(pc.equal(chunk["kind"], NOT_CHECKABLE)).as_py() or 0)
            out.add(chunk)
            progress("judging", total - pending(), total)
        out.flush()
    progress("judging", total, total)
    return opened


def _versioned(chunk: pa.Table, column: str, version: int) -> pa.Table:
    """``chunk`` with every value of ``column`` replaced by ``version`` (of the column's type)."""
    at = chunk.schema.get_field_index(column)
    field = chunk.schema.field(at)
    values = pa.array(np.full(chunk.num_rows, version, np.uint64)).cast(field.type)
    return chunk.set_column(at, field, values)


def _kept(tokens: pa.ChunkedArray, kept: np.ndarray) -> np.ndarray:
    """Whether each token is one of ``kept`` (sorted): linear in the chunk, logarithmic in ``kept``."""
    values = tokens.to_numpy()
    if not len(kept):
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(kept, values), len(kept) - 1)
    found: np.ndarray = kept[at] == values
    return found
