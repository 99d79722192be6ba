"""``dossier-audit report``: the weekly report and the audit packs."""

from __future__ import annotations

import sys
from contextlib import suppress
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dossier_audit.cli.app import app
from dossier_audit.cli.common import (
    CataloguePath,
    UsageError,
    WarehouseOption,
    err,
    guarded,
    platform_for,
    warehouse_session,
)
from dossier_audit.cli.notices import warn_unfinished_loads
from inspections.weeks import Week, WeekError, supported_week
from reporting.api import write_audit_packs, write_weekly_report
from reporting.editions import keep_replaced
from reporting.gather import newest_event
from reporting.staging import StagingBusy, left_incomplete, locked_staging, publish_files


@app.command()
def report(
    warehouse: WarehouseOption = None,
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            help="ISO week, e.g. 2025-W45 (default: the last complete week before the newest event).",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output directory (default: <reports_dir>/<week>).")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Report language: vi or en (default: the lang setting, vi).")
    ] = None,
    packs: Annotated[
        bool, typer.Option("--packs/--no-packs", help="Also write the per-unit audit packs (units/).")
    ] = True,
    sample_size: Annotated[
        int, typer.Option("--sample-size", min=0, help="Clean dossiers sampled per unit for on-site checks.")
    ] = 10,
    catalogue: CataloguePath = None,
) -> None:
    """Write the weekly leadership report (report.html, report.pdf, report.xlsx and charts) and the per-unit
    audit packs; print the files written, one per line, on stdout."""

    def go() -> tuple[str, list[Path], list[Path]]:
        if lang is not None and lang not in ("vi", "en"):
            raise UsageError(f"--lang {lang!r}: choose vi or en")
        platform = platform_for(catalogue)
        header = platform.report_header(lang)
        chosen: Week | None = None
        if week is not None:
            try:
                chosen = supported_week(week)
            except WeekError as exc:
                raise UsageError(f"--week: {exc}") from None
        url = warehouse or platform.settings.warehouse_url
        with warehouse_session(url) as wh:
            warn_unfinished_loads(
                wh,
                "violations of the dossiers it stored may be missing from this report",
                "then rebuild the report",
            )
            if chosen is None:
                newest = newest_event(wh)
                if newest is None:
                    raise UsageError("the warehouse holds no events; give --week")
                chosen = Week.last_complete(newest)
            target = out if out is not None else platform.settings.reports_dir / str(chosen)
            if target.exists() and not target.is_dir():  # said before the report is built ("File exists")
                raise UsageError(f"cannot write the report into {target}: it is a file, not a folder")
            made = _missing_folders(target)
            marks = left_incomplete(target)
            if marks:  # replaced whole below: the folder is usable again after this run
                err.print(
                    f"[yellow]warning:[/] the last report into {escape(str(target))} stopped while replacing "
                    "its files (they may be of two runs): this run replaces them",
                    highlight=False,
                )
            try:
                # Written beside the folder's files and moved over them once all are written: an interrupted
                # report left this week's HTML and charts beside the previous run's PDF and XLSX (review).
                with locked_staging(target, "report") as staging:
                    written: list[Path] = write_weekly_report(
                        platform.catalogue, header, wh, chosen, staging, calendar=platform.calendar
                    )
                    if packs:
                        written += write_audit_packs(
                            platform.catalogue, header, wh, chosen, staging, sample_size=sample_size,
                            calendar=platform.calendar,
                        )  # fmt: skip
                    written = publish_files(staging, target, written)
                    for mark in marks if packs else ():  # every file of the week is this run's now
                        mark.unlink(missing_ok=True)
                    left = _earlier_packs(target, written)
                    if packs:  # of units without a pack this time: no file of the week is another run's
                        keep_replaced(target, [(path, None) for path in left])  # kept first (``editions``)
                        for path in left:
                            path.unlink(missing_ok=True)
                        left = []
            except StagingBusy:
                raise UsageError(f"another report is being written into {target}: let it end first") from None
            except OSError as exc:
                raise UsageError(f"cannot write the report into {target}: {exc.strerror or exc}") from None
            finally:
                for folder in made:  # the folders this run made and filled with nothing, deepest first
                    with suppress(OSError):
                        folder.rmdir()
        return str(chosen), written, left

    chosen_week, written, left = guarded(go)
    for path in written:
        sys.stdout.write(f"{path}\n")
    unit_files = sum(1 for p in written if p.parent.name == "units")
    err.print(
        f"report for {chosen_week}: {len(written) - unit_files} files"
        + (f", audit packs: {unit_files // 2} units" if packs else ""),
        highlight=False,
    )
    if left:
        err.print(
            f"[yellow]warning:[/] {len(left)} audit-pack files of an earlier run are still in "
            f"{escape(str(left[0].parent))} (--no-packs leaves them as they are): they may be of another "
            "week or older data",
            highlight=False,
        )


def _earlier_packs(target: Path, written: list[Path]) -> list[Path]:
    """The audit packs in ``target``'s ``units`` folder that this run did not write (review of 2026-12-06:
    a report written with --no-packs into an earlier week's folder stood beside that week's packs)."""
    units = target / "units"
    if not units.is_dir():
        return []
    now = {path.resolve() for path in written}
    return sorted(p for p in units.iterdir() if p.suffix in (".html", ".xlsx") and p.resolve() not in now)


def _missing_folders(target: Path) -> list[Path]:
    """The folders of ``target`` (itself included) that do not exist yet, deepest first."""
    missing = []
    for folder in (target, *target.parents):
        if folder.exists():
            break
        missing.append(folder)
    return missing
