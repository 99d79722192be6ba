"""``dossier-audit check``: the data-quality suites."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table
from rich.text import Text

from checks import SUITES, run_checks, store_results
from checks.formatting import number
from checks.results import QualityRun
from dossier_audit.cli.app import app
from dossier_audit.cli.common import (
    CataloguePath,
    JsonFlag,
    UsageError,
    WarehouseOption,
    err,
    guarded,
    platform_for,
    warehouse_session,
)
from dossier_audit.cli.instants import parse_instant
from dossier_audit.cli.violations_table import print_whole
from inspections.weeks import WeekError, supported_week

LANGS = ("vi", "en")


@app.command()
def check(
    warehouse: WarehouseOption = None,
    week: Annotated[
        str | None, typer.Option("--week", help="Only this ISO week, e.g. 2025-W45 (default: everything).")
    ] = None,
    json_out: JsonFlag = False,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language of the messages: vi or en (default: the lang setting, vi)."),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option("--now", help="Check as if it were this instant (RFC 3339; default: the clock)."),
    ] = None,
    catalogue: CataloguePath = None,
) -> None:
    """Run the data-quality suites, store the results in the warehouse and print a summary.

    Exit code 0 when every blocking check passed (warnings may remain), 1 when a blocking check failed
    (reports built on this data say so on their first page), 2 on bad arguments or warehouse errors.
    With --json, the run (every check's result) as one JSON object on stdout.
    """

    def go() -> tuple[QualityRun, str]:
        if lang is not None and lang not in LANGS:
            raise UsageError(f"--lang {lang!r}: choose vi or en")
        try:
            scope = supported_week(week) if week is not None else None
        except WeekError as exc:
            raise UsageError(f"--week: {exc}") from None
        instant = parse_instant(now) if now is not None else None
        platform = platform_for(catalogue)
        with warehouse_session(warehouse) as wh:
            run = run_checks(platform.catalogue, platform.rulebooks, wh, scope, now=instant)
            store_results(wh, run)
        return run, lang or platform.settings.lang  # the setting, as report and export take it

    run, shown_in = guarded(go)
    if json_out:
        sys.stdout.write(orjson.dumps(run.to_json_dict()).decode() + "\n")
    _print_run(run, shown_in)
    raise typer.Exit(1 if run.blocking_failures else 0)


_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Kiểm tra chất lượng dữ liệu",
        "whole": "toàn bộ kho dữ liệu",
        "week": "tuần",
        "suite": "nhóm",
        "check": "kiểm tra",
        "result": "kết quả",
        "count": "không đạt / tổng",
        "message": "ghi chú",
        "ok": "đạt",
        "blocking": "LỖI (chặn)",
        "warning": "cảnh báo",
        "examples": "ví dụ",
        "summary_ok": "Mọi kiểm tra bắt buộc đều đạt; {w} cảnh báo.",
        "summary_fail": (
            "{b} kiểm tra bắt buộc không đạt: báo cáo trên dữ liệu này không đáng tin cậy; {w} cảnh báo."
        ),
    },
    "en": {
        "title": "Data quality checks",
        "whole": "whole warehouse",
        "week": "week",
        "suite": "suite",
        "check": "check",
        "result": "result",
        "count": "unexpected / total",
        "message": "message",
        "ok": "passed",
        "blocking": "FAILED (blocking)",
        "warning": "warning",
        "examples": "e.g.",
        "summary_ok": "All blocking checks passed; {w} warning(s).",
        "summary_fail": (
            "{b} blocking check(s) failed: reports on this data cannot be trusted; {w} warning(s)."
        ),
    },
}


def _print_run(run: QualityRun, lang: str) -> None:
    text = _TEXT[lang]
    scope = f"{text['week']} {run.week}" if run.week else text["whole"]
    table = Table(title=f"{text['title']} — {scope}", title_justify="left")
    for column, justify in (
        ("suite", "left"),
        ("check", "left"),
        ("result", "left"),
        ("count", "right"),
        ("message", "left"),
    ):
        table.add_column(text[column], justify=justify)  # type: ignore[arg-type]
    for r in run.results:
        if r.success:
            verdict: Any = f"[green]{text['ok']}[/]"
        elif r.blocking:
            verdict = f"[bold red]{text['blocking']}[/]"
        else:
            verdict = f"[yellow]{text['warning']}[/]"
        table.add_row(
            Text(r.suite),
            Text(r.expectation),
            verdict,
            f"{number(r.unexpected_count, lang)} / {number(r.element_count, lang)}",
            Text(r.message(lang)),
        )
    # Off a terminal as wide as its rows: at 80 columns a CI log read "events.occur…" for the blocking
    # check that failed (review).
    print_whole(err, table)
    counts = {"b": len(run.blocking_failures), "w": len(run.warnings)}
    for suite in SUITES:  # what to do about each failed suite, in report order, and the rows it found
        failures = [r for r in run.results if r.suite == suite.name and not r.success]
        if failures and suite.next_step:
            err.print(Text(f"{suite.name}: {suite.next_step.text(lang)}"))
            for r in failures:
                err.print(Text(f"  {r.expectation} — {text['examples']}: {r.examples()}"))
    if run.blocking_failures:
        err.print(f"[bold red]{text['summary_fail'].format(**counts)}[/]", highlight=False)
    else:
        err.print(text["summary_ok"].format(**counts), highlight=False)
