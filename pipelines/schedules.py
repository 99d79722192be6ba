"""The weekly job and its schedules, Asia/Ho_Chi_Minh: Monday 07:00 for the week that just ended, and
Friday 07:00 for the same week again, once its figures are final.

A week is provisional until every feed's data reach its end plus ``report_maturity_days`` (default 3:
Thursday 00:00) and the report says so (``reporting.reach``): Monday's report is a draft on purpose, so
leadership sees the week at once, and Friday's rebuild is the one to sign. The rebuild waits a working day
past the maturity instant: a feed reaches Thursday 00:00 with its first event of Thursday, and at Thursday
07:00, before the offices open, most had none yet, so that tick built another provisional report (review of
2026-12-04). With a maturity beyond 3 days, launch the week again once it has passed
(docs/operators-guide.md).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
)

from inspections.weeks import Week
from pipelines.assets.common import GROUP
from pipelines.partitions import DEFAULT_START, TIMEZONE, key_of_week

if TYPE_CHECKING:  # not exported by dagster; only the annotation needs it
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

WEEKLY_JOB = "weekly_reports_job"
WEEKLY_SCHEDULE = "weekly_reports_schedule"
CRON = "0 7 * * 1"
FINAL_SCHEDULE = "weekly_reports_final_schedule"
#: Friday 07:00: the default maturity (3 days past Sunday's end) has passed, and the offices have sent a
#: working day's events since.
FINAL_CRON = "0 7 * * 5"


def build_weekly_job() -> UnresolvedAssetJobDefinition:
    """Every weekly asset (and its checks) for one week (partitioned like the assets), its steps one after
    the other in the run's process: Dagster's default executor ran the three first steps in processes of
    their own, and chdb lets one process open a warehouse directory, so every run of ``make dagster`` on the
    embedded warehouse failed (review of 2026-12-04). The steps are short queries and file writes; a week's
    run takes minutes either way."""
    return define_asset_job(
        WEEKLY_JOB,
        executor_def=in_process_executor,
        selection=AssetSelection.groups(GROUP),
        description="The week's metrics, violation summary, data-quality run, leadership report and audit "
        "packs.",
    )


def build_weekly_schedule(
    job: UnresolvedAssetJobDefinition, start: date = DEFAULT_START
) -> ScheduleDefinition:
    """Monday 07:00 local time, for the latest complete week (Monday–Sunday): the tick of Monday
    2025-11-10 builds partition 2025-11-03 (2025-W45). ``start``: the partitions' (none before its week)."""
    description = "Every Monday 07:00 Asia/Ho_Chi_Minh: the reports of the week just ended."
    return _last_week(job, WEEKLY_SCHEDULE, CRON, description, "weekly", {}, start)


def build_final_schedule(
    job: UnresolvedAssetJobDefinition, start: date = DEFAULT_START
) -> ScheduleDefinition:
    """Friday 07:00 local time, for the week that ended the Sunday before (its figures final): the tick of
    Friday 2025-11-14 builds partition 2025-11-03 (2025-W45) again, under its own run key."""
    description = "Every Friday 07:00 Asia/Ho_Chi_Minh: last week's reports again, its figures final."
    return _last_week(
        job, FINAL_SCHEDULE, FINAL_CRON, description, "weekly-final", {"dossier_audit/final": "true"}, start
    )


def _last_week(
    job: UnresolvedAssetJobDefinition,
    name: str,
    cron: str,
    description: str,
    run: str,
    tags: dict[str, str],
    start: date,
) -> ScheduleDefinition:
    """A schedule building the latest complete week at each tick of ``cron`` (local time), its runs keyed
    ``<run>:<week start>``: a re-evaluated tick for the same week start makes no second run. A tick before
    the first partition's week has ended skips, saying so (it was an error tick: review)."""
    first = Week.of(start)

    @schedule(name=name, job=job, cron_schedule=cron, execution_timezone=TIMEZONE, description=description)
    def last_week(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        week = Week.last_complete(context.scheduled_execution_time)
        if week.start < first.start:
            return SkipReason(f"no complete week yet: the partitions begin with {first} ({first.start})")
        key = key_of_week(week)
        return RunRequest(
            run_key=f"{run}:{key}", partition_key=key, tags={"dossier_audit/week": str(week), **tags}
        )

    return last_week
