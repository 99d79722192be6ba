"""Reading commands on a warehouse that is not there, or not theirs to change: a URL naming no initialised
warehouse gives one line saying so and how to initialise it (exit 2), and creates nothing — no chdb
directory, no lock file, no database; and ``warehouse status`` runs as the read-only ``reports`` user."""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from dossier_audit.cli import app
from tests.warehouse.server import ClickHouseServer
from warehouse import open_warehouse
from warehouse.base import WarehouseNotInitialised

runner = CliRunner()
CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"

#: Every command that only reads the warehouse (``check`` writes its results, but only into an initialised
#: warehouse), each with the arguments it needs besides ``--warehouse``.
READING_COMMANDS = {
    "report": ["report", "--week", "2025-W45", "--out", "{tmp}/out"],
    "check": ["check"],
    "violations": ["violations"],
    "warehouse status": ["warehouse", "status"],
    "warehouse status --json": ["warehouse", "status", "--json"],
    "metrics": ["metrics", "--from", "2025-11-01", "--to", "2025-11-08"],
    "audit": ["audit", "--as-of", "2025-11-20"],
}


def _behind(url: str) -> None:
    """A new warehouse at ``url`` with migrations 0000–0006 applied, recorded as a release had them."""
    from warehouse.migrate import discover

    with open_warehouse(url, create_database=True) as wh:
        for migration in discover()[:7]:
            for statement in migration.statements():
                wh.execute(statement)
            wh.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                f"VALUES ({migration.version}, '{migration.name}', '{migration.checksum}', now())"
            )


def run(args: list[str], url: str, tmp_path: Path) -> Result:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args] + ["--warehouse", url]
    return runner.invoke(app, argv)


def assert_not_initialised(result: Result, url_shown: str) -> None:
    assert result.exit_code == 2, result.stderr + result.stdout
    message = " ".join(result.stderr.split())
    assert "is not initialised" in message
    assert f"`dossier-audit warehouse init --warehouse {url_shown}`" in message
    # One line, not the engine's error and a page of SQL.
    assert len(result.stderr.strip().splitlines()) == 1 and "SELECT" not in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", READING_COMMANDS, ids=list(READING_COMMANDS))
def test_a_missing_chdb_directory_is_not_initialised_and_not_created(command: str, tmp_path: Path) -> None:
    typo = tmp_path / "typo"
    result = run(READING_COMMANDS[command], f"chdb://{typo}", tmp_path)
    assert_not_initialised(result, f"chdb://{typo}")
    assert not typo.exists() and not (tmp_path / "out").exists()


def test_an_existing_directory_that_holds_no_warehouse_is_left_untouched(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("mine")
    for command in ("report", "warehouse status"):
        assert_not_initialised(run(READING_COMMANDS[command], f"chdb://{plain}", tmp_path), f"chdb://{plain}")
    assert [p.name for p in plain.iterdir()] == ["notes.txt"]


def test_a_chdb_directory_without_that_database_is_not_initialised(tmp_path: Path) -> None:
    directory = tmp_path / "wh"
    assert runner.invoke(app, ["warehouse", "init", "--warehouse", f"chdb://{directory}"]).exit_code == 0
    before = sorted(p.name for p in (directory / "metadata").iterdir())
    result = run(READING_COMMANDS["warehouse status"], f"chdb://{directory}?database=other", tmp_path)
    assert_not_initialised(result, f"chdb://{directory}")
    assert "no database other" in result.stderr
    assert sorted(p.name for p in (directory / "metadata").iterdir()) == before


def test_a_database_without_schema_is_not_initialised(warehouse_url: str, tmp_path: Path) -> None:
    # The database exists (the fixture's, or chdb's default one) but `warehouse init` never ran.
    with open_warehouse(warehouse_url, create_database=True):
        pass
    with open_warehouse(warehouse_url) as wh:
        shown = wh.url
    assert_not_initialised(run(["warehouse", "status"], warehouse_url, tmp_path), shown)
    with pytest.raises(WarehouseNotInitialised, match="no schema"):
        open_warehouse(warehouse_url, create_database=False)


def test_a_missing_server_database_is_not_initialised_and_not_created(
    clickhouse_server: ClickHouseServer, tmp_path: Path
) -> None:
    database = f"typo_{uuid.uuid4().hex[:8]}"
    for readonly in (False, True):
        url = clickhouse_server.url(database, readonly=readonly)
        with open_warehouse(url) as wh:
            shown = wh.url
        for command in ("report", "warehouse status", "violations"):
            assert_not_initialised(run(READING_COMMANDS[command], url, tmp_path), shown)
        assert "***" in shown
    ((exists,),) = clickhouse_server.client().execute(
        "SELECT count() FROM system.databases WHERE name = %(name)s", {"name": database}
    )
    assert exists == 0 and not (tmp_path / "out").exists()


def test_the_readonly_user_runs_warehouse_status(clickhouse_server: ClickHouseServer, tmp_path: Path) -> None:
    database = f"test_{uuid.uuid4().hex[:12]}"
    clickhouse_server.admin_execute(f"CREATE DATABASE {database}")
    try:
        writer = clickhouse_server.url(database)
        for args in (["warehouse", "init"], ["warehouse", "load", str(EXAMPLES), "--as-of", "2025-11-20"]):
            done = runner.invoke(app, [*args, "--warehouse", writer])
            assert done.exit_code == 0, done.stderr
        reports = clickhouse_server.url(database, readonly=True)
        for extra in ([], ["--json"]):
            result = runner.invoke(app, ["warehouse", "status", "--warehouse", reports, *extra])
            assert result.exit_code == 0, result.stderr
            status = orjson.loads(result.stdout)
            assert status["events"] > 0 and status["open_violations"] == 9
        assert status["last_load"]["completed"] is True and status["schema"]["pending"] == []
        assert status["url"].startswith(f"clickhouse://{clickhouse_server.readonly_user}:***@")
    finally:
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {database}")


@pytest.mark.parametrize("command", ["warehouse status --json", "report"])
def test_a_schema_a_killed_first_load_left_behind_is_one_line_naming_the_init(
    command: str, tmp_path: Path
) -> None:
    """Review: a first load killed while it created the schema left migrations unapplied, and ``warehouse
    status`` said ``Code: 47 … Unknown expression or function identifier 'digest'`` (a column a later
    migration adds). A reading command now names what the schema lacks and the command that applies it
    (exit 2); ``warehouse status`` reports it (its JSON's ``schema.pending``, which monitoring reads, and a
    warning), with the counts the schema can give. ``warehouse init`` then brings it up to date."""

    url = f"chdb://{tmp_path}/wh"
    _behind(url)  # as far as a first load killed at 0007 got
    result = run(READING_COMMANDS[command], url, tmp_path)
    message = " ".join(result.stderr.split())
    if command.startswith("warehouse status"):
        assert result.exit_code == 0, result.stderr
        report = orjson.loads(result.stdout)
        assert report["schema"]["pending"][0].startswith("0007_") and report["schema"]["version"] == 6
        assert report["events"] == 0 and report["last_load"] is None and "Code:" not in message
        if command == "warehouse status --json":  # not read, not "none": the runs may be there (review)
            assert report["unfinished_loads"] is None
            assert "last load: not read (the schema is behind)" in message and "none recorded" not in message
        assert "warning: the schema lacks 0007_" in message
        assert f"warehouse init --warehouse {url}`" in message
        assert runner.invoke(app, ["warehouse", "init", "--warehouse", url]).exit_code == 0
        assert orjson.loads(run(READING_COMMANDS[command], url, tmp_path).stdout)["schema"]["pending"] == []
        return
    assert result.exit_code == 2, result.stderr + result.stdout
    behind = f"error: the warehouse {url} is not up to date: its schema lacks 0007_"
    assert message.startswith(behind), message
    assert f"`dossier-audit warehouse init --warehouse {url}`" in message and "Code:" not in message
    assert len(result.stderr.strip().splitlines()) == 1
    assert runner.invoke(app, ["warehouse", "init", "--warehouse", url]).exit_code == 0
    assert run(["warehouse", "status"], url, tmp_path).exit_code == 0


def test_a_load_says_when_it_brought_a_warehouse_up_to_date_first(tmp_path: Path) -> None:
    """A load migrates a warehouse behind the code, which the reading commands refuse: it did so without a
    word (upgrade review). It says which migrations it applied; on a new warehouse, that it made one."""
    from warehouse.migrate import discover

    url = f"chdb://{tmp_path}/wh"
    _behind(url)  # an older release's warehouse
    newer = [m.label for m in discover()[7:]]
    args = ["warehouse", "load", str(EXAMPLES), "--as-of", "2025-11-20"]
    loaded = run(args, url, tmp_path)
    assert loaded.exit_code == 0, loaded.stderr
    assert orjson.loads(loaded.stdout)["migrations_applied"] == newer
    assert f"migrated the schema first: {', '.join(newer)}" in " ".join(loaded.stderr.split())
    again = run(args, url, tmp_path)
    assert orjson.loads(again.stdout)["migrations_applied"] == [] and "schema" not in again.stderr
    fresh = run(args, f"chdb://{tmp_path}/new", tmp_path)
    assert f"created the warehouse's schema ({len(discover())} migrations)" in fresh.stderr
