"""What a reader would not see, written out in documents and pages (``reporting.visible``): a right-to-left
override made ``D``, U+202E, ``1-gnol`` read ``Dlong-1`` in a pack an inspector signs (review)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from console.app import templates
from reporting.html import environment
from reporting.visible import visible
from schemas.unseen import BLANKS

OVERRIDE = "D\u202e1-gnol"


@given(st.text())
def test_what_is_shown_can_be_seen_and_says_what_was_there(text: str) -> None:
    shown = visible(text)
    assert all(c.isprintable() or c in "\t\n\r" or unicodedata.category(c) == "Zs" for c in shown)
    assert not any(ord(c) == 0x3164 or 0xFE00 <= ord(c) <= 0xFE0F or ord(c) == 0x2800 for c in shown)
    # Each [U+XXXX] stands for one character, the others are themselves: undone, it is the text again.
    undone = re.sub(r"\[U\+([0-9A-F]{4,6})\]", lambda m: chr(int(m.group(1), 16)), shown)
    assert undone == re.sub(r"\[U\+([0-9A-F]{4,6})\]", lambda m: chr(int(m.group(1), 16)), text)
    # (the blanks as ``schemas.unseen`` lists them: a list of its own here lacked U+E0100..U+E01EF, and
    # hypothesis found one)
    if text.isprintable() and not BLANKS.search(text):
        assert shown is text


def test_documents_show_what_a_reader_would_not_see() -> None:
    page = environment().from_string('<h3 id="t-{{ d }}">{{ d }}</h3><p>{{ n }}</p>').render(d=OVERRIDE, n=7)
    assert page == '<h3 id="t-D[U+202E]1-gnol">D[U+202E]1-gnol</h3><p>7</p>'
    assert "\u202e" not in page


def test_console_pages_show_it_and_post_back_the_stored_value() -> None:
    """A decision names the dossier stored, not the text shown: a form's values are exact."""
    env = templates().env
    page = env.from_string('<b>{{ d }}</b><input name="dossier_id" value="{{ d | exact }}">').render(
        d=OVERRIDE
    )
    assert page == '<b>D[U+202E]1-gnol</b><input name="dossier_id" value="D\u202e1-gnol">'
    assert env.from_string("<i>{{ x }}</i>").render(x="<b>\u200b") == "<i>&lt;b&gt;[U+200B]</i>"


def test_the_pdf_shows_what_a_reader_would_not_see(tmp_path) -> None:
    """The HTML and XLSX wrote ``[U+XXXX]``, the PDF the character itself: a right-to-left override reversed
    a unit's name on the leadership's PDF only, an escape was a missing glyph (review of hostile text)."""
    import subprocess

    from reporting.official import OfficialPDF

    pdf = OfficialPDF()
    pdf.add_page()
    pdf.multi_cell(0, 7, f"Đơn vị {OVERRIDE} \x1b[2J xã\u200bTây Sơn\nhết")
    path = tmp_path / "visible.pdf"
    pdf.output(str(path))
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "D[U+202E]1-gnol [U+001B][2J xã[U+200B]Tây Sơn" in text and "hết" in text
    assert not any(c in text for c in "\u202e\x1b\u200b")
