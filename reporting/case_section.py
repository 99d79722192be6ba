"""The weekly report's "Kết quả xử lý của đoàn kiểm tra": how the inspectors had handled the violations found
up to the week's end in the console (confirmed, dismissed, awaiting the unit's explanation, explained,
concluded), and how many cases were acted on in the week, shown only once a case exists
(``WeeklyReport.cases``, ``reporting.gather.week_cases``). One sentence in the PDF's body; the sentence and
a table in the HTML and the XLSX."""

from __future__ import annotations

from reporting.model import WeeklyReport
from reporting.table_cells import Table
from reporting.table_cells import make_row as _row

#: Of the concluded cases, those whose violation the detector retracted since (``CaseState.to_review``).
_TO_REVIEW = {
    "vi": (" Trong các vi phạm đã kết luận, {n} vi phạm đã được bộ phát hiện rút lại sau đó (dữ liệu mới cho "
           "thấy không còn vi phạm): cần xem lại kết luận.", "— trong đó cần xem lại (vi phạm đã rút lại)"),
    "en": (" Of the concluded violations, {n} were retracted by the detector since (newer data shows none): "
           "look at those conclusions again.", "— of which to look at again (violation retracted)"),
}  # fmt: skip


def cases_line(report: WeeklyReport) -> str | None:
    """The section's sentence (``None``: no case, no section)."""
    c, t = report.cases, report.texts
    if c is None:
        return None
    line = t(
        "cases_line",
        confirmed=t.integer(c.confirmed),
        concluded=t.integer(c.concluded),
        dismissed=t.integer(c.dismissed),
        awaiting=t.integer(c.awaiting_explanation),
        explained=t.integer(c.explained),
    )
    line += t("cases_closed", closed=t.integer(c.closed)) if c.closed else ""
    line += _TO_REVIEW[report.lang][0].format(n=t.integer(c.to_review)) if c.to_review else ""
    return line + (t("cases_acted", acted=t.integer(c.acted)) if c.acted else t("cases_none_acted"))


def cases_table(report: WeeklyReport) -> Table:
    """The cases by state (no rows without cases)."""
    t = report.texts
    table = Table("cases", [t("h_case_state"), t("h_cases")], widths=[60, 25])
    c = report.cases
    if c is None:
        return table
    for key, n in (
        ("case_confirmed", c.confirmed),
        ("case_concluded", c.concluded),
        ("case_dismissed", c.dismissed),
        ("case_awaiting", c.awaiting_explanation),
        ("case_explained", c.explained),
        ("case_closed", c.closed),
        ("case_acted", c.acted),
    ):
        table.rows.append(_row(t, [(t(key), "text"), (n, "int")], key=key))
        if key == "case_concluded" and c.to_review:
            label = _TO_REVIEW[report.lang][1]
            table.rows.append(_row(t, [(label, "text"), (c.to_review, "int")], key="case_to_review"))
    return table
