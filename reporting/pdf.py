"""The weekly report's PDF with fpdf2: an official báo cáo (``reporting.official``) in portrait, then the
detailed tables in a landscape annex (Phụ lục).

The body is what a chairman reads: the warnings and the provisional mark in boxes, "Nhận định chính",
the week's dossiers with indicator 2.1 defined by its own figures, the two charts, the violations by their
Vietnamese names, "Kiến nghị", and the signature and "Nơi nhận". Rule codes appear only in the annex.
"""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image

from inspections.classification import local_midnight
from reporting import findings
from reporting import tables as tb
from reporting.case_section import cases_line
from reporting.html import blocking_warning
from reporting.model import WeeklyReport
from reporting.official import (
    BODY_PT,
    FONT,
    SIGNATURE_MM,
    OfficialPDF,
    header_block,
    signature_block,
    title_block,
)
from reporting.table_cells import Row

_RED = (179, 0, 0)
_AMBER = (138, 84, 0)
_HEAD_FILL = (232, 238, 247)
_TOTAL_FILL = (243, 243, 243)
_ALERT_FILL = (255, 241, 241)
_AMBER_FILL = (255, 246, 224)
_BOX_FILL = (246, 248, 252)
#: Width of the body's charts: a little under the text width, so both charts fit beside the summary table.
CHART_MM = 145.0


def boxed(
    pdf: FPDF, text: str, *, color: tuple[int, int, int], fill: tuple[int, int, int], size: float = 12
) -> None:
    """A warning in bold black text (Decree 30/2020: the text of a document is black), framed in ``color``
    on a light ``fill``: the frame tells it apart on screen, the bold type on a black-and-white copy."""
    pdf.set_font(FONT, "B", size)
    pdf.set_draw_color(*color)
    pdf.set_fill_color(*fill)
    pdf.set_line_width(0.6)
    pdf.multi_cell(
        0, 6, text, border=1, align="J", fill=True, padding=(2, 3, 2, 3), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(3)


def orientation(pdf: FPDF) -> str:
    """The current page's orientation, for a page break that continues a section."""
    return "landscape" if pdf.w > pdf.h else "portrait"


def heading(pdf: FPDF, text: str, size: float = BODY_PT) -> None:
    if pdf.get_y() > pdf.h - pdf.b_margin - 30:
        pdf.add_page(orientation=orientation(pdf))
    pdf.ln(2)
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def paragraph(pdf: FPDF, text: str, *, style: str = "", size: float = BODY_PT, indent: bool = True) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, size * 0.5, ("\u2003" if indent else "") + text, align="J", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(1.2)


def key_findings_box(pdf: FPDF, report: WeeklyReport) -> None:
    """ "Nhận định chính": a framed block of 4–5 sentences."""
    t = report.texts
    lines = findings.key_findings(report)
    pdf.set_draw_color(40, 60, 110)
    pdf.set_fill_color(*_BOX_FILL)
    pdf.set_line_width(0.5)
    text = "\n".join(f"- {line}" for line in lines)
    pdf.set_font(FONT, "B", BODY_PT)
    pdf.multi_cell(0, 7, t("b_findings"), border="LTR", align="C", fill=True, padding=(2, 3, 0, 3),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font(FONT, "", BODY_PT)
    pdf.multi_cell(0, 6.2, text, border="LBR", align="J", fill=True, padding=(1, 3, 2, 3),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(3)


def caption(pdf: FPDF, text: str, table: tb.Table | None = None, size: float = 9.5) -> None:
    """A table's caption within an annex section, kept with its table: a new page when the table (or half
    a page of it) would not start on this one, as :func:`draw_table` would break before it."""
    if table is not None:
        needed = min(kept_height(table, size), (pdf.h - pdf.t_margin - pdf.b_margin) / 2)
        if pdf.get_y() + 8 + needed > pdf.h - pdf.b_margin:
            pdf.add_page(orientation=orientation(pdf))
    pdf.ln(1)
    pdf.set_font(FONT, "BI", 11)
    pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.5)


def table_height(table: tb.Table, size: float) -> float:
    """A rough height of ``table`` in mm (rows of one line, a heading of two)."""
    return (len(table.rows) + 2) * (size * 0.48 + 1.8)


#: The rows a table's note keeps on its page: the last two, or the note takes them to the next page.
NOTE_KEEPS_ROWS = 2
#: What a caption or section heading keeps room for under a table of no more rows than that, its note
#: being able to take the whole table to the next page (three lines of a note at 11 pt, and its gap).
NOTE_ROOM_MM = 20.0


def kept_height(table: tb.Table, size: float) -> float:
    """The height a caption or section heading keeps with ``table`` on its page: the table's, and for a
    table of at most ``NOTE_KEEPS_ROWS`` rows room for a note, which :func:`draw_table` keeps with its last
    rows, the whole of such a table: a heading over a two-row table whose note did not fit stayed alone at
    the foot of the page (diff review)."""
    height = table_height(table, size)
    return height + NOTE_ROOM_MM if len(table.rows) <= NOTE_KEEPS_ROWS else height


def draw_table(
    pdf: OfficialPDF,
    table: tb.Table,
    *,
    size: float = 9.5,
    width: float | None = None,
    note: str | None = None,
    note_size: float = 10.5,
) -> None:
    """A table with repeated headings; numbers right-aligned, total rows bold, failed checks tinted. Its
    ``note`` (small italics under it) stays on the page of its last two rows: a note alone at the top of a
    page reads as nobody's, and one under a lone total row little better, so where it would fall so the
    table breaks before its last two rows."""
    if not table.rows:
        if note is not None:
            paragraph(pdf, note, style="I", size=note_size, indent=False)
        return
    # A table that fits on one page is not split (one row alone on the next page reads as a new table).
    # The note is not counted: the caption or section heading above made the same estimate.
    estimate = table_height(table, size)
    usable = pdf.h - pdf.t_margin - pdf.b_margin
    if estimate < usable and pdf.get_y() + estimate > pdf.h - pdf.b_margin:
        pdf.add_page(orientation=orientation(pdf))
    rows = table.rows
    if note is not None and note_falls_alone(pdf, table, size, width, note, note_size):
        kept = rows[-NOTE_KEEPS_ROWS:]
        if len(kept) < len(rows):
            table_rows(pdf, table, rows[: -len(kept)], size=size, width=width)
        pdf.add_page(orientation=orientation(pdf))  # the headings again on top, as fpdf2 repeats them
        table_rows(pdf, table, kept, size=size, width=width)
    else:
        table_rows(pdf, table, rows, size=size, width=width)
    pdf.ln(3)
    if note is not None:
        paragraph(pdf, note, style="I", size=note_size, indent=False)


def table_rows(pdf: FPDF, table: tb.Table, rows: list[Row], *, size: float, width: float | None) -> None:
    """``rows`` of ``table`` under its headings, repeated on each page the rows continue on."""
    pdf.set_font(FONT, "", size)
    bold = FontFace(emphasis="BOLD", fill_color=_TOTAL_FILL)
    alert = FontFace(emphasis="BOLD", fill_color=_ALERT_FILL)  # black text (Decree 30), bold on its tint
    with pdf.table(
        col_widths=table.widths,
        width=width,
        text_align="LEFT",
        align="LEFT",  # from the left margin (fpdf2 centres on the page, not on the text area)
        line_height=size * 0.48,
        padding=0.8,
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL, size_pt=size),
        repeat_headings=1,
    ) as out:
        head = out.row()
        for h in table.headings:
            head.cell(h, align="C")
        shares = table.widths or [1.0] * len(table.headings)
        columns = [(width or pdf.epw) * share / sum(shares) for share in shares]
        for row in rows:
            cells = out.row()
            style = bold if row.total else alert if row.alert else None
            for cell, column in zip(row.cells, columns, strict=False):
                shown = pdf_cell_text(cell.text, pdf, column)
                cells.cell(shown, align="R" if cell.numeric else "L", style=style)


#: The most characters of a PDF table's cell, and the most lines of its column's width it may fill: a row
#: taller than a page stopped fpdf2, and the whole report with it, nothing written (a unit named in 5,600
#: characters: review of the documents, 2026-12-07; then a unit code of 400 "W" in its narrow column, or a
#: name of 200 line breaks: the last read). Real unit names are under 100 characters, the longest procedure
#: names under 1,000; the HTML and the XLSX keep the whole text.
PDF_CELL_CHARS = 400
PDF_CELL_LINES = 12
_BREAKS = re.compile(r"[\r\n\t\v\f\x1c-\x1e\x85\u2028\u2029]+")


def pdf_cell_text(text: str, pdf: FPDF | None = None, column: float = 0.0) -> str:
    """``text`` as a PDF cell shows it: its line breaks as spaces, cut at :data:`PDF_CELL_CHARS` and, with
    ``pdf`` (in the cell's font) and the ``column``'s width in mm, where its width unwrapped passes
    :data:`PDF_CELL_LINES` times the column's (measured: a row of wide letters is taller than one of narrow
    ones; wrapped at words, in bold, within the padding, that is up to about twice as many lines, still
    far less than a page: the last read rendered 23), with "…"."""
    text = _BREAKS.sub(" ", text)
    if len(text) > PDF_CELL_CHARS:
        text = text[: PDF_CELL_CHARS - 1].rstrip() + "…"
    if pdf is None or column <= 0 or pdf.get_string_width(text) <= column * PDF_CELL_LINES:
        return text
    room = column * PDF_CELL_LINES - pdf.get_string_width("…")
    low, high = 0, len(text)  # the longest prefix that fits: its width grows with its length
    while low < high:
        middle = (low + high + 1) // 2
        if pdf.get_string_width(text[:middle]) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def note_falls_alone(
    pdf: OfficialPDF, table: tb.Table, size: float, width: float | None, note: str, note_size: float
) -> bool:
    """Whether ``note``, set after the whole table, would not end on the page of the table's last two rows:
    laid out for real on the document's twin (:meth:`OfficialPDF.twin`), from where ``pdf`` stands."""
    twin = pdf.twin()
    start = twin.page
    table_rows(twin, table, table.rows, size=size, width=width)
    last = twin.page - start
    twin.ln(3)
    paragraph(twin, note, style="I", size=note_size, indent=False)
    note_page = twin.page - start
    if note_page != last or len(table.rows) < 2:
        return note_page != last
    twin = pdf.twin()  # the first rows paginate as in the whole table
    start = twin.page
    table_rows(twin, table, table.rows[:-1], size=size, width=width)
    return twin.page - start != last


def image(pdf: FPDF, path: Path, width: float, note: str | None = None) -> None:
    # Reserve the image's height (and its note's) first: a chart is never split from its note.
    with Image.open(path) as img:
        w_px, h_px = img.size
    height = width * h_px / w_px
    if pdf.get_y() + height + (10 if note else 0) > pdf.h - pdf.b_margin:
        pdf.add_page(orientation=orientation(pdf))
    pdf.image(str(path), x=pdf.l_margin + (pdf.epw - width) / 2, w=width)
    if note:
        paragraph(pdf, note, style="I", size=11, indent=False)
    pdf.ln(2)


def body(
    pdf: OfficialPDF, report: WeeklyReport, charts: dict[str, Path], tables: dict[str, tb.Table]
) -> None:
    """Page 1 on: the header, the boxes, Nhận định chính, sections I–III, signature and Nơi nhận."""
    t = report.texts
    header_block(pdf, report.header, t)
    title_block(pdf, t, report.title, report.header.addressee)
    warning = blocking_warning(report)
    if warning:
        boxed(pdf, warning, color=_RED, fill=_ALERT_FILL)
    if report.load_warning:
        boxed(pdf, report.load_warning, color=_RED, fill=_ALERT_FILL)
    if report.provisional_note:
        boxed(pdf, report.provisional_note, color=_AMBER, fill=_AMBER_FILL)
    if report.sample_catalogue:
        paragraph(pdf, t("sample_catalogue"), style="I", size=11, indent=False)
    if report.empty:
        boxed(pdf, report.empty_note, color=(60, 60, 60), fill=(245, 245, 245), size=13)
    key_findings_box(pdf, report)
    paragraph(pdf, t("intro", team=report.team_name, number=f"{report.week.number:02d}",
                     year=report.week.year))  # fmt: skip
    if report.data_cutoff is not None:
        paragraph(pdf, report.data_cutoff)

    heading(pdf, t("b_handling"))
    for line in report.handling_lines():
        paragraph(pdf, line)
    if not report.empty:
        draw_table(pdf, tables["province"], size=11, width=120)
        image(pdf, charts["trend"], CHART_MM, findings.chart_note(report, "trend"))
        image(pdf, charts["ranking"], CHART_MM, findings.chart_note(report, "ranking"))

    heading(pdf, t("b_violations"))
    for line in report.violation_lines():
        paragraph(pdf, line)
    if len(tables["rules_body"].rows) > 1:
        draw_table(pdf, tables["rules_body"], size=10.5, note=t("notes_violations"), note_size=11)
    cases = cases_line(report)
    if cases:  # once the console has been used: one sentence, the table is in the HTML and XLSX
        heading(pdf, t("b_cases"))
        paragraph(pdf, cases)

    heading(pdf, t("b_recommendations"))
    recommendations = findings.recommendations(report)
    for i, line in enumerate(recommendations, start=1):
        if i == len(recommendations):
            # The signature never stands alone on a page: the last recommendation goes with it.
            pdf.set_font(FONT, "", BODY_PT)
            measured = pdf.multi_cell(
                0, BODY_PT * 0.5, "\u2003" + line, dry_run=True, output=MethodReturnValue.HEIGHT
            )
            height = measured if isinstance(measured, float | int) else 20.0
            if pdf.get_y() + height + SIGNATURE_MM > pdf.h - pdf.b_margin:
                pdf.add_page()
        paragraph(pdf, f"{i}. {line}")
    signature_block(pdf, report.header, t)


def annex(pdf: OfficialPDF, report: WeeklyReport, tables: dict[str, tb.Table]) -> None:
    """The landscape Phụ lục: every detailed table, rule codes included."""
    t = report.texts
    head = report.header
    pdf.add_page(orientation="landscape")
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, t("annex_title"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    ref = t("annex_ref", number_symbol=head.number_symbol, day=t.day(head.issued_on),
            issuer=report.team_name)  # fmt: skip
    pdf.set_font(FONT, "I", 12)
    pdf.multi_cell(0, 6, ref, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    def section(key: str, first: tb.Table | None = None) -> None:
        # The heading stays with its table: a new page when the table would not start on this one.
        needed = 45.0 if first is None else min(kept_height(first, 9.5), pdf.h / 2)
        if pdf.get_y() + 12 + needed > pdf.h - pdf.b_margin:
            pdf.add_page(orientation="landscape")
        heading(pdf, t(key))

    empty = report.empty
    section("a_form", tables["form"])
    paragraph(pdf, report.empty_note) if empty else draw_table(pdf, tables["form"], size=9.5)
    section("a_ranking", tables["ranking"])
    if empty:
        paragraph(pdf, report.empty_note)
    else:
        draw_table(pdf, tables["ranking"], size=10, note=t("notes_ranking"))
    section("a_trend", tables["trend"])
    draw_table(pdf, tables["trend"], size=9.5)
    section("a_violations", tables["rules"])
    if len(tables["rules"].rows) > 1:
        # Two tables, each captioned: the one by unit, alone on the next page, read as nobody's (review).
        caption(pdf, t("annex_by_rule"))
        draw_table(pdf, tables["rules"], size=9.5)
        caption(pdf, t("annex_by_unit"), tables["unit_violations"])
        draw_table(pdf, tables["unit_violations"], size=9.5, note=report.unit_violations_note)
    else:  # a week never loaded has nothing to look at, rather than nothing found
        paragraph(pdf, t("no_data_violations" if report.never_loaded else "no_violations"))
    section("a_fields", tables["fields"])
    if empty:
        paragraph(pdf, report.empty_note)
    else:
        draw_table(pdf, tables["fields"], size=9.5, note=tb.small_base_note(report, tables["fields"]))
    section("a_quality", tables["quality"])
    paragraph(pdf, report.quality_line(), style="B", indent=False)
    draw_table(pdf, tables["quality"], size=9.5, note=report.quality_scopes)


def write_report_pdf(report: WeeklyReport, charts: dict[str, Path], path: Path) -> Path:
    """``report.pdf``: the official body in portrait, then the annex in landscape."""
    tables = tb.report_tables(report)
    pdf = OfficialPDF()
    # Dated by the issue day, not the clock: fpdf2 derives the file's /ID from the content and this date, so
    # the same report gives the same bytes.
    pdf.set_creation_date(local_midnight(report.header.issued_on))
    pdf.set_title(report.title)
    pdf.set_lang(report.lang)
    if report.edition:
        pdf.edition_line = report.texts("edition_line", code=report.edition)
    pdf.add_page()
    body(pdf, report, charts, tables)
    annex(pdf, report, tables)
    pdf.output(str(path))
    return path
