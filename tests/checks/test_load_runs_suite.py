"""The ``load_runs`` suite: a load that did not complete fails a blocking check (with the run in its
metadata and its source to load again in the message), in every scope, until a later load finishes it —
any load when it had stored its whole file, only a load of its source when it had not; no recorded load
passes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
from typer.testing import CliRunner

from checks import run_checks
from checks.results import CheckResult
from dossier_audit.cli import app
from dossier_audit.jobs.warehouse import load_file
from inspections.weeks import Week
from tests.checks.helpers import NOW, Loader, clean_events, prepare
from warehouse import open_warehouse
from warehouse.load_runs import COUNTS, new_run, record_completion, record_start, record_stored

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
EXPECTATION = "load_runs: every load completed"


def load_check(results: list[CheckResult]) -> CheckResult:
    (found,) = [r for r in results if r.suite == "load_runs"]
    return found


def test_an_unfinished_load_fails_a_blocking_check_until_a_later_load_finishes_it(platform, wh, loader):
    loader.load(clean_events())
    passed = load_check(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW).results)
    assert (passed.success, passed.element_count) == (True, 0)  # no load recorded (events from elsewhere)
    # Said so, not "every load completed (0 load runs)" beside a week of events (review of 2026-12-04).
    assert passed.message_vi == "Chưa có lần nạp dữ liệu từ tệp nào: dữ liệu, nếu có, đến qua luồng sự kiện"
    # No command's name: the sentence is printed in the signed report too (review).
    assert passed.message_en == "No data loaded from a file yet: any data came through the event stream"

    killed = new_run("/data/killed.jsonl", datetime(2025, 11, 19, 8, tzinfo=UTC), NOW)
    record_start(wh, killed)
    for week in (None, Week.parse("2025-W45"), Week.parse("2025-W30")):  # whatever the scope
        run = run_checks(platform.catalogue, platform.rulebooks, wh, week, now=NOW)
        failed = load_check(run.results)
        assert failed in run.blocking_failures
        assert (failed.expectation, failed.unexpected_count, failed.element_count) == (EXPECTATION, 1, 1)
        assert killed.run_id in failed.message_en and "/data/killed.jsonl" in failed.message_en
        assert "did not complete" in failed.message_en and "chưa hoàn tất" in failed.message_vi
        assert "Load /data/killed.jsonl again" in failed.message_en
        assert "Nạp lại /data/killed.jsonl" in failed.message_vi
        assert failed.details["params"]["unfinished_runs"] == [killed.run_id]
        assert killed.run_id in orjson.dumps(failed.details["examples"]).decode()

    record_stored(wh, killed, {})  # it had stored its whole file: a later load of any file finishes it
    later = new_run("/data/next.jsonl", datetime(2025, 11, 19, 9, tzinfo=UTC), NOW)
    record_start(wh, later)
    record_completion(wh, later, dict.fromkeys(COUNTS, 0), [killed])
    finished = load_check(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW).results)
    assert (finished.success, finished.element_count, finished.unexpected_count) == (True, 2, 0)
    assert finished.message_en == "Every load completed (2 load runs)"


def test_check_exits_1_on_an_unfinished_load(platform, tmp_path):
    url = f"chdb://{tmp_path}/wh"
    with open_warehouse(url, create_database=True) as wh:
        Loader(platform, prepare(platform, wh)).load(clean_events())
        record_start(wh, new_run("/data/killed.jsonl", datetime(2025, 11, 19, 8, tzinfo=UTC), NOW))
    result = runner.invoke(app, ["check", "--warehouse", url, "--json", "--lang", "en",
                                 "--now", "2025-11-10T08:00:00+07:00"])  # fmt: skip
    assert result.exit_code == 1, result.stderr
    (failed,) = [r for r in orjson.loads(result.stdout)["results"] if not r["success"] and r["blocking"]]
    assert failed["suite"] == "load_runs" and "/data/killed.jsonl" in failed["message_en"]
    assert "load_runs" in result.stderr


def test_only_a_load_of_its_source_finishes_a_load_killed_before_it_stored_its_file(platform, wh, tmp_path):
    source = str(EXAMPLES.resolve())
    killed = new_run(source, datetime(2025, 11, 19, 8, tzinfo=UTC), NOW)
    record_start(wh, killed)  # killed before its 'stored' row: it may have stored any part of its file
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")

    load_file(platform, wh, empty, NOW)  # another file cannot make up what it did not store
    failed = load_check(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW).results)
    assert (failed.success, failed.unexpected_count, failed.element_count) == (False, 1, 2)
    assert failed.details["params"]["unfinished_runs"] == [killed.run_id]
    assert f"Load {source} again" in failed.message_en and f"Nạp lại {source}" in failed.message_vi

    load_file(platform, wh, EXAMPLES, NOW)  # its source, loaded again and completed, supersedes it
    passed = load_check(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW).results)
    assert (passed.success, passed.element_count, passed.unexpected_count) == (True, 3, 0)


def test_any_load_finishes_a_load_killed_after_it_stored_its_file(platform, wh, tmp_path):
    killed = new_run("/data/killed.jsonl", datetime(2025, 11, 19, 8, tzinfo=UTC), NOW)
    record_start(wh, killed)
    record_stored(wh, killed, {"events_written": 0, "rejected_written": 0})  # then killed while judging
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    load_file(platform, wh, empty, NOW)
    passed = load_check(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW).results)
    assert (passed.success, passed.element_count, passed.unexpected_count) == (True, 2, 0)
