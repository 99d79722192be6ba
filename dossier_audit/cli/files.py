"""Commands over an events file: validate, audit, metrics (also against a warehouse with --warehouse)."""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import nullcontext
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from bootstrap.settings import load_settings
from bootstrap.suggestions import did_you_mean
from dossier_audit.cli.app import app
from dossier_audit.cli.common import (
    CataloguePath,
    JsonFlag,
    Rejections,
    UsageError,
    WarehouseOption,
    err,
    guarded,
    known_stored_unit,
    known_unit,
    need_file,
    one_source,
    platform_for,
    print_ingest,
    warehouse_session,
)
from dossier_audit.cli.inputs import event_file
from dossier_audit.cli.instants import parse_date, parse_instant
from dossier_audit.cli.notices import (
    warn_after_every_event,
    warn_before_every_event,
    warn_one_off_key,
    warn_unfinished_loads,
)
from dossier_audit.cli.progress import file_progress
from dossier_audit.cli.violations_table import print_whole
from dossier_audit.jobs.batch_engine import IngestStats
from dossier_audit.jobs.files import GROUPINGS, OutcomeFailure, audit_file, metrics_file, validate_file
from dossier_audit.jobs.summary import audit_summary
from dossier_audit.jobs.warehouse import metrics_warehouse
from inspections.catalogue import Catalogue
from inspections.classification import local_midnight
from schemas.unseen import as_meant
from warehouse.projection import audit_warehouse

#: The kind of an audit record for a rule not evaluated because a source cannot provide a field it needs.


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="JSONL events file, or - for standard input.")],
    json_out: JsonFlag = False,
    show_rejected: Annotated[
        int,
        typer.Option(
            "--show-rejected",
            metavar="N",
            min=0,
            help="List the first N rejected lines, with their line numbers and reasons (default 10).",
        ),
    ] = 10,
) -> None:
    """Count valid, duplicate and rejected events with reasons; exit 1 when any line is rejected."""

    def go() -> tuple[IngestStats, Rejections]:
        with event_file(file) as path:
            platform = platform_for()
            rejections = Rejections(show_rejected)
            progress, tick = file_progress(path)
            with progress or nullcontext():
                return validate_file(platform, path, on_rejection=rejections, on_progress=tick), rejections

    stats, rejections = guarded(go)
    if json_out:
        sys.stdout.write(orjson.dumps(stats.to_json_dict()).decode() + "\n")
    print_ingest(stats, rejections.samples, f"--show-rejected {stats.rejected_total} lists them all")
    raise typer.Exit(1 if stats.rejected_total else 0)


@app.command()
def audit(
    as_of: Annotated[
        str, typer.Option("--as-of", help="Evaluation time (RFC 3339, or a date = 00:00 local).")
    ],
    file: Annotated[
        Path | None, typer.Argument(help="JSONL events file, or - for standard input (or --warehouse).")
    ] = None,
    warehouse: WarehouseOption = None,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """Audit every dossier at AS_OF: counts by rule on stderr; with --json, the violations as JSON lines on
    stdout."""

    warehouse = guarded(lambda: one_source(file, warehouse))
    if warehouse is not None:
        _audit_warehouse(warehouse, as_of, catalogue, json_out)
        return

    def go() -> tuple[Counter[tuple[str, str]], IngestStats, Rejections, bool]:
        instant = parse_instant(as_of)
        with event_file(need_file(file)) as path:
            platform = platform_for(catalogue)
            rejections = Rejections()
            progress, tick = file_progress(path)
            counts: Counter[tuple[str, str]] = Counter()
            out = sys.stdout.buffer
            echoed = False
            with progress or nullcontext():
                run = audit_file(platform, path, instant, on_rejection=rejections, on_progress=tick)
                for violation in run.violations:
                    counts[violation["rule_id"], violation["kind"]] += 1
                    echoed = echoed or _quotes_a_pseudonym(violation)
                    if json_out:
                        out.write(orjson.dumps(violation))
                        out.write(b"\n")
            out.flush()
            return counts, run.stats, rejections, echoed

    counts, stats, rejections, echoed = guarded(go)
    if echoed:  # a document repeating the applicant, shown under a pseudonym: of a one-off key, if no key
        warn_one_off_key(load_settings(), "and a document repeating an applicant reads otherwise next run")
    print_ingest(stats, rejections.samples)
    warn_before_every_event(
        parse_instant(as_of), stats.earliest, "no dossier can be found late or in violation"
    )
    print_audit_summary(counts)


def _quotes_a_pseudonym(violation: dict[str, Any]) -> bool:
    """Whether a violation's evidence quotes a document under the applicant's pseudonym (EXCESS_DOCUMENTS
    alone quotes documents): the batch audit hides such an echo (``schemas.applicant_echoes``)."""
    if violation["rule_id"] != "EXCESS_DOCUMENTS":
        return False
    return b"hmac-sha256:" in orjson.dumps(violation["evidence"])


def _audit_warehouse(url: str, as_of: str, catalogue: Path | None, json_out: bool) -> None:

    def go() -> Counter[tuple[str, str]]:
        instant = parse_instant(as_of)
        platform = platform_for(catalogue)
        counts: Counter[tuple[str, str]] = Counter()
        out = sys.stdout.buffer
        with warehouse_session(url) as wh:
            warn_unfinished_loads(wh, "the events it was loading may not all be stored, nor judged here")
            for violation in audit_warehouse(platform.auditor, wh, instant):
                counts[violation["rule_id"], violation["kind"]] += 1
                if json_out:
                    out.write(orjson.dumps(violation))
                    out.write(b"\n")
        out.flush()
        return counts

    print_audit_summary(guarded(go))


def print_audit_summary(counts: Counter[tuple[str, str]], lang: str | None = None) -> None:
    """The audit's summary on stderr, in the report language (the ``lang`` setting unless given): per
    rule, its violations (and findings) and, when the sources could not provide a field some rule needs,
    how often it was not checkable — a column apart, never added to the violations
    (``inspections.not_checkable``). ``counts`` is by (rule id, kind)."""
    table, note = audit_summary(counts, lang or load_settings().lang)
    err.print(table)
    if note:
        err.print(note, highlight=False, markup=False)


@app.command()
def metrics(
    from_: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Day after the period (exclusive, YYYY-MM-DD).")],
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            help="Only this unit: the dossiers --by unit groups under it (its own, and those of units "
            "merged into it by the end of the period).",
        ),
    ] = None,
    below: Annotated[
        bool,
        typer.Option(
            "--below",
            help="With --unit: the units under it too (a district's communes), and any unit ever merged into "
            "them, under its own code.",
        ),
    ] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Also one form per unit (in force at the end of the period), field or procedure."
        ),
    ] = None,
    as_recorded: Annotated[
        bool,
        typer.Option("--as-recorded", help="With --by unit: group by the unit codes as received."),
    ] = False,
    file: Annotated[
        Path | None, typer.Argument(help="JSONL events file, or - for standard input (or --warehouse).")
    ] = None,
    warehouse: WarehouseOption = None,
    catalogue: CataloguePath = None,
    json_out: JsonFlag = False,
) -> None:
    """The national reporting-form figures and indicator 2.1 for [FROM, TO).

    With --json, one object (the figures); with --by, the figures also carry "groups": one object per
    unit, field or procedure. By unit, a dossier counts for the unit in force at the end of the period
    (following successors: a merged unit's dossiers count for the unit it was merged into), so the groups
    sum to the whole; --as-recorded keeps the unit codes as received. A dossier whose outcome cannot be
    computed is left out of every figure and listed on stderr (`audit` reports it as AUDIT_ERROR).
    """

    if as_recorded and by != "unit":
        guarded(_need_by_unit)
    if below and unit is None:
        guarded(_need_unit)
    warehouse = guarded(lambda: one_source(file, warehouse))
    if warehouse is not None:
        if by is not None:
            guarded(_no_groups_in_warehouse)
        _metrics_warehouse(warehouse, from_, to, unit, catalogue, json_out, below=below)
        return

    def go() -> Any:
        start, end = parse_date(from_), parse_date(to)
        if end <= start:
            raise UsageError(f"--to ({to}) must be after --from ({from_})")
        if by is not None and by not in GROUPINGS:
            raise UsageError(f"--by {by!r}: choose one of {', '.join(GROUPINGS)}")
        with event_file(need_file(file)) as path:
            platform = platform_for(catalogue)
            rejections = Rejections()
            progress, tick = file_progress(path)
            with progress or nullcontext():
                found = metrics_file(
                    platform, path, start, end, unit=unit, by=by, as_recorded=as_recorded, below=below,
                    on_rejection=rejections, on_progress=tick,
                )  # fmt: skip
            # After reading: a unit the catalogue does not know may still have dossiers in the file.
            known_unit(platform.catalogue, unit, found.units)
            _say_merged(platform.catalogue, unit, end, below)
            warn_after_every_event(local_midnight(end), found.stats.latest)
            _say_unknown_units(platform.catalogue, found.units)
            return found, rejections

    found, rejections = guarded(go)
    figures = found.form.to_json_dict()
    if by is not None:
        forms = {k: f.to_json_dict() for k, f in found.groups.items()}
        figures["groups"] = {"by": by, "as_recorded": as_recorded, "forms": forms}
    if json_out:
        sys.stdout.write(orjson.dumps(figures).decode() + "\n")
    print_ingest(found.stats, rejections.samples)
    _print_failures(found.failures)
    _print_form(figures, unit)


def _say_merged(catalogue: Catalogue, unit: str | None, end: date, below: bool) -> None:
    """A note on stderr when ``unit`` was merged into another by the period's last day: its group is empty
    (its dossiers count for the unit it was merged into: amendment 11), and all-zero figures would look
    like a unit that had no dossiers (review)."""
    if unit is None or below:
        return
    last = end - timedelta(days=1)
    successor = catalogue.current_on(unit, last)
    if successor != unit:
        err.print(
            f"note: {unit} was merged into {successor} by {last}: in this period its dossiers count for "
            f"{successor} (rulebook v2, amendment 11); give --unit {successor}, or --unit {unit} --below for "
            "the dossiers recorded under its own code",
            highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip


#: The most unknown unit codes the warning names (the count says how many there are).
_UNKNOWN_SHOWN = 5


def _say_unknown_units(catalogue: Catalogue, units: frozenset[str]) -> None:
    """A warning on stderr naming the file's unit codes the catalogue does not know, each as Python writes
    it (a trailing space, a no-break or zero-width space shows) with the closest known codes: a code from a
    spreadsheet with such a character is another unit, judged against no publication, and `--by unit` printed
    rows that all read "000.10.01.H99" (review of real exports). The contract lets a code be any string."""
    unknown = sorted(code for code in units if code not in catalogue.units)
    if not unknown:
        return
    named = []
    for code in unknown[:_UNKNOWN_SHOWN]:
        bare = as_meant(code)
        if bare in catalogue.units:
            named.append(f"{code!r} ({bare} with a blank or an invisible character)")
        else:
            hint = did_you_mean(bare, catalogue.units)
            named.append(f"{code!r} ({hint.removeprefix('; ')})" if hint else repr(code))
    more = f" and {len(unknown) - _UNKNOWN_SHOWN} more" if len(unknown) > _UNKNOWN_SHOWN else ""
    err.print(
        f"warning: {len(unknown)} unit code(s) of the file are not in the catalogue (their dossiers were "
        f"received by no unit it publishes procedures for): {', '.join(named)}{more}",
        highlight=False, markup=False, soft_wrap=True,
    )  # fmt: skip


def _need_unit() -> None:
    raise UsageError("--below needs --unit (the unit whose units below to count too)")


def _need_by_unit() -> None:
    raise UsageError("--as-recorded only applies to --by unit")


def _no_groups_in_warehouse() -> None:
    raise UsageError("--by is not available with --warehouse (the weekly report has the per-unit forms)")


def _print_failures(failures: list[OutcomeFailure], show: int = 10) -> None:
    """Dossiers left out of the figures (amendment 12), like rejected lines: counted, the first few shown."""
    if not failures:
        return
    err.print(
        f"[yellow]{len(failures):,} dossier(s) left out: their outcome could not be computed "
        "(audit reports AUDIT_ERROR)[/]",
        highlight=False,
    )
    for f in failures[:show]:
        err.print(
            f"  {f.dossier_id} ({f.unit_code}): {f.message}", highlight=False, soft_wrap=True, markup=False
        )


def _metrics_warehouse(
    url: str, from_: str, to: str, unit: str | None, catalogue: Path | None, json_out: bool, *, below: bool
) -> None:

    def go() -> dict[str, Any]:
        from reporting.gather import newest_event

        start, end = parse_date(from_), parse_date(to)
        if end <= start:
            raise UsageError(f"--to ({to}) must be after --from ({from_})")
        platform = platform_for(catalogue)
        with warehouse_session(url) as wh:
            known_stored_unit(wh, platform.catalogue, unit)
            _say_merged(platform.catalogue, unit, end, below)
            warn_unfinished_loads(wh, "the dossiers it was loading may be missing from these figures")
            warn_after_every_event(local_midnight(end), newest_event(wh), "the warehouse")
            return metrics_warehouse(platform, wh, start, end, unit=unit, below=below).to_json_dict()

    figures = guarded(go)
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
    if "groups" in f:  # --by: shown too, not only in --json (review: the text said nothing of them)
        _print_groups(f["groups"])


def _print_groups(groups: dict[str, Any]) -> None:
    """One row per group of ``--by``: the form's main figures (every figure is in ``--json``)."""
    by = groups["by"] + (" (as recorded)" if groups["as_recorded"] else "")
    table = Table(title=f"By {by}", title_justify="left")
    for name, justify in (
        (groups["by"], "left"), ("received", "right"), ("resolved", "right"), ("early", "right"),
        ("on_time", "right"), ("late", "right"), ("in_progress", "right"), ("overdue", "right"),
        ("on_time_rate", "right"),
    ):  # fmt: skip
        table.add_column(name, justify=justify, no_wrap=justify == "left")  # type: ignore[arg-type]
    for key, form in sorted(groups["forms"].items()):
        resolved, open_ = form["resolved"], form["in_progress"]
        rate = form["on_time_rate"]
        counts = (form["received"]["total"], resolved["total"], resolved["early"], resolved["on_time"],
                  resolved["late"], open_["total"], open_["overdue"])  # fmt: skip
        table.add_row(key, *(f"{n:,}" for n in counts), "—" if rate is None else f"{rate:.2%}")
    print_whole(err, table)  # off a terminal whole: the codes were cut to "000.0…" at 80 columns
