"""The NumPy column encoders write exactly the bytes clickhouse-driver writes for the same values, refuse
values their column cannot hold with the column named, and leave what they do not handle to the driver."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from clickhouse_driver import Client, defines  # type: ignore[import-untyped]
from clickhouse_driver.block import ColumnOrientedBlock  # type: ignore[import-untyped]
from clickhouse_driver.columns.service import (  # type: ignore[import-untyped]
    write_column as driver_write_column,
)
from clickhouse_driver.connection import ServerInfo  # type: ignore[import-untyped]
from clickhouse_driver.context import Context  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from warehouse.backends.native import BytesColumnWriter, NativeValueError, write_column
from warehouse.backends.native_insert import _send_block

UTC = dt.UTC
ENUM = "Enum8('submitted' = 1, 'received' = 2, 'it\\'s' = 3, 'returned' = 14, 'neg' = -5)"
ENUM16 = "Enum16('a' = 1000, 'b' = -1000)"


def _context() -> Context:
    """A client's context, as the driver's columns read it (building a client does not connect)."""
    return Client("localhost").connection.context


def _driver_bytes(type_name: str, values: list[Any]) -> bytes:
    out = BytesColumnWriter()
    driver_write_column(_context(), "c", type_name, list(values), out)
    return bytes(out.buffer)


def _our_bytes(type_name: str, values: list[Any]) -> bytes:
    out = BytesColumnWriter()
    assert write_column(out, "c", type_name, values)
    return bytes(out.buffer)


def _same(type_name: str, values: list[Any]) -> None:
    assert _our_bytes(type_name, values) == _driver_bytes(type_name, values)


aware = st.datetimes(
    min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2105, 12, 31), timezones=st.timezones()
)
texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)


@given(st.lists(texts, min_size=1, max_size=50))
def test_strings(values: list[str]) -> None:
    _same("String", values)


@given(st.lists(st.none() | texts, min_size=1, max_size=50))
def test_nullable_strings(values: list[str | None]) -> None:
    _same("Nullable(String)", values)


@pytest.mark.parametrize(
    ("type_name", "low", "high"),
    [("UInt8", 0, 255), ("UInt16", 0, 65535), ("UInt32", 0, 2**32 - 1), ("UInt64", 0, 2**64 - 1),
     ("Int8", -128, 127), ("Int16", -(2**15), 2**15 - 1), ("Int32", -(2**31), 2**31 - 1),
     ("Int64", -(2**63), 2**63 - 1)],
)  # fmt: skip
@given(data=st.data())
def test_integers(type_name: str, low: int, high: int, data: st.DataObject) -> None:
    values = data.draw(st.lists(st.integers(low, high), min_size=1, max_size=50))
    _same(type_name, values)
    nullable = data.draw(st.lists(st.none() | st.integers(low, high), min_size=1, max_size=50))
    _same(f"Nullable({type_name})", nullable)


@given(st.lists(st.floats(allow_nan=False) | st.integers(-(2**53), 2**53), min_size=1, max_size=50))
def test_floats(values: list[float]) -> None:
    _same("Float64", values)


@given(st.lists(aware, min_size=1, max_size=50))
def test_aware_datetimes_are_the_drivers_whole_seconds(values: list[dt.datetime]) -> None:
    _same("DateTime('UTC')", values)
    _same("DateTime('Asia/Ho_Chi_Minh')", values)  # the column's zone does not change the instant


@given(st.lists(st.none() | aware | st.integers(0, 2**32 - 1), min_size=1, max_size=50))
def test_nullable_datetimes_mixed_with_epoch_seconds(values: list[Any]) -> None:
    _same("Nullable(DateTime('UTC'))", values)


def test_a_repeated_datetime_and_microseconds_at_the_edge_of_a_second() -> None:
    edge = dt.datetime(2025, 11, 3, 8, 30, 15, 999_999, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    _same("DateTime('UTC')", [edge] * 7)
    _same("DateTime('UTC')", [edge, edge + dt.timedelta(microseconds=1), edge - dt.timedelta(hours=30)])


@given(st.lists(st.dates(dt.date(1970, 1, 1), dt.date(2149, 6, 6)), min_size=1, max_size=50))
def test_dates(values: list[dt.date]) -> None:
    _same("Date", values)


@given(st.lists(st.sampled_from(["submitted", "received", "it's", "returned", "neg", 1, 14, -5]), min_size=1))
def test_enum_names_and_values(values: list[Any]) -> None:
    _same(ENUM, values)
    _same(f"Nullable({ENUM})", [None, *values])
    _same(ENUM16, ["a", "b", 1000][: len(values)])


@pytest.mark.parametrize(
    ("type_name", "values", "message"),
    [
        (
            ENUM,
            ["received", "not_a_type"],
            r"column c \(Enum8.*unknown value 'not_a_type'; known: 'submitted'",
        ),
        (ENUM, ["received", 7], "unknown value 7"),
        (f"Nullable({ENUM})", [None, "received", "bad"], "unknown value 'bad'"),
        ("UInt8", [1, 256], r"column c \(UInt8\): 256 is out of range \[0, 255\]"),
        ("Int64", [1, 2**63], "is out of range"),
        ("UInt32", [1, 2.5], "2.5 is not a whole number"),
        ("Nullable(UInt32)", [None, "7"], "'7' is not a whole number"),
        ("UInt32", [1, None], "None is not a whole number"),
        ("Float64", [1.0, "x"], "'x' is not a number"),
        ("DateTime('UTC')", [dt.datetime(2025, 1, 1, tzinfo=UTC), "2025-01-01"], "is not a datetime"),
        ("DateTime('UTC')", [dt.datetime(1960, 1, 1, tzinfo=UTC), 0], "is out of range"),
    ],
)
def test_values_a_column_cannot_hold_are_named(type_name: str, values: list[Any], message: str) -> None:
    out = BytesColumnWriter()
    with pytest.raises(NativeValueError, match=message):
        write_column(out, "c", type_name, values)
    assert out.buffer == b""


@pytest.mark.parametrize(
    ("type_name", "values"),
    [
        ("DateTime('UTC')", [dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2025, 1, 1)]),  # naive
        ("Nullable(DateTime('UTC'))", [None, dt.datetime(2025, 1, 1)]),
        ("Date", [dt.date(2025, 1, 1), dt.datetime(2025, 1, 1, 12)]),
        ("Array(String)", [["a"], []]),
        ("Nullable(Array(String))", [None]),
        ("Decimal(10, 2)", [1]),
        ("LowCardinality(String)", ["a"]),
    ],
)
def test_what_the_encoders_do_not_handle_is_left_to_the_driver_with_nothing_written(
    type_name: str, values: list[Any]
) -> None:
    out = BytesColumnWriter()
    assert write_column(out, "c", type_name, values) is False
    assert out.buffer == b""


def test_input_is_left_alone() -> None:
    values = [None, "a", None]
    datetimes = (dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2025, 1, 2, tzinfo=UTC))
    write_column(BytesColumnWriter(), "c", "Nullable(String)", values)
    write_column(BytesColumnWriter(), "c", "DateTime('UTC')", datetimes)
    assert values == [None, "a", None]
    assert datetimes == (dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2025, 1, 2, tzinfo=UTC))


class _Socket(BytesColumnWriter):
    """A connection's output buffer, in memory."""

    def flush(self) -> None:
        pass


def _connection(revision: int, compression: bool) -> Any:
    """A driver connection that never connects, as if its hello had agreed on ``revision``."""
    client = Client("localhost", compression="lz4" if compression else False)
    connection = client.connection
    connection.server_info = ServerInfo("ClickHouse", 26, 9, 2, revision, "UTC", "test", revision)
    connection.context.server_info = connection.server_info
    connection.fout = _Socket()
    connection.block_out = connection.get_block_out_stream()
    return connection


# Each side of every revision check in the framing, and the newest revision the driver speaks.
REVISIONS = sorted(
    {
        defines.DBMS_MIN_REVISION_WITH_TEMPORARY_TABLES - 1,
        defines.DBMS_MIN_REVISION_WITH_BLOCK_INFO - 1,
        defines.DBMS_MIN_REVISION_WITH_BLOCK_INFO,
        defines.DBMS_MIN_REVISION_WITH_CUSTOM_SERIALIZATION - 1,
        defines.DBMS_MIN_REVISION_WITH_CUSTOM_SERIALIZATION,
        defines.CLIENT_REVISION,
    }
)


@pytest.mark.parametrize("revision", REVISIONS)
@pytest.mark.parametrize("compression", [False, True])
def test_a_block_is_framed_as_the_driver_frames_it_at_every_protocol_revision(
    revision: int, compression: bool
) -> None:
    columns = [
        ("id", "UInt32"),
        ("kind", "Enum8('submitted' = 1, 'received' = 2)"),
        ("name", "Nullable(String)"),
        ("at", "DateTime('UTC')"),
        ("tags", "Array(String)"),  # left to the driver
    ]
    at = dt.datetime(2025, 11, 3, 8, 30, 15, tzinfo=UTC)
    data: list[list[Any]] = [
        [1, 2, 3],
        ["received", "submitted", 1],
        [None, "hồ sơ", ""],
        [at] * 3,
        [["a"], [], ["b", "c"]],
    ]
    ours = _connection(revision, compression)
    _send_block(ours, columns, data)
    theirs = _connection(revision, compression)
    theirs.send_data(ColumnOrientedBlock(columns, [list(c) for c in data]))
    # Compressed, the frame is the checksum and the LZ4 block of exactly those bytes.
    assert bytes(ours.fout.buffer) == bytes(theirs.fout.buffer)
