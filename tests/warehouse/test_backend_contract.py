"""The ``Warehouse`` contract: every test runs against both backends (``chdb`` and ``server``) unchanged."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from warehouse.backends.arrow_columns import build_table, column_types
from warehouse.base import Warehouse, WarehouseError
from warehouse.binding import TEXTS_PER_QUERY, TextSet

UTC = dt.UTC
ICT = dt.timezone(dt.timedelta(hours=7))
INJECTION = "x'); DROP TABLE t; --"

ALL_TYPES = """
CREATE TABLE t
(
    id UInt64,
    s String,
    ns Nullable(String),
    e Enum8('submitted' = 1, 'supplement_requested' = 4, 'returned' = 14),
    at DateTime('UTC'),
    nat Nullable(DateTime('UTC')),
    d Date,
    nd Nullable(Date),
    u8 UInt8,
    u16 UInt16,
    u32 UInt32,
    i16 Int16,
    i32 Int32,
    i64 Int64,
    f Float64
)
ENGINE = MergeTree
ORDER BY id
"""
COLUMNS = ["id", "s", "ns", "e", "at", "nat", "d", "nd", "u8", "u16", "u32", "i16", "i32", "i64", "f"]
ROWS = [
    (
        1,
        "Sở Tài nguyên và Môi trường tỉnh Thừa Thiên Huế",
        "Nguyễn Thị Ánh Tuyết",
        "supplement_requested",
        dt.datetime(2024, 3, 1, 8, 30, 15, tzinfo=ICT),
        dt.datetime(2024, 3, 1, 1, 30, 15, tzinfo=UTC),
        dt.date(2024, 2, 29),
        dt.date(1999, 12, 31),
        255,
        65535,
        4294967295,
        -32768,
        -2147483648,
        -9223372036854775808,
        -1.5,
    ),
    (
        2,
        INJECTION,
        None,
        "returned",
        dt.datetime(2038, 1, 19, 3, 14, 7, tzinfo=UTC),
        None,
        dt.date(1970, 1, 2),
        None,
        0,
        0,
        0,
        32767,
        2147483647,
        9223372036854775807,
        0.1,
    ),
]


def _columns(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)]


def _utc(value: object) -> object:
    return value.astimezone(UTC) if isinstance(value, dt.datetime) else value


@pytest.fixture
def filled(warehouse: Warehouse) -> Warehouse:
    warehouse.execute(ALL_TYPES)
    assert warehouse.insert("t", COLUMNS, _columns(ROWS)) == len(ROWS)
    return warehouse


def test_every_column_type_round_trips(filled: Warehouse) -> None:
    rows = filled.query(f"SELECT {', '.join(COLUMNS)} FROM t ORDER BY id")
    assert rows == [tuple(_utc(v) for v in row) for row in ROWS]
    for row in rows:
        for value, expected in zip(row, ROWS[0], strict=True):
            if isinstance(value, dt.datetime):
                assert value.utcoffset() == dt.timedelta(0)
            assert value is None or type(value) is type(expected)
    # The +07:00 instant is stored as the same instant (01:30:15 UTC), not as wall-clock 08:30:15.
    assert rows[0][4] == rows[0][5] == dt.datetime(2024, 3, 1, 1, 30, 15, tzinfo=UTC)


def test_an_arrow_table_inserts_the_same_rows_as_its_values(warehouse: Warehouse) -> None:
    """``insert_arrow`` of a table built by ``arrow_columns`` from rows stores what ``insert`` of those rows
    stores: every type, NULLs, instants at another offset and below the second, arrays."""
    warehouse.execute(ALL_TYPES.replace("CREATE TABLE t", "CREATE TABLE a"))
    warehouse.execute(ALL_TYPES.replace("CREATE TABLE t", "CREATE TABLE b"))
    types = column_types(warehouse, "a")
    rows = [
        *ROWS,
        (3, "x", None, "submitted", dt.datetime(2024, 3, 1, 8, 30, 15, 999_999, tzinfo=ICT), *ROWS[1][5:]),
    ]
    assert warehouse.insert("a", COLUMNS, _columns(rows)) == 3
    assert warehouse.insert_arrow("b", build_table(COLUMNS, types, _columns(rows))) == 3
    select = f"SELECT {', '.join(COLUMNS)} FROM %s ORDER BY id"
    assert warehouse.query(select % "b") == warehouse.query(select % "a")
    assert warehouse.insert_arrow("b", build_table(COLUMNS, types, [[] for _ in COLUMNS])) == 0
    for name in ("c", "d"):
        warehouse.execute(
            f"CREATE TABLE {name} (id UInt64, keys Array(UInt64)) ENGINE = MergeTree ORDER BY id"
        )
    columns: list[list[object]] = [[2**63, 2**64 - 1, 1], [[], [0, 2**64 - 1], [2**63]]]
    assert warehouse.insert("c", ["id", "keys"], columns) == 3
    assert (
        warehouse.insert_arrow("d", build_table(["id", "keys"], column_types(warehouse, "c"), columns)) == 3
    )
    assert warehouse.query("SELECT * FROM d ORDER BY id") == warehouse.query("SELECT * FROM c ORDER BY id")


def test_an_arrow_table_with_a_null_in_a_column_that_is_not_nullable_is_refused(warehouse: Warehouse) -> None:
    warehouse.execute(ALL_TYPES)
    table = pa.table({"id": pa.array([1], pa.uint64()), "s": pa.array([None], pa.string())})
    with pytest.raises(WarehouseError):
        warehouse.insert_arrow("t", table)
    with pytest.raises(WarehouseError):
        build_table(["s"], {"s": "String"}, [[None]])
    assert warehouse.query("SELECT count() FROM t") == [(0,)]


def test_query_types_of_expressions(warehouse: Warehouse) -> None:
    rows = warehouse.query(
        "SELECT toDateTime('2024-01-02 03:04:05', 'UTC'), toDate('2024-01-02'), ['a', 'b'], "
        "CAST(NULL AS Nullable(String)), CAST('returned' AS Enum8('returned' = 14)), "
        "toUInt64(18446744073709551615)"
    )
    assert rows == [
        (
            dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            dt.date(2024, 1, 2),
            ["a", "b"],
            None,
            "returned",
            2**64 - 1,
        )
    ]


def test_empty_result_is_an_empty_list(filled: Warehouse) -> None:
    assert filled.query("SELECT id FROM t WHERE id > 100") == []


def test_insert_of_nothing_inserts_nothing(filled: Warehouse) -> None:
    assert filled.insert("t", COLUMNS, [[] for _ in COLUMNS]) == 0
    assert filled.query("SELECT count() FROM t") == [(2,)]


def test_insert_of_some_columns_fills_defaults(filled: Warehouse) -> None:
    filled.insert("t", ["id", "e", "at"], [[3], ["submitted"], [dt.datetime(2024, 1, 1, tzinfo=UTC)]])
    assert filled.query("SELECT s, ns, u8 FROM t WHERE id = 3") == [("", None, 0)]


@pytest.mark.parametrize(
    ("where", "params", "expected"),
    [
        ("s = %(v)s", {"v": "Sở Tài nguyên và Môi trường tỉnh Thừa Thiên Huế"}, [1]),
        ("s = %(v)s", {"v": INJECTION}, [2]),
        ("ns IS NULL AND %(v)s IS NULL", {"v": None}, [2]),
        ("e = %(v)s", {"v": "returned"}, [2]),
        ("at = %(v)s", {"v": dt.datetime(2024, 3, 1, 8, 30, 15, tzinfo=ICT)}, [1]),
        ("at = %(v)s", {"v": dt.datetime(2024, 3, 1, 1, 30, 15, tzinfo=UTC)}, [1]),
        ("at > %(v)s", {"v": dt.datetime(2030, 1, 1, tzinfo=UTC)}, [2]),
        ("d = %(v)s", {"v": dt.date(2024, 2, 29)}, [1]),
        ("u32 = %(v)s", {"v": 4294967295}, [1]),
        ("i64 = %(v)s", {"v": -9223372036854775808}, [1]),
        ("f < %(v)s", {"v": -1.0}, [1]),
        ("id IN %(ids)s", {"ids": (2, 3)}, [2]),
        ("id IN %(ids)s", {"ids": (1,)}, [1]),
        # A list binds as an Array (``IN [..]`` is not valid on 18.16): use a tuple for IN, a list for arrays.
        ("has(%(ids)s, id)", {"ids": [1, 2]}, [1, 2]),
        ("s IN %(ids)s", {"ids": (INJECTION, "khác")}, [2]),
        # A TextSet binds as one string split in SQL; one value holding its separator: as the tuple.
        ("s IN %(ids)s", {"ids": TextSet((INJECTION, "khác"))}, [2]),
        ("s IN %(ids)s", {"ids": TextSet(("khác\n" + INJECTION, INJECTION))}, [2]),
        ("s IN %(ids)s", {"ids": TextSet(["Sở Tài nguyên và Môi trường tỉnh Thừa Thiên Huế"])}, [1]),
        ("id = %(a)s OR id = %(b)s", {"a": 1, "b": 2}, [1, 2]),
    ],
)
def test_bound_parameters(filled: Warehouse, where: str, params: dict, expected: list[int]) -> None:
    assert [row[0] for row in filled.query(f"SELECT id FROM t WHERE {where} ORDER BY id", params)] == expected


def test_a_text_set_as_large_as_a_query_takes_is_bound(filled: Warehouse) -> None:
    """``TEXTS_PER_QUERY`` values of a dossier id's length, far beyond ClickHouse's default 256 KiB of query
    text: each backend raises ``max_query_size`` (``binding.MAX_QUERY_BYTES``) when it connects."""
    ids = [f"000.00.01.H99-240101-{n:07d}" for n in range(TEXTS_PER_QUERY - 1)]
    ids.append(INJECTION)
    assert len(TextSet(ids).sql()) > 10 * 256 * 1024
    found = filled.query("SELECT id FROM t WHERE s IN %(ids)s ORDER BY id", {"ids": TextSet(ids)})
    assert found == [(2,)]


def test_injection_attempt_is_stored_as_a_plain_value(warehouse: Warehouse) -> None:
    warehouse.execute("CREATE TABLE t (s String) ENGINE = MergeTree ORDER BY s")
    warehouse.execute("INSERT INTO t (s) SELECT %(s)s", {"s": INJECTION})
    warehouse.insert("t", ["s"], [[INJECTION]])
    assert warehouse.query("SELECT s FROM t") == [(INJECTION,), (INJECTION,)]
    assert warehouse.query("SELECT %(s)s", {"s": INJECTION}) == [(INJECTION,)]


def test_statement_without_params_keeps_percent_signs(filled: Warehouse) -> None:
    assert filled.query("SELECT id FROM t WHERE s LIKE 'Sở%' ORDER BY id") == [(1,)]


def test_enum_rejects_an_unknown_value(filled: Warehouse) -> None:
    with pytest.raises(WarehouseError):
        filled.insert("t", ["id", "e"], [[9], ["not_a_type"]])
    with pytest.raises(WarehouseError):
        filled.execute("INSERT INTO t (id, e) SELECT %(id)s, %(e)s", {"id": 9, "e": "not_a_type"})
    assert filled.query("SELECT count() FROM t WHERE id = 9") == [(0,)]


def test_syntax_error_raises_warehouse_error(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseError):
        warehouse.query("SELEC 1")
    with pytest.raises(WarehouseError):
        warehouse.execute("CREATE TABLE (")


def test_unknown_table_raises_warehouse_error(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseError):
        warehouse.query("SELECT * FROM no_such_table")
    with pytest.raises(WarehouseError):
        warehouse.insert("no_such_table", ["a"], [[1]])


def test_insert_refuses_bad_identifiers_and_ragged_columns(filled: Warehouse) -> None:
    with pytest.raises(WarehouseError):
        filled.insert("t; DROP TABLE t", ["id"], [[1]])
    with pytest.raises(WarehouseError):
        filled.insert("t", ["id) SELECT 1 --"], [[1]])
    with pytest.raises(WarehouseError):
        filled.insert("t", ["id", "e"], [[1, 2], ["submitted"]])
    with pytest.raises(WarehouseError):
        filled.insert("t", ["id", "e"], [[1]])
    assert filled.query("SELECT count() FROM t") == [(2,)]


def test_replacing_merge_tree_final_collapses_a_reinserted_batch(warehouse: Warehouse) -> None:
    warehouse.execute(
        "CREATE TABLE r (k String, v String, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY k"
    )
    batch: list[list[object]] = [["a", "b", "c"], ["một", "hai", "ba"], [1, 1, 1]]
    warehouse.insert("r", ["k", "v", "version"], batch)
    warehouse.insert("r", ["k", "v", "version"], batch)
    warehouse.insert("r", ["k", "v", "version"], [["b"], ["hai mới"], [2]])
    assert warehouse.query("SELECT count() FROM r") == [(7,)]
    assert warehouse.query("SELECT k, v FROM r FINAL ORDER BY k") == [
        ("a", "một"),
        ("b", "hai mới"),
        ("c", "ba"),
    ]


def test_database_is_the_urls_and_unqualified_names_use_it(warehouse: Warehouse) -> None:
    assert warehouse.query("SELECT currentDatabase()") == [(warehouse.database,)]
    warehouse.execute("CREATE TABLE q (a UInt8) ENGINE = MergeTree ORDER BY a")
    rows = warehouse.query(
        "SELECT name FROM system.tables WHERE database = %(db)s AND name = 'q'", {"db": warehouse.database}
    )
    assert rows == [("q",)]


def test_server_version_answers(warehouse: Warehouse) -> None:
    version = warehouse.server_version()
    assert version.split(".")[0].isdigit()
    assert int(version.split(".")[0]) >= 18


def test_url_is_safe_to_log(warehouse: Warehouse) -> None:
    assert ":***@" in warehouse.url or "@" not in warehouse.url
    assert isinstance(warehouse, Warehouse)
