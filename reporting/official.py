"""The weekly report's PDF as an administrative document (Decree 30/2020/NĐ-CP, Appendix I; LEGAL.md §4).

A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; a serif with Times New Roman's metrics
(``reporting.fonts``); page numbers centred in the top margin from page 2. Page 1 opens with the header
block — issuing body and number/symbol on the left, Quốc hiệu, Tiêu ngữ and place/date on the right —
then the type name (BÁO CÁO), the subject and "Kính gửi"; the body ends with "Nơi nhận" on the left and
the signer's title and name on the right.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from reporting.fonts import serif_family
from reporting.header import Letterhead
from reporting.i18n import Texts, short_unit_name
from reporting.line_units import units
from reporting.visible import visible

FONT = "Serif"
#: Body text size (Decree 30: 13–14 pt).
BODY_PT = 13.0
LEFT, RIGHT, TOP, BOTTOM = 30.0, 15.0, 20.0, 20.0
#: The signature block's height (title, room to sign, name; "Nơi nhận" beside it).
SIGNATURE_MM = 51.0


class OfficialPDF(FPDF):
    """An A4 document in the serif family, numbered in the top margin from page 2."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        for style, path in serif_family().paths.items():
            self.add_font(FONT, style, str(path))
        self.set_margins(left=LEFT, top=TOP, right=RIGHT)
        self.set_auto_page_break(auto=True, margin=BOTTOM)
        self.set_creator("dossier-audit")
        self.set_font(FONT, size=BODY_PT)
        self._twin: OfficialPDF | None = None  # made on first use (see twin)

    def normalize_text(self, text: str) -> str:
        """Every text the document writes (and measures), each character a reader would not see written as
        ``[U+XXXX]``, as the HTML and XLSX write it (``reporting.visible``): a right-to-left override or a
        zero-width space in a unit's name made two units read alike on the leadership's PDF only, and an
        escape character was a missing glyph (review of hostile text)."""
        return super().normalize_text(visible(text))

    def twin(self) -> OfficialPDF:
        """A document like this one, on a fresh page in this page's orientation, at this position, in this
        font: where a block is laid out to learn where it would end. fpdf2's ``offset_rendering`` lays it
        out here and deep-copies the whole document twice to put it back, a third of a report's PDF time.
        One twin serves the document; its measuring pages are never its first (which has no page number)."""
        twin = self._twin
        if twin is None:
            twin = OfficialPDF()
            twin.add_page()
            self._twin = twin
        twin.add_page(orientation="landscape" if self.w > self.h else "portrait")
        twin.set_margins(left=self.l_margin, top=self.t_margin, right=self.r_margin)
        twin.set_auto_page_break(auto=self.auto_page_break, margin=self.b_margin)
        twin.set_font(self.font_family, self.font_style, self.font_size_pt)
        twin.set_xy(self.x, self.y)
        return twin

    #: The edition line at the foot of every page ("Mã bản in: 3f9a-2c71"), or none.
    edition_line: str | None = None

    def footer(self) -> None:
        """The edition line in the bottom margin, small and grey, right-aligned: which kept edition a loose
        page is of (``reporting.editions``), the page's text untouched."""
        if not self.edition_line:
            return
        family, style, size = self.font_family, self.font_style, self.font_size_pt
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(90)
        self.cell(0, 4, self.edition_line, align="R")
        self.set_text_color(0)
        self.set_font(family, style, size)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(8)
        self.set_font(FONT, "", 13)
        self.cell(0, 6, str(self.page_no()), align="C")
        self.set_y(TOP)
        self.set_font(FONT, "", BODY_PT)


#: The smallest size of the header's lines (Decree 30: issuing body and Quốc hiệu 12–13 pt).
MIN_HEADER_PT = 12.0
#: The right column of the header: the Quốc hiệu (12.5 pt bold, 92 mm) with a millimetre to spare each side.
RIGHT_COLUMN_MM = 94.0
#: Between the issuer column and the Quốc hiệu's column.
COLUMN_GAP_MM = 1.0


def balanced_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` as one line, or split between two words (``line_units``: never inside a word of two
    syllables) where its two lines are most even when it does not fit ``width`` at the current font (as
    clerks break a long issuing body); a line still too wide wraps."""
    if pdf.get_string_width(text) <= width - 1:
        return [text]
    words = units(text)
    if len(words) < 2:
        return [text]
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    first, second = min(splits, key=lambda s: max(pdf.get_string_width(s[0]), pdf.get_string_width(s[1])))
    return [first, second]


def centred(pdf: FPDF, x: float, width: float, text: str, style: str, size: float, h: float = 6.0) -> None:
    """A centred line in a column at ``size`` (never under ``MIN_HEADER_PT``): a text too long for the
    column goes on two even lines, never in a smaller type."""
    pdf.set_font(FONT, style, max(size, MIN_HEADER_PT))
    for line in balanced_lines(pdf, text, width):
        pdf.set_x(x)
        pdf.multi_cell(width, h, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def superior_line(pdf: FPDF, text: str, width: float, size: float) -> tuple[str, float]:
    """The superior body's name (regular capitals) as it fits ``width`` on one line: whole at ``size``, whole
    at ``MIN_HEADER_PT``, then with Decree 30's abbreviation ("UBND TỈNH …") at either size; else whole at
    ``size``, for :func:`centred` to wrap. Every real province's "ỦY BAN NHÂN DÂN TỈNH …" is wider than the
    column at 12 pt (Bà Rịa - Vũng Tàu 92 mm, the column 70 mm): within the margins it fits only condensed
    to 76 %, which no clerk would send out; the abbreviation is how offices print it (all fit at 12.5 pt)."""
    # Decree 30/2020 (Appendix I) lets the superior body's name (cơ quan chủ quản) abbreviate its common
    # phrases, as clerks write "UBND TỈNH BÀ RỊA - VŨNG TÀU" above a department: the tables' abbreviation.
    short = short_unit_name(text)
    for candidate, pt in ((text, size), (text, MIN_HEADER_PT), (short, size), (short, MIN_HEADER_PT)):
        pdf.set_font(FONT, "", pt)
        if pdf.get_string_width(candidate) <= width - 1:
            return candidate, pt
    return text, size


def rule_under(pdf: FPDF, x: float, width: float, length: float) -> None:
    """The short line under the issuing body and under the Tiêu ngữ."""
    y = pdf.get_y() + 0.3
    pdf.set_line_width(0.3)
    pdf.line(x + (width - length) / 2, y, x + (width + length) / 2, y)
    pdf.set_line_width(0.2)
    pdf.set_y(y + 2)


def header_block(pdf: FPDF, head: Letterhead, t: Texts) -> None:
    """The two-column header, the number line and the place-and-date line."""
    # The issuer column stays within the 30 mm margin (it reached 8 mm into it, its first line 1 mm).
    right_w = RIGHT_COLUMN_MM
    right_x = pdf.w - pdf.r_margin - right_w
    left_x = pdf.l_margin
    left_w = right_x - COLUMN_GAP_MM - left_x
    top = pdf.get_y()
    superior, superior_pt = superior_line(pdf, head.issuer, left_w, 12.5)
    centred(pdf, left_x, left_w, superior, "", superior_pt)
    centred(pdf, left_x, left_w, head.team, "B", 12.5)
    rule_under(pdf, left_x, left_w, 30)
    centred(pdf, left_x, left_w, head.number_line(t("number_label")), "", 13)
    left_bottom = pdf.get_y()
    pdf.set_y(top)
    centred(pdf, right_x, right_w, t("national_name"), "B", 12.5)
    centred(pdf, right_x, right_w, t("national_motto"), "B", 13.5)
    pdf.set_font(FONT, "B", 13.5)
    rule_under(pdf, right_x, right_w, pdf.get_string_width(t("national_motto")))
    pdf.ln(1.5)
    centred(pdf, right_x, right_w, t.place_date(head.place, head.issued_on), "I", 13.5)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 5)


def title_block(pdf: FPDF, t: Texts, title: str, addressee: str) -> None:
    """BÁO CÁO on its own line, the subject (the rest of the title) under it, and "Kính gửi"."""
    rest = title
    if title.startswith(t("doc_type")):
        pdf.set_font(FONT, "B", 14)
        pdf.multi_cell(0, 7, t("doc_type"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        rest = title.removeprefix(t("doc_type")).strip()
    pdf.set_font(FONT, "B", 13.5)
    pdf.multi_cell(0, 6.5, rest, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 1
    pdf.line(pdf.w / 2 - 20, y, pdf.w / 2 + 20, y)
    pdf.set_y(y + 4)
    if addressee:
        pdf.set_font(FONT, "", 14)
        text = f"{t('addressee_label')} {addressee}."
        width = pdf.get_string_width(text)
        pdf.set_x(max(pdf.l_margin, (pdf.w - width) / 2))
        pdf.cell(width + 1, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)


def signature_block(pdf: FPDF, head: Letterhead, t: Texts) -> None:
    """ "Nơi nhận" (left, 12 pt bold italic; the list 11 pt) beside the signer (right, bold capitals)."""
    lines = max(len(head.copies), 3) + 1
    needed = max(lines * 5.5 + 6, SIGNATURE_MM)
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    left_w = 80.0
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(FONT, "BI", 12)
    pdf.cell(left_w, 6, t("copies_label"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    for i, copy in enumerate(head.copies):
        end = "." if i == len(head.copies) - 1 else ";"
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(left_w, 5, f"- {copy}{end}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    right_w = 80.0
    right_x = pdf.w - pdf.r_margin - right_w
    pdf.set_y(top)
    for line in head.signer_title:
        centred(pdf, right_x, right_w, line, "B", 13)
    pdf.ln(24)  # room for the signature (and the seal)
    if head.signer_name:
        centred(pdf, right_x, right_w, head.signer_name, "B", 13)
    else:
        centred(pdf, right_x, right_w, t("signer_placeholder"), "I", 13)
    pdf.set_y(max(bottom, pdf.get_y()) + 2)
