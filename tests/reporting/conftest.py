"""A small simulated province in a chdb warehouse, built once per test module (a few seconds), and readers
for the three report formats."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest
from openpyxl import load_workbook

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import init, load_file
from dossier_audit.simulator import SimulationConfig, simulate
from inspections.catalogue import Catalogue
from inspections.weeks import Week
from reporting.header import ReportHeader
from tests.templates import WarehouseTemplates
from warehouse import open_warehouse
from warehouse.base import Warehouse

#: Nine weeks (2025-09-08 .. 2025-11-09), 400 dossiers: W45 is the last full week.
SIM = SimulationConfig(start=date(2025, 9, 8), end=date(2025, 11, 10), dossiers=400, seed=3)
WEEK = Week.parse("2025-W45")
EMPTY_WEEK = Week.parse("2025-W30")


@dataclass
class Province:
    platform: Platform
    wh: Warehouse
    url: str
    events: Path
    as_of: datetime

    @property
    def catalogue(self) -> Catalogue:
        return self.platform.catalogue

    def header(self, lang: str = "vi") -> ReportHeader:
        """The header the reports are issued under, in ``lang`` (Vietnamese unless a test says so)."""
        return self.platform.report_header(lang)


def simulate_province(directory: Path) -> tuple[Path, datetime]:
    events = directory / "events.jsonl"
    simulate(SIM, events, directory / "truth.jsonl")
    return events, province_as_of(directory)


def province_as_of(directory: Path) -> datetime:
    """The as-of of the province simulated into ``directory`` (its truth file's)."""
    meta = orjson.loads((directory / "truth.jsonl").read_bytes().splitlines()[0])["meta"]
    return datetime.fromisoformat(meta["as_of"])


def load_province(platform: Platform, wh: Warehouse, events: Path, as_of: datetime) -> None:
    init(platform, wh)
    load_file(platform, wh, events, as_of)


@pytest.fixture(scope="session")
def province_platform() -> Platform:
    """The platform the province is loaded with, once per test process: its pseudonymisation key, drawn at
    random, is the one the province's warehouse (and every copy of it) records."""
    return Platform(load_settings())


@pytest.fixture(scope="module")
def province(
    tmp_path_factory: pytest.TempPathFactory,
    warehouse_templates: WarehouseTemplates,
    province_platform: Platform,
) -> Iterator[Province]:
    """A module's own copy of the simulated province's warehouse (``tests.templates``); its events file,
    beside the template, is read only."""

    def build(url: str) -> None:
        events, as_of = simulate_province(Path(url.removeprefix("chdb://")).parent)
        with open_warehouse(url, create_database=True) as wh:
            load_province(province_platform, wh, events, as_of)

    url = warehouse_templates.copy("province", build, tmp_path_factory.mktemp("province") / "wh")
    template = warehouse_templates.built["province"].parent
    with open_warehouse(url) as wh:
        yield Province(province_platform, wh, url, template / "events.jsonl", province_as_of(template))


# -- readers ----------------------------------------------------------------------------------------------
def pdf_text(path: Path, *, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_fonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def pdf_section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


STANDALONE_INT = re.compile(r"(?<![\w.,+\-])\d+(?![\w.,])")


def ints(text: str) -> list[int]:
    """The plain integers of a line (not parts of codes, decimals or rates)."""
    return [int(x) for x in STANDALONE_INT.findall(text)]


class _Tables(HTMLParser):
    """``<table class="data" id=…>`` → rows of (data-key, cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str | None, list[str]]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._key: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("class") == "data":
            self._table = a.get("id") or ""
            self.tables.setdefault(self._table, [])
        elif tag == "tr" and self._table is not None:
            self._row, self._key = [], a.get("data-key")
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._row:
                self.tables[self._table].append((self._key, self._row))
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> dict[str, list[tuple[str | None, list[str]]]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


def xlsx_cells(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's values, row by row."""
    wb = load_workbook(path, data_only=True)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def all_strings(sheets: dict[str, list[list[object]]]) -> str:
    return "\n".join(str(v) for rows in sheets.values() for row in rows for v in row if v is not None)
