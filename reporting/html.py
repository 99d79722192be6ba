"""HTML rendering (jinja2 templates shipped in ``reporting/templates``; autoescaped).

The weekly report's HTML is one self-contained file: its charts are embedded as ``data:`` URIs, so a
report sent by e-mail or opened from another folder shows them; its print stylesheet puts the body on A4
portrait pages and the annex on landscape ones, with the same tables as the PDF.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reporting import findings
from reporting import tables as tb
from reporting.case_section import cases_line, cases_table
from reporting.line_units import nowrap_html
from reporting.model import WeeklyReport
from reporting.visible import visible_value


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reporting", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=visible_value,  # what a reader would not see, as [U+XXXX] (``reporting.visible``)
    )
    env.filters["words"] = nowrap_html  # a letterhead's lines break between words (``line_units``)
    env.filters["css_string"] = css_string
    return env


def css_string(text: str) -> Markup:
    """``text`` as the body of a CSS string in a ``<style>`` element (between double quotes): a backslash,
    a quote or a line break escaped, and ``<`` too, so that no unit name can close the element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ")
    return Markup(re.sub(r"[\r\n\f]", lambda _: "\\A ", escaped))


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


def data_uri(path: Path) -> str:
    """A PNG file as a ``data:`` URI (the chart travels inside the HTML)."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def write_report_html(report: WeeklyReport, charts: dict[str, Path], path: Path) -> Path:
    """``report.html``, self-contained: the charts are embedded."""
    path.write_text(report_html(report, charts), encoding="utf-8")
    return path


def edition_line(report: WeeklyReport) -> str | None:
    """ "Mã bản in: 3f9a-2c71", once the report's edition code is known (``reporting.editions``)."""
    return report.texts("edition_line", code=report.edition) if report.edition else None


def report_html(report: WeeklyReport, charts: dict[str, Path]) -> str:
    """The text of ``report.html``; without an edition code (``report.edition``), what the code is
    computed from."""
    t = report.texts
    head = report.header
    tables = tb.report_tables(report)
    return render(
        "report.html.j2",
        **common_context(report),
        title=report.title,
        subject=report.subject,
        number_line=head.number_line(t("number_label")),
        addressee=head.addressee,
        provisional_note=report.provisional_note,
        empty=report.empty,
        empty_note=report.empty_note,
        never_loaded=report.never_loaded,
        summary=report.summary_lines(),
        handling=report.handling_lines(),
        violations=report.violation_lines(),
        key_findings=findings.key_findings(report),
        recommendations=findings.recommendations(report),
        intro=t("intro", team=report.team_name, number=f"{report.week.number:02d}", year=report.week.year),
        data_cutoff=report.data_cutoff,
        annex_ref=t(
            "annex_ref", number_symbol=head.number_symbol, day=t.day(head.issued_on), issuer=report.team_name
        ),
        cases_line=cases_line(report),
        cases_table=cases_table(report),
        blocking_warning=blocking_warning(report),
        quality_line=report.quality_line(),
        quality_scopes=report.quality_scopes,
        unit_violations_note=report.unit_violations_note,
        tables=tables,
        fields_note=tb.small_base_note(report, tables["fields"]),
        charts={role: data_uri(p) for role, p in charts.items() if role in ("trend", "ranking")},
        notes={
            "trend": findings.chart_note(report, "trend"),
            "ranking": findings.chart_note(report, "ranking"),
        },
        edition_line=edition_line(report),
    )
