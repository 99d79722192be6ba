"""Behaviour only the embedded backend has: the directory lock, chdb's one-engine-per-process rule, speed."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from warehouse import open_warehouse
from warehouse.backends.chdb import ChdbWarehouse
from warehouse.backends.chdb_lock import LOCK_FILE
from warehouse.base import WarehouseError, WarehouseLocked, parse_url

ROOT = Path(__file__).resolve().parents[2]
# A second process: report what opening the directory does, then close.
OPENER = """
import sys
from warehouse import open_warehouse
from warehouse.base import WarehouseLocked
try:
    open_warehouse(sys.argv[1]).close()
except WarehouseLocked as exc:
    print("LOCKED", exc)
else:
    print("OPENED")
"""


def _open_elsewhere(url: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", OPENER, url], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def _open(url: str) -> ChdbWarehouse:
    return ChdbWarehouse(parse_url(url))


def _locked_by_someone(directory: Path) -> bool:
    """Whether the directory's lock is held (a new open file description conflicts even in this process)."""
    fd = os.open(directory / LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_second_process_is_refused_while_the_directory_is_open(tmp_path: Path) -> None:
    url = f"chdb://{tmp_path}/wh"
    wh = open_warehouse(url)
    try:
        answer = _open_elsewhere(url)
    finally:
        wh.close()
    assert answer.startswith("LOCKED")
    assert str(tmp_path / "wh") in answer
    assert f"PID {os.getpid()}" in answer
    assert "one process" in answer and "clickhouse://" in answer
    assert _open_elsewhere(url) == "OPENED"


def test_close_releases_the_lock_and_data_persists(tmp_path: Path) -> None:
    url = f"chdb://{tmp_path}/wh?database=other_db"
    wh = open_warehouse(url)
    assert wh.database == "other_db"
    wh.execute("CREATE TABLE t (s String) ENGINE = MergeTree ORDER BY s")
    wh.insert("t", ["s"], [["còn đây"]])
    assert _locked_by_someone(tmp_path / "wh")
    wh.close()
    assert not _locked_by_someone(tmp_path / "wh")
    with _open(url) as again:
        assert again.query("SELECT s FROM t") == [("còn đây",)]


def test_same_directory_twice_in_one_process_shares_the_engine_and_lock(tmp_path: Path) -> None:
    url = f"chdb://{tmp_path}/wh"
    first = open_warehouse(url)
    second = open_warehouse(url)
    first.execute("CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a")
    second.insert("t", ["a"], [[7]])
    assert first.query("SELECT a FROM t") == [(7,)]
    first.close()
    assert _locked_by_someone(tmp_path / "wh")  # still held for `second`
    assert second.query("SELECT a FROM t") == [(7,)]
    second.close()
    assert not _locked_by_someone(tmp_path / "wh")


def test_another_directory_in_the_same_process_is_refused_clearly(tmp_path: Path) -> None:
    wh = open_warehouse(f"chdb://{tmp_path}/one")
    try:
        with pytest.raises(WarehouseError, match="one embedded engine per process") as caught:
            open_warehouse(f"chdb://{tmp_path}/two")
        assert not isinstance(caught.value, WarehouseLocked)
        assert str(tmp_path / "one") in str(caught.value)
    finally:
        wh.close()
    open_warehouse(f"chdb://{tmp_path}/two").close()


def test_closed_warehouse_refuses_work_and_close_is_idempotent(tmp_path: Path) -> None:
    wh = open_warehouse(f"chdb://{tmp_path}/wh")
    wh.close()
    with pytest.raises(WarehouseError, match="closed"):
        wh.query("SELECT 1")
    wh.close()


def test_bad_database_name_is_refused_before_touching_the_directory(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="invalid database name"):
        open_warehouse(f"chdb://{tmp_path}/wh?database=x;DROP")
    assert not (tmp_path / "wh").exists()


@pytest.mark.parametrize(
    "name", ["system", "SYSTEM", "information_schema", "INFORMATION_SCHEMA", "_temporary_and_external_tables"]
)
def test_clickhouses_own_databases_are_refused_on_both_backends(tmp_path: Path, name: str) -> None:
    """The warehouse seat of 2026-12-07: ``warehouse init`` into ``system`` exited 0, creating the project's
    tables beside ClickHouse's own (``system.events`` is one), and every later load failed with the
    server's error. Refused in one line, before the directory or the server is touched; so is the server's
    database of temporary tables (its ``init`` failed with "no such table": the seat's last read)."""
    for url in (f"chdb://{tmp_path}/wh?database={name}", f"clickhouse://127.0.0.1:1/{name}"):
        with pytest.raises(WarehouseError, match="is ClickHouse's own"):
            open_warehouse(url)
    assert not (tmp_path / "wh").exists()


def test_host_time_zone_does_not_shift_bound_datetimes(tmp_path: Path) -> None:
    code = (
        "import datetime as dt, sys\n"
        "from warehouse import open_warehouse\n"
        "wh = open_warehouse(sys.argv[1])\n"
        "v = dt.datetime(2024, 1, 1, 7, tzinfo=dt.timezone(dt.timedelta(hours=7)))\n"
        "print(wh.query('SELECT toString(toDateTime(%(v)s)), timezone()', {'v': v}))\n"
        "wh.close()\n"
    )
    env = {**os.environ, "TZ": "Asia/Ho_Chi_Minh"}
    done = subprocess.run(
        [sys.executable, "-c", code, f"chdb://{tmp_path}/wh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[('2024-01-01 00:00:00', 'UTC')]"


def test_null_in_a_non_nullable_column_is_refused(tmp_path: Path) -> None:
    with _open(f"chdb://{tmp_path}/wh") as wh:
        wh.execute("CREATE TABLE t (s String) ENGINE = MergeTree ORDER BY s")
        with pytest.raises(WarehouseError, match="not Nullable"):
            wh.insert("t", ["s"], [["a", None]])
        with pytest.raises(WarehouseError, match="parameter 'v': unsupported type"):
            wh.query("SELECT %(v)s", {"v": b"bytes"})
        with pytest.raises(WarehouseError, match="not given"):
            wh.query("SELECT %(v)s", {})


def test_arrays_of_datetimes_and_enums_come_back_typed(tmp_path: Path) -> None:
    with _open(f"chdb://{tmp_path}/wh") as wh:
        rows = wh.query(
            "SELECT [toDateTime(0, 'UTC')], "
            "CAST(['b', 'a'] AS Array(Enum8('a' = 1, 'b\\'s' = 2, 'b' = -3))), "
            "CAST([NULL, 1] AS Array(Nullable(UInt32)))"
        )
    assert rows == [([dt.datetime(1970, 1, 1, tzinfo=dt.UTC)], ["b", "a"], [None, 1])]


def test_insert_rate_of_an_events_like_table(tmp_path: Path) -> None:
    """300-byte rows into a 15-column ReplacingMergeTree, all stored (the rate is printed, not asserted)."""
    n = 100_000
    at = dt.datetime(2024, 3, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    columns: dict[str, list[Any]] = {
        "event_id": [f"01HV{i:022d}" for i in range(n)],
        "dossier_id": [f"000.00.12.H{i % 5000:05d}-240301-{i // 5000:04d}" for i in range(n)],
        "type": ["submitted", "received", "processed", "returned"] * (n // 4),
        "schema_version": [1] * n,
        "occurred_at": [at + dt.timedelta(seconds=i) for i in range(n)],
        "occurred_at_us": [i % 1_000_000 for i in range(n)],
        "unit_code": ["000.00.12.H40"] * n,
        "actor": [None, "cb-7f3a9c"] * (n // 2),
        "procedure_code": ["1.004227"] * n,
        "data": ['{"channel":"online","note":"Hồ sơ đầy đủ"}'] * n,
        "raw": ["{" + "x" * 140 + "}"] * n,
        "fingerprint": ["9f86d081884c7d659a2feaa0c55ad015"] * n,
        "source": ["events-2024-03.jsonl"] * n,
        "source_offset": list(range(n)),
        "ingested_at": [at] * n,
    }
    with _open(f"chdb://{tmp_path}/wh") as wh:
        core = (ROOT / "warehouse" / "migrations" / "0001_core.sql").read_text()
        start = core.index("CREATE TABLE IF NOT EXISTS events")
        wh.execute(core[start : core.index(";", start)])
        # The engine's first insert pays one-off start-up costs (thread pools, first parts): not the rate.
        wh.insert("events", list(columns), [values[:100] for values in columns.values()])
        began = time.perf_counter()
        wh.insert("events", list(columns), list(columns.values()))
        rate = n / (time.perf_counter() - began)
        assert wh.query("SELECT count(), countIf(actor IS NULL) FROM events") == [(n + 100, (n + 100) // 2)]
    # The rate is shown, not asserted: speed targets live in bench/ (CI failed this at 94,801 rows/s on a
    # loaded 2-core machine); the steady rate is ~300-380k rows/s.
    print(f"chdb insert: {rate:,.0f} rows/s")
