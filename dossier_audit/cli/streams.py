"""Commands of the streaming concern: the embedded broker, ingestion into Kafka, the stored violations."""

from __future__ import annotations

import ipaddress
import sys
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from bootstrap.platform import kafka_config, topics_of
from bootstrap.settings import load_settings
from dossier_audit.cli.app import app
from dossier_audit.cli.common import (
    BootstrapOption,
    CataloguePath,
    JsonFlag,
    StopOnSignal,
    UsageError,
    WarehouseOption,
    err,
    guarded,
    known_stored_unit,
    platform_for,
    print_rejected,
    stream_failure,
    warehouse_session,
)
from dossier_audit.cli.files import print_audit_summary
from dossier_audit.cli.inputs import event_stream
from dossier_audit.cli.notices import warn_one_off_key, warn_unfinished_loads
from dossier_audit.cli.progress import file_progress
from inspections.audit_error import reported_rules
from streams.broker import BrokerError, EmbeddedBroker, answers, listen_problem


def _ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).version == 6
    except ValueError:
        return False


#: A second ingest of the same file under another key: each event naming an applicant differs from the
#: stored one, and the sink rejects it as event_id.conflict (review of 2026-12-06: 4,312 of them).
_AGAIN = "and an event ingested again under another key is a conflict, not a duplicate"


@app.command()
def broker(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: a free one).")] = 0,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    log_file: Annotated[Path | None, typer.Option("--log-file", help="Append the broker's log here.")] = None,
) -> None:
    """Run the embedded Kafka-protocol broker (tansu, memory storage) in the foreground until Ctrl-C.

    Prints its bootstrap address (HOST:PORT) on stdout.
    """

    def go() -> int:
        # Bound as the broker would (an address of another machine read "in use"); and EmbeddedBroker.start()
        # takes "something answers on the port" for its own start-up.
        if ":" in host:  # an IPv6 address (it listens, but kafka-python 3.0 reads "[::1]:9092" as the name
            # "[::1]"), or a host with its port (which was said to be IPv6: review of the diff)
            raise UsageError(
                f"--host {host} is an IPv6 address, by which the Kafka client of the other commands cannot "
                "reach a broker; give an IPv4 address or a name"
                if _ipv6(host)
                else f"--host {host}: give an address or a name without a port (the port: --port)"
            )
        problem = listen_problem(host, port)
        in_use = problem is not None and problem.endswith(" is in use")
        if problem is not None and not in_use:
            raise UsageError(f"cannot listen on --host {host}: {problem}")
        if in_use or (port and answers(host, port)):
            raise UsageError(f"port {port} on {host} is in use; choose another --port (or 0 for a free one)")
        if log_file is not None:  # said here, not as the broker's traceback (review)
            try:
                log_file.open("ab").close()
            except OSError as exc:
                raise UsageError(f"cannot write --log-file {log_file}: {exc.strerror or exc}") from None
        with StopOnSignal() as stop:
            try:
                embedded = EmbeddedBroker(host=host, port=port, log_file=log_file).start()
            except BrokerError as exc:
                raise UsageError(str(exc)) from None
            except OSError as exc:  # an unknown host name, an address not of this machine
                raise UsageError(f"cannot listen on --host {host}: {exc.strerror or exc}") from None
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

    code = guarded(go)
    if code:
        raise typer.Exit(code)


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

    Counts go to stderr, a JSON summary to stdout. Exits 2 when Kafka cannot be reached (nothing is sent),
    1 when messages could not be delivered.
    """
    # Imported here: kafka-python adds ~0.2 s (measured, 2 CPUs, warm cache) to every command's start.
    from streams.ingest import IngestError, ingest_lines

    def go() -> Any:
        settings = load_settings(bootstrap_servers=bootstrap_servers, partitions=topic_partitions)
        if not settings.bootstrap_servers:
            raise UsageError(
                "no Kafka: pass --bootstrap-servers HOST:PORT (e.g. from `dossier-audit broker`)"
            )
        # Read once, as it comes: a pipe or FIFO needs no copy here (the batch commands spool one).
        with event_stream(file) as stream:
            platform = platform_for()
            warn_one_off_key(settings, _AGAIN)
            progress, tick = file_progress(stream.path) if stream.path is not None else (None, None)
            seen = 0

            def on_line(read: int) -> None:
                nonlocal seen
                seen += 1
                if seen & 0x3FFF == 0 and tick is not None:
                    tick(read)

            with progress or nullcontext():
                try:
                    return ingest_lines(
                        kafka_config(settings), topics_of(settings), stream.lines, stream.source,
                        pseudonymiser=platform.pseudonymiser,
                        on_line=on_line if tick is not None else None,
                    )  # fmt: skip
                except IngestError as exc:  # unreachable, nothing read or sent: exit 2; else 1
                    raise stream_failure(exc) from None

    report = guarded(go)
    sys.stdout.write(orjson.dumps(report.to_json_dict()).decode() + "\n")
    err.print(
        f"lines {report.lines:,} · events produced {report.produced:,} · rejected {report.rejected_total:,} "
        f"(to dead letters) · {report.seconds:.1f} s",
        highlight=False,
    )
    if report.rejected:
        print_rejected(report.rejected)


@app.command()
def violations(
    warehouse: WarehouseOption = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only this unit (and units under or merged into it).")
    ] = None,
    rule: Annotated[str | None, typer.Option("--rule", help="Only this rule id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include retracted violations.")] = False,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """List the violations stored in the warehouse (open ones by default), as the detector produced them.

    With --json, one object per line in the `audit --json` shape, sorted by dossier, rule and event; with
    --all each also carries its "state" (open or retracted).
    """
    from warehouse.projection import StoredViolation, stored_violations

    def go() -> list[StoredViolation]:
        known = {r.rule_id for r in reported_rules()}
        if rule is not None and rule not in known:
            raise UsageError(f"--rule {rule!r}: unknown rule; choose one of {', '.join(sorted(known))}")
        cat = platform_for(catalogue).catalogue
        with warehouse_session(warehouse) as wh:
            units = cat.unit_scope(known_stored_unit(wh, cat, unit))
            warn_unfinished_loads(wh, "violations of the dossiers it stored may be missing from this list")
            return stored_violations(wh, units=units, rule=rule, include_retracted=all_)

    rows = guarded(go)
    if json_out:
        out = sys.stdout.buffer
        for row in rows:
            if all_:  # retracted ones too: each says which it is, as the table's state column does
                detail = orjson.loads(row.detail)
                out.write(orjson.dumps(detail | {"state": row.state} if isinstance(detail, dict) else detail))
            else:
                out.write(row.detail.encode())
            out.write(b"\n")
        out.flush()
    _print_violations(rows, show_state=all_, table=not json_out)


def _print_violations(rows: list[Any], *, show_state: bool, table: bool, limit: int = 50) -> None:
    from dossier_audit.cli.violations_table import print_violations_table

    if rows and table:  # the command's output: stdout, ids in full, local time, the report language
        print_violations_table(rows[:limit], load_settings().lang, show_state=show_state)
    if len(rows) > limit and table:
        err.print(f"… and {len(rows) - limit:,} more (use --json for all)", highlight=False)
    # By rule and kind: a not_checkable record is shown apart, never counted as a violation.
    counts: Counter[tuple[str, str]] = Counter(
        (row.rule_id, str(orjson.loads(row.detail).get("kind", "violation")))
        for row in rows
        if row.state == "open"
    )
    print_audit_summary(counts)
    retracted = sum(1 for row in rows if row.state != "open")
    if retracted:
        err.print(f"retracted: {retracted:,}", highlight=False)
