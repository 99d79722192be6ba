"""The cells, rows and tables every format of the weekly report renders: each cell keeps its raw value
(written to XLSX as a number) and its display text in the report's language (HTML and PDF)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from inspections.rounding import rounded
from reporting.i18n import Texts

CellKind = Literal["text", "int", "signed", "rate", "points", "decimal", "average"]


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any  # int, float, str or None
    text: str
    kind: CellKind = "text"

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    key: str | None = None  # e.g. the unit code (an HTML data attribute)
    total: bool = False  # the province/total row (bold)
    alert: bool = False  # a failed check (highlighted)


@dataclass(slots=True)
class Table:
    name: str  # stable id: html anchors, sheet lookup
    headings: list[str]
    rows: list[Row] = field(default_factory=list)
    widths: list[float] | None = None  # relative column widths for the PDF


def make_cell(t: Texts, value: Any, kind: CellKind) -> Cell:
    if kind == "int":
        return Cell(value, t.integer(value), kind)
    if kind == "signed":
        return Cell(value, t.signed(value), kind)
    if kind == "rate":
        return Cell(value, t.percent(value), kind)
    if kind == "points":
        return Cell(None if value is None else rounded(value, 2), t.decimal(value), kind)
    if kind == "decimal":
        return Cell(value, t.decimal(value), kind)
    if kind == "average":  # a weekly average: one decimal is all it means
        return Cell(value, t.decimal(value, 1), kind)
    return Cell(value, "" if value is None else str(value), kind)


def make_row(t: Texts, values: list[tuple[Any, CellKind]], **kw: Any) -> Row:
    return Row([make_cell(t, v, k) for v, k in values], **kw)
