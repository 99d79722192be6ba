"""Printed from a browser, the pages are numbered (review of 2026-12-05): the audit pack, which the unit
countersigns page by page, "Trang n/N" at the foot; the report's HTML as its PDF and Decree 30/2020
(Appendix I) number them, centred in the top margin and none on page 1."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from reporting.pack_texts import pack_text

CHROMIUM = Path("/usr/bin/chromium")
TEMPLATES = Path(__file__).parents[2] / "reporting" / "templates"


def _printed(tmp_path: Path, template: str, body: str, **values: str) -> list[str]:
    """The pages' text of a document with ``template``'s print styles and ``body``, printed by chromium."""
    from playwright.sync_api import sync_playwright

    text = (TEMPLATES / template).read_text("utf-8")
    style = text[text.index("<style>") : text.index("</style>") + len("</style>")]

    def kept(block: re.Match[str]) -> str:  # ``{% if name %}...{% endif %}``: kept when given a value
        return block.group(2) if block.group(1) in values else ""

    style = re.sub(r"\{%\s*if (\w+)\s*%\}(.*?)\{%\s*endif\s*%\}", kept, style, flags=re.S)
    for name, value in values.items():
        pattern = r"\{\{\s*" + re.escape(name) + r"\s*(\|\s*\w+\s*)?\}\}"  # a filter too
        style = re.sub(pattern, value.replace("\\", "\\\\"), style)
    pdf = tmp_path / "printed.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content(f'<html><head><meta charset="utf-8">{style}</head><body>{body}</body></html>')
            page.pdf(path=str(pdf), prefer_css_page_size=True)
        finally:
            browser.close()
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return out.stdout.split("\f")[:-1]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_printed_pack_numbers_its_pages(tmp_path: Path) -> None:
    body = "".join(f"<p>Dòng {n}</p>" for n in range(120))
    pages = _printed(tmp_path, "pack.html.j2", body, **{"p('page')": pack_text("page", "vi")})
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert f"Trang {number}/{len(pages)}" in page, page[-300:]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_printed_packs_later_pages_say_which_unit_and_week_they_are_of(tmp_path: Path) -> None:
    """Review of 2026-12-06: a loose page of a 62-page pack named no unit or week (its letterhead, on page 1
    alone, did). The pack's name is at the top of every page but the first, whatever the unit's name holds
    (a quote, a backslash, a tag are text in it)."""
    from reporting.html import css_string
    from reporting.visible import visible

    name = 'Sở "Tài chính" \\ </style><b>x</b>'
    head = visible(pack_text("page_head", "vi", unit=f"{name}\u202e (000.00.01.H99)", number="45", year=2025))
    body = "".join(f"<p>Dòng {n}</p>" for n in range(120))
    values = {"p('page')": pack_text("page", "vi"), "page_head": str(css_string(head))}
    pages = _printed(tmp_path, "pack.html.j2", body, **values)
    assert len(pages) >= 2
    assert "Hồ sơ kiểm tra tuần" not in pages[0]
    for page in pages[1:]:
        first = " ".join(page.lstrip("\n").split("\n", 1)[0].split())
        assert first == f"Hồ sơ kiểm tra tuần 45/2025 — {name}[U+202E] (000.00.01.H99)", first


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_printed_report_numbers_its_pages_at_the_top_but_the_first(tmp_path: Path) -> None:
    body = "".join(f"<p>Đoạn {n}</p>" for n in range(90))
    pages = _printed(tmp_path, "base.html.j2", body)
    assert len(pages) >= 2
    assert pages[0].split("\n", 1)[0].strip() == "Đoạn 0"  # no number on page 1
    for number, page in enumerate(pages[1:], 2):
        assert page.lstrip("\n").split("\n", 1)[0].strip() == str(number), page[:200]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("template", ["pack.html.j2", "base.html.j2"])
def test_every_printed_page_says_its_edition_code(tmp_path: Path, template: str) -> None:
    """Review of the signed documents: two printouts of one week with different content could not be told
    apart, nor matched with the kept file (``reporting.editions``). The code is at the foot of every page,
    the first and the report's landscape annex too."""
    body = "".join(f"<p>Dòng {n}</p>" for n in range(90)) + '<div class="annex">'
    body += "".join(f"<p>Phụ lục {n}</p>" for n in range(60)) + "</div>"
    values = {"p('page')": pack_text("page", "vi"), "edition_line": "Mã bản in: 3f9a-2c71"}
    pages = _printed(tmp_path, template, body, **values)
    assert len(pages) >= 3
    for page in pages:
        assert "Mã bản in: 3f9a-2c71" in page.rstrip().rsplit("\n", 2)[-1], page[-200:]
