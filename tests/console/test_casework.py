"""Case work (review of issue 16): retractions close cases on a dossier's page (that dossier's only) or
on the province-wide sync, never from the list; no duplicate close across console instances; a
violation found again reopens its case; the folded cases are cached between requests and dropped on a
write; the pages speak the reader's language (timeline details, system notes, errors with a way back)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import console.casework
import console.pages
import warehouse.cases
from console.service import ConsoleService, holds_citizen_id
from inspections.files.calendar import load_calendar
from tests.console.conftest import ConsoleWorld, logged_in
from tests.depth import examples

A = ("000.10.02.H99-251105-0007", "MISSED_NEW_DUE_DATE", "ex-017")
B = ("000.10.02.H99-251104-0001", "REFUSAL_UNWRITTEN", "ex-013")


def set_state(world: ConsoleWorld, key: tuple[str, str, str], state: str) -> None:
    world.wh.execute(
        "INSERT INTO violations SELECT dossier_id, rule_id, event_id, %(s)s, kind, severity, unit_code, "
        "procedure_code, occurred_at, legal_basis, rulebook_version, evidence, detail, as_of, producer, "
        "version + 1 FROM violations FINAL WHERE dossier_id = %(d)s AND rule_id = %(r)s AND event_id = %(e)s",
        {"s": state, "d": key[0], "r": key[1], "e": key[2]},
    )


def actions(world: ConsoleWorld, key: tuple[str, str, str]) -> list[str]:
    rows = world.wh.query(
        "SELECT toString(action) FROM case_events WHERE dossier_id = %(d)s AND rule_id = %(r)s "
        "ORDER BY at, at_us", {"d": key[0], "r": key[1]},
    )  # fmt: skip
    return [r[0] for r in rows]


def test_retractions_close_per_dossier_or_by_sync_and_a_violation_found_again_reopens(
    console_world: ConsoleWorld,
) -> None:
    insp, csrf = logged_in(console_world, "insp")
    for d, r, e in (A, B):
        answer = insp.post("/api/cases/decision", json={"dossier_id": d, "rule_id": r, "event_id": e,
                           "action": "confirm"}, headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert answer.json()["case_state"] == "confirmed"
    set_state(console_world, A, "retracted")
    set_state(console_world, B, "retracted")
    assert insp.get("/api/violations", params={"state": "closed"}).status_code == 200
    assert (
        actions(console_world, A) == actions(console_world, B) == ["confirm"]
    )  # a GET of the list writes nothing
    for _ in range(2):
        shown = insp.get(f"/api/dossiers/{A[0]}").json()
        assert {v["rule_id"]: v["case_state"] for v in shown["violations"]}[A[1]] == "closed"
    assert actions(console_world, A) == ["confirm", "close_retracted"]  # once, however many views
    page = insp.get(f"/dossiers/{A[0]}").text  # "retracted" said once, in the state (review of 2026-12-04)
    assert "(vi phạm được rút lại)" in page and "(đã rút lại)" not in page
    assert actions(console_world, B) == ["confirm"]  # another dossier: not this page's business
    other = ConsoleService(
        console_world.wh, console_world.wh, console_world.service.catalogue, load_calendar(None)
    )
    assert other.sync_cases() == (1, 0, 0, 0)  # the province-wide sync closes B
    assert console_world.service.sync_cases() == (0, 0, 0, 0)  # a second console finds nothing left to do
    assert actions(console_world, B) == ["confirm", "close_retracted"]

    set_state(console_world, A, "open")  # the detector finds the violation again
    english = insp.get(f"/dossiers/{A[0]}?lang=en").text
    assert actions(console_world, A) == ["confirm", "close_retracted", "reopen"]
    assert "The detector retracted this violation" in english and "bộ phát hiện rút lại" not in english
    assert "Reopened automatically" in english
    shown = insp.get(f"/api/dossiers/{A[0]}").json()
    assert {v["rule_id"]: v["case_state"] for v in shown["violations"]}[A[1]] == "open"
    again = insp.post("/api/cases/decision", json={"dossier_id": A[0], "rule_id": A[1], "event_id": A[2],
                      "action": "confirm"}, headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert again.json()["case_state"] == "confirmed"


def test_the_folded_cases_are_cached_and_dropped_on_a_write(
    console_world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = warehouse.cases.all_cases

    def counted(wh: Any) -> Any:
        calls.append(1)
        return real(wh)

    monkeypatch.setattr(console.casework, "all_cases", counted)
    insp, csrf = logged_in(console_world, "insp")
    console_world.service.work._cached = None
    for _ in range(3):
        assert insp.get("/api/violations", params={"state": "dismissed"}).status_code == 200
    assert len(calls) == 1
    key = {"dossier_id": "000.10.01.H99-251103-0002", "rule_id": "", "event_id": ""}
    rows = insp.get("/api/violations", params={"dossier": key["dossier_id"]}).json()["rows"]
    key.update(rule_id=rows[0]["rule_id"], event_id=rows[0]["event_id"])
    done = insp.post("/api/cases/decision", json={**key, "action": "dismiss", "reason_code": "duplicate"},
                     headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert done.status_code == 200
    listed = insp.get("/api/violations", params={"state": "dismissed"}).json()["rows"]
    assert key["dossier_id"] in [r["dossier_id"] for r in listed]  # this instance's write is seen at once
    assert len(calls) == 2


def test_pages_speak_the_readers_language(console_world: ConsoleWorld) -> None:
    insp, csrf = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{B[0]}").text
    for raw in ("requested_documents", "channel:", ">postal<", "stage:", ">processing<", "[U]", "[S]", "[C]"):
        assert raw not in page, raw
    assert "giấy tờ yêu cầu bổ sung" in page and "chưa xác nhận" in page
    # In the packs' words: a 2025 dossier's basis names the Decree 61 clause of its case as a reference.
    assert "(tham chiếu trước 01/7/2025: Nghị định 61/2018/NĐ-CP, " in page
    assert '<option value="" selected>' in page  # the dismiss reason must be chosen
    assert page.count(">Ghi chú</label>") == 0 and "Ghi chú về việc bác bỏ" in page
    refused = insp.post("/cases/decision", data={"dossier_id": B[0], "rule_id": "REPEATED_SUPPLEMENT",
                        "event_id": "ex-012", "action": "conclude", "final": "yes",
                        "csrf_token": csrf})  # fmt: skip
    assert refused.status_code == 409
    assert "Tình trạng xử lý của vi phạm không cho phép" in refused.text
    assert f'href="/dossiers/{B[0]}#case-' in refused.text  # at the case
    # What the request lacks is a 400 whatever the state (a dismissal without its reason was a 409, "the
    # state does not allow this"), and a note with a NUL is refused, not stored (review).
    decided = {"dossier_id": B[0], "rule_id": "REPEATED_SUPPLEMENT", "event_id": "ex-012", "csrf_token": csrf}
    for extra, words in (({"action": "dismiss"}, "Hãy chọn lý do bác bỏ."),
                         ({"action": "dismiss", "reason_code": "whim"}, "Hãy chọn lý do bác bỏ."),
                         # "Lý do khác" alone: the reason was nowhere (review of 2026-12-05).
                         ({"action": "dismiss", "reason_code": "other", "note": " \n "}, "ghi rõ lý do"),
                         ({"action": "confirm", "note": "a\x00b"}, "ký tự điều khiển"),
                         # A C1 control, and a right-to-left override that showed a stored note reversed.
                         ({"action": "confirm", "note": "a\x85b"}, "ký tự điều khiển"),
                         ({"action": "confirm", "note": "\u202eabc\u202c"}, "ký tự điều khiển"),
                         ({"action": "confirm", "note": "a\u2067b"}, "ký tự điều khiển"),
                         # An applicant's citizen id typed into a note (DPO seat).
                         ({"action": "confirm", "note": "001203004567"}, "định danh cá nhân")):  # fmt: skip
        bad = insp.post("/cases/decision", data={**decided, **extra})
        assert bad.status_code == 400 and words in bad.text, extra
    english = insp.get("/violations?severity=bogus&lang=en")
    assert english.status_code == 400 and "Not a severity." in english.text
    # The legal basis in English too, its marks in the words the note above it explains (it was the stored
    # Vietnamese text: English review); its reference cites "Art. 19(4)", not "khoản 4 Điều 19".
    page = insp.get(f"/dossiers/{B[0]}?lang=en").text
    bases = re.findall(r"<dt>Legal basis</dt><dd class=\"small\">(.*?)</dd>", page, re.S)
    assert bases and all("Decree" in b and "xác nhận" not in b and "Điều" not in b for b in bases), bases
    assert any("Art. " in b and "not confirmed" in b for b in bases), bases
    insp.get(f"/dossiers/{B[0]}?lang=vi")  # the module's other tests read Vietnamese
    board = insp.get("/dashboard?week=2025-W45").text
    assert not re.search(r"<td(?![^>]*data-label)", board)  # every cell named on a phone
    listed = insp.get("/violations", params={"unit": "000.10.02.H99", "week": "2025-W45", "lang": "vi"}).text
    assert "?unit=000.10.02.H99&amp;week=2025-W45&amp;lang=en" in listed  # the language link keeps filters
    # On a phone a cell is a grid of its label and one item: the unit's name and code in one (the code fell
    # under the label: review).
    assert '<td data-label="Đơn vị"><span>' in listed and '<td data-label="Đơn vị">UBND' not in listed
    # In English the unit in full, and the week as its fields write it (English review: "UBND" told an
    # English reader nothing; the heading said "47/2025" beside fields of "2025-W47").
    in_full = insp.get("/violations", params={"unit": "000.10.02.H99", "week": "2025-W45", "lang": "en"}).text
    # Marked Vietnamese, for a screen reader's voice (accessibility review).
    assert '<span><span lang="vi">Ủy ban nhân dân xã Đông Phú Hòa' in in_full and "UBND" not in in_full
    board_en = insp.get("/dashboard", params={"week": "2025-W45"}).text
    assert re.search(r"<h1>Week overview 2025-W45 <small>", board_en), board_en[:2000]
    insp.get("/dashboard", params={"week": "2025-W45", "lang": "vi"})  # the others read Vietnamese
    admin, _ = logged_in(console_world, "adm")
    assert "evil text" not in admin.get("/admin/users", params={"error": "evil text"}).text
    assert "Mật khẩu cần ít nhất 10 ký tự." in admin.get("/admin/users?error=password_short").text


def test_an_ignored_event_is_said_to_screen_readers(console_world: ConsoleWorld) -> None:
    from datetime import UTC, datetime

    from inspections.cases import CaseAction, CaseEvent, Role
    from warehouse.cases import CaseKey, append_case_event

    key = CaseKey("000.10.01.H99-251103-0002", "", "")
    rows = console_world.wh.query(
        "SELECT rule_id, event_id FROM violations WHERE dossier_id = %(d)s LIMIT 1", {"d": key.dossier_id}
    )
    key = CaseKey(key.dossier_id, rows[0][0], rows[0][1])
    forged = CaseEvent(CaseAction.CONCLUDE, Role.LEADER, "lead", datetime.now(UTC))
    append_case_event(console_world.wh, key, forged, rulebook_version="2", unit_code="000.10.01.H99")
    insp, _ = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{key.dossier_id}").text
    assert '<span class="sr">(không áp dụng' in page


def test_the_dossier_page_names_its_unit_and_procedure(
    console_world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An inspector on site asks for the desk and the procedure by name: the page showed their codes only.
    Codes the catalogue does not know are shown as they are."""
    insp, _ = logged_in(console_world, "insp")
    catalogue = console_world.service.catalogue
    facts = {"unit_code": "000.10.02.H99", "procedure_code": "2.000635"}  # of dossier B (its events)
    unit, procedure = catalogue.unit(facts["unit_code"]), catalogue.procedure(facts["procedure_code"])
    assert unit is not None and procedure is not None

    def shown() -> dict[str, list[str]]:
        page = insp.get(f"/dossiers/{B[0]}").text
        cells = {
            name: re.search(rf'<dd id="fact-{name}">(.*?)</dd>', page, re.S) for name in ("unit", "procedure")
        }
        return {name: re.sub(r"<[^>]+>", "", cell.group(1)).split() for name, cell in cells.items() if cell}

    assert shown() == {
        "unit": [*html.escape(unit.name).split(), facts["unit_code"]],
        "procedure": [*html.escape(procedure.name).split(), facts["procedure_code"]],
    }
    # The list too, each row's unit by its short name (as the reports' tables), its code beneath.
    listed = insp.get("/violations", params={"dossier": B[0], "week": "2025-W45"}).text
    cells = re.findall(r"<td data-label=\"Đơn vị\">(.*?)</td>", listed, re.S)
    named = f'<span>UBND xã Đông Phú Hòa<br><small class="mono">{facts["unit_code"]}</small></span>'
    assert cells and set(cells) == {named}
    monkeypatch.setattr(type(catalogue), "unit", lambda self, code: None)
    monkeypatch.setattr(type(catalogue), "procedure", lambda self, code: None)
    assert shown() == {"unit": [facts["unit_code"]], "procedure": [facts["procedure_code"]]}


def test_a_page_left_open_cannot_override_a_colleagues_decision_and_keeps_its_note(
    console_world: ConsoleWorld,
) -> None:
    """Review of 2026-12-05: tab B confirmed a case; tab A, still showing it open, dismissed it ("Đã bác bỏ
    vi phạm."), with no word of the confirmation in between. Its form now says how many events the case had
    on the page: another count is a 409, and the refused form's note is shown to copy (it was lost)."""
    insp, csrf = logged_in(console_world, "insp")
    d, r, e = B[0], "REPEATED_SUPPLEMENT", "ex-012"
    page = insp.get(f"/dossiers/{d}").text
    form = page[page.index(f'name="rule_id" value="{r}"') :]
    seen = re.search(r'name="seen" value="(\d+)"', form)
    assert seen is not None
    other = insp.post("/api/cases/decision", json={"dossier_id": d, "rule_id": r, "event_id": e,
                      "action": "confirm"}, headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert other.status_code == 200  # the colleague, in another tab
    note = "Đơn vị đã xuất trình phiếu <b>số 12</b>"
    stale = {"dossier_id": d, "rule_id": r, "event_id": e, "csrf_token": csrf, "action": "dismiss",
             "reason_code": "other", "note": note, "seen": seen[1]}  # fmt: skip
    refused = insp.post("/cases/decision", data=stale)
    assert refused.status_code == 409 and "đã được cập nhật sau khi trang được mở" in refused.text
    assert "Đơn vị đã xuất trình phiếu &lt;b&gt;số 12&lt;/b&gt;</textarea>" in refused.text
    history = insp.get(f"/api/dossiers/{d}").json()["violations"]
    assert {v["rule_id"]: v["case_state"] for v in history}[r] == "confirmed"  # not dismissed
    fresh = re.search(r'name="seen" value="(\d+)"', insp.get(f"/dossiers/{d}").text.split(f'value="{r}"')[1])
    assert fresh is not None and int(fresh[1]) == int(seen[1]) + 1
    done = insp.post("/cases/decision", data={**stale, "seen": fresh[1]}, follow_redirects=False)
    assert done.status_code == 303  # from the page as it is now, the same dismissal is recorded


def test_a_decision_opens_the_page_at_its_case_which_says_what_was_done(console_world: ConsoleWorld) -> None:
    """An inspector working down a long dossier found the page back at its top after each decision, the
    message there, far from the case. The redirect now opens the page at the case's card (an id of its
    rule and event, whatever the order of the cards), whose card alone says what was done; a refused
    decision's error page links back to that card too."""
    insp, csrf = logged_in(console_world, "insp")
    d = B[0]
    page = insp.get(f"/dossiers/{d}").text
    ids = re.findall(r'<article class="case card" id="(case-[0-9a-f]{12})"', page)
    assert len(ids) == len(set(ids)) >= 2  # one per case, each its own
    # A case this page offers an action on (other tests of the module decide some), with its form's fields.
    form_html = page[page.index('<form method="post" action="/cases/decision"') :]
    form_html = form_html[: form_html.index("</form>")]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form_html))
    r, e = html.unescape(fields["rule_id"]), html.unescape(fields["event_id"])
    anchor = console.pages.case_anchor(warehouse.cases.CaseKey(d, r, e))
    assert page.count(f'id="{anchor}"') == 1 and page.index(f'id="{anchor}"') < page.index(form_html)
    form = {"dossier_id": d, "rule_id": r, "event_id": e, "csrf_token": csrf, "action": fields["action"],
            "seen": fields["seen"]}  # fmt: skip
    if fields["action"] == "dismiss":
        form |= {"reason_code": "other", "note": "Đã đối chiếu hồ sơ giấy"}
    done = insp.post("/cases/decision", data=form, follow_redirects=False)
    assert done.status_code == 303, (form, re.findall(r"<p[^>]*>(.*?)</p>", done.text))
    target = done.headers["location"]
    assert target.endswith(f"&case={anchor}#{anchor}") and f"done={fields['action']}" in target
    shown = insp.get(target.partition("#")[0]).text
    card = shown[shown.index(f'id="{anchor}"') :]
    card = card[: card.index("</article>")]
    assert 'class="notice" role="status"' in card  # the message in the case's card ...
    assert shown.count('class="notice" role="status"') == 1  # ... and nowhere else
    # A case that is not on the page (a crafted address): the message goes atop, as before.
    other = insp.get(f"/dossiers/{d}?done=confirm&case=case-000000000000").text
    assert other.count('class="notice" role="status"') == 1
    assert other.index('class="notice"') < other.index('<article class="case card"')
    # Refused (a stale form): its page's link goes back to the card.
    refused = insp.post("/cases/decision", data={**form, "seen": "999"})
    assert refused.status_code == 409 and f"#{anchor}" in refused.text


def test_a_form_left_incomplete_comes_back_at_its_card_with_what_was_chosen(
    console_world: ConsoleWorld,
) -> None:
    """A dismissal "for another reason" without its note went to a full error page, and the reason chosen
    was lost (review). A decision that only lacks what its form asks for (a reason, a dismissal's note, an
    explanation's text) is answered by its dossier's page (400), the message at the case's card, the
    reason chosen again, the note kept, the field to fill focused; nothing is recorded."""
    insp, csrf = logged_in(console_world, "insp")
    d = B[0]
    shown = insp.get(f"/dossiers/{d}").text  # a case still open to a dismissal (the module decides some)
    start = shown.rindex("<form", 0, shown.index('class="action action-dismiss"'))
    offered = shown[start : shown.index("</form>", start)]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', offered))
    r, e = html.unescape(fields["rule_id"]), html.unescape(fields["event_id"])
    anchor = console.pages.case_anchor(warehouse.cases.CaseKey(d, r, e))
    base = {"dossier_id": d, "rule_id": r, "event_id": e, "csrf_token": csrf, "action": "dismiss"}
    before = insp.get(f"/api/dossiers/{d}").json()["violations"]
    back = "unit=000.10.02.H99&week=2025-W45"
    page = insp.post("/cases/decision", data={**base, "reason_code": "other", "note": "  ", "back": back})
    assert page.status_code == 400 and "<h1>" in page.text and "Không tìm thấy" not in page.text
    card = page.text[page.text.index(f'id="{anchor}"') :]
    card = card[: card.index("</article>")]
    assert 'role="alert" id="refused">Bác bỏ vì lý do khác: hãy ghi rõ lý do vào ghi chú.</p>' in card
    form = card[card.index('class="action action-dismiss"') :]
    form = form[: form.index("</form>")]
    assert '<option value="other" selected>' in form and '<option value="" selected>' not in form
    # The note kept, its field marked and described by the message (a screen reader reads both).
    assert re.search(r'<textarea[^>]* name="note"[^>]* required autofocus aria-invalid="true" '
                     r'aria-describedby="refused">  </textarea>', form), form  # fmt: skip
    assert f'name="back" value="{html.escape(back)}"' in form  # the way back to the list is kept
    assert page.text.count('role="alert"') == 1  # at the card only
    # No reason chosen: the choice is asked for, the note written kept.
    page = insp.post("/cases/decision", data={**base, "note": "Đối chiếu <b>sổ</b>"})
    form = page.text[page.text.index('class="action action-dismiss"') :]
    assert page.status_code == 400 and "Hãy chọn lý do bác bỏ." in page.text
    assert '<option value="" selected>' in form[: form.index("</form>")]
    assert 'autofocus aria-invalid="true" aria-describedby="refused">' in form
    assert ">Đối chiếu &lt;b&gt;sổ&lt;/b&gt;</textarea>" in form
    assert insp.get(f"/api/dossiers/{d}").json()["violations"] == before  # nothing recorded
    # In English too.
    english = insp.post("/cases/decision?lang=en", data={**base, "reason_code": "other"})
    assert english.status_code == 400 and "write that reason in the note" in english.text
    insp.get(f"/dossiers/{d}?lang=vi")  # the module's other tests read Vietnamese


@pytest.mark.parametrize("event_id", ["ev 1", 'a"b<c>#d', "x" * 128, "đ/ê?&=", ""])
def test_a_case_anchor_is_an_id_and_fragment_whatever_its_event_id(event_id: str) -> None:
    """Event ids are any 1–128 characters (the contract): the card's id is never them, but a digest."""

    def anchor(event: str) -> str:
        return console.pages.case_anchor(warehouse.cases.CaseKey("d", "LATE_NO_APOLOGY", event))

    assert re.fullmatch(r"case-[0-9a-f]{12}", anchor(event_id))
    assert anchor(event_id) != anchor(event_id + "x")


def test_a_cases_history_says_what_was_done_and_a_form_answer_has_no_language_link(
    console_world: ConsoleWorld,
) -> None:
    """(English review) The history read "insp (Inspector): Request an explanation", a button's verb, as an
    instruction: it says what was done. A page answering a form (a refused decision) offered the language
    link, which asked the form's address again: a 404, and the note it showed to copy was gone."""
    insp, csrf = logged_in(console_world, "insp")
    d = B[0]
    page = insp.get(f"/dossiers/{d}?lang=en").text
    start = '<form method="post" action="/cases/decision" class="action action-request'
    form_html = page[page.index(start) :]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form_html[: form_html.index("</form>")]))
    form = {k: html.unescape(fields[k]) for k in ("dossier_id", "rule_id", "event_id", "action", "seen")}
    assert insp.post("/cases/decision", data={**form, "csrf_token": csrf}).status_code == 200  # redirected
    shown = insp.get(f"/dossiers/{d}").text  # English kept (the cookie)
    history = re.findall(r'<ol class="history">(.*?)</ol>', shown, re.S)
    assert any("(Inspector): Requested an explanation" in h for h in history), history
    assert not any(": Request an explanation" in h for h in history)
    refused = insp.post("/cases/decision", data={**form, "csrf_token": csrf})  # the same form again: stale
    assert refused.status_code == 409
    assert "hreflang=" not in refused.text and "hreflang=" in shown
    assert '<h1><span class="sr">Error </span>409</h1>' in refused.text
    insp.get(f"/dossiers/{d}?lang=vi")  # the module's other tests read Vietnamese


def test_recorded_actions_are_past_and_a_findings_confirmation_is_a_findings() -> None:
    from console.texts import ConsoleTexts

    vi, en = ConsoleTexts("vi"), ConsoleTexts("en")
    assert vi.recorded("confirm") == "Đã xác nhận vi phạm" and en.recorded("dismiss") == "Dismissed"
    assert vi.recorded("confirm", "finding") == "Đã xác nhận phát hiện"
    assert en.recorded("close_retracted") == en.action("close_retracted") == "Closed automatically"


def test_an_api_decision_sending_the_case_events_it_saw_is_told_of_a_colleagues(
    console_world: ConsoleWorld,
) -> None:
    """Console seat of 2026-12-07: the JSON API ignored ``seen``, and two inspectors deciding one case both
    got 200, the second overriding the first. The dossier's violations give ``case_events``; a decision
    sending it back as ``seen`` is refused (409) once another came in between; one not a count is a 400."""
    insp, csrf = logged_in(console_world, "insp")
    headers = {"X-CSRF-Token": csrf}
    # A case no other test of the module acted on: an open violation, the last of the list.
    rows = insp.get("/api/violations?state=open").json()["rows"]
    row = [r for r in rows if r["kind"] == "violation" and r["case_state"] == "open"][-1]
    d, r, e = row["dossier_id"], row["rule_id"], row["event_id"] or ""
    (case,) = [v for v in insp.get(f"/api/dossiers/{d}").json()["violations"]
               if (v["rule_id"], v["event_id"] or "") == (r, e)]  # fmt: skip
    seen = case["case_events"]
    decision = {"dossier_id": d, "rule_id": r, "event_id": e, "seen": seen}
    asked = {**decision, "action": "request_explanation", "note": "Đề nghị giải trình"}
    first = insp.post("/api/cases/decision", json=asked, headers=headers)
    assert first.status_code == 200 and first.json()["case_state"] == "awaiting_explanation"
    second = insp.post("/api/cases/decision", json={**decision, "action": "confirm"}, headers=headers)
    assert second.status_code == 409
    states = {v["rule_id"]: v for v in insp.get(f"/api/dossiers/{d}").json()["violations"]}
    assert states[r]["case_state"] == "awaiting_explanation" and states[r]["case_events"] == seen + 1
    for bad in ("1", True, -1, 10**30):
        refused = insp.post("/api/cases/decision", json={**decision, "action": "confirm", "seen": bad},
                            headers=headers)  # fmt: skip
        assert refused.status_code == 400, bad
    page = insp.post("/cases/decision", data={**decision, "csrf_token": csrf, "action": "confirm",
                                              "seen": "9" * 5000})  # fmt: skip
    assert page.status_code != 500


def test_of_two_consoles_deciding_one_case_at_once_the_second_is_told(
    console_world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review of concurrent operators: two console instances (each its own lock) both answered 200 to a
    dismissal and a confirmation of one case, and one decision was kept but changed nothing. A decision is
    read back once written: one the case no longer allowed is answered 409 ("changed")."""
    from console.service import Account, ListQuery
    from inspections.cases import CaseRefused, CaseStatus

    insp = Account("insp", "inspector", "x", None)
    key = console_world.service.list_violations(insp, ListQuery(state="open")).rows[0].row.key
    other = ConsoleService(
        console_world.wh, console_world.wh, console_world.service.catalogue, load_calendar(None)
    )
    stale = warehouse.cases.case_events_of(console_world.wh, {key.dossier_id}).get(key, [])
    console_world.service.decide(insp, key, "dismiss", reason_code="duplicate")  # the first console
    real, reads = warehouse.cases.case_events_of, [stale]  # the second read the case before that landed

    def read(wh: Any, ids: Any) -> Any:
        return {key: reads.pop()} if reads else real(wh, ids)

    monkeypatch.setattr("console.service.case_events_of", read)
    with pytest.raises(CaseRefused, match="a colleague decided this case meanwhile") as refused:
        other.decide(insp, key, "confirm")
    assert refused.value.code == "changed"
    assert console_world.service.work.cases()[key].status is CaseStatus.DISMISSED


def test_a_dossier_id_pasted_with_unseen_characters_is_found(console_world: ConsoleWorld) -> None:
    """An id copied from a spreadsheet or a chat carries a zero-width space or a byte order mark that the
    search box does not show: the search found nothing (review of real exports). They are left out, as the
    blanks at its ends were."""
    from console.service import Account, ListQuery
    from schemas.unseen import as_meant as searched_id

    insp = Account("insp", "inspector", "x", None)
    service = console_world.service
    dossier = service.list_violations(insp, ListQuery(state="open")).rows[0].row.key.dossier_id
    plain = service.list_violations(insp, ListQuery(dossier=dossier)).total
    assert plain >= 1
    inside = dossier[:4] + "\u200b" + dossier[4:] + " "
    for pasted in ("\ufeff" + dossier, inside, "\u2060" + dossier + "\u00a0"):
        assert searched_id(pasted) == dossier
        assert service.list_violations(insp, ListQuery(dossier=pasted)).total == plain, repr(pasted)


def test_a_note_holding_a_citizen_id_comes_back_to_be_mended_and_nothing_is_recorded(
    console_world: ConsoleWorld,
) -> None:
    """A note goes in clear to the packs, the exports and the case's history, where every other trace of the
    applicant is a pseudonym: twelve digits standing alone, a citizen id's shape, are refused (the page at
    the case's card, the note kept and focused to mend; the API's 400), and the page says what not to write
    to whoever may decide, not to a leader, who reads only."""
    insp, csrf = logged_in(console_world, "insp")
    d = B[0]
    shown = insp.get(f"/dossiers/{d}").text
    assert "Không ghi thông tin cá nhân của người nộp hồ sơ" in shown
    lead, _ = logged_in(console_world, "lead")
    assert "Không ghi thông tin cá nhân" not in lead.get(f"/dossiers/{d}").text
    start = shown.rindex("<form", 0, shown.index('class="action action-confirm"'))
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', shown[start : shown.index("</form>", start)]))
    r, e = html.unescape(fields["rule_id"]), html.unescape(fields["event_id"])
    before = insp.get(f"/api/dossiers/{d}").json()["violations"]
    note = "Đã gọi người nộp (CCCD 079203004567) để đối chiếu"
    base = {"dossier_id": d, "rule_id": r, "event_id": e, "csrf_token": csrf, "action": "confirm"}
    page = insp.post("/cases/decision", data={**base, "note": note})
    assert page.status_code == 400
    card = page.text[page.text.index(f'id="{console.pages.case_anchor(warehouse.cases.CaseKey(d, r, e))}"') :]
    form = card[card.index('class="action action-confirm"') :]
    form = form[: form.index("</form>")]
    assert 'role="alert" id="refused">Ghi chú hoặc số văn bản có một dãy 12 chữ số' in form
    kept = r'autofocus aria-invalid="true" aria-describedby="refused">Đã gọi người nộp \(CCCD 079203004567\)'
    assert re.search(r'<textarea[^>]* name="note"[^>]* ' + kept, form), form
    api = insp.post("/api/cases/decision", json={"dossier_id": d, "rule_id": r, "event_id": e,
                    "action": "confirm", "note": "079203004567"}, headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 400 and "citizen id" in api.json()["error"]
    assert insp.get(f"/api/dossiers/{d}").json()["violations"] == before  # nothing recorded
    english = insp.post("/cases/decision?lang=en", data={**base, "note": note})
    assert english.status_code == 400 and "personal data (id number, name, phone)" in english.text
    insp.get(f"/dossiers/{d}?lang=vi")  # the module's other tests read Vietnamese


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("001203004567", True),
        ("CCCD:079203004567.", True),
        ("số 001203004567, đã đối chiếu", True),
        ("000.10.02.H99-251104-0001", False),  # a dossier's code
        ("PXL-000.00.01.H99-251110-0019-2", False),  # a notice's number
        ("1.500.000.000 đồng", False),  # an amount
        ("0912345678", False),  # a phone number: said on the page, not refused (a unit's hotline is not)
        ("0012030045671", False),  # thirteen digits
        ("20/11/2025 10:30", False),
        ("dvcqg-3f2a001203004567b9c1", False),  # an imported event's id: hex
        ("c0ffee00-1234-4321-abcd-001203004567", False),  # a UUID's last group
        ("CCCD: 001203004567", True),
        ("CCCD-001203004567", False),  # a code, as far as the text tells
    ],
)
def test_a_citizen_id_is_twelve_digits_standing_alone(text: str, held: bool) -> None:
    assert holds_citizen_id(text) is held


def test_the_cases_own_ids_are_no_citizen_id() -> None:
    """The refusal says to write the dossier's code: a province whose codes are twelve digits may."""
    note = "Hồ sơ 202511200001, sự kiện 202511200002: đã đối chiếu"
    assert holds_citizen_id(note) and not holds_citizen_id(note, "202511200001", "202511200002")
    assert holds_citizen_id(note + " (CCCD 001203004567)", "202511200001", "202511200002")


def _standing_alone(text: str, start: int, end: int) -> bool:
    """Neither neighbour of ``text[start:end]`` is a word's character or a hyphen."""
    neighbours = (text[start - 1 : start], text[end : end + 1])
    return all(not (ch.isalnum() or ch in "_-") for ch in neighbours if ch)


@given(st.text(alphabet=st.sampled_from("0123456789 .-/:_aZđ"), max_size=40))
@settings(max_examples=examples(300), deadline=None)
def test_a_citizen_id_is_found_exactly_where_a_run_of_twelve_digits_stands_alone(text: str) -> None:
    runs = re.finditer(r"[0-9]+", text)
    expected = any(len(m[0]) == 12 and _standing_alone(text, m.start(), m.end()) for m in runs)
    assert holds_citizen_id(text) is expected


def test_a_dismissed_case_whose_violation_is_retracted_is_listed_as_dismissed(
    console_world: ConsoleWorld,
) -> None:
    """The console seat of 2026-12-07: a dismissed case is final, so a retraction leaves it dismissed; but
    the list kept retracted violations only under "closed" and "concluded", so that case was under no state
    (nor in the XLSX), while the dashboard counted it among the dismissed."""
    insp, csrf = logged_in(console_world, "insp")
    rows = insp.get("/api/violations", params={"state": "open"}).json()["rows"]
    row = rows[-1]  # the world is shared: one nobody worked
    key = (row["dossier_id"], row["rule_id"], row["event_id"])
    body = {"dossier_id": key[0], "rule_id": key[1], "event_id": key[2], "action": "dismiss",
            "reason_code": "data_error"}  # fmt: skip
    assert insp.post("/api/cases/decision", json=body, headers={"X-CSRF-Token": csrf}).status_code == 200
    set_state(console_world, key, "retracted")
    console_world.service.sync_cases()
    listed = insp.get("/api/violations", params={"state": "dismissed", "dossier": key[0]}).json()["rows"]
    assert [(r["rule_id"], r["event_id"], r["case_state"]) for r in listed if r["rule_id"] == key[1]] == [
        (key[1], key[2], "dismissed")
    ]
    page = html.unescape(insp.get("/violations", params={"state": "dismissed", "dossier": key[0]}).text)
    assert key[0] in page
    set_state(console_world, key, "open")  # the world is shared: leave the violation as it was
