"""The applicant's own name, from her dossier's record, is looked for in every free text the import passes
on (review of 2026-12-07): a status-3 row "hồ sơ của lò văn páo thiếu giấy tờ" of the applicant "Lò Văn
Páo" became a refusal's ``reason`` in clear, into the events file and the warehouse. The text alone is read
for common surnames only ("lò" is none), and the row was never compared with the name the record gives,
though its ``PhongBanXuLy`` was.
"""

from __future__ import annotations

import unicodedata

import orjson
import pytest

from sources.dvcqg.fields import Fields
from sources.dvcqg.holder import holder_prints, names_holder
from sources.dvcqg.notes import WITHHELD
from tests.sources.payloads import dossier, encode, of_type, progress_body, row, run, sync_body

NAME = "Lò Văn Páo"
REFUSED = "20251104090000"


def _refused(record: dict, *rows: dict) -> tuple[list[dict], str]:
    events, rejected, _ = run(encode(sync_body(record)), encode(progress_body(*rows)))
    out = b"".join(orjson.dumps(e) for e in events) + b"".join(orjson.dumps(r.to_json()) for r in rejected)
    return events, out.decode()


def _clear(out: str) -> bool:
    """Whether an output holds two words of the name in a row, in any case or accents."""
    folded = unicodedata.normalize("NFC", out).casefold()
    return any(part in folded for part in ("lò văn", "văn páo", "lo van", "van pao"))


@pytest.mark.parametrize(
    "text",
    [
        "hồ sơ của lò văn páo thiếu giấy tờ",
        "công dân lò văn páo đề nghị",
        "Hồ sơ của LÒ VĂN PÁO thiếu giấy tờ",
        unicodedata.normalize("NFD", "hồ sơ của lò văn páo thiếu giấy tờ"),
        "ho so cua lo  van   pao thieu giay to",
        "hồ sơ của lò-văn-páo, thiếu giấy tờ",
    ],
)
def test_a_rows_reason_naming_the_records_applicant_is_withheld(text: str) -> None:
    record = dossier(status="3", refused=REFUSED, ChuHoSo=NAME)
    events, out = _refused(record, row(status="3", at="2025-11-04 09:00:00", text=text))
    (refused,) = of_type(events, "refused")
    assert refused["data"]["reason"] == WITHHELD
    assert not _clear(out), out


def test_a_rows_supplement_note_and_department_naming_her_keep_only_the_phrase() -> None:
    """The vocabulary's phrase goes on, the rest withheld, as for a note the text alone says may name
    someone; a department holding part of her name is no ``step``; a note naming nobody is kept."""
    record = dossier(ChuHoSo=NAME)
    events, out = _refused(
        record,
        row(status="9", at="2025-11-04 09:00:00", text="Cán bộ trả hồ sơ bổ sung cho lò văn páo"),
        row(status="4", at="2025-11-05 09:00:00", text="Chuyển xử lý", department="Một cửa - lò văn páo"),
        row(status="8", at="2025-11-06 09:00:00", text="Dừng xử lý: thiếu giấy khai sinh"),
    )
    assert (
        of_type(events, "supplement_requested")[0]["data"]["reason"] == f"Cán bộ trả hồ sơ bổ sung {WITHHELD}"
    )
    assert "step" not in of_type(events, "transferred")[0]["data"]
    assert of_type(events, "suspended")[0]["data"]["reason"] == "Dừng xử lý: thiếu giấy khai sinh"
    assert not _clear(out), out


def test_the_records_own_note_and_supplement_naming_her_are_withheld_and_codes_keep_their_words() -> None:
    """The record's texts had her whole name replaced by its pseudonym only as a whole value. A document
    code is a catalogue code: her values are replaced in it, her name's runs not looked for ("TO-KHAI" is
    a run of "Tô Khải Minh", withheld it made an EXCESS_DOCUMENTS that was not: last read of 2026-12-07)."""
    supplement = {"NgayBoSung": "20251105090000", "NoiDungBoSung": "yêu cầu lò văn páo nộp CT01"}
    record = dossier(status="3", refused=REFUSED, ChuHoSo=NAME, note="hồ sơ của Lò-Văn-Páo thiếu giấy tờ",
                     DanhSachHoSoBoSung=[supplement])  # fmt: skip
    events, out = _refused(record)
    assert of_type(events, "refused")[0]["data"]["reason"] == WITHHELD
    assert of_type(events, "supplement_requested")[0]["data"]["reason"].startswith("yêu cầu hmac-sha256:")
    assert not _clear(out), out
    coded = dossier(ChuHoSo="Tô Khải Minh", documents=("TO-KHAI", "CCCD-BAN-SAO"))
    events, _ = _refused(coded)
    assert of_type(events, "received")[0]["data"]["documents"] == ["TO-KHAI", "CCCD-BAN-SAO"]


def test_parts_are_runs_of_three_words_of_a_persons_name_only() -> None:
    """One or two words of a name are no part (everyday words: "Lan", "An", "đô thị" of "Đỗ Thị Hà",
    "thành công", "văn hóa": last read of 2026-12-07), nor a run of an organisation's name ("Công ty …"
    would withhold every note of a business's dossiers)."""
    person = holder_prints(Fields({"ChuHoSo": "Tôn Nữ Thị Bích Ngọc"}))
    assert names_holder("theo đơn của thị bích ngọc", person)
    assert names_holder("Ton Nu Thi ký nhận", person)
    assert not names_holder("theo đơn của thị bích", person) and not names_holder("Ton Nu ký", person)
    assert not names_holder("Ngọc đã ký", person) and not names_holder("hồ sơ thiếu giấy tờ", person)
    everyday = (
        ("Đỗ Thị Hà", "Phòng Quản lý đô thị"),
        ("Nguyễn Thành Công", "Nộp hồ sơ thành công"),
        ("Trần Văn Hóa", "Phòng Văn hóa - Thông tin"),
        ("Lê Quốc Gia", "cổng dịch vụ công quốc gia"),
        ("Nguyễn Văn Phòng", "Văn phòng đăng ký đất đai"),
    )
    for name, note in everyday:
        assert not names_holder(note, holder_prints(Fields({"ChuHoSo": name}))), (name, note)
    business = holder_prints(Fields({"ChuHoSo": "Công ty TNHH An Phát", "LoaiDoiTuong": "2"}))
    assert names_holder("Công ty TNHH An Phát nộp thiếu", business)  # the whole name all the same
    assert not names_holder("công ty thiếu giấy phép", business)
