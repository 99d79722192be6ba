"""The reporting entry points the CLI and the Dagster assets call (interface fixed by the lead).

Each takes what it is made of — the catalogue (names, successor units), the header (issuer and language)
for human documents, the warehouse and the week — so the same call serves the CLI, Dagster and tests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from pathlib import Path
from typing import Any

from inspections.calendar import WorkingCalendar
from inspections.catalogue import Catalogue
from inspections.ports import CalendarPort
from inspections.weeks import Week
from reporting import counting, gather
from reporting.editions import edition_code
from reporting.header import ReportHeader
from reporting.model import Names, build_report
from reporting.report_json import metrics_json, violations_json
from reporting.table_cells import Table
from warehouse.base import Warehouse


class WrittenReport(list[Path]):
    """The files :func:`write_weekly_report` wrote, in order, and what the week's figures were when written:
    ``final`` (not provisional) and the province's form counters (``ReportingForm.counters``), which the
    alert sensor compares the warehouse's with later (``pipelines.final_figures``): a list still, for the
    callers that only want the files."""

    def __init__(self, paths: list[Path], *, final: bool, counters: dict[str, int]) -> None:
        super().__init__(paths)
        self.final = final
        self.counters = counters


def weekly_metrics(catalogue: Catalogue, wh: Warehouse, week: Week) -> dict[str, Any]:
    """The week's reporting-form figures: province total, per unit, per field, per procedure (JSON-able;
    each form in the shape of ``ReportingForm.to_json_dict()``), plus indicator 2.1 / 766 points. ``units``
    holds every unit receiving dossiers at the week's end, one that received none with an empty form (its
    on-time rate ``null``, unranked): every desk gets a form, as the report's table gives it a row."""
    forms = gather.week_forms(catalogue, wh, week)
    return metrics_json(week, forms, Names(catalogue))


def violation_summary(catalogue: Catalogue, wh: Warehouse, week: Week) -> dict[str, Any]:
    """Violations of the week by rule and unit with week-on-week change (JSON-able)."""
    counts = counting.violation_counts(catalogue, wh, week)
    return violations_json(counts, Names(catalogue))


def preload() -> None:
    """Import the writers :func:`write_weekly_report` and :func:`write_audit_packs` import on use, ahead of
    the run that calls them (the main job does it while it waits for its detector)."""
    import reporting.charts
    import reporting.html
    import reporting.packs
    import reporting.pdf
    import reporting.xlsx  # noqa: F401


def write_weekly_report(
    catalogue: Catalogue,
    header: ReportHeader,
    wh: Warehouse,
    week: Week,
    out_dir: Path,
    *,
    calendar: WorkingCalendar | None = None,
) -> WrittenReport:
    """Write ``report.html``, ``report.pdf`` and ``report.xlsx`` (and chart images) into ``out_dir``, in
    ``header.lang``; ``calendar`` as :func:`reporting.model.build_report` takes it."""
    # The writers are imported on use, not with this module: matplotlib, fpdf and openpyxl cost ~1.0-1.4 s
    # and +83 MB peak RSS (measured, 2 CPUs, warm cache), and this module is imported whenever Dagster loads
    # the definitions (the code server, and every step process of a run), for the JSON-only assets too.
    from reporting.charts import write_charts
    from reporting.html import report_html, write_report_html
    from reporting.pdf import write_report_pdf
    from reporting.tables import procedures_table, rule_unit_table
    from reporting.xlsx import write_report_xlsx

    report = build_report(catalogue, header, wh, week, calendar=calendar)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = write_charts(report, out_dir)
    # Its edition code (``reporting.editions``), on every page of every file: from its HTML without one and
    # the workbook's own tables (the rule × unit matrix and the procedures, which the HTML has not: review).
    own = (rule_unit_table(report), procedures_table(report))
    content = [report_html(report, charts), *map(_table_text, own)]
    report = dataclasses.replace(report, edition=edition_code("\n".join(content)))
    paths = [
        write_report_html(report, charts, out_dir / "report.html"),
        write_report_pdf(report, charts, out_dir / "report.pdf"),
        write_report_xlsx(report, charts, out_dir / "report.xlsx"),
        *charts.values(),
    ]
    return WrittenReport(paths, final=not report.maturity.provisional, counters=report.province.counters())


def write_audit_packs(
    catalogue: Catalogue,
    header: ReportHeader,
    wh: Warehouse,
    week: Week,
    out_dir: Path,
    *,
    sample_size: int = 10,
    units: Collection[str] | None = None,
    calendar: CalendarPort | None = None,
) -> list[Path]:
    """Write ``out_dir/units/<name>.xlsx`` and ``.html`` for every unit (of ``units`` when given) with
    dossiers in the week, in ``header.lang``; returns the paths written. ``<name>`` is the unit code itself
    for the usual codes (``000.10.01.H99``) and a readable slug plus a hash of the code otherwise (``a/b``
    and ``a_b`` must not overwrite each other's pack): ``reporting.packs.pack_file_stem``. Every cell of the
    XLSX files is text or a number, never a formula. ``calendar``: the working days a lateness is counted
    in when the warehouse stores none with its catalogue (``reporting.packs.pack_working_days``)."""
    from reporting.packs import write_packs  # on use, as the writers above: it imports openpyxl

    return write_packs(catalogue, header, wh, week, out_dir, sample_size, units, calendar=calendar)


def _table_text(table: Table) -> str:
    """A table's headings and cells as text: what a workbook's sheet of it shows, for an edition code."""
    rows = [table.headings, *([cell.text for cell in row.cells] for row in table.rows)]
    return "\n".join("\t".join(row) for row in rows)
