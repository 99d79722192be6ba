"""The report's tables, once, for every format (cells in ``reporting.table_cells``, the violation tables in
``reporting.violation_tables``, re-exported here): the PDF and the HTML show the same ones."""

from __future__ import annotations

from typing import Any

from inspections.metrics import ReportingForm
from reporting import gather
from reporting.model import WeeklyReport
from reporting.table_cells import Cell, CellKind, Row, Table
from reporting.table_cells import make_row as _row
from reporting.violation_tables import rule_unit_table, rules_body_table, rules_table, unit_violations_table

__all__ = [
    "Cell",
    "CellKind",
    "Row",
    "Table",
    "report_tables",
    "rule_unit_table",
    "rules_body_table",
    "rules_table",
    "unit_violations_table",
]

FORM_COLUMNS = (
    "h_carried",
    "h_new_online",
    "h_new_direct",
    "h_received",
    "h_early",
    "h_on_time",
    "h_late",
    "h_within",
    "h_overdue",
    "h_rate",
    "h_points",
)


def form_values(form: ReportingForm) -> list[tuple[Any, CellKind]]:
    """A form's figures in ``FORM_COLUMNS`` order."""
    return [
        (form.carried_over, "int"),
        (form.new_online, "int"),
        (form.new_direct_postal, "int"),
        (form.received_total, "int"),
        (form.resolved_early, "int"),
        (form.resolved_on_time, "int"),
        (form.resolved_late, "int"),
        (form.in_progress_within_time, "int"),
        (form.in_progress_overdue, "int"),
        (form.on_time_rate, "rate"),
        (form.progress_points_766, "points"),
    ]


def form_table(report: WeeklyReport) -> Table:
    """The national reporting form per unit, then the province total."""
    t = report.texts
    table = Table(
        "form",
        [t("h_code"), t("h_unit"), *(t(c) for c in FORM_COLUMNS)],
        widths=[13, 26, *([7.5] * 9), 8.5, 7.5],
    )
    for code, form in report.forms.units.items():
        table.rows.append(
            _row(t, [(code, "text"), (report.names.unit(code), "text"), *form_values(form)], key=code)
        )
    table.rows.append(
        _row(
            t, [("", "text"), (t("province_total_label"), "text"), *form_values(report.province)], total=True
        )
    )
    return table


def province_table(report: WeeklyReport) -> Table:
    """The province's figures as label/value pairs (the first page)."""
    t = report.texts
    table = Table("province", [t("h_label"), t("h_value")], widths=[60, 25])
    for heading, (value, kind) in zip(FORM_COLUMNS, form_values(report.province), strict=True):
        table.rows.append(_row(t, [(t(heading), "text"), (value, kind)], key=heading))
    return table


def ranking_table(report: WeeklyReport) -> Table:
    t = report.texts
    table = Table(
        "ranking",
        [
            t("h_rank"),
            t("h_code"),
            t("h_unit"),
            t("h_handled"),
            t("h_rate"),
            t("h_points"),
            t("h_violations"),
        ],
        widths=[8, 16, 40, 14, 14, 14, 12],
    )
    for r in report.ranking:
        rank: tuple[Any, CellKind] = (r.rank, "int") if r.rank is not None else (t("unranked"), "text")
        table.rows.append(
            _row(
                t,
                [
                    rank,
                    (r.code, "text"),
                    (report.names.unit(r.code), "text"),
                    (gather.handled(r.form), "int"),
                    (r.form.on_time_rate, "rate"),
                    (r.form.progress_points_766, "points"),
                    (report.unit_violations(r.code).count, "int"),
                ],
                key=r.code,
            )
        )
    return table


def trend_table(report: WeeklyReport) -> Table:
    """On-time rate per week: the province, then every unit with data in any of the weeks."""
    t = report.texts
    weeks = [f"{p.week.number:02d}/{p.week.year}" for p in report.trend]
    if weeks and report.maturity.provisional:  # as the trend chart marks it: its rates may still change
        weeks[-1] += f" ({t('provisional_mark')})"
    table = Table("trend", [t("h_code"), t("h_unit"), *weeks], widths=[14, 30, *([9.0] * len(weeks))])
    codes = sorted({code for p in report.trend for code in p.units})
    for code in codes:
        rates: list[tuple[Any, CellKind]] = [
            (p.units[code].on_time_rate if code in p.units else None, "rate") for p in report.trend
        ]
        table.rows.append(_row(t, [(code, "text"), (report.names.unit(code), "text"), *rates], key=code))
    # The province last, as in the form table: first, it sat inside the sheet's filter and sorted among
    # the units (review).
    province: list[tuple[Any, CellKind]] = [("", "text"), (t("province_total_label"), "text")]
    province += [(p.province.on_time_rate, "rate") for p in report.trend]
    table.rows.append(_row(t, province, total=True))
    return table


#: Fewer dossiers counted by indicator 2.1 than this: a group's rate and points are marked (``SMALL_MARK``,
#: explained under the table: ``small_base_note``), as a rate that one dossier moves by several points.
SMALL_BASE = 30
SMALL_MARK = " (*)"


def small_base(handled: int) -> bool:
    """Whether a rate of ``handled`` dossiers is one of a small base (marked, or said with its count)."""
    return 0 < handled < SMALL_BASE


def _group_table(report: WeeklyReport, name: str, forms: dict[str, ReportingForm], kind: str) -> Table:
    t = report.texts
    code_h, name_h = ("h_field_code", "h_field") if kind == "field" else ("h_procedure_code", "h_procedure")
    table = Table(
        name,
        [
            t(code_h),
            t(name_h),
            t("h_received"),
            t("h_early"),
            t("h_on_time"),
            t("h_late"),
            t("h_within"),
            t("h_overdue"),
            t("h_rate"),
            t("h_points"),
        ],
        widths=[14, 60, 12, 10, 10, 10, 12, 12, 12, 11],
    )
    ordered = sorted(forms.items(), key=lambda item: (-item[1].received_total, item[0]))
    for code, form in ordered:
        label = report.names.field(code) if kind == "field" else report.names.procedure(code)
        row = _row(t, [(code, "text"), (label, "text"), *_group_values(form)], key=code)
        if small_base(gather.handled(form)):  # "100,0 %" of 14 dossiers read as a field's standing
            row.cells[-2:] = [Cell(c.value, c.text + SMALL_MARK, c.kind) for c in row.cells[-2:]]
        table.rows.append(row)
    # The province last, as the form's table has it: every dossier is in one group (an unknown field its
    # own), so the rows add up to it; the annex had no total (review).
    total: list[tuple[Any, CellKind]] = [("", "text"), (t("province_total_label"), "text")]
    total += _group_values(report.province)
    table.rows.append(_row(t, total, total=True))
    return table


def _group_values(form: ReportingForm) -> list[tuple[Any, CellKind]]:
    """A group's figures: the form's from the dossiers to handle on (a group has no carried-over split)."""
    return form_values(form)[FORM_COLUMNS.index("h_received") :]


def small_base_note(report: WeeklyReport, table: Table) -> str | None:
    """What the mark of a small group's rate means, under a table holding one (``None``: none)."""
    marked = any(cell.text.endswith(SMALL_MARK) for row in table.rows for cell in row.cells)
    return report.texts("small_base_note", n=SMALL_BASE) if marked else None


def fields_table(report: WeeklyReport) -> Table:
    return _group_table(report, "fields", report.forms.fields, "field")


def procedures_table(report: WeeklyReport) -> Table:
    return _group_table(report, "procedures", report.forms.procedures, "procedure")


def quality_table(report: WeeklyReport) -> Table:
    """The data-quality results in the report's language: the suite's name and the check's own sentence
    (``message_vi`` / ``message_en``), never the expectation's English id."""
    t = report.texts
    table = Table(
        "quality",
        [t("h_suite_vi"), t("h_check"), t("h_result"), t("h_blocking"), t("h_unexpected"), t("h_checked")],
        widths=[26, 112, 16, 14, 16, 16],
    )
    for r in report.quality.results:
        message = r.message_vi if t.lang == "vi" else r.message_en
        table.rows.append(
            Row(
                [
                    Cell(t.suite(r.suite), t.suite(r.suite)),
                    Cell(message, message),
                    Cell(r.success, t("passed") if r.success else t("failed")),
                    Cell(r.blocking, t("yes") if r.blocking else t("no")),
                    # Two numbers (one "0/2.146" text cell in the workbook could not be summed or sorted).
                    Cell(r.unexpected_count, t.integer(r.unexpected_count), "int"),
                    Cell(r.element_count, t.integer(r.element_count), "int"),
                ],
                key=f"{r.suite}:{r.expectation}",
                alert=not r.success,
            )
        )
    return table


def reached(report: WeeklyReport, table: Table) -> Table:
    """A violations ``table`` of the week, without rows when no data reach the week
    (``WeeklyReport.unreached``): what a detector's clock found in it is judged on data that stopped before
    it (last read of 2026-12-07). The PDF, the HTML and the XLSX take their violation tables through this."""
    if report.unreached:
        table.rows = []
    return table


def report_tables(report: WeeklyReport) -> dict[str, Table]:
    """The weekly report's tables, by name: the PDF's and the HTML's (the same ones). The XLSX adds the rule ×
    unit matrix and the procedures (``rule_unit_table``, ``procedures_table``), which only a spreadsheet
    can show whole."""
    rules, rules_body = reached(report, rules_table(report)), reached(report, rules_body_table(report))
    return {
        "province": province_table(report),
        "form": form_table(report),
        "ranking": ranking_table(report),
        "trend": trend_table(report),
        "rules": rules,
        "rules_body": rules_body,
        "unit_violations": unit_violations_table(report),
        "fields": fields_table(report),
        "quality": quality_table(report),
    }
