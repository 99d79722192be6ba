"""PDF rendering with fpdf2 and embedded (subset) DejaVu fonts, which cover Vietnamese.

The fonts are the TrueType files matplotlib ships (``mpl-data/fonts/ttf``), so no system font is needed.
Page one is portrait with the official header (Nghị định 30/2020/NĐ-CP layout: issuing body on the left,
Quốc hiệu and tiêu ngữ on the right, place and date below), any blocking data-quality warning and any load
that did not complete (``WeeklyReport.load_warning``) in boxes;
the wide tables follow on landscape pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image

from reporting import tables as tb
from reporting.header import Letterhead
from reporting.html import blocking_warning
from reporting.model import Alert, WeeklyReport

FONT = "DejaVu"
_FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}
_RED = (179, 0, 0)
_HEAD_FILL = (232, 238, 247)
_TOTAL_FILL = (243, 243, 243)
_ALERT_FILL = (255, 241, 241)


class FontMissing(RuntimeError):
    """matplotlib's DejaVu fonts are not where they should be (a broken matplotlib install)."""


@cache
def font_paths() -> dict[str, Path]:
    """The DejaVu Sans files of matplotlib, by fpdf2 style."""
    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    paths = {style: base / name for style, name in _FONT_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise FontMissing(f"fonts for the PDF are missing: {', '.join(missing)}")
    return paths


class ReportPDF(FPDF):
    """An A4 document with the DejaVu family and page numbers in the footer."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        for style, path in font_paths().items():
            self.add_font(FONT, style, str(path))
        self.set_margins(left=25, top=15, right=15)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_creator("dossier-audit")
        self.set_font(FONT, size=11)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "I", 7)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self.footer_text} — {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _line(pdf: FPDF, x: float, width: float, text: str, style: str, size: float, h: float = 5.5) -> None:
    pdf.set_x(x)
    pdf.set_font(FONT, style, size)
    # Header lines stay on one line as in the official layout: shrink (down to 8 pt) before wrapping.
    while size > 8 and pdf.get_string_width(text) > width - 2:
        size -= 0.5
        pdf.set_font(FONT, style, size)
    pdf.multi_cell(width, h, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _underline(pdf: FPDF, x: float, width: float, share: float) -> None:
    y = pdf.get_y() + 0.5
    inset = width * (1 - share) / 2
    pdf.line(x + inset, y, x + width - inset, y)
    pdf.set_y(y + 1.5)


def official_header(pdf: FPDF, header: Letterhead, national: str, motto: str, place_date: str) -> None:
    """The two-column official header and the place-and-date line."""
    left_x, left_w = pdf.l_margin, 72.0
    right_w = 96.0
    right_x = pdf.w - pdf.r_margin - right_w
    top = pdf.get_y()
    _line(pdf, left_x, left_w, header.issuer, "", 10.5)
    _line(pdf, left_x, left_w, header.team, "B", 10.5)
    _underline(pdf, left_x, left_w, 0.35)
    left_bottom = pdf.get_y()
    pdf.set_y(top)
    _line(pdf, right_x, right_w, national, "B", 10.5)
    _line(pdf, right_x, right_w, motto, "B", 11.5)
    _underline(pdf, right_x, right_w, 0.6)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 2)
    _line(pdf, right_x, right_w, place_date, "I", 11)
    pdf.ln(4)


def boxed(
    pdf: FPDF, text: str, *, color: tuple[int, int, int], fill: tuple[int, int, int], size: float
) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.set_draw_color(*color)
    pdf.set_fill_color(*fill)
    pdf.set_text_color(*color)
    pdf.set_line_width(0.8)
    pdf.multi_cell(0, 6, text, border=1, align="C", fill=True, padding=3, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11.5)
    pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def paragraph(pdf: FPDF, text: str, *, style: str = "", size: float = 10.5) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, 5.5, text, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def draw_table(pdf: FPDF, table: tb.Table, *, size: float = 7.5, width: float | None = None) -> None:
    """A table with repeated headings; numbers right-aligned, total rows bold, failed checks tinted."""
    if not table.rows:
        return
    pdf.set_font(FONT, "", size)
    bold = FontFace(emphasis="BOLD", fill_color=_TOTAL_FILL)
    alert = FontFace(color=_RED, fill_color=_ALERT_FILL)
    with pdf.table(
        col_widths=table.widths,
        width=width,
        text_align="LEFT",
        line_height=size * 0.5,
        padding=0.8,
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL, size_pt=size),
        repeat_headings=1,
    ) as out:
        head = out.row()
        for h in table.headings:
            head.cell(h, align="C")
        for row in table.rows:
            cells = out.row()
            style = bold if row.total else alert if row.alert else None
            for cell in row.cells:
                cells.cell(cell.text, align="R" if cell.numeric else "L", style=style)
    pdf.ln(3)


def image(pdf: FPDF, path: Path, width: float) -> None:
    # Reserve the image's height first: a chart is never split from its page top.
    with Image.open(path) as img:
        w_px, h_px = img.size
    height = width * h_px / w_px
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(str(path), x=(pdf.w - width) / 2, w=width)
    pdf.ln(2)


def write_report_pdf(report: WeeklyReport, charts: dict[str, Path], path: Path) -> Path:
    """``report.pdf``: the official header, summary and every table, charts embedded as images."""
    t = report.texts
    tables = tb.report_tables(report)
    pdf = ReportPDF(footer_text=report.title)
    pdf.set_title(report.title)
    pdf.set_lang(report.lang)
    pdf.add_page()
    official_header(
        pdf,
        report.header,
        t("national_name"),
        t("national_motto"),
        t.place_date(report.header.place, report.header.issued_on),
    )
    warning = blocking_warning(report)
    if warning:
        boxed(pdf, warning, color=_RED, fill=_ALERT_FILL, size=10)
    if report.load_warning:
        boxed(pdf, report.load_warning, color=_RED, fill=_ALERT_FILL, size=10)
    pdf.set_font(FONT, "B", 12.5)
    pdf.multi_cell(0, 6.5, report.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    if report.sample_catalogue:
        paragraph(pdf, t("sample_catalogue"), style="I", size=9)
    if report.empty:
        boxed(pdf, t("empty_week"), color=(60, 60, 60), fill=(245, 245, 245), size=12)

    heading(pdf, t("s_summary"))
    for line in report.summary_lines():
        if not isinstance(line, Alert):  # boxed above
            paragraph(pdf, line)
    if not report.empty:
        draw_table(pdf, tables["province"], size=9, width=110)
    image(pdf, charts["trend"], 165)

    def landscape_section(title: str, body: Callable[[], None]) -> None:
        pdf.add_page(orientation="landscape")
        heading(pdf, title)
        body()

    def empty_or(body: Callable[[], None]) -> Callable[[], None]:
        return (lambda: paragraph(pdf, t("empty_week"))) if report.empty else body

    landscape_section(t("s_form"), empty_or(lambda: draw_table(pdf, tables["form"])))

    def ranking() -> None:
        image(pdf, charts["ranking"], 190)
        draw_table(pdf, tables["ranking"], size=8)
        paragraph(pdf, t("notes_ranking"), style="I", size=8.5)

    landscape_section(t("s_ranking"), empty_or(ranking))

    def trend() -> None:
        image(pdf, charts["trend"], 190)
        draw_table(pdf, tables["trend"], size=7.5)

    landscape_section(t("s_trend"), trend)

    def violations() -> None:
        image(pdf, charts["rules"], 190)
        if len(tables["rules"].rows) > 1:
            draw_table(pdf, tables["rules"], size=8)
            draw_table(pdf, tables["unit_violations"], size=8)
        else:
            paragraph(pdf, t("no_violations"))
        paragraph(pdf, t("notes_violations"), style="I", size=8.5)

    landscape_section(t("s_violations"), violations)
    landscape_section(t("s_fields"), empty_or(lambda: draw_table(pdf, tables["fields"], size=8)))

    def quality() -> None:
        paragraph(pdf, report.quality_line(), style="B")
        draw_table(pdf, tables["quality"], size=7.5)

    landscape_section(t("s_quality"), quality)
    pdf.output(str(path))
    return path
