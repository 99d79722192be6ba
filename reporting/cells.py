"""Spreadsheet cells that stay data: the one way the XLSX writers put a value in a cell.

Unit and procedure codes, names, actors, dossier and notice ids, reasons and evidence come from the
departments' systems and the catalogue, so an attacker (or a careless clerk) chooses the first character
of many cells. openpyxl turns any ``str`` starting with ``=`` into a live formula and ``#N/A``-like strings
into error cells, and spreadsheets re-read a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return in front of one) as a formula as soon as it is edited, copied out or saved as CSV.

So every text cell is written (1) as a string cell (``data_type`` ``'s'``, never ``'f'`` or ``'e'``) and
(2) neutralised as OWASP's "CSV Injection" page recommends: a single quote in front of a value whose first
character is one of ``= + - @ TAB CR``. That includes number-looking text such as ``"-5"``: a figure the
report computes is written as a number, never through here as text, so a text ``"-5"`` came from input and
is shown as it was typed. Numbers, ``None`` and other non-text values are written unchanged.

Characters XML 1.0 cannot carry (C0 controls other than tab, LF and CR; lone surrogates; U+FFFE and U+FFFF)
make openpyxl raise or write a workbook Excel has to repair; one valid event must not break a report, so they
are shown as U+FFFD (the warehouse keeps the exact value). Text longer than a cell holds (32,767 characters)
is cut with an ellipsis instead of being cut silently by openpyxl.
"""

from __future__ import annotations

import math
import re
from typing import Any

from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from reporting.visible import visible

#: First characters a spreadsheet may read as the start of a formula (OWASP, "CSV Injection").
DANGEROUS_FIRST = frozenset("=+-@\t\r")
#: What neutralises them: a leading single quote, Excel's own "this is text" marker.
QUOTE = "'"
#: The most characters an Excel cell holds.
MAX_CELL_CHARS = 32_767

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_REPLACEMENT = "\ufffd"
_ELLIPSIS = "…"


def xml_text(text: str) -> str:
    """``text`` with the characters an XLSX part cannot hold replaced by U+FFFD (for document properties
    and anything else that is not a cell)."""
    return _NOT_XML.sub(_REPLACEMENT, text)


def safe_text(text: str) -> str:
    """``text`` as a spreadsheet shows it without ever evaluating it: XML-safe, what a reader would not see
    written as ``[U+XXXX]`` (``reporting.visible``: a right-to-left override reversed an id in the cell),
    at most a cell long, and with a leading single quote when it starts with a formula character.
    Idempotent; text that is already safe is returned unchanged."""
    clean = visible(xml_text(text))
    if clean[:1] in DANGEROUS_FIRST:
        clean = QUOTE + clean
    if len(clean) > MAX_CELL_CHARS:
        clean = clean[: MAX_CELL_CHARS - 1] + _ELLIPSIS
    return clean


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` into ``ws`` at (``row``, ``column``) and return the cell: text through
    :func:`safe_text` as a string cell, anything else (numbers, ``None``) as it is."""
    cell: Cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = safe_text(value)
        # openpyxl infers 'f' for "=…" and 'e' for "#N/A", "#REF!"…; text stays text whatever it reads as.
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def streamed(ws: Any, value: Any) -> Cell:
    """:func:`put`'s cell for a write-only sheet (``Workbook(write_only=True)``), appended in a row: the
    same text, never a formula."""
    cell: Cell = WriteOnlyCell(ws, value=safe_text(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


#: Excel's limit on a page header's or footer's text, codes included.
_MARKS_MAX = 250


def page_marks(ws: Worksheet, title: str, page_word: str, mark: str = "", edition: str = "") -> None:
    """What every printed page of ``ws`` says: ``title`` (the week, the unit) and ``mark`` ("(tạm tính)")
    at the top, the sheet's name and "Trang 3/7" at the bottom, and ``edition`` ("Mã bản in: …") at its
    right. A sheet printed or forwarded alone said neither which week or unit it was, nor that its figures
    were provisional (review). A title too long for the header is cut, never the mark (which went first:
    review). ``&`` is the codes' escape, so a title's own is doubled."""
    text, tail = xml_text(title), xml_text(f" {mark}" if mark else "")
    room = _MARKS_MAX - 10 - len(tail.replace("&", "&&"))
    while len(text.replace("&", "&&")) > room:  # cut before doubling: never a lone "&" at the cut
        text = text[:-1]
    ws.oddHeader.center.text = (text + tail).replace("&", "&&")
    ws.oddHeader.center.size = 9
    ws.oddFooter.center.text = f"&A — {page_word} &P/&N"
    ws.oddFooter.center.size = 9
    if edition:  # which kept edition a printed page is of (``reporting.editions``)
        ws.oddFooter.right.text = xml_text(edition).replace("&", "&&")
        ws.oddFooter.right.size = 8


#: The summary's paragraphs span its eight columns (44 + 7 × 16 characters wide): about this many
#: characters fit on one line of them.
PARAGRAPH_CHARS = 140


def paragraph(
    ws: Worksheet, row: int, text: str, *, columns: int = 8, chars: float = PARAGRAPH_CHARS
) -> Cell:
    """A paragraph wrapped across the printed width (the summary's columns A–H, or a table's) with room for
    its lines (``chars`` fit on one): in column A alone, a finding or a recommendation of 560 characters ran
    past the page's edge and was cut on paper (review of 2026-12-05)."""
    cell = put(ws, row, 1, text)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    lines = max(1, math.ceil(len(text) / max(chars, 1.0)))
    ws.row_dimensions[row].height = 15.0 * lines + 2
    return cell
