"""HTML rendering (jinja2 templates shipped in ``reporting/templates``; autoescaped)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reporting import tables as tb
from reporting.model import WeeklyReport


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("reporting", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def blocking_warning(report: WeeklyReport) -> str | None:
    failures = report.quality.blocking_failures
    return report.texts("blocking_warning", n=len(failures)) if failures else None


def common_context(report: WeeklyReport) -> dict[str, Any]:
    t = report.texts
    return {
        "lang": report.lang,
        "t": t,
        "header": report.header,
        "place_date": t.place_date(report.header.place, report.header.issued_on),
        "sample_note": t("sample_catalogue") if report.sample_catalogue else None,
    }


def write_report_html(report: WeeklyReport, charts: dict[str, Path], path: Path) -> Path:
    """``report.html``; charts are referenced by file name (they sit next to it)."""
    text = render(
        "report.html.j2",
        **common_context(report),
        title=report.title,
        empty=report.empty,
        summary=report.summary_lines(),
        blocking_warning=blocking_warning(report),
        quality_line=report.quality_line(),
        tables=tb.report_tables(report),
        charts={role: p.name for role, p in charts.items()},
    )
    path.write_text(text, encoding="utf-8")
    return path
