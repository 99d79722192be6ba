"""The alert of a week whose figures changed after its final report was built.

A week's report is final once its data reach the day the week's figures are final (``reporting.reach``):
that edition is the one signed and sent. An event that comes later and is dated in the week (or before it:
a dossier still open then), or a fold that changes a stored history, changes the week's figures in the
warehouse without a word: the signed report and the figures anyone building the week again sees differ,
and nobody knew (review of the stream path). The leadership report's run records whether the figures it
was built on were final, and the province's form counters (``pipelines.assets.reports``); this compares
them with the warehouse's form of the week now, at each tick of the sensor.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from inspections.weeks import Week, WeekError
from pipelines.alert import Alert
from pipelines.report_runs import report_runs
from warehouse.base import Warehouse
from warehouse.projection import reporting_form

__all__ = ["FINAL_WATCH_DAYS", "final_figures_alerts"]

#: How long after its final report a week is watched: five weeks, past which a late event is rare and an
#: alert about it old news; a week built again is watched from its newest final report.
FINAL_WATCH_DAYS = 35

#: The form's counters as the alert names them.
_NAMES = {
    "carried_over": "carried over",
    "new_online": "received online",
    "new_direct_postal": "received directly or by post",
    "resolved_early": "resolved early",
    "resolved_on_time": "resolved on time",
    "resolved_late": "resolved late",
    "in_progress_within_time": "in progress within time",
    "in_progress_overdue": "in progress overdue",
    "_working_days_sum": "working days taken (sum)",
    "_returned": "returned",
    "_returned_postal": "returned by post",
}


def _finished(run: dict[str, Any]) -> datetime | None:
    finished: datetime | None = run["finished_at"]
    if finished is None:
        return None
    return finished if finished.tzinfo is not None else finished.replace(tzinfo=UTC)


def _final_runs(wh: Warehouse, since: datetime) -> dict[Week, tuple[datetime, dict[str, Any]]]:
    """Per week, its newest succeeded leadership report if that one was built on final figures, finished
    at or after ``since`` (a run from before this alert existed records no figures: left out)."""
    newest: dict[Week, tuple[datetime, dict[str, Any]]] = {}
    for run in report_runs(wh, kind="leadership_report"):  # oldest first: a later run replaces
        finished = _finished(run)
        if run["status"] != "succeeded" or finished is None:
            continue
        try:
            week = Week.parse(str(run["params"].get("week", "")))
        except WeekError:
            continue
        newest[week] = (finished, run)
    return {
        week: (finished, run)
        for week, (finished, run) in newest.items()
        if finished >= since
        and run["detail"].get("final") is True
        and isinstance(run["detail"].get("province"), dict)
    }


def final_figures_alerts(wh: Warehouse, now: datetime) -> list[Alert]:
    """An alert per week whose newest report, built on final figures in the last :data:`FINAL_WATCH_DAYS`
    days, shows a province form the warehouse no longer gives; once per new set of figures (the run key
    holds their digest), so a week that changes again alerts again."""
    alerts = []
    watched = _final_runs(wh, now - timedelta(days=FINAL_WATCH_DAYS))
    for week, (finished, run) in sorted(watched.items()):
        then: dict[str, Any] = run["detail"]["province"]
        current = reporting_form(wh, week.start, week.end).counters()
        changed = [name for name in current if then.get(name) != current[name]]
        if not changed:
            continue
        state = orjson.dumps(current, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.blake2b(state, digest_size=6).hexdigest()
        changes = ", ".join(f"{_NAMES.get(n, n)} {then.get(n)} → {current[n]}" for n in changed)
        alerts.append(
            Alert(
                f"final_figures_changed:{run['run_id']}:{digest}",
                "final_figures_changed",
                f"The figures of {week} changed after its final report was built "
                f"({finished:%Y-%m-%d %H:%M} UTC, run {run['run_id']}): {changes}. Events dated in the week "
                "or before it were stored since, or its dossiers folded again; the report as issued stands. "
                f"Build the week again to see the figures now (`dossier-audit report --week {week}`, or the "
                f"leadership_report partition {week} in Dagster) and decide whether a corrected report is "
                "needed (operators guide, 'A week's figures changed after its final report').",
                {"week": str(week), "report_run": run["run_id"], "before": then, "now": current},
            )
        )
    return alerts
