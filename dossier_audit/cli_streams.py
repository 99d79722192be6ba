"""``dossier-audit`` commands of the streaming concern: the broker, ingestion, the workers, violations."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from dossier_audit.cli import (
    CataloguePath,
    JsonFlag,
    UsageError,
    _fail,
    _null,
    _open,
    _platform,
    _print_rejected,
    _print_violation_summary,
    _progress,
    _readable,
    _run,
    app,
    err,
)

worker_app = typer.Typer(help="Stream workers: the warehouse sink and the violation detector.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(worker_app, name="worker")


BootstrapOption = Annotated[
    str | None,
    typer.Option(
        "--bootstrap-servers",
        help="Kafka bootstrap servers HOST:PORT[,HOST:PORT] (default: DOSSIER_AUDIT_BOOTSTRAP_SERVERS).",
    ),
]


class _StopOnSignal:
    """Sets ``event`` on SIGINT/SIGTERM while active (so a worker finishes its batch and leaves cleanly),
    restoring the previous handlers on exit. Only the main thread can install handlers; elsewhere (e.g. a
    test runner thread) it does nothing."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> threading.Event:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, lambda *_: self.event.set())
        return self.event

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


# -- broker -----------------------------------------------------------------------------------------------
@app.command()
def broker(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: a free one).")] = 0,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    log_file: Annotated[Path | None, typer.Option("--log-file", help="Append the broker's log here.")] = None,
) -> None:
    """Run the embedded Kafka-protocol broker (tansu, memory storage) in the foreground until Ctrl-C.

    Prints its bootstrap address (HOST:PORT) on stdout.
    """
    from streams.broker import BrokerError, EmbeddedBroker, _answers

    def go() -> int:
        # EmbeddedBroker.start() takes "something answers on the port" for its own start-up.
        if port and _answers(host, port):
            raise UsageError(f"port {port} on {host} is in use; choose another --port (or 0 for a free one)")
        with _StopOnSignal() as stop:
            try:
                embedded = EmbeddedBroker(host=host, port=port, log_file=log_file).start()
            except BrokerError as exc:
                raise UsageError(str(exc)) from None
            try:
                sys.stdout.write(embedded.bootstrap_servers + "\n")
                sys.stdout.flush()
                err.print(
                    f"broker listening on {embedded.bootstrap_servers} (memory storage; Ctrl-C stops it)",
                    highlight=False,
                )
                while not stop.wait(0.5):
                    if not embedded.running:
                        err.print("[bold red]error:[/] the broker process exited unexpectedly")
                        return 1
            finally:
                embedded.stop()
        err.print("broker stopped", highlight=False)
        return 0

    code = _run(go)
    if code:
        raise typer.Exit(code)


# -- ingest -----------------------------------------------------------------------------------------------
def _lines(file: Path) -> tuple[Iterator[bytes], str, Path | None]:
    if str(file) == "-":
        return iter(sys.stdin.buffer), "stdin", None
    path = _readable(file)
    return _file_lines(path), str(path.resolve()), path


def _file_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        yield from fh


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="JSONL events file, or - for standard input.")],
    bootstrap_servers: BootstrapOption = None,
    topic_partitions: Annotated[
        int | None,
        typer.Option("--topic-partitions", min=1, help="Partitions of the events topic if it is created."),
    ] = None,
) -> None:
    """Validate each line and produce it to Kafka: events keyed by dossier, rejected lines to dead letters.

    Counts go to stderr, a JSON summary to stdout. Exits 1 when messages could not be delivered.
    """
    from dossier_audit.config import load_settings
    from streams.ingest import IngestError, ingest_lines

    def go() -> Any:
        settings = load_settings(bootstrap_servers=bootstrap_servers, partitions=topic_partitions)
        if not settings.bootstrap_servers:
            raise UsageError(
                "no Kafka: pass --bootstrap-servers HOST:PORT (e.g. from `dossier-audit broker`)"
            )
        lines, source, path = _lines(file)
        platform = _platform()
        if settings.pseudonym_key is None:
            err.print(
                "[yellow]warning:[/] DOSSIER_AUDIT_PSEUDONYM_KEY is not set: applicants get pseudonyms of a "
                "one-off key that later runs cannot reproduce",
                highlight=False,
            )
        progress, tick = _progress(path) if path is not None else (None, None)
        seen = 0

        def on_line(read: int) -> None:
            nonlocal seen
            seen += 1
            if seen & 0x3FFF == 0 and tick is not None:
                tick(read)

        with progress or _null():
            try:
                return ingest_lines(
                    settings, lines, source, pseudonymiser=platform.pseudonymiser,
                    on_line=on_line if tick is not None else None,
                )  # fmt: skip
            except IngestError as exc:
                raise _fail(str(exc), 1) from None

    report = _run(go)
    sys.stdout.write(orjson.dumps(report.to_json_dict()).decode() + "\n")
    err.print(
        f"lines {report.lines:,} · events produced {report.produced:,} · rejected {report.rejected_total:,} "
        f"(to dead letters) · {report.seconds:.1f} s",
        highlight=False,
    )
    if report.rejected:
        _print_rejected(report.rejected)


# -- the sink worker ----------------------------------------------------------------------------------------
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
    metrics_port: Annotated[
        int | None, typer.Option("--metrics-port", min=0, max=65535, help="Serve Prometheus metrics here.")
    ] = None,
    group_id: Annotated[str, typer.Option("--group-id", help="Kafka consumer group.")] = "dossier-audit-sink",
    fold: Annotated[
        bool,
        typer.Option("--fold-projection", help="Also refresh the dossier projection the SQL metrics read."),
    ] = False,
    session_timeout: Annotated[
        float,
        typer.Option(
            "--session-timeout",
            min=1.0,
            help="Seconds without heartbeats before the group drops a worker (Kafka brokers require ≥ 6 by "
            "default); a restarted worker waits about this long for its dead predecessor.",
        ),
    ] = 6.0,
    json_logs: Annotated[
        bool, typer.Option("--json-logs", help="Structured JSON log lines on stderr.")
    ] = False,
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
    from kafka.errors import KafkaError

    from dossier_audit.config import load_settings
    from streams.observability import (
        WorkerMetrics,
        configure_logging,
        metrics_endpoint,
        reset_logging,
    )
    from streams.sink import SinkBatch, SinkWorker

    configure_logging(json=json_logs)

    def go() -> Any:
        settings = load_settings(
            bootstrap_servers=bootstrap_servers, warehouse=warehouse, catalogue=catalogue,
            metrics_port=metrics_port,
        )  # fmt: skip
        if not settings.bootstrap_servers:
            raise UsageError("no Kafka: pass --bootstrap-servers HOST:PORT")
        platform = _platform(catalogue)
        metrics = WorkerMetrics()
        batches = 0

        def crash(_batch: SinkBatch) -> None:
            nonlocal batches
            batches += 1
            if crash_before_commit is not None and batches >= crash_before_commit:
                os._exit(3)

        with (
            metrics_endpoint(metrics.registry, settings.metrics_port),
            _open(settings.warehouse_url, create=True) as wh,
            _StopOnSignal() as stop,
        ):
            worker = SinkWorker(
                settings, platform, wh, group_id=group_id, metrics=metrics, fold=fold,
                consumer_options={
                    "session_timeout_ms": int(session_timeout * 1000),
                    "heartbeat_interval_ms": max(100, int(session_timeout * 1000 / 6)),
                },
                before_commit=crash if crash_before_commit is not None else None,
            )  # fmt: skip
            try:
                return worker.run(until_idle=until_idle, stop_event=stop)
            except KafkaError as exc:
                raise _fail(f"Kafka at {settings.bootstrap_servers}: {exc}", 1) from None

    try:
        stats = _run(go)
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


# -- violations ---------------------------------------------------------------------------------------------
@app.command()
def violations(
    warehouse: Annotated[str, typer.Option("--warehouse", help="Warehouse URL.")],
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only this unit (and units under or merged into it).")
    ] = None,
    rule: Annotated[str | None, typer.Option("--rule", help="Only this rule id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include retracted violations.")] = False,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """List the violations stored in the warehouse (open ones by default), as the detector produced them.

    With --json, one object per line in the `audit --json` shape, sorted by dossier, rule and event.
    """
    from dossier_audit.jobs import unit_filter_codes
    from dossier_audit.warehouse_jobs import StoredViolation, stored_violations
    from inspections.rulebook import RULEBOOK_V1

    def go() -> list[StoredViolation]:
        known = {r.rule_id for r in (*RULEBOOK_V1.rules, *RULEBOOK_V1.findings)}
        if rule is not None and rule not in known:
            raise UsageError(f"--rule {rule!r}: unknown rule; choose one of {', '.join(sorted(known))}")
        units = unit_filter_codes(_platform(catalogue), unit) if unit is not None else None
        with _open(warehouse) as wh:
            return stored_violations(wh, units=units, rule=rule, include_retracted=all_)

    rows = _run(go)
    if json_out:
        out = sys.stdout.buffer
        for row in rows:
            out.write(row.detail.encode())
            out.write(b"\n")
        out.flush()
    _print_violations(rows, show_state=all_)


def _print_violations(rows: list[Any], *, show_state: bool, limit: int = 50) -> None:
    table = Table(title="Stored violations", title_justify="left")
    columns = ["dossier", "rule", "event", "unit", "occurred at (UTC)", "producer"]
    for name in [*columns, "state"] if show_state else columns:
        table.add_column(name)
    for row in rows[:limit]:
        cells = [row.dossier_id, row.rule_id, row.event_id or "—", row.unit_code,
                 row.occurred_at.strftime("%Y-%m-%d %H:%M"), row.producer]  # fmt: skip
        table.add_row(*cells, *([row.state] if show_state else []))
    if rows:
        err.print(table)
    if len(rows) > limit:
        err.print(f"… and {len(rows) - limit:,} more (use --json for all)", highlight=False)
    counts: Counter[str] = Counter(row.rule_id for row in rows if row.state == "open")
    _print_violation_summary(counts)
    retracted = sum(1 for row in rows if row.state != "open")
    if retracted:
        err.print(f"retracted: {retracted:,}", highlight=False)
