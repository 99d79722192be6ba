"""Results stored and read back on both backends (the suites' SQL runs on ClickHouse 18.16 and chdb), and
the ``dossier-audit check`` command: summary, JSON, exit codes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from typer.testing import CliRunner

from checks import latest_results, run_checks, store_results
from checks.results import loaded_since
from dossier_audit.cli import app
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from tests.checks.helpers import NOW, Loader, clean_events, dossier, prepare
from warehouse import open_warehouse
from warehouse.base import WarehouseError
from warehouse.load_runs import new_run, record_start

W45 = Week.parse("2025-W45")
CLEAN_NOW = datetime(2025, 11, 10, 8, 0, tzinfo=VN_TZ)
runner = CliRunner()


def bad_due_date():
    """A dossier whose appointment date is before its reception (a blocking failure)."""
    first, *rest = dossier(8, "2025-11-06")
    data = first.data.model_copy(update={"due_at": first.occurred_at - timedelta(days=1)})
    return [first.model_copy(update={"data": data}), *rest]


def test_store_and_read_back_on_both_backends(platform, warehouse):
    wh = prepare(platform, warehouse)
    loader = Loader(platform, wh)
    assert latest_results(wh, W45) == []
    loader.load(clean_events())
    whole = run_checks(
        platform.catalogue, platform.rulebooks, wh, None, now=NOW
    )  # the whole warehouse: stale at NOW (a warning)
    week = run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=CLEAN_NOW)
    assert week.success and not whole.success and not whole.blocking_failures
    store_results(wh, whole)
    store_results(wh, week)
    assert latest_results(wh, W45) == week.results
    assert latest_results(wh, None) == whole.results
    assert [r.details for r in latest_results(wh, None)] == [r.details for r in whole.results]
    assert latest_results(wh, Week.parse("2025-W46")) == []
    # A newer run of the week replaces the older one for readers.
    loader.load(bad_due_date())
    newer = run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=CLEAN_NOW)
    assert [r.expectation for r in newer.blocking_failures] == ["dossiers.due_at is not before received_at"]
    store_results(wh, newer)
    # A load recorded after the newest run: the run does not cover what it stored (review: the report said
    # "passed all checks" beside a load made since). One recorded before, or in the same second, is older.
    assert loaded_since(wh, W45) is None
    late = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    record_start(wh, new_run("later.jsonl", late, late))
    assert loaded_since(wh, W45) == late and loaded_since(wh, None) == late
    assert loaded_since(wh, Week.parse("2025-W46")) == late  # never checked: every load is later
    back = latest_results(wh, W45)
    assert back == newer.results
    assert [dataclasses.replace(r, details={}) for r in back if r.blocking and not r.success] == [
        dataclasses.replace(r, details={}) for r in newer.blocking_failures
    ]
    # A load that records a step while a run reads (after it began, before it is stored) is one the run may
    # not have read whole: the run is dated by its start (review).
    during = run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=CLEAN_NOW)
    began = datetime.fromtimestamp(during.started_us / 1e6, UTC).replace(microsecond=0)
    meanwhile = began + timedelta(seconds=3)
    record_start(wh, new_run("meanwhile.jsonl", meanwhile, meanwhile))
    store_results(wh, during)
    assert loaded_since(wh, W45) == max(late, meanwhile)


def test_latest_results_without_the_table(warehouse):
    assert latest_results(warehouse, None) == []


def test_run_checks_on_an_uninitialised_warehouse(platform, tmp_path):
    with (
        open_warehouse(f"chdb://{tmp_path}/empty", create_database=True) as wh,
        pytest.raises(WarehouseError, match="warehouse init"),
    ):
        run_checks(platform.catalogue, platform.rulebooks, wh, None)


@pytest.fixture
def url(platform, tmp_path):
    """A chdb warehouse with clean data in 2025-W45, closed so the command can open it."""
    url = f"chdb://{tmp_path}/wh"
    with open_warehouse(url, create_database=True) as wh:
        Loader(platform, prepare(platform, wh)).load(clean_events())
    return url


def check(*args: str):
    return runner.invoke(app, ["check", *args], catch_exceptions=False)


def test_cli_passes_stores_and_prints_json(url):
    result = check("--warehouse", url, "--week", "2025-W45", "--now", "2025-11-10T08:00:00+07:00", "--json")
    assert result.exit_code == 0, result.stderr
    run = orjson.loads(result.stdout)
    assert (run["week"], run["success"], run["blocking_failures"]) == ("2025-W45", True, 0)
    assert len(run["results"]) == 24  # the last: load_runs (every load completed)
    assert run["results"][0]["message_vi"] == "Mã sự kiện không trùng (12 bản ghi sự kiện)"
    assert "Kiểm tra chất lượng dữ liệu" in result.stderr and "tuần 2025-W45" in result.stderr
    with open_warehouse(url) as wh:
        stored = latest_results(wh, W45)
    assert [r.to_json_dict() for r in stored] == run["results"]
    # Warnings alone do not fail the command: at the real clock the data is stale (freshness warns).
    stale = check("--warehouse", url, "--json")
    assert stale.exit_code == 0
    assert [r["expectation"] for r in orjson.loads(stale.stdout)["results"] if not r["success"]] == [
        "events: the newest occurred_at is recent"
    ]
    assert "1 cảnh báo" in stale.stderr


def test_cli_exit_1_on_a_blocking_failure(platform, url):
    with open_warehouse(url) as wh:
        Loader(platform, wh).load(bad_due_date())
    result = check("--warehouse", url, "--json", "--lang", "en", "--now", "2025-11-10T08:00:00+07:00")
    assert result.exit_code == 1
    run = orjson.loads(result.stdout)
    assert (run["week"], run["success"], run["blocking_failures"]) == (None, False, 1)
    assert "Data quality checks" in result.stderr and "whole warehouse" in result.stderr
    assert "blocking check(s) failed" in result.stderr
    # What to do about it, the failed suite's own remedy, and the rows it found: a reception's due date is
    # corrected as a wrong stored event (a due_date_changed would open a violation: the review's catch).
    said = " ".join(result.stderr.split())
    assert "due_dates: A dossier's due date is before the day of its reception" in said
    assert "Correcting stored events" in said
    assert "dossiers.due_at is not before received_at — e.g.: " in said and "e.g.: —" not in said
    # Off a terminal the table is as wide as its rows: at 80 columns it read "events.occur…" (review).
    rows = [line for line in result.stderr.splitlines() if line.startswith("│")]
    assert rows and not any("…" in line for line in rows)
    table = "\n".join(rows)
    assert all(r["expectation"] in table for r in run["results"]), table
    # Without --lang, the lang setting, as report and export take it (it was always Vietnamese).
    setting = runner.invoke(app, ["check", "--warehouse", url, "--now", "2025-11-10T08:00:00+07:00"],
                            env={"DOSSIER_AUDIT_LANG": "en"}, catch_exceptions=False)  # fmt: skip
    assert setting.exit_code == 1 and "Data quality checks" in setting.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2025-W99"], "2025 has no week 99"),
        (["--week", "45"], "is not a week"),
        (["--lang", "fr"], "--lang 'fr': choose vi or en"),
        (["--now", "2025-11-10T08:00:00"], "has no UTC offset"),
    ],
)
def test_cli_bad_arguments_exit_2(tmp_path, args, message):
    result = check("--warehouse", f"chdb://{tmp_path}/wh", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_uninitialised_warehouse_exit_2(tmp_path):
    result = check("--warehouse", f"chdb://{tmp_path}/none")
    assert result.exit_code == 2
    assert "warehouse init" in result.stderr
