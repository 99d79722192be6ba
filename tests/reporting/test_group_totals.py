"""The annex by field and the workbook's sheet by procedure end with the province's row, which their rows
add up to (review: Annex V had no total, its columns added up to the province's 2.821 only by hand)."""

from __future__ import annotations

from reporting.model import build_report
from reporting.tables import fields_table, procedures_table
from tests.reporting.conftest import WEEK, Province


def test_the_group_tables_end_with_the_province_which_their_rows_add_up_to(province: Province) -> None:
    report = build_report(province.catalogue, province.header(), province.wh, WEEK, as_of=province.as_of)
    for table in (fields_table(report), procedures_table(report)):
        *rows, total = table.rows
        assert total.total and total.cells[1].text == report.texts("province_total_label")
        assert len(rows) > 1
        for column in range(2, 8):  # the counts: received, early, on time, late, within, overdue
            assert total.cells[column].value == sum(row.cells[column].value for row in rows), column
        assert total.cells[2].value == report.province.received_total > 0
        assert total.cells[8].value == report.province.on_time_rate


def test_a_rate_of_few_dossiers_is_marked_and_explained(province: Province, tmp_path) -> None:
    """Annex V read "100,0 %" and 20,00 points for a field of 14 dossiers, as firm as the province's rate
    (review): a group under SMALL_BASE dossiers counted has its rate and points marked, explained below."""
    from reporting import gather
    from reporting.html import write_report_html
    from reporting.tables import SMALL_BASE, SMALL_MARK, small_base_note

    report = build_report(province.catalogue, province.header(), province.wh, WEEK, as_of=province.as_of)
    table = fields_table(report)
    forms = report.forms.fields
    for row in table.rows[:-1]:
        assert row.key is not None
        small = 0 < gather.handled(forms[row.key]) < SMALL_BASE
        assert [c.text.endswith(SMALL_MARK) for c in row.cells] == [False] * 8 + [small] * 2, row.key
        assert row.cells[8].value == forms[row.key].on_time_rate  # the workbook's number stays a number
    assert not any(c.text.endswith(SMALL_MARK) for c in table.rows[-1].cells)
    marked = any(0 < gather.handled(f) < SMALL_BASE for f in forms.values())
    assert marked, "the simulated province has a small field"
    note = small_base_note(report, table)
    assert (note is not None) == marked
    from reporting.charts import write_charts

    charts = write_charts(report, tmp_path)
    page = write_report_html(report, charts, tmp_path / "r.html").read_text(encoding="utf-8")
    assert ('id="fields-note"' in page) == marked


def test_the_body_and_the_annex_compare_in_one_order(province: Province) -> None:
    """The body read "Tuần này | TB 8 tuần | Tuần trước", the annex "Tuần này | Tuần trước | Thay đổi | TB 8
    tuần": the same figures in another order invite misreading (review)."""
    from reporting.violation_tables import avg_heading, rules_body_table, rules_table, unit_violations_table

    report = build_report(province.catalogue, province.header(), province.wh, WEEK, as_of=province.as_of)
    t = report.texts
    compared = [t("h_this_week"), t("h_prev_week"), t("h_change"), avg_heading(report)]
    for table in (rules_body_table(report), rules_table(report), unit_violations_table(report)):
        shown = [h for h in table.headings if h in compared]
        assert shown == [h for h in compared if h in shown], (table.name, shown)
        assert {t("h_this_week"), t("h_prev_week"), avg_heading(report)} <= set(shown), table.name


def test_the_workbook_marks_a_small_groups_rate_and_explains_it(province: Province, tmp_path) -> None:
    """The workbook wrote the rate as a number, dropping the mark, and no note (review): the mark is in the
    cell's number format, the number stays a number, the note is under the sheet's table."""
    import openpyxl

    from reporting import gather
    from reporting.charts import write_charts
    from reporting.tables import SMALL_BASE
    from reporting.xlsx import write_report_xlsx

    report = build_report(province.catalogue, province.header(), province.wh, WEEK, as_of=province.as_of)
    path = write_report_xlsx(report, write_charts(report, tmp_path), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[report.texts("sheet_fields")[:31]]
    small = {code for code, form in report.forms.fields.items() if 0 < gather.handled(form) < SMALL_BASE}
    assert small
    for row in ws.iter_rows(min_row=2):
        code, rate = row[0].value, row[8]
        if code in small:
            assert isinstance(rate.value, int | float) and rate.number_format == '0.0%" (*)"', code
        elif code and isinstance(rate.value, int | float):  # a group with no dossier counted has "—"
            assert rate.number_format == "0.0%", code
    cells = (c.value for r in ws.iter_rows() for c in r)
    notes = [v for v in cells if isinstance(v, str) and v.startswith("(*)")]
    assert notes == [report.texts("small_base_note", n=SMALL_BASE)]
