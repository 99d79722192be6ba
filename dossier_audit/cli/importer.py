"""``dossier-audit import …``: real source data in as contract events (issue 14).

``import dvcqg PATH... (--out FILE | --bootstrap-servers HOST:PORT | --warehouse URL)``: the national
portal's dossier-sync payloads (``sources.dvcqg``; what is read and how it maps:
``docs/dvcqg-import.md``), through ``dossier_audit.jobs.importer``.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from contextlib import nullcontext, suppress
from datetime import datetime
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
    catalogue_inputs,
    err,
    fail,
    guarded,
    platform_for,
    refuse_overwriting_inputs,
    same_file,
    stored_events,
    stream_failure,
    warehouse_session,
)
from dossier_audit.cli.instants import parse_instant
from dossier_audit.cli.notices import say_adopted, warn_one_off_key
from dossier_audit.cli.progress import bytes_progress
from dossier_audit.cli.warehouse import stage_progress
from dossier_audit.jobs.importer import (
    ImportInputError,
    ImportSink,
    collect_inputs,
    import_outputs,
    load_into,
    load_units_map,
    produce,
    rejected_path_for,
    write_jsonl,
    written_by_import,
)
from dossier_audit.jobs.load_start import LoadBusy
from inspections.timeunits import VN_TZ
from sources.dvcqg import DvcqgImporter, ImportStats, RejectedRecord, UnitResolver
from sources.dvcqg.privacy import raw_scrubber
from warehouse.base import redact_url

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
    warehouse: Annotated[
        str | None,
        typer.Option(
            "--warehouse",
            help="Load the events straight into this warehouse (as `warehouse load` does: folded and judged "
            "while read); rejected records go to its rejected_events.",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="With --warehouse: evaluate the rulebook at (default: now).")
    ] = None,
    units: Annotated[
        Path | None,
        typer.Option("--units", help="YAML/JSON mapping of DonViXuLy unit names to unit codes."),
    ] = None,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """Import DVCQG dossier-sync and progress payloads as contract events.

    Writes the events to --out FILE (rejected records beside it), produces them to Kafka like `ingest`
    (rejected records to the dead letters), or loads them into --warehouse URL like `warehouse load`
    (rejected records to its rejected_events). The summary (records, events by type, deduced events,
    rejections by reason, rules not checkable, blind spots) goes to stderr; with --json, also to stdout.
    """

    def go() -> tuple[ImportStats, ImportSink, float, list[RejectedRecord]]:
        started = time.perf_counter()
        settings = load_settings(bootstrap_servers=bootstrap_servers)
        chosen = [name for name, given in (("--out", out is not None), ("--bootstrap-servers",
                  bool(bootstrap_servers)), ("--warehouse", warehouse is not None)) if given]  # fmt: skip
        if len(chosen) > 1:
            raise UsageError(f"give one of --out FILE, --bootstrap-servers HOST:PORT or --warehouse URL, not "
                             f"{' and '.join(chosen)}")  # fmt: skip
        if out is None and rejected is not None:
            raise UsageError(
                "--rejected goes with --out (with Kafka, rejected records go to the dead letters; with "
                "--warehouse, to its rejected_events)"
            )
        if as_of is not None and warehouse is None:
            raise UsageError("--as-of goes with --warehouse (the time the rulebook is evaluated at)")
        instant = parse_instant(as_of) if as_of is not None else datetime.now(VN_TZ)
        if out is None and warehouse is None and not settings.bootstrap_servers:
            raise UsageError(
                "give --out FILE (a JSONL events file), --bootstrap-servers HOST:PORT (Kafka) or "
                "--warehouse URL"
            )
        try:
            files = collect_inputs(paths)
            targets = _targets(out, rejected)
            refuse_overwriting_inputs(
                {"--out": targets[0], "--rejected": targets[1]},
                {"--units": units, **catalogue_inputs(catalogue)},
            )
            files = _without_targets(paths, files, targets)
            mapping = load_units_map(units) if units is not None else None
        except ImportInputError as exc:
            raise UsageError(str(exc)) from None
        platform = platform_for(catalogue)
        unknown = sorted({code for code in (mapping or {}).values() if code not in platform.catalogue.units})
        if unknown:  # its dossiers were judged against no unit: every procedure unpublished (review)
            raise UsageError(
                f"--units {units}: {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''} "
                f"{'is no unit code' if len(unknown) == 1 else 'are no unit codes'} of the catalogue"
            )
        warn_one_off_key(settings, "and a re-import gives different lines")
        # To Kafka `ingest`, to the warehouse the load, validates every line on the way: not twice.
        importer = DvcqgImporter(
            UnitResolver(platform.catalogue, mapping), platform.pseudonymiser, validate=out is not None
        )
        progress, tick = _progress(files)
        shown: list[RejectedRecord] = []
        with progress or nullcontext():
            outputs = _keep_samples(
                import_outputs(files, importer, on_bytes=tick),
                shown,
            )
            try:
                if out is not None and targets[1] is not None:
                    sink = write_jsonl(outputs, out, targets[1], raw_scrubber(platform.pseudonymiser))
                elif warehouse is not None:
                    sink = _load(outputs, warehouse, platform, files, instant, progress)
                else:
                    sink = _produce(outputs, settings, platform, files)
            except (ImportInputError, LoadBusy) as exc:  # another load running: one line (``load_alive``)
                raise UsageError(str(exc)) from None
        return importer.stats, sink, time.perf_counter() - started, shown

    stats, sink, seconds, shown = guarded(go)
    summary = {**stats.to_json_dict(), **sink.targets, "seconds": round(seconds, 3)}
    if json_out:
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    _print_summary(stats, sink, seconds, shown)
    if stats.events_total == 0 and stats.rejected_total:
        # Every record rejected, nothing imported: a script saw exit 0, as for a clean import (review of
        # 2026-12-06). A payload with some rejected records still exits 0 (the summary counts them).
        raise fail(f"nothing imported: every record read was rejected ({stats.rejected_total:,})", code=1)


def _targets(out: Path | None, rejected: Path | None) -> tuple[Path | None, Path | None]:
    if out is None:
        return None, None
    if str(out) == "-":
        raise UsageError("--out needs a file path (the events and the rejected records are two files)")
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory; give a file path")
    chosen = rejected if rejected is not None else rejected_path_for(out)
    if same_file(chosen, out):
        raise UsageError("--rejected must be another file than --out")
    for target in (out, chosen):
        if not target.parent.is_dir():
            raise UsageError(f"cannot write {target}: no such folder {target.parent}")
    return out, chosen


def _without_targets(
    paths: list[Path], files: list[Path], targets: tuple[Path | None, Path | None]
) -> list[Path]:
    """The inputs (``files``, found from ``paths``), without this run's own output files: a folder holding an
    earlier --out. An output file that is an input otherwise (named as one, or not written by this command)
    is refused: the run would overwrite a payload before reading it."""
    own = [t for t in targets if t is not None]
    named = [p for p in paths if not p.is_dir()]
    kept = []
    for file in files:  # the same file also through a link (a hard link resolves to its own path)
        if not any(same_file(file, target) for target in own):
            kept.append(file)
        elif any(same_file(file, name) for name in named) or not written_by_import(file):
            raise UsageError(
                f"{file} is an input of this import and would be overwritten by its output: give --out (and "
                "--rejected) another file"
            )
    if not kept:
        raise UsageError("the only inputs given are this command's own output files")
    return kept


def _produce(outputs: Any, settings: Any, platform: Any, files: list[Path]) -> ImportSink:
    from streams.ingest import IngestError

    try:
        return produce(
            outputs,
            kafka_config(settings),
            topics_of(settings),
            platform.pseudonymiser,
            source=_source(files),
        )
    except IngestError as exc:  # unreachable, nothing sent: exit 2, as ingest; else 1
        raise stream_failure(exc) from None


def _load(
    outputs: Any, url: str, platform: Any, files: list[Path], as_of: datetime, payloads: Progress | None
) -> ImportSink:
    """The events loaded as `warehouse load` would (``jobs.importer.load_into``); the load's own counts join
    the import's summary (stored events, folded dossiers, open violations). With the payloads' bar (on a
    terminal, for large payloads), the load's stages follow it as `warehouse load` shows them: the import is
    read whole before the load stores it, so the bar stops at the load's first stage."""
    stages, tick = stage_progress(_label(files), _size(files)) if payloads is not None else (None, None)

    def on_stage(stage: str, done: int, total: int) -> None:
        assert payloads is not None and tick is not None
        payloads.stop()  # done: only one display at a time
        tick(stage, done, total)

    try:
        with warehouse_session(url, create=True) as wh:
            sink, result = load_into(
                outputs,
                platform,
                wh,
                as_of,
                source=_source(files),
                on_progress=on_stage if tick else None,
                on_key_adopted=say_adopted,
            )
    finally:
        if stages is not None:
            stages.stop()
    sink.targets["warehouse"] = redact_url(url)
    sink.targets["load"] = (
        f"{stored_events(result)}; folded "
        f"{result.dossiers_folded:,} dossiers: "
        f"{result.violations_open:,} open violations, {result.violations_retracted:,} retracted"
    )
    return sink


def _source(files: list[Path]) -> str:
    return f"dvcqg:{files[0]}" if len(files) == 1 else f"dvcqg:{len(files)} files"


def _keep_samples(outputs: Any, shown: list[RejectedRecord]) -> Any:
    for item in outputs:
        if isinstance(item, RejectedRecord) and len(shown) < _SHOWN_REJECTIONS:
            shown.append(item)
        yield item


def _progress(files: list[Path]) -> tuple[Progress | None, Any]:
    return bytes_progress(_label(files), _size(files))


def _label(files: list[Path]) -> str:
    return f"{len(files)} payload file(s)"


def _size(files: list[Path]) -> int:
    total = 0
    for file in files:
        with suppress(OSError):
            total += file.stat().st_size
    return total


def _print_summary(stats: ImportStats, sink: ImportSink, seconds: float, shown: list[RejectedRecord]) -> None:
    mapped = "".join(f" · {kind} records {n:,}" for kind, n in sorted(stats.records.items()))
    err.print(
        f"files {stats.files:,} · records read {stats.records_read:,}{mapped}"
        f"{f' · unreadable {stats.unreadable:,}' if stats.unreadable else ''} · "
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
