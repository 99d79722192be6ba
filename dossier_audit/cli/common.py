"""What every command shares: option types, parsing of dates and instants, reading files, the
platform, the warehouse session, progress and summaries, and the one place where errors become exit 2
with one line (``guarded``)."""

from __future__ import annotations

import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from bootstrap.platform import Platform
from bootstrap.settings import Settings, load_settings
from dossier_audit.jobs.batch_engine import IngestStats
from inspections.audit_error import reported_rules
from inspections.files.catalogue import CatalogueError
from inspections.timeunits import VN_TZ
from schemas.validation import Rejection
from warehouse import open_warehouse
from warehouse.base import WarehouseError

#: Human output. Off a terminal (pipes, logs, CI) lines are never wrapped: a wrapped message splits file
#: paths and breaks whoever reads it (a fresh clone in a long temporary path once failed on exactly that).
err = Console(stderr=True, soft_wrap=not sys.stderr.isatty())


CataloguePath = Annotated[
    Path | None, typer.Option("--catalogue", help="Catalogue YAML (default: the bundled sample province).")
]


JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


WarehouseOption = Annotated[
    str | None,
    typer.Option("--warehouse", help="chdb:///dir or clickhouse://user:password@host:9000/database"),
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
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def guarded(fn: Any) -> Any:

    try:
        return fn()
    except (UsageError, WarehouseError) as exc:
        raise fail(str(exc)) from None


def parse_instant(text: str) -> datetime:
    """An RFC 3339 instant with offset, or a date meaning 00:00 of that day in Asia/Ho_Chi_Minh."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=VN_TZ)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a date (YYYY-MM-DD) or an RFC 3339 timestamp") from None
    if value.tzinfo is None:
        raise UsageError(f"{text!r} has no UTC offset; write e.g. {text}+07:00")
    return value


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def readable(path: Path) -> Path:
    if str(path) == "-":
        raise UsageError("reading events from standard input is not supported here; pass a file path")
    if not path.exists():
        raise UsageError(f"cannot read {path}: no such file")
    if path.is_dir():
        raise UsageError(f"cannot read {path}: it is a directory")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return path


def need_file(file: Path | None) -> Path:
    if file is None:
        raise UsageError("give an events FILE, or --warehouse URL")
    return file


def platform_for(catalogue: Path | None = None) -> Platform:
    settings: Settings = load_settings(catalogue=catalogue)
    platform = Platform(settings)
    try:
        _ = platform.catalogue
    except CatalogueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot read catalogue {settings.catalogue}: {exc.strerror}") from None
    return platform


@contextmanager
def warehouse_session(url: str, *, create: bool = False) -> Iterator[Any]:
    """The warehouse at ``url``; ``create`` makes its database when missing (init and load only: report
    commands may run as a read-only user)."""

    with open_warehouse(url, create_database=create) as wh:
        yield wh


class Rejections:
    """Collects rejection reasons for the summary; prints the first few lines precisely."""

    def __init__(self, show: int = 10) -> None:
        self.show = show
        self.samples: list[Rejection] = []

    def __call__(self, rejection: Rejection) -> None:
        if len(self.samples) < self.show:
            self.samples.append(rejection)


def file_progress(path: Path) -> tuple[Progress | None, Any]:
    size = path.stat().st_size
    if not err.is_terminal or size < 8 * 1024 * 1024:
        return None, None
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    task = progress.add_task(path.name, total=size)
    return progress, lambda pos: progress.update(task, completed=pos)


def print_rejected(counts: Counter[str]) -> None:
    table = Table(title="Rejected lines by reason", title_justify="left")
    table.add_column("reason")
    table.add_column("lines", justify="right")
    for code, count in counts.most_common():
        table.add_row(code, f"{count:,}")
    err.print(table)


def print_ingest(stats: IngestStats, rejections: Rejections) -> None:
    err.print(
        f"lines {stats.lines:,} · valid {stats.valid:,} · duplicates {stats.duplicates:,} · "
        f"rejected {stats.rejected_total:,} · dossiers {stats.dossiers:,}",
        highlight=False,
    )
    if stats.rejected:
        print_rejected(stats.rejected)
        for r in rejections.samples:
            err.print(
                f"  line {r.line_no}: [yellow]{r.code}[/] — {r.message}", highlight=False, soft_wrap=True
            )


def print_violation_summary(counts: Counter[str]) -> None:
    table = Table(title="Violations by rule", title_justify="left")
    for col, justify in (("rule", "left"), ("title", "left"), ("severity", "left"), ("count", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for rule in reported_rules():
        n = counts.get(rule.rule_id, 0)
        if n:
            table.add_row(rule.rule_id, rule.title_vi, rule.severity.value, f"{n:,}")
    table.add_row("total", "", "", f"{sum(counts.values()):,}", style="bold")
    err.print(table)


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
