"""The audit pack as a workbook an inspection team filters and prints: every table sheet has an autofilter
and a frozen heading row, times are dates (``dd/mm/yyyy hh:mm``), each sheet prints on A4 landscape one
page wide with its heading row repeated, and the raw facts the sentences come from stay in hidden annex
columns (unhide them to check a sentence against the audit's data).

Every cell is written through :func:`reporting.cells.put` (text never becomes a formula)."""

from __future__ import annotations

from copy import copy
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from inspections.classification import local_midnight
from reporting import pack_tables as pt
from reporting.cells import page_marks, paragraph, put, xml_text
from reporting.header import Letterhead
from reporting.i18n import Texts
from reporting.pack_model import UnitPack
from reporting.pack_notes import onsite_note, sample_onsite
from reporting.pack_texts import pack_text, signing_team
from reporting.pack_timelines import timeline_table
from reporting.stable_xlsx import save_stably

DATE_FORMAT = "dd/mm/yyyy hh:mm"
#: In English, as its texts write dates (ISO): the English workbook mixed dd/mm cells with ISO titles.
DATE_FORMAT_EN = "yyyy-mm-dd hh:mm"
_THIN = Side(style="thin", color="888888")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="E8EEF7")
_ALERT_FILL = PatternFill("solid", fgColor="FFF1F1")
_ANNEX_FILL = PatternFill("solid", fgColor="F3F3F3")
#: The provisional box's colours, the HTML pack's and report's (``.provisional``).
_PROVISIONAL_FILL = PatternFill("solid", fgColor="FFF6E0")
_PROVISIONAL_TEXT = "6B4100"
_DOTTED = Border(bottom=Side(style="dotted"))
#: About a screen's width of columns (in characters), which a note under or over a table spans.
_BOX_WIDTH = 140


def sheet_title(text: str) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return "".join(" " if ch in "[]:*?/\\" else ch for ch in text)[:31]


def put_pack_table(
    ws: Worksheet, table: pt.PackTable, top: int = 1, *, lang: str = "vi", as_printed: bool = False
) -> int:
    """Write ``table`` with its heading row at ``top``, filter, freeze and print settings, its instants in
    ``lang``'s format; returns the next free row. ``as_printed``: the printed pack's columns first (then
    :func:`_print_area` prints those alone); the timeline sheet keeps its dossier column, which the printed
    pack leaves out (a timeline there is under its dossier's heading)."""
    date_format = DATE_FORMAT if lang == "vi" else DATE_FORMAT_EN
    # The printed pack's columns first, then the others, the hidden annex last: the sheet prints those of the
    # printed pack alone (its print area), at about the printed pack's scale. All twelve went to the page,
    # which fitting them to its width printed at 40 % (review of 2026-12-06, the pack as a signed paper).
    order = _sheet_order(table) if as_printed else list(range(len(table.columns)))
    columns = [table.columns[j] for j in order]
    for j, column in enumerate(columns, start=1):
        cell = put(ws, top, j, column.heading)
        cell.font = Font(bold=True)
        cell.fill = _ANNEX_FILL if column.annex else _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        dimension = ws.column_dimensions[get_column_letter(j)]
        dimension.width = column.width
        dimension.hidden = column.annex
    # A cell's style is set once per kind of cell (an instant or not, in an alert row or not), and copied to
    # the others of its kind: each style set through openpyxl's attributes hashes it against the workbook's
    # styles, most of the packs' time (`report` on the sample week: 6.8 -> 5.9 s of CPU, the same bytes).
    styled: dict[tuple[bool, bool], StyleArray] = {}
    for i, row in enumerate(table.rows, start=1):
        for j, source in enumerate((row.cells[k] for k in order), start=1):
            value = source.value if source.value is not None else source.text
            cell = put(ws, top + i, j, value)
            kind = (isinstance(value, datetime), row.alert)
            if kind in styled:
                cell._style = copy(styled[kind])
                continue
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(value, datetime):
                cell.number_format = date_format
            if row.alert:
                cell.font = Font(color="7A0000")
                cell.fill = _ALERT_FILL
            styled[kind] = cell._style
    last = f"{get_column_letter(len(columns))}{top + len(table.rows)}"
    ws.auto_filter.ref = f"A{top}:{last}"
    ws.freeze_panes = f"B{top + 1}"  # the heading row and the dossier id stay in view
    ws.print_title_rows = f"{top}:{top}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    return top + len(table.rows) + 2


def _sheet_order(table: pt.PackTable) -> list[int]:
    """The sheet's order of ``table``'s columns: those of the printed pack, then the others, the annex last
    (each group in the table's order)."""
    columns = table.columns
    return sorted(range(len(columns)), key=lambda j: (columns[j].annex, not columns[j].printed))


def _print_area(ws: Worksheet, table: pt.PackTable) -> None:
    """The sheet's print area, once all its rows are written: the printed pack's columns of ``table``, which
    :func:`put_pack_table` put first (none is set when every column is the printed pack's)."""
    printed = sum(1 for column in table.columns if column.printed)
    if printed < len(table.columns):
        ws.print_area = f"A1:{get_column_letter(printed)}{ws.max_row}"


def _note(ws: Worksheet, row: int, text: str, table: pt.PackTable) -> Cell:
    """A note wrapped across the table's first columns, up to about a screen's width: in column A alone
    a long one ran past the edge of the screen and was cut on paper; across the whole table, it was off
    the screen."""
    columns, width = 0, 0.0
    for column in (table.columns[j] for j in _sheet_order(table)):  # the order of a sheet as printed
        if width >= _BOX_WIDTH or column.annex:
            break
        columns, width = columns + 1, width + column.width
    return paragraph(ws, row, text, columns=max(columns, 1), chars=0.8 * width)  # italic or bold: wider


def _provisional(ws: Worksheet, row: int, text: str, table: pt.PackTable) -> None:
    """The provisional box, in the colours of the HTML pack's."""
    cell = _note(ws, row, text, table)
    cell.font = Font(bold=True, color=_PROVISIONAL_TEXT)
    cell.fill = _PROVISIONAL_FILL


def _onsite_sheet(ws: Worksheet, t: Texts, pack: UnitPack, header: Letterhead) -> None:
    """Section D of the printed pack, which the workbook lacked (docs say both hold the same): what to ask
    the unit for per rule, how its forms are numbered, and the signatures of the unit and the team."""
    lang = t.lang
    checks = pt.onsite_table(t, pack)
    _note(ws, 1, onsite_note(pack, lang), checks).font = Font(italic=True)
    row = put_pack_table(ws, checks, top=3, lang=lang)
    if not checks.rows:
        put(ws, row - 1, 1, t("pack_no_violations")).font = Font(italic=True)
        row += 1
    # As the printed pack: what the unit signs for, lines for its comments, where and when, then the
    # signature block, the unit's on the left, the team's on the right, room to sign.
    width = len(checks.columns)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    statement = put(ws, row, 1, pack_text("sign_statement", lang))
    statement.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row].height = 30
    for line in range(row + 1, row + 4):  # dotted lines to write on
        for column in range(1, width + 1):
            ws.cell(line, column).border = _DOTTED
    place_date = put(ws, row + 5, 3, pack_text("sign_place_date", lang))
    place_date.font, place_date.alignment = Font(italic=True), Alignment(horizontal="center")
    ws.merge_cells(start_row=row + 5, start_column=3, end_row=row + 5, end_column=4)
    row += 6
    for column, signer in ((1, pack_text("sign_unit", lang)), (3, signing_team(header.team, lang))):
        ws.merge_cells(start_row=row, start_column=column, end_row=row, end_column=column + 1)
        ws.merge_cells(start_row=row + 1, start_column=column, end_row=row + 1, end_column=column + 1)
        for line, (text, font) in enumerate(
            ((signer, Font(bold=True)), (pack_text("sign_hint", lang), Font(italic=True)))
        ):
            cell = put(ws, row + line, column, text)
            cell.font, cell.alignment = font, Alignment(horizontal="center")
    ws.print_area = f"A1:{get_column_letter(len(checks.columns))}{row + 6}"


def _header(ws: Worksheet, t: Texts, header: Letterhead, title: str) -> int:
    lines = [
        (header.issuer, False),
        (header.team, True),
        (t("national_name"), True),
        (t("national_motto"), True),
        (t.place_date(header.place, header.issued_on), False),
        (title, True),
    ]
    for i, (text, bold) in enumerate(lines, start=1):
        put(ws, i, 1, text).font = Font(bold=bold)
    return len(lines) + 2


def write_pack_xlsx(
    t: Texts,
    header: Letterhead,
    title: str,
    pack: UnitPack,
    path: Path,
    provisional: str | None = None,
    edition: str = "",
    *,
    days_off: str | None = None,
) -> Path:
    """The pack's workbook; ``provisional``: the box of a provisional week (``packs.provisional_box``),
    under the title, and "(tạm tính)" in every printed page's header."""
    lang = t.lang
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(t("sheet_violating"))
    violations = pt.violations_table(t, pack)
    top = _header(ws, t, header, title)
    for box in (provisional, days_off):  # a provisional week; a calendar of the Labour Code's pattern
        if box is not None:
            _provisional(ws, top, box, violations)
            top += 2
    after = put_pack_table(ws, violations, top=top, lang=lang, as_printed=True)
    if not pack.violations:
        put(ws, after - 1, 1, t("pack_no_violations")).font = Font(italic=True)
    else:
        _note(ws, after, pack_text("marks_note", lang), violations).font = Font(italic=True)
    if pack.to_review:  # as the HTML's box: the conclusions to look at again, their violations retracted
        items = "; ".join(f"{d}: {rule} ({day})" for d, rule, day in pt.to_review_items(t, pack))
        said = pack_text("to_review", lang, n=len(pack.to_review))
        _provisional(ws, after + 2, f"{said} {items}", violations)

    timeline = wb.create_sheet(sheet_title(t("sheet_timeline")))
    ids = pack.violating_dossiers + [d for d in pack.sample if d not in set(pack.violating_dossiers)]
    put_pack_table(timeline, timeline_table(t, pack, ids, with_dossier=True), lang=lang)

    sample = wb.create_sheet(sheet_title(t("sheet_sample")))
    sampled = pt.sample_table(t, pack)
    row = put_pack_table(sample, sampled, lang=lang, as_printed=True)
    note = t("pack_sample_note", seed=pack.seed, n=len(pack.sample), of=pack.clean_total)
    notes = [note, pack_text("sample_status_note", lang)]
    notes += [sample_onsite(pack, lang)] if pack.sample else []  # as the HTML: nothing to compare without
    for i, text in enumerate(notes):
        _note(sample, row + i, text, sampled).font = Font(italic=True)
    _onsite_sheet(wb.create_sheet(sheet_title(pack_text("sheet_onsite", lang))), t, pack, header)
    mark = "" if provisional is None else f"({t('provisional_mark')})"
    for sheet in wb.worksheets:  # the timeline and sample sheets, printed alone, named no unit or week
        page_marks(sheet, title, pack_text("page", lang), mark, edition)
    for sheet, table in ((ws, violations), (sample, sampled)):
        _print_area(sheet, table)
    wb.properties.title = xml_text(title)
    wb.properties.creator = "dossier-audit"
    return save_stably(wb, path, local_midnight(header.issued_on))
