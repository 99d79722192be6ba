"""Table rows packed for the trip from a load's worker process to the process that writes them.

A worker hands a dossier's rows to the writer pickled (its events through ``event_frames``, its fold through
the batch engine's results), and pickling an aware ``datetime`` costs ~3 µs each way (its ``__reduce__``
goes through Python-level machinery): a dossier's ~20 instants would cost more than the rest of its rows.
So rows travel *packed*: column by column (what ``Warehouse.insert`` takes anyway), every instant as integer
microseconds since the epoch and every date as its proleptic ordinal, both exact, and are unpacked by the
writer just before the insert. ``unpack(table, pack(table, rows))`` equals the rows' columns exactly: the
same values, the same types, the same UTC ``tzinfo`` (tests/warehouse/test_load_parts.py).

Only the columns ``warehouse.store`` writes as instants or dates are converted; every other value goes as
it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from warehouse.projection import FoldColumns, FoldRows
from warehouse.store import DOSSIER_COLUMNS, EVENT_COLUMNS, OUTCOME_COLUMNS, VIOLATION_COLUMNS

Columns = list[list[Any]]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INSTANT, _DATE = "instant", "date"
#: The instant and date columns of the tables a load writes: aware UTC datetimes (``None`` allowed) and
#: dates (``None`` allowed).
_KINDS: dict[str, dict[str, str]] = {
    "events": {"occurred_at": _INSTANT, "ingested_at": _INSTANT},
    "dossiers": {
        "received_at": _INSTANT, "due_at": _INSTANT, "end_at": _INSTANT, "last_event_at": _INSTANT,
        "as_of": _INSTANT, "outcome_received_on": _DATE,
    },
    "dossier_outcomes": {"valid_from": _INSTANT, "received_on": _DATE, "ended_on": _DATE},
    "violations": {"occurred_at": _INSTANT, "as_of": _INSTANT},
}  # fmt: skip
COLUMNS: dict[str, Sequence[str]] = {
    "events": EVENT_COLUMNS,
    "dossiers": DOSSIER_COLUMNS,
    "dossier_outcomes": OUTCOME_COLUMNS,
    "violations": VIOLATION_COLUMNS,
}
#: Per table: (position, kind) of each column to convert.
_CONVERTED: dict[str, tuple[tuple[int, str], ...]] = {
    table: tuple((i, _KINDS[table][name]) for i, name in enumerate(columns) if name in _KINDS[table])
    for table, columns in COLUMNS.items()
}


def pack(table: str, rows: Sequence[Sequence[Any]]) -> Columns:
    """``rows`` of ``table`` as columns, its instants and dates as integers (see the module's doc)."""
    if not rows:
        return [[] for _ in COLUMNS[table]]
    columns = [list(column) for column in zip(*rows, strict=True)]
    for i, kind in _CONVERTED[table]:
        convert = _instant_in if kind == _INSTANT else _date_in
        columns[i] = [convert(v) for v in columns[i]]
    return columns


def unpack(table: str, columns: Columns) -> Columns:
    """The columns :func:`pack` made, with their instants and dates back (in place; returns ``columns``)."""
    for i, kind in _CONVERTED[table]:
        values = columns[i]
        if kind == _INSTANT:
            columns[i] = [None if v is None else _EPOCH + timedelta(microseconds=v) for v in values]
        else:
            columns[i] = [None if v is None else date.fromordinal(v) for v in values]
    return columns


def pack_fold(fold: FoldRows) -> FoldColumns:
    """A dossier's fold packed, table by table."""
    dossier = [fold.dossier] if fold.dossier is not None else []
    return (
        pack("dossiers", dossier),
        pack("dossier_outcomes", fold.outcomes),
        pack("violations", fold.violations),
    )


def unpack_fold(packed: FoldColumns) -> FoldColumns:
    """What :func:`pack_fold` made, unpacked (in place)."""
    dossier, history, violations = packed
    return (
        unpack("dossiers", dossier),
        unpack("dossier_outcomes", history),
        unpack("violations", violations),
    )


def _instant_in(value: datetime | None) -> int | None:
    # Floor division of timedeltas is exact integer arithmetic, whatever the value's offset.
    return None if value is None else (value - _EPOCH) // _MICROSECOND


def _date_in(value: date | None) -> int | None:
    return None if value is None else value.toordinal()
