"""A conclusion cannot be undone (``inspections.cases.FINAL``), and its button sat among the others on a
case's card (review of 2026-12-06: a tap on "Kết luận" meant for "Xác nhận" ended the case for good). The
page's form asks the inspector to tick that the conclusion is final; without the tick the case is left as
it was and the card says why, the note kept."""

from __future__ import annotations

import html
import re

from tests.console.conftest import ConsoleWorld, logged_in

D2 = "000.10.02.H99-251104-0001"
KEY = {"dossier_id": D2, "rule_id": "REFUSAL_UNWRITTEN", "event_id": "ex-013"}


def _conclude_form(page: str) -> str:
    forms: list[str] = re.findall(r'<form method="post" action="/cases/decision".*?</form>', page, flags=re.S)
    (form,) = [f for f in forms if f'value="{KEY["rule_id"]}"' in f and 'name="action" value="conclude"' in f]
    return form


def test_concluding_from_the_page_takes_a_tick_that_it_is_final(console_world: ConsoleWorld) -> None:
    insp, csrf = logged_in(console_world, "insp")
    confirmed = insp.post("/api/cases/decision", json={**KEY, "action": "confirm"},
                          headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert confirmed.json()["case_state"] == "confirmed"
    form = _conclude_form(insp.get(f"/dossiers/{D2}").text)
    assert re.search(r'<input type="checkbox" name="final" value="yes" required>', form), form
    assert "Tôi xác nhận kết luận này là cuối cùng" in html.unescape(form)
    posted = {**KEY, "action": "conclude", "note": "Kết luận: vi phạm", "csrf_token": csrf}
    refused = insp.post("/cases/decision", data=posted, follow_redirects=False)
    assert refused.status_code == 400
    page = html.unescape(refused.text)
    assert "Kết luận là bước cuối, không sửa được: hãy đánh dấu ô xác nhận" in page
    again = _conclude_form(refused.text)
    assert 'aria-invalid="true"' in again and "Kết luận: vi phạm" in html.unescape(again)  # the note kept
    state = insp.get(f"/api/dossiers/{D2}").json()
    assert {c["case_state"] for c in state["violations"] if c["rule_id"] == KEY["rule_id"]} == {"confirmed"}
    # Ticked, but refused for what its note holds (a citizen id): the tick comes back with the note to mend.
    mended = insp.post("/cases/decision", data={**posted, "final": "yes", "note": "CCCD 001203004567"})
    again = _conclude_form(mended.text)
    assert mended.status_code == 400
    assert re.search(r'name="final" value="yes" required checked>', again), again
    done = insp.post("/cases/decision", data={**posted, "final": "yes"}, follow_redirects=False)
    assert done.status_code == 303
    state = insp.get(f"/api/dossiers/{D2}").json()
    assert {c["case_state"] for c in state["violations"] if c["rule_id"] == KEY["rule_id"]} == {"concluded"}
