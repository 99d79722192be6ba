"""A case waiting for its unit's explanation is the inspector's to confirm or dismiss (review of 2026-12-06):
the card of such a case showed "Đang chờ đơn vị giải trình" and no button, so a unit that never answered in
the console (or answered on paper) left it waiting for good. Confirming takes a note, as the others do."""

from __future__ import annotations

import html
import re

from tests.console.conftest import ConsoleWorld, logged_in

D2 = "000.10.02.H99-251104-0001"  # unit 2
KEY = {"dossier_id": D2, "rule_id": "REFUSAL_UNWRITTEN", "event_id": "ex-013"}


def _card_forms(page: str, action: str) -> list[str]:
    """The decision forms of the card of ``KEY`` (by its hidden fields), whose action is ``action``."""
    forms = re.findall(r'<form method="post" action="/cases/decision".*?</form>', page, flags=re.S)
    ours = [f for f in forms if f'name="rule_id" value="{KEY["rule_id"]}"' in f]
    return [f for f in ours if f'name="action" value="{action}"' in f]


def test_an_inspector_confirms_a_case_the_unit_never_explained(console_world: ConsoleWorld) -> None:
    insp, csrf = logged_in(console_world, "insp")
    unit2, unit2_csrf = logged_in(console_world, "unit2")
    (open_confirm,) = _card_forms(insp.get(f"/dossiers/{D2}").text, "confirm")  # an open case: no example
    assert '>Ghi chú xác nhận<span class="sr"> — ' in open_confirm
    asked = insp.post("/api/cases/decision", json={**KEY, "action": "request_explanation"},
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert asked.json()["case_state"] == "awaiting_explanation"
    # The unit's explanation, a citizen id in its notice number: both fields come back marked (the text
    # focused), nothing recorded.
    (explain,) = _card_forms(unit2.get(f"/dossiers/{D2}").text, "explain")
    seen = re.search(r'name="seen" value="(\d+)"', explain)
    assert seen is not None
    answer = {**KEY, "action": "explain", "note": "Đã gửi văn bản", "notice_number": "001203004567",
              "csrf_token": unit2_csrf, "seen": seen[1]}  # fmt: skip
    refused = unit2.post("/cases/decision", data=answer)
    (again,) = _card_forms(refused.text, "explain")
    assert refused.status_code == 400 and 'value="001203004567" aria-invalid="true"' in again, again
    assert re.search(r'name="note" rows="3" required maxlength="4000" autofocus aria-invalid="true"', again)
    page = insp.get(f"/dossiers/{D2}").text
    (confirm,) = _card_forms(page, "confirm")
    assert len(_card_forms(page, "dismiss")) == 1 and _card_forms(page, "conclude") == []
    assert "Ghi chú xác nhận (ví dụ: đơn vị không giải trình" in html.unescape(confirm)
    assert 'name="note"' in confirm
    seen = re.search(r'name="seen" value="(\d+)"', confirm)
    assert seen is not None
    form = {**KEY, "action": "confirm", "note": "Đơn vị không giải trình sau 10 ngày", "csrf_token": csrf,
            "seen": seen[1]}  # fmt: skip
    done = insp.post("/cases/decision", data=form, follow_redirects=False)
    assert done.status_code == 303
    shown = html.unescape(insp.get(f"/dossiers/{D2}").text)
    assert "Đơn vị không giải trình sau 10 ngày" in shown
    # The unit's answer now comes too late: the case is confirmed, its answer refused.
    late = unit2.post("/api/cases/decision", json={**KEY, "action": "explain", "note": "x"},
                      headers={"X-CSRF-Token": unit2_csrf})  # fmt: skip
    assert late.status_code == 409
    concluded = insp.post("/api/cases/decision", json={**KEY, "action": "conclude"},
                          headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert concluded.json()["case_state"] == "concluded"


def test_a_violations_instant_is_said_to_be_when_it_arose_not_its_events_time(
    console_world: ConsoleWorld,
) -> None:
    """Review of 2026-12-06: "Thời điểm 27/06/2025 00:00 · <event id>" read as the event's time, though the
    event was at 23/06 16:31 and 00:00 the instant the deadline lapsed. The card, the list and its export
    say when the violation arose, and name the id as the event's."""
    insp, _ = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{D2}").text
    assert "<dt>Thời điểm phát sinh vi phạm</dt>" in page and "<dt>Thời điểm</dt>" not in page
    assert re.search(r' · sự kiện <a href="#ev-', page)
    listed = insp.get("/violations").text
    assert '<th scope="col">Thời điểm phát sinh vi phạm</th>' in listed
    english = insp.get(f"/dossiers/{D2}?lang=en").text
    assert "<dt>When the violation arose</dt>" in english and " · event <a href=" in english


def test_a_long_history_prints_though_its_list_is_folded_on_screen(console_world: ConsoleWorld) -> None:
    """Review of 2026-12-06 (an inspector printing a case): from four entries the history is a closed
    ``<details>``, which Chromium prints as its summary alone, so the paper record lost who asked, who
    answered and who decided. A print-only copy of the list is printed instead (hidden on screen)."""
    insp, csrf = logged_in(console_world, "insp")
    unit2, unit2_csrf = logged_in(console_world, "unit2")
    rule = "LATE_NO_APOLOGY"
    hidden = rf'name="rule_id" value="{rule}">\s*<input type="hidden" name="event_id" value="([^"]*)"'
    form = re.search(hidden, insp.get(f"/dossiers/{D2}").text)
    assert form is not None
    key = {"dossier_id": D2, "rule_id": rule, "event_id": form[1] or None}
    steps = [(insp, csrf, {"action": "request_explanation"}),
             (unit2, unit2_csrf, {"action": "explain", "note": "Đã có văn bản"}),
             (insp, csrf, {"action": "confirm", "note": "Văn bản không hợp lệ"}),
             (insp, csrf, {"action": "conclude"})]  # fmt: skip
    for client, token, body in steps:
        done = client.post("/api/cases/decision", json={**key, **body}, headers={"X-CSRF-Token": token})
        assert done.status_code == 200, done.text
    page = html.unescape(insp.get(f"/dossiers/{D2}").text)
    card = page[page.index(f'data-rule="{rule}"') :]
    card = card[: card.index("</article>")]
    folded = re.search(r'<details class="history-box">(.*?)</details>', card, re.S)
    printed = re.search(r'<div class="print-only">(.*?)</div>', card, re.S)
    assert folded is not None and printed is not None
    entries = re.findall(r"<li>(.*?)</li>", printed[1], re.S)
    assert len(entries) == 4 and entries == re.findall(r"<li>(.*?)</li>", folded[1], re.S)
    assert "Văn bản không hợp lệ" in printed[1]
    css = insp.get("/static/console.css").text
    screen, printing = css.split("@media print", 1)
    assert ".print-only { display: none; }" in screen
    # Printed from the copy whether the list is open or closed on screen: never twice (the diff review).
    assert ".print-only { display: block; } details.history-box { display: none; }" in printing
