"""The weekly schedule: every Monday 07:00 Asia/Ho_Chi_Minh, building the week Monday–Sunday just ended."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from tempfile import TemporaryDirectory
from typing import Any

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


@contextmanager
def persistent_instance() -> Iterator[Any]:
    """A new Dagster instance on disk, in a directory of its own: a schedule's context gives its instance
    by reference, as the daemon gives it."""
    from dagster import DagsterInstance

    with TemporaryDirectory() as directory, DagsterInstance.local_temp(directory) as instance:
        yield instance


def final_tick(at: datetime, repo=REPO, instance=None) -> tuple[list[str], str]:
    """The final schedule's tick at ``at`` (on ``instance``'s runs: a new instance's, none, by default): the
    weeks it builds, and its skip message. The instance is given by reference, as the daemon gives it (the
    resources' context keeps the reference only)."""
    if instance is None:
        with persistent_instance() as fresh:
            return final_tick(at, repo, fresh)
    from pipelines.resources import PlatformResource
    from pipelines.schedules import FINAL_SCHEDULE

    # Closed after the tick: the instance the context opens from the reference makes its state storage the
    # process's current one until closed, and definitions built after it was gone failed ("undefined
    # DagsterInstance weakref") in the fresh-clone run.
    with build_schedule_context(
        scheduled_execution_time=at, repository_def=repo, resources={"platform": PlatformResource()},
        instance_ref=instance.get_ref(),
    ) as context:  # fmt: skip
        data = repo.get_schedule_def(FINAL_SCHEDULE).evaluate_tick(context)
    for request in data.run_requests or []:
        assert request.run_key == f"weekly-final:{request.partition_key}"
        assert request.tags["dossier_audit/final"] == "true"
    return [r.partition_key for r in data.run_requests or []], data.skip_message or ""


def test_friday_rebuilds_last_week_once_its_figures_are_final():
    """Monday's report is provisional until its data reach 3 working days past its end (the default
    maturity); nothing built the final one (review of 2026-12-04). For an ordinary week the final tick of
    Friday 07:00 builds it again: at Thursday 07:00 most feeds had sent no event of Thursday yet, so that
    report was provisional too (second review). The schedule ticks daily; the other days skip, naming the
    day the latest week is rebuilt."""
    from pipelines.schedules import FINAL_SCHEDULE

    final = REPO.get_schedule_def(FINAL_SCHEDULE)
    assert (final.cron_schedule, final.execution_timezone, final.job_name) == (
        "0 7 * * *", "Asia/Ho_Chi_Minh", WEEKLY_JOB
    )  # fmt: skip
    for friday, week in ((datetime(2025, 11, 14, 7, tzinfo=VN_TZ), "2025-11-03"),
                         (datetime(2026, 1, 9, 7, tzinfo=VN_TZ), "2025-12-29")):  # fmt: skip
        builds, _ = final_tick(friday)  # and a week before it rebuilt in the last days, asked for again
        assert builds[-1] == week and len(builds) <= 2
        monday = friday - timedelta(days=4)
        assert tick(monday) == [week]  # the provisional Monday run of the same week, under another run key
        # The day before, the week before's again (its run key makes it no second run: a missed tick is
        # caught up the next days), not this one.
        thursday = friday - timedelta(days=1)
        assert final_tick(thursday)[0] == [(date.fromisoformat(week) - timedelta(days=7)).isoformat()]
    from reporting.header import ReportHeader

    maturity = ReportHeader.__dataclass_fields__["maturity_days"].default
    assert maturity == 3  # Thursday 00:00 is when a week ending Sunday 24:00 is final by default


def test_the_week_before_tet_2027_is_rebuilt_once_the_offices_have_worked_after_it():
    """2027-W05 ends on Monday 8 February, and the pattern's Tết keeps every office closed to Thursday 11.
    Counted in calendar days, its figures were "final" on Thursday 11 with no office open since: Friday's
    rebuild was provisional (no data after the week's end), and no later tick built it again (review of the
    New Year 2027 seat). In working days it is final on Wednesday 17, rebuilt on Thursday 18; 2027-W06 on
    Friday 19, as usual."""
    assert final_tick(datetime(2027, 2, 12, 7, tzinfo=VN_TZ)) == (
        [], "no week is final yet: 2027-W05 is rebuilt on 2027-02-18"
    )  # fmt: skip
    assert final_tick(datetime(2027, 2, 18, 7, tzinfo=VN_TZ))[0] == ["2027-02-01"]
    assert final_tick(datetime(2027, 2, 19, 7, tzinfo=VN_TZ))[0] == ["2027-02-01", "2027-02-08"]


def test_a_week_rebuilt_is_not_asked_for_again_one_that_failed_is():
    """A schedule's run key stops a second run within one tick only: the daily ticks of the catch-up days
    each started the week's final run again (review). A week whose final run succeeded, or is queued or
    running, is not asked for; one whose run failed is, the next day."""

    friday = datetime(2025, 11, 14, 7, tzinfo=VN_TZ)
    with persistent_instance() as instance:
        _ticks_on_runs(instance, friday)


def _ticks_on_runs(instance, friday: datetime) -> None:
    from functools import partial
    from uuid import uuid4

    from dagster import AssetMaterialization, DagsterRun, DagsterRunStatus

    assert final_tick(friday, instance=instance)[0] == ["2025-11-03"]

    def ran(status: DagsterRunStatus) -> None:
        tags = {"dossier_audit/final": "true", "dossier_audit/week": "2025-W45"}
        instance.add_run(DagsterRun(job_name=WEEKLY_JOB, run_id=str(uuid4()), tags=tags, status=status))

    ran(DagsterRunStatus.FAILURE)
    assert final_tick(friday + timedelta(days=1), instance=instance)[0] == ["2025-11-03"]
    ran(DagsterRunStatus.STARTED)  # running: it may build it
    saturday = final_tick(friday + timedelta(days=1), instance=instance)
    assert saturday == ([], "the final reports of 2025-W45 are built or being built")
    # A run that succeeded with figures still provisional (a feed behind) built no final report: asked for
    # again the next days (Dagster seat: counted as rebuilt, the provisional report stayed for good).
    with persistent_instance() as fresh:
        fresh.add_run(
            DagsterRun(
                job_name=WEEKLY_JOB,
                run_id=str(uuid4()),
                status=DagsterRunStatus.SUCCESS,
                tags={"dossier_audit/final": "true", "dossier_audit/week": "2025-W45"},
            )
        )
        report = partial(AssetMaterialization, asset_key="leadership_report", partition="2025-11-03")
        fresh.report_runless_asset_event(report(metadata={"final": False}))
        assert final_tick(friday + timedelta(days=1), instance=fresh)[0] == ["2025-11-03"]
        # A final run that failed after its report came out final (its packs failed): asked for again.
        failed = str(uuid4())
        fresh.add_run(
            DagsterRun(
                job_name=WEEKLY_JOB,
                run_id=failed,
                status=DagsterRunStatus.FAILURE,
                tags={"dossier_audit/final": "true", "dossier_audit/week": "2025-W45"},
            )
        )
        _materialized(fresh, failed, report(metadata={"final": True}))
        assert final_tick(friday + timedelta(days=2), instance=fresh)[0] == ["2025-11-03"]
        # Re-executed from its failed step, it reuses that report: once the re-run succeeds, it counts.
        with persistent_instance() as again:
            tags = {"dossier_audit/final": "true", "dossier_audit/week": "2025-W45"}
            again.add_run(DagsterRun(job_name=WEEKLY_JOB, run_id=failed, status=DagsterRunStatus.FAILURE,
                                     tags=tags))  # fmt: skip
            _materialized(again, failed, report(metadata={"final": True}))
            rerun = DagsterRun(job_name=WEEKLY_JOB, run_id=str(uuid4()), status=DagsterRunStatus.SUCCESS,
                               tags=tags, parent_run_id=failed, root_run_id=failed)  # fmt: skip
            again.add_run(rerun)
            assert final_tick(friday + timedelta(days=2), instance=again)[0] == []
        fresh.report_runless_asset_event(report(metadata={"final": True}))  # e.g. a manual run's
        assert final_tick(friday + timedelta(days=2), instance=fresh) == (
            [], "the final reports of 2025-W45 are built or being built"
        )  # fmt: skip


def _materialized(instance, run_id: str, materialization) -> None:
    """Store ``materialization`` as an event of run ``run_id``, as a step of that run stores it."""
    import time

    from dagster import DagsterEvent, DagsterEventType, EventLogEntry
    from dagster._core.events import StepMaterializationData

    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value, job_name=WEEKLY_JOB,
        event_specific_data=StepMaterializationData(materialization),
    )  # fmt: skip
    instance.store_event(EventLogEntry(error_info=None, level="debug", user_message="", run_id=run_id,
                                       timestamp=time.time(), dagster_event=event))  # fmt: skip
    # Another week's run does not count for this one.
    assert final_tick(datetime(2025, 11, 21, 7, tzinfo=VN_TZ), instance=instance)[0] == ["2025-11-10"]


@settings(max_examples=examples(40), deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 1)), st.integers(0, 60))
def test_every_week_is_rebuilt_on_one_day_once_its_figures_are_final(day, days):
    """Over the days from a week's end, the ticks that ask for its rebuild are those of the day after the
    first working day from the day it is final, itself after ``days`` working days from its end (a Friday
    whenever the three days after an ordinary week are working days, with the default), and of the days
    after it within ``CATCH_UP_DAYS`` (a missed tick: the run key makes the repeats no runs)."""
    from inspections.files.calendar import load_calendar
    from pipelines.schedules import CATCH_UP_DAYS, weeks_rebuilt_on
    from reporting.reach import MaturityRule

    calendar = load_calendar(None)
    rule = MaturityRule(days, calendar)
    week = Week.of(day)
    final, run = rule.final_on(week), rule.final_run_on(week)
    counted = sum(map(calendar.is_working_day, _days(week.end, final)))
    assert counted == days and (days == 0 or calendar.is_working_day(final - timedelta(days=1)))
    assert calendar.is_working_day(run - timedelta(days=1)) and final < run
    assert all(not calendar.is_working_day(d) for d in _days(final, run - timedelta(days=1)))
    built = [d for d in _days(week.end, run + timedelta(days=14)) if week in weeks_rebuilt_on(d, rule)]
    assert built == _days(run, run + timedelta(days=CATCH_UP_DAYS))
    if days == 3 and all(calendar.is_working_day(week.end + timedelta(days=n)) for n in range(4)):
        assert run.weekday() == 4  # Friday


def _days(first: date, stop: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((stop - first).days)]


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

    repo = build_definitions(start=date(2025, 11, 3)).get_repository_def()
    data = repo.get_schedule_def(WEEKLY_SCHEDULE).evaluate_tick(
        build_schedule_context(
            scheduled_execution_time=datetime(2025, 11, 3, 7, tzinfo=VN_TZ), repository_def=repo
        )
    )
    assert not data.run_requests and "no complete week yet" in (data.skip_message or "")
    builds, skipped = final_tick(datetime(2025, 11, 7, 7, tzinfo=VN_TZ), repo)
    assert not builds and "no complete week yet" in skipped
    monday = datetime(2025, 11, 10, 7, tzinfo=VN_TZ)
    data = repo.get_schedule_def(WEEKLY_SCHEDULE).evaluate_tick(
        build_schedule_context(scheduled_execution_time=monday, repository_def=repo)
    )
    assert [r.partition_key for r in data.run_requests or []] == ["2025-11-03"]
    assert final_tick(datetime(2025, 11, 14, 7, tzinfo=VN_TZ), repo)[0] == ["2025-11-03"]


def test_definitions_build_after_a_tick_has_read_its_instance():
    """The fresh-clone run of 2026-12-07: a tick's context opened an instance from its reference and left its
    state storage the process's current one; once that instance was collected, every definitions built
    after it in the same process failed ("undefined DagsterInstance weakref"). Closed with the tick."""
    import gc

    from dagster import DagsterInstance

    from pipelines.definitions import build_definitions

    with TemporaryDirectory() as directory:  # an instance never entered, as the daemon's reference is
        final_tick(datetime(2025, 11, 14, 7, tzinfo=VN_TZ), instance=DagsterInstance.local_temp(directory))
        gc.collect()
    assert build_definitions().resolve_job_def(WEEKLY_JOB).name == WEEKLY_JOB
