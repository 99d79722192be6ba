"""A rate below 1 never reads 100 %, and one above 0 never reads 0 %, in the report's text or its
spreadsheet (review of the documents, 2026-12-07: a unit of 2,500 dossiers, one late, read "100,0 %" on time
in the signed report and in Excel, beside "19,99/20 điểm")."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from reporting.i18n import Texts, percent_digits
from reporting.table_cells import Row, Table, make_cell
from reporting.xlsx import put_table
from tests.depth import examples


def test_a_rate_just_below_one_or_above_zero_takes_the_digits_it_needs() -> None:
    vi, en = Texts("vi"), Texts("en")
    assert vi.percent(2500 / 2501) == "99,96 %" and en.percent(2500 / 2501) == "99.96%"
    assert vi.percent(1 / 2500) == "0,04 %" and vi.percent(999_999 / 1_000_000) == "99,9999 %"
    assert vi.percent(1.0) == "100,0 %" and vi.percent(0.0) == "0,0 %"  # exact ends keep one decimal
    assert vi.percent(0.853) == "85,3 %" and vi.percent(0.0725) == "7,3 %"  # the usual case unchanged
    assert vi.percent(0.5, 0) == "50 %" and vi.percent(0.001, 0) == "0,1 %"  # a change in whole percent


@given(st.integers(1, 10**6), st.integers(0, 10**6))
@settings(max_examples=examples(200), deadline=None)
def test_a_shown_rate_is_100_or_0_only_when_it_is(total: int, good: int) -> None:
    good = min(good, total)
    shown = Texts("en").percent(good / total).rstrip("%")
    value = Fraction(shown)
    assert (value == 100) == (good == total) and (value == 0) == (good == 0)


def test_the_spreadsheet_shows_as_many_decimals_as_the_text(tmp_path: Path) -> None:
    t = Texts("vi")
    rates = [2500 / 2501, 1 / 2500, 0.853, 1.0]
    table = Table("rates", ["rate"], [Row([make_cell(t, rate, "rate")]) for rate in rates])
    wb = Workbook()
    put_table(wb.active, table)
    formats = [wb.active.cell(row=i + 2, column=1).number_format for i in range(len(rates))]
    assert formats == ["0.00%", "0.00%", "0.0%", "0.0%"]
    assert [percent_digits(rate) for rate in rates] == [2, 2, 1, 1]
