"""The weekly job and its schedule: every Monday 07:00 Asia/Ho_Chi_Minh, for the week that just ended."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from inspections.weeks import Week
from pipelines.assets.common import GROUP
from pipelines.partitions import TIMEZONE, key_of_week

if TYPE_CHECKING:  # not exported by dagster; only the annotation needs it
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

WEEKLY_JOB = "weekly_reports_job"
WEEKLY_SCHEDULE = "weekly_reports_schedule"
CRON = "0 7 * * 1"


def build_weekly_job() -> UnresolvedAssetJobDefinition:
    """Every weekly asset (and its checks) for one week (partitioned like the assets)."""
    return define_asset_job(
        WEEKLY_JOB,
        selection=AssetSelection.groups(GROUP),
        description="The week's metrics, violation summary, data-quality run, leadership report and audit "
        "packs.",
    )


def build_weekly_schedule(job: UnresolvedAssetJobDefinition) -> ScheduleDefinition:
    """Monday 07:00 local time, for the latest complete week (Monday–Sunday): the tick of Monday
    2025-11-10 builds partition 2025-11-03 (2025-W45)."""

    @schedule(
        name=WEEKLY_SCHEDULE,
        job=job,
        cron_schedule=CRON,
        execution_timezone=TIMEZONE,
        description="Every Monday 07:00 Asia/Ho_Chi_Minh: the reports of the week just ended.",
    )
    def weekly_reports(context: ScheduleEvaluationContext) -> RunRequest:
        week = Week.last_complete(context.scheduled_execution_time)
        key = key_of_week(week)
        # The run key makes a re-evaluated tick for the same week start no second run.
        return RunRequest(run_key=f"weekly:{key}", partition_key=key, tags={"dossier_audit/week": str(week)})

    return weekly_reports
