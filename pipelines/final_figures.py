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
from datetime import datetime, timedelta
from typing import Any

import orjson

from inspections.classification import local_midnight
from inspections.timeunits import VN_TZ
from inspections.weeks import Week, WeekError
from pipelines.alert import Alert
from pipelines.report_runs import report_runs
from warehouse.base import Warehouse
from warehouse.projection import reporting_form
from warehouse.queries import load_sql

__all__ = ["FINAL_WATCH_DAYS", "QUIET_SECONDS", "final_figures_alerts"]

#: How long after its first final report a week is watched: five weeks, past which a late event is rare and
#: an alert about it old news.
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


def _first_final_runs(wh: Warehouse, since: datetime) -> dict[Week, tuple[datetime, dict[str, Any]]]:
    """Per week, its first succeeded leadership report built on final figures (the edition signed), if it
    finished at or after ``since``. Not the newest: a later rebuild, provisional while late data came in or
    final after an alert, made the gap between the signed edition and the warehouse unsaid (review of the
    diff). A run from before this alert existed records no figures: left out."""
    first: dict[Week, tuple[datetime, dict[str, Any]]] = {}
    for run in report_runs(wh, kind="leadership_report"):  # oldest first
        finished: datetime | None = run["finished_at"]  # aware, as every warehouse answers a DateTime
        detail = run["detail"]
        if run["status"] != "succeeded" or finished is None or detail.get("final") is not True:
            continue
        if not isinstance(detail.get("province"), dict):
            continue
        try:
            week = Week.parse(str(run["params"].get("week", "")))
        except WeekError:
            continue
        first.setdefault(week, (finished, run))
    return {week: watched for week, watched in first.items() if watched[0] >= since}


#: Seconds between two alerts of one week: late data trickling in changes the figures at every tick, and
#: each new set paged again (review of the diff); the figures of a day later are alerted if they differ.
QUIET_SECONDS = 86_400


def final_figures_alerts(wh: Warehouse, now: datetime, alerted: dict[str, list[Any]]) -> list[Alert]:
    """An alert per week whose first final report, built in the last :data:`FINAL_WATCH_DAYS` days, shows a
    province form the warehouse no longer gives. ``alerted`` (the sensor's cursor: report run → [digest of
    the figures alerted, epoch seconds]) is updated in place: a week alerts again only with other figures,
    and not within :data:`QUIET_SECONDS` of its last alert."""
    alerts = []
    watched = _first_final_runs(wh, now - timedelta(days=FINAL_WATCH_DAYS))
    for run_id in [r for r in alerted if r not in {run["run_id"] for _, run in watched.values()}]:
        del alerted[run_id]  # no longer watched
    for week, (finished, run) in sorted(watched.items()):
        then: dict[str, Any] = run["detail"]["province"]
        current = reporting_form(wh, week.start, week.end).counters()
        changed = [name for name in current if then.get(name) != current[name]]
        if not changed:
            continue
        state = orjson.dumps(current, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.blake2b(state, digest_size=6).hexdigest()
        last = alerted.get(run["run_id"])
        if last is not None and (last[0] == digest or now.timestamp() - last[1] < QUIET_SECONDS):
            continue
        alerted[run["run_id"]] = [digest, int(now.timestamp())]
        alerts.append(_alert(wh, week, finished, run, then, current, changed, digest))
    return alerts


def _alert(
    wh: Warehouse,
    week: Week,
    finished: datetime,
    run: dict[str, Any],
    then: dict[str, Any],
    current: dict[str, int],
    changed: list[str],
    digest: str,
) -> Alert:
    """The alert's words, with the events dated up to the week's end that came in since the report was
    begun: what most often changed its figures, and where to look. By their ``ingested_at``, which is when
    the source sent them (the stream) or the load began: an event held up on its way, or a load begun before
    the report, is not among them, and the words say so rather than blame a fold (review)."""
    params = {"end": local_midnight(week.end), "after": run["started_at"]}
    ((events, dossiers),) = wh.query(load_sql("events_stored_after"), params)
    changes = ", ".join(f"{_NAMES.get(n, n)} {then.get(n)} → {current[n]}" for n in changed)
    built = finished.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M (UTC+07:00)")
    came = (
        f"{events} event(s) of {dossiers} dossier(s) dated up to the week's end came in since the report was "
        "begun (by their ingestion time: when the source sent them, or the load began)"
        if events
        else "No event dated up to the week's end came in since the report was begun, by its ingestion time: "
        "events held up on their way (a stopped sink, a load begun earlier) or a new judgement (an upgrade) "
        "changed them"
    )
    return Alert(
        f"final_figures_changed:{run['run_id']}:{digest}",
        "final_figures_changed",
        f"The figures of {week} changed after its first final report was built ({built}, run "
        f"{run['run_id']}): {changes}. {came}. The report as issued stands. Build the week again to see the "
        f"figures now (`dossier-audit report --week {week}`, or the leadership_report partition {week} in "
        "Dagster) and decide whether a corrected report is needed (operators guide, 'A week's figures "
        "changed after its final report').",
        {
            "week": str(week),
            "report_run": run["run_id"],
            "before": then,
            "now": current,
            "events_stored_since": events,
            "dossiers_stored_since": dossiers,
        },
    )
