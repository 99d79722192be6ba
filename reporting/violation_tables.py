"""The weekly report's violation tables: by rule (the annex's, with codes last, and the body's, names
only) and by unit, and the rule × unit matrix of the spreadsheet.

A provisional week is not compared as if complete: its time-triggered rows, its totals and its unit rows
(which include time-triggered violations) show "—" for the week before, the change and the average, so
only the rules fixed when they occur are compared; a closing row totals those, labelled so. Without a week
of data before, every comparison is "—".
"""

from __future__ import annotations

from typing import Any

from inspections.violations import NOT_CHECKABLE
from reporting.counting import RuleCount
from reporting.model import TIME_TRIGGERED, WeeklyReport
from reporting.table_cells import CellKind, Table
from reporting.table_cells import make_row as _row


def comparable(report: WeeklyReport, rule: RuleCount | None = None) -> bool:
    """Whether a row (a rule's; ``None``: a total or a unit) may be compared with the weeks before."""
    if not report.prior_weeks:
        return False
    if not report.maturity.provisional:
        return True
    return rule is not None and (rule.kind != "violation" or rule.rule_id not in TIME_TRIGGERED)


def rule_label(report: WeeklyReport, rule: RuleCount) -> str:
    """A rule's title, marked "(tạm tính)" when a provisional week counts it before its time limits are all
    known (a time-triggered violation): as the tables and the rules chart name it."""
    t = report.texts
    name = t.rule_title(rule.rule_id)
    if report.maturity.provisional and rule.kind == "violation" and rule.rule_id in TIME_TRIGGERED:
        name += f" ({t('provisional_mark')})"
    return name


def _cmp(ok: bool, value: Any, kind: CellKind) -> tuple[Any, CellKind]:
    """A comparison cell, or "—" (``None``) where the row is not compared."""
    return (value if ok else None, kind)


def avg_heading(report: WeeklyReport) -> str:
    return report.texts("h_avg8", n=max(report.prior_weeks, 0))


def rules_table(report: WeeklyReport) -> Table:
    """The annex's violations by rule: the Vietnamese name first, the rule code last (codes only here)."""
    t = report.texts
    table = Table(
        "rules",
        [
            t("h_rule_title"),
            t("h_kind"),
            t("h_severity"),
            t("h_this_week"),
            t("h_prev_week"),
            t("h_change"),
            avg_heading(report),
            t("h_rule"),
        ],
        widths=[46, 15, 13, 11, 11, 11, 13, 42],
    )
    for r in report.violations.rules:
        name = rule_label(report, r)
        table.rows.append(
            _row(
                t,
                [
                    (name, "text"),
                    (t.kind(r.kind), "text"),
                    (t.severity(r.severity), "text"),
                    (r.count, "int"),
                    _cmp(comparable(report, r), r.previous, "int"),
                    _cmp(comparable(report, r), r.count - r.previous, "signed"),
                    _cmp(comparable(report, r), r.previous_8_avg, "average"),
                    (r.rule_id, "text"),
                ],
                key=f"{r.rule_id}:{r.kind}" if r.kind == NOT_CHECKABLE else r.rule_id,
            )
        )
    v = report.violations
    ok = comparable(report)
    table.rows.append(
        _row(
            t,
            [
                (t("h_total") + f" ({t.kind('violation').lower()})", "text"),
                ("", "text"),
                ("", "text"),
                (v.total, "int"),
                _cmp(ok, v.previous_total, "int"),
                _cmp(ok, v.total - v.previous_total, "signed"),
                _cmp(ok, v.previous_8_avg, "average"),
                ("", "text"),
            ],
            total=True,
        )
    )
    instant = _instant_total(report)
    if instant is not None:
        count, previous, avg = instant
        table.rows.append(
            _row(
                t,
                [
                    (t("h_total_instant"), "text"),
                    ("", "text"),
                    ("", "text"),
                    (count, "int"),
                    (previous, "int"),
                    (count - previous, "signed"),
                    (avg, "average"),
                    ("", "text"),
                ],
                total=True,
            )
        )
    return table


def _instant_total(report: WeeklyReport) -> tuple[int, int, float] | None:
    """A provisional week's comparable part (``WeeklyReport.instant_counts``; ``None`` for a final week or
    one without weeks of data before)."""
    if not report.maturity.provisional or not report.prior_weeks:
        return None
    return report.instant_counts()


def rules_body_table(report: WeeklyReport) -> Table:
    """The body's violations by rule: names only (no codes), this week against the week before and the 8
    weeks before, in the annex's order (the body put the average first, the annex last: review); a
    provisional week marks its time-triggered counts."""
    t = report.texts
    table = Table(
        "rules_body",
        [t("h_rules_body"), t("h_severity"), t("h_this_week"), t("h_prev_week"), avg_heading(report)],
        widths=[70, 17, 14, 14, 17],
    )
    for r in report.violations.rules:
        if r.kind != "violation" or not (r.count or r.previous or r.previous_8_avg):
            continue
        name = rule_label(report, r)
        table.rows.append(
            _row(
                t,
                [
                    (name, "text"),
                    (t.severity(r.severity), "text"),
                    (r.count, "int"),
                    _cmp(comparable(report, r), r.previous, "int"),
                    _cmp(comparable(report, r), r.previous_8_avg, "average"),
                ],
                key=r.rule_id,
            )
        )
    v = report.violations
    table.rows.append(
        _row(
            t,
            [
                (t("h_total"), "text"),
                ("", "text"),
                (v.total, "int"),
                _cmp(comparable(report), v.previous_total, "int"),
                _cmp(comparable(report), v.previous_8_avg, "average"),
            ],
            total=True,
        )
    )
    instant = _instant_total(report)
    if instant is not None:
        count, previous, avg = instant
        table.rows.append(
            _row(
                t,
                [(t("h_total_instant"), "text"), ("", "text"), (count, "int"), (previous, "int"),
                 (avg, "average")],
                total=True,
            )
        )  # fmt: skip
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
            avg_heading(report),
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
                    _cmp(comparable(report), u.previous, "int"),
                    _cmp(comparable(report), u.count - u.previous, "signed"),
                    _cmp(comparable(report), u.previous_8_avg, "average"),
                    (u.dossiers, "int"),
                ],
                key=u.code,
            )
        )
    if table.rows:  # the week's total, as the table by rule has it (the reader added the units up: review)
        v, ok = report.violations, comparable(report)
        total: list[tuple[Any, CellKind]] = [("", "text"), (t("h_total"), "text"), (v.total, "int")]
        total += [_cmp(ok, v.previous_total, "int"), _cmp(ok, v.total - v.previous_total, "signed")]
        total += [_cmp(ok, v.previous_8_avg, "average"), (v.dossiers, "int")]
        table.rows.append(_row(t, total, total=True))
    return table


def rule_unit_table(report: WeeklyReport) -> Table:
    """The week's violations as a rule × unit matrix (units with violations only): rules and units by their
    names, as the other tables name them (the sheet showed only codes, which a chairman cannot read), the
    rule code last; a closing row totals each unit."""
    t = report.texts
    matrix = report.violations.by_rule_unit
    units = sorted({unit for _, unit in matrix})
    rules = [r for r in report.violations.rules if r.kind == "violation" and r.count]
    headings = [t("h_rule_title"), *(report.names.unit(u) for u in units), t("h_total"), t("h_rule")]
    table = Table("rule_unit", headings)
    for rule in rules:
        counts = [matrix.get((rule.rule_id, unit), 0) for unit in units]
        cells: list[tuple[Any, CellKind]] = [(rule_label(report, rule), "text")]
        cells += [*((n, "int") for n in counts), (sum(counts), "int"), (rule.rule_id, "text")]
        table.rows.append(_row(t, cells, key=rule.rule_id))
    if rules:
        sums = [sum(matrix.get((rule.rule_id, unit), 0) for rule in rules) for unit in units]
        cells = [(t("h_total"), "text"), *((n, "int") for n in sums), (sum(sums), "int"), ("", "text")]
        table.rows.append(_row(t, cells, total=True))
    return table
