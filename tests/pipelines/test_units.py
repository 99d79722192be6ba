"""Small pieces of the pipelines: suite results as Dagster checks, and publishing report files."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dagster import AssetCheckSeverity, AssetKey

from checks import SUITES, SuiteInfo
from checks.results import CheckResult
from pipelines.asset_checks import check_results, check_specs
from reporting.staging import publish, staged

ASSET = AssetKey("data_quality")
SUITE_A = SuiteInfo("a", True, "blocking suite")
SUITE_B = SuiteInfo("b", False, "warning suite")


def result(suite: str, success: bool, blocking: bool, expectation: str = "x is fine") -> CheckResult:
    return CheckResult(
        suite, expectation, "x", success, blocking, 0 if success else 3, 10, "vi", "en | pipe",
        datetime(2025, 11, 3, tzinfo=UTC), "2025-W44",
    )  # fmt: skip


def verdicts(results, halt=False):
    out = check_results(
        ASSET, results, week="2025-W44", halt_on_blocking_failure=halt, suites=[SUITE_A, SUITE_B]
    )
    return {r.check_name: r for r in out}


def test_one_check_per_suite_blocking_as_the_suite():
    specs = check_specs(ASSET)
    assert [s.name for s in specs] == [f"{s.name}_suite" for s in SUITES]
    assert [s.blocking for s in specs] == [s.blocking for s in SUITES]


def test_passing_suites_pass():
    got = verdicts([result("a", True, True), result("b", True, False)])
    assert got["a_suite"].passed and got["b_suite"].passed
    assert got["a_suite"].metadata["week"].value == "2025-W44"
    assert got["a_suite"].description == "1/1 expectations passed"


@pytest.mark.parametrize(
    ("halt", "severity"), [(False, AssetCheckSeverity.WARN), (True, AssetCheckSeverity.ERROR)]
)
def test_a_blocking_failure_halts_the_reports_only_when_asked(halt, severity):
    got = verdicts([result("a", False, True), result("a", True, False, "y"), result("b", False, False)], halt)
    assert not got["a_suite"].passed
    assert got["a_suite"].severity == severity
    assert got["a_suite"].metadata["blocking_failed"].value == 1
    assert "en \\| pipe" in got["a_suite"].metadata["failures"].value  # a Markdown table stays a table
    # A failed non-blocking expectation never stops the reports.
    assert not got["b_suite"].passed and got["b_suite"].severity == AssetCheckSeverity.WARN


def test_a_suite_without_results_fails_and_an_unknown_suite_is_named():
    got = verdicts([result("a", True, True), result("new", False, True)])
    assert not got["b_suite"].passed and "produced no results" in (got["b_suite"].description or "")
    assert got["a_suite"].metadata["undeclared_suites"].value == "new"


def test_publish_replaces_what_a_previous_run_wrote(tmp_path):
    (tmp_path / "units").mkdir()
    (tmp_path / "units" / "OLD.xlsx").write_bytes(b"stale")
    (tmp_path / "report.html").write_text("old", encoding="utf-8")
    (tmp_path / "metrics.json").write_text("{}", encoding="utf-8")  # not this writer's: kept
    with staged(tmp_path, "packs") as staging:
        (staging / "units").mkdir()
        (staging / "units" / "NEW.xlsx").write_bytes(b"new")
        (staging / "report.html").write_text("new", encoding="utf-8")
        paths = publish(staging, tmp_path, [staging / "units" / "NEW.xlsx", staging / "report.html"])
    assert paths == [tmp_path / "units" / "NEW.xlsx", tmp_path / "report.html"]
    assert sorted(p.name for p in (tmp_path / "units").iterdir()) == ["NEW.xlsx"]
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == "new"
    assert (tmp_path / "metrics.json").exists()
    # The replaced files kept as an edition (``reporting.editions``), nothing else added.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["editions", "metrics.json", "report.html", "units"]


@pytest.mark.parametrize("weeks_ahead", [-200, -60, -1, 0, 1])
def test_the_runner_partitions_hold_any_week_it_is_asked_for(weeks_ahead):
    from inspections.weeks import Week
    from pipelines.inprocess import partitions_for
    from pipelines.partitions import key_of_week

    now = datetime.now(UTC)
    week = Week.containing(now).next(weeks_ahead)  # -1: the week just ended; 0: this week so far
    partitions = partitions_for(week, now)
    assert partitions.has_partition_key(key_of_week(week))
    assert partitions.get_first_partition_key() <= "2018-12-31"
