"""A letterhead line breaks between words, never between the syllables of one (``reporting.line_units``):
the default team balanced on two lines read "TỔ KIỂM TRA CẢI / CÁCH HÀNH CHÍNH" in the PDF."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.line_units import COMPOUNDS, nowrap_html, units
from reporting.official import OfficialPDF, balanced_lines

CHROMIUM = Path("/usr/bin/chromium")
TEAM = "TỔ KIỂM TRA CẢI CÁCH HÀNH CHÍNH"
ISSUER = "ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH"
SINGLES = ["TỔ", "SỞ", "TỈNH", "SỐ", "2", "ĐOÀN", "MẪU", "HỒ", "CHÍ", "MINH", "<b>&"]


def _pdf(style: str = "B", size: float = 12.5) -> OfficialPDF:
    pdf = OfficialPDF()
    pdf.add_page()
    pdf.set_font("Serif", style, size)
    return pdf


def test_the_default_team_and_a_long_issuer_break_between_words() -> None:
    assert balanced_lines(_pdf(), TEAM, 78.0) == ["TỔ KIỂM TRA", "CẢI CÁCH HÀNH CHÍNH"]
    assert balanced_lines(_pdf(""), ISSUER, 78.0) == ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH"]
    assert balanced_lines(_pdf(), "SỞ NỘI VỤ", 78.0) == ["SỞ NỘI VỤ"]  # it fits: one line


def test_units_keep_the_compounds_of_a_name() -> None:
    assert units(TEAM) == ["TỔ", "KIỂM TRA", "CẢI CÁCH", "HÀNH CHÍNH"]
    assert units("Ủy ban nhân dân  tỉnh") == ["Ủy ban", "nhân dân", "tỉnh"]  # any case; spaces collapsed
    assert units("") == [] and units("CẢI") == ["CẢI"]


_syllables = st.lists(
    st.one_of(st.sampled_from(sorted(COMPOUNDS)), st.sampled_from(SINGLES)), min_size=1, max_size=9
).map(" ".join)


@given(text=_syllables)
def test_units_give_the_text_back_and_no_unit_ends_inside_a_compound(text: str) -> None:
    found = units(text)
    assert " ".join(found) == " ".join(text.split())
    for left, right in itertools.pairwise(found):  # a boundary splits no listed pair ...
        assert f"{left.split()[-1]} {right.split()[0]}".upper() not in COMPOUNDS or len(left.split()) == 2


_ONE_PDF = _pdf()  # fonts loaded once: a document per example would take most of the deadline


@settings(deadline=None)
@given(text=_syllables, width=st.floats(min_value=20, max_value=120))
def test_balanced_lines_break_only_between_units(text: str, width: float) -> None:
    lines = balanced_lines(_ONE_PDF, text, width)
    assert " ".join(lines) == " ".join(text.split())
    if len(lines) == 2:  # the break is a boundary between two units
        boundaries = {len(" ".join(units(text)[:i])) for i in range(1, len(units(text)))}
        assert len(lines[0]) in boundaries


def test_html_keeps_each_compound_on_one_line_and_the_text_as_it_is() -> None:
    html = str(nowrap_html("SỞ <NỘI VỤ> & KIỂM TRA"))
    assert html == 'SỞ &lt;NỘI VỤ&gt; &amp; <span class="word">KIỂM TRA</span>'
    team = str(nowrap_html(TEAM))
    assert team.count('<span class="word">') == 3
    assert re.sub(r"<[^>]+>", "", team) == TEAM  # what a search or a copy finds


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_browser_wraps_the_letterhead_between_words() -> None:
    """The report's letterhead styles and markup in chromium, in columns narrow enough to wrap: every
    syllable of a compound sits on the line of its pair."""
    from playwright.sync_api import sync_playwright

    template = (Path(__file__).parents[2] / "reporting" / "templates" / "base.html.j2").read_text("utf-8")
    style = template[template.index("<style>") : template.index("</style>") + len("</style>")]
    cells = "".join(
        f'<td style="width:{w}px"><div class="team">{nowrap_html(TEAM)}</div>'
        f'<div class="issuer">{nowrap_html(ISSUER)}</div></td>'
        for w in (180, 230, 290)
    )
    page_html = (
        f'<html><head><meta charset="utf-8">{style}</head>'
        f'<body><table class="official"><tr>{cells}</tr></table>'
    )
    lines_js = """() => [...document.querySelectorAll('.team, .issuer')].map(div => {
        const walker = document.createTreeWalker(div, NodeFilter.SHOW_TEXT);
        const tops = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const match of node.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index); range.setEnd(node, match.index + match[0].length);
            tops.push([match[0], Math.round(range.getBoundingClientRect().top)]);
          }
        }
        return tops;
      })"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 900, "height": 600})
            page.set_content(page_html)
            blocks = page.evaluate(lines_js)
        finally:
            browser.close()
    wrapped = 0
    for syllables in blocks:
        tops = dict.fromkeys(top for _, top in syllables)
        wrapped += len(tops) > 1
        for (first, top), (second, next_top) in itertools.pairwise(syllables):
            if f"{first} {second}" in COMPOUNDS:
                assert top == next_top, f"{first} / {second} split across lines"
    assert wrapped >= 3  # the columns are narrow enough that the lines do wrap
