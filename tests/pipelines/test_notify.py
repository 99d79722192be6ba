"""Who hears of a failed run (``pipelines.notify``): Dagster's own sensor machinery, over a real instance's
event log, posts each failed run of the code location to a webhook served here over HTTP; an alert's notice
is its message; a refused or unreachable webhook is tried again, then fails the tick with a reason that never
shows the webhook's address (it holds a token)."""

from __future__ import annotations

import threading
import urllib.error
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from dagster import DagsterInstance, Definitions, build_sensor_context, job, op
from hypothesis import given, settings
from hypothesis import strategies as st

from bootstrap.settings import load_settings
from bootstrap.settings_file import SettingsError
from pipelines import notify
from pipelines.alert import Alert
from pipelines.definitions import build_definitions
from pipelines.notify import MOST, NOTIFY_SENSOR, NotifyError, build_failure_notifier, failure_notice, post
from pipelines.resources import PlatformResource
from pipelines.sensors import alert_job, run_request
from tests.depth import examples

TOKEN = "T0AAA/B0BBB/s3cr3t-t0ken"


class Hook:
    """A webhook on a free port: records each body; answers the statuses queued, then 200."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.bodies.append(orjson.loads(body))
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/{TOKEN}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    served = Hook()
    try:
        yield served
    finally:
        served.close()


@op
def fails() -> None:
    raise ValueError("the warehouse refused the week's rows")


@op
def fails_too() -> None:
    raise ValueError("the warehouse refused the week's rows")


@job(name="weekly_reports_like")
def failing_job() -> None:
    fails()
    fails_too()


def tick(instance: DagsterInstance, cursor: str | None) -> Any:
    """One tick of the notifier as the daemon runs it: Dagster's run-status machinery over the instance."""
    defs = build_definitions()
    sensor = defs.resolve_sensor_def(NOTIFY_SENSOR)
    context = build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"platform": PlatformResource()},
        repository_def=defs.get_repository_def(),
    )
    return sensor.evaluate_tick(context)


def test_a_failed_report_run_and_an_alert_reach_the_webhook(hook, monkeypatch):
    monkeypatch.setenv("DOSSIER_AUDIT_NOTIFY_WEBHOOK", hook.url)
    monkeypatch.setenv("DOSSIER_AUDIT_DAGSTER_URL", "https://dagster.example.vn/")
    with DagsterInstance.ephemeral() as instance:
        first = tick(instance, None)  # the first tick only marks where the event log stands
        assert hook.bodies == []
        failed = failing_job.execute_in_process(
            instance=instance, raise_on_error=False, tags={"dagster/partition": "2026-11-16"}
        )
        alert = Alert("dead_letters:7", "dead_letters", "Dead letters grew by 3 (from 4 to 7).", {"grown": 3})
        alerted = alert_job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_request(alert).run_config,
            tags={"alert": "dead_letters"},
        )  # fmt: skip
        assert not failed.success and not alerted.success
        second = tick(instance, first.cursor)
        assert len(hook.bodies) == 1  # a tick tells one run: five could outlast the evaluation's minute
        assert f"told the webhook of failed run {failed.run_id}" in (second.skip_message or "")
        tick(instance, second.cursor)
    report, told = hook.bodies
    assert report["text"].startswith(
        "dossier-audit: a run failed (job weekly_reports_like, week 2026-W47 (2026-11-16))\n"
        "ValueError: the warehouse refused the week's rows (2 steps)\n"
    )  # the week as people name it; the two steps' same words once
    assert f"https://dagster.example.vn/runs/{failed.run_id}" in report["text"]
    assert report["dossier_audit"]["partition"] == "2026-11-16"
    assert told["text"].startswith("dossier-audit ALERT (alert dead_letters)\nDead letters grew by 3")
    assert told["dossier_audit"]["run_id"] == alerted.run_id


def test_a_notice_not_posted_fails_its_tick_and_the_others_of_the_minute_fail_at_once(monkeypatch):
    """Three tries of an unreachable webhook take up to 34 s, and Dagster evaluates five failed runs in one
    60-second evaluation: after a notice fails, the runs of the same tick are not tried (diff review)."""
    tried: list[str] = []

    def unreachable(url: str, body: bytes, timeout: float) -> None:
        tried.append(orjson.loads(body)["dossier_audit"]["run_id"])
        raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))

    monkeypatch.setenv("DOSSIER_AUDIT_NOTIFY_WEBHOOK", "https://chat.example.vn/hooks/" + TOKEN)
    defs = Definitions(
        jobs=[failing_job], sensors=[build_failure_notifier(send=unreachable, pause=0)],
        resources={"platform": PlatformResource()},
    )  # fmt: skip
    with DagsterInstance.ephemeral() as instance:
        resources = {"platform": PlatformResource()}
        context = build_sensor_context(
            instance=instance, resources=resources, repository_def=defs.get_repository_def()
        )
        first = defs.resolve_sensor_def(NOTIFY_SENSOR).evaluate_tick(context)
        runs = [failing_job.execute_in_process(instance=instance, raise_on_error=False) for _ in range(2)]
        repository = defs.get_repository_def()
        context = build_sensor_context(
            instance=instance, cursor=first.cursor, resources=resources, repository_def=repository
        )
        result = defs.resolve_sensor_def(NOTIFY_SENSOR).evaluate_tick(context)
    assert tried == [runs[0].run_id] * 3  # the first run's notice, three times; the second not tried
    errors = [reaction.error for reaction in result.dagster_run_reactions]
    assert len(errors) == 2 and all(errors)  # both red
    assert "could not be reached" in errors[0].message and "not tried: a notice failed" in errors[1].message
    assert all(TOKEN not in error.message for error in errors)


def test_without_a_webhook_nothing_is_posted_and_the_tick_says_so(hook, monkeypatch):
    monkeypatch.delenv("DOSSIER_AUDIT_NOTIFY_WEBHOOK", raising=False)
    with DagsterInstance.ephemeral() as instance:
        first = tick(instance, None)
        failing_job.execute_in_process(instance=instance, raise_on_error=False)
        result = tick(instance, first.cursor)
    assert hook.bodies == []
    assert "failed runs are told to nobody" in (result.skip_message or "")


def test_a_refused_webhook_is_tried_again_and_its_reason_never_shows_the_address(hook):
    notice = failure_notice(
        job="j", run_id="r1", partition=None, alert=None, errors=["boom"], summary="", dagster_url=None
    )
    hook.statuses = [503, 429]
    post(hook.url, notice, sleep=lambda _: None)  # two refusals, then delivered
    assert len(hook.bodies) == 3
    hook.statuses = [404, 404]
    with pytest.raises(NotifyError) as refused:
        post(hook.url, notice, sleep=lambda _: None)
    assert "HTTP 404" in str(refused.value) and "tried 1 time(s)" in str(refused.value)  # 4xx: not again
    hook.close()
    with pytest.raises(NotifyError) as unreachable:
        post(hook.url, notice, sleep=lambda _: None)
    assert "could not be reached" in str(unreachable.value) and "tried 3 time(s)" in str(unreachable.value)
    # An address http.client refuses (a space pasted into it) is said by the error's type: its message
    # quotes the path, the token (security review).
    with pytest.raises(NotifyError) as invalid:
        post(hook.url + " x", notice, sleep=lambda _: None)
    assert "InvalidURL" in str(invalid.value)
    for error in (refused.value, unreachable.value, invalid.value):
        assert TOKEN not in str(error) and "s3cr3t" not in str(error)


def test_no_try_is_no_post_and_a_query_string_token_is_withheld_too():
    notice = failure_notice(
        job="j", run_id="r1", partition=None, alert=None, errors=[], summary="boom", dagster_url=None
    )
    with pytest.raises(ValueError, match="tries"):
        post("https://chat.example.vn/x", notice, tries=0)
    url = "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k3yk3yk3y&token=t0k3nt0k3n"
    for said in (f"cannot open {url}", "token t0k3nt0k3n refused", "k3yk3yk3y"):
        assert notify._unquoted(said, url) == "withheld: it quotes the address"
    assert notify._unquoted("Connection refused", url) == "Connection refused"


@pytest.mark.parametrize(
    "value",
    ["ftp://hooks.example/s3cr3t", "hooks.example/s3cr3t", "https:///s3cr3t",
     "https://hooks.example/s3cr3t x", "https://hooks.example/s3cr3t\u0085"],
)  # fmt: skip
def test_a_webhook_that_is_not_an_http_address_is_refused_without_quoting_it(value):
    with pytest.raises(SettingsError) as refused:
        load_settings(notify_webhook=value)
    assert "notify_webhook" in str(refused.value).lower() and "s3cr3t" not in str(refused.value)


def test_the_dagster_address_must_be_one():
    with pytest.raises(SettingsError):
        load_settings(dagster_url="dagster.example.vn")
    assert load_settings(dagster_url="").dagster_url is None  # DOSSIER_AUDIT_DAGSTER_URL= is unset
    assert load_settings(notify_webhook=" ").notify_webhook is None
    assert load_settings(dagster_url="https://dagster.example.vn").dagster_url == "https://dagster.example.vn"


@given(
    errors=st.lists(st.text(max_size=2000), max_size=4),
    summary=st.text(max_size=300),
    partition=st.none() | st.just("2026-11-16") | st.just("not-a-week"),
)
@settings(max_examples=examples(60), deadline=None)
def test_a_notice_is_short_and_always_says_which_run(errors, summary, partition):
    notice = failure_notice(
        job="weekly_reports", run_id="abc123", partition=partition, alert=None, errors=errors,
        summary=summary, dagster_url=None,
    )  # fmt: skip
    title = notice.text.partition("\n")[0]
    assert title.startswith("dossier-audit: a run failed (job weekly_reports")
    named = f"week {partition}" in title or f"week 2026-W47 ({partition}))" in title
    assert named == (partition is not None)
    assert notice.text.endswith("Run abc123 on Dagster's Runs page.")
    assert len(notice.text) <= len(title) + MOST + 60
    assert orjson.loads(notice.body())["text"] == notice.text
