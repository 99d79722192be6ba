"""The report's tables, once, for every format: each cell keeps its raw value (written to XLSX as a number)
and its display text in the report's language (HTML and PDF)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from inspections.metrics import ReportingForm
from inspections.violations import NOT_CHECKABLE
from reporting import gather
from reporting.i18n import Texts
from reporting.model import WeeklyReport

CellKind = Literal["text", "int", "signed", "rate", "points", "decimal"]


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any  # int, float, str or None
    text: str
    kind: CellKind = "text"

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    key: str | None = None  # e.g. the unit code (an HTML data attribute)
    total: bool = False  # the province/total row (bold)
    alert: bool = False  # a failed check (highlighted)


@dataclass(slots=True)
class Table:
    name: str  # stable id: html anchors, sheet lookup
    headings: list[str]
    rows: list[Row] = field(default_factory=list)
    widths: list[float] | None = None  # relative column widths for the PDF


def _cell(t: Texts, value: Any, kind: CellKind) -> Cell:
    if kind == "int":
        return Cell(value, t.integer(value), kind)
    if kind == "signed":
        return Cell(value, t.signed(value), kind)
    if kind == "rate":
        return Cell(value, t.percent(value), kind)
    if kind == "points":
        return Cell(None if value is None else round(value, 2), t.decimal(value), kind)
    if kind == "decimal":
        return Cell(value, t.decimal(value), kind)
    return Cell(value, "" if value is None else str(value), kind)


def _row(t: Texts, values: list[tuple[Any, CellKind]], **kw: Any) -> Row:
    return Row([_cell(t, v, k) for v, k in values], **kw)


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
    table = Table("trend", [t("h_code"), t("h_unit"), *weeks], widths=[14, 30, *([9.0] * len(weeks))])
    table.rows.append(
        _row(
            t,
            [
                ("", "text"),
                (t("province_total_label"), "text"),
                *((p.province.on_time_rate, "rate") for p in report.trend),
            ],
            total=True,
        )
    )
    codes = sorted({code for p in report.trend for code in p.units})
    for code in codes:
        rates: list[tuple[Any, CellKind]] = [
            (p.units[code].on_time_rate if code in p.units else None, "rate") for p in report.trend
        ]
        table.rows.append(_row(t, [(code, "text"), (report.names.unit(code), "text"), *rates], key=code))
    return table


def rules_table(report: WeeklyReport) -> Table:
    t = report.texts
    table = Table(
        "rules",
        [
            t("h_rule"),
            t("h_rule_title"),
            t("h_kind"),
            t("h_severity"),
            t("h_this_week"),
            t("h_prev_week"),
            t("h_change"),
            t("h_avg8"),
        ],
        widths=[30, 40, 14, 12, 11, 11, 11, 12],
    )
    for r in report.violations.rules:
        table.rows.append(
            _row(
                t,
                [
                    (r.rule_id, "text"),
                    (t.rule_title(r.rule_id), "text"),
                    (t.kind(r.kind), "text"),
                    (t.severity(r.severity), "text"),
                    (r.count, "int"),
                    (r.previous, "int"),
                    (r.count - r.previous, "signed"),
                    (r.previous_8_avg, "decimal"),
                ],
                key=f"{r.rule_id}:{r.kind}" if r.kind == NOT_CHECKABLE else r.rule_id,
            )
        )
    v = report.violations
    table.rows.append(
        _row(
            t,
            [
                ("", "text"),
                (t("h_total") + f" ({t.kind('violation').lower()})", "text"),
                ("", "text"),
                ("", "text"),
                (v.total, "int"),
                (v.previous_total, "int"),
                (v.total - v.previous_total, "signed"),
                (v.previous_8_avg, "decimal"),
            ],
            total=True,
        )
    )
    return table


def unit_violations_table(report: WeeklyReport) -> Table:
    t = report.texts
    table = Table(
        "unit_violations",
        [
            t("h_code"),
            t("h_unit"),
            t("h_this_week"),
            t("h_prev_week"),
            t("h_change"),
            t("h_avg8"),
            t("h_dossiers_count"),
        ],
        widths=[16, 40, 12, 12, 12, 14, 12],
    )
    for u in report.violations.units:
        if not (u.count or u.previous or u.previous_8_avg):
            continue
        table.rows.append(
            _row(
                t,
                [
                    (u.code, "text"),
                    (report.names.unit(u.code), "text"),
                    (u.count, "int"),
                    (u.previous, "int"),
                    (u.count - u.previous, "signed"),
                    (u.previous_8_avg, "decimal"),
                    (u.dossiers, "int"),
                ],
                key=u.code,
            )
        )
    return table


def rule_unit_table(report: WeeklyReport) -> Table:
    """The week's violations as a rule × unit matrix (units with violations only)."""
    t = report.texts
    matrix = report.violations.by_rule_unit
    units = sorted({unit for _, unit in matrix})
    rules = [r.rule_id for r in report.violations.rules if r.kind == "violation" and r.count]
    table = Table("rule_unit", [t("h_rule"), *units, t("h_total")])
    for rule_id in rules:
        counts = [matrix.get((rule_id, unit), 0) for unit in units]
        table.rows.append(
            _row(t, [(rule_id, "text"), *((n, "int") for n in counts), (sum(counts), "int")], key=rule_id)
        )
    return table


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
        table.rows.append(
            _row(
                t,
                [
                    (code, "text"),
                    (label, "text"),
                    (form.received_total, "int"),
                    (form.resolved_early, "int"),
                    (form.resolved_on_time, "int"),
                    (form.resolved_late, "int"),
                    (form.in_progress_within_time, "int"),
                    (form.in_progress_overdue, "int"),
                    (form.on_time_rate, "rate"),
                    (form.progress_points_766, "points"),
                ],
                key=code,
            )
        )
    return table


def fields_table(report: WeeklyReport) -> Table:
    return _group_table(report, "fields", report.forms.fields, "field")


def procedures_table(report: WeeklyReport) -> Table:
    return _group_table(report, "procedures", report.forms.procedures, "procedure")


def quality_table(report: WeeklyReport) -> Table:
    t = report.texts
    table = Table(
        "quality",
        [
            t("h_suite"),
            t("h_expectation"),
            t("h_column"),
            t("h_result"),
            t("h_blocking"),
            t("h_unexpected"),
            t("h_message"),
        ],
        widths=[14, 34, 16, 13, 11, 16, 56],
    )
    for r in report.quality.results:
        table.rows.append(
            Row(
                [
                    Cell(r.suite, r.suite),
                    Cell(r.expectation, r.expectation),
                    Cell(r.column, r.column or ""),
                    Cell(r.success, t("passed") if r.success else t("failed")),
                    Cell(r.blocking, t("yes") if r.blocking else t("no")),
                    Cell(
                        f"{r.unexpected_count}/{r.element_count}",
                        f"{t.integer(r.unexpected_count)}/{t.integer(r.element_count)}",
                    ),
                    Cell(
                        r.message_vi if t.lang == "vi" else r.message_en,
                        r.message_vi if t.lang == "vi" else r.message_en,
                    ),
                ],
                key=f"{r.suite}:{r.expectation}",
                alert=not r.success,
            )
        )
    return table


def report_tables(report: WeeklyReport) -> dict[str, Table]:
    """Every table of the weekly report, by name (each format shows those it has room for)."""
    return {
        "province": province_table(report),
        "form": form_table(report),
        "ranking": ranking_table(report),
        "trend": trend_table(report),
        "rules": rules_table(report),
        "unit_violations": unit_violations_table(report),
        "rule_unit": rule_unit_table(report),
        "fields": fields_table(report),
        "procedures": procedures_table(report),
        "quality": quality_table(report),
    }
