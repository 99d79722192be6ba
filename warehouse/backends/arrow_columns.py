"""Arrow columns of warehouse rows: the one place Python values become Arrow arrays of a ClickHouse column
type, for every backend.

The embedded backend inserts Arrow tables (chdb reads their buffers without copying); the load's workers
build them too (``dossier_audit.jobs.row_frames``), so that rows cross from a worker to the writing process
as Arrow IPC, which neither side has to convert value by value in Python. A column is built the same way
wherever it is built: a ``DateTime`` as whole UTC seconds (truncated, like clickhouse-driver), ``Enum`` and
``FixedString`` as strings, integers at their width, arrays as lists; a ``None`` in a column that is not
``Nullable`` is refused (ClickHouse would silently store a default instead).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from warehouse.backends.native import aware_epoch_seconds
from warehouse.base import Warehouse, WarehouseError

__all__ = [
    "arrow_type",
    "build_column",
    "build_table",
    "column_types",
    "epoch_seconds",
    "holds_instants",
    "python_values",
    "strip_nullable",
]

_SCALARS = {
    "UInt8": pa.uint8(),
    "UInt16": pa.uint16(),
    "UInt32": pa.uint32(),
    "UInt64": pa.uint64(),
    "Int8": pa.int8(),
    "Int16": pa.int16(),
    "Int32": pa.int32(),
    "Int64": pa.int64(),
    "Float32": pa.float32(),
    "Float64": pa.float64(),
    "Bool": pa.bool_(),
    "String": pa.string(),
    "Date": pa.date32(),
    "Date32": pa.date32(),
}
_SECONDS = pa.timestamp("s", tz="UTC")


def unwrap(ch_type: str, wrapper: str) -> str | None:
    """The inside of ``wrapper(...)``, or ``None`` when ``ch_type`` is not one."""
    if ch_type.startswith(wrapper + "(") and ch_type.endswith(")"):
        return ch_type[len(wrapper) + 1 : -1]
    return None


def strip_nullable(ch_type: str) -> tuple[str, bool]:
    """Remove ``LowCardinality``/``Nullable`` wrappers; say whether the type accepts NULL."""
    nullable = False
    while True:
        inner = unwrap(ch_type, "LowCardinality")
        if inner is None:
            inner = unwrap(ch_type, "Nullable")
            if inner is None:
                return ch_type, nullable
            nullable = True
        ch_type = inner


def arrow_type(ch_type: str) -> pa.DataType | None:
    """The Arrow type to build an insert column of ``ch_type`` with (None: let pyarrow infer)."""
    ch_type, _ = strip_nullable(ch_type)
    inner = unwrap(ch_type, "Array")
    if inner is not None:
        item = arrow_type(inner)
        return None if item is None else pa.list_(item)
    if ch_type.startswith(("Enum8(", "Enum16(", "FixedString(")):
        return pa.string()
    if ch_type == "DateTime" or ch_type.startswith("DateTime("):
        return _SECONDS
    return _SCALARS.get(ch_type)


def build_column(name: str, ch_type: str, values: Sequence[Any], *, seconds: bool = False) -> pa.Array:
    """The Arrow array of ``values`` for a column ``name`` of ``ch_type``; ``WarehouseError`` when a value
    does not fit it. ``seconds``: the values of this ``DateTime`` column are its whole epoch seconds already
    (integers, or ``None``), as the load's row builders give some (``warehouse.event_rows``,
    ``store.outcome_rows(seconds=True)``), each the value a datetime would be converted to here: stored as
    they are."""
    target = arrow_type(ch_type)
    if seconds and target != _SECONDS:
        raise WarehouseError(f"column {name} ({ch_type}) does not hold instants")
    try:
        if seconds:
            # Built as integers (half the cost of converting them to timestamps), whose buffers the
            # timestamps share.
            array = pa.array(values, pa.int64()).view(target)
        elif target == _SECONDS:
            # Built at microsecond precision and truncated, like clickhouse-driver (DateTime has seconds).
            # One value repeated (e.g. a load's ingestion time) converts once: datetimes cost ~0.25 µs each.
            n = len(values)
            distinct = values[:1] if n > 1 and values.count(values[0]) == n else values
            # All aware: whole seconds from C-level timestamp() (~30% cheaper), as they are (no cast).
            stamps = aware_epoch_seconds(distinct)
            array = pa.array(stamps, target) if stamps is not None else _seconds_with_nulls(distinct)
            if len(distinct) < n:
                array = pa.repeat(array[0], n)
        else:
            array = pa.array(values, target)
    except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
        raise WarehouseError(f"column {name} ({ch_type}): {exc}") from None
    # ClickHouse silently stores a default for NULL in a non-Nullable column; refuse it instead.
    if array.null_count and not strip_nullable(ch_type)[1]:
        raise WarehouseError(f"column {name} ({ch_type}) is not Nullable but a value is None")
    return array


def holds_instants(ch_type: str) -> bool:
    """Whether a column of ``ch_type`` is built from datetimes (a ``DateTime``, maybe ``Nullable``): those
    whose values may be given as epoch seconds instead (``build_column(seconds=True)``)."""
    return bool(arrow_type(ch_type) == _SECONDS)


def epoch_seconds(ch_type: str, value: Any) -> int | None:
    """The epoch seconds :func:`build_column` stores for ``value`` in a column of ``ch_type`` (``None`` for
    NULL): what to give it with ``seconds=True`` for the same column, e.g. for a value a load repeats."""
    seconds: int | None = build_column("instant", ch_type, [value]).cast(pa.int64())[0].as_py()
    return seconds


def _seconds_with_nulls(values: Sequence[Any]) -> pa.Array:
    """Whole seconds (floored, as :func:`aware_epoch_seconds`) of aware datetimes and ``None``s; anything
    else goes through Arrow's own conversion (which refuses what it cannot read)."""
    nulls = np.fromiter((v is None for v in values), bool, len(values))
    present = [v for v in values if v is not None]
    seconds = aware_epoch_seconds(present) if present else np.empty(0, np.int64)
    if seconds is None:
        # Arrow would read a number as microseconds: epoch seconds go with ``build_column(seconds=True)``.
        number = next((v for v in present if type(v) in (int, float)), None)
        if number is not None:
            raise TypeError(f"{number!r} is a number, not an instant (epoch seconds are given as such)")
        return pa.array(values, pa.timestamp("us", tz="UTC")).cast(_SECONDS, safe=False)
    filled = np.zeros(len(values), np.int64)
    filled[~nulls] = seconds
    return pa.array(filled, _SECONDS, mask=nulls)


def build_table(
    columns: Sequence[str],
    types: dict[str, str],
    data: Sequence[Sequence[Any]],
    seconds: Collection[str] = (),
) -> pa.Table:
    """The Arrow table of an insert's columns (``data[i]`` holds the values of ``columns[i]``); the columns
    named in ``seconds`` hold epoch seconds (:func:`build_column`)."""
    arrays = [
        build_column(name, types[name], values, seconds=name in seconds)
        for name, values in zip(columns, data, strict=True)
    ]
    return pa.Table.from_arrays(arrays, names=list(columns))


def column_types(wh: Warehouse, table: str) -> dict[str, str]:
    """The ClickHouse type of each column of ``table`` (empty when there is no such table), as the
    warehouse reports them: what :func:`build_column` needs, asked once before a load forks its workers."""
    sql = "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = %(t)s"
    return {str(name): str(ch_type) for name, ch_type in wh.query(sql, {"t": table})}


def python_values(column: pa.ChunkedArray | pa.Array) -> list[Any]:
    """An Arrow column as the Python values clickhouse-driver's encoder takes (``backends.native``): its
    instants (timestamps) as whole epoch seconds, which it takes for a ``DateTime`` without building a
    ``datetime`` each; ``None`` kept."""
    if pa.types.is_timestamp(column.type) and column.type.unit == "s":  # what build_column makes
        column = column.cast(pa.int64())
    values: list[Any] = column.to_pylist()
    return values
