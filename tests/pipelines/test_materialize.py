"""The weekly assets materialize in-process against a chdb warehouse holding a simulated province; a
backfill of the same week is idempotent; every asset run is recorded in ``report_runs``."""

from __future__ import annotations

import subprocess
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

import checks
from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from checks.results import CheckResult, QualityRun, latest_results
from dossier_audit.jobs.warehouse import metrics_warehouse
from pipelines.inprocess import materialize_week
from pipelines.report_runs import report_runs
from reporting import api as reporting_api
from tests.pipelines.conftest import WEEK
from warehouse import open_warehouse

KINDS = {"weekly_metrics", "violation_summary", "data_quality", "leadership_report", "audit_packs"}


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow(18)
def test_a_week_materializes_and_its_backfill_is_idempotent(settings):
    first = materialize_week(settings, WEEK)
    assert first.success
    out = settings.reports_dir / str(WEEK)
    assert first.out_dir == out
    before = files(out)
    assert {
        "metrics.json",
        "violations.json",
        "quality.json",
        "report.html",
        "report.pdf",
        "report.xlsx",
    } <= set(before)
    assert first.report_files and all(p.exists() and out in p.parents for p in first.report_files)
    packs = [p for p in first.audit_packs if p.suffix == ".xlsx"]
    assert packs and all(p.parent == out / "units" and p.exists() for p in packs)
    assert not [name for name in before if ".staging" in name]
    # Clean simulated data: every suite passes, so nothing warns on the report's first page.
    assert first.checks and all(first.checks.values())
    assert first.blocking_quality_failures == 0
    assert first.metadata["leadership_report"]["built_on_failed_data"] is False
    assert first.metadata["leadership_report"]["final"] is False  # the data end two days after the week
    assert "CẢNH BÁO" not in first_page(out / "report.pdf")

    platform = Platform(settings)
    with open_warehouse(settings.warehouse_url) as wh:
        form = metrics_warehouse(platform, wh, WEEK.start, WEEK.end)
        assert latest_results(wh, WEEK)  # the quality run is stored for the report to read
    assert form.received_total > 0
    metrics = orjson.loads(before["metrics.json"])
    assert metrics["province"] == orjson.loads(orjson.dumps(form.to_json_dict()))
    assert first.metadata["weekly_metrics"]["received_total"] == form.received_total
    assert first.metadata["weekly_metrics"]["on_time_rate"] == pytest.approx(form.on_time_rate)

    second = materialize_week(settings, WEEK)  # the backfill of the same week
    assert second.success and second.run_id != first.run_id
    after = files(out)
    assert set(after) == set(before)  # the same files, none left over from the first run
    for figures in ("metrics.json", "violations.json"):
        assert after[figures] == before[figures]
    assert second.metadata["weekly_metrics"] == first.metadata["weekly_metrics"]

    with open_warehouse(settings.warehouse_url) as wh:
        runs = report_runs(wh)
        assert metrics_warehouse(platform, wh, WEEK.start, WEEK.end).to_json_dict() == form.to_json_dict()
    by_run: dict[str, set[str]] = defaultdict(set)
    for run in runs:
        assert run["status"] == "succeeded", run
        assert run["params"]["week"] == str(WEEK) and run["params"]["partition"] == "2025-10-27"
        assert run["finished_at"] >= run["started_at"]
        by_run[run["params"]["dagster_run_id"]].add(run["kind"])
        if run["kind"] == "leadership_report":  # what the sensor compares later (pipelines.final_figures)
            assert run["detail"]["province"] == form.counters() and run["detail"]["final"] is False
    assert by_run == {first.run_id: KINDS, second.run_id: KINDS}


def first_page(pdf: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _fast_reports(monkeypatch, *, leadership: bool = True):
    """Stand-ins for the report writers where the reports are not what a test is about."""

    def report(catalogue, header, wh, week, out_dir, *, calendar=None):
        path = out_dir / "report.html"
        path.write_text(f"{week} {header.lang}", encoding="utf-8")
        return reporting_api.WrittenReport([path], final=False, counters={})

    def packs(catalogue, header, wh, week, out_dir, *, sample_size=10, calendar=None):
        (out_dir / "units").mkdir()
        path = out_dir / "units" / "U1.xlsx"
        path.write_bytes(b"x")
        return [path]

    if leadership:
        monkeypatch.setattr(reporting_api, "write_weekly_report", report)
    monkeypatch.setattr(reporting_api, "write_audit_packs", packs)


def _failing_blocking_suite(monkeypatch):
    real = checks.run_checks

    def run_checks(catalogue, rulebooks, wh, week, *, now=None):
        run = real(catalogue, rulebooks, wh, week, now=now)
        bad = CheckResult(
            "uniqueness", "events.event_id is unique", "event_id", False, True, 2, 100,
            "trùng mã sự kiện", "duplicate event ids", datetime.now(UTC), str(week),
        )  # fmt: skip
        return QualityRun(run.run_id, run.week, [bad, *(r for r in run.results if r.suite != "uniqueness")])

    monkeypatch.setattr(checks, "run_checks", run_checks)


def test_a_failed_blocking_check_still_builds_the_report_which_says_so_first(settings, monkeypatch):
    _fast_reports(monkeypatch, leadership=False)
    _failing_blocking_suite(monkeypatch)
    result = materialize_week(settings, WEEK)
    assert result.success
    assert result.checks["data_quality:uniqueness_suite"] is False
    assert result.checks["data_quality:due_dates_suite"] is True
    assert result.blocking_quality_failures == 1
    assert result.metadata["leadership_report"]["built_on_failed_data"] is True
    assert result.report_files and result.audit_packs
    # The quality run was stored before the report was built, so its first page carries the warning.
    page = first_page(settings.reports_dir / str(WEEK) / "report.pdf")
    assert "CẢNH BÁO" in page and "1 kiểm tra chất lượng bắt buộc" in " ".join(page.split())
    with open_warehouse(settings.warehouse_url) as wh:
        stored = latest_results(wh, WEEK)
    assert [r.expectation for r in stored if r.blocking and not r.success] == ["events.event_id is unique"]


def test_halting_on_blocking_failures_skips_the_reports(settings, monkeypatch):
    from pipelines import inprocess

    _fast_reports(monkeypatch)
    built = materialize_week(settings, WEEK)  # a clean run first: its reports must not stay beside the next
    week_dir = settings.reports_dir / str(WEEK)
    assert built.success and (week_dir / "report.html").exists() and (week_dir / "units").is_dir()
    _failing_blocking_suite(monkeypatch)
    real = inprocess.PlatformResource

    def halting(**kwargs):
        return real(**kwargs, halt_on_blocking_failure=True)

    monkeypatch.setattr(inprocess, "PlatformResource", halting)
    result = materialize_week(settings, WEEK, raise_on_error=False)
    assert result.checks["data_quality:uniqueness_suite"] is False
    assert "weekly_metrics" in result.metadata and "data_quality" in result.metadata
    assert "leadership_report" not in result.metadata and "audit_packs" not in result.metadata
    assert not (settings.reports_dir / str(WEEK) / "report.html").exists()
    # The earlier run's reports are taken away, with a note (review of 2026-12-04: they stayed, unwarned).
    assert not (week_dir / "units").exists() and not list(week_dir.glob("chart_*.png"))
    note = (week_dir / "REPORT_WITHHELD.txt").read_text(encoding="utf-8")
    assert "bị giữ lại" in note and "uniqueness" in note
    assert "A load never replaces a stored event" in note  # the suite's own remedy, not "load again"
    with open_warehouse(settings.warehouse_url) as wh:  # its row says it failed ('succeeded' before: review)
        runs = [r for r in report_runs(wh, kind="data_quality") if r["run_id"].startswith(result.run_id)]
    assert [r["status"] for r in runs] == ["failed"]
    assert runs[0]["detail"]["reports_withheld"] is True and runs[0]["detail"]["blocking_failed"]
    monkeypatch.setattr(inprocess, "PlatformResource", real)  # built again (with the warning): no note
    materialize_week(settings, WEEK)
    assert (week_dir / "report.html").exists() and not (week_dir / "REPORT_WITHHELD.txt").exists()


def test_a_failing_asset_is_recorded_as_a_failed_report_run(settings, monkeypatch):
    _fast_reports(monkeypatch)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reporting_api, "write_audit_packs", broken)
    result = materialize_week(settings, WEEK, raise_on_error=False)
    assert not result.success
    assert "leadership_report" in result.metadata and "audit_packs" not in result.metadata
    with open_warehouse(settings.warehouse_url) as wh:
        runs = {r["kind"]: r for r in report_runs(wh)}
    assert runs["audit_packs"]["status"] == "failed"
    assert "disk full" in runs["audit_packs"]["detail"]["error"]
    assert not list((settings.reports_dir / str(WEEK)).glob(".*staging"))  # nothing half-written is left
    assert runs["leadership_report"]["status"] == "succeeded"
    with pytest.raises(Exception, match="disk full"):
        materialize_week(settings, WEEK)


def test_a_lent_warehouse_session_is_used_and_left_open(settings, monkeypatch):
    _fast_reports(monkeypatch)
    with open_warehouse(settings.warehouse_url) as wh:
        result = materialize_week(settings, WEEK, warehouse=wh)
        assert result.success
        assert {r["kind"] for r in report_runs(wh)} == KINDS  # the session still works


def test_an_unreachable_warehouse_leaves_no_empty_week_directory(tmp_path):
    """Review of 2026-12-04: every asset made ``reports/<week>/`` before opening the warehouse, so a run that
    could not reach it left an empty week directory, as if the week had no report."""
    settings = load_settings(warehouse=f"chdb://{tmp_path}/none", reports_dir=tmp_path / "reports", lang="vi")
    result = materialize_week(settings, WEEK, raise_on_error=False)
    assert not result.success and not (tmp_path / "reports" / str(WEEK)).exists()


def test_a_step_that_cannot_reach_the_warehouse_server_is_tried_again(tmp_path):
    """A server restarting around Monday 07:00 failed the week's run at once, and the week had no Monday
    report until someone launched it again (Dagster seat of 2026-12-08): a step that cannot reach the
    server is tried again; the main job's in-process run (``materialize_week``) still fails at once."""
    from dagster import DagsterEventType, DagsterInstance, materialize

    from pipelines.assets import build_assets
    from pipelines.inprocess import partitions_for
    from pipelines.partitions import key_of_week
    from pipelines.resources import PlatformResource, WarehouseResource
    from pipelines.sensors import AlertThresholds
    from tests.warehouse.server import free_port

    url = f"clickhouse://default@127.0.0.1:{free_port()}/nowhere?retries=0"  # no server listens there
    resources = {
        "warehouse": WarehouseResource(url=url, unavailable_retries=1, unavailable_wait_seconds=0),
        "platform": PlatformResource(reports_dir=str(tmp_path / "reports"), lang="vi"),
        "alert_thresholds": AlertThresholds(),
    }
    built = build_assets(partitions_for(WEEK, datetime.now(UTC)))
    assets = [a for a in built if a.key.path == ["weekly_metrics"]]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(assets, partition_key=key_of_week(WEEK), instance=instance, resources=resources,
                             raise_on_error=False, selection=["weekly_metrics"])  # fmt: skip
    kinds = [e.event_type for e in result.all_events]
    assert not result.success and kinds.count(DagsterEventType.STEP_UP_FOR_RETRY) == 1
    assert kinds.count(DagsterEventType.STEP_RESTARTED) == 1
    (failed,) = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
    error = failed.step_failure_data.error
    assert error is not None and "cannot connect to ClickHouse" in str(error.to_string())  # not "Exceeded"
    settings = load_settings(warehouse=url, reports_dir=tmp_path / "reports", lang="vi")
    once = materialize_week(settings, WEEK, raise_on_error=False)
    assert not once.success and once.failures
    assert all("cannot connect to ClickHouse" in message for _step, message in once.failures), once.failures


def test_a_week_materialized_in_process_leaves_the_stop_signals_handled_as_they_were(settings):
    """Dagster's in-process run left SIGTERM to Python's Ctrl-C handler: a SIGTERM to `run` after its report
    stage said "interrupted (Ctrl-C)" and exited 130, not by the signal (found with the main job's flaky
    SIGTERM test)."""
    import signal

    def ours(signum, frame):
        raise KeyboardInterrupt

    before = {sig: signal.signal(sig, ours) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        materialize_week(settings, WEEK)
        assert signal.getsignal(signal.SIGTERM) is ours and signal.getsignal(signal.SIGHUP) is ours
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def test_only_a_server_that_cannot_be_reached_is_tried_again(monkeypatch):
    """A connection lost in a query (a slow query timing out gives that too) fails the step at once: tried
    again it would run four times, five minutes apart (last read of the session); a connection that cannot
    be opened asks Dagster to try again, and the last try fails with the error itself."""
    from contextlib import contextmanager

    from dagster import RetryRequested

    from pipelines.resources import PlatformResource, WarehouseResource
    from warehouse.base import WarehouseUnavailable, WarehouseUnreachable

    resource = WarehouseResource(url="clickhouse://default@127.0.0.1:9/x", unavailable_retries=2)
    for error, retry_number, expected in (
        (WarehouseUnavailable("connection lost: timed out"), 0, WarehouseUnavailable),
        (WarehouseUnreachable("cannot connect"), 0, RetryRequested),
        (WarehouseUnreachable("cannot connect"), 1, RetryRequested),
        (WarehouseUnreachable("cannot connect"), 2, WarehouseUnreachable),
    ):

        @contextmanager
        def failing(self, platform, error=error):
            raise error
            yield

        monkeypatch.setattr(WarehouseResource, "open", failing)
        with pytest.raises(expected), resource.open_for_step(PlatformResource(), retry_number):
            pass
