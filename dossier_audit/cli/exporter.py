"""``dossier-audit export …``: the event log out for process mining (issue 14).

``export xes`` and ``export ocel`` take the same arguments: an events FILE (``-``: standard input), or the
warehouse (``--warehouse URL``, else the settings' warehouse, as ``report`` reads it); ``--out PATH``;
``--from``/``--to`` (the local day a dossier was received, else its first event, in ``[FROM, TO)``);
``--unit`` (the unit and the units under or merged into it, as ``metrics --unit``); ``--as-of`` (a FILE is
judged then; default now, like ``warehouse load``, so that a file exports as a warehouse loaded from it
with the defaults does); ``--lang`` (activity names; default the ``lang`` setting, Vietnamese). A summary
goes to stderr, and with ``--json`` one object to stdout (unless the export itself goes there).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from dossier_audit.cli.app import export_app
from dossier_audit.cli.common import (
    CataloguePath,
    JsonFlag,
    Rejections,
    UsageError,
    WarehouseOption,
    catalogue_inputs,
    err,
    guarded,
    known_stored_unit,
    known_unit,
    one_source,
    platform_for,
    print_ingest,
    refuse_overwriting_inputs,
    same_file,
    warehouse_session,
)
from dossier_audit.cli.inputs import event_file
from dossier_audit.cli.instants import parse_date, parse_instant
from dossier_audit.cli.notices import warn_unfinished_loads
from dossier_audit.cli.progress import file_progress
from dossier_audit.jobs.exporter import (
    STDOUT,
    ExportRun,
    amended_rulebook,
    file_logs,
    log_format,
    output,
    qualify_shared_ids,
    warehouse_logs,
    write_log,
)
from inspections.timeunits import VN_TZ
from reporting.exports.model import ByteSink, Selection

FileArgument = Annotated[
    Path | None,
    typer.Argument(help="JSONL events file, or - for standard input (default: the warehouse)."),
]
OutOption = Annotated[
    Path, typer.Option("--out", help="File to write (.gz: compressed; - for standard output).")
]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Dossiers received (else begun) from this day (YYYY-MM-DD).")
]
ToOption = Annotated[str | None, typer.Option("--to", help="... before this day (exclusive, YYYY-MM-DD).")]
UnitOption = Annotated[
    str | None, typer.Option("--unit", help="Only this unit (and units under or merged into it).")
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="FILE only: judge the dossiers at (RFC 3339, or a date; default: now)."),
]
LangOption = Annotated[
    str | None, typer.Option("--lang", help="Activity names: vi or en (default: the lang setting, vi).")
]


@export_app.command("xes")
def export_xes(
    out: OutOption,
    file: FileArgument = None,
    warehouse: WarehouseOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    lang: LangOption = None,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """XES (IEEE 1849-2016): one trace per dossier, its verdict and violations as trace attributes."""
    _export("xes", out, file, warehouse, from_, to, unit, as_of, lang, catalogue, json_out)


@export_app.command("ocel")
def export_ocel(
    out: OutOption,
    file: FileArgument = None,
    warehouse: WarehouseOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
    lang: LangOption = None,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """OCEL 2.0 (JSON): dossier, unit, procedure and notice objects, events related to them."""
    _export("ocel", out, file, warehouse, from_, to, unit, as_of, lang, catalogue, json_out)


def _export(
    fmt: str,
    out: Path,
    file: Path | None,
    warehouse: str | None,
    from_: str | None,
    to: str | None,
    unit: str | None,
    as_of: str | None,
    lang: str | None,
    catalogue: Path | None,
    json_out: bool,
) -> None:
    rejections = Rejections()

    def go() -> ExportRun:
        one_source(file, warehouse)
        if lang is not None and lang not in ("vi", "en"):
            raise UsageError(f"--lang {lang!r}: choose vi or en")
        start, end = _period(from_, to)
        _check_out(out, file)
        refuse_overwriting_inputs({"--out": out}, catalogue_inputs(catalogue))
        if file is None:
            if as_of is not None:
                raise UsageError(
                    "--as-of applies to an events FILE: the warehouse export carries the verdicts the "
                    "warehouse holds (give --as-of to `warehouse load` to judge at another time)"
                )
            return _from_warehouse(fmt, out, warehouse, start, end, unit, lang, catalogue)
        instant = parse_instant(as_of) if as_of is not None else datetime.now(VN_TZ)
        with event_file(file) as path:
            platform = platform_for(catalogue)
            selection = Selection(start, end, platform.catalogue.unit_scope(unit))
            form = log_format(fmt, platform.catalogue, lang or platform.settings.lang)
            progress, tick = file_progress(path)
            run = ExportRun()
            with progress or nullcontext(), _writing(out) as (stream, spool):
                rendered = file_logs(platform, path, instant, selection, run, form.render,
                                     on_rejection=rejections, on_progress=tick)  # fmt: skip
                run.counts = write_log(form, stream, rendered, spool)
                # After reading: a unit the catalogue does not know may have dossiers in the file. Raised
                # inside the output's block, so that nothing is left at --out.
                known_unit(platform.catalogue, unit, run.units)
            return run

    run = guarded(go)
    if run.stats is not None:
        print_ingest(run.stats, rejections.samples)
    counts = run.counts
    where = "standard output" if str(out) == STDOUT else str(out)
    objects = "" if counts.objects is None else f" and {sum(counts.objects.values()):,} objects"
    err.print(
        f"wrote {fmt.upper()} to {where}: {counts.dossiers:,} dossiers, {counts.events:,} events{objects}",
        highlight=False,
        markup=False,
    )
    if json_out and str(out) != STDOUT:
        summary: dict[str, Any] = {"format": fmt, "out": str(out), **counts.to_json_dict()}
        if run.stats is not None:
            summary["input"] = run.stats.to_json_dict()
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")


def _from_warehouse(
    fmt: str,
    out: Path,
    url: str | None,
    start: date | None,
    end: date | None,
    unit: str | None,
    lang: str | None,
    catalogue: Path | None,
) -> ExportRun:
    platform = platform_for(catalogue)
    selection = Selection(start, end, platform.catalogue.unit_scope(unit))
    run = ExportRun()
    with warehouse_session(url or platform.settings.warehouse_url) as wh:
        known_stored_unit(wh, platform.catalogue, unit)
        warn_unfinished_loads(wh, "the events it was loading may be missing from this export")
        form = log_format(fmt, platform.catalogue, lang or platform.settings.lang)
        shared = qualify_shared_ids(form, wh)
        if shared:
            err.print(
                f"warning: the warehouse holds {len(shared)} event id(s) under more than one dossier (e.g. "
                f"{min(shared)!r}; EVENTS.md makes an id unique): their events' OCEL ids are written "
                "<event_id>#<dossier_id>; see docs/operators-guide.md, 'an event id reused by another "
                "dossier'",
                highlight=False, markup=False,
            )  # fmt: skip
        with _writing(out) as (stream, spool):
            amended = amended_rulebook(platform.auditor.rulebooks)
            logs = warehouse_logs(wh, selection, run, form.render, amended=amended)
            run.counts = write_log(form, stream, logs, spool)
    return run


def _period(from_: str | None, to: str | None) -> tuple[date | None, date | None]:
    start = parse_date(from_) if from_ is not None else None
    end = parse_date(to) if to is not None else None
    if start is not None and end is not None and end <= start:
        raise UsageError(f"--to ({to}) must be after --from ({from_})")
    return start, end


def _check_out(out: Path, file: Path | None = None) -> None:
    """Refuse an ``--out`` that cannot be written before reading anything (a typo must not cost a read of
    a province-year, nor make a directory tree), or that is the events FILE itself (the export would
    replace the history it was made from)."""
    if str(out) == STDOUT:
        return
    if file is not None and str(file) != "-" and same_file(out, file):
        raise UsageError(f"--out {out} is the events FILE: write the export to another file")
    if file is not None and str(file) == "-" and _is_standard_input(out):
        raise UsageError(f"--out {out} is the standard input the events are read from: write the export to "
                         "another file")  # fmt: skip
    if out.is_dir():
        raise UsageError(f"cannot write {out}: it is a directory")
    if not out.parent.is_dir():
        raise UsageError(f"cannot write {out}: no directory {out.parent} (create it first)")


def _is_standard_input(out: Path) -> bool:
    """Whether ``out`` is the file standard input reads (``/dev/stdin``, ``/proc/self/fd/0``, or its own
    path): opened for writing, it would replace the events being exported (review of 2026-12-04)."""
    try:
        given, read = os.stat(out), os.fstat(sys.stdin.fileno())
    except (OSError, ValueError, AttributeError):  # no such file, or no standard input to read
        return False
    return (given.st_dev, given.st_ino) == (read.st_dev, read.st_ino)


@contextmanager
def _writing(out: Path) -> Iterator[tuple[ByteSink, Path | None]]:
    """``jobs.exporter.output`` with an ``OSError`` (a full disk, no permission) as one usage error; a
    closed pipe on standard output is left to the entry point (exit 0, as for every command)."""
    try:
        with output(out) as target:
            yield target
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
