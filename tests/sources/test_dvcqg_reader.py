"""Reading payload files: body shapes, limits, broken files, and fuzzing of the whole entry.

The promise: whatever the bytes, reading and importing yields valid contract events and rejected records
with a documented reason, and never raises; what was valid before a break in a file is kept.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schemas.validation import Rejection, parse_event
from sources.dvcqg import READ_CODES, EventLine, Output, RejectedRecord, read_records
from sources.dvcqg.reader import MAX_DEPTH, MAX_RECORD_EVENTS, ReadProblem, Record, Service
from tests.depth import examples
from tests.sources.payloads import (
    CLEAR_VALUES,
    UNIT,
    dossier,
    encode,
    importer,
    progress_body,
    row,
    sync_body,
)

#: The reason codes of a rejected record: what is not a record (READ_CODES), a field's problem, a unit, an
#: event too long for a line. ``record.unmappable`` (an exception while mapping) and any other ``event.*``
#: (an event the mapping built wrong) would be bugs.
FIELD_CODE = re.compile(r"^[A-Za-z]+\.(missing|invalid|unknown|too_long|out_of_range)$")
DOC = Path(__file__).resolve().parents[2] / "docs" / "dvcqg-import.md"
OTHER_CODES = {"unit.unresolved", "unit.ambiguous", "event.line.too_long", "KenhThucHien.not_online"}


def documented(code: str) -> bool:
    return code in READ_CODES or code in OTHER_CODES or FIELD_CODE.match(code) is not None


def items(payload: bytes) -> list:
    return list(read_records(io.BytesIO(payload)))


def records(payload: bytes) -> list:
    return [item.value for item in items(payload) if isinstance(item, Record)]


def check_import(*payloads: bytes) -> tuple[list[EventLine], list[RejectedRecord]]:
    """Import payload files; every output must be a valid event or a documented rejection."""
    imp = importer()
    outputs: list[Output] = []
    for n, payload in enumerate(payloads):
        outputs.extend(imp.read_all(f"f{n}.json", read_records(io.BytesIO(payload))))
    outputs.extend(imp.finish())
    events = [o for o in outputs if isinstance(o, EventLine)]
    rejected = [o for o in outputs if isinstance(o, RejectedRecord)]
    assert len(events) + len(rejected) == len(outputs)
    for event in events:
        assert not isinstance(parse_event(event.line), Rejection)
    for r in rejected:
        assert documented(r.code), (r.code, r.message)
    assert imp.stats.rejected_total == len(rejected)
    # What was read adds up: each record read is mapped or rejected, each unreadable piece rejected (the
    # summary read "records_read 5, records_mapped 4, rejected 2": review).
    stats = imp.stats
    rejected_records = stats.rejected_total - stats.events_rejected
    assert stats.records_read + stats.unreadable == stats.records_total + rejected_records, stats
    return events, rejected


# -- shapes --------------------------------------------------------------------------------------------------
def test_every_body_shape_gives_its_records() -> None:
    a, b = dossier("A-1"), dossier("B-1")
    shapes = [
        orjson.dumps(sync_body(a, b)),
        orjson.dumps({"data": [a, b], "service": "DongBoHoSoMC"}),  # the service after the data
        orjson.dumps([a, b]),
        orjson.dumps(a) + b"\n" + orjson.dumps(b),  # bare records, one per line
        orjson.dumps({"service": "DongBoHoSoMC", "data": a}) + orjson.dumps([b]),  # concatenated bodies
        b"\xef\xbb\xbf" + orjson.dumps([a, b]),  # a byte-order mark
        orjson.dumps([a, b], option=orjson.OPT_INDENT_2),
    ]
    for payload in shapes:
        assert records(payload) == [a, b], payload[:40]


def test_a_body_whose_data_is_null_is_an_empty_batch() -> None:
    """How a .NET sender writes a batch of nothing (DVCQG review of 2026-12-07): it was read as one record,
    rejected as "a whole payload body inside an array", and a log of such bodies exited 1."""
    a = dossier("A-1")
    empty = orjson.dumps({"service": "DongBoHoSoMC", "data": None})
    assert [type(i).__name__ for i in items(empty)] == ["Service"]
    assert records(empty + b"\n" + orjson.dumps(sync_body(a)) + b"\n" + empty) == [a]
    events, rejected = check_import(empty, orjson.dumps({"data": None, "service": "CapNhatTienDoHoSoMC"}))
    assert events == [] and rejected == []
    # A bare record with a null "Data" member (no service named) is a record still (review of the diff).
    bare = a | {"Data": None}
    assert records(orjson.dumps(bare)) == [bare]
    named = {"service": "DongBoHoSoMC", "data": None} | a  # a service named beside a dossier's id: a record
    assert records(orjson.dumps(named)) == [named]


def test_service_names_are_reported() -> None:
    found = [i for i in items(encode(sync_body(), progress_body(), [])) if isinstance(i, Service)]
    assert [s.name for s in found] == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"]


def test_a_record_nested_too_deep_or_too_large_is_skipped_and_the_next_is_read() -> None:
    deep: object = "x"
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    large = {"MaHoSo": "L", "TaiLieuNop": list(range(MAX_RECORD_EVENTS + 10))}
    got = items(orjson.dumps([{"MaHoSo": "D", "x": deep}, large, {"MaHoSo": "ok"}]))
    assert [(type(i).__name__, getattr(i, "code", None)) for i in got] == [
        ("ReadProblem", "record.too_deep"), ("ReadProblem", "record.too_large"), ("Record", None),
    ]  # fmt: skip
    assert [i.index for i in got] == [1, 2, 3]


def test_a_record_with_a_key_given_twice_is_refused_and_the_next_is_read() -> None:
    """The last value won silently: a second ``MaHoSo`` made another dossier of the record (review)."""
    payload = (
        b'[{"MaHoSo": "A", "TrangThaiHoSo": "2", "MaHoSo": "OTHER"}, {"MaHoSo": "N", "x": {"k": 1, "k": 2}},'
        b' {"MaHoSo": "ok"}]'
    )
    bare = b'{"MaHoSo": "A", "MaHoSo": "B"}\n{"MaHoSo": "C"}\n'
    for got in (items(payload), items(bare)):
        kinds = [(type(i).__name__, getattr(i, "code", None)) for i in got]
        assert kinds[:-1] == [("ReadProblem", "record.duplicate_key")] * (len(got) - 1)
        assert kinds[-1][0] == "Record"
        assert "'MaHoSo' is given twice" in got[0].message or "'k' is given twice" in got[0].message
    assert documented("record.duplicate_key")


def test_a_file_that_breaks_off_keeps_what_came_before() -> None:
    payload = encode(sync_body(dossier("A-1"), dossier("B-1")))
    cut = payload[: payload.index(b'"B-1"') + 20]
    got = items(cut)
    assert isinstance(got[0], Service) and got[1].value["MaHoSo"] == "A-1"
    assert isinstance(got[-1], ReadProblem) and got[-1].code == "json.invalid"
    assert "after record 1" in got[-1].message


def test_parser_messages_do_not_quote_the_text() -> None:
    payload = b'[{"ChuHoSo": "Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b B\xc3\xadch Ng\xe1\xbb\x8dc" 079301004455}]'
    problem = items(payload)[-1]
    assert problem.code == "json.invalid"
    for value in CLEAR_VALUES:
        assert value not in problem.message


def test_empty_and_scalar_files() -> None:
    assert [(i.code, i.index) for i in items(b"")] == [("file.empty", 1)]
    assert [(i.code, i.index) for i in items(b" \n\t")] == [("file.empty", 1)]
    assert [i.code for i in items(b'"text" 5')] == ["body.not_container", "body.not_container"]


# -- fuzzing -------------------------------------------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
FIELDS = [
    "MaHoSo", "MaHoSoKhac", "MaTTHC", "KenhThucHien", "TrangThaiHoSo", "NgayTiepNhan", "NgayHenTra",
    "NgayNopHoSo", "NgayKetThucXuLy", "NgayTra", "NgayTuChoi", "HinhThuc", "DonViXuLy", "GhiChu",
    "TaiLieuNop", "DanhSachHoSoBoSung", "ChuHoSo", "DinhDanhCHS", "TrangThai", "ThoiDiemXuLy",
    "NoiDungXuLy", "NguoiXuLy", "PhongBanXuLy", "NgayKetThucTheoQuyDinh", "NgayBatDau",
]  # fmt: skip
PLAUSIBLE = st.one_of(
    JSON,
    st.sampled_from(["1", "2", "3", "4", "5", "9", "10", "0", "", " ", "11", 4, 10]),
    st.sampled_from(["20251103091500", "2025-11-03T09:15:00", "2025-11-03T09:15:00+07:00", "20991231000000",
                     "0001-01-01T00:00:00", "2025-02-30T00:00:00"]),
    st.sampled_from(["000.10.01.H99-251103-0001", "Ủy ban nhân dân Xã Tây Sơn", "Cán bộ trả hồ sơ bổ sung",
                     "Ban hành văn bản xin lỗi", "Công dân thu hồi hồ sơ", "1.004222", "x" * 70]),
    st.lists(st.fixed_dictionaries({}, optional={"MaThanhPhanHoSo": JSON, "IsDeleted": JSON,
                                                   "NgayBoSung": st.just("20251104100000")}), max_size=3),
)  # fmt: skip
RECORD = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), PLAUSIBLE, max_size=14)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RECORD | JSON, max_size=6), st.lists(RECORD, max_size=6))
@example([dossier(status="10", ended="20251110100000", returned="20251111090000")],
         [row(status="5", at="20251104100000"), row(status="4", at="20251105100000")])  # fmt: skip
def test_any_records_give_valid_events_or_documented_rejections(first: list, second: list) -> None:
    check_import(orjson.dumps(sync_body(*first)), orjson.dumps(progress_body(*second)))


@settings(max_examples=examples(150), deadline=None)
@given(st.binary(max_size=200))
@example(b"\xef\xbb\xbf")
@example(b'{"data": [')
@example(b"[" * 100 + b"]" * 100)
def test_any_bytes_give_valid_events_or_documented_rejections(payload: bytes) -> None:
    check_import(payload)


FIRST, SECOND = (
    dossier("000.10.01.H99-251103-0001"),
    dossier("000.10.01.H99-251103-0002", status="9", ended="20251110100000"),
)
VALID = encode(
    sync_body(FIRST, SECOND),
    progress_body(row(status="5", at="20251104100000"), row(status="4", at="20251105100000")),
)
#: Where the second dossier record ends in VALID.
WHOLE = len(b'{"service":"DongBoHoSoMC","data":[') + len(orjson.dumps(FIRST)) + 1 + len(orjson.dumps(SECOND))


@settings(max_examples=examples(100), deadline=None)
@given(st.integers(0, len(VALID)), st.integers(0, len(VALID) - 1), st.integers(0, 255))
# An overlong UTF-8 lead byte (C0) in a string: yajl let it through and ijson's decoding raised (CI run of
# 2026-12-05), cut inside the string and whole.
@example(129, 103, 0xC0)
@example(len(VALID), 103, 0xC0)
def test_a_mutated_payload_never_raises_and_keeps_what_precedes_the_damage(
    cut: int, at: int, byte: int
) -> None:
    mutated = bytearray(VALID[:cut])
    if at < len(mutated):
        mutated[at] = byte
    check_import(bytes(mutated))
    events, _rejected = check_import(VALID[:cut])
    if cut >= WHOLE:  # both dossier records were complete before the cut
        assert sum(1 for e in events if e.type == "received") == 2


# -- JSON Lines (a ``.jsonl`` log) ---------------------------------------------------------------------------
def line_items(payload: bytes, chunk: int | None = None) -> list:
    """The items of a JSON Lines payload; ``chunk``: the file hands out at most that many bytes per read (so
    lines cross the reads ijson makes, as they do past its 64 KiB buffer)."""
    fh: io.BufferedIOBase = io.BytesIO(payload) if chunk is None else _Trickle(payload, chunk)
    return list(read_records(fh, lines=True))  # type: ignore[arg-type]


class _Trickle(io.BytesIO):
    def __init__(self, payload: bytes, chunk: int) -> None:
        super().__init__(payload)
        self.chunk = chunk

    def read(self, size: int | None = -1) -> bytes:
        return super().read(self.chunk if size is None or size < 0 else min(size, self.chunk))

    def readline(self, size: int | None = -1) -> bytes:
        return super().readline(self.chunk if size is None or size < 0 else min(size, self.chunk))


def test_a_line_that_is_not_json_loses_only_itself_in_a_json_lines_log() -> None:
    """The review's log: five bodies, the second with Windows-1258 bytes in a note (not UTF-8). Read as one
    JSON text, everything after it was lost without a count; as JSON Lines only that line is."""
    bodies = [encode(sync_body(dossier(f"000.10.01.H99-251103-000{n}"))).rstrip(b"\n") for n in range(1, 6)]
    bodies[1] = bodies[1].replace(b'"GhiChu":""', b'"GhiChu":"Thi\xea\xfa"')
    assert b"\xea\xfa" in bodies[1]
    payload = b"\n".join(bodies) + b"\n"
    got = line_items(payload)
    assert [item.value["MaHoSo"][-4:] for item in got if isinstance(item, Record)] == ["0001", "0003", "0004",
                                                                                         "0005"]  # fmt: skip
    problems = [item for item in got if isinstance(item, ReadProblem)]
    assert [(p.index, p.code) for p in problems] == [(2, "json.invalid")] and "line 2" in problems[0].message
    assert [item.index for item in got if isinstance(item, Record | ReadProblem)] == [1, 2, 3, 4, 5]
    whole = items(payload)  # the same bytes named .json: read again by lines once the break shows them
    assert [type(item) for item in whole if not isinstance(item, Service)] == [
        Record,
        ReadProblem,
        *[Record] * 3,
    ]


#: A line of bytes (one that starts with a byte-order mark reads as it does alone, as a file).
GARBAGE_LINE = st.binary(max_size=30).filter(lambda b: b"\n" not in b)


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(st.one_of(st.builds(lambda r: orjson.dumps(sync_body(r)), RECORD), GARBAGE_LINE), max_size=8),
    st.sampled_from([None, 1, 7, 4096]),
    st.sampled_from([b"\n", b"\r\n"]),
)  # fmt: skip
def test_json_lines_read_each_good_line_whatever_the_bad_ones_and_the_reads(
    lines: list[bytes], chunk: int | None, newline: bytes
) -> None:
    """Every line gives what it gives read alone (a text that stops being JSON ends only its line), in
    order, and a blank line nothing; records and problems are numbered 1, 2, … across the file."""

    def shown(item: Record | ReadProblem) -> tuple[str, object]:
        return ("record", item.value) if isinstance(item, Record) else ("problem", item.code)

    expected = [
        shown(item)
        for line in lines
        if line.removeprefix(BOM).strip(b" \t\r")  # a line of a mark alone is blank
        for item in items(line)
        if not isinstance(item, Service)
    ]
    got = [item for item in line_items(newline.join(lines), chunk) if not isinstance(item, Service)]
    assert [shown(item) for item in got] == (expected or [("problem", "file.empty")])
    assert [item.index for item in got] == list(range(1, len(got) + 1))


def test_a_byte_order_mark_opening_each_body_of_a_log_is_skipped() -> None:
    """Files a .NET sender wrote, one body each, concatenated into one log: a byte-order mark opens every
    line. The second made its line not JSON: a lost body in a ``.jsonl`` log, and nothing after it read in a
    ``.json`` one (review). Each mark is skipped, whatever the reads cut (a mark split by them too)."""
    bodies = [encode(sync_body(dossier(f"A-{i}"))).strip() for i in range(4)]
    for newline in (b"\n", b"\r\n"):
        payload = b"".join(BOM + body + newline for body in bodies)
        for chunk in (None, 1, 2, 3, 5, 4096):
            for got in (line_items(payload, chunk), _items_in(payload, chunk)):
                read = [g.value["MaHoSo"] for g in got if isinstance(g, Record)]
                assert read == ["A-0", "A-1", "A-2", "A-3"], (newline, chunk)
                assert not [p for p in got if isinstance(p, ReadProblem)], (newline, chunk)
    # One mark per line's start, whatever the reads: two in a row leave the second, text that is not JSON.
    doubled = bodies[0] + b"\n" + BOM + BOM + bodies[1] + b"\n"
    for chunk in (None, 1, 2, 3, 4, 7):
        got = line_items(doubled, chunk)
        assert [(p.index, p.code) for p in got if isinstance(p, ReadProblem)] == [(2, "json.invalid")], chunk
    # Not a line's start: a mark inside a line is still text that is not JSON.
    got = line_items(bodies[0] + b"\n" + b" " + BOM + bodies[1] + b"\n")
    assert [(p.index, p.code) for p in got if isinstance(p, ReadProblem)] == [(2, "json.invalid")]


BOM = b"\xef\xbb\xbf"


def _items_in(payload: bytes, chunk: int | None) -> list:
    """The items of a ``.json`` payload read ``chunk`` bytes at a time."""
    fh: io.BufferedIOBase = io.BytesIO(payload) if chunk is None else _Trickle(payload, chunk)
    return list(read_records(fh))  # type: ignore[arg-type]


def test_a_payload_log_named_json_reads_on_past_a_bad_line() -> None:
    """A ``.json`` file of one body per line lost every record after one bad line, uncounted (review of
    2026-12-04): read again as JSON Lines, the bad line is one problem and the lines after it are read."""
    good = [encode(sync_body(dossier(f"A-{i}"))).strip() for i in range(3)]
    after = [encode(sync_body(dossier(f"B-{i}"))).strip() for i in range(5)]
    got = items(b"\n".join([*good, b"\x00\x00\x00", *after]) + b"\n")
    assert [g.value["MaHoSo"] for g in got if isinstance(g, Record)] == [
        "A-0", "A-1", "A-2", "B-0", "B-1", "B-2", "B-3", "B-4"
    ]  # fmt: skip
    assert [(p.index, p.code) for p in got if isinstance(p, ReadProblem)] == [(4, "json.invalid")]
    assert sum(isinstance(g, Service) for g in got) == 8  # each body's service once
    # One pretty-printed body that breaks off is no log of lines: the error ends it, as before.
    pretty = b'{\n "service": "DongBoHoSoMC",\n "data": [\n  {"MaHoSo": "A-1"},\n  {"MaHoSo": \x00\n'
    problems = [p for p in items(pretty) if isinstance(p, ReadProblem)]
    assert [p.code for p in problems] == ["json.invalid"] and "after record 1" in problems[0].message


def test_a_file_broken_in_its_first_record_is_one_problem_not_one_a_line() -> None:
    """A real first import: a pretty-printed body cut off in its first record gave 44 rejections, one per
    line ("line N is not JSON"), and a UTF-16 file one per line too, the real problem lost among them; no
    line of either is a body. One ``json.invalid`` says where the file stops being JSON. A log whose first
    line is bad still reads the lines after it."""
    body = json.dumps(sync_body(dossier(), dossier(f"{UNIT}-251103-0002")), ensure_ascii=False, indent=2)
    cut = body[: len(body) // 4].encode()
    for broken in (cut, body.encode("utf-16")):
        problems = [p for p in items(broken) if isinstance(p, ReadProblem)]
        assert [p.code for p in problems] == ["json.invalid"], problems
        assert "before its first record" in problems[0].message
        assert ("the file is UTF-16: save it as UTF-8" in problems[0].message) is (broken is not cut)
    log = [b"\x00 not json", *(encode(sync_body(dossier(f"B-{i}"))).strip() for i in range(2))]
    got = items(b"\n".join(log) + b"\n")
    assert [g.value["MaHoSo"] for g in got if isinstance(g, Record)] == ["B-0", "B-1"]
    assert [(p.index, p.code) for p in got if isinstance(p, ReadProblem)] == [(1, "json.invalid")]


def test_an_event_rejected_of_a_mapped_record_keeps_the_summary_adding_up() -> None:
    """A dossier record of 8,000 document components is mapped, and its receipt rejected as a line over the
    contract's limit: the summary read records_read 1 = mapped 1 + rejected 1 (review). Counted apart."""
    codes = tuple(f"GIAY-TO-KHAC-SO-{n:05d}" for n in range(8_000))  # about 190 KB of codes
    payload = orjson.dumps(sync_body(dossier(documents=codes)))
    _events, rejected = check_import(payload)  # which asserts the sum
    assert [r.code for r in rejected] == ["event.line.too_long"]
    imp = importer()
    outputs = [*imp.read_all("f.json", read_records(io.BytesIO(payload))), *imp.finish()]
    stats = imp.stats
    assert outputs and (stats.records_read, stats.records_total, stats.rejected_total) == (1, 1, 1)
    assert stats.events_rejected == 1 and stats.to_json_dict()["events_rejected"] == 1


def test_a_pretty_printed_body_that_breaks_says_nothing_after_is_read_and_why() -> None:
    """A pretty-printed body (records over several lines) with a NaN in its second record (Python's
    json.dumps writes them) ends there: the one problem says that nothing after it is read, and names NaN
    without quoting the text (fuzz review of 2026-12-05: records 3 and 4 were lost without a word)."""
    record = b'  {\n    "MaHoSo": "%s",\n    "SoTien": %s\n  }'
    records = [record % (b"A-1", b"1"), record % (b"B-1", b"NaN"), record % (b"C-1", b"3")]
    body = b'{\n  "service": "DongBoHoSoMC",\n  "data": [\n' + b",\n".join(records) + b"\n  ]\n}\n"
    got = items(body)
    assert [g.value["MaHoSo"] for g in got if isinstance(g, Record)] == ["A-1"]
    (problem,) = [g for g in got if isinstance(g, ReadProblem)]
    assert problem.code == "json.invalid" and "after record 1" in problem.message
    assert "nothing after it is read" in problem.message
    assert "NaN and Infinity are not JSON" in problem.message
    assert "SoTien" not in problem.message and "B-1" not in problem.message
    (cut,) = [g for g in items(body.replace(b"NaN", b"2\x00")) if isinstance(g, ReadProblem)]
    assert "nothing after it is read" in cut.message and "NaN" not in cut.message
    # A NaN the parser did not stop at (in a string near the break) is not named (review).
    stray = b'[{"MaHoSo": "A-1"}, {"GhiChu": "x NaN y" , }]'
    (near,) = [g for g in items(stray) if isinstance(g, ReadProblem)]
    assert near.code == "json.invalid" and "NaN" not in near.message


def test_a_number_of_more_than_64_bits_is_json_and_ends_nothing() -> None:
    """A real first import: a payment's transaction id of twenty digits (``DanhSachLePhi[].IdGiaoDich``)
    stopped the parser ("integer overflow") and the file with it, every record after it lost, though the
    file is JSON (Python's ``json`` reads it). A number is kept as it is within 64 bits, else as a float,
    and a fraction as a float (what ``use_float`` gave)."""
    fees = [{"IdGiaoDich": 12345678901234567890, "SoTien": 1.5, "Ma": 10**25}]
    first = dossier(f"{UNIT}-251103-0001", DanhSachLePhi=fees)
    rest = [dossier(f"{UNIT}-251103-000{n}") for n in (2, 3)]
    pretty = json.dumps(sync_body(first, *rest), ensure_ascii=False, indent=2).encode()
    assert [r["MaHoSo"] for r in records(pretty)] == [f"{UNIT}-251103-000{n}" for n in (1, 2, 3)]
    fee = records(pretty)[0]["DanhSachLePhi"][0]
    assert fee == {"IdGiaoDich": 12345678901234567890, "SoTien": 1.5, "Ma": 1e25}
    assert [r.value for r in items(b"[-9223372036854775808, 18446744073709551615, 18446744073709551616]")
            if isinstance(r, Record)] == [-(2**63), 2**64 - 1, float(2**64)]  # fmt: skip
    events, rejected = check_import(pretty)
    assert rejected == [] and len({orjson.loads(e.line)["dossier_id"] for e in events}) == 3
    # A rejected record holding one is written (its raw JSON), not a crash.
    _, refused = check_import(json.dumps(sync_body({"MaHoSo": 1, "Id": 10**25})).encode())
    assert [r.code for r in refused] == ["record.unrecognised"] and b"1e+25" in refused[0].raw, refused


def _kinds(got: list) -> list[tuple[str, str | None]]:
    return [(type(i).__name__, getattr(i, "code", None)) for i in got]


@pytest.mark.parametrize("number", [b"1" + b"0" * 400, b"-1" + b"0" * 400, b"1e400", b"-2.5E999"])
@pytest.mark.parametrize("lines", [False, True])
def test_a_number_beyond_a_float_is_one_refused_record_and_the_next_is_read(
    number: bytes, lines: bool
) -> None:
    """The DVCQG seat of 2026-12-07: ``"LoaiDoiTuong": 1`` and 400 zeros ended the import in an
    ``OverflowError`` traceback, every record lost; ``1e400`` was read as an infinity, which JSON has not."""
    bad = b'{"MaHoSo": "B", "x": {"y": [' + number + b"]}}"
    top = b'{"MaHoSo": "T", "LoaiDoiTuong": ' + number + b"}"
    for record in (bad, top):
        payload = b'{"MaHoSo": "A"}\n' + record + b'\n{"MaHoSo": "C"}\n'
        got: list[Any] = list(read_records(io.BytesIO(payload), lines=lines))
        refused = ("ReadProblem", "record.number_out_of_range")
        assert _kinds(got) == [("Record", None), refused, ("Record", None)]
        assert "beyond a float's range" in got[1].message
    assert documented("record.number_out_of_range")
    assert "record.number_out_of_range" in " ".join(DOC.read_text(encoding="utf-8").split())


@pytest.mark.parametrize("lines", [False, True])
def test_an_integer_too_long_to_convert_never_reaches_the_parser(lines: bool) -> None:
    """The same seat: an integer of 5,000 digits raised Python's ``ValueError`` inside ijson's C parser,
    which left it set: a traceback, and caught, the next record raised ``SystemError`` or crashed the
    process. The run is refused before the parser reads it, also when it spans two of its reads, and the
    records after it are read; a run of 4,300 digits is read: a string holding it is kept, a number of it is
    beyond a float's range."""
    long_run = b"1" + b"0" * 5_000
    spanning = b'{"MaHoSo": "S", "pad": "' + b"p" * ((1 << 16) - 40) + b'", "n": ' + long_run + b"}"
    for bad in (b'{"MaHoSo": "D", "x": ' + long_run + b"}", spanning):
        payload = b'{"MaHoSo": "A"}\n' + bad + b'\n{"MaHoSo": "C"}\n{"MaHoSo": "E", "n": 12}\n'
        for _ in range(3):  # again in the same process: nothing left broken
            got: list[Any] = list(read_records(io.BytesIO(payload), lines=lines))
            assert _kinds(got) == [("Record", None), ("ReadProblem", "json.invalid"), ("Record", None),
                                   ("Record", None)]  # fmt: skip
            assert "more than 4,300 digits" in got[1].message
            assert got[3].value == {"MaHoSo": "E", "n": 12}
    edge = b"9" * 4_300
    kept = b'{"MaHoSo": "K", "s": "' + edge + b'"}\n{"MaHoSo": "L", "n": ' + edge + b"}\n"
    got = list(read_records(io.BytesIO(kept), lines=lines))
    assert _kinds(got) == [("Record", None), ("ReadProblem", "record.number_out_of_range")]
    assert got[0].value["s"] == edge.decode()


def test_the_records_before_a_long_run_are_read_and_an_exponent_past_decimal_is_one_problem() -> None:
    """The last read of 2026-12-07: a whole 64 KiB read holding the long run was refused, so the records of
    a pretty-printed file before it were lost ("before its first record"); and ``1e99999999999999999999``
    ended the import in ``decimal.InvalidOperation``. The records before are read, the problem is one."""
    records = b",\n".join(b'  {"MaHoSo": "R%d", "x": 1}' % i for i in range(3))
    for bad in (b"1" + b"0" * 5_000, b"1e99999999999999999999", b"-1e-99999999999999999999"):
        record = b'{"MaHoSo": "D", "x": ' + bad + b"}"
        for _ in range(3):  # again in the same process: nothing left broken
            got: list[Any] = list(read_records(io.BytesIO(b"[\n" + records + b",\n  " + record + b"\n]\n")))
            assert [i.value["MaHoSo"] for i in got[:3]] == ["R0", "R1", "R2"]
            assert _kinds(got)[3:] == [("ReadProblem", "json.invalid")] and "record 3" in got[3].message
            assert "<class" not in got[3].message  # a readable reason, not the exception's repr
            lines = b'{"MaHoSo": "A"}\n' + record + b'\n{"MaHoSo": "C"}\n'
            got = list(read_records(io.BytesIO(lines), lines=True))
            assert _kinds(got) == [("Record", None), ("ReadProblem", "json.invalid"), ("Record", None)]


def test_a_lower_python_digit_limit_is_the_readers() -> None:
    """``PYTHONINTMAXSTRDIGITS=640``: a 1,000-digit integer raised the same ``ValueError`` in the parser."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        payload = b'{"MaHoSo": "A"}\n{"MaHoSo": "D", "x": 1' + b"0" * 1_000 + b'}\n{"MaHoSo": "C"}\n'
        for _ in range(2):
            got: list[Any] = list(read_records(io.BytesIO(payload), lines=True))
            assert _kinds(got) == [("Record", None), ("ReadProblem", "json.invalid"), ("Record", None)]
            assert "more than 640 digits" in got[1].message
    finally:
        sys.set_int_max_str_digits(old)
