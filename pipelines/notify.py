"""Who hears of a failed run: a run-failure sensor posting each failed run of this code location (a weekly
report's, every alert of ``pipelines.sensors``) to a chat's incoming webhook
(``DOSSIER_AUDIT_NOTIFY_WEBHOOK``).

Open-source Dagster tells nobody when a run fails, and the alerts *are* failed runs: a failed Monday report
or a "final figures changed" alert reached only someone who opened the Runs page (Dagster operator review).
The body is ``{"text": ...}``, which Slack, Mattermost, Rocket.Chat and Google Chat incoming webhooks all
read, with the same facts as fields under ``"dossier_audit"`` for a relay of one's own (to Zalo, e-mail, SMS).

One notice a tick: Dagster evaluates up to five failed runs a tick and gives the evaluation 60 s, and three
tries of an unreachable webhook take up to 34 s; an evaluation cut off saves no cursor, so the next tick
posted again what it had posted (diff review). A notice that cannot be posted fails the tick, red on the
sensor's page with the reason, and the other runs of that tick fail at once (no try for
:data:`QUIET_AFTER_FAILURE` seconds). Dagster does not evaluate those runs again (its run-status sensors move
past a run whatever the function did): their notices are lost and the runs stay on the Runs page.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    SkipReason,
    run_failure_sensor,
)

from bootstrap.settings_file import SettingsError
from pipelines.partitions import PartitionKeyError, week_of_key
from pipelines.resources import PlatformResource

__all__ = ["NOTIFY_SENSOR", "Notice", "NotifyError", "build_failure_notifier", "failure_notice", "post"]

NOTIFY_SENSOR = "run_failure_notifier"
#: Characters of the failure's own words a notice keeps (a chat message is read on a phone; the run page
#: has the rest).
MOST = 1_500
#: Tries to post a notice, and the pause before each try after the first (seconds).
TRIES = 3
PAUSE = 2.0
#: Seconds a try waits for the webhook.
TIMEOUT = 10.0
#: Seconds after a notice could not be posted during which no other is tried (see the module).
QUIET_AFTER_FAILURE = 60.0
#: Dagster's exceptions that wrap an op's own (the cause says why; one raised ``from`` another says more).
_WRAPPERS = frozenset({"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"})


class NotifyError(Exception):
    """A notice could not be posted: its reason, never the webhook's address (it holds a token)."""


@dataclass(frozen=True, slots=True)
class Notice:
    """One failed run told: ``text`` for people, ``fields`` for a relay."""

    text: str
    fields: dict[str, Any]

    def body(self) -> bytes:
        """The JSON posted: ``text`` is what chat webhooks read; the fields are for a relay."""
        return orjson.dumps({"text": self.text, "dossier_audit": self.fields})


def failure_notice(
    *,
    job: str,
    run_id: str,
    partition: str | None,
    alert: str | None,
    errors: Sequence[str],
    summary: str,
    dagster_url: str | None,
) -> Notice:
    """The notice of one failed run: which job (and week, or alert kind), why in the failure's own words (the
    steps' errors; else the run's summary), and where to look. An alert's text is its message, which says
    what to do (``pipelines.sensors``)."""
    what = f"alert {alert}" if alert else f"job {job}" + (f", week {_week(partition)}" if partition else "")
    said: dict[str, int] = {}  # each failure's words once: a missing warehouse failed three steps alike
    for error in errors:
        if error.strip():
            said[error.strip()] = said.get(error.strip(), 0) + 1
    words = "\n".join(f"{w} ({n} steps)" if n > 1 else w for w, n in said.items()) or summary.strip()
    if len(words) > MOST:
        words = words[: MOST - 1].rstrip() + "…"
    link = f"{dagster_url.rstrip('/')}/runs/{run_id}" if dagster_url else None
    where = f"Run: {link}" if link else f"Run {run_id} on Dagster's Runs page."
    title = "dossier-audit ALERT" if alert else "dossier-audit: a run failed"
    text = f"{title} ({what})\n{words}\n{where}"
    fields = {"job": job, "run_id": run_id, "partition": partition, "alert": alert, "url": link}
    return Notice(text, fields)


def _week(partition: str) -> str:
    """A weekly partition as people name the week, with its key (the Monday): ``2025-W46 (2025-11-10)``."""
    try:
        return f"{week_of_key(partition)} ({partition})"
    except PartitionKeyError:
        return partition


#: Posts one request: (URL, body, timeout) -> nothing, raising on failure (``urllib`` by default; tests
#: pass their own).
Send = Callable[[str, bytes, float], None]


def _urlopen(url: str, body: bytes, timeout: float) -> None:
    """POST ``body`` as JSON with the standard library (a chat webhook needs nothing more)."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        answer.read()


def post(
    url: str,
    notice: Notice,
    *,
    send: Send = _urlopen,
    tries: int = TRIES,
    pause: float = PAUSE,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Post ``notice`` to ``url``, trying again after a refused or timed-out try; raises
    :class:`NotifyError` with the last reason (an HTTP status, a network error), never the address."""
    if tries < 1:
        raise ValueError("tries: at least 1")
    reason, attempt = "", 0
    for attempt in range(tries):
        if attempt:
            sleep(pause)
        try:
            send(url, notice.body(), TIMEOUT)
            return
        except urllib.error.HTTPError as exc:  # before URLError: a subclass
            reason = f"the webhook answered HTTP {exc.code}"
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                break  # refused as sent: another try is refused too
        except (urllib.error.URLError, OSError) as exc:
            cause = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            reason = f"the webhook could not be reached ({type(cause).__name__}: {_unquoted(cause, url)})"
        except Exception as exc:  # e.g. http.client.InvalidURL, whose message quotes the path: the token
            reason = f"the webhook's address was refused ({type(exc).__name__})"
            break
    raise NotifyError(f"{reason}; tried {attempt + 1} time(s)")


def _unquoted(cause: object, url: str) -> str:
    """A network error's words, unless they hold the address or a part of its path (its token)."""
    text = str(cause)
    address = urlsplit(url)
    words = [*address.path.split("/"), *address.query.replace("=", "&").split("&")]
    parts = [url, address.path, address.query, *(word for word in words if len(word) > 3)]
    return "withheld: it quotes the address" if any(part and part in text for part in parts) else text


def _errors(context: RunFailureSensorContext) -> list[str]:
    """The failed steps' own words: a ``Failure``'s description (an alert's message), else the op's
    exception (``ValueError: ...``), which Dagster's step error wraps."""
    found = []
    for event in context.get_step_failure_events():
        data = event.step_failure_data
        described = data.user_failure_data.description if data.user_failure_data else None
        if described:
            found.append(described)
        elif data.error is not None:
            error = data.error
            while error.cls_name in _WRAPPERS and error.cause is not None:
                error = error.cause
            found.append(error.message)
    return found


def build_failure_notifier(send: Send = _urlopen, pause: float = PAUSE) -> SensorDefinition:
    """The sensor: running by default (a notifier one has to switch on is the silence it mends); it posts
    nothing while ``notify_webhook`` is unset. One notice a tick, ticks 30 s apart (see the module)."""
    failed: list[Any] = []  # [monotonic time, reason] of the last notice not posted, in this process

    @run_failure_sensor(
        name=NOTIFY_SENSOR,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Posts every failed run of this code location (weekly reports, alerts) to the "
        "DOSSIER_AUDIT_NOTIFY_WEBHOOK chat webhook; nothing while it is unset.",
    )
    def run_failure_notifier(context: RunFailureSensorContext, platform: PlatformResource) -> SkipReason:
        try:
            settings = platform.settings()
        except SettingsError as exc:
            raise NotifyError(f"settings not readable, the failed run is not told: {exc}") from None
        if settings.notify_webhook is None:
            return SkipReason("DOSSIER_AUDIT_NOTIFY_WEBHOOK is unset: failed runs are told to nobody")
        run = context.dagster_run
        notice = failure_notice(
            job=run.job_name,
            run_id=run.run_id,
            partition=run.tags.get("dagster/partition"),
            alert=run.tags.get("alert"),
            errors=_errors(context),
            summary=context.failure_event.message or "",
            dagster_url=settings.dagster_url,
        )
        if failed and time.monotonic() - failed[0] < QUIET_AFTER_FAILURE:
            raise NotifyError(
                f"not tried: a notice failed {time.monotonic() - failed[0]:.0f} s ago ({failed[1]}); the run "
                f"{run.run_id} is on the Runs page"
            )
        try:
            post(settings.notify_webhook.get_secret_value(), notice, send=send, pause=pause)
        except NotifyError as exc:
            failed[:] = [time.monotonic(), str(exc)]
            raise
        failed.clear()
        context.log.info("told the webhook of failed run %s (%s)", run.run_id, run.job_name)
        # Not None, which goes on to the next failed run in the same evaluation: one notice a tick.
        return SkipReason(f"told the webhook of failed run {run.run_id} ({run.job_name})")

    return run_failure_notifier
