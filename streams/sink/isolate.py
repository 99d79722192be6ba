"""Poison records: telling a record the warehouse refuses from a warehouse that refuses everything, and
isolating it so that the rest of its batch is stored and the sink moves on.

A batch write can fail for two kinds of reasons, and they need opposite answers:

- the warehouse is down or refusing work (unreachable, out of disk, too many parts, read-only, a schema
  not migrated yet ...): every record would fail alike, so the batch is retried until it is stored
  (:mod:`streams.sink.retry`) — dropping anything then would lose valid data;
- one value cannot be stored (out of its column's range, a text the server cannot parse ...): retrying
  changes nothing, and before this module that one record wedged the sink on every restart.

Only errors that say *a value* is wrong (:func:`is_data_error`) are treated as the second kind; anything
unrecognised stays the first (the sink waits rather than drops). The backends report no separate
exception type for it yet, so the classification reads the texts they raise: the client-side conversion
errors of both backends, and the ClickHouse error codes of data errors. ``tests/streams/
test_poison_records.py`` pins those texts against the real chdb backend, so a changed message fails a test
rather than silently turning data errors into endless retries.

:func:`bisect_rows` then finds the refused records by halving: ``k`` bad records among ``n`` cost about
``2k·log2(n)`` inserts, and every part that succeeds is stored (a part inserted twice changes nothing:
every table is a ReplacingMergeTree).

**A data error does not prove a poison record.** A warehouse can refuse *every* row with a data error: a
schema that does not match the code (a rolling upgrade: ``TYPE_MISMATCH``, or chdb's ``column X (TYPE):
…`` for a column whose type changed), a constraint or view that fails on anything. Rejecting then would
turn valid events into ``sink.unstorable`` rows and commit past them; the size of the batch says nothing
about which case it is (a quiet stream writes batches of one). So the rule, applied by :func:`isolate`
and :class:`Probe` to every table the sink writes (also the projection of the fold):

    a record is rejected as poison only if the warehouse refused its rows *alone* — in the bisection (a
    part of one record), and once more after it, just before the canary — **and**, after the last such
    refusal in that table, the warehouse *accepted* a known-good row of the same table (the canary).
    Otherwise the refusal is the warehouse's: :class:`WarehouseRefuses` is raised and the batch is retried
    like an outage, nothing rejected, nothing committed.

The second refusal is what makes "at the same moment" hold for a long bisection: a warehouse that stops
refusing everything while one runs (a migration completes) accepts those records then, and they are
stored. The known-good row, in this order: the last row of that table the warehouse accepted during this
write (a part of the bisection, or a record accepted on its second try), inserted again; else a row
already stored in the table (``SELECT … FINAL LIMIT 1``: the row that currently wins its key), inserted
again. Re-inserting either is harmless: every table is a ReplacingMergeTree (``warehouse/migrations``)
whose partition and sorting key come from the row's own values, so the copy lands in the same partition
under the same key as the row that wins there (``FINAL`` picked it, or this write just stored it; a
versioned table keeps its highest version, and the copy has the same one), byte for byte. It leaves a
physical duplicate until the next merge, as any retried insert does, which readers collapse (``FINAL``,
``argMax``, ``DISTINCT``).

A table that holds no row yet, and of which the warehouse accepted none in this write, has no known-good
row: nothing is demonstrated, so the batch is retried (logged on each attempt) until that table holds a
row — a fresh warehouse whose very first rows of a table are all poison waits for a valid row of it (e.g.
a ``warehouse load``) rather than risk dropping valid data.

Before bisecting, :meth:`Probe.precheck` inserts the stored known-good row once: a warehouse refusing it
is refusing everything, and the batch goes back to the retry at the cost of one insert instead of ``2n``.
The window the rule leaves is the warehouse changing its mind, from refusing everything to accepting,
between the second refusals and the canary (a few inserts): a record refused alone then is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from streams.messages import describe_error
from warehouse.base import Params, Row, Warehouse, WarehouseError, WarehouseLocked, WarehouseUnavailable

__all__ = [
    "DATA_ERROR_CODES", "POISON_CODES", "UNCONVERTIBLE", "UNSTORABLE", "Probe", "WarehouseRefuses",
    "bisect_rows", "is_data_error", "isolate",
]  # fmt: skip

#: Reason code of a record whose rows the warehouse refused with a data error.
UNSTORABLE = "sink.unstorable"
#: Reason code of a record the sink could not turn into rows at all (the conversion raised).
UNCONVERTIBLE = "sink.unconvertible"
#: The sink's own rejection reasons for poison records (the ``poison_records`` metric counts them).
POISON_CODES = frozenset({UNSTORABLE, UNCONVERTIBLE})

#: ClickHouse error codes that blame a value, not the server: CANNOT_PARSE_TEXT (6), CANNOT_PARSE_ESCAPE_
#: SEQUENCE (25), CANNOT_PARSE_QUOTED_STRING (26), CANNOT_PARSE_INPUT_ASSERTION_FAILED (27), CANNOT_PARSE_
#: DATE (38), CANNOT_PARSE_DATETIME (41), TYPE_MISMATCH (53), ARGUMENT_OUT_OF_BOUND (69), CANNOT_CONVERT_
#: TYPE (70), CANNOT_PARSE_NUMBER (72), INCORRECT_DATA (117), TOO_LARGE_STRING_SIZE (131), TOO_DEEP_
#: RECURSION (306), VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE (321), CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN (349),
#: DECIMAL_OVERFLOW (407), UNKNOWN_ELEMENT_OF_ENUM (691).
DATA_ERROR_CODES = frozenset({6, 25, 26, 27, 38, 41, 53, 69, 70, 72, 117, 131, 306, 321, 349, 407, 691})

# The server backend: "... (code 53)"; chdb passes the engine's text on: "chdb: Code: 53. DB::Exception".
_CODE = re.compile(r"\(code (\d+)\)|\bCode: (\d+)\.")
# Client-side conversion of a value to its column's type, before anything reaches the engine or server:
# the server backend's encoder ("a value does not fit its column"), chdb's Arrow columns ("column NAME
# (TYPE): ..." and "column NAME (TYPE) is not Nullable but a value is None").
_CLIENT_SIDE = re.compile(r"a value does not fit its column|(?:^|: )column \w+ \(")

_T = TypeVar("_T")


def is_data_error(error: BaseException) -> bool:
    """Whether ``error`` blames the values written rather than the warehouse (see the module doc)."""
    if not isinstance(error, WarehouseError) or isinstance(
        error, WarehouseUnavailable | WarehouseLocked | WarehouseRefuses
    ):
        return False
    text = str(error)
    if _CLIENT_SIDE.search(text):
        return True
    return any(int(a or b) in DATA_ERROR_CODES for a, b in _CODE.findall(text))


def bisect_rows(
    store: Callable[[Sequence[_T]], object], items: Sequence[_T], error: WarehouseError
) -> list[tuple[int, WarehouseError]]:
    """Store ``items`` (whose write as a whole failed with the data error ``error``) part by part, halving
    the parts that fail with a data error; returns the refused items as (index, error), in index order.

    Every other item is stored when this returns. An error that is not a data error is raised at once (the
    warehouse stopped working meanwhile: the caller retries, and parts already stored are stored again).
    """
    refused: list[tuple[int, WarehouseError]] = []
    pending: list[tuple[int, int, WarehouseError | None]] = [(0, len(items), error)]
    while pending:
        lo, hi, failed = pending.pop()
        if failed is None:
            try:
                store(items[lo:hi])
                continue
            except WarehouseError as exc:
                if not is_data_error(exc):
                    raise
                failed = exc
        if hi - lo == 1:
            refused.append((lo, failed))
            continue
        mid = (lo + hi) // 2
        pending.append((mid, hi, None))
        pending.append((lo, mid, None))  # popped first: parts are stored in order
    refused.sort(key=lambda item: item[0])
    return refused


class WarehouseRefuses(WarehouseError):
    """The warehouse refused rows with a data error but did not demonstrably accept a known-good row of
    the same table (module doc): its fault, not the records'. Not a data error: the caller retries it like
    an outage. The message names the table and the first refusal (values masked)."""


def isolate(
    store: Callable[[Sequence[_T]], object], items: Sequence[_T], error: WarehouseError, probe: Probe
) -> list[tuple[int, WarehouseError]]:
    """:func:`bisect_rows` under the rule of the module doc: ``store`` writes through ``probe``, whose
    tables are checked before (:meth:`Probe.precheck`) and after (:meth:`Probe.confirm`) the bisection.

    Returns the refused items (poison, demonstrably); raises :class:`WarehouseRefuses` when the warehouse
    refuses a known-good row too or none can be found, and any error that is not a data error."""
    probe.precheck(error)
    refused = bisect_rows(store, items, error)
    if refused:
        refused = _refused_again(store, items, refused)
    if refused:
        probe.confirm(error)
    return refused


def _refused_again(
    store: Callable[[Sequence[_T]], object], items: Sequence[_T], refused: list[tuple[int, WarehouseError]]
) -> list[tuple[int, WarehouseError]]:
    """Each refused item stored alone once more (module doc): those the warehouse accepts now are stored
    and left out; returns the others, with their new errors. A non-data error is raised."""
    still: list[tuple[int, WarehouseError]] = []
    for index, _ in refused:
        try:
            store(items[index : index + 1])
        except WarehouseError as exc:
            if not is_data_error(exc):
                raise
            still.append((index, exc))
    return still


class Probe:
    """A :class:`~warehouse.base.Warehouse` seen through one isolation (it delegates everything): per table,
    the columns of its inserts, the last row the warehouse accepted, and whether it accepted a row since it
    last refused one with a data error. :meth:`precheck` and :meth:`confirm` insert the known-good rows of
    the module doc."""

    def __init__(self, wh: Warehouse) -> None:
        self._wh = wh
        self._columns: dict[str, tuple[str, ...]] = {}
        self._accepted: dict[str, list[Any]] = {}  # table -> its last accepted row, as values
        self._refused: dict[str, bool] = {}  # table -> accepted nothing since its last refusal
        self._stored: dict[str, list[Any] | None] = {}  # table -> a stored row read back (None: empty)

    # -- the Warehouse protocol ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._wh.url

    @property
    def database(self) -> str:
        return self._wh.database

    def execute(self, sql: str, params: Params | None = None) -> None:
        self._wh.execute(sql, params)

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        return self._wh.query(sql, params)

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        self._columns[table] = tuple(columns)
        try:
            count = self._wh.insert(table, columns, data)
        except WarehouseError as exc:
            if is_data_error(exc):
                self._refused[table] = True
            raise
        if data and len(data[0]):
            self._accepted[table] = [values[-1] for values in data]
            self._refused[table] = False
        return count

    def insert_arrow(self, table: str, batch: Any) -> int:
        """The sink writes through :meth:`insert`; an Arrow table goes the same way, so the probe sees it."""
        return self.insert(table, list(batch.column_names), [column.to_pylist() for column in batch.columns])

    def server_version(self) -> str:
        return self._wh.server_version()

    def close(self) -> None:
        self._wh.close()

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the canary ------------------------------------------------------------------------------------
    def precheck(self, error: WarehouseError) -> None:
        """Before a bisection: for each table that refused a row, insert a row already stored in it (when it
        holds one); raises :class:`WarehouseRefuses` when the warehouse refuses that too."""
        for table in self._refusing():
            row = self._stored_row(table)
            if row is not None:
                self._canary(table, row, error)

    def confirm(self, error: WarehouseError) -> None:
        """After a bisection that found refused rows: each table that refused one must have accepted a row
        since (a later part, else a known-good row inserted now); raises :class:`WarehouseRefuses` if not."""
        for table in self._refusing():
            row = self._accepted.get(table) or self._stored_row(table)
            if row is None:
                raise WarehouseRefuses(
                    f"the warehouse refused every row of {table} written with a data error, and {table} "
                    f"holds no row to tell a poison record from a warehouse refusing everything: "
                    f"{describe_error(error)}"
                ) from error
            self._canary(table, row, error)

    def _refusing(self) -> list[str]:
        return [table for table, refused in self._refused.items() if refused]

    def _canary(self, table: str, row: list[Any], error: WarehouseError) -> None:
        try:
            self.insert(table, self._columns[table], [[value] for value in row])
        except WarehouseError as exc:
            if not is_data_error(exc):
                raise
            raise WarehouseRefuses(
                f"the warehouse refuses a known-good row of {table} too, so not the records but the "
                f"warehouse is at fault (a schema that does not match?): {describe_error(error)}"
            ) from error

    def _stored_row(self, table: str) -> list[Any] | None:
        """A row of ``table`` as stored: the one that wins its key (``FINAL``); None when it is empty."""
        if table not in self._stored:
            columns = ", ".join(self._columns[table])
            rows = self._wh.query(f"SELECT {columns} FROM {table} FINAL LIMIT 1")  # names of our own code
            self._stored[table] = list(rows[0]) if rows else None
        return self._stored[table]
