"""``dossier-audit calendar``: draft next year's file from the statutory pattern, check a year file or a
province override against the shipped calendar (the yearly runbook, docs/calendar.md)."""

from __future__ import annotations

from collections.abc import Sized
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dossier_audit.cli.app import calendar_app
from dossier_audit.cli.common import UsageError, err, guarded, readable
from inspections.calendar_days import Holiday
from inspections.files.calendar import nothing_removed, year_of_file
from inspections.files.calendar_draft import FileCheck, check_file, draft_year

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _problem(exc: Exception) -> str:
    """One line: YAML's and the loader's messages may span lines."""
    return " ".join(str(exc).split()) or type(exc).__name__


@calendar_app.command("draft")
def calendar_draft(
    year: Annotated[int, typer.Argument(help="The year to draft, e.g. 2027.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (default, or -: standard output); never replaced."),
    ] = None,
) -> None:
    """Write a YEAR.yaml holding the Labour Code's pattern for YEAR (lunar Tết and Giỗ Tổ, compensatory
    days), to edit from the government's notice: the calendar the year has without a file."""

    def go() -> str:
        try:
            text = draft_year(year)
        except ValueError as exc:
            raise UsageError(_problem(exc)) from None
        if out is None or str(out) == "-":  # "-": standard output, as the default
            typer.echo(text, nl=False)
            return text
        if out.is_dir():
            raise UsageError(f"cannot write {out}: it is a directory")
        named = year_of_file(out.name)
        if named is not None and named != year:  # read as that year's file, it would fail its check
            raise UsageError(f"--out {out.name} is the file of {named}: name the draft of {year} {year}.yaml")
        try:
            with out.open("x", encoding="utf-8") as fh:
                fh.write(text)
        except FileExistsError:
            raise UsageError(
                f"{out} exists; the draft never overwrites a file (remove it or choose another)"
            ) from None
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
        return text

    guarded(go)
    if out is not None and str(out) != "-":
        err.print(f"wrote {escape(str(out))}: the statutory pattern of {year}, to edit", highlight=False)


@calendar_app.command("check")
def calendar_check(
    path: Annotated[Path, typer.Argument(help="A year file (YYYY.yaml) or a province calendar override.")],
) -> None:
    """Load a calendar file with the shipped ones, as the product would: a YYYY.yaml in place of that year's,
    anything else as the province override. Prints what a year file changes of the statutory pattern."""

    def go() -> FileCheck:
        readable(path)
        try:
            return check_file(path)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        except (ValueError, RecursionError) as exc:  # CalendarDataError, YAML, a day like 2025-02-30
            raise UsageError(_problem(exc)) from None

    checked = guarded(go)
    name = escape(str(path))
    data = checked.data
    if checked.year is None:
        removed = len(data.remove) - len(checked.not_removed)
        err.print(
            f"{name}: ok — province override: {_n(data.holidays, 'day')} off added, "
            f"{_n(data.make_up_days, 'make-up day')}, {removed} date{'' if removed == 1 else 's'} removed",
            highlight=False,
        )
        if checked.not_removed:
            said = nothing_removed(str(path), list(checked.not_removed))
            err.print(f"[bold yellow]warning:[/] {escape(said)}", highlight=False)
        return
    err.print(
        f"{name}: ok — {checked.year}: {_n(data.holidays, 'day')} off, "
        f"{_n(data.make_up_days, 'make-up day')}; beside the statutory pattern: "
        f"{_n(checked.added, 'day')} off added, {len(checked.dropped)} dropped",
        highlight=False,
    )
    for sign, days in (("+", checked.added), ("-", checked.dropped)):
        for day in days:
            err.print(f"  {sign} {_day(day)}", highlight=False, markup=False)
    for m in sorted(data.make_up_days, key=lambda m: m.date):
        replaces = f", for {m.replaces.isoformat()}" if m.replaces is not None else ""
        err.print(f"  make-up {m.date.isoformat()} {_WEEKDAYS[m.date.weekday()]}{replaces} ({m.confidence})",
                  highlight=False, markup=False)  # fmt: skip


def _n(items: Sized, noun: str) -> str:
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


def _day(h: Holiday) -> str:
    return f"{h.date.isoformat()} {_WEEKDAYS[h.date.weekday()]} {h.kind.value}: {h.name_vi} ({h.confidence})"
