"""An audit pack says how the console has each violation handled (review of 2026-12-04: a violation the
team had dismissed was still listed in the pack as one to verify on site, its finding column blank)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.console.conftest import ConsoleWorld, logged_in

UNIT2 = "000.10.02.H99"
D2 = "000.10.02.H99-251104-0001"  # received by unit 2
WEEK = "2025-W45"


def _findings(content: bytes) -> dict[tuple[str, str], str | None]:
    """(dossier, rule title) → the finding cell, from the pack's violations sheet."""
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    top = next(n for n, row in enumerate(rows) if "Kết quả xác minh của đoàn" in row)  # below the letterhead
    headings = list(rows[top])
    dossier, rule, finding = (
        headings.index(h) for h in ("Mã hồ sơ", "Mã quy tắc", "Kết quả xác minh của đoàn")
    )
    return {(row[dossier], row[rule]): row[finding] for row in rows[top + 1 :] if row[dossier]}


def test_a_dismissed_violation_says_so_in_the_pack(console_world: ConsoleWorld) -> None:
    insp, csrf = logged_in(console_world, "insp")
    before = _findings(insp.get(f"/packs/{UNIT2}", params={"week": WEEK}).content)
    assert before and not any(before.values())  # nothing handled yet: the column is the team's
    rows = insp.get("/api/violations", params={"dossier": D2, "week": WEEK}).json()["rows"]
    first, second = rows[0], rows[1]
    for row, action in ((first, {"action": "dismiss", "reason_code": "duplicate"}),
                        (second, {"action": "request_explanation"})):  # fmt: skip
        key = {k: row[k] for k in ("dossier_id", "rule_id", "event_id")}
        done = insp.post("/api/cases/decision", json={**key, **action}, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200, done.text
    after = _findings(insp.get(f"/packs/{UNIT2}", params={"week": WEEK}).content)
    assert after[(D2, first["rule_id"])] == "Trên hệ thống: đã bác bỏ (trùng lặp)"
    assert after[(D2, second["rule_id"])] == "Trên hệ thống: đang chờ đơn vị giải trình"
    assert sum(value is not None for value in after.values()) == 2  # the others stay blank
