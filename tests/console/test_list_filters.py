"""The violations list's filters (review of 2026-12-05): the case-state dropdown offered only "open" and
"closed" (the cases awaiting a unit's explanation could be listed only by typing the URL), and an unknown
unit or rule listed nothing under dropdowns showing "all", which an inspector reads as "no violation"."""

from __future__ import annotations

import html
import re

from inspections.cases import CaseStatus
from inspections.weeks import Week
from tests.console.conftest import UNIT1, ConsoleWorld, logged_in
from tests.console.test_scope import add_violation


def test_the_state_dropdown_offers_every_case_state(console_world: ConsoleWorld) -> None:
    client, _ = logged_in(console_world, "insp")
    page = client.get("/violations?state=awaiting_explanation")
    assert page.status_code == 200
    select = re.search(r'<select id="f-state" name="state">(.*?)</select>', page.text, re.S)
    assert select is not None
    offered = re.findall(r'<option value="([a-z_]*)"', select[1])
    assert offered == ["", "open", "awaiting_explanation", "explained", "confirmed", "dismissed", "concluded",
                       "closed"]  # fmt: skip
    assert set(offered[1:]) == {s.value for s in CaseStatus}
    assert '<option value="awaiting_explanation" selected>' in select[1]


def test_an_unknown_unit_or_rule_is_refused_not_an_empty_list(console_world: ConsoleWorld) -> None:
    client, _ = logged_in(console_world, "insp")
    for query, words in (("unit=ABC%3Cscript%3E", "Mã đơn vị không có trong danh mục."),
                         ("rule=NOPE", "Quy tắc không có trong bộ quy tắc.")):  # fmt: skip
        page = client.get(f"/violations?{query}")
        assert page.status_code == 400 and words in page.text, query
        assert "<script>" not in page.text
        api = client.get(f"/api/violations?{query}")
        assert api.status_code == 400, query
    assert client.get(f"/violations?unit={UNIT1}&rule=LATE_NO_APOLOGY").status_code == 200
    # A unit the catalogue does not know that has stored violations lists them (the dashboard links it).
    add_violation(
        console_world.wh, "000.99.99.H99-251104-0001", "REPEATED_SUPPLEMENT", "ex-012", "000.99.99.H99"
    )
    listed = client.get("/api/violations?unit=000.99.99.H99")
    assert listed.status_code == 200 and listed.json()["total"] == 1
    assert client.get("/violations?rule=AUDIT_ERROR").status_code == 200  # a finding of its own
    # A unit officer asking for a unit outside their scope is told so: it listed nothing under a dropdown
    # showing "all", read as "your unit has no violation" (review).
    officer, _ = logged_in(console_world, "unit1")
    outside = officer.get("/violations?unit=000.10.02.H99")
    assert outside.status_code == 400 and "nằm ngoài phạm vi của tài khoản" in outside.text
    # A code the catalogue does not know gets the same answer, whether a stored violation holds it or not:
    # the look-up came first and told an officer which codes other units' violations held (security review).
    for code in ("000.99.99.H99", "000.99.99.H98"):
        answer = officer.get(f"/api/violations?unit={code}")
        assert answer.status_code == 400 and "outside the account's units" in answer.text, code


def test_the_list_says_page_n_of_m_and_the_api_times_in_vietnam(console_world: ConsoleWorld) -> None:
    """ "Trang 1 trên 108" read awkwardly; the list's times were UTC in the API, the timeline's +07:00."""
    client, _ = logged_in(console_world, "insp")
    assert re.search(r'<span id="page-of">Trang 1/\d+</span>', client.get("/violations").text)
    rows = client.get("/api/violations").json()["rows"]
    assert rows and all(row["occurred_at"].endswith("+07:00") for row in rows)


def test_a_unit_lists_as_the_dashboard_counts_it_and_the_units_below_on_request(
    console_world: ConsoleWorld,
) -> None:
    """The dashboard counted the province's own 10 violations and the list it links to showed 192, every
    unit below it included (review): a unit is its own (and its merged units'), "below=1" adds the rest."""
    client, _ = logged_in(console_world, "insp")
    week = "2025-W45"
    board = client.get(f"/dashboard?week={week}").text
    counted = dict(re.findall(r'<a href="/violations\?unit=([^&"]+)&week=' + week + r'">[^<]*</a></td>'
                              r'<td data-label="[^"]*" class="num">([\d.]+)</td>', board))  # fmt: skip
    assert counted.get(UNIT1)
    for unit, count in counted.items():
        listed = client.get("/api/violations", params={"unit": unit, "week": week}).json()
        assert listed["total"] == int(count.replace(".", "")), unit
    province = "000.00.00.H99"  # every unit of the sample is below it; it received nothing itself
    rows = client.get("/api/violations", params={"week": week}).json()["rows"]
    whole = sum(1 for r in rows if r["unit_code"] != "000.99.99.H99")  # not in the catalogue (above)
    assert whole > 0
    assert client.get("/api/violations", params={"unit": province, "week": week}).json()["total"] == 0
    below = client.get("/api/violations", params={"unit": province, "week": week, "below": "1"}).json()
    assert below["total"] == whole
    page = client.get("/violations", params={"unit": province, "week": week, "below": "1"}).text
    assert '<input type="checkbox" name="below" value="1" checked>' in page
    assert "(kể cả đơn vị trực thuộc)" in page and "below=1" in page  # the count says so; links keep it
    assert client.get("/violations", params={"unit": province, "below": "yes"}).status_code == 400


def test_a_dossier_opened_from_the_list_links_back_to_it_after_an_action(console_world: ConsoleWorld) -> None:
    """After an action the inspector had no way back to the filtered list but two Back presses through a
    stale page, and the message said "Đã ghi nhận." whatever was done (review)."""
    import html
    from urllib.parse import parse_qs, urlsplit

    client, csrf = logged_in(console_world, "insp")
    listed = client.get("/violations", params={"unit": UNIT1, "week": "2025-W45", "sort": "oldest"}).text
    link = html.unescape(re.findall(r'href="(/dossiers/[^"]+)"', listed)[0])
    dossier_id = urlsplit(link).path.rsplit("/", 1)[1]
    back = parse_qs(urlsplit(link).query)["back"][0]
    assert parse_qs(back) == {"unit": [UNIT1], "week": ["2025-W45"], "sort": ["oldest"], "page": ["1"]}
    page = client.get(link).text
    to_list = f'href="/violations?unit={UNIT1}&amp;week=2025-W45&amp;sort=oldest&amp;page=1"'
    assert to_list in page and "Quay lại danh sách vi phạm" in page
    form = re.search(r'class="action action-confirm">(.*?)</form>', page, re.S)
    assert form is not None and 'name="back"' in form[1]
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form[1]))
    sent = {**fields, "csrf_token": csrf, "back": html.unescape(fields["back"])}
    done = client.post("/cases/decision", data=sent, follow_redirects=False)
    assert done.status_code == 303
    after = client.get(done.headers["location"]).text
    assert "Đã xác nhận." in after and to_list in after, done.headers["location"]
    assert dossier_id in done.headers["location"]
    # Only the list's own parameters come back, re-encoded: never another path or a foreign parameter.
    crafted = client.get(link.split("?")[0], params={"back": "next=//evil.example&unit=<b>&x=1"}).text
    assert 'href="/violations?unit=%3Cb%3E"' in crafted and 'href="//evil' not in crafted


def test_the_week_fields_example_is_the_week_the_dashboard_opens_on(console_world: ConsoleWorld) -> None:
    """Its example was a fixed 2025-W45, which a year on reads as a suggestion to look at that week; then
    last week by the clock, which a warehouse loaded to an earlier week has nothing for (review): now the
    data's week, the dashboard's."""
    client, _ = logged_in(console_world, "insp")
    # Shown under the field (a placeholder looked like a filled-in filter: accessibility review).
    field = re.search(r'<small id="f-week-hint" class="hint">([^<]*)</small>', client.get("/violations").text)
    board = re.search(r'<input id="week" name="week" value="([^"]+)"', client.get("/dashboard").text)
    assert field is not None and board is not None
    assert field[1].startswith(f"Ví dụ {board[1]} hoặc ")
    # The data end in November 2025 (the conftest's load): the clock's last week is another.
    clock_week = Week.last_complete(console_world.service.clock())
    assert board[1].startswith("2025-W") and board[1] != str(clock_week)


def test_the_list_counts_data_findings_apart_from_violations(console_world: ConsoleWorld) -> None:
    """The console seat of 2026-12-07: the list said "7 vi phạm" where the dashboard, for the same week,
    counted 6 violations: the seventh was a data finding, which is no violation (RULES.md v2, amendment 5)."""
    from tests.console.test_casework import set_state

    wh = console_world.wh
    (dossier, event_id), *_ = wh.query(
        "SELECT dossier_id, event_id FROM violations FINAL WHERE rule_id = 'LATE_NO_APOLOGY' "
        "AND state = 'open' ORDER BY dossier_id LIMIT 1"
    )
    wh.execute(
        "INSERT INTO violations SELECT dossier_id, 'EVENT_AFTER_RETURN', event_id, state, 'finding', 'low', "
        "unit_code, procedure_code, occurred_at, legal_basis, rulebook_version, evidence, detail, as_of, "
        "producer, version FROM violations FINAL WHERE rule_id = 'LATE_NO_APOLOGY' AND dossier_id = %(d)s "
        "AND event_id = %(e)s", {"d": dossier, "e": event_id},
    )  # fmt: skip
    try:
        insp, _ = logged_in(console_world, "insp")
        api = insp.get("/api/violations", params={"dossier": dossier}).json()
        assert api["findings"] == 1 and api["total"] == len(api["rows"]) >= 2
        page = html.unescape(insp.get("/violations", params={"dossier": dossier}).text)
        count = re.search(r'<p class="count" id="total">([^<]*)</p>', page)
        assert count is not None and count.group(1) == f"{api['total'] - 1} vi phạm, 1 phát hiện dữ liệu"
    finally:  # the world is shared: the finding leaves the lists
        set_state(console_world, (dossier, "EVENT_AFTER_RETURN", event_id), "retracted")
