"""The fast insert paths: pipelined sub-blocks on the server, merge-free inserts on chdb, and repeated
datetimes converted once. Whatever the path, the rows read back are exactly the rows given."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.warehouse.server import ClickHouseServer
from warehouse.backends import chdb as chdb_backend
from warehouse.backends import native, native_insert
from warehouse.backends import server as server_backend
from warehouse.backends.chdb import ChdbWarehouse
from warehouse.backends.server import ServerWarehouse
from warehouse.base import Warehouse, WarehouseError, parse_url
from warehouse.migrate import migrate

UTC = dt.UTC
ICT = dt.timezone(dt.timedelta(hours=7))
SUB_BLOCK = 1_000
ROWS = 3 * SUB_BLOCK + 17  # four sub-blocks, the last one short

DDL = """
CREATE TABLE t
(
    id UInt32,
    e Enum8('submitted' = 1, 'received' = 2, 'returned' = 14),
    s String,
    ns Nullable(String),
    at DateTime('UTC'),
    ingested DateTime('UTC'),
    maybe Nullable(DateTime('UTC')),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (s, id)
"""
COLUMNS = ("id", "e", "s", "ns", "at", "ingested", "maybe", "version")
ENUM = ("submitted", "received", "returned")
INGESTED = dt.datetime(2025, 11, 3, 8, 30, 15, 999_999, tzinfo=ICT)  # one value for every row


def _rows(n: int) -> list[tuple[Any, ...]]:
    start = dt.datetime(2025, 9, 1, tzinfo=UTC)
    return [
        (
            i,
            ENUM[i % 3],
            f"hồ sơ-{i % 97}",
            None if i % 5 == 0 else f"cán bộ {i}",
            start + dt.timedelta(seconds=37 * i, microseconds=i % 1000),
            INGESTED,
            None if i < 2 else INGESTED,
            i,
        )
        for i in range(n)
    ]


def _expected(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows as read back: DateTime has whole seconds, in UTC."""

    def second(t: dt.datetime | None) -> dt.datetime | None:
        return None if t is None else t.astimezone(UTC).replace(microsecond=0)

    return sorted((r[0], r[1], r[2], r[3], second(r[4]), second(r[5]), second(r[6]), r[7]) for r in rows)


def _columns(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [list(c) for c in zip(*rows, strict=True)]


def _read(wh: Warehouse) -> list[tuple[Any, ...]]:
    return sorted(wh.query(f"SELECT {', '.join(COLUMNS)} FROM t FINAL"))


@pytest.fixture
def small_sub_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_backend, "PIPELINE_ROWS", SUB_BLOCK)
    monkeypatch.setattr(chdb_backend, "PIPELINE_ROWS", SUB_BLOCK)


@pytest.fixture
def table(warehouse: Warehouse, small_sub_blocks: None) -> Iterator[Warehouse]:
    warehouse.execute(DDL)
    yield warehouse


def test_a_multi_block_insert_reads_back_exactly_the_rows_given(table: Warehouse) -> None:
    rows = _rows(ROWS)
    assert table.insert("t", COLUMNS, _columns(rows)) == ROWS
    assert _read(table) == _expected(rows)
    assert table.query("SELECT count() FROM t") == [(ROWS,)]


def test_tuples_and_a_second_insert_of_the_same_batch_change_nothing(table: Warehouse) -> None:
    rows = _rows(ROWS)
    batch = [tuple(c) for c in zip(*rows, strict=True)]
    table.insert("t", COLUMNS, batch)
    table.insert("t", COLUMNS, batch)
    assert _read(table) == _expected(rows)


@pytest.fixture
def server_table(clickhouse_server: ClickHouseServer, small_sub_blocks: None) -> Iterator[ServerWarehouse]:
    database = f"ins_{uuid.uuid4().hex[:12]}"
    clickhouse_server.admin_execute(f"CREATE DATABASE {database}")
    wh = ServerWarehouse(parse_url(clickhouse_server.url(database)))
    try:
        wh.execute(DDL)
        yield wh
    finally:
        wh.close()
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {database}")


def test_server_sends_sub_blocks_over_two_connections(
    server_table: ServerWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[int, int, int]] = []
    lock = threading.Lock()
    original = ServerWarehouse._insert_part

    def spy(
        self: ServerWarehouse,
        client: Any,
        sql: str,
        table: str,
        columns: Any,
        data: Any,
        start: int,
        stop: int,
    ) -> None:
        with lock:
            sent.append((id(client), start, stop))
        time.sleep(0.05)  # long enough for both connections to take a share
        original(self, client, sql, table, columns, data, start, stop)

    monkeypatch.setattr(ServerWarehouse, "_insert_part", spy)
    rows = _rows(ROWS)
    server_table.insert("t", COLUMNS, _columns(rows))
    assert sorted((a, b) for _, a, b in sent) == [(0, 1000), (1000, 2000), (2000, 3000), (3000, ROWS)]
    assert len({client for client, _, _ in sent}) == 2
    assert _read(server_table) == _expected(rows)


def test_server_small_insert_is_one_block_on_one_connection(
    server_table: ServerWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_backend, "PIPELINE_ROWS", ROWS)
    rows = _rows(ROWS)
    server_table.insert("t", COLUMNS, _columns(rows))
    assert server_table._helper_clients == []
    assert _read(server_table) == _expected(rows)


def test_server_bad_value_in_a_late_sub_block_is_a_clear_error(server_table: ServerWarehouse) -> None:
    columns = _columns(_rows(ROWS))
    columns[1][ROWS - 1] = "not_a_type"
    with pytest.raises(WarehouseError, match="not_a_type"):
        server_table.insert("t", COLUMNS, columns)
    # Both connections are still usable, and the good batch then goes in whole.
    rows = _rows(ROWS)
    server_table.insert("t", COLUMNS, _columns(rows))
    assert _read(server_table) == _expected(rows)


@pytest.fixture
def chdb_table(tmp_path: Path) -> Iterator[ChdbWarehouse]:
    with ChdbWarehouse(parse_url(f"chdb://{tmp_path}/wh")) as wh:
        wh.execute(DDL)
        yield wh


def _spy_sql(wh: ChdbWarehouse, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    statements: list[str] = []
    original = wh._run

    def run(sql: str, fmt: str) -> Any:
        statements.append(sql)
        return original(sql, fmt)

    monkeypatch.setattr(wh, "_run", run)
    return statements


def test_chdb_builds_each_sub_block_while_the_one_before_is_stored(
    chdb_table: ChdbWarehouse, small_sub_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, str, int]] = []
    original_store = ChdbWarehouse._store
    original_build = chdb_backend._build_column

    def store(self: ChdbWarehouse, sql: str, batch: Any, settings: str) -> None:
        events.append(("store", threading.current_thread().name, batch.num_rows))
        time.sleep(0.05)  # a slow engine: the next sub-block is built meanwhile
        original_store(self, sql, batch, settings)
        events.append(("stored", threading.current_thread().name, batch.num_rows))

    def build(name: str, ch_type: str, values: Any) -> Any:
        if name == "id":
            events.append(("build", threading.current_thread().name, len(values)))
        return original_build(name, ch_type, values)

    monkeypatch.setattr(ChdbWarehouse, "_store", store)
    monkeypatch.setattr(chdb_backend, "_build_column", build)
    rows = _rows(ROWS)
    assert chdb_table.insert("t", COLUMNS, _columns(rows)) == ROWS
    assert sorted(chdb_table.query(f"SELECT {', '.join(COLUMNS)} FROM t")) == _expected(rows)
    assert [n for kind, _, n in events if kind == "build"] == [1000, 1000, 1000, 17]
    assert {thread for kind, thread, _ in events if kind == "store"} == {"chdb-insert_0"}
    # The second sub-block was built before the first one was stored.
    kinds = [kind for kind, _, _ in events]
    assert kinds.index("build", 1) < kinds.index("stored")


def test_chdb_bad_value_in_a_late_sub_block_is_a_clear_error(
    chdb_table: ChdbWarehouse, small_sub_blocks: None
) -> None:
    columns = _columns(_rows(ROWS))
    columns[1][ROWS - 1] = None  # the Enum column is not Nullable
    with pytest.raises(WarehouseError, match=r"column e .* is not Nullable"):
        chdb_table.insert("t", COLUMNS, columns)
    rows = _rows(ROWS)
    chdb_table.insert("t", COLUMNS, _columns(rows))
    assert sorted(chdb_table.query(f"SELECT {', '.join(COLUMNS)} FROM t FINAL")) == _expected(rows)


def test_chdb_reads_a_tables_schema_once_until_a_statement_may_change_it(
    chdb_table: ChdbWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = _spy_sql(chdb_table, monkeypatch)
    rows = _rows(10)
    chdb_table.insert("t", COLUMNS, _columns(rows[:5]))
    chdb_table.insert("t", COLUMNS, _columns(rows[5:]))
    catalogue = [s for s in statements if "system." in s]
    assert len(catalogue) == 2  # columns and sorting key, for the first insert only
    chdb_table.execute("ALTER TABLE t ADD COLUMN note String DEFAULT 'none'")
    chdb_table.insert("t", ["id", "e", "s", "at", "ingested", "version", "note"], [
        [99], ["received"], ["x"], [INGESTED], [INGESTED], [1], ["added"]
    ])  # fmt: skip
    assert len([s for s in statements if "system." in s]) == 4
    assert chdb_table.query("SELECT note FROM t WHERE id = 99") == [("added",)]


def test_chdb_batch_of_distinct_keys_skips_the_merge_on_insert(
    chdb_table: ChdbWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = _spy_sql(chdb_table, monkeypatch)
    rows = _rows(ROWS)
    chdb_table.insert("t", COLUMNS, _columns(rows))
    assert next(s for s in statements if s.startswith("INSERT")).endswith("SETTINGS optimize_on_insert = 0")
    assert sorted(chdb_table.query(f"SELECT {', '.join(COLUMNS)} FROM t")) == _expected(rows)


def test_chdb_batch_with_a_repeated_key_is_still_merged_on_insert(
    chdb_table: ChdbWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = _spy_sql(chdb_table, monkeypatch)
    rows = _rows(10)
    newer = (*rows[3][:7], 99)  # the same key (s, id) as row 3, a newer version
    chdb_table.insert("t", COLUMNS, _columns([*rows, newer]))
    assert "optimize_on_insert" not in next(s for s in statements if s.startswith("INSERT"))
    # Collapsed when inserted, as before: the stored rows hold only the newer version.
    stored = sorted(chdb_table.query(f"SELECT {', '.join(COLUMNS)} FROM t"))
    assert stored == _expected([*rows[:3], newer, *rows[4:]])


def test_chdb_distinct_keys_whose_last_column_repeats_still_skip_the_merge(
    chdb_table: ChdbWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-column check fails here (ids repeat under different ``s``); the whole key decides."""
    statements = _spy_sql(chdb_table, monkeypatch)
    rows = _rows(10)
    other = [(0, *row[1:]) if i % 2 else row for i, row in enumerate(rows)]  # many rows with id 0
    other = [(row[0], row[1], f"{row[2]}-{i}", *row[3:]) for i, row in enumerate(other)]  # distinct s
    chdb_table.insert("t", COLUMNS, _columns(other))
    assert next(s for s in statements if s.startswith("INSERT")).endswith("SETTINGS optimize_on_insert = 0")
    assert sorted(chdb_table.query(f"SELECT {', '.join(COLUMNS)} FROM t")) == _expected(other)


def test_chdb_key_of_an_expression_or_of_a_column_not_given_keeps_the_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ChdbWarehouse(parse_url(f"chdb://{tmp_path}/wh")) as wh:
        wh.execute(
            "CREATE TABLE x (a UInt32, b String) ENGINE = ReplacingMergeTree ORDER BY (toString(a), b)"
        )
        wh.execute("CREATE TABLE y (a UInt32, b String) ENGINE = ReplacingMergeTree ORDER BY (a, b)")
        statements = _spy_sql(wh, monkeypatch)
        wh.insert("x", ["a", "b"], [[1, 2], ["p", "q"]])
        wh.insert("y", ["a"], [[1, 2]])
        inserts = [s for s in statements if s.startswith("INSERT")]
        assert len(inserts) == 2 and not any("optimize_on_insert" in s for s in inserts)
        assert wh.query("SELECT a, b FROM y ORDER BY a") == [(1, ""), (2, "")]


def test_server_encodes_every_column_itself_none_by_the_drivers_per_value_encoder(
    server_table: ServerWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(context: Any, name: str, *args: Any) -> None:
        raise AssertionError(f"the driver encoded column {name}")

    monkeypatch.setattr(native_insert, "write_column", refuse)
    rows = _rows(ROWS)
    server_table.insert("t", COLUMNS, _columns(rows))
    assert _read(server_table) == _expected(rows)


@pytest.mark.parametrize("compression", ["lz4", "zstd"])
def test_server_insert_with_wire_compression(
    clickhouse_server: ClickHouseServer, small_sub_blocks: None, compression: str
) -> None:
    database = f"ins_{uuid.uuid4().hex[:12]}"
    clickhouse_server.admin_execute(f"CREATE DATABASE {database}")
    try:
        with ServerWarehouse(parse_url(f"{clickhouse_server.url(database)}?compression={compression}")) as wh:
            wh.execute(DDL)
            rows = _rows(ROWS)
            wh.insert("t", COLUMNS, _columns(rows))
            assert _read(wh) == _expected(rows)
    finally:
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {database}")


def test_server_lets_the_driver_encode_what_the_encoders_do_not_handle(server_table: ServerWarehouse) -> None:
    server_table.execute(
        "CREATE TABLE f (k UInt32, tags Array(String), at DateTime('UTC'), s String) "
        "ENGINE = MergeTree ORDER BY k"
    )
    naive = [dt.datetime(2025, 11, 3, 8, 30) + dt.timedelta(minutes=i) for i in range(ROWS)]
    columns: list[list[Any]] = [
        list(range(ROWS)),
        [[f"t{i}", "ồ"][: i % 3] for i in range(ROWS)],
        naive,  # naive datetimes: the driver reads them in the column's zone
        [f"a\x00b{i}" for i in range(ROWS)],
    ]
    server_table.insert("f", ["k", "tags", "at", "s"], columns)
    assert server_table.query("SELECT k, tags, at, s FROM f ORDER BY k") == [
        (i, columns[1][i], naive[i].replace(tzinfo=UTC), columns[3][i]) for i in range(ROWS)
    ]


def test_the_schemas_column_types_are_all_encoded_without_the_driver_but_one(
    clickhouse_server: ClickHouseServer,
) -> None:
    database = f"ins_{uuid.uuid4().hex[:12]}"
    clickhouse_server.admin_execute(f"CREATE DATABASE {database}")
    try:
        with ServerWarehouse(parse_url(clickhouse_server.url(database))) as wh:
            migrate(wh)
            types = {
                t
                for (t,) in wh.query(
                    "SELECT DISTINCT type FROM system.columns WHERE database = %(d)s", {"d": database}
                )
            }
    finally:
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {database}")
    assert {"String", "Nullable(String)", "DateTime('UTC')", "Int64"} <= types
    assert {t for t in types if not native.handles(t)} == {"Array(UInt64)"}  # dossier_outcomes.outcome_keys


def test_server_sub_blocks_are_encoded_one_at_a_time(
    server_table: ServerWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encoding two sub-blocks at once would only share the GIL and delay the first one's arrival."""
    original = native_insert._send_block
    active: list[int] = []
    peak: list[int] = [0]
    lock = threading.Lock()

    def spy(*args: Any) -> None:
        with lock:
            active.append(1)
            peak[0] = max(peak[0], len(active))
        time.sleep(0.03)  # long enough for the other connection to try
        try:
            original(*args)
        finally:
            with lock:
                active.pop()

    monkeypatch.setattr(native_insert, "_send_block", spy)
    rows = _rows(ROWS)
    server_table.insert("t", COLUMNS, _columns(rows))
    assert peak == [1]
    assert len(server_table._helper_clients) == 1  # and yet two connections were used
    assert _read(server_table) == _expected(rows)
