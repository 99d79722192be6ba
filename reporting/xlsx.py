"""XLSX rendering with openpyxl: one sheet per table, numbers as numbers (rates as percentages), the
official header and any blocking data-quality warning on the first sheet, charts on their own sheet.

Every table sheet has an autofilter over its table, its heading row frozen (and its code and name
columns where the rows are units), column widths from the table's own cells (a note under it does not
widen a column), and a print setup (A4 landscape, fit to one page wide, headings repeated). Dates are
date cells.

Every cell is written through :func:`reporting.cells.put`: codes, names and ids come from input and the
catalogue, and a text cell must never become a formula (issue 13, item 8)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from inspections.classification import local_midnight
from inspections.timeunits import VN_TZ
from reporting import findings
from reporting import tables as tb
from reporting.case_section import cases_line, cases_table
from reporting.cells import page_marks, paragraph, put, xml_text
from reporting.html import blocking_warning, edition_line
from reporting.i18n import percent_digits
from reporting.model import WeeklyReport
from reporting.stable_xlsx import save_stably

_THIN = Side(style="thin", color="888888")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="E8EEF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F3F3F3")
_ALERT_FILL = PatternFill("solid", fgColor="FFF1F1")
_FORMATS = {
    "int": "#,##0",
    "signed": "+#,##0;-#,##0;0",
    "rate": "0.0%",
    "points": "0.00",
    "decimal": "0.00",
    "average": "0.0",
}


def sheet_title(text: str) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in text)
    return clean[:31]


def put_table(ws: Worksheet, table: tb.Table, top: int = 1, left: int = 1) -> int:
    """Write ``table`` with its heading row at ``top``; returns the next free row."""
    for j, heading in enumerate(table.headings):
        cell = put(ws, top, left + j, heading)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for i, row in enumerate(table.rows, start=1):
        for j, c in enumerate(row.cells):
            # A figure not given ("—": a comparison a provisional week does not make) stays that text.
            value: Any = c.value if c.numeric and c.value is not None else c.text
            cell = put(ws, top + i, left + j, value)
            cell.border = _BORDER
            if c.numeric and c.value is not None:
                cell.number_format = _FORMATS[c.kind]
                if c.kind == "rate":  # as many decimals as its text (never 100.0% for a rate below 1)
                    shown = percent_digits(c.value)
                    cell.number_format = "0." + "0" * shown + "%" if shown else "0%"
                if c.text.endswith(tb.SMALL_MARK):  # a rate of few dossiers: the mark stays a number's format
                    cell.number_format += f'"{tb.SMALL_MARK}"'
            elif len(c.text) > 40:  # a long name wraps in its column rather than run under the next one
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if row.total:
                cell.font = Font(bold=True)
                cell.fill = _TOTAL_FILL
            elif row.alert:
                cell.font = Font(color="7A0000")
                cell.fill = _ALERT_FILL
    return top + len(table.rows) + 2


def size_columns(
    ws: Worksheet, widths: dict[int, float] | None = None, *, last_row: int | None = None
) -> None:
    """Columns wide enough for their text (capped), headings wrapped; only rows up to ``last_row`` count
    (a note below the table must not widen its first column)."""
    best: dict[int, float] = {}
    for row in ws.iter_rows(max_row=last_row):
        for cell in row:
            if cell.value is None:
                continue
            length = len(str(cell.value)) if not isinstance(cell.value, float) else 8
            best[cell.column] = max(best.get(cell.column, 6.0), min(length + 2, 60.0))
    for column, width in {**best, **(widths or {})}.items():
        ws.column_dimensions[get_column_letter(column)].width = width


def print_setup(ws: Worksheet, *, title_rows: str | None = "1:1") -> None:
    """A4 landscape, one page wide (as many pages tall as needed), the heading row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


#: A chart's largest size on the charts sheet: with a row below it and its note (up to 3 lines), within one
#: A4 landscape page's 451 pt between openpyxl's default margins (1 in top and bottom): 500 px is 375 pt.
#: At 560 the ranking chart of 13 units or more pushed its note onto a page of its own (review of fixes).
_CHART_PX = (900, 500)
#: The columns (of the default width) a chart spans, and the characters of a note's line across them.
_CHART_COLUMNS, _CHART_CHARS = 14, 110.0
#: Tables whose first two columns are a unit's (or field's, procedure's) code and name: frozen with the row.
_CODE_AND_NAME = frozenset({"form", "ranking", "trend", "unit_violations", "fields", "procedures"})


def _numeric_widths(table: tb.Table) -> dict[int, float]:
    """Columns of figures sized by their figures, not their heading (which wraps): two-digit counts sat in
    columns 22–40 characters wide, and the sheet printed one page wide at half size (review)."""
    widths: dict[int, float] = {}
    for j in range(len(table.headings)):
        cells = [row.cells[j] for row in table.rows if j < len(row.cells)]
        if cells and all(c.numeric or c.text in ("", "—") for c in cells):
            widths[j + 1] = float(min(14, max(9, *(len(c.text) + 3 for c in cells))))
    return widths


def _table_sheet(wb: Workbook, title: str, table: tb.Table, note: str | None = None) -> Worksheet:
    ws = wb.create_sheet(sheet_title(title))
    next_row = put_table(ws, table)
    last_row = 1 + len(table.rows)
    size_columns(ws, _numeric_widths(table), last_row=last_row)
    if table.name == "rule_unit":  # a column per unit, headed by its name: wrapped, not one name's width
        for column in range(2, len(table.headings) - 1):
            ws.column_dimensions[get_column_letter(column)].width = 14
    columns = max(len(table.headings), 1)
    if note:  # across the table's width, wrapped: in column A alone it ran past the printed page (review)
        chars = sum(ws.column_dimensions[get_column_letter(j)].width or 10 for j in range(1, columns + 1))
        paragraph(ws, next_row, note, columns=columns, chars=chars).font = Font(italic=True)
    # The filter (and its sorting) covers the data rows, not the total row beneath them: sorted with them,
    # "TOÀN TỈNH" and "Tổng cộng" went among the units and rules (review).
    data = len(table.rows)
    while data and table.rows[data - 1].total:
        data -= 1
    ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(1 + data, 2)}"
    ws.freeze_panes = "C2" if table.name in _CODE_AND_NAME else "B2"
    print_setup(ws)
    return ws


def header_block(ws: Worksheet, report: WeeklyReport, columns: int = 8) -> int:
    """The official header in the first rows; returns the next free row."""
    t = report.texts
    header = report.header
    half = max(columns // 2, 1)
    cells: list[tuple[int, int, str, Font]] = [
        (1, 1, header.issuer, Font(size=11)),
        (2, 1, header.team, Font(size=11, bold=True)),
        (1, half + 1, t("national_name"), Font(size=11, bold=True)),
        (2, half + 1, t("national_motto"), Font(size=12, bold=True, underline="single")),
        (3, half + 1, t.place_date(header.place, header.issued_on), Font(size=11, italic=True)),
        (5, 1, report.title, Font(size=13, bold=True)),
    ]
    for row, column, text, font in cells:
        cell = put(ws, row, column, text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        last = half if column == 1 else columns
        if row != 5:
            ws.merge_cells(start_row=row, start_column=column, end_row=row, end_column=last)
    ws.merge_cells(start_row=5, start_column=1, end_row=5, end_column=columns)
    ws.row_dimensions[5].height = 36
    return 7


def _period(ws: Worksheet, report: WeeklyReport, row: int) -> int:
    """The week's first and last day as date cells, how far the data reach (a date-time cell) and whether
    the figures are final; returns the next free row."""
    t = report.texts
    through = None if report.never_loaded else report.data_through  # no figures to date, as the PDF
    status = t("provisional_mark") if report.maturity.provisional else t("status_final")
    items: list[tuple[str, Any, str | None]] = [
        (t("xlsx_from"), report.week.start, "dd/mm/yyyy"),
        (t("xlsx_to"), report.week.sunday, "dd/mm/yyyy"),
        (t("xlsx_through"), _local_naive(through) if through else None, "dd/mm/yyyy hh:mm"),
        (t("xlsx_status"), status, None),
    ]
    for label, value, number_format in items:
        put(ws, row, 1, label).font = Font(bold=True)
        cell = put(ws, row, 2, value)
        if number_format:
            cell.number_format = number_format
        row += 1
    return row + 1


def _local_naive(at: datetime) -> datetime:
    """A spreadsheet has no time zones: the Vietnam-time wall clock."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(VN_TZ).replace(tzinfo=None)


def write_report_xlsx(report: WeeklyReport, charts: dict[str, Path], path: Path) -> Path:
    """``report.xlsx``: summary (header, warning, figures), then one sheet per table and the charts."""
    t = report.texts
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(t("sheet_summary"))
    row = header_block(ws, report)
    warning = blocking_warning(report)
    if warning:
        cell = put(ws, row, 1, warning)
        cell.font = Font(bold=True, color="B30000")
        cell.fill = _ALERT_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
        ws.row_dimensions[row].height = 48
        row += 2
    row = _period(ws, report, row)
    notes = [t("sample_catalogue")] if report.sample_catalogue else []
    if report.data_cutoff:  # as the HTML says it: the summary's and the quality sheet's times differed
        notes.insert(0, report.data_cutoff)
    if report.provisional_note:
        notes.append(report.provisional_note)
    if report.empty:
        notes.append(report.empty_note)
    # The report's parts under their headings, in the PDF's order (its I., II. and III.), headings bold.
    unfinished: list[str] = [report.load_warning] if report.load_warning else []
    parts: list[tuple[str | None, list[str]]] = [
        (None, [*notes, *unfinished]),
        (t("b_findings"), findings.key_findings(report)),
        (t("b_handling"), report.handling_lines()),
        (t("b_violations"), report.violation_lines()),
    ]
    cases = cases_line(report)
    if cases:
        parts.append((t("b_cases"), [cases]))
    parts.append((None, [report.quality_line()]))
    numbered = [f"{i}. {line}" for i, line in enumerate(findings.recommendations(report), start=1)]
    parts.append((t("b_recommendations"), numbered))
    for heading, lines in parts:
        if heading is not None:
            put(ws, row, 1, heading).font = Font(bold=True)
            row += 1
        for line in lines:
            paragraph(ws, row, line)
            row += 1
    row += 1
    if not report.empty:
        row = put_table(ws, tb.province_table(report), top=row)
    if cases:
        put_table(ws, cases_table(report), top=row)
    size_columns(ws, dict.fromkeys(range(1, 9), 16.0) | {1: 44.0})
    print_setup(ws, title_rows=None)

    _table_sheet(wb, t("sheet_units"), tb.form_table(report))
    _table_sheet(wb, t("sheet_ranking"), tb.ranking_table(report), t("notes_ranking"))
    _table_sheet(wb, t("sheet_trend"), tb.trend_table(report))
    # A week no data reach has no violation tables, as in the PDF and the HTML.
    rules = tb.reached(report, tb.rules_table(report))
    by_unit = tb.reached(report, tb.unit_violations_table(report))
    matrix = tb.reached(report, tb.rule_unit_table(report))
    no_data = report.empty_note if report.unreached else None
    _table_sheet(wb, t("sheet_rules"), rules, no_data or t("notes_violations"))
    _table_sheet(wb, t("sheet_unit_violations"), by_unit, no_data or report.unit_violations_note)
    _table_sheet(wb, t("sheet_rule_unit"), matrix, no_data)
    for sheet, group in (
        ("sheet_fields", tb.fields_table(report)),
        ("sheet_procedures", tb.procedures_table(report)),
    ):
        _table_sheet(wb, t(sheet), group, tb.small_base_note(report, group))
    quality_note = " ".join(filter(None, [report.quality_line(), report.quality_scopes]))
    _table_sheet(wb, t("sheet_quality"), tb.quality_table(report), quality_note)

    images = wb.create_sheet(sheet_title(t("sheet_charts")))
    print_setup(images, title_rows=None)  # A4 landscape like the others (it printed on the default paper)
    anchor = 1
    for role in ("trend", "ranking", "rules"):
        # Each chart on a page of its own, with the PDF's note under it: printed, the ranking chart was cut
        # between two pages and the rules chart was taller than one (review of the leadership's XLSX).
        picture = XlImage(str(charts[role]))
        scale = min(_CHART_PX[0] / picture.width, _CHART_PX[1] / picture.height)
        picture.width, picture.height = picture.width * scale, picture.height * scale
        images.add_image(picture, f"A{anchor}")
        anchor += math.ceil(picture.height / 20) + 1  # rows of 15 pt (20 px)
        if role != "rules":
            paragraph(images, anchor, findings.chart_note(report, role), columns=_CHART_COLUMNS,
                      chars=_CHART_CHARS)  # fmt: skip
            images.row_breaks.append(Break(id=anchor))
            anchor += 1
    mark = f"({t('provisional_mark')})" if report.maturity.provisional else ""
    for sheet in wb.worksheets:
        page_marks(sheet, report.title, t("page_word"), mark, edition_line(report) or "")
    wb.properties.title = xml_text(report.title)
    wb.properties.creator = "dossier-audit"
    # Dated by the report's issue day, not the clock: the same report gives the same bytes.
    return save_stably(wb, path, local_midnight(report.header.issued_on))
