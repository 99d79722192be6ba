"""Alerts: a sensor watching the warehouse for growing dead letters, for a unit whose open violations in
the latest week jump against its recent average, for a weekly report built on data that failed a blocking
data-quality check, for a week whose figures changed after its final report (``final_figures``), and for a
warehouse server it cannot read several ticks in a row; and the ``alert_job``
it starts — a run that fails with the alert's message, so the alert is a clear red run in Dagster (and in
whatever notifies on failed runs).
"""

# No ``from __future__ import annotations``: Dagster reads the op's config class from its annotation.
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from dagster import (
    Config,
    ConfigurableResource,
    DefaultSensorStatus,
    Failure,
    JobDefinition,
    MetadataValue,
    OpExecutionContext,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    job,
    op,
    sensor,
)
from pydantic import Field

from bootstrap.settings_file import SettingsError
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from pipelines.alert import Alert
from pipelines.final_figures import final_figures_alerts
from pipelines.report_runs import report_runs
from pipelines.resources import PlatformResource, WarehouseResource
from warehouse.base import Warehouse, WarehouseError, WarehouseLocked

ALERT_JOB = "alert_job"
ALERT_SENSOR = "warehouse_alerts_sensor"


class AlertThresholds(ConfigurableResource):  # type: ignore[type-arg]
    """When the sensor alerts on a unit's violations: this week's open violations ≥ ``jump_min`` and
    > ``jump_factor`` × the unit's average over the ``history_weeks`` weeks before."""

    jump_factor: float = Field(default=2.0, gt=0, description="Multiple of the average that is a jump.")
    jump_min: int = Field(default=5, ge=1, description="Fewest violations in the week that can be a jump.")
    history_weeks: int = Field(default=8, ge=1, description="Weeks the average is taken over.")
    dead_letters_min: int = Field(
        default=1,
        ge=1,
        description="Rejected lines added since the last dead-letter alert that alert again (a source "
        "trickling a bad line now and then alerted at every tick: raise it for such a source).",
    )
    unreadable_ticks: int = Field(
        default=3,
        ge=1,
        description="Ticks in a row the warehouse cannot be read before an alert (one per outage; an "
        "embedded warehouse locked by its running owner never counts).",
    )


@dataclass
class AlertCursor:
    """What the sensor remembers between ticks."""

    dead_letters: int | None = None
    alerted: list[str] = field(default_factory=list)  # jump alert keys of the latest two weeks, not repeated
    unreadable: int = 0  # ticks in a row the warehouse could not be read
    #: Per report run whose week's final figures changed, the digest of the figures last alerted and when
    #: (epoch seconds): ``final_figures``.
    figures: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> "AlertCursor":
        """The cursor a tick left; a new one for none, or for one that is not a cursor's JSON (the UI lets
        anyone set it: it was a traceback at every tick, ops review), which alerts as a first tick does."""
        if not text:
            return cls()
        try:
            data = orjson.loads(text)
            dead_letters, alerted = data.get("dead_letters"), data.get("alerted", [])
            unreadable = data.get("unreadable", 0)
            figures = data.get("figures", {})
        except (orjson.JSONDecodeError, AttributeError):
            return cls()
        if dead_letters is not None and type(dead_letters) is not int:
            return cls()
        if not isinstance(alerted, list) or not all(isinstance(key, str) for key in alerted):
            return cls()
        if type(unreadable) is not int or unreadable < 0:
            return cls()
        if not isinstance(figures, dict) or not all(_figures_alerted(v) for v in figures.values()):
            return cls()
        return cls(dead_letters, alerted, unreadable, figures)

    def dumps(self) -> str:
        data = {
            "dead_letters": self.dead_letters,
            "alerted": self.alerted,
            "unreadable": self.unreadable,
            "figures": self.figures,
        }
        return orjson.dumps(data).decode()


def _figures_alerted(value: Any) -> bool:
    """A ``figures`` entry of the cursor: [digest, epoch seconds]."""
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and type(value[1]) is int


# Weeks are Monday-based in local time; toTimeZone makes toMonday use Vietnamese dates on every version.
_WEEKLY_OPEN_VIOLATIONS = """
SELECT unit_code, toMonday(toTimeZone(occurred_at, 'Asia/Ho_Chi_Minh')) AS monday, count() AS n
FROM violations FINAL
WHERE state = 'open' AND kind = 'violation' AND occurred_at >= %(since)s AND occurred_at < %(until)s
GROUP BY unit_code, monday
"""


def dead_letter_alerts(wh: Warehouse, cursor: AlertCursor, now: datetime, least: int = 1) -> list[Alert]:
    """An alert when ``rejected_events`` holds at least ``least`` more rows than at the last alert (the
    first tick only sets the baseline: what was there before the sensor ran is history, not news), naming
    the reasons of the rows added. Updates ``cursor``.

    Its run key holds the tick's time (``now``): Dagster starts one run per run key, ever, and a key of the
    count alone came again once rows were deleted (a new baseline) and the table grew back to a count
    already alerted, whose alert was then dropped without a word (Dagster seat of 2026-12-07)."""
    ((count,),) = wh.query("SELECT count() FROM rejected_events FINAL")
    count = int(count)
    previous = cursor.dead_letters
    if previous is None or count < previous:  # the first tick, or rows deleted: a new baseline
        cursor.dead_letters = count
        return []
    if count - previous < least:
        return []
    cursor.dead_letters = count
    grown = count - previous
    # The newest rows' reasons: what just arrived, not the all-time most common (on-call review).
    reasons = wh.query(
        "SELECT reason_code, count() AS n FROM (SELECT reason_code FROM rejected_events FINAL"
        " ORDER BY rejected_at DESC LIMIT %(n)s) GROUP BY reason_code ORDER BY n DESC, reason_code LIMIT 5",
        {"n": grown},
    )
    top = ", ".join(f"{code} ×{n}" for code, n in reasons)
    return [
        Alert(
            f"dead_letters:{count}:{now.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}",
            "dead_letters",
            f"Dead letters grew by {grown} (from {previous} to {count}); their most common reasons: {top}. "
            "Read them with: SELECT * FROM rejected_events FINAL ORDER BY rejected_at DESC",
            {"previous": previous, "current": count, "grown": grown},
        )
    ]


def latest_week(wh: Warehouse, now: datetime) -> tuple[Week, Week] | None:
    """The week of the newest open violation (not after ``now``) and the week of the oldest event; None
    when there are none."""
    ((newest, count),) = wh.query(
        "SELECT max(occurred_at), count() FROM violations FINAL"
        " WHERE state = 'open' AND occurred_at <= %(now)s",
        {"now": now},
    )
    ((oldest, events),) = wh.query("SELECT min(occurred_at), count() FROM events")
    if not count or not events:
        return None
    return Week.containing(newest), Week.containing(oldest)


def violation_jump_alerts(
    wh: Warehouse, thresholds: AlertThresholds, now: datetime, cursor: AlertCursor
) -> list[Alert]:
    """An alert per unit whose open violations in one of the latest two weeks (the week of the newest
    violation, and the week before it) are at least ``jump_min`` and more than ``jump_factor`` × its
    average over the weeks before that week (up to ``history_weeks``, counting only weeks the warehouse has
    events for). A unit alerts once per week. The week before is looked at too: one violation dated in the
    next week (a Monday event in the weekly file, a time-triggered one) made it the latest, and the jump of
    the week just ended was never looked at (Dagster seat of 2026-12-08)."""
    found = latest_week(wh, now)
    if found is None:
        return []
    newest, first = found
    weeks = [w for w in (newest.previous(1), newest) if w >= first]
    earliest = weeks[0].history(thresholds.history_weeks + 1)[0]
    since = datetime.combine(max(earliest, first).start, datetime.min.time(), tzinfo=VN_TZ).astimezone(UTC)
    until = datetime.combine(newest.end, datetime.min.time(), tzinfo=VN_TZ).astimezone(UTC)
    counts: dict[str, dict[date, int]] = {}
    for unit, monday, n in wh.query(_WEEKLY_OPEN_VIOLATIONS, {"since": since, "until": until}):
        counts.setdefault(unit, {})[monday] = int(n)
    kept = [k for k in cursor.alerted if any(k.endswith(f"@{week}") for week in weeks)]
    alerts = []
    for week in weeks:
        history = [w for w in week.history(thresholds.history_weeks + 1)[:-1] if w >= first]
        if not history:
            continue  # no weeks before this one to compare with
        for unit in sorted(counts):
            by_week = counts[unit]
            current = by_week.get(week.start, 0)
            average = sum(by_week.get(w.start, 0) for w in history) / len(history)
            key = f"violations:{unit}@{week}"
            if current < thresholds.jump_min or current <= thresholds.jump_factor * average or key in kept:
                continue
            kept.append(key)
            alerts.append(
                Alert(
                    key,
                    "violation_jump",
                    f"Unit {unit}: {current} open violations in {week} against an average of {average:.1f} "
                    f"over the {len(history)} week(s) before (alert above {thresholds.jump_factor:g}× and at "
                    f"least {thresholds.jump_min}).",
                    {
                        "unit": unit,
                        "week": str(week),
                        "current": current,
                        "average": round(average, 2),
                        "history_weeks": len(history),
                    },
                )
            )
    cursor.alerted = kept
    return alerts


#: How far back a report built on failed data still alerts: a first tick, or one after a pause, does not
#: bring up the history of every week.
FAILED_DATA_DAYS = 8


def failed_data_alerts(wh: Warehouse, now: datetime) -> list[Alert]:
    """An alert per weekly report built in the last :data:`FAILED_DATA_DAYS` days on data that failed a
    blocking data-quality check. Such a run succeeds (its report says so on its first page, unless the
    platform's ``halt_on_blocking_failure`` withholds it), so nothing was red: Monday's report went out on
    an unfinished load unnoticed (on-call review). Once per run: the run key is the report run's."""
    since = now - timedelta(days=FAILED_DATA_DAYS)
    alerts = []
    for run in report_runs(wh, kind="leadership_report"):
        failures = run["detail"].get("blocking_quality_failures") or 0
        finished = run["finished_at"]
        if run["status"] != "succeeded" or not failures or finished is None:
            continue
        if finished < since:  # aware, as every warehouse answers a DateTime
            continue
        week = run["params"].get("week", "?")
        alerts.append(
            Alert(
                f"built_on_failed_data:{run['run_id']}",
                "built_on_failed_data",
                f"The report of {week} was built on data that failed {failures} blocking data-quality "
                f"check(s) (its first page says so). See which with `dossier-audit check --week {week}`, "
                "fix the data (docs/operators-guide.md), then build the week again; to withhold such "
                "reports instead, set the platform resource's halt_on_blocking_failure.",
                {"week": week, "blocking_failures": failures, "report_run": run["run_id"]},
            )
        )
    return alerts


def evaluate_alerts(
    wh: Warehouse, thresholds: AlertThresholds, now: datetime, cursor: AlertCursor
) -> list[Alert]:
    """Every alert due at ``now``; ``cursor`` is updated in place."""
    letters = dead_letter_alerts(wh, cursor, now, thresholds.dead_letters_min)
    return [
        *letters, *violation_jump_alerts(wh, thresholds, now, cursor), *failed_data_alerts(wh, now),
        *final_figures_alerts(wh, now, cursor.figures),
    ]  # fmt: skip


def unreadable_alert(exc: WarehouseError, ticks: int, now: datetime) -> Alert:
    """The alert of a warehouse server unread ``ticks`` ticks in a row: the sensor skipped each tick, and a
    skipped tick pages nobody, so an outage went unsaid exactly when it mattered (on-call review)."""
    return Alert(
        f"warehouse_unreadable:{now:%Y-%m-%dT%H:%M}",
        "warehouse_unreadable",
        f"The warehouse could not be read at {ticks} ticks in a row: {exc}. The sink cannot store events and "
        "the reports cannot be built meanwhile: check that the ClickHouse server is up and reachable.",
        {"ticks": ticks, "error": str(exc)[:500]},
    )


class AlertConfig(Config):
    kind: str
    message: str
    figures_json: str = "{}"


@op(description="Fails with the alert's message: the failed run is the alert.")
def raise_alert(context: OpExecutionContext, config: AlertConfig) -> None:
    figures = orjson.loads(config.figures_json)
    context.log.error(config.message)
    raise Failure(
        description=config.message,
        metadata={"kind": config.kind, "figures": MetadataValue.json(figures)},
        allow_retries=False,
    )


@job(name=ALERT_JOB, description="One alert from the warehouse sensor; its run fails with the message.")
def alert_job() -> None:
    raise_alert()


def run_request(alert: Alert) -> RunRequest:
    return RunRequest(
        run_key=alert.key,
        run_config={
            "ops": {
                "raise_alert": {
                    "config": {
                        "kind": alert.kind,
                        "message": alert.message,
                        "figures_json": orjson.dumps(alert.figures).decode(),
                    }
                }
            }
        },
        tags={"alert": alert.kind},
    )


def build_alert_sensor(job_def: JobDefinition = alert_job) -> SensorDefinition:
    @sensor(
        name=ALERT_SENSOR,
        job=job_def,
        minimum_interval_seconds=300,
        default_status=DefaultSensorStatus.STOPPED,
        description="Alerts (a failed alert_job run with the message) when dead letters grow since the last "
        "tick, a unit's open violations in the latest week jump against its 8-week average, a weekly report "
        "was built on data that failed a blocking check, a week's figures changed after its final report, or "
        "the warehouse server stays unreadable.",
    )
    def warehouse_alerts(
        context: SensorEvaluationContext,
        warehouse: WarehouseResource,
        platform: PlatformResource,
        alert_thresholds: AlertThresholds,
    ) -> SensorResult | SkipReason:
        cursor = AlertCursor.parse(context.cursor)
        now = datetime.now(UTC)
        # What the tick started from: a tick failing half-way keeps it, so what it had counted is alerted
        # at the next one (it kept the dead letters' moved baseline, and their growth went unsaid: review).
        start = AlertCursor.parse(context.cursor)
        try:
            with warehouse.open(platform) as wh:
                alerts = evaluate_alerts(wh, alert_thresholds, now, cursor)
        except WarehouseLocked as exc:  # an embedded warehouse its owner is running: the next tick
            return SkipReason(f"warehouse not readable: {exc}")
        except WarehouseError as exc:  # a server down: the next tick, and an alert once it lasts
            start.unreadable += 1
            if start.unreadable == alert_thresholds.unreadable_ticks:
                alert = unreadable_alert(exc, start.unreadable, now)
                context.log.warning("ALERT %s: %s", alert.kind, alert.message)
                return SensorResult(run_requests=[run_request(alert)], cursor=start.dumps())
            context.update_cursor(start.dumps())
            return SkipReason(f"warehouse not readable ({start.unreadable} tick(s) in a row): {exc}")
        except SettingsError as exc:  # said at every tick until fixed, not as a traceback (ops review)
            return SkipReason(f"settings not readable: {exc}")
        cursor.unreadable = 0
        for alert in alerts:
            context.log.warning("ALERT %s: %s", alert.kind, alert.message)
        if not alerts:
            context.update_cursor(cursor.dumps())
            return SkipReason(
                "no dead-letter growth, no violation jump, no report built on failed data, no final figures "
                "changed"
            )
        return SensorResult(run_requests=[run_request(a) for a in alerts], cursor=cursor.dumps())

    return warehouse_alerts
