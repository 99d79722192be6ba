"""``dossier-audit import …``: real source data in as contract events (issue 14).

``import dvcqg PATH... (--out FILE | --bootstrap-servers HOST:PORT)``: the national portal's dossier-sync
payloads (``sources.dvcqg``; what is read and how it maps: ``docs/dvcqg-import.md``), through
``dossier_audit.jobs.importer``.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from contextlib import nullcontext, suppress
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from bootstrap.platform import kafka_config, topics_of
from bootstrap.settings import load_settings
from dossier_audit.cli.app import import_app
from dossier_audit.cli.common import (
    BootstrapOption,
    CataloguePath,
    JsonFlag,
    UsageError,
    bytes_progress,
    err,
    fail,
    guarded,
    platform_for,
)
from dossier_audit.jobs.importer import (
    ImportInputError,
    ImportSink,
    collect_inputs,
    import_outputs,
    load_units_map,
    order_inputs,
    produce,
    rejected_path_for,
    write_jsonl,
)
from sources.dvcqg import DvcqgImporter, ImportStats, RejectedRecord, UnitResolver

#: Rejected records shown on stderr (all of them are in the rejected output).
_SHOWN_REJECTIONS = 10


@import_app.command("dvcqg")
def dvcqg(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Payload files (JSON bodies or arrays) and folders of *.json/*.jsonl."),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the contract events to this JSONL file.")
    ] = None,
    rejected: Annotated[
        Path | None,
        typer.Option("--rejected", help="With --out: rejected records here (default: OUT.rejected.jsonl)."),
    ] = None,
    bootstrap_servers: BootstrapOption = None,
    units: Annotated[
        Path | None,
        typer.Option("--units", help="YAML/JSON mapping of DonViXuLy unit names to unit codes."),
    ] = None,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """Import DVCQG dossier-sync and progress payloads as contract events.

    Writes the events to --out FILE (rejected records beside it), or produces them to Kafka like `ingest`
    (rejected records to the dead letters). The summary (records, events by type, deduced events,
    rejections by reason, rules not checkable, blind spots) goes to stderr; with --json, also to stdout.
    """

    def go() -> tuple[ImportStats, ImportSink, float, list[RejectedRecord]]:
        started = time.perf_counter()
        settings = load_settings(bootstrap_servers=bootstrap_servers)
        if out is not None and bootstrap_servers:
            raise UsageError("give either --out FILE or --bootstrap-servers HOST:PORT, not both")
        if out is None and rejected is not None:
            raise UsageError(
                "--rejected goes with --out (with Kafka, rejected records go to the dead letters)"
            )
        if out is None and not settings.bootstrap_servers:
            raise UsageError("give --out FILE (a JSONL events file) or --bootstrap-servers HOST:PORT (Kafka)")
        try:
            files = collect_inputs(paths)
            targets = _targets(out, rejected)
            files = _without_targets(files, targets)
            mapping = load_units_map(units) if units is not None else None
        except ImportInputError as exc:
            raise UsageError(str(exc)) from None
        platform = platform_for(catalogue)
        if settings.pseudonym_key is None:
            err.print(
                "[yellow]warning:[/] DOSSIER_AUDIT_PSEUDONYM_KEY is not set: applicants get pseudonyms of a "
                "one-off key that later runs cannot reproduce (and a re-import gives different lines)",
                highlight=False,
            )
        # To Kafka, `ingest` validates every line on the way: no need to do it twice.
        importer = DvcqgImporter(
            UnitResolver(platform.catalogue, mapping), platform.pseudonymiser, validate=out is not None
        )
        ordered = order_inputs(files)
        progress, tick = _progress(ordered)
        shown: list[RejectedRecord] = []
        with progress or nullcontext():
            outputs = _keep_samples(
                import_outputs(ordered, importer, on_bytes=tick),
                shown,
            )
            try:
                if out is not None and targets[1] is not None:
                    sink = write_jsonl(outputs, out, targets[1])
                else:
                    sink = _produce(outputs, settings, platform, ordered)
            except ImportInputError as exc:
                raise UsageError(str(exc)) from None
        return importer.stats, sink, time.perf_counter() - started, shown

    stats, sink, seconds, shown = guarded(go)
    summary = {**stats.to_json_dict(), **sink.targets, "seconds": round(seconds, 3)}
    if json_out:
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    _print_summary(stats, sink, seconds, shown)


def _targets(out: Path | None, rejected: Path | None) -> tuple[Path | None, Path | None]:
    if out is None:
        return None, None
    if str(out) == "-":
        raise UsageError("--out needs a file path (the events and the rejected records are two files)")
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory; give a file path")
    chosen = rejected if rejected is not None else rejected_path_for(out)
    if chosen.resolve() == out.resolve():
        raise UsageError("--rejected must be another file than --out")
    for target in (out, chosen):
        if not target.parent.is_dir():
            raise UsageError(f"cannot write {target}: no such folder {target.parent}")
    return out, chosen


def _without_targets(files: list[Path], targets: tuple[Path | None, Path | None]) -> list[Path]:
    """The inputs, without this run's own output files (a folder holding an earlier --out)."""
    own = {t.resolve() for t in targets if t is not None}
    kept = [f for f in files if f.resolve() not in own]
    if not kept:
        raise UsageError("the only inputs given are this command's own output files")
    return kept


def _produce(outputs: Any, settings: Any, platform: Any, files: list[Path]) -> ImportSink:
    from streams.ingest import IngestError

    source = f"dvcqg:{files[0]}" if len(files) == 1 else f"dvcqg:{len(files)} files"
    try:
        return produce(
            outputs, kafka_config(settings), topics_of(settings), platform.pseudonymiser, source=source
        )
    except IngestError as exc:
        raise fail(str(exc), 1) from None


def _keep_samples(outputs: Any, shown: list[RejectedRecord]) -> Any:
    for item in outputs:
        if isinstance(item, RejectedRecord) and len(shown) < _SHOWN_REJECTIONS:
            shown.append(item)
        yield item


def _progress(files: list[Path]) -> tuple[Progress | None, Any]:
    total = 0
    for file in files:
        with suppress(OSError):
            total += file.stat().st_size
    return bytes_progress(f"{len(files)} payload file(s)", total)


def _print_summary(stats: ImportStats, sink: ImportSink, seconds: float, shown: list[RejectedRecord]) -> None:
    mapped = "".join(f" · {kind} records {n:,}" for kind, n in sorted(stats.records.items()))
    err.print(
        f"files {stats.files:,} · records read {stats.records_read:,}{mapped} · "
        f"dossiers {stats.dossiers:,} · events {stats.events_total:,} · "
        f"rejected {stats.rejected_total:,} · {seconds:.1f} s",
        highlight=False,
        markup=False,
    )
    _counts("Events by type", "type", stats.events)
    _counts("Deduced events (source.inferred)", "kind", stats.inferred)
    _counts("Sender rewritings undone", "rewriting", stats.rewrites)
    _counts("Not checkable (fields the format cannot carry)", "rule", stats.not_checkable, unit="events")
    if stats.rejected:
        _counts("Rejected records by reason", "reason", stats.rejected, unit="records")
        for r in shown:
            err.print(
                f"  {escape(r.source)} record {r.index}: [yellow]{escape(r.code)}[/] — {escape(r.message)}",
                highlight=False,
                soft_wrap=True,
            )
    spots = stats.to_json_dict()["blind_spots"]
    if spots:
        table = Table(title="Blind spots: what this format could not show", title_justify="left")
        table.add_column("blind spot")
        table.add_column("count", justify="right")
        table.add_column("what the audit could not see")
        for spot in spots:
            table.add_row(spot["id"], f"{spot['count']:,}", Text(spot["what"]))
        err.print(table)
    for name, target in sink.targets.items():
        err.print(f"{name}: {target}", highlight=False, markup=False, soft_wrap=True)


def _counts(title: str, column: str, counts: Counter[str], unit: str = "count") -> None:
    if not counts:
        return
    table = Table(title=title, title_justify="left")
    table.add_column(column)
    table.add_column(unit, justify="right")
    for key, n in sorted(counts.items()):
        table.add_row(Text(key), f"{n:,}")
    err.print(table)
