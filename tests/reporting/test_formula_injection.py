"""Issue 13, item 8: no text from the input or the catalogue becomes a live formula in ``report.xlsx`` or an
audit pack, whatever character it starts with (OWASP "CSV Injection": ``= + - @ TAB CR``).

A hostile province is loaded through the ordinary paths (the catalogue loader, the event validator, the
warehouse load): its province, units, fields and procedures have codes and names starting with each
dangerous character, and so do its dossier ids, actors, notice numbers, reasons, document codes and extra
field names; the header's team is hostile too. Every sheet of every written workbook is then read back.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from inspections.catalogue import Catalogue, CatalogueMeta, Procedure, ProcedureField, Unit
from reporting.api import write_audit_packs, write_weekly_report
from reporting.cells import DANGEROUS_FIRST, MAX_CELL_CHARS, put, safe_text
from reporting.header import ReportHeader, make_header
from reporting.packs import pack_file_stem
from reporting.visible import visible
from tests.depth import examples
from tests.reporting.conftest import WEEK, html_tables, load_province
from warehouse import open_warehouse
from warehouse.base import Warehouse

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Units whose pack file names collided before (item 14), the error-code look-alike, and the hostile ones.
ODD_UNITS = ("a/b", "a_b", "", "#N/A")
HOSTILE_UNITS = tuple(f"{p}U{n}" for n, p in enumerate(PREFIXES))
AS_OF = datetime.fromisoformat("2025-11-12T00:00:00+07:00")


def hostile_catalogue() -> dict[str, Any]:
    units: list[dict[str, Any]] = [
        {"code": "=P", "name": '=HYPERLINK("http://evil.example","Tỉnh")', "level": "province"}
    ]
    fields, procedures = [], []
    for n, p in enumerate(PREFIXES):
        units.append({"code": f"{p}U{n}", "name": f"{p}Xã {n}", "level": "commune", "parent": "=P"})
        fields.append({"code": f"{p}F{n}", "name": f"{p}Lĩnh vực {n}"})
        procedures.append(
            {
                "code": f"{p}P{n}",
                "name": f"{p}Thủ tục {n}",
                "field": f"{p}F{n}",
                "max_time": "3 working_days",
                "components": [{"code": f"{p}DOC{n}", "name": f"{p}Giấy tờ {n}"}],
                "publications": [{"level": "commune", "valid_from": "2020-01-01"}],
            }
        )
    units.append({"code": "#N/A", "name": "#REF!", "level": "commune", "parent": "=P"})
    for unit in units:
        unit["valid_from"] = "2020-01-01"
    return {
        "catalogue": {"name": "=Tỉnh độc", "version": "1"},
        "fields": fields,
        "units": units,
        "procedures": procedures,
    }


def _catalogue_of(doc: dict[str, Any]) -> Catalogue:
    """The catalogue of a document as the loader's models read it, without the loader's checks."""
    return Catalogue(
        procedures=[Procedure.model_validate(p) for p in doc["procedures"]],
        units=[Unit.model_validate(u) for u in doc["units"]],
        fields=[ProcedureField.model_validate(f) for f in doc["fields"]],
        meta=CatalogueMeta.model_validate(doc["catalogue"]),
    )


def event(n: int, dossier: str, unit: str, type_: str, at: str, data: dict[str, Any], **kw: Any) -> bytes:
    doc = {
        "schema_version": 1,
        "event_id": f"e-{n}",
        "dossier_id": dossier,
        "type": type_,
        "occurred_at": f"2025-11-{at}+07:00",
        "unit_code": unit,
        "data": data,
        **kw,
    }
    return orjson.dumps(doc)


def hostile_events() -> list[bytes]:
    """Per hostile unit: a violating dossier (late, excess document, two supplement requests one of them
    unwritten, an unwritten refusal, a hostile extra field) and a clean one for the sample."""
    lines: list[bytes] = []
    for n, p in enumerate(PREFIXES):
        unit, proc, actor = f"{p}U{n}", f"{p}P{n}", f"{p}cb{n}"
        bad, clean = f"{p}D{n}", f"{p}C{n}"
        due = "2025-11-04T17:00:00+07:00"
        received = {"procedure_code": proc, "channel": "direct", "due_at": due}
        steps: list[tuple[str, str, dict[str, Any]]] = [
            ("received", "03T08:00:00", {**received, "documents": [f"{p}DOC{n}", f"{p}EXTRA{n}"]}),
            (
                "supplement_requested",
                "03T10:00:00",
                {"notice_id": f"{p}N{n}", "reason": f"{p}R{n}", "requested_documents": [f"{p}DOC{n}"]},
            ),
            ("supplement_completed", "03T11:00:00", {"documents": [f"{p}DOC{n}"]}),
            (
                "supplement_requested",
                "03T12:00:00",
                {"notice_id": None, "reason": f"{p}R{n}b", "requested_documents": []},
            ),
            ("supplement_completed", "03T13:00:00", {"documents": []}),
            # No declared field: the extra one (kept, as the contract says) starts the details cell.
            ("financial_obligation_fulfilled", "03T14:00:00", {f"{p}extra": f"{p}value"}),
            ("refused", "05T09:00:00", {"stage": "processing", "notice_id": None, "reason": f"{p}R{n}c"}),
        ]
        for type_, at, data in steps:
            lines.append(event(len(lines), bad, unit, type_, at, data, actor=actor))
        lines.append(
            event(
                len(lines), clean, unit, "received", "04T08:00:00", {**received, "documents": []}, actor=actor
            )
        )
        lines.append(event(len(lines), clean, unit, "returned", "04T15:00:00", {"channel": "direct"}))
    for n, unit in enumerate(ODD_UNITS):
        odd: dict[str, Any] = {"procedure_code": "=P0", "channel": "direct", "due_at": None, "documents": []}
        lines.append(event(len(lines), f"{unit}-{n}", unit, "received", "06T08:00:00", odd))
    return lines


@dataclass
class World:
    platform: Platform
    wh: Warehouse
    header: ReportHeader
    report: Path
    packs: Path

    @property
    def catalogue(self) -> Catalogue:
        return self.platform.catalogue


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("hostile")
    catalogue = directory / "catalogue.yaml"
    catalogue.write_text(yaml.safe_dump(hostile_catalogue(), allow_unicode=True), encoding="utf-8")
    events = directory / "events.jsonl"
    events.write_bytes(b"\n".join(hostile_events()) + b"\n")
    platform = Platform(load_settings(catalogue=catalogue))
    # The catalogue file's loader refuses a code starting with a tab or a carriage return (an invisible
    # character: tests/inspections/test_catalogue.py), but a catalogue can reach the writers without it: a
    # snapshot an earlier release stored, read back (``warehouse.catalogue_read``). Built from its models.
    platform.__dict__["catalogue"] = _catalogue_of(hostile_catalogue())
    with open_warehouse(f"chdb://{directory}/wh", create_database=True) as wh:
        load_province(platform, wh, events, AS_OF)
        stored = wh.query("SELECT count() FROM events")[0][0]
        assert stored == len(hostile_events())  # every hostile event passed validation
        header = make_header(platform.catalogue, "vi", team="-Đoàn kiểm tra")
        write_weekly_report(platform.catalogue, header, wh, WEEK, directory / "report")
        write_audit_packs(platform.catalogue, header, wh, WEEK, directory / "packs", sample_size=3)
        yield World(platform, wh, header, directory / "report", directory / "packs")


def string_cells(path: Path) -> Iterator[tuple[str, str, Any, str]]:
    """(sheet, coordinate, value, data_type) of every non-empty cell of every sheet, formulas as written."""
    wb = load_workbook(path)  # not data_only: a formula is read back as its "=…" text with type 'f'
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws.title, cell.coordinate, _lf(cell.value), cell.data_type


def _lf(value: Any) -> Any:
    """A text as every XML reader gives it back: openpyxl reads with lxml when it is installed (PM4Py, a
    test dependency, brings it), which keeps a carriage return the standard library's parser turns into a
    line feed."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def assert_inert(path: Path) -> list[str]:
    """No formula or error cell anywhere in ``path``; no text cell starts with a formula character.
    Returns the text cells (to check the hostile values are really there)."""
    texts = []
    for sheet, where, value, kind in string_cells(path):
        # 'd': a date written as a date (issue 15), which no spreadsheet evaluates either.
        assert kind in ("s", "n", "d"), (path.name, sheet, where, value, kind)
        if isinstance(value, str):
            # \r is read back as \n by the XML parser: neither may start a cell unprotected.
            assert value[:1] not in DANGEROUS_FIRST | {"\n"}, (path.name, sheet, where, value)
            texts.append(value)
    return texts


def test_report_xlsx_has_no_formula_in_any_sheet(world: World) -> None:
    path = world.report / "report.xlsx"
    sheets = load_workbook(path).sheetnames
    assert len(sheets) == 11  # summary, nine tables, charts: every one is read
    texts = assert_inert(path)
    # The hostile values are there, neutralised, in the tables that show them.
    for n, p in enumerate(PREFIXES):
        shown = "'" + p.replace("\r", "\n")
        assert shown + f"U{n}" in texts  # unit code (form, ranking, violations by unit, …)
        assert shown + f"Xã {n}" in texts  # unit name
        assert shown + f"P{n}" in texts  # procedure code
        assert shown + f"Thủ tục {n}" in texts  # procedure name
        assert shown + f"Lĩnh vực {n}" in texts  # field name
    assert '\'=HYPERLINK("HTTP://EVIL.EXAMPLE","TỈNH")' in texts  # the issuer: the province's name
    assert "'-Đoàn kiểm tra" in texts  # the header's team
    assert "#N/A" in texts and "#REF!" in texts  # text, not error cells


def test_every_pack_is_inert_and_every_unit_has_its_own(world: World) -> None:
    files = sorted((world.packs / "units").iterdir())
    units = (*HOSTILE_UNITS, *ODD_UNITS)
    assert sorted(p.name for p in files) == sorted(
        f"{pack_file_stem(u)}{ext}" for u in units for ext in (".xlsx", ".html")
    )
    for n, p in enumerate(PREFIXES):
        path = world.packs / "units" / f"{pack_file_stem(f'{p}U{n}')}.xlsx"
        sheets = ["Hồ sơ vi phạm", "Diễn biến hồ sơ", "Mẫu kiểm tra", "Kiểm tra tại chỗ"]
        assert load_workbook(path).sheetnames == sheets
        texts = assert_inert(path)
        shown = "'" + p.replace("\r", "\n")
        assert shown + f"D{n}" in texts  # violating dossier id (violations and timeline sheets)
        assert shown + f"C{n}" in texts  # clean dossier id (sample sheet)
        assert shown + f"P{n}" in texts  # procedure code
        code = p.replace("\r", "\n") + f"U{n}"  # the timeline's unit: its name, then its code
        assert any(t.endswith(f" ({code})") for t in texts), code
        assert shown + f"cb{n}" in texts  # actor (timeline)
        # A member the contract does not declare is not printed (DPO review: it may hold personal data).
        assert not any("extra: " in t for t in texts)
        details = "\n".join(texts)
        for value in (f"N{n}", f"R{n}", f"R{n}b", f"R{n}c", f"EXTRA{n}"):
            assert p.replace("\r", "\n") + value in details  # notice, reasons, excess document
    for n, unit in enumerate(ODD_UNITS):
        texts = assert_inert(world.packs / "units" / f"{pack_file_stem(unit)}.xlsx")
        # Its own dossier (no pack overwrote another); the empty unit's "-2" is quoted like any "-…" text.
        assert safe_text(f"{unit}-{n}") in texts


def test_html_escapes_what_it_shows(world: World, tmp_path: Path) -> None:
    """HTML has no formulas, but the same values must come out as text: jinja2 autoescapes (verified here
    with the hostile names, and with markup in a header line)."""
    header = make_header(world.catalogue, "vi", team='<script>alert(1)</script>"&')
    write_audit_packs(world.catalogue, header, world.wh, WEEK, tmp_path, sample_size=1)
    text = (tmp_path / "units" / f"{pack_file_stem('=U0')}.html").read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&amp;" in text
    rows = html_tables(world.packs / "units" / f"{pack_file_stem('=U0')}.html")["violations"]
    assert {cells[0] for _, cells in rows} == {"=D0"}  # shown as it is: a browser evaluates nothing


# -- the neutralising function ----------------------------------------------------------------------------
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
RISKY_TEXT = st.builds(lambda p, s: p + s, st.sampled_from([*PREFIXES, "'", "#", " ", "\n"]), ANY_TEXT)


@given(st.one_of(ANY_TEXT, RISKY_TEXT))
@example("=1+1")
@example("-5")
@example("\t=cmd|' /C calc'!A0")
@example("\r@SUM(1)")
@example("")
def test_safe_text_is_idempotent_and_never_starts_with_a_formula_character(text: str) -> None:
    safe = safe_text(text)
    assert safe_text(safe) == safe
    assert safe[:1] not in DANGEROUS_FIRST
    if text[:1] in DANGEROUS_FIRST:
        assert safe.startswith("'") and safe[1:2] == text[:1]  # the value is kept, only quoted
    assert len(safe) <= MAX_CELL_CHARS


@given(st.text(st.characters(codec="utf-8", exclude_characters="\x0b\x0c\x7f\ufffe\uffff"), max_size=40))
def test_safe_text_leaves_safe_text_unchanged(text: str) -> None:
    unseen = ("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs")  # shown as [U+XXXX] (``reporting.visible``)
    if (
        text[:1] not in DANGEROUS_FIRST
        and visible(text) == text
        and not any(unicodedata.category(c) in unseen and c not in "\t\n\r" for c in text)
    ):
        assert safe_text(text) == text


def test_what_a_reader_would_not_see_is_written_out() -> None:
    """A right-to-left override reversed an id in its cell (``D``, U+202E, ``1-gnol`` read ``Dlong-1``), a
    zero-width space made two ids look one: review."""
    assert safe_text("D\u202e1-gnol") == "D[U+202E]1-gnol"
    assert safe_text("HS\u200b01\ufeff") == "HS[U+200B]01[U+FEFF]"
    assert safe_text("HS01\u3164\u2800") == "HS01[U+3164][U+2800]"  # printable, yet blank
    assert safe_text("Lý do:\tthiếu\ngiấy tờ") == "Lý do:\tthiếu\ngiấy tờ"  # tabs and breaks are text


def test_unwritable_characters_and_overlong_text() -> None:
    assert safe_text("a\x00b\x1fc\ud800d\ufffe") == "a\ufffdb\ufffdc\ufffdd\ufffd"
    long = safe_text("=" + "x" * MAX_CELL_CHARS)
    assert len(long) == MAX_CELL_CHARS and long.startswith("'=") and long.endswith("…")


@settings(max_examples=examples(20), deadline=None)
@given(
    st.lists(
        st.one_of(ANY_TEXT, RISKY_TEXT, st.integers(-(2**53), 2**53), st.floats(-1e15, 1e15)), max_size=6
    )
)
def test_put_writes_only_text_and_numbers_and_the_workbook_reads_back(values: list[Any]) -> None:
    """Any value through ``put``: the file is valid, text is text (never 'f' or 'e'), numbers stay numbers."""
    wb = Workbook()
    for i, value in enumerate(values, start=1):
        put(wb.active, i, 1, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    back = load_workbook(io.BytesIO(buffer.getvalue())).active
    for i, value in enumerate(values, start=1):
        cell = back.cell(row=i, column=1)
        if isinstance(value, str):
            # An empty text is written as an empty cell (openpyxl reads it back as an empty inline string).
            assert cell.data_type == ("s" if value else "inlineStr")
            written = safe_text(value).replace("\r\n", "\n").replace("\r", "\n")
            assert _lf(cell.value or "") == written
        else:
            assert cell.value == pytest.approx(value, rel=1e-14) and cell.data_type == "n"


def test_chart_labels_draw_control_characters_as_spaces() -> None:
    """A tab or a line break in a unit name (catalogue data) has no glyph: matplotlib warned, drew a box."""
    from reporting.charts import _printable

    assert _printable("Phường\tBến\r\nNghé") == "Phường Bến  Nghé"
    assert _printable("000.10.01.H99") == "000.10.01.H99"


def test_a_page_header_is_cut_before_its_ampersands_are_doubled() -> None:
    """Excel reads "&" as the start of a code in a page header: a title's own is doubled, and a long title
    cut after doubling could end on a lone "&" (review)."""
    from openpyxl import Workbook

    from reporting.cells import page_marks

    ws = Workbook().active
    assert ws is not None
    for title in ("A & B", "x" * 239 + "&", "&" * 300, "Tuần 45/2025 — đơn vị =U1 &P"):
        page_marks(ws, title, "Trang")
        text = ws.oddHeader.center.text
        assert len(text) <= 240, (title, text)
        assert "&" not in text.replace("&&", ""), text  # every "&" of the title doubled, none cut in half


def test_a_long_title_is_cut_in_a_page_header_never_its_provisional_mark() -> None:
    """A unit's name has no limit: a title of 300 characters lost exactly "(tạm tính)" (review)."""
    from openpyxl import Workbook

    from reporting.cells import page_marks

    ws = Workbook().active
    assert ws is not None
    for title in ("HỒ SƠ KIỂM TRA TUẦN 45/2025 — " + "Ủy ban nhân dân " * 20, "A & B " * 60):
        page_marks(ws, title, "Trang", "(tạm tính)")
        text = ws.oddHeader.center.text
        assert len(text) <= 240 and text.endswith(" (tạm tính)"), text
        assert "&" not in text.replace("&&", ""), text
    page_marks(ws, "Tuần 45", "Trang")
    assert ws.oddHeader.center.text == "Tuần 45"
