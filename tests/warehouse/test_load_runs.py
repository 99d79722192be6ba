"""Load runs on both backends: the bookkeeping (started, stored, completed, recovered, superseded), loads
killed with SIGKILL at deterministic points — while storing their file, just before recording that it is
stored, and between storing and judging — which ``warehouse status`` and ``check`` then report until a
later load finishes them (any load when the file was stored, a load of the same source otherwise), and
``warehouse status --json``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from checks import run_checks
from checks.results import CheckResult
from dossier_audit.cli import app
from dossier_audit.cli.instants import parse_instant
from dossier_audit.jobs.warehouse import init, load_file
from inspections.timeunits import VN_TZ as VN
from tests.processes import as_from_a_terminal
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.load_digest import file_digest
from warehouse.load_runs import (
    COUNTS,
    finishing,
    last_run,
    new_run,
    record_completion,
    record_start,
    record_stored,
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

#: Runs the real CLI with one step of the load replaced by "say so, then wait to be killed" — deterministic,
#: unlike a timed kill. The kill point (argv[2]):
#: ``storing``: the first 5 events of the file are written, the rest not (a load killed while storing);
#: ``stored``: every event and rejected line is written, and the load has not recorded so ('stored');
#: ``judging``: it has recorded 'stored' and judged nothing (no violation).
KILLABLE = """
import sys, time
from pathlib import Path
import dossier_audit.jobs.warehouse as job

flag, point = Path(sys.argv[1]), sys.argv[2]

def say_then_wait(*args, **kwargs):
    flag.write_text(point)
    time.sleep(600)

class InsertThenWait:
    def __init__(self, wh):
        self.wh = wh

    def insert_arrow(self, table, batch):
        count = self.wh.insert_arrow(table, batch)
        say_then_wait()
        return count

class FirstEventsThenWait(job.ArrowBatch):  # stores the first 5 events, then waits to be killed
    def __init__(self, wh, table, **options):
        super().__init__(InsertThenWait(wh), table, **{**options, "size": 5})

if point == "storing":
    job.ArrowBatch = FirstEventsThenWait
else:
    setattr(job, {"stored": "record_stored", "judging": "judge_stored"}[point], say_then_wait)
from dossier_audit.cli import main
sys.argv = ["dossier-audit", *sys.argv[3:]]
main()
"""


@pytest.fixture(scope="module")
def platform() -> Platform:
    return Platform(load_settings())


def cli(*args: str, code: int = 0) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.stderr + result.stdout
    return result


def status_json_stderr(url: str) -> str:
    return str(cli("warehouse", "status", "--warehouse", url).stderr)


def status_json(url: str) -> dict:
    status: dict = orjson.loads(cli("warehouse", "status", "--warehouse", url, "--json").stdout)
    return status


def load(url: str, events: Path, as_of: str = AS_OF) -> tuple[dict, str]:
    """``warehouse load``: its JSON result and its stderr, on one line."""
    result = cli("warehouse", "load", str(events), "--warehouse", url, "--as-of", as_of)
    return orjson.loads(result.stdout), " ".join(result.stderr.split())


def load_runs_check(platform: Platform, url: str) -> CheckResult:
    """The ``load_runs`` result of ``check`` on the whole warehouse."""
    with open_warehouse(url) as wh:
        results = run_checks(platform.catalogue, platform.rulebooks, wh, None).results
    (found,) = [r for r in results if r.suite == "load_runs"]
    return found


# -- bookkeeping --------------------------------------------------------------------------------------------
def test_no_runs_before_the_table_exists_or_before_a_load(warehouse: Warehouse) -> None:
    assert recorded_runs(warehouse) == [] and last_run(warehouse) is None  # no load_runs table: no runs
    migrate(warehouse)
    assert recorded_runs(warehouse) == [] and unfinished_runs(warehouse) == []


def test_started_stored_completed_and_recovered_runs(warehouse: Warehouse) -> None:
    migrate(warehouse)
    t0 = datetime(2025, 11, 20, 1, 2, 3, 456_789, tzinfo=UTC)
    as_of = datetime(2025, 11, 20, 7, 8, 9, 123_456, tzinfo=VN)
    first = new_run("/data/a.jsonl", t0, as_of)
    assert first.started_at == t0.replace(microsecond=0)  # = the ingested_at of the events it stores
    record_start(warehouse, first)
    (only,) = recorded_runs(warehouse)
    assert (only.run_id, only.state, only.finished, only.stored) == (first.run_id, "unfinished", False, False)
    assert (only.source, only.started_at, only.pid) == ("/data/a.jsonl", first.started_at, os.getpid())
    assert only.as_of == as_of  # exact, to the microsecond: what a recovering load judges its dossiers at
    assert unfinished_runs(warehouse) == [only]
    record_stored(warehouse, first, {"events_written": 26, "rejected_written": 3})
    (only,) = unfinished_runs(warehouse)  # stored is not finished: its dossiers are not judged yet
    assert (only.state, only.stored, only.counts["events_written"], only.counts["rejected_written"]) == (
        "unfinished", True, 26, 3)  # fmt: skip
    assert only.stored_at is not None and only.stored_at >= first.started_at

    # A second run, started later (in the same second: the exact start orders them), finishes the first.
    second = new_run("/data/b.jsonl", t0 + timedelta(microseconds=100), as_of)
    record_start(warehouse, second)
    assert [r.run_id for r in unfinished_runs(warehouse)] == [second.run_id, first.run_id]
    assert finishing([only], second.source).recovered == [only]  # stored: whatever the second one reads
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
    stored_counts = {**dict.fromkeys(COUNTS, 0), "events_written": 26, "rejected_written": 3}
    assert again == [(second.run_id, "completed", None, counts),
                     (first.run_id, "recovered", second.run_id, stored_counts)]  # fmt: skip


def test_a_run_that_did_not_store_its_file_waits_for_a_load_of_its_source(warehouse: Warehouse) -> None:
    migrate(warehouse)
    t0 = datetime(2025, 11, 20, 1, 2, 3, tzinfo=UTC)
    killed = new_run("/data/a.jsonl", t0, t0)
    record_start(warehouse, killed)
    (run,) = unfinished_runs(warehouse)
    assert run.stored is False and "load /data/a.jsonl again" in run.remedy()
    # The command as it finishes the run: its as_of, into this warehouse (review: copied as it was said, it
    # judged "now" in the default warehouse).
    assert "`dossier-audit warehouse load /data/a.jsonl --as-of 2025-11-20T01:02:03+00:00` into this" in (
        run.remedy()
    )
    assert run.to_json_dict()["stored"] is False

    # A load of another file does not finish it: it may have stored any part of its file, or none.
    split = finishing([run], "/data/b.jsonl")
    assert (split.recovered, split.superseded, split.left, split.finished) == ([], [], [run], [])
    other = new_run("/data/b.jsonl", t0 + timedelta(seconds=1), t0)
    record_start(warehouse, other)
    record_completion(warehouse, other, dict.fromkeys(COUNTS, 0), split.recovered, split.superseded)
    assert [r.run_id for r in unfinished_runs(warehouse)] == [killed.run_id]

    # A completed load of the same source does.
    split = finishing([run], "/data/a.jsonl")
    assert (split.recovered, split.superseded, split.left, split.finished) == ([], [run], [], [run])
    same = new_run("/data/a.jsonl", t0 + timedelta(seconds=2), t0)
    record_start(warehouse, same)
    record_completion(warehouse, same, dict.fromkeys(COUNTS, 0), split.recovered, split.superseded)
    assert unfinished_runs(warehouse) == []
    states = {
        r.run_id: (r.state, r.finished, r.recovered_by, r.superseded_by) for r in recorded_runs(warehouse)
    }
    assert states[killed.run_id] == ("superseded", True, None, same.run_id)
    json = next(r for r in recorded_runs(warehouse) if r.run_id == killed.run_id).to_json_dict()
    assert (json["state"], json["superseded_by"], json["stored"]) == ("superseded", same.run_id, False)
    assert json["superseded_at"] is not None and json["recovered_by"] is None


def test_a_later_run_of_the_same_source_that_stored_it_makes_up_for_an_earlier_partial_one() -> None:
    t0 = datetime(2025, 11, 20, 1, 2, 3, tzinfo=UTC)
    partial = new_run("/data/a.jsonl", t0, t0)
    stored = replace(new_run("/data/a.jsonl", t0 + timedelta(seconds=1), t0), stored_at=t0)
    older_stored = replace(new_run("/data/c.jsonl", t0 - timedelta(seconds=1), t0), stored_at=t0)
    other = new_run("/data/c.jsonl", t0, t0)
    # Killed after 'stored', the second load of a.jsonl had stored the whole file that the first one had
    # not: a load of any file recovering it supersedes the first. An earlier stored run makes up nothing.
    split = finishing([stored, other, partial, older_stored], "/data/b.jsonl")
    assert (split.recovered, split.superseded, split.left) == ([stored, older_stored], [partial], [other])


def test_a_partial_run_is_made_up_only_by_the_same_bytes_of_its_source() -> None:
    """A daily export overwritten in place, or other data piped to stdin, has the source of the killed run
    but not its file: it cannot make up the events the run did not store (it used to, and the run was
    reported finished with its events lost). A run recorded before digests were is matched by source."""
    t0 = datetime(2025, 11, 20, 1, 2, 3, tzinfo=UTC)
    partial = new_run("/data/daily.jsonl", t0, t0, "aa" * 16)
    piped = new_run("stdin", t0, t0, "cc" * 16)
    old = new_run("/data/old.jsonl", t0, t0)  # no digest
    unfinished = [partial, piped, old]
    assert finishing(unfinished, "/data/daily.jsonl", "bb" * 16).superseded == []
    assert finishing(unfinished, "/data/daily.jsonl", "aa" * 16).superseded == [partial]
    assert finishing(unfinished, "stdin", "dd" * 16).left == unfinished
    assert finishing(unfinished, "/data/old.jsonl", "ee" * 16).superseded == [old]
    # A later run that stored the same source's *other* bytes makes up nothing either.
    stored_other = replace(
        new_run("/data/daily.jsonl", t0 + timedelta(seconds=1), t0, "bb" * 16), stored_at=t0
    )
    stored_same = replace(
        new_run("/data/daily.jsonl", t0 + timedelta(seconds=2), t0, "aa" * 16), stored_at=t0
    )
    assert finishing([partial, stored_other], "/x.jsonl", "ff" * 16).left == [partial]
    assert finishing([partial, stored_same], "/x.jsonl", "ff" * 16).superseded == [partial]


def test_a_runs_dossiers_are_those_of_the_events_it_stored(warehouse_url: str, tmp_path: Path) -> None:
    cli("warehouse", "init", "--warehouse", warehouse_url)
    cli("warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", AS_OF)
    with open_warehouse(warehouse_url) as wh:
        (run,) = recorded_runs(wh)
        assert run.source == str(EXAMPLES.resolve()) and run.state == "completed"
        assert run.counts["dossiers_folded"] == 6 and run.counts["violations_open"] == EXAMPLE_VIOLATIONS
        judge_at = run_dossiers(wh, [run])
        assert len(judge_at) == 6 and set(judge_at.values()) == {parse_instant(AS_OF)}
        other = new_run("/elsewhere.jsonl", run.started_at, run.as_of)
        assert run_dossiers(wh, [other]) == {}
        # A dossier two runs stored is judged at the as_of of the newer one.
        later = new_run(run.source, run.started_at, run.as_of + timedelta(days=1))
        later = replace(later, started_us=run.started_us + 1)
        assert set(run_dossiers(wh, [later, run]).values()) == {later.as_of}
        assert set(run_dossiers(wh, [run, later]).values()) == {later.as_of}


# -- a load killed with SIGKILL -----------------------------------------------------------------------------
def kill_during_load(url: str, events: Path, tmp_path: Path, point: str = "judging") -> Path:
    """Start ``warehouse load`` in a child process and SIGKILL it at ``point`` (see ``KILLABLE``); returns the
    temporary folder it had (``tmp_path / "spools"``), where its spool stays."""
    flag = tmp_path / "killable.flag"
    flag.unlink(missing_ok=True)
    spools = tmp_path / "spools"
    spools.mkdir(exist_ok=True)
    args = ["warehouse", "load", str(events), "--warehouse", url, "--as-of", AS_OF]
    child = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, str(flag), point, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(spools)},
    )
    try:
        deadline = time.monotonic() + 180
        while not flag.exists():
            if child.poll() is not None:
                assert child.stderr is not None
                pytest.fail(f"the load ended before it was killed: {child.stderr.read().decode()}")
            assert time.monotonic() < deadline, f"the load never reached its kill point {point!r}"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stderr is not None:
            child.stderr.close()
    return spools


@pytest.mark.parametrize("point", ["storing", "stored"])
def test_a_load_killed_before_it_stored_its_file_stays_unfinished_until_that_file_is_loaded(
    warehouse_url: str, tmp_path: Path, platform: Platform, point: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("warehouse", "init", "--warehouse", warehouse_url)
    spools = kill_during_load(warehouse_url, EXAMPLES, tmp_path, point)
    left = sorted(path.name.rsplit("-", 1)[0] for path in spools.iterdir())
    # Its rows, and while it stored, its workers' results.
    assert left == (
        ["dossier-audit-batch", "dossier-audit-load"] if point == "storing" else ["dossier-audit-load"]
    )
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    source = str(EXAMPLES.resolve())
    again = f"load {source} again"

    status = status_json(warehouse_url)
    killed = status["last_load"]
    assert (killed["state"], killed["stored"], killed["source"]) == ("unfinished", False, source)
    stored = status["events"]
    assert stored == 5 if point == "storing" else stored > 5  # part of its file, or all of it unmarked
    assert status["open_violations"] == 0

    # (a) A load of another file does not finish it: that file cannot make up the events it did not store.
    other = tmp_path / "other.jsonl"
    other.write_bytes(b"")
    result, stderr = load(warehouse_url, other)
    assert (result["recovered_dossiers"], result["dossiers_folded"], result["violations_open"]) == (0, 0, 0)
    assert (result["recovered_runs"], result["superseded_runs"]) == ([], [])
    assert result["unfinished_runs"] == [killed["run_id"]]
    assert "finished the interrupted" not in stderr and "re-judged" not in stderr
    assert f"the interrupted load run {killed['run_id']} of {source}" in stderr and again in stderr

    after = cli("warehouse", "status", "--warehouse", warehouse_url, "--json")
    status = orjson.loads(after.stdout)
    assert [run["run_id"] for run in status["unfinished_loads"]] == [killed["run_id"]]
    assert status["unfinished_loads"][0]["state"] == "unfinished" and status["last_load"]["completed"]
    assert (status["events"], status["open_violations"]) == (stored, 0)
    message = " ".join(after.stderr.split())
    assert "did not complete" in message and killed["run_id"] in message and again in message
    failed = load_runs_check(platform, warehouse_url)
    assert not failed.success and failed.blocking and failed.unexpected_count == 1
    assert killed["run_id"] in failed.message_en and f"Load {source} again" in failed.message_en
    assert f"Nạp lại {source}" in failed.message_vi

    # (b) A load of the same source completes: it stored the whole file again and judged it.
    result, stderr = load(warehouse_url, EXAMPLES)
    assert (result["recovered_runs"], result["unfinished_runs"]) == ([], [])
    assert result["superseded_runs"] == [killed["run_id"]]
    assert result["recovered_dossiers"] == (1 if point == "storing" else 6)  # the first 5 events: 1 dossier
    assert result["violations_open"] == EXAMPLE_VIOLATIONS
    assert f"finished the interrupted load run {killed['run_id']}" in stderr
    status = status_json(warehouse_url)
    assert status["unfinished_loads"] == [] and status["open_violations"] == EXAMPLE_VIOLATIONS
    with open_warehouse(warehouse_url) as wh:
        states = {run.run_id: (run.state, run.superseded_by) for run in recorded_runs(wh)}
    assert states[killed["run_id"]] == ("superseded", result["run_id"])
    passed = load_runs_check(platform, warehouse_url)
    assert passed.success and passed.element_count == 3 and passed.unexpected_count == 0
    assert list(spools.iterdir()) == []  # the killed load's spools swept by the next load


def test_a_load_killed_before_it_stored_its_file_is_not_finished_by_other_bytes_at_its_path(
    warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review's case: ``daily.jsonl`` overwritten with another export after a killed load; loading it
    said "finished the interrupted load run" and the killed run's events were lost without a warning."""
    cli("warehouse", "init", "--warehouse", warehouse_url)
    daily = tmp_path / "daily.jsonl"
    daily.write_bytes(EXAMPLES.read_bytes())
    spools = kill_during_load(warehouse_url, daily, tmp_path, "storing")
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    killed = status_json(warehouse_url)["last_load"]
    assert (killed["state"], killed["stored"], killed["source"]) == (
        "unfinished",
        False,
        str(daily.resolve()),
    )
    # Every command that reads the warehouse says so first (only status, check and report did).
    for args in (
        ["violations"],
        ["metrics", "--from", "2025-11-01", "--to", "2025-12-01"],
        ["audit", "--as-of", AS_OF],
        ["export", "xes", "--out", str(tmp_path / "log.xes")],
    ):
        said = cli(*args, "--warehouse", warehouse_url)
        assert f"warning: the load run {killed['run_id']}" in " ".join(said.stderr.split()), args
    daily.write_bytes(b"".join(EXAMPLES.read_bytes().splitlines(keepends=True)[:3]))  # tomorrow's export
    result, stderr = load(warehouse_url, daily)
    assert (result["superseded_runs"], result["unfinished_runs"]) == ([], [killed["run_id"]])
    assert (
        "finished the interrupted" not in stderr and f"the interrupted load run {killed['run_id']}" in stderr
    )
    daily.write_bytes(EXAMPLES.read_bytes())  # the file it was reading: that makes it up
    result, stderr = load(warehouse_url, daily)
    assert (result["superseded_runs"], result["unfinished_runs"]) == ([killed["run_id"]], [])
    assert status_json(warehouse_url)["unfinished_loads"] == []


def test_a_load_killed_before_it_stored_its_file_is_finished_by_that_file_grown(
    warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review's case: the weeks-so-far file loaded weekly, a load of it killed before ``stored``, and
    the file a week longer by the next load: that load stored every event the killed run was reading (the
    file starts with its bytes) but left it unfinished, failing the blocking check for good. And the way
    out when the file is gone or was changed: ``--supersede RUN_ID``, refused for any other run."""
    cli("warehouse", "init", "--warehouse", warehouse_url)
    lines = EXAMPLES.read_bytes().splitlines(keepends=True)
    weekly = tmp_path / "weekly.jsonl"
    weekly.write_bytes(b"".join(lines[:-2]))
    spools = kill_during_load(warehouse_url, weekly, tmp_path, "storing")
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    killed = status_json(warehouse_url)["last_load"]["run_id"]
    assert "--supersede " + killed in " ".join(status_json_stderr(warehouse_url).split())
    weekly.write_bytes(b"".join(lines))  # a week later: the same lines, and more
    result, stderr = load(warehouse_url, weekly)
    assert (result["superseded_runs"], result["unfinished_runs"]) == ([killed], [])
    assert result["violations_open"] == EXAMPLE_VIOLATIONS, (result, stderr)
    assert (
        f"finished the interrupted load run {killed}" in stderr and "this load of the same source" in stderr
    )
    assert status_json(warehouse_url)["unfinished_loads"] == []

    # Killed again, and the file then changed (not only grown): its load does not finish the run ...
    spools = kill_during_load(warehouse_url, weekly, tmp_path, "storing")
    second = status_json(warehouse_url)["last_load"]["run_id"]
    weekly.write_bytes(b"".join(lines[2:]))
    result, stderr = load(warehouse_url, weekly)
    assert (result["superseded_runs"], result["unfinished_runs"]) == ([], [second])
    assert f"add `--supersede {second}` to any load" in stderr
    # ... and a name the load cannot finish so (a completed run, no run) is one line, before anything is
    # stored.
    for wrong in (result["run_id"], "nope"):
        said = cli(
            "warehouse", "load", str(weekly), "--warehouse", warehouse_url, "--supersede", wrong, code=2
        )
        assert said.stdout == "" and " ".join(said.stderr.split()).endswith(
            f"error: --supersede: no unfinished load run that stopped before storing its file: {wrong} "
            "(`dossier-audit warehouse status` lists the unfinished runs)"
        )
    assert status_json(warehouse_url)["last_load"]["run_id"] == result["run_id"]  # no run recorded
    # The operator accepts what the run stored: any load with --supersede finishes it.
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    args = ["--warehouse", warehouse_url, "--as-of", AS_OF, "--supersede", second]
    done = cli("warehouse", "load", str(empty), *args)
    assert orjson.loads(done.stdout)["superseded_runs"] == [second]
    assert "are judged as they are (--supersede)" in " ".join(done.stderr.split())
    assert status_json(warehouse_url)["unfinished_loads"] == []


def test_a_load_restarted_within_the_second_of_an_unfinished_run_starts_in_the_next(
    warehouse: Warehouse, platform: Platform
) -> None:
    """A run's events are found by their source and ingestion second: a load restarted (by a supervisor)
    within the second of the killed run it supersedes found its own six dossiers as the killed run's, judged
    them twice and counted 18 open violations for 9 (review). Any earlier run of the source counts, a
    completed one too (a later recovery would re-judge its dossiers as the recovered run's)."""
    init(platform, warehouse)
    source = str(EXAMPLES.resolve())
    time.sleep(1.02 - datetime.now(UTC).microsecond / 1e6)  # early in a second: the load starts within it
    killed = new_run(source, datetime.now(UTC), parse_instant(AS_OF))
    record_start(warehouse, killed)  # killed at once: nothing stored
    result = load_file(platform, warehouse, EXAMPLES, parse_instant(AS_OF))
    (mine,) = [run for run in recorded_runs(warehouse) if run.run_id == result.run_id]
    assert mine.started_at > killed.started_at
    assert [run.run_id for run in result.superseded] == [killed.run_id] and result.recovered_dossiers == 0
    assert (result.dossiers_folded, result.violations_open) == (6, EXAMPLE_VIOLATIONS)
    time.sleep(1.02 - datetime.now(UTC).microsecond / 1e6)
    done = new_run(source, datetime.now(UTC), parse_instant(AS_OF))
    record_start(warehouse, done)
    record_completion(warehouse, done, {})
    again = load_file(platform, warehouse, EXAMPLES, parse_instant(AS_OF))
    (later,) = [run for run in recorded_runs(warehouse) if run.run_id == again.run_id]
    assert later.started_at > done.started_at


def test_a_files_first_bytes_are_digested_as_a_run_recorded_them(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"abc\ndef\n")
    t0 = datetime(2025, 11, 20, 1, 2, 3, tzinfo=UTC)
    run = new_run(str(path), t0, t0, "ab" * 16, 4)  # another file's first 4 bytes
    assert file_digest(path, 8) == file_digest(path) and file_digest(path, 9) == ""
    grown = replace(run, digest=file_digest(path, 4))
    assert finishing([grown], str(path), file_digest(path), lambda n: file_digest(path, n)).superseded == [
        grown
    ]
    assert finishing([run], str(path), file_digest(path), lambda n: file_digest(path, n)).left == [run]
    assert finishing([grown], str(path), file_digest(path)).left == [grown]  # no prefix: the whole file only
    unsized = replace(grown, size=0)  # recorded before sizes were: the same file only
    assert finishing([unsized], str(path), file_digest(path), lambda n: file_digest(path, n)).left == [
        unsized
    ]


def test_a_load_killed_after_it_stored_its_file_is_finished_by_any_later_load(
    warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(c) Killed between storing and judging: the next load, of any file, re-judges what it stored — at the
    killed run's own ``as_of`` (here 2025-11-20: 9 violations), not the finishing load's (2025-11-10: 6) —
    and deletes the spool the killed one left in the temporary folder."""
    cli("warehouse", "init", "--warehouse", warehouse_url)
    spools = kill_during_load(warehouse_url, EXAMPLES, tmp_path, "judging")
    [left] = spools.glob("dossier-audit-load-*")
    assert list(left.glob("rows/*.frames"))  # the folds it had not written yet
    monkeypatch.setattr(tempfile, "tempdir", str(spools))

    # What the killed load left: events and no violations, and a run that says it did not complete.
    after_kill = cli("warehouse", "status", "--warehouse", warehouse_url, "--json")
    status = orjson.loads(after_kill.stdout)
    assert status["events"] > 0 and status["open_violations"] == 0
    killed = status["last_load"]
    assert (killed["completed"], killed["state"], killed["stored"], killed["source"]) == (
        False, "unfinished", True, str(EXAMPLES.resolve()))  # fmt: skip
    assert killed["events_written"] >= status["events"]  # the 'stored' row counts them (duplicates too)
    assert killed["dossiers_folded"] is None and killed["violations_open"] is None  # not judged: unknown
    assert [run["run_id"] for run in status["unfinished_loads"]] == [killed["run_id"]]
    message = " ".join(after_kill.stderr.split())
    assert "did not complete" in message and killed["run_id"] in message
    assert f"load {EXAMPLES.resolve()} again" in message and "or any other file" in message

    # The next load — of another file, here an empty one — re-judges what the killed one stored.
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result, stderr = load(warehouse_url, empty, as_of="2025-11-10")
    assert result["recovered_runs"] == [killed["run_id"]] and result["recovered_dossiers"] == 6
    assert result["violations_open"] == EXAMPLE_VIOLATIONS  # judged at the killed run's as_of
    assert (result["superseded_runs"], result["unfinished_runs"]) == ([], [])
    assert "finished the interrupted load run " + killed["run_id"] in stderr
    assert list(spools.iterdir()) == []  # the killed load's spool swept, the finishing load's own deleted

    status = status_json(warehouse_url)
    assert status["open_violations"] == EXAMPLE_VIOLATIONS and status["unfinished_loads"] == []
    assert status["last_load"]["completed"] is True and status["last_load"]["run_id"] == result["run_id"]
    with open_warehouse(warehouse_url) as wh:
        states = {run.run_id: (run.state, run.recovered_by) for run in recorded_runs(wh)}
        judged_at = wh.query("SELECT DISTINCT as_of FROM violations FINAL")
    assert states[killed["run_id"]] == ("recovered", result["run_id"])
    assert [at for (at,) in judged_at] == [datetime.fromisoformat(killed["as_of"])]

    # Finished once: a further load recovers nothing.
    again, _ = load(warehouse_url, empty)
    assert again["recovered_runs"] == [] and again["recovered_dossiers"] == 0


def test_a_finished_runs_open_dossier_is_judged_at_the_finishing_loads_later_as_of(tmp_path: Path) -> None:
    """Review of 2026-12-06: a load killed after it stored its file (--as-of 20/11), finished by a load at
    a later --as-of (01/12), left that run's dossiers judged at 20/11: one received 18/11, due 25/11 and
    still open was within time there, and the warehouse stayed a LATE_NO_APOLOGY short of the batch audit
    of the same events at 01/12 (the load's last step skipped the dossiers it had finished)."""
    url = f"chdb://{tmp_path / 'wh'}"
    events = tmp_path / "events.jsonl"
    late = {"schema_version": 1, "event_id": "open-late-1", "dossier_id": "000.10.01.H99-251118-0099",
            "occurred_at": "2025-11-18T09:00:00+07:00", "unit_code": "000.10.01.H99", "type": "received",
            "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": "2025-11-25T17:00:00+07:00",
                     "documents": []}}  # fmt: skip
    events.write_bytes(EXAMPLES.read_bytes().rstrip(b"\n") + b"\n" + orjson.dumps(late) + b"\n")
    cli("warehouse", "init", "--warehouse", url)
    kill_during_load(url, events, tmp_path, "judging")  # at AS_OF, 20/11: stored, judged nothing
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result, _ = load(url, empty, as_of="2025-12-01")
    assert result["recovered_dossiers"] == 7
    audit = cli("audit", str(events), "--as-of", "2025-12-01", "--json")
    expected = {(v["dossier_id"], v["rule_id"]) for v in map(orjson.loads, audit.stdout.splitlines())}
    assert ("000.10.01.H99-251118-0099", "LATE_NO_APOLOGY") in expected
    assert len(expected) == EXAMPLE_VIOLATIONS + 1
    with open_warehouse(url) as wh:
        stored = set(wh.query("SELECT dossier_id, rule_id FROM violations FINAL WHERE state = 'open'"))
    assert stored == expected


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


def test_a_runs_counts_are_unknown_until_it_records_them() -> None:
    """A run killed while it stored its file read "events_written: 0" beside the events it had written
    (review): its counts are ``None`` until it records them, those of its file from ``stored`` on, the
    judging's once completed."""
    import dataclasses

    from warehouse.load_runs import COUNTS, STORED_COUNTS

    at = datetime(2025, 11, 20, tzinfo=UTC)
    run = dataclasses.replace(new_run("/data/f.jsonl", at, at), counts=dict.fromkeys(COUNTS, 7))
    assert all(value is None for value in run.known_counts().values())
    stored = dataclasses.replace(run, stored_at=at)
    assert stored.known_counts() == {key: 7 if key in STORED_COUNTS else None for key in COUNTS}
    done = dataclasses.replace(stored, completed_at=at)
    assert done.known_counts() == dict.fromkeys(COUNTS, 7) and done.to_json_dict()["violations_open"] == 7


def test_a_load_stopped_by_ctrl_c_says_it_is_unfinished_and_how_to_finish_it(
    tmp_path: Path, warehouse_url: str
) -> None:
    """(CLI review) Ctrl-C or SIGTERM during `warehouse load` exited 130 saying nothing, part of the file
    stored. It says what it was doing, that the load is unfinished, and how to finish it."""
    flag = tmp_path / "killable.flag"
    args = ["warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", AS_OF]
    with as_from_a_terminal():  # a test run started in the background ignores SIGINT, and its children did
        child = subprocess.Popen([sys.executable, "-c", KILLABLE, str(flag), "judging", *args],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while not flag.exists():
            assert child.poll() is None and time.monotonic() < deadline, "the load never reached judging"
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=60) == 130
        assert child.stderr is not None
        said = " ".join(child.stderr.read().decode().split())
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert "Traceback" not in said, said
    assert "interrupted while re-judging dossiers stored before: this load is unfinished" in said, said
    assert "load the same file again to finish it" in said
    assert "the command did not finish" not in said  # its own line says more: no second one
    assert status_json(warehouse_url)["last_load"]["state"] == "unfinished"
    # Any later load finishes it (here of an empty file): a stage of its own, whose stop is said as such
    # (it was said as "storing the file's last events": review of the diff).
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    seen: dict[str, list[tuple[int, int]]] = {}
    with open_warehouse(warehouse_url) as wh:
        done = load_file(
            Platform(load_settings()),
            wh,
            empty,
            parse_instant(AS_OF),
            on_progress=lambda stage, n, total: seen.setdefault(stage, []).append((n, total)),
        )
    assert done.recovered and seen["finishing"][0] == (0, 6) and seen["finishing"][-1] == (6, 6), seen


def test_a_load_run_records_a_digest_keyed_as_the_pseudonyms_are(warehouse_url: str, tmp_path: Path) -> None:
    """DPO review: the digest of the clear file, unkeyed, with its size, let anyone who reads the load runs
    find the applicant's id of a one-event file by trying ids (123,458 guesses, 0.2 s). Keyed by the
    deployment's key, it still tells the same file (a reload finishes a killed run) and nothing else; a run
    recorded unkeyed by a release before is matched by its source, as runs without a digest are."""
    path = tmp_path / "one.jsonl"
    path.write_text(EXAMPLES.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    keyed = Platform(load_settings(pseudonym_key="k" * 32))
    with open_warehouse(warehouse_url) as wh:
        init(keyed, wh)
        first = load_file(keyed, wh, path, parse_instant(AS_OF))
        again = load_file(keyed, wh, path, parse_instant(AS_OF))
        runs = {run.run_id: run for run in recorded_runs(wh)}
    digest = runs[first.run_id].digest
    assert digest.startswith("k:") and digest == runs[again.run_id].digest
    assert file_digest(path) not in digest  # not the clear file's
    other = Platform(load_settings(pseudonym_key="o" * 32)).pseudonymiser.file_hasher
    assert file_digest(path, None, other) != digest
    # A run of the release before, killed before it stored its file, recorded unkeyed: compared unkeyed.
    killed = replace(runs[first.run_id], stored_at=None, completed_at=None)
    grown = replace(killed, digest=file_digest(path, 4), size=4)  # it was reading this file's start
    elsewhere = replace(killed, digest=file_digest(EXAMPLES), size=0)  # another file at the same path
    found = finishing([grown, elsewhere], killed.source, digest, lambda n: file_digest(path, n, other),
                      unkeyed=lambda n: file_digest(path, n))  # fmt: skip
    assert (found.superseded, found.left) == ([grown], [elsewhere])  # review: it was superseded unsaid
    assert finishing([grown], killed.source, digest).left == [grown]  # nothing to compare with: left


def test_a_load_refuses_to_run_beside_a_running_one(
    warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review of concurrent operators: two loads at once on one server warehouse left wrong verdicts with
    every run completed and every check passing. A running load says it is alive now and then; a load beside
    one refuses in one line, having stored nothing, its own run recorded as done. A run whose last sign of
    life is older than ALIVE_FOR, or of this host with its process gone (killed, loaded again), is not
    running."""
    import dossier_audit.jobs.warehouse as job
    import warehouse.load_alive as alive
    from dossier_audit.jobs.load_start import LoadBusy

    platform = Platform(load_settings(pseudonym_key="k" * 32))
    now = datetime.now(UTC)
    elsewhere = replace(new_run("/data/other.jsonl", now, now), host="another-container", pid=1)
    with open_warehouse(warehouse_url) as wh:
        init(platform, wh)
        record_start(wh, elsewhere)
        said = f"another load is running on this warehouse: run {elsewhere.run_id}"
        with pytest.raises(LoadBusy, match=said):
            load_file(platform, wh, EXAMPLES, parse_instant(AS_OF))
        assert wh.query("SELECT count() FROM events")[0][0] == 0
        # Its own run is no load at all (diff review: recorded "completed", it was the status's last load).
        assert [run.run_id for run in recorded_runs(wh)] == [elsewhere.run_id]
    refused = cli("warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", AS_OF, code=2)
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: another load is running on this warehouse")
    assert "Traceback" not in refused.stderr
    with open_warehouse(warehouse_url) as wh:
        # Dead: its last sign of life too old; or of this host, its process gone.
        monkeypatch.setattr(alive, "ALIVE_FOR", timedelta(seconds=0))
        assert alive.running(wh, [elsewhere]) == []
        monkeypatch.undo()
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        here = replace(elsewhere, run_id="here-dead", host=socket.gethostname(), pid=gone.pid)
        live = replace(here, run_id="here-live", pid=os.getppid())
        quiet = replace(live, run_id="here-quiet", started_at=now - timedelta(hours=1))  # a long fold
        for run in (here, live, quiet):
            record_start(wh, run)
        # On this host its process tells, however long the run has said nothing.
        assert [run.run_id for run in alive.running(wh, [here, live, quiet])] == ["here-live", "here-quiet"]

        # A load says it is alive while it runs.
        monkeypatch.setattr(alive, "HEARTBEAT", 0.0)
        monkeypatch.setattr(alive, "running", lambda wh, runs, now=None: [])
        monkeypatch.setattr(job, "refuse_beside_running", lambda wh, run: None)
        done = load_file(platform, wh, EXAMPLES, parse_instant(AS_OF))
        rows = wh.query("SELECT count() FROM load_runs FINAL WHERE run_id = %(r)s AND state = 'alive'",
                        {"r": done.run_id})  # fmt: skip
        assert rows[0][0] == 1


def test_a_long_fold_says_it_is_alive_as_it_goes() -> None:
    """Diff review: a load finishing a killed province-size run folded a million dossiers in one call with
    no progress, and another host took it for dead after five minutes."""
    from dossier_audit.jobs.warehouse import _counted

    ticks: list[int] = []
    said = _counted(list(range(2_500)), 2_510, "finishing", lambda stage, n, total: ticks.append(n), start=10)
    assert list(said) == list(range(2_500))
    assert ticks == [10, 1_010, 2_010, 2_510]
