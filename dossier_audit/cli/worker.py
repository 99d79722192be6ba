"""``dossier-audit worker``: the stream workers' shared options, and the warehouse sink (the Faust violation
detector is ``dossier_audit.cli.worker_detect``'s)."""

from __future__ import annotations

import logging
import os
import re
import sys
from contextlib import ExitStack
from typing import Annotated, Any

import orjson
import typer

from bootstrap.platform import (
    kafka_config,
    sink_options,
)
from bootstrap.settings import load_settings
from dossier_audit.cli.app import worker_app
from dossier_audit.cli.common import (
    BootstrapOption,
    CataloguePath,
    StopOnSignal,
    UsageError,
    err,
    fail,
    guarded,
    platform_for,
    stream_failure,
    warehouse_session,
)
from dossier_audit.cli.notices import warn_one_off_key
from streams.kafka import StreamError
from streams.observability import WorkerMetrics, configure_logging, metrics_endpoint, reset_logging

log = logging.getLogger("dossier_audit.worker")
#: The longest --session-timeout: five minutes, under Kafka's own bound (group.max.session.timeout.ms, 30
#: minutes by default); ``inf`` passed the option's floor and crashed both workers (review).
MAX_SESSION_SECONDS = 300.0

MetricsPortOption = Annotated[
    int | None,
    typer.Option("--metrics-port", min=0, max=65535, help="Serve Prometheus metrics on this port."),
]
JsonLogsOption = Annotated[bool, typer.Option("--json-logs", help="Structured JSON log lines on stderr.")]
MetricsHostOption = Annotated[
    str | None,
    typer.Option(
        "--metrics-host",
        help="Address the metrics endpoint listens on (default: DOSSIER_AUDIT_METRICS_HOST, 127.0.0.1: this "
        "host only; 0.0.0.0 for a scraper elsewhere).",
    ),
]


def serve_metrics(stack: ExitStack, registry: Any, settings: Any) -> None:
    """Start the worker's metrics endpoint (if a port is set) for the life of ``stack``; an address or a
    port that cannot be bound is one line and exit 2, not a traceback."""
    try:
        stack.enter_context(metrics_endpoint(registry, settings.metrics_port, settings.metrics_host))
    except OSError as exc:
        where = f"{settings.metrics_host}:{settings.metrics_port}"
        raise UsageError(f"cannot serve metrics on {where}: {exc.strerror or exc}") from None


def _new_group(group: str) -> str:
    """A name for a group that replaces ``group``: ``NAME-2``, or the next number."""
    match = re.fullmatch(r"(.*)-([0-9]+)", group)
    return f"{match[1]}-{int(match[2]) + 1}" if match else f"{group}-2"


@worker_app.command("sink")
def worker_sink(
    bootstrap_servers: BootstrapOption = None,
    warehouse: Annotated[
        str | None, typer.Option("--warehouse", help="Warehouse URL (default: chdb under the workdir).")
    ] = None,
    until_idle: Annotated[
        bool,
        typer.Option("--until-idle", help="Stop once caught up (every partition consumed, ~1.5 s idle)."),
    ] = False,
    metrics_port: MetricsPortOption = None,
    metrics_host: MetricsHostOption = None,
    group_id: Annotated[
        str | None,
        typer.Option(
            "--group-id",
            help="Kafka consumer group (default: DOSSIER_AUDIT_SINK_GROUP_ID, dossier-audit-sink).",
        ),
    ] = None,
    from_group: Annotated[
        str | None,
        typer.Option(
            "--from-group",
            metavar="OLD",
            help="Recovery from a stuck group: before joining --group-id (a new group), give it OLD's "
            "committed offsets, so it resumes exactly where OLD stopped; skipped once --group-id has "
            "offsets of its own (default: DOSSIER_AUDIT_SINK_FROM_GROUP).",
        ),
    ] = None,
    join_timeout: Annotated[
        float | None,
        typer.Option(
            "--join-timeout",
            help="Seconds out of the consumer group (joining, or after a rebalance) before giving up with "
            "exit 2 (default: DOSSIER_AUDIT_GROUP_JOIN_TIMEOUT_SECONDS, 60).",
        ),
    ] = None,
    fold: Annotated[
        bool,
        typer.Option("--fold-projection", help="Also refresh the dossier projection the SQL metrics read."),
    ] = False,
    session_timeout: Annotated[
        float,
        typer.Option(
            "--session-timeout",
            min=1.0,
            max=MAX_SESSION_SECONDS,
            help="Seconds without heartbeats before the group drops a worker (Kafka brokers require ≥ 6 by "
            "default); a restarted worker waits about this long for its dead predecessor.",
        ),
    ] = 6.0,
    json_logs: JsonLogsOption = False,
    catalogue: CataloguePath = None,
    crash_before_commit: Annotated[
        int | None,
        typer.Option(
            "--crash-before-commit",
            hidden=True,
            help="Fault tests: die hard after writing the N-th batch, before committing it.",
        ),
    ] = None,
) -> None:
    """Store the events, dead-letter and violation topics in the warehouse (batched, at least once,
    idempotent); prints the run's counts as JSON on stdout when it stops."""
    # The worker is imported here: kafka-python adds ~0.2 s (measured, 2 CPUs, warm cache) to the start of
    # every command, since `dossier-audit` loads this module for all of them.
    from streams.sink.batch import SinkBatch
    from streams.sink.group import GroupJoinTimeout
    from streams.sink.retry import sink_warehouse_url
    from streams.sink.worker import SinkWorker

    configure_logging(json=json_logs)

    def go() -> Any:
        settings = load_settings(
            bootstrap_servers=bootstrap_servers, warehouse=warehouse, catalogue=catalogue,
            metrics_port=metrics_port, metrics_host=metrics_host,
            group_join_timeout_seconds=join_timeout, sink_group_id=group_id, sink_from_group=from_group,
        )  # fmt: skip
        if not settings.bootstrap_servers:
            raise UsageError("no Kafka: pass --bootstrap-servers HOST:PORT")
        group, old_group = settings.sink_group_id, settings.sink_from_group
        if old_group == group:
            raise UsageError(f"--from-group {old_group!r} must name another group than --group-id")
        url = settings.warehouse_url
        sink_url = sink_warehouse_url(url)
        if sink_url != url:
            # A server: wait for it at start-up with the URL's own connection retries (and create the
            # database); the sink then writes with none, its own retries keeping it polling (issue 19).
            with warehouse_session(url, create=True):
                pass
        platform = platform_for(catalogue)
        # A producer that sent applicants in clear gets them pseudonymised here: under a one-off key, a
        # record read again after a restart is another version of the stored one (a conflict; it stays).
        warn_one_off_key(settings, "and a record read again after a restart is rejected as a conflict")
        metrics = WorkerMetrics()
        batches = 0

        def crash(_batch: SinkBatch) -> None:
            nonlocal batches
            batches += 1
            if crash_before_commit is not None and batches >= crash_before_commit:
                os._exit(3)

        with ExitStack() as stack:
            serve_metrics(stack, metrics.registry, settings)
            wh = stack.enter_context(warehouse_session(sink_url, create=True))
            stop = stack.enter_context(StopOnSignal())
            options = sink_options(
                settings, group_id=group, fold=fold, from_group=old_group,
                join_timeout=settings.group_join_timeout_seconds,
                consumer_options={
                    "session_timeout_ms": int(session_timeout * 1000),
                    "heartbeat_interval_ms": max(100, int(session_timeout * 1000 / 6)),
                },
            )  # fmt: skip
            worker = SinkWorker(
                kafka_config(settings), options, platform.pseudonymiser, wh,
                auditor=platform.auditor if fold else None, metrics=metrics,
                before_commit=crash if crash_before_commit is not None else None,
            )  # fmt: skip
            try:
                return worker.run(until_idle=until_idle, stop_event=stop)
            except GroupJoinTimeout as exc:  # a stuck group: say what to do (the operator's guide)
                raise fail(
                    f"{exc}; stop this group's other sinks, then restart the sink with --group-id "
                    f"{_new_group(group)} --from-group {group} (or DOSSIER_AUDIT_SINK_GROUP_ID and "
                    "DOSSIER_AUDIT_SINK_FROM_GROUP) to resume from its committed offsets "
                    "(docs/operators-guide.md, 'A consumer group that never settles')"
                ) from None
            except StreamError as exc:  # "Kafka at HOST:PORT: ..."
                raise stream_failure(exc) from None

    try:
        stats = guarded(go)
    finally:
        reset_logging()  # the handler holds this invocation's stderr
    sys.stdout.write(orjson.dumps(stats.to_json_dict()).decode() + "\n")
    if json_logs:
        return  # the worker logged its counts as a structured line
    err.print(
        f"stored {stats.events:,} events, {stats.rejected:,} rejected messages and {stats.violations:,} "
        f"violation records in {stats.batches:,} batches ({stats.retries:,} write retries)",
        highlight=False,
    )
