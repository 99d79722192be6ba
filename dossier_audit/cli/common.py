"""What every command shares: option types, reading files, the platform, the warehouse session, progress
and summaries, and the one place where errors become exit 2 with one line (``guarded``). What the date and
instant options accept is ``cli.instants``."""

from __future__ import annotations

import errno
import logging
import os
import signal
import stat
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bootstrap.platform import Platform
from bootstrap.settings import Settings, load_settings
from bootstrap.settings_file import SettingsError
from bootstrap.suggestions import did_you_mean
from dossier_audit.jobs.batch_engine import IngestStats, ReadFailed, WorkersFailed
from inspections.catalogue import Catalogue
from inspections.files.catalogue import CatalogueError
from inspections.files.whole_file import never_read
from schemas.validation import EarliestRejections, Rejection
from warehouse import open_warehouse
from warehouse.base import Warehouse, WarehouseError
from warehouse.queries import load_sql

if TYPE_CHECKING:  # the load's modules (Arrow) are not every command's
    from dossier_audit.jobs.load_result import LoadResult

#: Human output. Off a terminal (pipes, logs, CI) lines are never wrapped: a wrapped message splits file
#: paths and breaks whoever reads it (a fresh clone in a long temporary path once failed on exactly that).
err = Console(stderr=True, soft_wrap=not sys.stderr.isatty())


CataloguePath = Annotated[
    Path | None, typer.Option("--catalogue", help="Catalogue YAML (default: the bundled sample province).")
]


JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def _a_url(value: str | None) -> str | None:
    """An empty ``--warehouse ""`` is refused: it fell back to the settings' warehouse without a word (a
    variable that expanded to nothing loaded into the work directory's: CLI review)."""
    if value is not None and not value.strip():
        raise typer.BadParameter("empty; give chdb:///dir or clickhouse://…, or leave it out (the settings')")
    return value


WarehouseOption = Annotated[
    str | None,
    typer.Option(
        "--warehouse", help="chdb:///dir or clickhouse://user:password@host:9000/database", callback=_a_url
    ),
]


BootstrapOption = Annotated[
    str | None,
    typer.Option(
        "--bootstrap-servers",
        help="Kafka bootstrap servers HOST:PORT[,HOST:PORT] (default: DOSSIER_AUDIT_BOOTSTRAP_SERVERS).",
    ),
]


class UsageError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` and return the exit to raise. The message is text, never markup: it quotes
    user input (a path, a date), and ``[/]`` in it must neither vanish nor crash the renderer."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def stream_failure(exc: BaseException, message: str | None = None) -> typer.Exit:
    """A Kafka failure as one ``error:`` line (``message``, else the error's): exit 2 when no server
    answered before anything was read or sent (``streams.kafka.Unreachable``), as for any unreachable
    server, else 1 (a failure half-way)."""
    from streams.kafka import Unreachable  # no kafka-python: the module imports it on use

    return fail(str(exc) if message is None else message, 2 if isinstance(exc, Unreachable) else 1)


def guarded(fn: Any) -> Any:
    """Run ``fn``; every error the user can cause becomes one ``error:`` line and exit 2 (the one place)."""
    try:
        return fn()
    except (UsageError, WarehouseError, SettingsError, CatalogueError, ReadFailed) as exc:
        raise fail(str(exc)) from None
    except WorkersFailed as exc:  # not the user's doing (exit 1), but no traceback either
        raise fail(str(exc), code=1) from None


def known_unit(catalogue: Catalogue, unit: str | None, data: Iterable[str] = ()) -> str | None:
    """``unit`` when the catalogue knows it, or the data holds it (``data``: the unit codes of the dossiers
    read; a code the catalogue does not know "stays itself", and its dossiers have figures), or no unit is
    given; else a ``UsageError`` with the closest codes of both. A unit in neither filters everything out,
    so it would print all-zero figures that look real."""
    if unit is None or unit in catalogue.units:
        return unit
    codes = set(data)
    if unit in codes:
        return unit
    hint = did_you_mean(unit, {*catalogue.units, *codes})
    raise UsageError(f"--unit {unit!r} is not a unit of the catalogue nor of the data{hint}")


def known_stored_unit(wh: Warehouse, catalogue: Catalogue, unit: str | None) -> str | None:
    """:func:`known_unit` for a warehouse: a unit the catalogue does not know is looked for among the
    stored dossiers' unit codes (a bound query), and all of them are read only to suggest close ones."""
    if unit is None or unit in catalogue.units:
        return unit
    if wh.query(load_sql("stored_units"), {"all_units": 0, "unit": unit}):
        return unit
    stored = wh.query(load_sql("stored_units"), {"all_units": 1, "unit": ""})
    return known_unit(catalogue, unit, (str(row[0]) for row in stored))


def readable(path: Path) -> Path:
    if str(path) == "-":
        raise UsageError("this file cannot be read from standard input; pass a file path")
    if not path.exists():
        raise UsageError(f"cannot read {path}: no such file")
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    # A directory, or a device (/dev/zero was read until the kernel killed the process): never read. A pipe
    # (<(cat f), /dev/stdin) or a FIFO is read as a file is, up to the same bound (whole_file).
    why = never_read(mode)
    if why is not None:
        raise UsageError(f"cannot read {path}: {why}")
    if not stat.S_ISREG(mode):
        # Not opened here: a FIFO's opening waits for a writer, and one opened and closed may lose what it
        # wrote before the command opens it again to read.
        if not os.access(path, os.R_OK):
            raise UsageError(f"cannot read {path}: {os.strerror(errno.EACCES)}")
        return path
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return path


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same path once resolved, or links to one existing file (an
    output that would replace a command's input: ``simulate --truth``, ``export --out``)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return a.samefile(b)
    except OSError:  # one of them does not exist yet: two paths that resolve apart are two files
        return False


def refuse_overwriting_inputs(outputs: dict[str, Path | None], inputs: dict[str, Path | None]) -> None:
    """One line (exit 2) when an output option (``{"--out": path}``) names a file the command reads
    (``{"--units": path}``), before anything is read or written: the output would replace it (review:
    ``catalogue import-national X --out X`` replaced the national list with YAML, ``import dvcqg
    --rejected units.yaml --units units.yaml`` emptied the unit map, ``export --out F --catalogue F``
    wrote XML over the catalogue). ``-`` (a standard stream) names no file."""
    for out_option, out in outputs.items():
        if out is None or str(out) == "-":
            continue
        for in_option, given in inputs.items():
            if given is not None and str(given) != "-" and same_file(out, given):
                raise UsageError(
                    f"{out_option} {out} is the {in_option} file this command reads: writing it would "
                    f"replace it; give {out_option} another file"
                )


def catalogue_inputs(catalogue: Path | None) -> dict[str, Path | None]:
    """The catalogue and calendar files a command reads, by how they were given: ``--catalogue``, else the
    settings' (``DOSSIER_AUDIT_CATALOGUE``), and the calendar override, for :func:`refuse_overwriting_inputs`
    (review: a catalogue from the settings was written over)."""
    settings = load_settings()
    given = (
        {"--catalogue": catalogue}
        if catalogue is not None
        else {"DOSSIER_AUDIT_CATALOGUE": settings.catalogue}
    )
    return {**given, "DOSSIER_AUDIT_CALENDAR_OVERRIDE": settings.calendar_override}


def need_file(file: Path | None) -> Path:
    if file is None:
        raise UsageError("give an events FILE, or --warehouse URL (or set DOSSIER_AUDIT_WAREHOUSE)")
    return file


def one_source(file: Path | None, warehouse: str | None) -> str | None:
    """A command that reads an events FILE or a warehouse reads one: given both, ``audit`` and ``metrics``
    read the warehouse and left the file unread, exit 0 (review of 2026-12-04). Returns the warehouse to
    read: ``--warehouse``, or without a FILE the configured one (``DOSSIER_AUDIT_WAREHOUSE``, where a
    deployment keeps its password off the command line: it was ignored, review of 2026-12-06)."""
    if file is not None and warehouse is not None:
        raise UsageError("give an events FILE or --warehouse URL, not both")
    if file is None and warehouse is None:
        return load_settings().warehouse
    return warehouse


def platform_for(catalogue: Path | None = None) -> Platform:
    """The platform of the settings, its catalogue (and calendar override, if one is set) loaded now: a bad
    file fails here with one line, not later, mid-command, with a traceback."""
    settings: Settings = load_settings(catalogue=catalogue)
    platform = Platform(settings)
    try:
        _ = platform.catalogue
    except CatalogueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot read catalogue {settings.catalogue}: {exc.strerror}") from None
    if platform.catalogue.meta.incomplete:  # the national list imported as it is (review of 2026-12-06)
        err.print(
            f"[bold yellow]warning:[/] the catalogue {escape(str(settings.catalogue))} says it is incomplete "
            "(meta incomplete: true): without processing times, components and publications its verdicts "
            "of lateness, documents and publication are not to be relied on; complete it "
            "(`dossier-audit catalogue check` says what it lacks)",
            highlight=False,
        )
    override = settings.calendar_override
    if override is not None:
        try:
            _ = platform.calendar
        except OSError as exc:
            raise UsageError(f"cannot read calendar override {override}: {exc.strerror}") from None
        except (ValueError, RecursionError) as exc:  # CalendarDataError, YAML, a day like 2025-02-30
            problem = " ".join(str(exc).split()) or type(exc).__name__
            if not problem.startswith(f"{override}: "):  # the loader's messages name the file already
                problem = f"{override}: {problem}"
            raise UsageError(f"calendar override {problem}") from None
    return platform


@contextmanager
def warehouse_session(url: str | None, *, create: bool = False, current_schema: bool = True) -> Iterator[Any]:
    """The warehouse at ``url`` (``None``: the settings', ``DOSSIER_AUDIT_WAREHOUSE`` or the settings file,
    else the embedded one under the workdir, as the console's); ``create`` makes its database when missing
    (init and load only: report commands may run as a read-only user). Required on the command line, the
    URL with its password could not be kept out of ``ps`` as the README asks (review). A reading session
    refuses a schema this release's migrations are not all applied to, unless ``current_schema`` is false
    (``warehouse status``: it reports them)."""

    target = url or load_settings().warehouse_url
    with open_warehouse(target, create_database=create, current_schema=current_schema) as wh:
        yield wh


def stored_events(result: LoadResult) -> str:
    """What a load stored, said so that a load of events the warehouse holds already does not read as new
    ones: a reload "stored 22 events" (review of 2026-12-04), each stored again, unchanged. The events it
    did not store because the warehouse holds them under other pseudonyms are said too: without them the
    counts did not add up to the valid events (153 of 982 were neither stored nor rejected: review)."""
    written, of_stored_dossiers = result.events_written, result.events_of_stored_dossiers
    kept_as_stored = result.events_kept_as_stored
    said = f"stored {written:,} events"
    if of_stored_dossiers:
        said += (
            f" ({of_stored_dossiers:,} of them in dossiers the warehouse already held: an event it held is "
            "written again, unchanged; the others are new)"
        )
    if kept_as_stored:
        said += (
            f", kept {kept_as_stored:,} as stored (the warehouse holds the same events written otherwise: "
            "under other pseudonyms, this load having another key, or with times in another UTC offset)"
        )
    return said


class Rejections(EarliestRejections):
    """Collects the rejected lines a command's summary shows precisely: the earliest ten, in line order."""


def print_rejected(counts: Counter[str]) -> None:
    table = Table(title="Rejected lines by reason", title_justify="left")
    table.add_column("reason")
    table.add_column("lines", justify="right")
    for code, count in counts.most_common():
        table.add_row(escape(code), f"{count:,}")
    err.print(table)


#: What the summary of a command that shows only some rejected lines says of the others.
MORE_REJECTED = "`validate FILE --show-rejected N` lists the first N"


def print_ingest(stats: IngestStats, samples: Sequence[Rejection], more: str = MORE_REJECTED) -> None:
    """The counts of a file's lines, then its rejected lines by reason and ``samples`` of them, one per
    line, and how many more there are (``more``: where to find them): the first ten were all a file of 34
    rejected lines showed, no word of the others (CLI review)."""
    err.print(
        f"lines {stats.lines:,} · valid {stats.valid:,} · duplicates {stats.duplicates:,} · "
        f"rejected {stats.rejected_total:,} · dossiers {stats.dossiers:,}",
        highlight=False,
    )
    if stats.rejected:
        print_rejected(stats.rejected)
        for r in samples:
            err.print(
                f"  line {r.line_no}: [yellow]{escape(r.code)}[/] — {escape(r.message)}",
                highlight=False,
                soft_wrap=True,
            )
        if stats.rejected_total > len(samples):
            err.print(
                f"  … and {stats.rejected_total - len(samples):,} more rejected lines ({more})",
                highlight=False,
                markup=False,
            )


class _OneLineRecords(logging.Filter):
    """Drops the traceback from a log record, keeping its one line (see :func:`quiet_driver_logs`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def quiet_driver_logs() -> None:
    """No traceback from clickhouse-driver's logger on stderr.

    The driver logs a warning *with its traceback* for every failed connection attempt (six before our
    one-line "cannot connect" for an unreachable server) and for an unknown compression method. A
    handler on its logger strips the traceback from each record before the record propagates; and being
    a handler it keeps Python's last-resort handler, which would print record and traceback, quiet in
    the commands that configure no logging. The workers go further (``streams.observability.
    configure_logging`` raises the driver's logger to ERROR): each failure it warns of reaches them as a
    ``WarehouseError`` they log on one line, so a worker logs exactly one line per retry
    (``tests/streams/test_sink_outage_polling.py``). Idempotent.
    """
    driver = logging.getLogger("clickhouse_driver")
    if not any(isinstance(f, _OneLineRecords) for h in driver.handlers for f in h.filters):
        handler = logging.NullHandler()
        handler.addFilter(_OneLineRecords())
        driver.addHandler(handler)


class StopOnSignal:
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
