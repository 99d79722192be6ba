"""The ``dossier-audit`` command line.

Machine output (``--json``) goes to stdout; human summaries, progress and errors go to stderr. Bad input
never produces a traceback: unreadable files and bad arguments exit 2 with one clear line, and broken
event lines are counted and reported while the valid rest is processed.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from dossier_audit.assembly import Platform
from dossier_audit.batch import IngestStats
from dossier_audit.config import Settings, load_settings
from inspections.catalogue_io import CatalogueError
from inspections.rulebook import RULEBOOK_V1
from inspections.timeunits import VN_TZ
from schemas.validation import Rejection

app = typer.Typer(
    name="dossier-audit",
    help="Audit how one-stop departments handle administrative-procedure dossiers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
catalogue_app = typer.Typer(help="Catalogue files: check, import the national list.", no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")

err = Console(stderr=True)

CataloguePath = Annotated[
    Path | None, typer.Option("--catalogue", help="Catalogue YAML (default: the bundled sample province).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
WarehouseOption = Annotated[
    str | None,
    typer.Option("--warehouse", help="chdb:///dir or clickhouse://user:password@host:9000/database"),
]
warehouse_app = typer.Typer(help="The ClickHouse warehouse: init, load, status.", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")


@app.callback()
def _global_options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (DOSSIER_AUDIT_<NAME>=value lines); environment variables win over it.",
        ),
    ] = None,
) -> None:
    """Audit how one-stop departments handle administrative-procedure dossiers."""
    if config is not None:
        if not config.is_file():
            raise _fail(f"cannot read settings file {config}: no such file")
        import os

        from dossier_audit.config import CONFIG_FILE_VARIABLE

        # Through the environment so that child workers (the main job's detector) read it too.
        os.environ[CONFIG_FILE_VARIABLE] = str(config.resolve())


class UsageError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


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


def _readable(path: Path) -> Path:
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


def _platform(catalogue: Path | None = None) -> Platform:
    settings: Settings = load_settings(catalogue=catalogue)
    platform = Platform(settings)
    try:
        _ = platform.catalogue
    except CatalogueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot read catalogue {settings.catalogue}: {exc.strerror}") from None
    return platform


class _Rejections:
    """Collects rejection reasons for the summary; prints the first few lines precisely."""

    def __init__(self, show: int = 10) -> None:
        self.show = show
        self.samples: list[Rejection] = []

    def __call__(self, rejection: Rejection) -> None:
        if len(self.samples) < self.show:
            self.samples.append(rejection)


def _progress(path: Path) -> tuple[Progress | None, Any]:
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


def _print_rejected(counts: Counter[str]) -> None:
    table = Table(title="Rejected lines by reason", title_justify="left")
    table.add_column("reason")
    table.add_column("lines", justify="right")
    for code, count in counts.most_common():
        table.add_row(code, f"{count:,}")
    err.print(table)


def _print_ingest(stats: IngestStats, rejections: _Rejections) -> None:
    err.print(
        f"lines {stats.lines:,} · valid {stats.valid:,} · duplicates {stats.duplicates:,} · "
        f"rejected {stats.rejected_total:,} · dossiers {stats.dossiers:,}",
        highlight=False,
    )
    if stats.rejected:
        _print_rejected(stats.rejected)
        for r in rejections.samples:
            err.print(
                f"  line {r.line_no}: [yellow]{r.code}[/] — {r.message}", highlight=False, soft_wrap=True
            )


def _run(fn: Any) -> Any:
    from warehouse.base import WarehouseError

    try:
        return fn()
    except (UsageError, WarehouseError) as exc:
        raise _fail(str(exc)) from None


@contextmanager
def _open(url: str, *, create: bool = False) -> Iterator[Any]:
    """The warehouse at ``url``; ``create`` makes its database when missing (init and load only: report
    commands may run as a read-only user)."""
    from warehouse.base import open_warehouse

    with open_warehouse(url, create_database=create) as wh:
        yield wh


# -- commands -----------------------------------------------------------------------------------------
@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="JSONL events file.")],
    json_out: JsonFlag = False,
) -> None:
    """Count valid, duplicate and rejected events with reasons; exit 1 when any line is rejected."""
    from dossier_audit.jobs import validate_file

    def go() -> tuple[IngestStats, _Rejections]:
        path = _readable(file)
        platform = _platform()
        rejections = _Rejections()
        progress, tick = _progress(path)
        with progress or _null():
            return validate_file(platform, path, on_rejection=rejections, on_progress=tick), rejections

    stats, rejections = _run(go)
    if json_out:
        sys.stdout.write(orjson.dumps(stats.to_json_dict()).decode() + "\n")
    _print_ingest(stats, rejections)
    raise typer.Exit(1 if stats.rejected_total else 0)


@app.command()
def audit(
    as_of: Annotated[
        str, typer.Option("--as-of", help="Evaluation time (RFC 3339, or a date = 00:00 local).")
    ],
    file: Annotated[Path | None, typer.Argument(help="JSONL events file (or --warehouse).")] = None,
    warehouse: WarehouseOption = None,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """Audit every dossier at AS_OF: violations as JSON lines on stdout, a summary on stderr."""
    from dossier_audit.jobs import audit_file

    if warehouse is not None:
        _audit_warehouse(warehouse, as_of, catalogue, json_out)
        return

    def go() -> tuple[Counter[str], IngestStats, _Rejections]:
        instant = parse_instant(as_of)
        path = _readable(_need_file(file))
        platform = _platform(catalogue)
        rejections = _Rejections()
        progress, tick = _progress(path)
        counts: Counter[str] = Counter()
        out = sys.stdout.buffer
        with progress or _null():
            run = audit_file(platform, path, instant, on_rejection=rejections, on_progress=tick)
            for violation in run.violations:
                counts[violation["rule_id"]] += 1
                if json_out:
                    out.write(orjson.dumps(violation))
                    out.write(b"\n")
        out.flush()
        return counts, run.stats, rejections

    counts, stats, rejections = _run(go)
    _print_ingest(stats, rejections)
    _print_violation_summary(counts)


def _need_file(file: Path | None) -> Path:
    if file is None:
        raise UsageError("give an events FILE, or --warehouse URL")
    return file


def _audit_warehouse(url: str, as_of: str, catalogue: Path | None, json_out: bool) -> None:
    from dossier_audit.warehouse_jobs import audit_warehouse

    def go() -> Counter[str]:
        instant = parse_instant(as_of)
        platform = _platform(catalogue)
        counts: Counter[str] = Counter()
        out = sys.stdout.buffer
        with _open(url) as wh:
            for violation in audit_warehouse(platform, wh, instant):
                counts[violation["rule_id"]] += 1
                if json_out:
                    out.write(orjson.dumps(violation))
                    out.write(b"\n")
        out.flush()
        return counts

    _print_violation_summary(_run(go))


def _print_violation_summary(counts: Counter[str]) -> None:
    book = RULEBOOK_V1
    table = Table(title="Violations by rule", title_justify="left")
    for col, justify in (("rule", "left"), ("title", "left"), ("severity", "left"), ("count", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for rule in (*book.rules, *book.findings):
        n = counts.get(rule.rule_id, 0)
        if n:
            table.add_row(rule.rule_id, rule.title_vi, rule.severity.value, f"{n:,}")
    table.add_row("total", "", "", f"{sum(counts.values()):,}", style="bold")
    err.print(table)


@app.command()
def metrics(
    from_: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Day after the period (exclusive, YYYY-MM-DD).")],
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only this unit (and units under or merged into it).")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Also one form per unit, field or procedure.")
    ] = None,
    file: Annotated[Path | None, typer.Argument(help="JSONL events file (or --warehouse).")] = None,
    warehouse: WarehouseOption = None,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """The national reporting-form figures and indicator 2.1 for [FROM, TO).

    With --json, one object (the figures); with --by, the figures also carry "groups": one object per
    unit, field or procedure.
    """
    from dossier_audit.jobs import GROUPINGS, metrics_file

    if warehouse is not None:
        _metrics_warehouse(warehouse, from_, to, unit, catalogue, json_out)
        return

    def go() -> Any:
        start, end = parse_date(from_), parse_date(to)
        if end <= start:
            raise UsageError(f"--to ({to}) must be after --from ({from_})")
        if by is not None and by not in GROUPINGS:
            raise UsageError(f"--by {by!r}: choose one of {', '.join(GROUPINGS)}")
        path = _readable(_need_file(file))
        platform = _platform(catalogue)
        rejections = _Rejections()
        progress, tick = _progress(path)
        with progress or _null():
            form, groups, stats = metrics_file(
                platform, path, start, end, unit=unit, by=by, on_rejection=rejections, on_progress=tick
            )
        return form, groups, stats, rejections

    form, groups, stats, rejections = _run(go)
    figures = form.to_json_dict()
    if by is not None:
        figures["groups"] = {"by": by, "forms": {k: f.to_json_dict() for k, f in groups.items()}}
    if json_out:
        sys.stdout.write(orjson.dumps(figures).decode() + "\n")
    _print_ingest(stats, rejections)
    _print_form(figures, unit)


def _metrics_warehouse(
    url: str, from_: str, to: str, unit: str | None, catalogue: Path | None, json_out: bool
) -> None:
    from dossier_audit.warehouse_jobs import metrics_warehouse

    def go() -> dict[str, Any]:
        start, end = parse_date(from_), parse_date(to)
        if end <= start:
            raise UsageError(f"--to ({to}) must be after --from ({from_})")
        platform = _platform(catalogue)
        with _open(url) as wh:
            return metrics_warehouse(platform, wh, start, end, unit=unit).to_json_dict()

    figures = _run(go)
    if json_out:
        sys.stdout.write(orjson.dumps(figures).decode() + "\n")
    _print_form(figures, unit)


def _print_form(f: dict[str, Any], unit: str | None) -> None:
    title = f"Reporting form {f['period']['from']} → {f['period']['to']}" + (
        f" · unit {unit}" if unit else ""
    )
    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for group in ("received", "resolved", "in_progress"):
        for key, value in f[group].items():
            table.add_row(f"{group}.{key}", f"{value:,}")
    rate = f["on_time_rate"]
    table.add_row("on_time_rate", "—" if rate is None else f"{rate:.2%}")
    points = f["progress_points_766"]
    table.add_row("progress_points_766", "—" if points is None else f"{points:.2f} / 20")
    err.print(table)


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="Events JSONL to write.")] = Path("events.jsonl"),
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Ground-truth JSONL (default: <out>.truth.jsonl).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed → same file).")] = 7,
    dossiers: Annotated[int, typer.Option(help="Number of dossiers.")] = 20_000,
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD); default 2025-06-09.")] = None,
    weeks: Annotated[int, typer.Option(help="Number of weeks from --start.")] = 12,
    rate: Annotated[float | None, typer.Option(help="Injection rate for every rule (default 0.02).")] = None,
    rule_rate: Annotated[
        list[str] | None, typer.Option("--rule-rate", help="RULE_ID=RATE for one rule; repeatable.")
    ] = None,
    calibrate: Annotated[str | None, typer.Option(help="Calibration preset, e.g. ward-2023.")] = None,
) -> None:
    """Write a realistic simulated province (contract-valid JSONL) and its ground truth."""
    from datetime import timedelta

    from dossier_audit.simulator import SimulationConfig, default_violation_rates
    from dossier_audit.simulator import simulate as run_simulation

    def go() -> Any:
        kwargs: dict[str, Any] = {"seed": seed, "dossiers": dossiers}
        if start is not None:
            first = parse_date(start)
            kwargs |= {"start": first, "end": first + timedelta(weeks=weeks)}
        rates = dict(default_violation_rates(0.02 if rate is None else rate))
        for item in rule_rate or []:
            rule_id, sep, value = item.partition("=")
            try:
                if not sep:
                    raise ValueError
                rates[rule_id.strip()] = float(value)
            except ValueError:
                raise UsageError(
                    f"--rule-rate {item!r}: write RULE_ID=RATE, e.g. LATE_NO_APOLOGY=0.05"
                ) from None
        kwargs["violation_rates"] = rates
        if calibrate is not None:
            kwargs["calibrate"] = calibrate
        try:
            config = SimulationConfig(**kwargs)
        except (ValueError, TypeError) as exc:
            raise UsageError(str(exc)) from None
        truth_path = truth or out.with_suffix(".truth.jsonl")
        try:
            for target in (out, truth_path):
                target.parent.mkdir(parents=True, exist_ok=True)
            return run_simulation(config, out, truth_path), truth_path
        except OSError as exc:
            raise UsageError(f"cannot write {exc.filename}: {exc.strerror}") from None

    summary, truth_path = _run(go)
    err.print(f"wrote {out} and {truth_path}: {summary}", highlight=False)


@catalogue_app.command("check")
def catalogue_check(path: Annotated[Path, typer.Argument(help="Catalogue YAML.")]) -> None:
    """Validate a catalogue file; every problem is reported with its line and column."""
    from inspections.catalogue_io import load_catalogue

    def go() -> Any:
        _readable(path)
        try:
            return load_catalogue(path)
        except CatalogueError as exc:
            raise UsageError(str(exc)) from None

    cat = _run(go)
    err.print(
        f"{path}: ok — {len(cat.procedures)} procedures, {len(cat.units)} units, {len(cat.fields)} fields"
    )


@catalogue_app.command("import-national")
def catalogue_import(
    procedures: Annotated[Path, typer.Argument(help="national_procedures.json")],
    out: Annotated[Path, typer.Option("--out", help="Catalogue YAML to write.")],
    fields: Annotated[Path | None, typer.Option("--fields", help="national_fields.json")] = None,
) -> None:
    """Import the national portal's procedure list (real codes and names) as a catalogue file."""
    from inspections.catalogue_io import dump_catalogue
    from inspections.national import import_national

    def go() -> Any:
        _readable(procedures)
        if fields is not None:
            _readable(fields)
        try:
            return import_national(procedures, fields)
        except (ValueError, KeyError) as exc:
            raise UsageError(f"cannot import {procedures}: {exc}") from None

    cat = _run(go)
    out.write_text(dump_catalogue(cat), encoding="utf-8")
    err.print(f"wrote {out}: {len(cat.procedures)} procedures")


@app.command()
def run(
    workdir: Annotated[
        Path | None,
        typer.Option(
            help="Working directory: sample data, the chdb warehouse, logs (default .dossier-audit)."
        ),
    ] = None,
    events: Annotated[
        Path | None, typer.Option("--events", help="Your own events JSONL instead of the sample.")
    ] = None,
    catalogue: CataloguePath = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Evaluation time (default: end of the sample, or now).")
    ] = None,
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Where reports go (default ./reports).")
    ] = None,
    bootstrap_servers: Annotated[
        str | None,
        typer.Option("--bootstrap-servers", help="Use this Kafka instead of starting the embedded broker."),
    ] = None,
) -> None:
    """The main job: the bundled sample province (or your events) through Kafka, the detector, the
    warehouse and Dagster into reports under ./reports/, with a summary."""
    from dossier_audit.mainjob import MainJobError, main_job

    def go() -> Any:
        settings = load_settings(
            workdir=workdir, catalogue=catalogue, reports_dir=reports, bootstrap_servers=bootstrap_servers
        )
        _platform(catalogue)  # a bad catalogue fails here with one clear line
        instant = parse_instant(as_of) if as_of else None
        path = _readable(events) if events is not None else None
        try:
            return main_job(settings, events=path, as_of=instant, console=err)
        except MainJobError as exc:  # a stage failed (not a usage error): exit 1
            raise _fail(str(exc), 1) from None

    _run(go)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:  # e.g. `dossier-audit audit ... --json | head`
        sys.stderr.close()
        sys.exit(0)


# -- warehouse ------------------------------------------------------------------------------------------
@warehouse_app.command("init")
def warehouse_init(
    warehouse: Annotated[str, typer.Option("--warehouse", help="Warehouse URL.")],
    catalogue: CataloguePath = None,
) -> None:
    """Create or upgrade the schema (idempotent) and store the catalogue and calendar."""
    from dossier_audit.warehouse_jobs import init

    def go() -> dict[str, Any]:
        platform = _platform(catalogue)
        with _open(warehouse, create=True) as wh:
            return init(platform, wh)

    result = _run(go)
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    applied = ", ".join(result["migrations_applied"]) or "none (up to date)"
    err.print(f"schema version {result['schema_version']}; migrations applied: {applied}", highlight=False)


@warehouse_app.command("load")
def warehouse_load(
    file: Annotated[Path, typer.Argument(help="JSONL events file.")],
    warehouse: Annotated[str, typer.Option("--warehouse", help="Warehouse URL.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Evaluate the rulebook at (default: now).")
    ] = None,
    catalogue: CataloguePath = None,
) -> None:
    """Validate FILE, store valid and rejected events, fold its dossiers and evaluate the rulebook."""
    from datetime import datetime as _dt

    from dossier_audit.warehouse_jobs import load_file

    def go() -> Any:
        instant = parse_instant(as_of) if as_of else _dt.now(VN_TZ)
        path = _readable(file)
        platform = _platform(catalogue)
        progress, tick = _progress(path)
        with progress or _null(), _open(warehouse, create=True) as wh:
            return load_file(platform, wh, path, instant, on_progress=tick)

    result = _run(go)
    sys.stdout.write(orjson.dumps(result.to_json_dict()).decode() + "\n")
    rejections = _Rejections()
    rejections.samples = result.rejections
    _print_ingest(result.stats, rejections)
    err.print(
        f"stored {result.events_written:,} events and {result.rejected_written:,} rejected lines; folded "
        f"{result.dossiers_folded:,} dossiers: {result.violations_open:,} open violations, "
        f"{result.violations_retracted:,} retracted ({result.seconds:.1f} s)",
        highlight=False,
    )


@warehouse_app.command("status")
def warehouse_status(warehouse: Annotated[str, typer.Option("--warehouse", help="Warehouse URL.")]) -> None:
    """Counts, the newest event time and the schema version."""
    from dossier_audit.warehouse_jobs import status

    def go() -> dict[str, Any]:
        with _open(warehouse) as wh:
            return status(wh)

    result = _run(go)
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    for key, value in result.items():
        err.print(f"{key:>16}: {value}", highlight=False)


# Commands of other concerns live in their own modules; importing them registers them on ``app``.
from dossier_audit import cli_detect, cli_quality, cli_reports, cli_streams  # noqa: E402, F401
