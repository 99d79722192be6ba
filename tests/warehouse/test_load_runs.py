"""Load runs on both backends: the bookkeeping (started, completed, recovered), a load killed with SIGKILL
between storing its events and judging them, which ``warehouse status`` then reports and the next load
finishes, and ``warehouse status --json``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from dossier_audit.cli import app
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.load_runs import (
    COUNTS,
    last_run,
    new_run,
    record_completion,
    record_start,
    recorded_runs,
    run_dossiers,
    unfinished_runs,
)
from warehouse.migrate import discover, migrate

runner = CliRunner()
CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
AS_OF = "2025-11-20"
#: Open violations of the contract examples at AS_OF (a complete load; test_warehouse_flows agrees).
EXAMPLE_VIOLATIONS = 9

#: Runs the real CLI with the judging step replaced by "say so, then wait to be killed": the load has then
#: recorded its start and stored its events, and not one violation. Deterministic, unlike a timed kill.
KILLABLE = """
import sys, time
from pathlib import Path
import dossier_audit.jobs.warehouse as job

flag = Path(sys.argv[1])

def stored_then_wait(*args, **kwargs):
    flag.write_text("stored")
    time.sleep(600)

job.fold_dossiers = stored_then_wait
from dossier_audit.cli import main
sys.argv = ["dossier-audit", *sys.argv[2:]]
main()
"""


def cli(*args: str, code: int = 0) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.stderr + result.stdout
    return result


def status_json(url: str) -> dict:
    status: dict = orjson.loads(cli("warehouse", "status", "--warehouse", url, "--json").stdout)
    return status


# -- bookkeeping --------------------------------------------------------------------------------------------
def test_no_runs_before_the_table_exists_or_before_a_load(warehouse: Warehouse) -> None:
    assert recorded_runs(warehouse) == [] and last_run(warehouse) is None  # no load_runs table: no runs
    migrate(warehouse)
    assert recorded_runs(warehouse) == [] and unfinished_runs(warehouse) == []


def test_started_completed_and_recovered_runs(warehouse: Warehouse) -> None:
    migrate(warehouse)
    t0 = datetime(2025, 11, 20, 1, 2, 3, 456_789, tzinfo=UTC)
    as_of = datetime(2025, 11, 20, tzinfo=UTC)
    first = new_run("/data/a.jsonl", t0, as_of)
    assert first.started_at == t0.replace(microsecond=0)  # = the ingested_at of the events it stores
    record_start(warehouse, first)
    (only,) = recorded_runs(warehouse)
    assert (only.run_id, only.state, only.finished) == (first.run_id, "unfinished", False)
    assert (only.source, only.started_at, only.as_of, only.pid) == ("/data/a.jsonl", first.started_at,
                                                                     as_of, os.getpid())  # fmt: skip
    assert unfinished_runs(warehouse) == [only]

    # A second run, started later (in the same second: the exact start orders them), finishes the first.
    second = new_run("/data/b.jsonl", t0 + timedelta(microseconds=100), as_of)
    record_start(warehouse, second)
    assert [r.run_id for r in unfinished_runs(warehouse)] == [second.run_id, first.run_id]
    counts = dict(zip(COUNTS, (26, 3, 6, 9, 1), strict=True))
    record_completion(warehouse, second, counts, [only])
    newest, older = recorded_runs(warehouse)
    assert (newest.run_id, newest.state, newest.counts) == (second.run_id, "completed", counts)
    assert newest.completed_at is not None and newest.completed_at >= second.started_at
    assert (older.run_id, older.state, older.recovered_by) == (first.run_id, "recovered", second.run_id)
    assert older.completed is False and older.finished is True
    assert last_run(warehouse) == newest and unfinished_runs(warehouse) == []
    # Rows are keyed by (run, state): recording the completion again adds no run and changes no state.
    record_completion(warehouse, second, counts, [only])
    again = [(r.run_id, r.state, r.recovered_by, r.counts) for r in recorded_runs(warehouse)]
    assert again == [(second.run_id, "completed", None, counts), (first.run_id, "recovered", second.run_id,
                                                                  dict.fromkeys(COUNTS, 0))]  # fmt: skip


def test_a_runs_dossiers_are_those_of_the_events_it_stored(warehouse_url: str, tmp_path: Path) -> None:
    cli("warehouse", "init", "--warehouse", warehouse_url)
    cli("warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", AS_OF)
    with open_warehouse(warehouse_url) as wh:
        (run,) = recorded_runs(wh)
        assert run.source == str(EXAMPLES.resolve()) and run.state == "completed"
        assert run.counts["dossiers_folded"] == 6 and run.counts["violations_open"] == EXAMPLE_VIOLATIONS
        assert len(run_dossiers(wh, [run])) == 6
        other = new_run("/elsewhere.jsonl", run.started_at, run.as_of)
        assert run_dossiers(wh, [other]) == set()


# -- a load killed with SIGKILL -----------------------------------------------------------------------------
def kill_during_load(url: str, events: Path, tmp_path: Path) -> None:
    """Start ``warehouse load`` in a child process and SIGKILL it once its events are stored."""
    flag = tmp_path / "stored.flag"
    args = ["warehouse", "load", str(events), "--warehouse", url, "--as-of", AS_OF]
    child = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, str(flag), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while not flag.exists():
            if child.poll() is not None:
                assert child.stderr is not None
                pytest.fail(f"the load ended before it was killed: {child.stderr.read().decode()}")
            assert time.monotonic() < deadline, "the load never reached its judging step"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stderr is not None:
            child.stderr.close()


def test_a_killed_load_is_reported_and_the_next_load_finishes_it(warehouse_url: str, tmp_path: Path) -> None:
    cli("warehouse", "init", "--warehouse", warehouse_url)
    kill_during_load(warehouse_url, EXAMPLES, tmp_path)

    # What the killed load left: events and no violations, and a run that says it did not complete.
    after_kill = cli("warehouse", "status", "--warehouse", warehouse_url, "--json")
    status = orjson.loads(after_kill.stdout)
    assert status["events"] > 0 and status["open_violations"] == 0
    killed = status["last_load"]
    assert (killed["completed"], killed["state"], killed["source"]) == (False, "unfinished",
                                                                        str(EXAMPLES.resolve()))  # fmt: skip
    assert [run["run_id"] for run in status["unfinished_loads"]] == [killed["run_id"]]
    assert "did not complete" in after_kill.stderr and killed["run_id"] in after_kill.stderr

    # The next load — of another file, here an empty one — re-judges what the killed one stored.
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    load = cli("warehouse", "load", str(empty), "--warehouse", warehouse_url, "--as-of", AS_OF)
    result = orjson.loads(load.stdout)
    assert result["recovered_runs"] == [killed["run_id"]] and result["recovered_dossiers"] == 6
    assert result["violations_open"] == EXAMPLE_VIOLATIONS
    assert "finished the interrupted load run " + killed["run_id"] in load.stderr

    status = status_json(warehouse_url)
    assert status["open_violations"] == EXAMPLE_VIOLATIONS and status["unfinished_loads"] == []
    assert status["last_load"]["completed"] is True and status["last_load"]["run_id"] == result["run_id"]
    with open_warehouse(warehouse_url) as wh:
        states = {run.run_id: (run.state, run.recovered_by) for run in recorded_runs(wh)}
    assert states[killed["run_id"]] == ("recovered", result["run_id"])

    # Finished once: a further load recovers nothing.
    again = orjson.loads(cli("warehouse", "load", str(empty), "--warehouse", warehouse_url,
                             "--as-of", AS_OF).stdout)  # fmt: skip
    assert again["recovered_runs"] == [] and again["recovered_dossiers"] == 0


# -- warehouse status --json --------------------------------------------------------------------------------
def test_status_json_for_scripts_and_monitoring(warehouse_url: str) -> None:
    cli("warehouse", "init", "--warehouse", warehouse_url)
    before = status_json(warehouse_url)
    assert before["last_load"] is None and before["unfinished_loads"] == []
    load = orjson.loads(cli("warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url,
                            "--as-of", AS_OF).stdout)  # fmt: skip
    out = cli("warehouse", "status", "--warehouse", warehouse_url, "--json").stdout
    assert out.count("\n") == 1  # one JSON object, one line
    status = orjson.loads(out)
    every = [f"{m.version:04d}_{m.name}" for m in discover()]
    assert status["schema"] == {"version": discover()[-1].version, "applied": every, "pending": []}
    assert status["schema_version"] == discover()[-1].version
    tables = status["tables"]
    assert {"events", "dossiers", "violations", "load_runs", "schema_migrations"} <= set(tables)
    assert tables["events"] >= status["events"] > 0 and tables["load_runs"] >= 2  # started + completed
    assert tables["schema_migrations"] >= len(every)
    last = status["last_load"]
    assert (last["run_id"], last["completed"], last["state"]) == (load["run_id"], True, "completed")
    assert last["source"] == str(EXAMPLES.resolve()) and last["started_at"] and last["completed_at"]
    assert last["violations_open"] == EXAMPLE_VIOLATIONS
    # The URL is redacted: a server URL carries the admin password, which must not be printed.
    with open_warehouse(warehouse_url) as wh:
        assert status["url"] == wh.url
    if "@" in warehouse_url:
        password = warehouse_url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        assert password and password not in out and ":***@" in status["url"]
    # Without --json, stdout keeps the flat object older scripts read.
    flat = orjson.loads(cli("warehouse", "status", "--warehouse", warehouse_url).stdout)
    assert flat == {key: status[key] for key in flat} and "tables" not in flat and "last_load" not in flat
