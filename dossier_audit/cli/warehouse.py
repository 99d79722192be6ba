"""``dossier-audit warehouse``: init, load, status."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TimeRemainingColumn
from rich.table import Column
from rich.text import Text

from bootstrap.platform import Platform
from dossier_audit.cli.app import warehouse_app
from dossier_audit.cli.common import (
    CataloguePath,
    JsonFlag,
    UsageError,
    WarehouseOption,
    err,
    guarded,
    platform_for,
    print_ingest,
    stored_events,
    warehouse_session,
)
from dossier_audit.cli.inputs import event_file, source_of
from dossier_audit.cli.instants import parse_instant
from dossier_audit.cli.notices import say_adopted, warn_before_every_event, warn_one_off_key
from dossier_audit.cli.progress import BAR_WIDTH, PROGRESS_BYTES, description_column, progress_name
from dossier_audit.interrupts import told
from dossier_audit.jobs.load_result import LoadProgress
from dossier_audit.jobs.load_start import LoadBusy, SupersedeRefused
from dossier_audit.jobs.warehouse import init, load_file
from inspections.timeunits import VN_TZ
from warehouse.base import init_command
from warehouse.load_runs import remedy
from warehouse.status import FLAT_KEYS, status_report


@warehouse_app.command("init")
def warehouse_init(
    warehouse: WarehouseOption = None,
    catalogue: CataloguePath = None,
    new_pseudonym_key: Annotated[
        bool,
        typer.Option(
            "--new-pseudonym-key",
            help="The configured DOSSIER_AUDIT_PSEUDONYM_KEY replaces the warehouse's on purpose (it "
            "leaked): applicants stored before keep their pseudonyms, later ones get new ones, and commands "
            "under the old key are refused from now on (docs/operators-guide.md, 'Backing up and "
            "restoring').",
        ),
    ] = False,
) -> None:
    """Create or upgrade the schema (idempotent), store the catalogue and calendar, and record the
    pseudonymisation key's fingerprint (refused under another key than the warehouse's)."""

    sample: list[str | None] = []

    def go() -> dict[str, Any]:
        platform = platform_for(catalogue)
        sample.append(_sample(platform))
        with warehouse_session(warehouse, create=True) as wh:
            return init(platform, wh, new_pseudonym_key=new_pseudonym_key, on_key_adopted=say_adopted)

    result = guarded(go)
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    applied = ", ".join(result["migrations_applied"]) or "none (up to date)"
    err.print(f"schema version {result['schema_version']}; migrations applied: {applied}", highlight=False)
    if sample[0]:  # a setting lost in an upgrade (it moved from .env to settings.env) went by unsaid (review)
        # Stored now, or already the newest snapshot (init stores one only when it changed: diff review).
        said = "stored" if result["catalogue_snapshot_stored"] is not None else "the warehouse's catalogue is"
        err.print(
            f"[bold yellow]warning:[/] {said} {sample[0]}: the detectors and reports judge a real "
            "province's dossiers against it; give the province's catalogue (docs/catalogue-format.md) and "
            "run init again",
            highlight=False,
        )


def _sample(platform: Platform) -> str | None:
    """What the catalogue is, in the warning, when it is marked ``sample: true`` (else ``None``): the bundled
    sample when none was configured, else the file given, which says so of itself. A copy of the sample
    given with ``--catalogue`` was called "the bundled SAMPLE catalogue (no DOSSIER_AUDIT_CATALOGUE or
    --catalogue)" (review)."""
    if not platform.catalogue.meta.sample:
        return None
    given = platform.settings.catalogue
    if given is None:
        return "the bundled SAMPLE catalogue (no DOSSIER_AUDIT_CATALOGUE or --catalogue)"
    return f"the catalogue {escape(str(given))}, which says it is SAMPLE data (sample: true)"


@warehouse_app.command("load")
def warehouse_load(
    file: Annotated[Path, typer.Argument(help="JSONL events file, or - for standard input.")],
    warehouse: WarehouseOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Evaluate the rulebook at (default: now).")
    ] = None,
    catalogue: CataloguePath = None,
    supersede: Annotated[
        list[str] | None,
        typer.Option(
            "--supersede",
            metavar="RUN_ID",
            help="Finish an unfinished load run that stopped before storing its file, when that file is gone "
            "or was changed: its stored events are judged as they are (repeatable; see `warehouse status`; "
            "make sure that load is not still running).",
        ),
    ] = None,
) -> None:
    """Validate FILE, store valid and rejected events, fold its dossiers and evaluate the rulebook."""
    sample: list[str | None] = []

    def go() -> Any:
        instant = parse_instant(as_of) if as_of is not None else datetime.now(VN_TZ)
        with event_file(file) as path:  # a pipe or stdin (-) is spooled to a temporary file
            platform = platform_for(catalogue)
            sample.append(_sample(platform))
            warn_one_off_key(platform.settings, "so the same applicant loaded by two runs has two")
            progress, tick = load_progress(path)
            stage = ["starting"]

            def seen(name: str, done: int, total: int) -> None:  # the stage a stop would interrupt
                stage[0] = name
                if tick is not None:
                    tick(name, done, total)

            try:
                with progress or nullcontext(), warehouse_session(warehouse, create=True) as wh:
                    try:
                        loaded = load_file(
                            platform, wh, path, instant, on_progress=seen, source=source_of(file),
                            supersede=supersede or (), on_key_adopted=say_adopted,
                        )  # fmt: skip
                        return loaded, instant
                    except (SupersedeRefused, LoadBusy) as exc:
                        raise UsageError(str(exc)) from None
            except KeyboardInterrupt:
                _say_interrupted(stage[0])
                raise

    result, instant = guarded(go)
    sys.stdout.write(orjson.dumps(result.to_json_dict()).decode() + "\n")
    migrated = result.migrations_applied
    if migrated and migrated[0].startswith("0000_"):  # a new warehouse
        err.print(f"created the warehouse's schema ({len(migrated)} migrations)", highlight=False)
    elif migrated:  # a warehouse behind the code, brought up to date first (upgrade review)
        err.print(f"migrated the schema first: {', '.join(migrated)}", highlight=False)
    if result.catalogue_snapshot is not None:
        err.print(
            f"stored the catalogue and calendar it judged with as snapshot {result.catalogue_snapshot} (the "
            "warehouse's newest differed, or it had none): the quality checks and detectors started from now "
            "on read them; start running detectors again",
            highlight=False,
        )
        if sample[0]:
            err.print(
                f"[bold yellow]warning:[/] that is {sample[0]}: a real province's dossiers were judged "
                "against it; give the province's catalogue and load again",
                highlight=False,
            )
    print_ingest(result.stats, result.rejections, "each is stored, line and reason, in rejected_events")
    err.print(
        f"{stored_events(result)} and "
        f"{result.rejected_written:,} rejected lines; folded "
        f"{result.dossiers_folded:,} dossiers: {result.violations_open:,} open violations, "
        f"{result.violations_retracted:,} retracted ({result.seconds:.1f} s)",
        highlight=False,
    )
    warn_before_every_event(
        instant, result.stats.earliest,
        "its dossiers were judged without them (a violation they had found is retracted); load the file "
        "again with a later --as-of to judge them with them",
    )  # fmt: skip
    for run in result.recovered:
        err.print(f"finished the interrupted {run.describe()}", highlight=False, markup=False)
    for run in result.superseded:
        how = (
            "its stored events are judged as they are (--supersede)"
            if run.run_id in (supersede or ())
            else "this load of the same source stored them"
        )
        err.print(
            f"finished the interrupted {run.describe()}: it had stopped before storing all its events, and "
            f"{how}",
            highlight=False,
            markup=False,
        )
    if result.recovered_dossiers:
        err.print(
            f"re-judged the {result.recovered_dossiers:,} dossiers of the events they stored", highlight=False
        )
    if result.open_rejudged:
        err.print(
            f"judged again at this --as-of the {result.open_rejudged:,} dossiers earlier loads left open, or "
            "judged before events they stored (no event of them in this file): the time since, or those "
            "events, can change their verdicts",
            highlight=False,
        )
    for run in result.left:
        err.print(
            f"[bold yellow]warning:[/] the interrupted {escape(run.describe())} is still unfinished; "
            f"{escape(run.remedy())}",
            highlight=False,
        )


def _say_interrupted(stage: str) -> None:
    """One line for a load stopped by Ctrl-C or a signal: it exited 130 saying nothing, though it had
    stored part of the file (review of the CLI). What it stored stays; its run is recorded unfinished, and
    the next load of the same file finishes it."""
    told()
    if stage == "starting":  # nothing of the file stored yet (its run may be recorded as started)
        err.print(
            "interrupted before reading the file: load it again (`warehouse status` may list this load as "
            "unfinished until then)",
            highlight=False,
            markup=False,
        )
        return
    doing = _STAGES[stage][2] if stage in _STAGES else stage
    err.print(
        f"interrupted while {doing}: this load is unfinished (what it stored stays, "
        "and `warehouse status` lists it); load the same file again to finish it",
        highlight=False,
        markup=False,
    )


#: Each stage of a load (``jobs.load_result.LoadProgress``): how its progress line reads (short, so that a
#: line with its bar, rate and time left fits an 80-column terminal), what it counts, and what the load was
#: doing, in the line an interrupted one leaves (``_say_interrupted``).
_STAGES = {
    "reading": ("judging {name}", "MB", "judging the file and storing its events"),
    "storing": ("storing last events", "MB", "storing the file's last events"),
    "finishing": ("finishing earlier loads", "dossiers", "re-judging the dossiers of the loads it finishes"),
    "reading back": ("re-judging stored", "dossiers", "re-judging dossiers stored before"),
    "re-judging open": ("re-judging open", "dossiers", "re-judging open dossiers"),
    "checking": ("checking other writers", "dossiers", "checking for other writers"),
    "judging": ("storing dossiers", "MB", "storing the dossiers' verdicts"),
}


class _Rate(ProgressColumn):
    """The stage's rate in its unit, on one line: MB/s for bytes, dossiers/s for dossiers (with k or M past
    ten thousand, so that a fast stage's rate stays short)."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        if speed is None:
            return Text("")
        unit = task.fields.get("unit", "")
        if unit == "MB":
            return Text(f"{speed / 1e6:,.1f} MB/s", style="cyan")
        return Text(f"{_compact(speed)} {unit}/s", style="cyan")


#: The columns of a load's progress line beside its description: the bar, "100%", "12.3k dossiers/s" and
#: "0:01:23", each with the space before it.
_FIGURES = 1 + BAR_WIDTH + 1 + 4 + 1 + 16 + 1 + 7


def _compact(count: float) -> str:
    """``9,876``, ``12.3k``, ``4.5M`` (each unit up to where its rounding would reach the next)."""
    if count < 9_999.5:
        return f"{count:,.0f}"
    if count < 999_950:
        return f"{count / 1e3:.1f}k"
    return f"{count / 1e6:,.1f}M"


def load_progress(path: Path) -> tuple[Progress | None, LoadProgress | None]:
    """A progress display on stderr for a large file on a terminal: one line per stage of the load, with its
    rate and the time it has left; (None, None) otherwise."""
    return stage_progress(progress_name(path), path.stat().st_size)


def stage_progress(name: str, size: int) -> tuple[Progress | None, LoadProgress | None]:
    """:func:`load_progress` of an input called ``name`` (markup: ``progress_name`` for a file's) of ``size``
    bytes: a display, and the tick the load reports its stages to; (None, None) unless on a terminal and
    large. The display starts at the first tick (``import dvcqg --warehouse`` shows its payloads' bar until
    then) and stops with the ``Progress``."""
    if not err.is_terminal or size < PROGRESS_BYTES:  # as file_progress
        return None, None
    progress = Progress(
        description_column(err, _FIGURES), BarColumn(bar_width=BAR_WIDTH),
        "[progress.percentage]{task.percentage:>3.0f}%",
        _Rate(table_column=Column(no_wrap=True)), TimeRemainingColumn(), console=err, transient=True,
    )  # fmt: skip
    tasks: dict[str, TaskID] = {}

    def tick(stage: str, done: int, total: int) -> None:
        task = tasks.get(stage)
        if task is None:
            if not tasks:
                progress.start()  # already started under ``with``: nothing more
            label, unit, _ = _STAGES.get(stage, (stage, "", ""))
            task = tasks[stage] = progress.add_task(label.format(name=name), total=total, unit=unit)
        progress.update(task, completed=done, total=total)

    return progress, tick


@warehouse_app.command("status")
def warehouse_status(
    warehouse: WarehouseOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Counts, the newest event time, the schema version and the last load run (read-only: the reports
    user may run it). With --json, one object for scripts and monitoring: also the stored rows per table,
    the applied and pending migrations, the last load run and whether it completed, and unfinished loads."""

    def go() -> dict[str, Any]:
        with warehouse_session(warehouse, current_schema=False) as wh:  # it reports the pending migrations
            return status_report(wh)

    report = guarded(go)
    # Without --json, stdout keeps the flat object it always had (scripts read it).
    flat = {key: report[key] for key in FLAT_KEYS}
    sys.stdout.write(orjson.dumps(report if json_out else flat).decode() + "\n")
    for key, value in flat.items():
        err.print(f"{key:>16}: {value}", highlight=False, markup=False)
    last = report["last_load"]
    if report["unfinished_loads"] is None:  # the load runs are read once the schema is current
        err.print(f"{'last load':>16}: not read (the schema is behind)", highlight=False)
    elif last is None:
        err.print(f"{'last load':>16}: none recorded", highlight=False)
    else:
        done = "completed" if last["completed"] else last["state"]
        err.print(
            f"{'last load':>16}: {last['run_id']} of {last['source']} ({done})", highlight=False, markup=False
        )
    pending = report["schema"]["pending"]
    if pending:  # every other reading command refuses such a warehouse, saying so (exit 2)
        err.print(
            f"[bold yellow]warning:[/] the schema lacks {escape(', '.join(pending))}: bring it up to date "
            f"with {escape(init_command(report['url']))}",
            highlight=False,
        )
    for run in report["unfinished_loads"] or []:
        how = remedy(run["source"], stored=run["stored"], as_of=run["as_of"], run_id=run["run_id"])
        err.print(
            f"[bold yellow]warning:[/] load run {run['run_id']} of {escape(run['source'])} started "
            f"{run['started_at']} did not complete (interrupted, or still running): its violations may be "
            f"missing; {escape(how)}",
            highlight=False,
        )


# Commands of other concerns live in their own modules; importing them registers them on ``app``.
