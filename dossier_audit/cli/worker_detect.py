"""``dossier-audit worker detect``: the Faust violation detector (its options and the partitions it is
started with); the sink and what both workers share are ``dossier_audit.cli.worker``'s."""

from __future__ import annotations

import logging
import sys
from contextlib import ExitStack
from typing import Annotated, Any

import orjson
import typer

from bootstrap.kafka_names import valid_topic_name
from bootstrap.platform import (
    detector_history,
    detector_options,
    kafka_config,
    platform_topics,
)
from bootstrap.settings import load_settings
from dossier_audit.cli.app import worker_app
from dossier_audit.cli.common import (
    BootstrapOption,
    CataloguePath,
    UsageError,
    err,
    guarded,
    platform_for,
    stream_failure,
    warehouse_session,
)
from dossier_audit.cli.instants import parse_instant
from dossier_audit.cli.worker import (
    MAX_SESSION_SECONDS,
    JsonLogsOption,
    MetricsHostOption,
    MetricsPortOption,
    serve_metrics,
)
from inspections.rulebook import Auditor
from streams.observability import WorkerMetrics, configure_logging, reset_logging
from streams.topics import TopicError, ensure_topics, partition_count
from warehouse.catalogue_read import load_stored_catalogue

log = logging.getLogger("dossier_audit.worker")
#: The longest name Faust gives a topic after the detector's id (``streams.detector.app``'s tables).
_TABLE_SUFFIX = len("-partitions-changelog")


def _events_partitions(settings: Any) -> int | None:
    """The partition count of the events topic (creating the platform's topics when missing)."""
    kafka = kafka_config(settings)
    try:
        ensure_topics(kafka, platform_topics(settings), timeout=15.0)
        return partition_count(kafka, settings.topic_events)
    except TopicError as exc:  # unreachable, nothing read: exit 2 (as ingest); refused: 1
        raise stream_failure(exc, f"Kafka at {kafka.described}: {exc}") from None


@worker_app.command("detect")
def worker_detect(
    bootstrap_servers: BootstrapOption = None,
    warehouse: Annotated[
        str | None,
        typer.Option(
            "--warehouse",
            help="Load the catalogue and calendar snapshot from this warehouse at start (then close it).",
        ),
    ] = None,
    stored_catalogue: Annotated[
        bool,
        typer.Option(
            "--stored-catalogue",
            help="Load the catalogue and calendar snapshot from the configured warehouse "
            "(DOSSIER_AUDIT_WAREHOUSE), as --warehouse does from the URL it names: no password on the "
            "command line.",
        ),
    ] = False,
    catalogue: CataloguePath = None,
    until_idle: Annotated[
        bool,
        typer.Option(
            "--until-idle",
            help="Stop once the group has consumed every partition of the events topic and ~1.5 s passed "
            "with nothing new.",
        ),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Once caught up, move every watermark to this instant (RFC 3339, or a date = 00:00 local), "
            "evaluate every dossier there and publish the differences (replays of history).",
        ),
    ] = None,
    allowed_lateness: Annotated[
        int | None,
        typer.Option(
            "--allowed-lateness",
            min=0,
            help="Seconds the watermark trails the newest event time (default: "
            "DOSSIER_AUDIT_ALLOWED_LATENESS_SECONDS, 3600).",
        ),
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Let wall-clock time advance the watermark too (now - lateness).")
    ] = False,
    idle_partition_timeout: Annotated[
        float | None,
        typer.Option(
            "--idle-partition-timeout",
            min=0.0,
            metavar="SECONDS",
            help="A partition that receives nothing for this long follows the event time of the worker's "
            "other partitions, so dossiers on it still become late (default: "
            "DOSSIER_AUDIT_IDLE_PARTITION_TIMEOUT_SECONDS, 60; 0: never).",
        ),
    ] = None,
    freeze_before_finalize: Annotated[
        bool,
        typer.Option(
            "--freeze-before-finalize",
            hidden=True,
            help="Fault tests: SIGSTOP this worker when it is about to finalize at --as-of.",
        ),
    ] = False,
    metrics_port: MetricsPortOption = None,
    metrics_host: MetricsHostOption = None,
    group_id: Annotated[
        str, typer.Option("--group-id", help="Faust app id (the consumer group and table topic prefix).")
    ] = "dossier-audit-detector",
    session_timeout: Annotated[
        float,
        typer.Option(
            "--session-timeout",
            min=1.0,
            max=MAX_SESSION_SECONDS,
            help="Seconds without heartbeats before the group drops a worker (its partitions move to the "
            "survivors).",
        ),
    ] = 6.0,
    json_logs: JsonLogsOption = False,
    history_warehouse: Annotated[
        str | None,
        typer.Option(
            "--history-warehouse",
            help="The warehouse server the sink stores into (clickhouse://...): ended dossiers are then "
            "evicted from memory and read back from it when a late event comes (default: "
            "DOSSIER_AUDIT_DETECTOR_HISTORY; unset: nothing is evicted).",
        ),
    ] = None,
) -> None:
    """Detect violations continuously: consume the events topic, evaluate the rulebook at an event-time
    watermark, publish violations as they open and are retracted; prints the run's counts as JSON on
    stdout when it stops."""
    # Imported here: Faust and aiokafka add ~0.4 s (measured, 2 CPUs, warm cache) to every command's start.
    from streams.detector.app import make_app, run_detector

    configure_logging(json=json_logs)

    def go() -> Any:
        named = [name for name, given in (("--warehouse", warehouse is not None), ("--stored-catalogue",
                 stored_catalogue), ("--catalogue", catalogue is not None)) if given]  # fmt: skip
        if len(named) > 1:  # each names where the catalogue is read from
            raise UsageError(f"{', '.join(named[:-1])} and {named[-1]} name the catalogue: pass one of them")
        settings = load_settings(
            bootstrap_servers=bootstrap_servers, catalogue=catalogue, metrics_port=metrics_port,
            metrics_host=metrics_host, allowed_lateness_seconds=allowed_lateness,
            detector_history=history_warehouse, idle_partition_timeout_seconds=idle_partition_timeout,
        )  # fmt: skip
        if not settings.bootstrap_servers:
            raise UsageError("no Kafka: pass --bootstrap-servers HOST:PORT")
        if not valid_topic_name(group_id, room=_TABLE_SUFFIX):
            # Faust names its table topics after it: an empty id was a traceback, "a b/c" made topics a real
            # broker refuses (review).
            raise UsageError(
                f"--group-id must be 1-{249 - _TABLE_SUFFIX} ASCII letters, digits, '.', '_' or '-', not "
                "starting with '__' (Kafka's internal topics): it prefixes the detector's table topics"
            )
        instant = parse_instant(as_of) if as_of is not None else None
        history = detector_history(settings.detector_history)
        if history is None:
            log.info("dossier eviction off: no --history-warehouse to read evicted dossiers back from")
        else:
            log.info("dossier eviction on", extra={"history": history.describe()})
        platform = platform_for(catalogue)
        if warehouse is not None or stored_catalogue:
            # Read once, then close: the warehouse may be owned by another process (chdb: one at a time).
            with warehouse_session(warehouse or settings.warehouse_url) as wh:
                stored = load_stored_catalogue(wh)
            auditor = Auditor(stored.catalogue, stored.calendar, platform.rulebooks)
            log.info("catalogue snapshot loaded", extra={"snapshot": stored.snapshot})
        else:
            auditor = platform.auditor
        partitions = _events_partitions(settings)
        if partitions is not None and partitions != settings.partitions:
            raise UsageError(
                f"the events topic {settings.topic_events!r} has {partitions} partitions but the detector's "
                f"tables are made for {settings.partitions}: set DOSSIER_AUDIT_PARTITIONS={partitions}"
            )
        options = detector_options(
            settings,
            as_of=instant,
            until_idle=until_idle,
            live=live,
            app_id=group_id,
            session_timeout=session_timeout,
            heartbeat_interval=max(0.1, session_timeout / 6),
            max_poll_interval=max(10.0, session_timeout),
            rebalance_timeout=max(10.0, session_timeout),
            join_timeout=settings.group_join_timeout_seconds,  # a stuck group: exit 2 (issue 19)
            history=history,
            freeze_before_finalize=freeze_before_finalize,
        )
        metrics = WorkerMetrics()
        app = make_app(
            kafka_config(settings), options, auditor, platform.pseudonymiser.scrub_raw, metrics=metrics
        )
        with ExitStack() as stack:
            serve_metrics(stack, metrics.registry, settings)
            return run_detector(app)

    try:
        code, stats = guarded(go)
    finally:
        reset_logging()
    sys.stdout.write(orjson.dumps(stats.to_json_dict()).decode() + "\n")
    if not json_logs:
        err.print(
            f"detector: {stats.events:,} events ({stats.duplicates:,} duplicates), "
            f"{stats.dead_letters:,} dead letters, {stats.evaluations:,} evaluations, "
            f"{stats.opened:,} opened / {stats.retracted:,} retracted · {stats.seconds:.1f} s",
            highlight=False,
        )
    if code:
        raise typer.Exit(code)
