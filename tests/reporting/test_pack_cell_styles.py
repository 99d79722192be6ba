"""Each kind of pack table cell is styled once and its style copied to the others of its kind
(reporting/pack_xlsx.py): every cell must still carry its own kind's style, in whatever order the kinds
come."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from reporting import pack_tables as pt
from reporting.pack_xlsx import DATE_FORMAT, DATE_FORMAT_EN, put_pack_table
from tests.depth import examples

_KINDS = st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=1, max_size=12)


@settings(max_examples=examples(40), deadline=None)
@given(
    rows=_KINDS, alerts=st.lists(st.booleans(), min_size=12, max_size=12), lang=st.sampled_from(["vi", "en"])
)
def test_each_cell_has_the_style_of_its_kind(rows: list[list[bool]], alerts: list[bool], lang: str) -> None:
    columns = [pt.Column("a", 10), pt.Column("b", 12), pt.Column("c", 14, annex=True)]
    table = pt.PackTable("t", columns)
    for n, dated in enumerate(rows):
        cells = [
            pt.PackCell("01/02/2025 08:00", datetime(2025, 2, 1, 8, n)) if is_date else pt.PackCell(f"x{n}")
            for is_date in dated
        ]
        table.rows.append(pt.PackRow(cells, key=str(n), alert=alerts[n]))
    ws = Workbook().active
    assert ws is not None
    put_pack_table(ws, table, top=2, lang=lang)
    date_format = DATE_FORMAT if lang == "vi" else DATE_FORMAT_EN
    for n, dated in enumerate(rows):
        for j, is_date in enumerate(dated, start=1):
            cell = ws.cell(row=3 + n, column=j)
            assert cell.number_format == (date_format if is_date else "General")
            assert cell.border.left.style == "thin" and cell.alignment.wrap_text
            assert cell.alignment.vertical == "top"
            red = cell.font.color is not None and cell.font.color.rgb == "007A0000"
            assert red == alerts[n]
            assert (cell.fill.fgColor.rgb == "00FFF1F1") == alerts[n]
    heading = ws.cell(row=2, column=1)
    assert heading.font.bold and heading.alignment.horizontal == "center"
