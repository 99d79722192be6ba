"""The dossier page says what the audit found as its pack does — one evidence sentence per verdict — and who
recorded each event of the timeline (the packs' actor column): an inspector on site read the rule, the law
and what to verify, but had to work out the evidence from the timeline, and could not say whom to ask."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC

from reporting import onsite
from reporting.evidence import sentence
from reporting.evidence_words import ALWAYS_YEAR
from reporting.onsite import forms_on
from reporting.packs import working_days_on
from tests.console.conftest import EXAMPLES, ConsoleWorld, logged_in
from tests.console.test_casework import A, B

HOSTILE_WORLD = False
#: A case card: its rule and its content.
CARD = r'<article class="case card"[^>]*data-rule="([A-Z_]+)"(.*?)</article>'


def _copy_case(
    world: ConsoleWorld, case: tuple[str, str, str], rule_id: str, event_id: str, *, kind: str = "",
    severity: str = "",
) -> None:  # fmt: skip
    """Store a copy of ``case``'s verdict (dossier, rule, event) as one of ``rule_id`` on ``event_id`` (of
    ``kind`` and ``severity`` when given)."""
    world.wh.execute(
        "INSERT INTO violations SELECT dossier_id, %(rule)s, %(event)s, state, "
        "if(%(kind)s = '', toString(kind), %(kind)s), "
        "if(%(severity)s = '', toString(severity), %(severity)s), "
        "unit_code, procedure_code, occurred_at, legal_basis, rulebook_version, evidence, detail, as_of, "
        "producer, version FROM violations FINAL WHERE dossier_id = %(d)s AND rule_id = %(r)s AND "
        "event_id = %(e)s",
        {"rule": rule_id, "event": event_id, "kind": kind, "severity": severity, "d": case[0], "r": case[1],
         "e": case[2]},
    )  # fmt: skip


def _cards(page: str) -> dict[str, str]:
    """Each case card's rule and its evidence (tags removed, entities read)."""
    found = re.findall(r'data-rule="([A-Z_]+)".*?<dd class="evidence">(.*?)</dd>', page, re.S)
    return {rule: html.unescape(text) for rule, text in found}


def test_each_verdict_shows_its_evidence_sentence_as_its_pack_prints_it(console_world: ConsoleWorld) -> None:
    insp, _ = logged_in(console_world, "insp")
    for dossier_id, rule_id, _event in (A, B):
        text = _cards(insp.get(f"/dossiers/{dossier_id}").text).get(rule_id, "")
        assert text and "(không có chứng cứ ghi kèm)" not in text, (rule_id, text)
    assert "không có văn bản" in _cards(insp.get(f"/dossiers/{B[0]}").text)[B[1]]
    # The missed new appointment counts its lateness in working days, on the console's calendar, and
    # gives every date with its year: a page is no one week's, as a pack is.
    missed = _cards(insp.get(f"/dossiers/{A[0]}").text)[A[1]]
    assert "ngày làm việc" in missed and re.search(r"\d{2}/\d{2}/2025", missed), missed
    # The reporting function's sentence of the stored evidence, the dossier's forms and documents by name:
    # the page adds nothing of its own and loses nothing.
    (detail, kind), *_ = console_world.wh.query(
        "SELECT detail, kind FROM violations FINAL WHERE dossier_id = %(d)s AND rule_id = %(r)s",
        {"d": A[0], "r": A[1]},
    )
    (received,), *_ = console_world.wh.query(
        "SELECT received_at FROM dossiers FINAL WHERE dossier_id = %(d)s", {"d": A[0]}
    )
    procedure = console_world.service.catalogue.procedure(json.loads(detail).get("procedure_code") or "")
    papers = {part.code: part.name for part in procedure.components} if procedure is not None else {}
    expected = sentence(
        A[1], kind, json.loads(detail)["evidence"], "vi", working_days_on(console_world.service.calendar),
        ALWAYS_YEAR, forms_on(received.replace(tzinfo=UTC)), papers,
    )  # fmt: skip
    assert missed == expected


def test_the_english_page_speaks_english_evidence(console_world: ConsoleWorld) -> None:
    insp, _ = logged_in(console_world, "insp")
    text = _cards(insp.get(f"/dossiers/{A[0]}", params={"lang": "en"}).text)[A[1]]
    assert "working day" in text and "ngày" not in text, text


#: The examples' dossier whose events name their officers (some of them).
RECORDED = "000.10.01.H99-251103-0001"


def test_the_timeline_names_who_recorded_each_event(console_world: ConsoleWorld) -> None:
    insp, _ = logged_in(console_world, "insp")
    actors = {}
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["dossier_id"] == RECORDED:
            actors[event["event_id"]] = event.get("actor")
    assert any(actors.values()) and not all(actors.values()), actors
    page = insp.get(f"/dossiers/{RECORDED}").text
    # Without a violation, the page says so of the dossier (it read "no violation matches the filters").
    assert '<p id="no-violation">Hồ sơ không có vi phạm nào.</p>' in page
    for event_id, actor in actors.items():
        row = re.search(rf'<tr id="ev-{re.escape(event_id)}".*?</tr>', page, re.S)
        assert row is not None, event_id
        shown = re.search(r'<small class="actor">(.*?)</small>', row.group(0), re.S)
        if actor:
            assert shown is not None and html.unescape(shown.group(1)) == f"Người thực hiện: {actor}"
        else:
            assert shown is None


def test_a_notice_number_is_a_detail_named_as_the_others_are(console_world: ConsoleWorld) -> None:
    """It read "Số văn bản: …" above "kênh: …", "lý do: …" (and as the packs name it, "số văn bản")."""
    insp, _ = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{A[0]}").text
    row = re.search(r'<tr id="ev-ex-017".*?</tr>', page, re.S)
    assert row is not None
    first = re.search(
        r'<td data-label="Chi tiết"><div>\s*<div><span class="key">(.*?)</span>: (.*?)</div>', row[0]
    )
    assert first is not None and first.groups() == ("số văn bản", "XL-2025-031"), row[0]
    assert "Số văn bản" not in row[0]


def test_a_paused_time_reads_without_zero_parts() -> None:
    """It read "0 ngày 20 giờ" (and "0 d 20 h" in English)."""
    from datetime import timedelta

    from console.texts import ConsoleTexts

    vi, en = ConsoleTexts("vi"), ConsoleTexts("en")
    cases = {
        timedelta(hours=20): ("20 giờ", "20 hours"),
        timedelta(days=1, hours=18, minutes=59): ("1 ngày 18 giờ", "1 day 18 hours"),
        timedelta(days=2): ("2 ngày", "2 days"),
        timedelta(hours=1): ("1 giờ", "1 hour"),
        timedelta(minutes=45): ("45 phút", "45 minutes"),
        timedelta(seconds=5): ("1 phút", "1 minute"),
    }
    for span, (in_vi, in_en) in cases.items():
        assert (vi.paused(span), en.paused(span)) == (in_vi, in_en)


def test_the_timeline_shows_what_the_packs_timeline_does_a_missing_notice_included(
    console_world: ConsoleWorld,
) -> None:
    """The rows flagged for a request or a refusal not in writing did not show the missing notice (a null
    member was left out, a blank one shown): the pack prints "số văn bản: (để trống)" (review). Every
    member the event holds is shown, the notice first, none applicant-like; dates with their year."""
    from reporting.evidence_words import label

    insp, _ = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{B[0]}").text
    stored = {}
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["dossier_id"] == B[0]:
            stored[event["event_id"]] = event["data"]
    for event_id, data in stored.items():
        row = re.search(rf'<tr id="ev-{event_id}".*?</tr>', page, re.S)
        assert row is not None
        names = [html.unescape(n) for n in re.findall(r'<span class="key">(.*?)</span>', row[0])]
        expected = [label(k) for k in sorted(data, key=lambda k: k != "notice_id") if k != "applicant"]
        assert names == expected, (event_id, names)
    for event_id in ("ex-010", "ex-013"):  # SUPPLEMENT_UNWRITTEN, REFUSAL_UNWRITTEN: their missing notice
        row = re.search(rf'<tr id="ev-{event_id}".*?</tr>', page, re.S)
        assert row is not None and '<span class="key">số văn bản</span>: (để trống)' in row[0], row
    received = re.search(r'<tr id="ev-ex-009".*?</tr>', page, re.S)
    assert received is not None and "ngày hẹn trả</span>: 05/11/2025 17:00" in received[0]
    assert "thành phần hồ sơ</span>: (để trống)" in received[0]


def test_a_data_finding_is_said_to_be_one_not_a_violation(console_world: ConsoleWorld) -> None:
    """A finding (amendment 5's OLD_DUE_DATE_MISMATCH) showed under "Vi phạm" with "Xác nhận vi phạm" and
    its event read "căn cứ của vi phạm", where the pack says "Phát hiện dữ liệu … không tính là vi phạm"
    (review)."""
    _copy_case(console_world, A, "OLD_DUE_DATE_MISMATCH", "ex-018", kind="finding", severity="medium")
    insp, _ = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{A[0]}").text
    cards = dict(re.findall(CARD, page, re.S))
    finding, violation = cards["OLD_DUE_DATE_MISMATCH"], cards[A[1]]
    assert '<span class="kind kind-finding">Phát hiện dữ liệu</span>' in finding
    assert '<p class="small finding-note">Phát hiện về dữ liệu, không tính là vi phạm.</p>' in finding
    assert 'value="confirm">Xác nhận phát hiện<span class="sr"> — ' in finding
    assert 'class="kind' not in violation and 'value="confirm">Xác nhận vi phạm<span class="sr">' in violation
    # Confirmed, it reads as a confirmed finding, and the counts of violations upheld leave it out.
    from warehouse.cases import case_counts

    insp, csrf = logged_in(console_world, "insp")
    before = case_counts(console_world.wh, from_s=0, to_s=2**31 - 1)
    key = {"dossier_id": A[0], "rule_id": "OLD_DUE_DATE_MISMATCH", "event_id": "ex-018"}
    done = insp.post("/api/cases/decision", json={**key, "action": "confirm"}, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200, done.text
    page = insp.get(f"/dossiers/{A[0]}").text
    cards = dict(re.findall(CARD, page, re.S))
    state = '<span class="sr">Tình trạng xử lý: </span>'  # said to a screen reader (accessibility review)
    confirmed = f'<span class="state state-confirmed">{state}Đã xác nhận phát hiện</span>'
    assert confirmed in cards["OLD_DUE_DATE_MISMATCH"]
    assert case_counts(console_world.wh, from_s=0, to_s=2**31 - 1) == before
    listed = insp.get("/violations", params={"dossier": A[0]}).text
    assert '<span class="kind kind-finding">Phát hiện dữ liệu</span>' in listed
    assert "Đã xác nhận phát hiện" in listed
    why = dict(re.findall(r'<tr id="ev-(ex-01[78])".*?<div class="why">(.*?)</div>', page, re.S))
    assert why == {
        "ex-017": "là căn cứ của vi phạm “Trễ cả ngày hẹn lại”",
        "ex-018": "là căn cứ của phát hiện dữ liệu “Ngày hẹn cũ không khớp ngày hẹn đang có hiệu lực”",
    }, why


def test_what_to_ask_for_is_the_packs_list_with_the_forms_of_the_dossiers_circular(
    console_world: ConsoleWorld,
) -> None:
    """The page's own words sent the inspector to "mẫu 03" for a refusal after appraisal, which has no form,
    and named the apology by Circular 01/2018 for a dossier handled under 03/2025 (review): the forms are
    now the pack's list for the dossier, and the rule's words name no form number."""
    from console.guide import _GUIDE

    insp, _ = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{B[0]}").text
    card = re.search(rf'data-rule="{B[1]}"(.*?)</article>', page, re.S)
    assert card is not None
    papers = re.search(r'<dd class="papers">(.*?)</dd>', card[1], re.S)
    (received,), *_ = console_world.wh.query(
        "SELECT received_at FROM dossiers FINAL WHERE dossier_id = %(d)s", {"d": B[0]}
    )
    forms = forms_on(received.replace(tzinfo=UTC))
    assert forms == "2025"
    assert papers is not None and html.unescape(papers[1]) == "; ".join(
        onsite.items(B[1], "violation", "vi", forms)
    )
    assert "từ chối sau khi thẩm định: văn bản thông báo nêu rõ lý do (không theo mẫu)" in html.unescape(
        papers[1]
    )
    for words in _GUIDE.values():
        assert not re.search(r"mẫu 0\d|form 0\d", " ".join(words)), words


def test_excess_documents_received_are_not_said_to_be_forbidden() -> None:
    """Beside the evidence of a receipt, the rule's words said "Không được yêu cầu giấy tờ ngoài…", where
    no text forbids receiving them (LEGAL.md §1; the card's legal basis says so)."""
    from console.guide import guide

    asked = guide("EXCESS_DOCUMENTS", "vi", case="supplement_requested")
    assert asked == guide("EXCESS_DOCUMENTS", "vi") and asked[0].startswith("Không được yêu cầu")
    for case in ("received", "supplement_completed"):
        plain, verify = guide("EXCESS_DOCUMENTS", "vi", case=case)
        assert "Không có điều khoản cấm trực tiếp việc nhận" in plain and "tự đưa" in verify
        assert "No text found forbids" in guide("EXCESS_DOCUMENTS", "en", case=case)[0]


def test_one_word_for_a_late_standing_as_the_reports_say_it(console_world: ConsoleWorld) -> None:
    """The facts said "Quá hạn · Có kết quả" (the reporting form's word), the timeline "Trễ hạn" (review)."""
    from console.texts import ConsoleTexts

    t = ConsoleTexts("vi")
    assert t.standing("late") == t.status("late") == "Quá hạn"
    page = logged_in(console_world, "insp")[0].get(f"/dossiers/{A[0]}").text
    assert "Quá hạn · Có kết quả" in page and "Trễ hạn" not in page


def test_no_member_the_contract_does_not_declare_is_shown(console_world: ConsoleWorld) -> None:
    """Showing every member showed a source's own ``applicant_name`` in clear (only ``applicant`` is
    pseudonymised, by the contract) and an applicant nested in an unknown member as its pseudonym (review of
    this change): only the declared members are shown, the applicant never."""
    from tests.console.test_scope import add_event

    pseudonym = "hmac-sha256:" + "a" * 64
    data = {
        "reason": "Thiếu tờ khai", "notice_id": "BS-1", "requested_documents": ["TO-KHAI"],
        "applicant_name": "Nguyễn Văn Kín", "extra": {"applicant": pseudonym}, "Applicant": pseudonym,
    }  # fmt: skip
    add_event(console_world.wh, RECORDED, "ex-private", "supplement_requested", "000.10.01.H99", data)
    insp, _ = logged_in(console_world, "insp")
    for path in (f"/dossiers/{RECORDED}", f"/api/dossiers/{RECORDED}"):
        page = insp.get(path).text
        assert "Kín" not in page and pseudonym not in page and "applicant" not in page.lower(), path
    row = re.search(r'<tr id="ev-ex-private".*?</tr>', insp.get(f"/dossiers/{RECORDED}").text, re.S)
    assert row is not None
    names = [html.unescape(n) for n in re.findall(r'<span class="key">(.*?)</span>', row[0])]
    assert names == ["số văn bản", "lý do", "giấy tờ yêu cầu bổ sung"], names


def test_two_cases_of_one_rule_have_their_own_fields_and_names(console_world: ConsoleWorld) -> None:
    """Two cases of one rule repeated their fields' ids (built from the rule), so the second's labels
    focused the first's fields, and both cards had one name (review): ids are by case, every label names a
    field of its own, and each card is named by its heading, which gives the event."""
    _copy_case(console_world, B, B[1], "ex-012")
    insp, _ = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{B[0]}").text
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert target in ids, target
    card = r'<article class="case card" id="(case-[0-9a-f]{12})"[^>]*aria-labelledby="([^"]+)"'
    titles = re.findall(card, page)
    assert len(titles) >= 2 and all(f"{case}-title" == named and named in ids for case, named in titles)
    found = re.findall(r'<h3 id="case-[0-9a-f]{12}-title">(.*?)</h3>', page, re.S)
    headings = [re.sub(r"<[^>]+>", "", h) for h in found]
    same_rule = [h for h in headings if "ex-012" in h or "ex-013" in h]
    assert len(set(same_rule)) == len(same_rule) >= 2, headings


def test_a_findings_case_is_worded_as_one_in_the_packs_too() -> None:
    from reporting.pack_tables import case_words

    assert case_words("confirmed", "finding", "vi") == "đã xác nhận phát hiện"
    assert case_words("confirmed", "violation", "vi") == "đã xác nhận vi phạm"
    dismissed = case_words("dismissed", "finding", "vi")
    assert dismissed == case_words("dismissed", "violation", "vi") == "đã bác bỏ"
