"""A unit officer's scope (review of issue 16): a dossier opens from its home (received) unit or a
violation's unit, never from a unit an event merely passed through; only the scope's violations, cases
and notes are shown and answered; the units below or merged into the officer's count; exports keep the
scope; refused attempts and exports are logged; reason and notice go with their own action only."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from openpyxl import load_workbook

from tests.console.conftest import UNIT1, UNIT2, ConsoleWorld, logged_in
from warehouse.base import Warehouse
from warehouse.console_users import reads_of

D2 = "000.10.02.H99-251104-0001"  # received by unit 2
MERGED = "000.01.01.H99"  # an old commune merged into unit 1 (its successor)
EVENT_COLUMNS = ("event_id", "dossier_id", "type", "schema_version", "occurred_at", "occurred_at_us",
                 "unit_code", "actor", "procedure_code", "data", "raw", "fingerprint", "source",
                 "source_offset", "ingested_at")  # fmt: skip


def add_event(wh: Warehouse, dossier_id: str, event_id: str, kind: str, unit: str, data: dict) -> None:
    at = datetime(2025, 11, 4, 3, 30, tzinfo=UTC)
    raw = {"schema_version": 1, "event_id": event_id, "dossier_id": dossier_id, "type": kind,
           "occurred_at": at.isoformat(), "unit_code": unit, "data": data}  # fmt: skip
    row = (event_id, dossier_id, kind, 1, at, 0, unit, None, None, orjson.dumps(data).decode(),
           orjson.dumps(raw).decode(), event_id, "test", 0, at)  # fmt: skip
    wh.insert("events", EVENT_COLUMNS, [[v] for v in row])


def add_violation(wh: Warehouse, dossier_id: str, rule: str, event_id: str, unit: str) -> None:
    """A copy of one of D2's violations, as another unit's (the detector's columns kept)."""
    wh.execute(
        "INSERT INTO violations SELECT %(d)s, %(r)s, %(e)s, state, kind, severity, %(u)s, procedure_code, "
        "occurred_at, legal_basis, rulebook_version, evidence, detail, as_of, producer, version "
        "FROM violations FINAL WHERE dossier_id = %(src)s AND rule_id = 'REPEATED_SUPPLEMENT'",
        {"d": dossier_id, "r": rule, "e": event_id, "u": unit, "src": D2},
    )


def test_a_transferred_dossier_opens_only_through_a_violation_of_the_officers_unit(
    console_world: ConsoleWorld,
) -> None:
    wh = console_world.wh
    add_event(wh, D2, "ex-t1", "transferred", UNIT1, {"to_unit_code": UNIT2, "step": "tham-dinh"})
    unit1, csrf1 = logged_in(console_world, "unit1")
    assert unit1.get(f"/dossiers/{D2}").status_code == 403  # one event under unit 1 opens nothing
    assert unit1.get(f"/api/dossiers/{D2}").status_code == 403
    assert ("unit1", "unit", "refused-page") in [r[:3] for r in reads_of(wh, D2)]
    assert ("unit1", "unit", "refused-api") in [r[:3] for r in reads_of(wh, D2)]

    insp, insp_csrf = logged_in(console_world, "insp")
    theirs = {"dossier_id": D2, "rule_id": "REPEATED_SUPPLEMENT", "event_id": "ex-012"}
    asked = insp.post("/api/cases/decision", json={**theirs, "action": "request_explanation",
                      "note": "Ghi chú riêng của đơn vị 2"}, headers={"X-CSRF-Token": insp_csrf})  # fmt: skip
    assert asked.status_code == 200
    # Unit 2's list points to what waits for its answer (the officer had to find the filter: review); unit
    # 1's, with nothing asked of it, does not.
    unit2, _ = logged_in(console_world, "unit2")
    listed = unit2.get("/violations").text
    assert "Có 1 vi phạm đang chờ đơn vị giải trình." in listed
    assert 'href="/violations?state=awaiting_explanation"' in listed
    assert "đang chờ đơn vị giải trình." not in unit1.get("/violations").text

    add_violation(wh, D2, "TRANSFER_LATE", "ex-t1", UNIT1)  # now unit 1 has a violation in it
    shown = unit1.get(f"/api/dossiers/{D2}").json()
    assert {(v["rule_id"], v["event_id"]) for v in shown["violations"]} == {("TRANSFER_LATE", "ex-t1")}
    page = unit1.get(f"/dossiers/{D2}").text
    assert "Ghi chú riêng của đơn vị 2" not in page and 'data-rule="REPEATED_SUPPLEMENT"' not in page
    answer = {**theirs, "action": "explain", "note": "Trả lời thay", "notice_number": "1/TB"}
    refused = unit1.post("/api/cases/decision", json=answer, headers={"X-CSRF-Token": csrf1})
    assert refused.status_code == 403  # another unit's case, in a dossier unit 1 may open
    assert ("unit1", "unit", "refused-decision") in [r[:3] for r in reads_of(wh, D2)]
    unit2, csrf2 = logged_in(console_world, "unit2")
    assert unit2.post("/api/cases/decision", json=answer, headers={"X-CSRF-Token": csrf2}).status_code == 200


def test_a_unit_officer_sees_the_units_merged_into_theirs(console_world: ConsoleWorld) -> None:
    wh = console_world.wh
    dossier = f"{MERGED}-251104-0009"
    data: dict[str, Any] = {"procedure_code": "1.001612", "channel": "direct", "due_at": None}
    data["documents"] = []
    add_event(wh, dossier, "ex-m1", "received", MERGED, data)
    add_violation(wh, dossier, "REPEATED_SUPPLEMENT", "ex-m1", MERGED)
    unit1, _ = logged_in(console_world, "unit1")
    unit2, _ = logged_in(console_world, "unit2")
    assert unit1.get(f"/dossiers/{dossier}").status_code == 200
    assert unit2.get(f"/dossiers/{dossier}").status_code == 403
    rows = unit1.get("/api/violations", params={"unit": MERGED}).json()["rows"]
    assert [r["dossier_id"] for r in rows] == [dossier]
    assert unit2.get("/api/violations", params={"unit": MERGED}).status_code == 400  # not unit 2's


def test_exports_keep_the_scope_and_are_logged(console_world: ConsoleWorld) -> None:
    wh = console_world.wh
    unit1, _ = logged_in(console_world, "unit1")
    assert unit1.get("/violations.xlsx", params={"unit": UNIT2}).status_code == 400  # not unit 1's
    data = unit1.get("/violations.xlsx", params={"dossier": D2, "rule": "REPEATED_SUPPLEMENT"})
    assert data.status_code == 200
    sheet = load_workbook(io.BytesIO(data.content)).active
    assert sheet.max_row == 1  # the headings only: unit 2's rows are not unit 1's
    headings = [c.value for c in sheet[1]]
    assert "event_id" not in headings and "Mã sự kiện" in headings
    assert unit1.get(f"/packs/{UNIT2}", params={"week": "2025-W45"}).status_code == 403
    assert ("unit1", "unit", "refused-export") in [r[:3] for r in reads_of(wh, f"pack:{UNIT2}:2025-W45")]

    insp, _ = logged_in(console_world, "insp")
    exported = insp.get("/violations.xlsx", params={"unit": UNIT2, "week": "2025-W45"})
    assert exported.status_code == 200
    # Named by its week and unit (every export was "violations.xlsx": review).
    disposition = exported.headers["content-disposition"]
    assert disposition == f'attachment; filename="violations-2025-W45-{UNIT2}.xlsx"'
    assert 'filename="violations.xlsx"' in insp.get("/violations.xlsx").headers["content-disposition"]
    # The units below, a state, and which filters made it, in the file (review of 2026-12-06: a unit's
    # list with or without the units below it, or filtered by state, had one name and said nothing).
    below = insp.get("/violations.xlsx", params={"unit": UNIT2, "week": "2025-W45", "below": "1",
                                                 "state": "open"})  # fmt: skip
    assert below.headers["content-disposition"] == (
        f'attachment; filename="violations-2025-W45-{UNIT2}-below-open.xlsx"'
    )
    book = load_workbook(io.BytesIO(below.content))
    assert book.sheetnames[1] == "Bộ lọc"
    said = {row[0]: row[1] for row in book["Bộ lọc"].iter_rows(values_only=True)}
    assert said["Tuần"] == "2025-W45" and said["Đơn vị"] == f"{UNIT2} — Kể cả đơn vị trực thuộc"
    assert said["Tình trạng xử lý"] == "Chưa xử lý" and said["Người xuất"] == "insp"
    assert said["Số dòng"] == book.active.max_row - 1  # a number cell
    plain = load_workbook(io.BytesIO(exported.content))
    assert {r[0]: r[1] for r in plain["Bộ lọc"].iter_rows(values_only=True)}["Đơn vị"] == (
        f"{UNIT2} — chỉ đơn vị này (và các đơn vị sáp nhập vào)"
    )
    assert ("insp", "inspector", "export") in [r[:3] for r in reads_of(wh, D2)]
    assert insp.get(f"/packs/{UNIT2}", params={"week": "2025-W45"}).status_code == 200
    assert ("insp", "inspector", "export") in [r[:3] for r in reads_of(wh, f"pack:{UNIT2}:2025-W45")]


def test_reason_and_notice_go_with_their_own_action_only(console_world: ConsoleWorld) -> None:
    insp, csrf = logged_in(console_world, "insp")
    key = {"dossier_id": D2, "rule_id": "REFUSAL_UNWRITTEN", "event_id": "ex-013"}
    headers = {"X-CSRF-Token": csrf}
    for extra in ({"reason_code": "duplicate"}, {"notice_number": "9/TB"}):
        answer = insp.post("/api/cases/decision", json={**key, "action": "confirm", **extra}, headers=headers)
        assert answer.status_code == 400, extra
    page = insp.post("/cases/decision", data={**key, "action": "confirm", "reason_code": "other",
                                              "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
    assert page.status_code == 400 and "Lý do chỉ dùng khi bác bỏ" in page.text
    assert (
        insp.post("/api/cases/decision", json={**key, "action": "confirm"}, headers=headers).status_code
        == 200
    )


def test_an_expired_form_says_so_and_links_back_to_its_dossier(console_world: ConsoleWorld) -> None:
    """A form opened before the last login answered "you may not see this page", linking to the start page
    (review of 2026-12-04): it says the form has expired, and links back to the dossier."""
    insp, _csrf = logged_in(console_world, "insp")
    form = {"dossier_id": D2, "rule_id": "REPEATED_SUPPLEMENT", "event_id": "ex-012",
            "action": "uphold", "csrf_token": "a token of an earlier session"}  # fmt: skip
    answer = insp.post("/cases/decision", data=form, follow_redirects=False)
    assert answer.status_code == 403
    assert "Biểu mẫu đã hết hạn" in answer.text and "không có quyền" not in answer.text
    assert f'href="/dossiers/{D2}#case-' in answer.text  # at the case


def test_an_unknown_path_is_the_consoles_own_not_found_page(console_world: ConsoleWorld) -> None:
    """Starlette's bare English "Not Found" had no way back (review of 2026-12-04)."""
    insp, _csrf = logged_in(console_world, "insp")
    page = insp.get("/violations.csv")
    assert page.status_code == 404 and "Không tìm thấy." in page.text and 'href="/' in page.text
    assert "Not found." in insp.get("/no/such/page?lang=en").text
    assert insp.get("/api/no-such").json() == {"error": "not found"}
    assert insp.post("/dashboard").status_code == 404  # a method the page does not take: no such page
    # The API keeps HTTP's answer for an integration: 405 with the methods it takes.
    wrong = insp.get("/api/login")
    assert (wrong.status_code, wrong.headers.get("allow"), wrong.json()) == (
        405, "POST", {"error": "method not allowed"})  # fmt: skip


def test_a_page_past_the_end_links_to_the_last_page(console_world: ConsoleWorld) -> None:
    """ "97 vi phạm" above "no violation matches the filters", and no pager (review of 2026-12-04)."""
    insp, _csrf = logged_in(console_world, "insp")
    listed = insp.get("/api/violations").json()
    assert listed["total"] > 0
    page = insp.get("/violations", params={"page": 999}).text
    assert 'id="past-the-end"' in page and "Không có vi phạm nào khớp bộ lọc" not in page
    assert "page=1" in page.split('id="past-the-end"', 1)[1].split("</p>", 1)[0]


def test_a_pack_holds_the_warehouse_lock_for_its_queries_only(
    console_world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pack was built whole under the console's one warehouse lock: its writing, 0.7-2 s at a province's
    scale, held every colleague's page (review at a province's scale). Its queries take the lock, as a
    page's do; its writing does not."""
    import threading

    import reporting.packs

    real = reporting.packs.write_pack_xlsx  # type: ignore[attr-defined]
    free: list[bool] = []

    def writing(*args: Any, **kwargs: Any) -> Any:
        def other_page() -> None:  # another request, while the pack is written
            got = console_world.service._lock.acquire(blocking=False)
            free.append(got)
            if got:
                console_world.service._lock.release()

        thread = threading.Thread(target=other_page)
        thread.start()
        thread.join()
        return real(*args, **kwargs)

    monkeypatch.setattr(reporting.packs, "write_pack_xlsx", writing)
    insp, _ = logged_in(console_world, "insp")
    assert insp.get(f"/packs/{UNIT2}", params={"week": "2025-W45"}).status_code == 200
    assert free == [True]
