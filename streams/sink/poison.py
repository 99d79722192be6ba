"""Storing a batch the warehouse refused part of: the refused records become ``sink.unstorable``
rejections, the rest is stored, and the batch can be committed.

Why here and not by retrying: a record whose row the warehouse refuses with a data error is refused the
same way on every attempt, and since offsets are committed only after the whole batch is stored, one such
record used to stop the sink at that offset for good (and again after every restart). Which errors count
as data errors, and how the refused rows are found, is :mod:`streams.sink.isolate`.

Which refusals are poison: only those :mod:`streams.sink.isolate` demonstrates (the record refused alone,
twice, and a known-good row of the same table accepted right after). A warehouse refusing every row — a
schema that does not match the code, whatever the size of the batch — is raised as
:class:`~streams.sink.isolate.WarehouseRefuses` and the worker retries the batch like an outage: nothing is
rejected or committed for it.

The batch is changed in place — refused rows out, their rejections in — so that a retry after an outage
in the middle of this writes only what is left to store (everything else again, harmlessly: every table is
a ReplacingMergeTree) and the commit's counts and metrics describe what was stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from schemas.validation import Rejection
from streams.messages import describe_error
from streams.sink.batch import UNTIMED, Origin, SinkBatch
from streams.sink.isolate import UNSTORABLE, Probe, is_data_error, isolate
from warehouse.base import Warehouse, WarehouseError
from warehouse.event_rows import EVENT_COLUMNS
from warehouse.store import REJECTION_COLUMNS, VIOLATION_COLUMNS, rejection_row

__all__ = ["Scrub", "columns_of", "store_rows"]

log = logging.getLogger(__name__)

#: Removes applicant data from a record's raw bytes (``Pseudonymiser.scrub_raw``).
Scrub = Callable[[bytes], bytes]
Row = tuple[Any, ...]

# Where an ``events`` row keeps its origin (see ``warehouse.event_rows.event_row``).
_RAW, _SOURCE, _OFFSET, _INGESTED = (
    EVENT_COLUMNS.index(name) for name in ("raw", "source", "source_offset", "ingested_at")
)


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
        if table == "events":
            # Prepared columns only while they hold the rows as they are (else the rows themselves).
            refused = _insert(wh, table, columns, rows, batch.prepared_event_columns())
            # Stored (but for the refused rows, dropped with the columns below): no need to keep the copy
            # any longer, through an outage that holds this batch and the next one, prepared, in memory.
            # A retry of the batch prepares it again.
            batch.set_event_columns(None)
        else:
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
    wh: Warehouse,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Row],
    data: Sequence[Sequence[Any]] | None = None,
) -> list[tuple[int, WarehouseError]]:
    """Insert ``rows`` (given as column data too when ``data`` is not None: prepared ahead); after a data
    error, part by part under the rule of :mod:`streams.sink.isolate` (a known-good row of the table
    accepted right after the refusals). Returns the refused rows' (index, error); raises
    :class:`~streams.sink.isolate.WarehouseRefuses` when the refusal is the warehouse's."""
    probe = Probe(wh)

    def store(part: Sequence[Row]) -> None:
        probe.insert(table, columns, columns_of(part))

    try:
        if data is not None:
            probe.insert(table, columns, data)
        else:
            store(rows)
    except WarehouseError as exc:
        if not is_data_error(exc):
            raise
        return isolate(store, rows, exc, probe)
    return []


def _rows_of(batch: SinkBatch, table: str) -> list[Row]:
    if table == "events":
        return batch.events
    return batch.rejected if table == "rejected_events" else batch.violations


def _origin_of(batch: SinkBatch, table: str, index: int) -> Origin:
    if table == "events":
        row = batch.events[index]
        source, offset = str(row[_SOURCE]), int(row[_OFFSET])
        # Its ingested_at is the record's time, unless the record had none (then the time of conversion).
        at = UNTIMED if (source, offset) in batch.untimed else row[_INGESTED]
        return (source, offset, str(row[_RAW]).encode(), at)
    origins = batch.rejected_origins if table == "rejected_events" else batch.violation_origins
    return origins[index]


def _origin_of_rejection(row: Row) -> Origin:
    """A rejection row of ours carries its origin: source, offset, raw, rejected_at."""
    return (str(row[0]), int(row[1]), str(row[3]).encode(), row[6])


def _drop(batch: SinkBatch, table: str, indices: set[int]) -> None:
    """Take the rows at ``indices`` (and their parallel values) out of the batch."""

    def keep(values: list[Any]) -> list[Any]:
        return [value for i, value in enumerate(values) if i not in indices]

    if table == "events":
        batch.events = keep(batch.events)
        batch.set_event_columns(None)
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
    ``rejected_at`` is the origin's (the Kafka record's timestamp, or ``UNTIMED``: never now, so that a
    redelivery replaces this row; see :mod:`streams.sink.batch`), not a time of the record's row, which may
    be what the warehouse refused."""
    source, offset, raw, at = origin
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
    return rejection_row(rejection, source, scrub(raw), at)
