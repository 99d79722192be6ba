"""The weekly job and its schedules, Asia/Ho_Chi_Minh: Monday 07:00 for the week that just ended, and
07:00 on the day its figures are final for the same week again (a Friday, for an ordinary week).

A week is provisional until every feed's data reach ``report_maturity_days`` working days past its end
(default 3: Thursday 00:00; ``reporting.reach.MaturityRule``) and the report says so: Monday's report is a
draft on purpose, so leadership sees the week at once, and the rebuild is the one to sign. The rebuild waits
a working day past the maturity instant: a feed reaches Thursday 00:00 with its first event of Thursday, and
at Thursday 07:00, before the offices open, most had none yet, so that tick built another provisional report
(review of 2026-12-04). The final schedule ticks every day and builds the weeks whose rebuild day it is, by
the platform's calendar: a fixed Friday rebuilt the week before Tết 2027 (its next four working days off)
with no office open since, provisional, and never again (review of the New Year 2027 seat).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    AssetSelection,
    DagsterRunStatus,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
)

from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from pipelines.assets.common import GROUP
from pipelines.partitions import DEFAULT_START, TIMEZONE, key_of_week
from pipelines.resources import PlatformResource
from reporting.reach import MaturityRule

if TYPE_CHECKING:  # not exported by dagster; only the annotation needs it
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

WEEKLY_JOB = "weekly_reports_job"
WEEKLY_SCHEDULE = "weekly_reports_schedule"
CRON = "0 7 * * 1"
FINAL_SCHEDULE = "weekly_reports_final_schedule"
#: Every day 07:00: the ticks on a week's rebuild day (``MaturityRule.final_run_on``: Friday, for an ordinary
#: week and the default maturity) build it; the others skip.
FINAL_CRON = "0 7 * * *"


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
    """Every day 07:00 local time, for the weeks whose figures are final by then
    (``MaturityRule.final_run_on``, in the platform's calendar): the tick of Friday 2025-11-14 builds
    partition 2025-11-03 (2025-W45) again, under its own run key; that of Thursday 2027-02-18 builds 2027-W05,
    the week before Tết. A tick with no such week skips, saying which week is next."""
    first = Week.of(start)
    description = (
        "Every day 07:00 Asia/Ho_Chi_Minh: the reports of each week whose figures became final again (a "
        "Friday for an ordinary week; later after days off)."
    )

    @schedule(
        name=FINAL_SCHEDULE, job=job, cron_schedule=FINAL_CRON, execution_timezone=TIMEZONE,
        description=description,
    )  # fmt: skip
    def final_weeks(
        context: ScheduleEvaluationContext, platform: PlatformResource
    ) -> list[RunRequest] | SkipReason:
        today = context.scheduled_execution_time.astimezone(VN_TZ).date()
        # The calendar alone (not the catalogue, which a tick has no use for): a tick that fails builds
        # nothing, and the daemon does not try it again.
        built = platform.platform()
        rule = MaturityRule(built.settings.report_maturity_days, built.calendar)
        due = [w for w in weeks_rebuilt_on(today, rule) if w.start >= first.start]
        weeks = [w for w in due if not _rebuilt(context, w)]
        if due and not weeks:
            return SkipReason(f"the final reports of {', '.join(map(str, due))} are built or being built")
        if not weeks:
            latest = Week.last_complete(context.scheduled_execution_time)
            if latest.start < first.start:
                return SkipReason(f"no complete week yet: the partitions begin with {first} ({first.start})")
            return SkipReason(f"no week is final yet: {latest} is rebuilt on {rule.final_run_on(latest)}")
        return [
            RunRequest(
                run_key=f"weekly-final:{key}", partition_key=key, tags={**_FINAL_TAGS, _WEEK: str(week)}
            )
            for week, key in ((week, key_of_week(week)) for week in weeks)
        ]

    return final_weeks


_WEEK = "dossier_audit/week"
_FINAL_TAGS = {"dossier_audit/final": "true"}


#: How many days a week's rebuild is asked for, from its day on, until a final run of it has not failed: the
#: daemon evaluates only the latest tick it missed (a schedule without partitions is not caught up), so a
#: daily tick asked for on its one day lost the week's final report to a day's outage (review). A schedule's
#: run key makes no second run within a tick only, not across days: :func:`_rebuilt` looks (review).
CATCH_UP_DAYS = 7
#: A final run in one of these states has not built the week and will not: the next tick asks again.
_GAVE_UP = frozenset({DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED, DagsterRunStatus.CANCELING})


def _rebuilt(context: ScheduleEvaluationContext, week: Week) -> bool:
    """Whether a final run of ``week`` (tagged so by this schedule) is queued or running, or the week's
    leadership report was built with final figures (its materialisation's ``final``). A final run that
    succeeded with figures still provisional (a feed behind on the rebuild day) built no final report:
    counted as rebuilt, the week was never asked for again and leadership kept a provisional report as the
    signed one, with no alert (Dagster seat of 2026-12-08); the next ticks of the catch-up days ask again."""
    tags = {**_FINAL_TAGS, _WEEK: str(week)}
    runs = context.instance.get_runs(filters=RunsFilter(tags=tags), limit=20)
    if any(run.status not in _GAVE_UP | {DagsterRunStatus.SUCCESS} for run in runs):
        return True  # queued, starting or running: it may build it
    # A final run that failed after its report (its packs failed) rebuilds the week whole when asked
    # again: its report does not count (last read of the session). A manual run's, or a successful one's,
    # does.
    # A run re-executed from its failed step reuses the steps that succeeded (the report) from the run it
    # comes from: once it succeeds, that run's report counts (third read of the session).
    mended = {run.root_run_id for run in runs if run.status == DagsterRunStatus.SUCCESS and run.root_run_id}
    failed = {run.run_id for run in runs if run.status in _GAVE_UP} - mended
    built = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=_REPORT, asset_partitions=[key_of_week(week)]), limit=20
    )
    for record in built.records:
        if record.run_id in failed:
            continue
        materialization = record.asset_materialization
        final = materialization.metadata.get("final") if materialization is not None else None
        if final is not None and getattr(final, "value", final) is True:
            return True
    return False


#: The asset whose materialisations say whether a week's report was built final (``assets.reports``).
_REPORT = AssetKey("leadership_report")


def weeks_rebuilt_on(day: date, rule: MaturityRule) -> list[Week]:
    """The weeks whose final report the tick of ``day`` asks for, oldest first: those whose rebuild day
    (``MaturityRule.final_run_on``) is ``day`` or one of the :data:`CATCH_UP_DAYS` - 1 days before, among
    the weeks that ended within the reach of the longest maturity (60 working days, and the days off)."""
    latest = Week.of(day - timedelta(days=7))
    reach = (rule.days + CATCH_UP_DAYS) // 5 + 4  # weeks: a working week per 5 working days, and Tết
    candidates = [latest.previous(n) for n in range(reach, -1, -1)]
    first = day - timedelta(days=CATCH_UP_DAYS - 1)
    return [week for week in candidates if week.end <= day and first <= rule.final_run_on(week) <= day]


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
        return RunRequest(run_key=f"{run}:{key}", partition_key=key, tags={_WEEK: str(week), **tags})

    return last_week
