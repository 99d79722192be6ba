"""DVCQG records → contract events: statuses, channels, times, rewritings, snapshots, ids, rejections.

Payloads are built from the documented field set (DOMAIN.md §9) by ``tests/sources/payloads.py``. Every
event any test here produces is checked against the contract (``schemas.validation``) by ``imported``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
import pytest

from inspections.catalogue import Catalogue, Level, Unit
from inspections.files.catalogue import sample_catalogue
from schemas.pseudonym import Pseudonymiser
from schemas.validation import Rejection, parse_event
from sources.dvcqg import UnitResolver
from sources.dvcqg.bodies import RecordKind
from sources.dvcqg.fields import Fields, Unmappable
from tests.sources.payloads import (
    APPLICANT,
    CLEAR_VALUES,
    KEY,
    PROCEDURE,
    UNIT,
    dossier,
    encode,
    lines,
    of_type,
    progress_body,
    row,
    run,
    sync_body,
)

DOSSIER = f"{UNIT}-251103-0001"


def imported(*files: bytes, mapping: dict[str, str] | None = None):
    """``run`` with every event checked against the contract."""
    events, rejected, stats = run(*files, mapping=mapping)
    for event in events:
        parsed = parse_event(orjson.dumps(event))
        assert not isinstance(parsed, Rejection), (parsed, event)
    return events, rejected, stats


def types(events) -> list[str]:
    return [e["type"] for e in events]


# -- statuses ---------------------------------------------------------------------------------------------
RECORD_STATUSES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "1": ({"channel": "2", "received": None, "submitted": "20251103080000", "method": None}, ["submitted"]),
    "2": ({}, ["received"]),
    "3": ({"received": None, "refused": "20251103090000"}, ["refused"]),
    "4": ({}, ["received"]),
    "5": ({}, ["received"]),
    "6": ({}, ["received"]),
    "7": ({"ended": "20251104100000"}, ["received", "withdrawn"]),
    "8": ({"ended": "20251104100000", "note": "Hồ sơ vướng quy hoạch"}, ["received", "suspended"]),
    "9": ({"ended": "20251110100000"}, ["received", "processed"]),
    "10": ({"ended": "20251110100000", "returned": "20251111090000"}, ["received", "processed", "returned"]),
}


@pytest.mark.parametrize("status", [str(n) for n in range(1, 11)])
def test_every_status_of_a_dossier_record(status: str) -> None:
    fields, expected = RECORD_STATUSES[status]
    events, rejected, stats = imported(encode(sync_body(dossier(status=status, **fields))))
    assert not rejected
    assert types(events) == expected
    if status == "3":
        # No note and no row: the format gives no reason, so it is unknown, not an empty one (review of the
        # audited unit: "refusal without reason", high, on every such refusal).
        assert events[0]["data"] == {"stage": "reception", "notice_id": None, "reason": None}
        assert events[0]["source"]["unknown"] == ["notice_id", "reason"]
    if status == "8":
        assert events[1]["data"] == {"notice_id": None, "reason": "Hồ sơ vướng quy hoạch"}
    if status in ("5", "6"):  # the record says so, but when: only a history row could tell
        assert stats.blind_spots["status_time_unknown"] == 1
    for event in events:
        assert event["source"]["system"] == "dvcqg"
        assert event["source"]["record"] == f"DongBoHoSoMC/{DOSSIER}"
        assert event["unit_code"] == UNIT and event["dossier_id"] == DOSSIER


ROW_STATUSES: dict[str, list[str]] = {
    "1": [],
    "2": [],
    "3": ["refused"],
    "4": ["transferred"],
    "5": ["supplement_requested"],
    "6": ["financial_obligation_requested"],
    "7": ["withdrawn"],
    "8": ["suspended"],
    "9": ["processed"],
    "10": ["returned"],
}


@pytest.mark.parametrize("status", [str(n) for n in range(1, 11)])
def test_every_status_of_a_history_row(status: str) -> None:
    rows = progress_body(row(status=status, at="20251105100000", text="", step_due="20251107170000"))
    events, rejected, _ = imported(encode(sync_body(dossier())), encode(rows))
    assert not rejected
    assert types(events) == ["received", *ROW_STATUSES[status]]
    for event in events[1:]:
        assert event["occurred_at"] == "2025-11-05T10:00:00+07:00"
        # Status 7 is the citizen's own act: its NguoiXuLy may be the applicant, never an actor.
        assert event.get("actor") == (None if status == "7" else "Trần Văn Cán")
        assert event["source"]["record"] == f"CapNhatTienDoHoSoMC/{DOSSIER}/20251105100000/{status}"
    if status == "4":
        assert events[1]["data"] == {
            "to_unit_code": UNIT, "step": "Bộ phận Một cửa", "step_due_at": "2025-11-07T17:00:00+07:00",
        }  # fmt: skip
    if status == "3":
        assert events[1]["data"]["stage"] == "processing"  # the dossier was received before


def test_a_status_code_may_be_a_number_or_zero_padded() -> None:
    events, rejected, _ = imported(
        encode(sync_body(dossier(status=9, ended="20251110100000"))),  # type: ignore[arg-type]
        encode(progress_body(row(status="04", at="20251104100000"))),
    )
    assert not rejected and types(events) == ["received", "processed", "transferred"]


# -- channels and return methods --------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "channel"), [("1", "direct"), ("2", "online"), ("3", "postal")])
def test_every_channel_code(code: str, channel: str) -> None:
    events, _, _ = imported(encode(sync_body(dossier(channel=code, submitted="20251103080000"))))
    received = of_type(events, "received")[0]
    assert received["data"]["channel"] == channel
    submitted = of_type(events, "submitted")
    assert [e["data"]["channel"] for e in submitted] == (["online"] if channel == "online" else [])
    if submitted:
        assert submitted[0]["occurred_at"] == "2025-11-03T08:00:00+07:00"
        assert submitted[0]["data"]["procedure_code"] == PROCEDURE


@pytest.mark.parametrize(
    ("method", "channel", "expected", "inferred"),
    [("0", "2", "direct", False), ("1", "1", "postal", False), (None, "2", "online", True),
     (None, "3", "postal", True)],
)  # fmt: skip
def test_every_return_method(method: str | None, channel: str, expected: str, inferred: bool) -> None:
    record = dossier(
        status="10", channel=channel, ended="20251110100000", returned="20251111090000", method=method
    )
    events, _, stats = imported(encode(sync_body(record)))
    returned = of_type(events, "returned")[0]
    assert returned["data"] == {"channel": expected}
    assert returned["source"].get("inferred", False) is inferred
    if inferred:
        assert "KenhThucHien" in returned["source"]["basis"]
        assert stats.inferred["return_channel_from_submission"] == 1
        assert stats.blind_spots["return_channel_assumed"] == 1


def test_a_returned_row_takes_the_dossiers_return_method() -> None:
    events, _, _ = imported(
        encode(sync_body(dossier(status="4", method="1"))),
        encode(progress_body(row(status="10", at="20251111090000"))),
    )
    assert of_type(events, "returned")[0]["data"] == {"channel": "postal"}


# -- times --------------------------------------------------------------------------------------------------
def test_both_time_formats_give_the_same_bytes() -> None:
    compact = dossier(status="10", ended="20251110100000", returned="20251111090000")
    iso = dossier(
        status="10", received="2025-11-03T09:15:00", due="2025-11-12 17:00:00",
        ended="2025-11-10T10:00:00.000", returned="2025-11-11T02:00:00Z",
    )  # fmt: skip
    rows_compact = progress_body(row(status="4", at="20251104100000", step_due="20251105170000"))
    rows_iso = progress_body(row(status="4", at="2025-11-04T10:00:00", step_due="2025-11-05T17:00:00+07:00"))
    assert lines(encode(sync_body(compact)), encode(rows_compact)) == lines(
        encode(sync_body(iso)), encode(rows_iso)
    )
    events, _, _ = imported(encode(sync_body(iso)))
    assert [e["occurred_at"] for e in events] == [
        "2025-11-03T09:15:00+07:00", "2025-11-10T10:00:00+07:00", "2025-11-11T09:00:00+07:00",
    ]  # fmt: skip
    assert events[0]["data"]["due_at"] == "2025-11-12T17:00:00+07:00"


def test_the_receipt_keeps_the_appointment_a_supplement_replaced() -> None:
    """``due_at`` is the original appointment (RULES.md): a record whose NgayHenTra is the new appointment of
    its supplement (DanhSachHoSoBoSung: NgayHenTraTruoc → NgayHenTraMoi) gave that one, a false
    DUE_DATE_OVERSTATED and the lateness against the first one lost (DVCQG review); the reschedule, seen
    between two snapshots, is no due-date change either."""
    item = {"NgayBoSung": "20251105090000", "NoiDungBoSung": "Thiếu CT01",
            "NgayTiepNhanBoSung": "20251110090000", "NgayHenTraTruoc": "20251112170000",
            "NgayHenTraMoi": "20251119170000"}  # fmt: skip
    later = dossier(due="20251119170000", DanhSachHoSoBoSung=[item])
    events, rejected, _ = imported(encode(sync_body(later)))
    assert not rejected
    assert of_type(events, "received")[0]["data"]["due_at"] == "2025-11-12T17:00:00+07:00"
    assert not of_type(events, "due_date_changed")
    events, _, _ = imported(encode(sync_body(dossier())), encode(sync_body(later)))
    assert of_type(events, "received")[0]["data"]["due_at"] == "2025-11-12T17:00:00+07:00"
    assert not of_type(events, "due_date_changed")
    # A date the supplement does not account for is the record's own, and a change of it is one, from the
    # date in force (the receipt's: review, it said the rescheduled one, a false OLD_DUE_DATE_MISMATCH).
    tampered = dossier(due="20251121170000", DanhSachHoSoBoSung=[item])
    for snapshots in ((dossier(), tampered), (dossier(), later, tampered)):
        events, _, _ = imported(*(encode(sync_body(snapshot)) for snapshot in snapshots))
        assert [(e["data"]["old_due_at"][:10], e["data"]["new_due_at"][:10])
                for e in of_type(events, "due_date_changed")] == [("2025-11-12", "2025-11-21")]  # fmt: skip
    # A reschedule's date it cannot read explains nothing and rejects nothing (it was read for this only).
    unreadable = dossier(due="20251119170000", DanhSachHoSoBoSung=[{**item, "NgayHenTraMoi": "abc"}])
    events, rejected, _ = imported(encode(sync_body(unreadable)))
    assert not rejected and of_type(events, "received")[0]["data"]["due_at"] == "2025-11-19T17:00:00+07:00"


def test_an_absent_due_date_is_null() -> None:
    for due in (None, "", "0001-01-01T00:00:00", "1900-01-01T00:00:00", "19000101000000"):
        events, _, _ = imported(encode(sync_body(dossier(due=due))))
        assert events[0]["data"]["due_at"] is None


def test_sql_servers_zero_date_in_a_field_the_status_does_not_use_keeps_the_record() -> None:
    """DVCQG review of 2026-12-07: a record of status 4 (in processing) sent NgayKetThucXuLy and NgayTra as
    1900-01-01, SQL Server's zero datetime; the record was rejected as out of range, its receipt with it."""
    record = dossier(status="4", NgayKetThucXuLy="1900-01-01T00:00:00", NgayTra="19000101000000")
    events, rejected, _ = imported(encode(sync_body(record)))
    assert not rejected and types(events) == ["received"]


# -- rewritten rows ---------------------------------------------------------------------------------------
REWRITES = [
    ("9", "Cán bộ trả hồ sơ bổ sung", ["supplement_requested"], "supplement_request"),
    ("9", "CÁN BỘ TRẢ BỔ SUNG HỒ SƠ: thiếu CT01", ["supplement_requested"], "supplement_request"),
    ("9", "Công dân thực hiện NVTC", ["financial_obligation_requested"], "financial_obligation"),
    ("9", "Hồ sơ không có ngày hẹn trả", [], "no_appointment_date"),
    ("3", "Công dân thu hồi hồ sơ", ["withdrawn"], "withdrawal"),
]


@pytest.mark.parametrize(("status", "text", "expected", "kind"), REWRITES)
def test_rewritten_rows_are_mapped_to_what_they_mean_and_counted(
    status: str, text: str, expected: list[str], kind: str
) -> None:
    events, rejected, stats = imported(
        encode(sync_body(dossier())),
        encode(progress_body(row(status=status, at="20251105100000", text=text))),
    )
    assert not rejected
    assert types(events) == ["received", *expected]
    assert stats.rewrites == {kind: 1}
    assert "processed" not in types(events) and "refused" not in types(events)
    for event in events[1:]:  # its type deduced from the text, and said so (review: only apologies were)
        assert event["source"]["inferred"] is True and "senders" in event["source"]["basis"]
    if kind == "financial_obligation":
        assert "actor" not in events[1]  # "Công dân ...": the name there may be the applicant's
    if kind == "no_appointment_date":
        assert stats.blind_spots["no_appointment_rows"] == 1


def test_a_status_1_record_that_says_nothing_importable_is_rejected_saying_why() -> None:
    """Status 1 is a submission online (DOMAIN §3): one without NgayNopHoSo, or in person and not received,
    gave no event, no rejection and no blind spot (DVCQG review)."""
    cases = (({"channel": "2", "submitted": None}, "NgayNopHoSo.missing"),
             ({"channel": "1", "submitted": "20251103080000"}, "KenhThucHien.not_online"),
             ({"channel": None, "submitted": "20251103080000"}, "KenhThucHien.missing"))  # fmt: skip
    for extra, code in cases:
        events, rejected, _ = imported(
            encode(sync_body(dossier(status="1", received=None, method=None, **extra)))
        )
        assert not events and [r.code for r in rejected] == [code]


def test_a_row_without_the_time_it_happened_is_dated_by_its_start_and_says_so() -> None:
    """ThoiDiemXuLy absent, NgayBatDau given: the event is at the step's start, which can place an end
    earlier than it happened, so it is marked deduced with why (DVCQG review)."""
    events, rejected, _ = imported(
        encode(sync_body(dossier())),
        encode(progress_body(row(status="9", at=None, NgayBatDau="20251110080000"))),
    )
    assert not rejected
    (processed,) = of_type(events, "processed")
    assert processed["occurred_at"] == "2025-11-10T08:00:00+07:00"
    assert processed["source"]["inferred"] is True and "NgayBatDau" in processed["source"]["basis"]
    events, _, _ = imported(encode(sync_body(dossier())),
                            encode(progress_body(row(status="9", at="20251110080000"))))  # fmt: skip
    assert "inferred" not in of_type(events, "processed")[0]["source"]


def test_a_rewritten_dossier_status_is_undone_from_its_note() -> None:
    events, _, stats = imported(
        encode(sync_body(dossier(status="9", ended="20251105100000", note="Cán bộ trả hồ sơ bổ sung")))
    )
    assert types(events) == ["received"]
    assert stats.rewrites == {"supplement_request": 1}


def test_a_record_that_states_its_end_is_processed_whatever_its_note_says_of_the_appointment() -> None:
    """ "Hồ sơ không có ngày hẹn trả" marks no end on a status-9 row (DOMAIN §9), nor on a record without an
    end date; a record stating NgayKetThucXuLy ended then (its end was dropped, the dossier left open and
    judged late at the audit's instant: DVCQG review)."""
    note = "Hồ sơ không có ngày hẹn trả"
    events, _, stats = imported(encode(sync_body(dossier(status="9", ended="20251105100000", note=note))))
    assert types(events) == ["received", "processed"]
    assert of_type(events, "processed")[0]["occurred_at"] == "2025-11-05T10:00:00+07:00"
    assert stats.blind_spots["no_appointment_rows"] == 1
    events, _, _ = imported(encode(sync_body(dossier(status="9", note=note))))
    assert types(events) == ["received"]


def test_an_apology_is_recognised_by_its_text_alone() -> None:
    text = "Ban hành văn bản xin lỗi và hẹn lại ngày trả kết quả"
    events, _, stats = imported(
        encode(sync_body(dossier())), encode(progress_body(row(status="9", at="20251112160000", text=text)))
    )
    apology = of_type(events, "apology_issued")[0]
    assert apology["data"] == {"notice_id": None, "reason": text, "new_due_at": None}
    assert apology["source"]["inferred"] is True and "xin lỗi" in apology["source"]["basis"]
    assert apology["source"]["unknown"] == ["notice_id", "new_due_at"]
    assert not of_type(events, "processed")  # a status-9 apology row is no end
    assert stats.inferred == {"apology_from_text": 1}
    assert stats.not_checkable["APOLOGY_INCOMPLETE"] == 1


# -- deduced completions ------------------------------------------------------------------------------------
def test_a_return_to_processing_completes_the_supplement_request_before_it() -> None:
    rows = progress_body(
        row(status="5", at="20251104100000", text="Bổ sung CT01"),
        row(status="4", at="20251106083000"),
        row(status="6", at="20251107100000"),
        row(status="4", at="20251108100000"),
    )
    events, _, stats = imported(encode(sync_body(dossier())), encode(rows))
    completed = of_type(events, "supplement_completed")
    assert [e["occurred_at"] for e in completed] == ["2025-11-06T08:30:00+07:00"]
    assert completed[0]["data"] == {"documents": []} and completed[0]["source"]["inferred"] is True
    fulfilled = of_type(events, "financial_obligation_fulfilled")
    assert [e["occurred_at"] for e in fulfilled] == ["2025-11-08T10:00:00+07:00"]
    assert stats.inferred == {
        "supplement_completed_from_resume": 1, "financial_obligation_fulfilled_from_resume": 1,
    }  # fmt: skip
    assert stats.blind_spots["supplement_without_resume"] == 0


def test_deductions_do_not_depend_on_the_order_of_rows() -> None:
    rows = [
        row(status="5", at="20251104100000"),
        row(status="5", at="20251105100000"),
        row(status="4", at="20251106100000"),
        row(status="4", at="20251107100000"),
    ]
    forward = lines(encode(sync_body(dossier())), encode(progress_body(*rows)))
    backward = lines(
        encode(sync_body(dossier())), encode(progress_body(*rows[2:])), encode(progress_body(*rows[:2]))
    )
    assert sorted(forward.splitlines()) == sorted(backward.splitlines())
    events, _, stats = imported(encode(sync_body(dossier())), encode(progress_body(*rows)))
    # The first request is followed by another request, not by a return: its completion cannot be seen.
    assert [e["occurred_at"] for e in of_type(events, "supplement_completed")] == [
        "2025-11-06T10:00:00+07:00"
    ]
    assert stats.blind_spots["supplement_without_resume"] == 1


def test_a_filled_supplement_list_is_read_not_deduced() -> None:
    item = {
        "NgayBoSung": "20251104100000",
        "NoiDungBoSung": "Thiếu CT01",
        "NgayTiepNhanBoSung": "20251105140000",
    }
    record = dossier(status="4", DanhSachHoSoBoSung=[item])
    rows = progress_body(row(status="5", at="20251104100000"), row(status="4", at="20251105150000"))
    events, _, stats = imported(encode(sync_body(record)), encode(rows))
    assert types(events).count("supplement_requested") == 1  # the row states the item's request again
    completed = of_type(events, "supplement_completed")
    assert [(e["occurred_at"], e["source"].get("inferred")) for e in completed] == [
        ("2025-11-05T14:00:00+07:00", None)
    ]
    assert stats.blind_spots["supplement_details_empty"] == 0


# -- snapshots and ids --------------------------------------------------------------------------------------
def test_two_snapshots_with_different_due_dates_give_one_deduced_change() -> None:
    first = encode(sync_body(dossier(status="4", due="20251112170000")))
    second = encode(sync_body(dossier(status="4", due="20251120170000")))
    events, _, stats = imported(first, second, second)
    changes = of_type(events, "due_date_changed")
    assert len(changes) == 1
    change = changes[0]
    assert change["data"] == {
        "old_due_at": "2025-11-12T17:00:00+07:00", "new_due_at": "2025-11-20T17:00:00+07:00", "reason": "",
    }  # fmt: skip
    assert change["source"]["inferred"] is True and "NgayHenTra" in change["source"]["basis"]
    assert of_type(events, "received")[0]["data"]["due_at"] == "2025-11-12T17:00:00+07:00"  # the original
    assert stats.inferred == {"due_date_changed_between_snapshots": 1}
    assert stats.blind_spots["due_date_reset_seen"] == 1 and stats.blind_spots["single_snapshot"] == 0


def test_a_later_snapshot_adds_only_what_changed() -> None:
    first = encode(sync_body(dossier(status="4")))
    later = encode(sync_body(dossier(status="10", due="20251114170000", ended="20251113100000",
                                     returned="20251113150000")))  # fmt: skip
    rows = encode(progress_body(row(status="4", at="20251104100000")))
    before = lines(first, rows).splitlines()
    after = lines(first, rows, later).splitlines()
    assert after[: len(before)] == before
    added = [orjson.loads(line)["type"] for line in after[len(before) :]]
    assert sorted(added) == ["due_date_changed", "processed", "returned"]


def test_re_importing_gives_byte_identical_output() -> None:
    files = (
        encode(sync_body(dossier(status="10", ended="20251110100000", returned="20251111090000"))),
        encode(progress_body(row(status="5", at="20251104100000"), row(status="4", at="20251105100000"))),
    )
    once = lines(*files)
    assert once == lines(*files)
    assert lines(*files, *files) == once  # the same payloads twice in one import: nothing twice
    ids = [orjson.loads(line)["event_id"] for line in once.splitlines()]
    assert len(set(ids)) == len(ids) and all(i.startswith("dvcqg-") and len(i) == 38 for i in ids)


def test_a_rewritten_processing_end_keeps_the_first_and_is_counted() -> None:
    events, _, stats = imported(
        encode(sync_body(dossier(status="9", ended="20251115100000"))),
        encode(sync_body(dossier(status="9", ended="20251112170000"))),  # "reset overdue dossier"
    )
    assert [e["occurred_at"] for e in of_type(events, "processed")] == ["2025-11-15T10:00:00+07:00"]
    assert stats.blind_spots["processing_end_rewritten"] == 1


def test_an_end_stated_by_the_snapshot_and_a_row_is_one_event() -> None:
    events, _, _ = imported(
        encode(sync_body(dossier(status="9", ended="20251110100000"))),
        encode(progress_body(row(status="9", at="20251110100000", text="Kết thúc xử lý hồ sơ"))),
    )
    assert types(events) == ["received", "processed"]


# -- units ---------------------------------------------------------------------------------------------------
def test_the_unit_comes_from_the_dossier_id_then_the_names() -> None:
    by_name = dossier("HS-2025-000123", unit_name="UBND Xã Tây Sơn")
    events, rejected, _ = imported(encode(sync_body(dossier(unit_name="anything"), by_name)))
    assert not rejected
    assert [e["unit_code"] for e in events] == [UNIT, "000.10.03.H99"]


def test_a_units_mapping_wins_over_names() -> None:
    record = dossier("HS-1", unit_name="Bộ phận một cửa phường Đông Mẫu")
    events, rejected, _ = imported(
        encode(sync_body(record)), mapping={"Bộ phận Một cửa Phường Đông Mẫu": UNIT}
    )
    assert not rejected and events[0]["unit_code"] == UNIT
    _, rejected, _ = imported(encode(sync_body(record)))
    assert [r.code for r in rejected] == ["unit.unresolved"]
    assert "Bộ phận một cửa phường Đông Mẫu" in rejected[0].message


def test_names_of_units_in_force_on_the_dossiers_date_decide() -> None:
    sample = sample_catalogue()
    twin = Unit(code="000.20.01.H99", name="Ủy ban nhân dân Phường Đông Mẫu", level=Level.COMMUNE,
                valid_from=date(2020, 1, 1), valid_to=date(2025, 7, 1))  # fmt: skip
    catalogue = Catalogue(sample.procedures.values(), [*sample.units.values(), twin], sample.fields.values(),
                          sample.meta)  # fmt: skip
    resolver = UnitResolver(catalogue)
    assert resolver.resolve("HS-1", "UBND Phường Đông Mẫu", date(2025, 11, 3)) == UNIT
    assert resolver.resolve("HS-1", "UBND Phường Đông Mẫu", date(2024, 11, 3)) == "000.20.01.H99"
    with pytest.raises(Unmappable) as raised:
        resolver.resolve("HS-1", "UBND Phường Đông Mẫu", None)
    assert raised.value.code == "unit.ambiguous"


def test_a_unit_abolished_on_the_dossiers_date_is_read_as_its_successor_in_force() -> None:
    """Review of 2026-12-06: "Ủy ban nhân dân phường Trung Tâm", merged into 000.10.01.H99 on 2025-07-01,
    gave a dossier of November 2025 the abolished ward, and the audit found its procedure unpublished
    there. Before the merger it is the ward; a chain of successors is followed to the one in force; a unit
    abolished without a successor stays the unit named."""
    sample = sample_catalogue()
    resolver = UnitResolver(sample)
    ward = "Ủy ban nhân dân phường Trung Tâm"
    assert sample.units["000.01.01.H99"].successor == "000.10.01.H99"
    assert resolver.resolve("HS-1", ward, date(2025, 11, 3)) == "000.10.01.H99"
    assert resolver.resolve("HS-1", ward, date(2025, 6, 30)) == "000.01.01.H99"
    assert resolver.resolve("HS-1", "UBND thị xã Đông Mẫu", date(2025, 11, 3)) == "000.01.00.H99"  # none
    old = Unit(code="000.30.01.H99", name="Ủy ban nhân dân xã Cũ", level=Level.COMMUNE,
               valid_from=date(2010, 1, 1), valid_to=date(2020, 1, 1), successor="000.01.01.H99")  # fmt: skip
    catalogue = Catalogue(sample.procedures.values(), [*sample.units.values(), old], sample.fields.values(),
                          sample.meta)  # fmt: skip
    chained = UnitResolver(catalogue)
    assert chained.resolve("HS-1", "UBND xã Cũ", date(2025, 11, 3)) == "000.10.01.H99"
    assert chained.resolve("HS-1", "UBND xã Cũ", date(2024, 11, 3)) == "000.01.01.H99"
    events, rejected, _ = imported(encode(sync_body(dossier("HS-7", unit_name=ward))))
    assert not rejected and {e["unit_code"] for e in events} == {"000.10.01.H99"}


def test_history_rows_find_their_dossier_under_its_alias() -> None:
    record = dossier("HS-9", unit_name="UBND Phường Đông Mẫu", MaHoSoKhac="ALIAS-9")
    events, rejected, _ = imported(
        encode(sync_body(record)), encode(progress_body(row("ALIAS-9", status="4", at="20251104100000")))
    )
    assert not rejected
    assert [(e["dossier_id"], e["unit_code"]) for e in events] == [("HS-9", UNIT), ("HS-9", UNIT)]
    assert events[0]["dossier_alias"] == "ALIAS-9"


def test_a_history_row_whose_mahoso_differs_in_case_says_which_record_it_may_mean() -> None:
    """Ids are compared exactly (the contract's), so such a row is another dossier; the reason said no record
    was read, which sent the operator looking for a missing file (review of real exports)."""
    record = dossier("HS-2025-000123", unit_name="UBND Xã Tây Sơn")
    typed = row("hs-2025-000123", status="4", at="20251104100000")
    _, rejected, _ = imported(encode(sync_body(record, typed)))
    assert [r.code for r in rejected] == ["unit.unresolved"]
    said = "the dossier record read is 'HS-2025-000123', which differs in letter case"
    assert said in rejected[0].message
    _, rejected, _ = imported(encode(sync_body(record, row("HS-404", status="4", at="20251104100000"))))
    assert rejected[0].message.startswith("no dossier record of this MaHoSo was read")


# -- rejected records ---------------------------------------------------------------------------------------
REJECTIONS = [
    (dossier(MaHoSo=None), "MaHoSo.missing"),
    (dossier(MaHoSo="X" * 65), "MaHoSo.too_long"),
    (dossier(MaHoSo="x\n\u0000y"), "MaHoSo.invalid"),  # a dossier the console could not reach (review)
    (dossier(status="11"), "TrangThaiHoSo.unknown"),
    (dossier(TrangThaiHoSo=None), "TrangThaiHoSo.missing"),
    (dossier(NgayTiepNhan="2025-11-03"), "NgayTiepNhan.invalid"),
    (dossier(due="20991231170000"), "NgayHenTra.out_of_range"),
    (dossier(channel="4"), "KenhThucHien.unknown"),
    (dossier(KenhThucHien=None), "KenhThucHien.missing"),
    (dossier(method="2"), "HinhThuc.unknown"),
    (dossier(MaTTHC=None), "MaTTHC.missing"),
    (dossier(status="4", received=None), "NgayTiepNhan.missing"),
    (dossier("HS-1", unit_name="Ủy ban nhân dân Xã Không Có"), "unit.unresolved"),
    (dossier("HS-1", unit_name=""), "unit.unresolved"),
    (dossier(TaiLieuNop=["CT01"]), "TaiLieuNop.invalid"),
    (dossier(DanhSachHoSoBoSung=[{"NgayBoSung": "hôm qua"}]), "NgayBoSung.invalid"),
    (dossier(GhiChu={"a": 1}), "GhiChu.invalid"),
    (row(status="4", at=None, NgayBatDau=None), "ThoiDiemXuLy.missing"),
    (row(status="x", at="20251104100000"), "TrangThai.unknown"),
    (row("HS-404", status="4", at="20251104100000"), "unit.unresolved"),
    (row(f"{UNIT}-251103-0404", status="10", at="20251104100000"), "HinhThuc.missing"),
    ({"foo": "bar", **APPLICANT}, "record.unrecognised"),
    ("Nguyễn Thị Bích Ngọc 079301004455", "record.not_object"),
]


@pytest.mark.parametrize(("record", "code"), REJECTIONS, ids=[code for _, code in REJECTIONS])
def test_unmappable_records_are_rejected_with_their_reason(record, code: str) -> None:
    good = dossier(f"{UNIT}-251103-0002")
    events, rejected, stats = imported(encode([good, record, good]))
    assert [(r.code, r.index, r.source) for r in rejected] == [(code, 2, "file0.json")]
    assert rejected[0].message
    assert types(events) == ["received"]  # the valid record is kept, once
    assert stats.rejected == {code: 1}
    raw = rejected[0].raw.decode()
    for value in CLEAR_VALUES:
        assert value not in raw and value not in rejected[0].message


def test_no_clear_applicant_value_leaves_in_any_output() -> None:
    name = APPLICANT["ChuHoSo"]
    records = [
        dossier(
            status="3", received=None, refused="20251103100000", note=f"Ông/bà {name.upper()} không đủ hồ sơ"
        ),
        dossier(f"{UNIT}-251103-0002", status="11", ThongTinChuHoSo={"DiaChi": "12 Lê Lợi", "HoTen": name}),
        dossier(f"{UNIT}-251103-0003", KenhThucHien="9", SoDienThoaiLienHe="0903123456"),
    ]
    events, rejected, _ = imported(encode(sync_body(*records)))
    assert events and len(rejected) == 2
    output = b"".join(orjson.dumps(e) for e in events) + b"".join(orjson.dumps(r.to_json()) for r in rejected)
    text = output.decode()
    for value in CLEAR_VALUES:
        assert value not in text and value.upper() not in text
    assert "12 Lê Lợi" not in text  # the holder's details, under a key naming the holder
    pseudonym = Pseudonymiser(KEY).pseudonymise(APPLICANT["SoGiayToChuHoSo"])
    assert events[0]["data"]["reason"].startswith("Ông/bà hmac-sha256:")
    assert of_type(events, "refused")[0]["data"]["reason"].endswith("không đủ hồ sơ")
    received = dossier(f"{UNIT}-251103-0004")
    events, _, _ = imported(encode(sync_body(received)))
    assert events[0]["data"]["applicant"] == pseudonym  # exactly what `ingest` makes of the id number


def test_an_id_number_is_preferred_then_the_identity_list_then_the_name() -> None:
    pseudonymiser = Pseudonymiser(KEY)
    only_list = dossier(SoGiayToChuHoSo=None)
    only_name = dossier(SoGiayToChuHoSo="", DinhDanhCHS=[])
    nobody = dossier(applicant=False)
    got = [
        imported(encode(sync_body(r)))[0][0]["data"].get("applicant") for r in (only_list, only_name, nobody)
    ]
    assert got == [
        pseudonymiser.pseudonymise("079301004455"), pseudonymiser.pseudonymise(APPLICANT["ChuHoSo"]), None,
    ]  # fmt: skip


def test_records_are_recognised_by_their_fields() -> None:
    from sources.dvcqg.bodies import recognise

    assert recognise(Fields(dossier())) is RecordKind.DOSSIER
    assert recognise(Fields(row(status="4", at="20251104100000"))) is RecordKind.HISTORY
    assert recognise(Fields({"mahoso": "x", "trangthai": "4", "thoidiemxuly": "20251104100000"})) is (
        RecordKind.HISTORY
    )
    assert recognise(Fields({"MaHoSo": "x"})) is None


def test_the_summary_counts_everything() -> None:
    events, rejected, stats = imported(
        encode(sync_body(dossier(), dossier("HS-1", unit_name="?"))),
        encode(progress_body(row(status="5", at="20251104100000"), row(status="8", at="20251106100000"))),
    )
    summary = stats.to_json_dict()
    assert summary["records_read"] == 4 and summary["records_mapped"] == 3
    assert summary["events_by_type"] == {"received": 1, "supplement_requested": 1, "suspended": 1}
    assert summary["events"] == len(events)
    assert summary["rejected_by_reason"] == {"unit.unresolved": 1} and len(rejected) == 1
    assert summary["not_checkable_by_rule"] == {"REFUSAL_UNWRITTEN": 1, "SUPPLEMENT_UNWRITTEN": 1}
    spots = {s["id"]: s["count"] for s in summary["blind_spots"]}
    assert spots == {"supplement_details_empty": 1, "supplement_without_resume": 1, "single_snapshot": 1}
    assert all(s["what"] for s in summary["blind_spots"])


def test_channel_and_return_codes_are_read_as_numbers_as_statuses_are() -> None:
    """A status "04" was read as 4, but a channel "02" rejected the whole record (review of 2026-12-04)."""
    padded = dossier(channel="02", status="10", returned="20251110150000", method="01")
    events, rejected, _ = imported(encode(sync_body(padded)))
    assert not rejected
    assert of_type(events, "received")[0]["data"]["channel"] == "online"
    assert of_type(events, "returned")[0]["data"]["channel"] == "postal"
    _, rejected, _ = imported(encode(sync_body(dossier(channel="x2"))))
    assert [r.code for r in rejected] == ["KenhThucHien.unknown"]


# -- an end's reason from its row when the record gives none ------------------------------------------------
@pytest.mark.parametrize(
    ("status", "fields", "kind", "text"),
    [
        ("3", {"refused": "20251104090000"}, "refused", "Hồ sơ không đủ điều kiện theo quy định"),
        ("8", {"ended": "20251104090000"}, "suspended", "Tạm dừng do đang có tranh chấp đất đai"),
        ("7", {"ended": "20251104090000"}, "withdrawn", "Thu hồi theo đề nghị"),
    ],
)
def test_an_end_the_record_states_without_a_note_takes_its_rows_reason(
    status: str, fields: dict[str, Any], kind: str, text: str
) -> None:
    """Review of 2026-12-06: a record with no ``GhiChu`` claimed the end first, with an empty reason; the
    row of that status, read after it, said why (``NoiDungXuLy``), and was dropped as a repeat: the audit
    found a refusal without a reason that the payload gave."""
    record = encode(sync_body(dossier(status=status, **fields)))
    rows = encode(progress_body(row(status=status, at="20251104090000", text=text)))
    events, rejected, stats = imported(record, rows)
    assert not rejected and stats.repeated == 1  # the record's statement of the end, as a repeat
    (end,) = of_type(events, kind)
    assert end["data"]["reason"] == text
    assert end["occurred_at"] == "2025-11-04T09:00:00+07:00"
    # Without the row, the record's end is still emitted (at the end of the import), its reason unknown (a
    # withdrawal's, optional, empty); with a note, the record's stays first, as before.
    (alone,) = of_type(imported(record)[0], kind)
    assert alone["data"]["reason"] == ("" if kind == "withdrawn" else None)
    assert alone["event_id"] == end["event_id"]
    assert ("reason" in alone["source"].get("unknown", ())) is (kind != "withdrawn")
    noted = encode(sync_body(dossier(status=status, note="Theo quy định", **fields)))
    (first,) = of_type(imported(noted, rows)[0], kind)
    assert first["data"]["reason"] == "Theo quy định"


def test_a_status_3_record_without_a_note_whose_row_says_the_citizen_withdrew_is_one_withdrawal() -> None:
    """DOMAIN §9: "a withdrawal may arrive as status 3 with text 'Công dân thu hồi hồ sơ'", the text in the
    row only. The record's status 3, without a note, waited as a refusal that the row's withdrawal did not
    release: both came out, and the refusal, ranked first among ends, made the citizen's withdrawal the
    unit's, with two not-checkable refusal rules (DVCQG review of 2026-12-07)."""
    record = encode(sync_body(dossier(status="3", refused="20251105100000")))
    rows = encode(progress_body(row(status="3", at="20251105100000", text="Công dân thu hồi hồ sơ")))
    events, rejected, stats = imported(record, rows)
    assert not rejected and types(events) == ["received", "withdrawn"]
    assert stats.repeated == 1  # the record's statement of that end
    assert of_type(events, "withdrawn")[0]["data"]["reason"] == "Công dân thu hồi hồ sơ"
    # A refusal's row still takes the record's refusal (its reason), as before.
    refusal = encode(progress_body(row(status="3", at="20251105100000", text="Hồ sơ giả mạo")))
    assert types(imported(record, refusal)[0]) == ["received", "refused"]


def test_an_end_waiting_for_its_reason_is_one_event_whatever_restates_it() -> None:
    """Two snapshots without a note and a row with none: one ``refused``, the first snapshot's; a later
    snapshot with a note states it with that note."""
    first = dossier(status="3", refused="20251104090000")
    again = encode(sync_body(first), sync_body(first))
    (end,) = of_type(imported(again)[0], "refused")
    assert end["data"]["reason"] is None and end["source"]["unknown"] == ["notice_id", "reason"]
    empty_row = encode(progress_body(row(status="3", at="20251104090000")))
    (end,) = of_type(imported(again, empty_row)[0], "refused")
    assert end["data"]["reason"] is None and end["source"]["unknown"] == ["notice_id", "reason"]
    noted = encode(sync_body(first), sync_body(dossier(status="3", refused="20251104090000", note="Giả mạo")))
    (end,) = of_type(imported(noted)[0], "refused")
    assert end["data"]["reason"] == "Giả mạo"


@pytest.mark.parametrize("length", [8_000, 8_001, 300_000])
def test_a_long_note_is_cut_and_the_record_mapped_whole(length: int) -> None:
    """Review of 2026-12-06: a 300 KB ``GhiChu`` made the end's line longer than an event line may be
    (128 KB): the end was rejected, the receipt went on, and the dossier audited as open and late. A free
    text goes on cut to ``MAX_TEXT_CHARS`` characters, written "[…]" after; a row's text too."""
    from sources.dvcqg.notes import MAX_TEXT_CHARS, WITHHELD

    note = "Hồ sơ vướng quy hoạch: " + "x" * (length - 23)
    record = encode(sync_body(dossier(status="8", ended="20251104100000", note=note)))
    events, rejected, _ = imported(record)
    assert not rejected and types(events) == ["received", "suspended"]
    reason = events[1]["data"]["reason"]
    if length <= MAX_TEXT_CHARS:
        assert reason == note
    else:
        assert reason == f"{note[:MAX_TEXT_CHARS].rstrip()} {WITHHELD}"
    rows = encode(progress_body(row(status="8", at="20251104100000", text=note)))
    (end,) = of_type(imported(encode(sync_body(dossier(status="4"))), rows)[0], "suspended")
    assert end["data"]["reason"] == reason


def test_bodies_wrapped_in_an_array_are_said_to_be_bodies() -> None:
    """A real first import: payload logs concatenated between brackets gave each body as "a record with the
    fields of neither a dossier record nor a history row", its records lost unexplained."""
    wrapped = orjson.dumps([sync_body(dossier()), progress_body(row(status="4", at="20251104100000"))])
    events, rejected, _ = run(wrapped)
    assert events == [] and [r.code for r in rejected] == ["record.unrecognised"] * 2
    assert all("a whole payload body (service, data) inside a JSON array" in r.message for r in rejected)
    assert not [v for r in rejected for v in CLEAR_VALUES if v in r.raw.decode()]  # its records scrubbed
    _, alone, _ = run(encode(sync_body({"foo": "bar"})))
    assert "fields of neither a dossier record" in alone[0].message
