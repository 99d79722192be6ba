"""The weekly schedule: every Monday 07:00 Asia/Ho_Chi_Minh, building the week Monday–Sunday just ended."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from dagster import build_schedule_context
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from pipelines.definitions import defs
from pipelines.partitions import week_of_key
from pipelines.schedules import WEEKLY_JOB, WEEKLY_SCHEDULE
from tests.depth import examples

REPO = defs.get_repository_def()
SCHEDULE = REPO.get_schedule_def(WEEKLY_SCHEDULE)


def tick(at: datetime) -> list[str]:
    data = SCHEDULE.evaluate_tick(build_schedule_context(scheduled_execution_time=at, repository_def=REPO))
    assert data.run_requests is not None
    return [r.partition_key for r in data.run_requests if r.partition_key is not None]


def test_schedule_runs_mondays_at_seven_local_time():
    assert SCHEDULE.cron_schedule == "0 7 * * 1"
    assert SCHEDULE.execution_timezone == "Asia/Ho_Chi_Minh"
    assert SCHEDULE.job_name == WEEKLY_JOB


def test_the_monday_tick_targets_the_week_just_ended():
    assert tick(datetime(2025, 11, 10, 7, 0, tzinfo=VN_TZ)) == ["2025-11-03"]
    # The same instant written in UTC (00:00Z) is the same tick.
    assert tick(datetime(2025, 11, 10, 0, 0, tzinfo=UTC)) == ["2025-11-03"]
    # Across a year boundary: ISO week 2026-W01 starts on Monday 2025-12-29.
    assert tick(datetime(2026, 1, 5, 7, 0, tzinfo=VN_TZ)) == ["2025-12-29"]
    assert week_of_key("2025-12-29") == Week.parse("2026-W01")


@settings(max_examples=examples(12), deadline=None)
@given(st.dates(min_value=date(2024, 1, 15), max_value=date(2030, 12, 31)))
def test_every_monday_tick_builds_the_last_complete_week(day):
    monday = day - timedelta(days=day.weekday())
    at = datetime(monday.year, monday.month, monday.day, 7, 0, tzinfo=VN_TZ)
    (key,) = tick(at)
    assert week_of_key(key) == Week.last_complete(at)
    assert key == (monday - timedelta(days=7)).isoformat()


def test_friday_rebuilds_last_week_once_its_figures_are_final():
    """Monday's report is provisional until its data reach Sunday + 3 days (the default maturity); nothing
    built the final one (review of 2026-12-04). Friday 07:00 builds the same week again: at Thursday 07:00
    most feeds had sent no event of Thursday yet, so that report was provisional too (second review)."""
    from pipelines.schedules import FINAL_SCHEDULE

    final = REPO.get_schedule_def(FINAL_SCHEDULE)
    assert (final.cron_schedule, final.execution_timezone, final.job_name) == (
        "0 7 * * 5", "Asia/Ho_Chi_Minh", WEEKLY_JOB
    )  # fmt: skip
    for friday, week in ((datetime(2025, 11, 14, 7, tzinfo=VN_TZ), "2025-11-03"),
                         (datetime(2026, 1, 9, 7, tzinfo=VN_TZ), "2025-12-29")):  # fmt: skip
        data = final.evaluate_tick(
            build_schedule_context(scheduled_execution_time=friday, repository_def=REPO)
        )
        assert data.run_requests is not None
        (request,) = data.run_requests
        assert request.partition_key == week and request.run_key == f"weekly-final:{week}"
        monday = friday - timedelta(days=4)
        assert tick(monday) == [week]  # the provisional Monday run of the same week, under another run key
    from reporting.header import ReportHeader

    maturity = ReportHeader.__dataclass_fields__["maturity_days"].default
    assert maturity == 3  # Thursday 00:00 is when a week ending Sunday 24:00 is final by default


def test_the_weekly_job_runs_its_steps_in_one_process():
    """chdb lets one process open a warehouse directory: the default executor's step processes made every run
    of ``make dagster`` on the embedded warehouse fail with "in use by another process" (review of
    2026-12-04)."""
    from dagster import in_process_executor

    from pipelines.definitions import build_definitions

    job = build_definitions().resolve_job_def(WEEKLY_JOB)
    assert job.executor_def is in_process_executor


def test_a_tick_before_the_first_week_has_ended_skips_saying_why():
    """A deployment whose partitions start this week: Monday's tick named the week before the first
    partition, an error tick (DagsterUnknownPartitionError: review). It skips, and the next Monday builds
    the first week."""
    from pipelines.definitions import build_definitions
    from pipelines.schedules import FINAL_SCHEDULE

    repo = build_definitions(start=date(2025, 11, 3)).get_repository_def()
    for name, at in ((WEEKLY_SCHEDULE, datetime(2025, 11, 3, 7, tzinfo=VN_TZ)),
                     (FINAL_SCHEDULE, datetime(2025, 11, 7, 7, tzinfo=VN_TZ))):  # fmt: skip
        data = repo.get_schedule_def(name).evaluate_tick(
            build_schedule_context(scheduled_execution_time=at, repository_def=repo)
        )
        assert not data.run_requests and "no complete week yet" in (data.skip_message or ""), name
    monday = datetime(2025, 11, 10, 7, tzinfo=VN_TZ)
    data = repo.get_schedule_def(WEEKLY_SCHEDULE).evaluate_tick(
        build_schedule_context(scheduled_execution_time=monday, repository_def=repo)
    )
    assert [r.partition_key for r in data.run_requests or []] == ["2025-11-03"]
