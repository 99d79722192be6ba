"""Review findings 4, 9, 10 and 12 of issue 15: header lines wrap at 12–13 pt instead of shrinking, the key
findings are body text (13 pt), the serif falls back to DejaVu (or says what is missing), the document number
is the clerk's unless configured, and configured names keep their case."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from inspections.files.catalogue import sample_catalogue
from inspections.weeks import Week
from reporting import fonts
from reporting.header import letterhead, make_header
from reporting.i18n import Texts
from reporting.official import MIN_HEADER_PT, OfficialPDF, centred, header_block
from reporting.pdf import PDF_CELL_CHARS, draw_table, pdf_cell_text
from reporting.table_cells import Cell, Row, Table

CATALOGUE = sample_catalogue()
WEEK = Week.parse("2026-W53")


@pytest.mark.parametrize(
    ("text", "style", "size"),
    [("ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH", "", 12.5), ("TỔ KIỂM TRA CẢI CÁCH HÀNH CHÍNH", "B", 12.5)],
)
def test_a_long_header_line_wraps_at_its_size(text: str, style: str, size: float) -> None:
    pdf = OfficialPDF()
    pdf.add_page()
    top = pdf.get_y()
    centred(pdf, pdf.l_margin - 8, 78.0, text, style, size)
    assert pdf.font_size_pt == size >= MIN_HEADER_PT  # never shrunk (it was 9.5 and 11 pt)
    assert pdf.get_y() - top == pytest.approx(12.0)  # two lines of 6 mm
    centred(pdf, pdf.l_margin - 8, 78.0, "SỞ NỘI VỤ", style, 9)
    assert pdf.font_size_pt == MIN_HEADER_PT  # nothing under 12 pt, even when asked


@pytest.mark.parametrize(
    ("issuer", "printed"),
    [
        ("ỦY BAN NHÂN DÂN TỈNH MẪU", "ỦY BAN NHÂN DÂN TỈNH MẪU"),  # it reached 1 mm into the margin
        ("ỦY BAN NHÂN DÂN TỈNH BÀ RỊA - VŨNG TÀU", "UBND TỈNH BÀ RỊA - VŨNG TÀU"),
        ("ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH", "UBND THÀNH PHỐ HỒ CHÍ MINH"),
        ("ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ", "UBND TỈNH THỪA THIÊN HUẾ"),
    ],
)
def test_the_issuer_column_stays_inside_the_left_margin_on_one_line(
    tmp_path: Path, issuer: str, printed: str
) -> None:
    """Decree 30/2020 sets a left margin of 30–35 mm (LEGAL.md §4): the issuer column's first glyph is drawn
    at or right of it, its first line is one line (the province's name whole, or as Decree 30 abbreviates a
    superior body's name) at 12–13 pt, and it ends left of the Quốc hiệu. Read back from the PDF."""
    import dataclasses

    pdf = OfficialPDF()
    pdf.add_page()
    head = dataclasses.replace(letterhead(make_header(CATALOGUE, "vi"), WEEK), issuer=issuer)
    header_block(pdf, head, Texts("vi"))
    pdf.output(str(tmp_path / "head.pdf"))
    words = page_words(tmp_path / "head.pdf")
    first = [w for w in words if w[1] == words[0][1]]  # the top line, both columns
    national = next(i for i, w in enumerate(first) if w[4] == "CỘNG")
    assert " ".join(w[4] for w in first[:national]) == printed
    mm = 72 / 25.4
    assert min(w[0] for w in words if w[0] < pdf.w / 2 * mm) >= pdf.l_margin * mm - 0.01
    assert first[national - 1][2] < first[national][0] - 2 * mm  # clear of the Quốc hiệu
    assert sum(w[4] == printed.rsplit(maxsplit=1)[-1] for w in words) == 1  # not wrapped onto the next line


def page_words(path: Path) -> list[tuple[float, float, float, float, str]]:
    """Page 1's words as (xMin, yMin, xMax, yMax, text) in points, in pdftotext's reading order."""
    import re
    import subprocess

    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(float(a), float(b), float(c), float(d), text) for a, b, c, d, text in re.findall(pattern, out)]


def test_the_key_findings_are_set_as_body_text() -> None:
    from reporting import official
    from reporting import pdf as report_pdf

    assert official.BODY_PT >= 13
    source = Path(report_pdf.__file__).read_text(encoding="utf-8")
    box = source[source.index("def key_findings_box") : source.index("def table_height")]
    assert "BODY_PT - " not in box


def test_the_serif_falls_back_to_dejavu_and_then_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "TIMES_DIRS", (tmp_path / "none",))
    monkeypatch.setattr(fonts, "LIBERATION_DIRS", (tmp_path / "none",))
    fonts.serif_family.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="reporting.fonts"):
            family = fonts.serif_family()
        assert family.name == "DejaVuSerif" and not family.times_metrics
        assert all(p.is_file() for p in family.paths.values())
        assert "Liberation Serif is not installed" in caplog.text and "fonts-liberation2" in caplog.text
        fonts.serif_family.cache_clear()
        import matplotlib

        monkeypatch.setattr(matplotlib, "get_data_path", lambda: str(tmp_path / "empty"))
        with pytest.raises(fonts.FontMissing, match="install fonts-liberation2"):
            fonts.serif_family()
    finally:
        fonts.serif_family.cache_clear()


@pytest.mark.parametrize("names", range(3))
def test_times_new_roman_itself_is_used_where_it_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: int
) -> None:
    """Decree 30 names Times New Roman: a machine that has it (any of the names its files go by) prints
    the report in it; one without it in Liberation Serif (its metrics), as before."""
    import shutil

    fonts.serif_family.cache_clear()
    liberation = fonts.serif_family()
    assert liberation.name == "LiberationSerif"  # .ci/run installs it; no Times New Roman here
    for style, name in fonts._TIMES[names].items():  # stand-ins under Times New Roman's file names
        shutil.copy(liberation.paths[style], tmp_path / name)
    monkeypatch.setattr(fonts, "TIMES_DIRS", (tmp_path / "none", tmp_path))
    fonts.serif_family.cache_clear()
    try:
        family = fonts.serif_family()
        assert family.name == "TimesNewRoman" and family.times_metrics
        assert family.paths == {style: tmp_path / name for style, name in fonts._TIMES[names].items()}
        (tmp_path / fonts._TIMES[names]["BI"]).unlink()  # one face missing: not the family
        fonts.serif_family.cache_clear()
        assert fonts.serif_family().name == "LiberationSerif"
    finally:
        fonts.serif_family.cache_clear()


def test_the_number_is_left_for_the_clerk_unless_configured() -> None:
    default = letterhead(make_header(CATALOGUE, "vi"), WEEK)
    assert default.number.strip() == "" and default.number_line().endswith("/BC-TKT")
    assert "53" not in default.number_line()  # not the ISO week (2026-W53 is issued on 04/01/2027)
    week = letterhead(make_header(CATALOGUE, "vi", number="week"), WEEK)
    assert week.number_line() == "Số: 53/BC-TKT"
    given = letterhead(make_header(CATALOGUE, "vi", number="5", symbol="BC-UBND"), WEEK)
    assert given.number_line() == "Số: 05/BC-UBND"


def test_the_settings_validate_the_number() -> None:
    from bootstrap.settings import load_settings
    from bootstrap.settings_file import SettingsError

    assert load_settings().report_symbol == "BC-TKT" and load_settings().report_number == ""
    assert load_settings(report_number="week").report_number == "week"
    with pytest.raises(SettingsError, match="report-number"):
        load_settings(report_number="tuần 5")


def test_configured_names_keep_their_case_and_the_html_leaves_room_to_sign() -> None:
    import dataclasses

    from tests.reporting.test_findings import FINAL, make_report

    report = make_report({"000.00.01.H99": (1, 0, 0, 0, 0)}, {}, {}, FINAL)
    assert report.team_name == "Tổ Kiểm tra cải cách hành chính"  # the default, in its proper case
    team = "Đoàn kiểm tra liên ngành Thành phố Hồ Chí Minh"
    configured = dataclasses.replace(report, header=dataclasses.replace(report.header, team=team))
    assert configured.team_name == team  # not lower-cased ("thành phố hồ chí minh") nor capitalised
    template = (Path(fonts.__file__).parent / "templates" / "report.html.j2").read_text(encoding="utf-8")
    assert 't("signer_placeholder")' in template


def test_every_text_of_the_report_pdf_is_black(tmp_path: Path) -> None:
    """Decree 30/2020, Appendix I (LEGAL.md §4): the text is black. Warnings were set in red or amber and a
    failed check's row in red; they keep their frames and tints, and are bold. Read from the PDF itself:
    every colour set inside a text object (``BT … ET``)."""
    from reporting import charts
    from reporting.official import OfficialPDF
    from reporting.pdf import _ALERT_FILL, _RED, boxed, draw_table, write_report_pdf
    from reporting.table_cells import Cell, Row, Table
    from tests.reporting.test_findings import IMMATURE, make_report

    report = make_report({"000.00.01.H99": (80, 10, 10, 0, 0), "000.00.02.H99": (95, 5, 0, 0, 0)}, {}, {},
                         IMMATURE)  # fmt: skip
    assert report.maturity.provisional  # its warning box is drawn
    write_report_pdf(report, charts.write_charts(report, tmp_path), tmp_path / "report.pdf")
    pdf = OfficialPDF()
    pdf.add_page()
    boxed(pdf, "Cảnh báo", color=_RED, fill=_ALERT_FILL)
    draw_table(pdf, Table("t", ["Đơn vị"], [Row([Cell("A", "A")], alert=True), Row([Cell("B", "B")])]))
    pdf.output(str(tmp_path / "parts.pdf"))
    for name in ("report.pdf", "parts.pdf"):
        assert text_colours((tmp_path / name).read_bytes()) <= {b"0 0 0"}, name


def text_colours(data: bytes) -> set[bytes]:
    """The fill colours (``r g b rg``, which colour text) set inside the text objects of a PDF's pages."""
    import re
    import zlib

    streams = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(stream))
        except zlib.error:  # an image's or a font's
            continue
    found: set[bytes] = set()
    for block in re.findall(rb"\bBT\b(.*?)\bET\b", b"\n".join(streams), re.S):
        found |= {colour.strip() for colour in re.findall(rb"((?:[\d.]+ ){3})rg", block)}
    return found


def test_a_table_cell_longer_than_a_page_is_cut_not_the_report() -> None:
    """Review of the documents, 2026-12-07: a unit named in 5,600 characters made a row taller than a page,
    fpdf2 raised, and the whole report (HTML, XLSX and packs too) was not written. The PDF's cell is cut at
    ``PDF_CELL_CHARS`` with "…"; a real name is whole."""
    name = "Ủy ban nhân dân xã Tây An Lộc " * 200
    real = "Ủy ban nhân dân xã Tây An Lộc"
    table = Table("units", ["Mã", "Đơn vị", *["Số"] * 11], widths=[13, 26, *([7.5] * 9), 8.5, 7.5])
    table.rows = [Row([Cell(code, code), Cell(text, text), *[Cell(1, "1", "int")] * 11]) for code, text in
                  (("000.00.01.H99", name), ("000.00.02.H99", real))]  # fmt: skip
    pdf = OfficialPDF()
    pdf.add_page()
    draw_table(pdf, table, size=9.5)
    assert len(bytes(pdf.output())) > 0
    assert pdf_cell_text(real) == real
    cut = pdf_cell_text(name)
    assert len(cut) <= PDF_CELL_CHARS and cut.endswith("…") and name.startswith(cut[:-1])
    # The last read: 400 wide letters in the narrow code column, or a name of line breaks, in either
    # orientation, still made a row taller than a page.
    for code, text in (("W" * 400, real), ("Ш" * 400, real), ("000.00.01.H99", "a\n" * 200)):
        for orientation in ("portrait", "landscape"):
            table.rows = [Row([Cell(code, code), Cell(text, text), *[Cell(1, "1", "int")] * 11])]
            pdf = OfficialPDF()
            pdf.add_page(orientation=orientation)
            draw_table(pdf, table, size=9.5)
            assert len(bytes(pdf.output())) > 0
