"""A table's note stays on the page of the table's last two rows (review: a note printed under a table fell
onto the next page alone, read at the top of that page as nobody's; or under the total row alone, the rest of
the table on the page before). Read back per page with pdftotext."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.official import BOTTOM, TOP, OfficialPDF
from reporting.pdf import draw_table, note_falls_alone, paragraph, table_rows
from reporting.table_cells import Cell, Row, Table
from tests.depth import examples

HEADINGS = ["Đơn vị", "Số hồ sơ"]


def scenario_table(k: int, rows: int) -> Table:
    """``rows`` rows whose texts name scenario ``k``: S3-R0 … S3-R7, the last one S3-END."""
    names = [f"S{k}-R{i}" for i in range(rows - 1)] + [f"S{k}-END"]
    return Table(f"s{k}", HEADINGS, [Row([Cell(n, n), Cell(i, str(i), "int")]) for i, n in enumerate(names)],
                 widths=[3.0, 1.0])  # fmt: skip


def note(k: int) -> str:
    """A note of about a line and a half, from S3-NOTE to S3-NOTE-END."""
    return f"S{k}-NOTE " + "số hồ sơ tính theo ngày tiếp nhận của đơn vị, " * 3 + f"S{k}-NOTE-END"


def draw_scenarios(tmp_path: Path, scenarios: list[tuple[float, int]]) -> list[str]:
    """Each (start y, rows) on a page of its own, the table drawn from ``start``; the pages' text. Eight to
    a document (when the note's trial layout copied the document, it was slow at a hundred pages)."""
    pages: list[str] = []
    for first in range(0, len(scenarios), 8):
        pdf = OfficialPDF()
        for k, (start, rows) in enumerate(scenarios[first : first + 8], first):
            pdf.add_page()
            pdf.set_y(start)
            draw_table(pdf, scenario_table(k, rows), size=9.5, note=note(k))
        path = tmp_path / f"notes{first}.pdf"
        pdf.output(str(path))
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                             text=True).stdout  # fmt: skip
        pages += out.split("\f")[:-1]
    return pages


def page_of(pages: list[str], word: str) -> int:
    found = [i for i, text in enumerate(pages) if word in text.split()]
    assert len(found) == 1, (word, found)  # printed once: no row lost or drawn twice
    return found[0]


def check(pages: list[str], k: int, rows: int) -> None:
    for i in range(rows - 1):
        page_of(pages, f"S{k}-R{i}")
    last = page_of(pages, f"S{k}-END")
    assert page_of(pages, f"S{k}-NOTE") == last == page_of(pages, f"S{k}-NOTE-END"), k
    assert page_of(pages, f"S{k}-R{rows - 2}") == last, k  # nor under a lone last row
    assert "Đơn vị" in pages[last]  # the last rows under their headings, wherever they went


def test_a_note_stays_with_a_short_table_wherever_it_starts(tmp_path: Path) -> None:
    """Three and eight rows started every 5 mm over the last 72 mm of a page (at offsets that vary with the
    row count): the table moves whole to the next page with its note, or note and table stay where they are
    (every 3 mm took 8 s of the suite's 15 minutes for no other outcome)."""
    pdf = OfficialPDF()
    bottom = pdf.h - pdf.b_margin
    scenarios = [(bottom - 72 + rows / 3 + 5 * i, rows) for rows in (3, 8) for i in range(14)]
    pages = draw_scenarios(tmp_path, scenarios)
    for k, (_, rows) in enumerate(scenarios):
        check(pages, k, rows)


def test_a_note_stays_with_the_last_rows_of_a_long_table(tmp_path: Path) -> None:
    """Tables of 40 to 100 rows (over two or three pages): on whichever page the last rows fall, the note is
    under them, the table breaking before its last two rows when the note or one of them would not fit."""
    pdf = OfficialPDF()
    scenarios = [(pdf.t_margin, rows) for rows in (*range(40, 101, 9), 100)]
    pages = draw_scenarios(tmp_path, scenarios)
    for k, (_, rows) in enumerate(scenarios):
        check(pages, k, rows)


def test_a_caption_stays_with_a_table_of_two_rows_that_its_note_moves(tmp_path: Path) -> None:
    """Diff review: a table of one or two rows whose note would not fit goes whole to the next page, and the
    caption above it, placed by an estimate without the note, stayed alone at the foot of the page."""
    from reporting.pdf import caption

    scenarios = [(start, rows) for rows in (1, 2) for start in range(228, 266, 4)]
    pdf = OfficialPDF()
    for k, (start, rows) in enumerate(scenarios):
        pdf.add_page()
        pdf.set_y(start)
        table = scenario_table(k, rows)
        caption(pdf, f"CAPTION-{k}", table)
        draw_table(pdf, table, size=9.5, note=note(k))
    path = tmp_path / "captions.pdf"
    pdf.output(str(path))
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                           text=True).stdout.split("\f")[:-1]  # fmt: skip
    for k, (_, rows) in enumerate(scenarios):
        check(pages, k, rows) if rows > 1 else None
        assert page_of(pages, f"CAPTION-{k}") == page_of(pages, f"S{k}-END") == page_of(pages, f"S{k}-NOTE")


def falls_alone_in_place(pdf: OfficialPDF, table: Table, note: str) -> bool:
    """``note_falls_alone`` as it was: laid out on the document itself inside fpdf2's ``offset_rendering``
    (which deep-copies the document to put it back)."""
    with pdf.offset_rendering():
        table_rows(pdf, table, table.rows, size=9.5, width=None)
        last = pdf.page
        pdf.ln(3)
        paragraph(pdf, note, style="I", size=10.5, indent=False)
        note_page = pdf.page
    if note_page != last or len(table.rows) < 2:
        return note_page != last
    with pdf.offset_rendering():
        table_rows(pdf, table, table.rows[:-1], size=9.5, width=None)
        return pdf.page != last


@settings(max_examples=examples(20), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), page=st.integers(1, 3))
def test_the_twin_measures_where_the_note_falls_as_the_document_itself_would(seed: int, page: int) -> None:
    """From any page (the first has no page number), either orientation, any height and font: the twin's
    answer is the document's own, and the document is left where it was. The case is drawn uniformly from
    ``seed``: hypothesis' own draws of heights and lengths kept to the few that paginate alike."""
    draw = random.Random(seed)
    landscape = draw.random() < 0.5
    pdf = OfficialPDF()
    for n in range(page):
        pdf.add_page(orientation="landscape" if landscape and n == page - 1 else "portrait")
    pdf.set_font(pdf.font_family, *draw.choice([("", 13.0), ("B", 11.0), ("I", 9.5)]))
    pdf.set_y(TOP + draw.random() * (pdf.h - TOP - BOTTOM))
    table = scenario_table(0, draw.randint(1, 30))  # up to a page and a half
    text = " ".join(["ghi chú"] * draw.randint(1, 80))
    where = (pdf.page, pdf.x, pdf.y)
    assert note_falls_alone(pdf, table, 9.5, None, text, 10.5) == falls_alone_in_place(pdf, table, text)
    assert (pdf.page, pdf.x, pdf.y) == where


def test_every_data_quality_suite_has_a_name_in_both_languages() -> None:
    """A suite without one showed its code ("partitions") in the leadership's report, its XLSX and its PDF
    annex (review of the leadership's XLSX)."""
    from checks import SUITES
    from reporting.i18n import Texts

    for lang in ("vi", "en"):
        names = {suite.name: Texts(lang).suite(suite.name) for suite in SUITES}
        assert all(name != code for code, name in names.items()), names
