"""An audit pack of a provisional week says so (review of 2026-12-05: only the weekly report did): a box
under its title with the reasons and the day its figures are final, and "tạm tính" on every printed page,
of the HTML pack (its page margin) and of each workbook sheet (its page header). A final week's pack says
neither."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from inspections.weeks import Week
from reporting.api import write_audit_packs
from reporting.i18n import Texts
from tests.reporting.conftest import WEEK, Province

#: The fixture's data end before WEEK (2025-W45) has ended: provisional. 2025-W43's reach its final day.
FINAL_WEEK = Week.parse("2025-W43")
CHROMIUM = Path("/usr/bin/chromium")


def _packs(province: Province, week: Week, out: Path, lang: str = "vi") -> dict[str, list[Path]]:
    paths = write_audit_packs(
        province.catalogue, province.header(lang), province.wh, week, out, sample_size=2
    )
    found: dict[str, list[Path]] = {".html": [], ".xlsx": []}
    for path in paths:
        found[path.suffix].append(path)
    assert found[".html"] and len(found[".html"]) == len(found[".xlsx"])
    return found


def test_a_provisional_weeks_pack_says_so_in_both_formats(province: Province, tmp_path: Path) -> None:
    header = province.header()
    final_day = Texts("vi").day(WEEK.end + timedelta(days=header.maturity_days))  # 13/11/2025
    packs = _packs(province, WEEK, tmp_path)
    for html in packs[".html"]:
        text = html.read_text("utf-8")
        box = text[text.index('<div class="provisional" id="provisional">') :].split("</div>", 1)[0]
        # No data after the week's end: its own data may be incomplete, not only its time limits.
        assert "SỐ LIỆU TẠM TÍNH: Chưa có dữ liệu sau khi kết thúc tuần. Dữ liệu của tuần này có thể" in box
        assert f"cập nhật đến ngày {final_day}." in box and "(mẫu chọn lại khi đó có thể khác)" in box
        assert text.index("</h1>") < text.index('id="provisional"') < text.index("<h2>")
        assert '@top-right { content: "TẠM TÍNH"' in text  # every printed page
    for xlsx in packs[".xlsx"]:
        wb = load_workbook(xlsx)
        first = wb.worksheets[0]
        title_row = next(r for r in range(1, 10) if str(first.cell(r, 1).value).startswith("HỒ SƠ KIỂM TRA"))
        box = first.cell(title_row + 2, 1)
        assert str(box.value).startswith("SỐ LIỆU TẠM TÍNH: ") and f"đến ngày {final_day}." in str(box.value)
        assert box.alignment.wrap_text and box.font.b
        (merged,) = [r for r in first.merged_cells.ranges if r.min_row == box.row]
        assert merged.min_col == 1 and 4 <= merged.max_col <= 10  # about a screen wide, not column A alone
        assert first.row_dimensions[box.row].height >= 45  # room for its lines
        heading = title_row + 4  # a blank row each side of the box, then the table
        assert first.cell(heading, 1).value == "Mã hồ sơ"
        assert (
            first.auto_filter.ref.startswith(f"A{heading}:")
            and first.print_title_rows == f"${heading}:${heading}"
        )
        for sheet in wb.worksheets:
            assert sheet.oddHeader.center.text.endswith(" (tạm tính)"), sheet.title
        # The notes under the tables are wrapped across their first columns too (cut on paper in column A).
        sample = wb.worksheets[2]
        notes = [c for c in sample["A"] if str(c.value).startswith(("Mẫu chọn ngẫu nhiên", "Hồ sơ chưa kết"))]
        assert len(notes) == 2
        for cell in notes:
            assert cell.alignment.wrap_text and any(r.min_row == cell.row for r in sample.merged_cells.ranges)


def test_a_week_whose_data_reach_its_end_warns_of_its_time_limits(province: Province, tmp_path: Path) -> None:
    """2025-W44: the data reach past its end but not its final day (end + 3 days): only the time-limit
    violations of its last days may be missing."""
    html = _packs(province, Week.parse("2025-W44"), tmp_path)[".html"][0].read_text("utf-8")
    box = html[html.index('id="provisional">') :].split("</div>", 1)[0]
    assert "SỐ LIỆU TẠM TÍNH: Dữ liệu mới cập nhật đến " in box and "chưa đủ 3 ngày" in box
    assert "Danh sách vi phạm về thời hạn giải quyết của tuần này có thể chưa đầy đủ" in box
    assert "Dữ liệu của tuần này có thể chưa về đủ" not in box


def test_a_final_weeks_pack_has_no_provisional_mark(province: Province, tmp_path: Path) -> None:
    packs = _packs(province, FINAL_WEEK, tmp_path)
    for html in packs[".html"]:
        text = html.read_text("utf-8")
        assert 'id="provisional"' not in text and "TẠM TÍNH" not in text
    for xlsx in packs[".xlsx"]:
        wb = load_workbook(xlsx)
        assert not any("TẠM TÍNH" in str(c.value) for row in wb.worksheets[0].iter_rows() for c in row)
        for sheet in wb.worksheets:
            assert "tạm tính" not in sheet.oddHeader.center.text


def test_an_english_pack_of_a_provisional_week(province: Province, tmp_path: Path) -> None:
    packs = _packs(province, WEEK, tmp_path, "en")
    text = packs[".html"][0].read_text("utf-8")
    assert '<div class="provisional" id="provisional">PROVISIONAL FIGURES: No data after the week' in text
    assert "data may not all be in: violations and dossiers of the week may be missing" in text
    assert '@top-right { content: "PROVISIONAL"' in text
    wb = load_workbook(packs[".xlsx"][0])
    assert all(sheet.oddHeader.center.text.endswith(" (provisional)") for sheet in wb.worksheets)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_every_printed_page_of_a_provisional_pack_says_so(province: Province, tmp_path: Path) -> None:
    """Printed by chromium (the page margin's mark is CSS a browser may ignore): each page, with its
    number, says "TẠM TÍNH"; the box is on the first."""
    from playwright.sync_api import sync_playwright

    htmls = _packs(province, WEEK, tmp_path)[".html"]
    html = max(htmls, key=lambda path: path.stat().st_size)  # the pack with the most pages
    pdf = tmp_path / "pack.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(html.as_uri())
            page.pdf(path=str(pdf), prefer_css_page_size=True)
        finally:
            browser.close()
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    pages = out.stdout.split("\f")[:-1]
    assert len(pages) >= 2
    assert "SỐ LIỆU TẠM TÍNH:" in pages[0]
    for number, text in enumerate(pages, 1):
        assert f"Trang {number}/{len(pages)}" in text
        # The mark at the top right; from page 2, the pack's unit and week at the top left.
        assert text.lstrip("\n").split("\n", 1)[0].strip().endswith("TẠM TÍNH"), text[:200]
