"""Storing a batch the warehouse refused part of: the refused records become ``sink.unstorable``
rejections, the rest is stored, and the batch can be committed.

Why here and not by retrying: a record whose row the warehouse refuses with a data error is refused the
same way on every attempt, and since offsets are committed only after the whole batch is stored, one such
record used to stop the sink at that offset for good (and again after every restart). Which errors count
as data errors, and how the refused rows are found, is :mod:`streams.sink.isolate`.

The batch is changed in place — refused rows out, their rejections in — so that a retry after an outage
in the middle of this writes only what is left to store (everything else again, harmlessly: every table is
a ReplacingMergeTree) and the commit's counts and metrics describe what was stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from schemas.validation import Rejection
from streams.messages import describe_error
from streams.sink.batch import Origin, SinkBatch
from streams.sink.isolate import UNSTORABLE, bisect_rows, is_data_error
from warehouse.base import Warehouse, WarehouseError
from warehouse.store import EVENT_COLUMNS, REJECTION_COLUMNS, VIOLATION_COLUMNS, rejection_row

__all__ = ["Scrub", "columns_of", "store_rows"]

log = logging.getLogger(__name__)

#: Removes applicant data from a record's raw bytes (``Pseudonymiser.scrub_raw``).
Scrub = Callable[[bytes], bytes]
Row = tuple[Any, ...]

# Where an ``events`` row keeps its origin (see ``warehouse.store.event_row``).
_RAW, _SOURCE, _OFFSET = (EVENT_COLUMNS.index(name) for name in ("raw", "source", "source_offset"))


def columns_of(rows: Sequence[Row]) -> list[list[Any]]:
    """Row tuples as the column lists ``Warehouse.insert`` takes."""
    return [list(column) for column in zip(*rows, strict=True)]


def store_rows(wh: Warehouse, batch: SinkBatch, scrub: Scrub) -> None:
    """Insert the batch's rows (events, rejections, violations); a table whose insert fails with a data
    error is stored part by part, and each refused record is rejected instead (see the module doc).

    Raises what is not a data error: the caller retries the (changed) batch, as for any outage."""
    late: list[Row] = []  # rejections made once the rejected_events insert had been done
    for table, columns in _TABLES:
        rows = _rows_of(batch, table)
        if not rows:
            continue
        refused = _insert(wh, table, columns, rows)
        if not refused:
            continue
        made: list[Row] = []
        for index, error in refused:
            origin = _origin_of(batch, table, index)
            if table == "rejected_events" and batch.rejected_reasons[index] == UNSTORABLE:
                # Our own rejection row refused: rejecting it again would be refused again, for ever.
                log.error(
                    "the rejection of a poison record was refused too; it is only logged",
                    extra={"source": origin[0], "offset": origin[1], "reason": describe_error(error)},
                )
                continue
            made.append(_rejection(table, origin, error, scrub))
        _drop(batch, table, {index for index, _ in refused})
        batch.rejected.extend(made)
        batch.rejected_reasons.extend([UNSTORABLE] * len(made))
        batch.rejected_origins.extend(_origin_of_rejection(row) for row in made)
        batch.poison += len(made)
        if table != "events":  # the events' rejections were in the rejected_events insert that followed
            late.extend(made)
    if late:
        wh.insert("rejected_events", REJECTION_COLUMNS, columns_of(late))


_TABLES = (
    ("events", EVENT_COLUMNS),
    ("rejected_events", REJECTION_COLUMNS),
    ("violations", VIOLATION_COLUMNS),
)


def _insert(
    wh: Warehouse, table: str, columns: Sequence[str], rows: Sequence[Row]
) -> list[tuple[int, WarehouseError]]:
    """Insert ``rows``; after a data error, part by part. Returns the refused rows' (index, error)."""

    def store(part: Sequence[Row]) -> None:
        wh.insert(table, columns, columns_of(part))

    try:
        store(rows)
    except WarehouseError as exc:
        if not is_data_error(exc):
            raise
        if len(rows) >= _PROBE_FROM and _refuses_all(store, rows):
            raise  # retried as an outage: see _PROBE_FROM
        return bisect_rows(store, rows, exc)
    return []


#: A refused insert of at least this many rows is first probed with three of its rows alone (the first, the
#: middle and the last): when the warehouse refuses each of them too, it is taken to refuse every row — a
#: schema that does not match the code, not a few poison records — and the batch is retried like an outage
#: (logged on each attempt) instead of rejecting all of it. Smaller batches are bisected whatever happens:
#: a few poison records in a row, alone in their batch, must not stop the sink.
_PROBE_FROM = 16


def _refuses_all(store: Callable[[Sequence[Row]], None], rows: Sequence[Row]) -> bool:
    for index in (0, len(rows) // 2, len(rows) - 1):
        try:
            store(rows[index : index + 1])
            return False
        except WarehouseError as exc:
            if not is_data_error(exc):
                raise
    return True


def _rows_of(batch: SinkBatch, table: str) -> list[Row]:
    if table == "events":
        return batch.events
    return batch.rejected if table == "rejected_events" else batch.violations


def _origin_of(batch: SinkBatch, table: str, index: int) -> Origin:
    if table == "events":
        row = batch.events[index]
        return (str(row[_SOURCE]), int(row[_OFFSET]), str(row[_RAW]).encode())
    origins = batch.rejected_origins if table == "rejected_events" else batch.violation_origins
    return origins[index]


def _origin_of_rejection(row: Row) -> Origin:
    """A rejection row of ours carries its origin: source, offset, raw."""
    return (str(row[0]), int(row[1]), str(row[3]).encode())


def _drop(batch: SinkBatch, table: str, indices: set[int]) -> None:
    """Take the rows at ``indices`` (and their parallel values) out of the batch."""

    def keep(values: list[Any]) -> list[Any]:
        return [value for i, value in enumerate(values) if i not in indices]

    if table == "events":
        batch.events = keep(batch.events)
    elif table == "rejected_events":
        batch.rejected = keep(batch.rejected)
        batch.rejected_reasons = keep(batch.rejected_reasons)
        batch.rejected_origins = keep(batch.rejected_origins)
    else:
        batch.violations = keep(batch.violations)
        batch.violation_states = keep(batch.violation_states)
        batch.violation_origins = keep(batch.violation_origins)


def _rejection(table: str, origin: Origin, error: WarehouseError, scrub: Scrub) -> Row:
    """The ``rejected_events`` row of a record whose row the warehouse refused, logged on one line. Its
    ``rejected_at`` is now: the record's own times may be what the warehouse refused."""
    source, offset, raw = origin
    reason = f"the warehouse refused this record's row in {table}: {describe_error(error)}"
    log.warning(
        "poison record rejected",
        extra={
            "reason_code": UNSTORABLE,
            "source": source,
            "offset": offset,
            "table": table,
            "reason": reason,
        },
    )
    rejection = Rejection(UNSTORABLE, reason, offset, raw)
    return rejection_row(rejection, source, scrub(raw), datetime.now(UTC).replace(microsecond=0))
