"""The alert sensor: it fires (a run request for the failing alert job, with a clear message) when dead
letters grow or a unit's open violations jump against its recent average, and stays quiet otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from dagster import DagsterEventType, build_sensor_context

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import init, load_file
from inspections.weeks import Week
from pipelines.definitions import defs
from pipelines.resources import PlatformResource, WarehouseResource
from pipelines.sensors import (
    ALERT_JOB,
    ALERT_SENSOR,
    AlertCursor,
    AlertThresholds,
    alert_job,
    evaluate_alerts,
    latest_week,
)
from tests.pipelines.conftest import AS_OF, WEEK
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.store import REJECTION_COLUMNS, VIOLATION_COLUMNS, now_version, violation_row

REPO = defs.get_repository_def()
SENSOR = REPO.get_sensor_def(ALERT_SENSOR)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def tick(url: str, cursor: str | None, platform: PlatformResource | None = None, **thresholds):
    with build_sensor_context(
        cursor=cursor,
        repository_def=REPO,
        resources={
            "warehouse": WarehouseResource(url=url),
            "platform": platform or PlatformResource(),
            "alert_thresholds": AlertThresholds(**thresholds),
        },
    ) as context:
        return SENSOR.evaluate_tick(context)


def add_dead_letters(
    wh: Warehouse, n: int, start: int = 0, reason: str = "invalid_json", at: datetime | None = None
) -> None:
    at = at or datetime(2025, 11, 3, tzinfo=UTC)
    rows = [("test.jsonl", start + i, f"h{start + i}", "{not json", reason, "bad line", at) for i in range(n)]
    wh.insert("rejected_events", REJECTION_COLUMNS, [list(c) for c in zip(*rows, strict=True)])


def add_violations(wh: Warehouse, unit: str, n: int, when: datetime) -> None:
    """``n`` open violations of ``unit`` at ``when``, modelled on a stored one."""
    ((detail,),) = wh.query("SELECT detail FROM violations FINAL WHERE state = 'open' LIMIT 1")
    model = orjson.loads(detail)
    rows = []
    for i in range(n):
        v = {**model, "dossier_id": f"JUMP-{i}", "unit_code": unit, "occurred_at": when.isoformat()}
        rows.append(violation_row(v, "open", AS_OF, "test", now_version()))
    wh.insert("violations", VIOLATION_COLUMNS, [list(c) for c in zip(*rows, strict=True)])


def test_dead_letters_growth_fires_once_and_otherwise_stays_quiet(province_url):
    first = tick(province_url, None)
    assert first.run_requests == []  # the first tick sets the baseline
    assert AlertCursor.parse(first.cursor).dead_letters == 0
    quiet = tick(province_url, first.cursor)
    assert quiet.run_requests == []
    assert quiet.skip_message

    with open_warehouse(province_url) as wh:
        add_dead_letters(wh, 3)
    fired = tick(province_url, quiet.cursor)
    (request,) = fired.run_requests
    assert request.job_name in (None, ALERT_JOB)
    config = request.run_config["ops"]["raise_alert"]["config"]
    assert config["kind"] == "dead_letters"
    assert "Dead letters grew by 3 (from 0 to 3)" in config["message"]
    assert "invalid_json ×3" in config["message"]

    # Nothing new since: quiet again; more dead letters: a new alert with its own run key.
    assert tick(province_url, fired.cursor).run_requests == []
    with open_warehouse(province_url) as wh:
        add_dead_letters(wh, 2, start=3)
    (again,) = tick(province_url, fired.cursor).run_requests
    assert "grew by 2 (from 3 to 5)" in again.run_config["ops"]["raise_alert"]["config"]["message"]
    assert again.run_key != request.run_key


def test_a_units_violation_jump_fires_and_normal_weeks_do_not(province_url):
    baseline = tick(province_url, None)
    assert baseline.run_requests == []  # the simulated province has no jump
    with open_warehouse(province_url) as wh:
        week, _first = latest_week(wh, NOW)
        (unit,) = wh.query(
            "SELECT unit_code FROM violations FINAL WHERE state = 'open' GROUP BY unit_code"
            " ORDER BY count() DESC, unit_code LIMIT 1"
        )[0:1]
        add_violations(
            wh, unit[0], 30, datetime.combine(week.start, datetime.min.time(), tzinfo=UTC) + timedelta(days=2)
        )
    fired = tick(province_url, baseline.cursor)
    (request,) = fired.run_requests
    config = request.run_config["ops"]["raise_alert"]["config"]
    assert config["kind"] == "violation_jump"
    assert f"Unit {unit[0]}:" in config["message"] and str(week) in config["message"]
    figures = orjson.loads(config["figures_json"])
    assert figures["current"] >= 30 and figures["current"] > 2 * figures["average"]
    assert figures["history_weeks"] == 8
    # The same jump is not alerted twice; a stricter threshold would not have fired at all.
    assert tick(province_url, fired.cursor).run_requests == []
    assert tick(province_url, baseline.cursor, jump_min=100).run_requests == []


def test_the_jump_of_the_week_just_ended_fires_when_the_next_week_has_begun(province_url):
    """One violation dated in the next week (a Monday event of the weekly file, a time-triggered one) made
    that week the latest, and the jump of the week just ended was never looked at (Dagster seat)."""
    baseline = tick(province_url, None)
    with open_warehouse(province_url) as wh:
        week, _first = latest_week(wh, NOW)
        units = [row[0] for row in wh.query(
            "SELECT unit_code FROM violations FINAL WHERE state = 'open' GROUP BY unit_code"
            " ORDER BY count() DESC, unit_code LIMIT 2"
        )]  # fmt: skip
        monday = datetime.combine(week.start, datetime.min.time(), tzinfo=UTC)
        add_violations(wh, units[0], 30, monday + timedelta(days=2))
        add_violations(wh, units[1], 1, monday + timedelta(days=7, hours=1))  # the next week's first
        assert latest_week(wh, NOW)[0] == week.next()
    fired = tick(province_url, baseline.cursor)
    (request,) = fired.run_requests
    config = request.run_config["ops"]["raise_alert"]["config"]
    assert f"Unit {units[0]}:" in config["message"] and str(week) in config["message"]
    assert tick(province_url, fired.cursor).run_requests == []  # not twice


def test_the_alert_job_fails_with_the_message(province_url):
    with open_warehouse(province_url) as wh:
        cursor = AlertCursor(dead_letters=0)
        add_dead_letters(wh, 4)
        (alert,) = evaluate_alerts(wh, AlertThresholds(), NOW, cursor)
    from pipelines.sensors import run_request

    result = alert_job.execute_in_process(run_config=run_request(alert).run_config, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
    error = failure.step_failure_data.user_failure_data
    assert error is not None and "Dead letters grew by 4" in (error.description or "")
    assert error.metadata["kind"].value == "dead_letters"


def test_an_unreadable_warehouse_is_a_skipped_tick_not_an_error(province_url, tmp_path):
    # chdb runs one embedded engine per process: while another directory is open, this one cannot be.
    with open_warehouse(f"chdb://{tmp_path / 'other'}"):
        data = tick(province_url, None)
    assert data.run_requests == []
    assert "warehouse not readable" in (data.skip_message or "")


def test_jump_detection_runs_on_both_backends(warehouse_url, province_events):
    platform = Platform(load_settings())
    with open_warehouse(warehouse_url, create_database=True) as wh:
        init(platform, wh)
        load_file(platform, wh, province_events, AS_OF)
        cursor = AlertCursor()
        assert evaluate_alerts(wh, AlertThresholds(), NOW, cursor) == []
        week, _ = latest_week(wh, NOW)
        add_violations(
            wh,
            "000.10.01.H99",
            9,
            datetime.combine(week.start, datetime.min.time(), tzinfo=UTC) + timedelta(days=1),
        )
        (alert,) = evaluate_alerts(wh, AlertThresholds(), NOW, cursor)
        assert alert.figures["unit"] == "000.10.01.H99" and alert.figures["week"] == str(week)
        assert evaluate_alerts(wh, AlertThresholds(), NOW, cursor) == []


@pytest.mark.parametrize("text", [None, "", "{", "[]", '{"dead_letters": "3"}', '{"alerted": [1]}', "7",
                                  '{"dead_letters": 1.5}', '{"alerted": "abc"}',
                                  '{"unreadable": -1}', '{"figures": []}', '{"figures": {"r": ["d"]}}',
                                  '{"figures": {"r": ["d", 1.5]}}'])  # fmt: skip
def test_an_empty_or_unreadable_cursor_starts_fresh(text):
    """The UI lets anyone set a sensor's cursor: one not of this sensor's shape was a traceback at every
    tick (ops review); it starts again as a first tick does."""
    assert AlertCursor.parse(text) == AlertCursor()
    kept = AlertCursor(4, ["2025-W45/000.10.01.H99"], 0, {"r1/leadership_report": ["2393d1348", 1765000000]})
    assert AlertCursor.parse(kept.dumps()) == kept


def test_unreadable_settings_are_a_skipped_tick_not_an_error(tmp_path):
    """A settings error (a settings file gone, a bad value) was a traceback at every tick (ops review)."""
    data = tick("", None, platform=PlatformResource(env_file=str(tmp_path / "gone.env")))
    assert data.run_requests == []
    assert (data.skip_message or "").startswith("settings not readable: cannot read settings file")


def test_a_report_built_on_failed_data_alerts_once_per_run(province_url):
    """Built on an unfinished load, Monday's report run succeeded, and nothing was red (on-call review)."""
    from pipelines.report_runs import record_run
    from pipelines.sensors import failed_data_alerts

    now = datetime.now(UTC)
    with open_warehouse(province_url) as wh:
        assert failed_data_alerts(wh, now) == []
        with record_run(wh, "r1/leadership_report", "leadership_report", {"week": "2025-W45"}) as run:
            run.detail = {"blocking_quality_failures": 2}
        with record_run(wh, "r2/leadership_report", "leadership_report", {"week": "2025-W44"}) as run:
            run.detail = {"blocking_quality_failures": 0}
        (alert,) = failed_data_alerts(wh, now)
        assert alert.key == "built_on_failed_data:r1/leadership_report"
        assert "The report of 2025-W45 was built on data that failed 2 blocking" in alert.message
        assert "dossier-audit check --week 2025-W45" in alert.message
        assert failed_data_alerts(wh, now + timedelta(days=9)) == []  # old news: not brought up again
    data = tick(province_url, AlertCursor(dead_letters=10**9).dumps())
    assert [r.run_key for r in data.run_requests] == ["built_on_failed_data:r1/leadership_report"]


def test_a_warehouse_server_unreadable_several_ticks_in_a_row_alerts_once():
    """A skipped tick pages nobody: a server down was a quiet sensor (on-call review)."""
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"clickhouse://default@127.0.0.1:{port}/dossier_audit?retries=0"
    cursor = None
    requested = []
    for _ in range(5):
        data = tick(url, cursor, unreadable_ticks=3)
        cursor = data.cursor
        requested += [r.run_key for r in data.run_requests]
        if not data.run_requests:
            assert "warehouse not readable (" in (data.skip_message or "")
    assert len(requested) == 1 and requested[0].startswith("warehouse_unreadable:")
    assert AlertCursor.parse(cursor).unreadable == 5


def test_dead_letters_alert_past_a_threshold_naming_what_just_arrived(province_url):
    """A source trickling a bad line alerted at every tick, naming the all-time most common reasons
    (on-call review): past ``dead_letters_min`` added since the last alert, with the new rows' reasons."""
    with open_warehouse(province_url) as wh:
        add_dead_letters(wh, 7, reason="json.invalid")  # history: the baseline
        cursor = AlertCursor()
        thresholds = AlertThresholds(dead_letters_min=5)
        assert evaluate_alerts(wh, thresholds, NOW, cursor) == [] and cursor.dead_letters == 7
        later = datetime(2025, 11, 10, tzinfo=UTC)
        add_dead_letters(wh, 3, start=100, reason="field.missing", at=later)
        assert [a for a in evaluate_alerts(wh, thresholds, NOW, cursor) if a.kind == "dead_letters"] == []
        add_dead_letters(wh, 2, start=200, reason="type.unknown", at=later + timedelta(hours=1))
        (alert,) = [a for a in evaluate_alerts(wh, thresholds, NOW, cursor) if a.kind == "dead_letters"]
    assert "grew by 5 (from 7 to 12)" in alert.message
    assert "field.missing ×3, type.unknown ×2" in alert.message and "json.invalid" not in alert.message


def test_dead_letters_growing_back_to_a_count_already_alerted_alert_again(province_url):
    """The Dagster seat of 2026-12-07: the run key was the count alone, and Dagster starts one run per run
    key, ever: rows deleted (a new baseline), then as many new ones as before, gave the alert a key already
    used, which Dagster would skip without a word."""
    with open_warehouse(province_url) as wh:
        cursor = AlertCursor()
        thresholds = AlertThresholds()
        evaluate_alerts(wh, thresholds, NOW, cursor)  # the baseline
        add_dead_letters(wh, 3, start=500)
        (first,) = [a for a in evaluate_alerts(wh, thresholds, NOW, cursor) if a.kind == "dead_letters"]
        wh.execute("ALTER TABLE rejected_events DELETE WHERE source_offset >= 500 SETTINGS mutations_sync=1")
        evaluate_alerts(wh, thresholds, NOW + timedelta(minutes=1), cursor)  # fewer rows: a new baseline
        add_dead_letters(wh, 3, start=600, reason="field.missing")
        later = NOW + timedelta(minutes=2)
        (second,) = [a for a in evaluate_alerts(wh, thresholds, later, cursor) if a.kind == "dead_letters"]
    assert first.figures["current"] == second.figures["current"] and first.key != second.key
    assert "field.missing ×3" in second.message


def test_a_tick_failing_half_way_leaves_what_it_counted_to_the_next(province_url, monkeypatch):
    """A tick that counted the dead letters' growth, then could not read the rest, kept the moved baseline:
    the growth was never alerted (review of the diff)."""
    from pipelines import sensors
    from warehouse.base import WarehouseUnavailable

    first = tick(province_url, None)
    with open_warehouse(province_url) as wh:
        add_dead_letters(wh, 4)

    def gone(*args: object) -> list[object]:
        raise WarehouseUnavailable("the server went away")

    monkeypatch.setattr(sensors, "failed_data_alerts", gone)
    failed = tick(province_url, first.cursor)
    assert failed.run_requests == [] and AlertCursor.parse(failed.cursor).dead_letters == 0
    monkeypatch.undo()
    (alert,) = tick(province_url, failed.cursor).run_requests
    assert "grew by 4" in alert.run_config["ops"]["raise_alert"]["config"]["message"]


def test_a_week_whose_figures_change_after_its_final_report_alerts_once_per_change(
    province_url, province_events, tmp_path
):
    """A late event dated in a final week changed the warehouse's figures of that week without a word; the
    signed report and a rebuild differed, and nobody knew (review of the stream path)."""
    from pipelines.final_figures import FINAL_WATCH_DAYS, QUIET_SECONDS, final_figures_alerts
    from pipelines.report_runs import record_run
    from reporting.api import write_weekly_report

    platform = Platform(load_settings())
    final_week, provisional_week = WEEK.previous(2), WEEK
    now = datetime.now(UTC)

    def late_dossier(dossier_id: str) -> None:
        """A dossier received online in the final week, stored after its report."""
        late = tmp_path / f"{dossier_id}.jsonl"
        docs = map(orjson.loads, province_events.read_bytes().splitlines())
        doc = next(d for d in docs if d["type"] == "received")
        doc |= {"dossier_id": dossier_id, "event_id": f"{dossier_id}-received",
                "occurred_at": f"{final_week.start + timedelta(days=2)}T09:00:00+07:00"}  # fmt: skip
        doc["data"] = {**doc["data"], "channel": "online", "due_at": None}
        late.write_bytes(orjson.dumps(doc) + b"\n")
        load_file(platform, wh, late, AS_OF)

    def report(run_id: str, week: Week, final: bool, counters: dict) -> None:
        with record_run(wh, f"{run_id}/leadership_report", "leadership_report", {"week": str(week)}) as run:
            run.detail = {"final": final, "province": counters}

    with open_warehouse(province_url) as wh:
        header = platform.report_header()
        built = write_weekly_report(platform.catalogue, header, wh, final_week, tmp_path / "final")
        provisional = write_weekly_report(platform.catalogue, header, wh, provisional_week, tmp_path / "p")
        assert built.final and not provisional.final
        report("r1", final_week, True, built.counters)
        report("r2", provisional_week, False, {"new_online": -1})  # provisional: expected to change
        alerted: dict = {}
        assert final_figures_alerts(wh, now, alerted) == []  # the report's form is the warehouse's

        late_dossier("LATE-1")
        (alert,) = final_figures_alerts(wh, now, alerted)
        assert alert.key.startswith("final_figures_changed:r1/leadership_report:")
        assert f"The figures of {final_week} changed after its first final report" in alert.message
        received = built.counters["new_online"]
        assert f"received online {received} → {received + 1}" in alert.message
        assert "1 event(s) of 1 dossier(s) dated up to the week's end came in since" in alert.message
        assert f"dossier-audit report --week {final_week}" in alert.message
        assert final_figures_alerts(wh, now, alerted) == []  # said: not again at the next tick
        # Rebuilt while later data came in, provisional or final: the signed edition stays the baseline.
        report("r3", final_week, False, {})
        report("r4", final_week, True, write_weekly_report(
            platform.catalogue, header, wh, final_week, tmp_path / "again").counters)  # fmt: skip
        late_dossier("LATE-2")  # more comes in the same day: no second page
        assert final_figures_alerts(wh, now + timedelta(hours=1), alerted) == []
        (later,) = final_figures_alerts(wh, now + timedelta(seconds=QUIET_SECONDS), alerted)  # a day on
        assert later.key != alert.key and f"received online {received} → {received + 2}" in later.message
        assert final_figures_alerts(wh, now + timedelta(days=2), alerted) == []  # the same figures
        assert final_figures_alerts(wh, now + timedelta(days=FINAL_WATCH_DAYS + 1), alerted) == []  # old news
        assert alerted == {}  # no longer watched: forgotten
