"""What a screen reader, a keyboard and a low-vision inspector get from the console's pages (accessibility
review): each control of a case names its case, a saved decision is said first in the page's title, Vietnamese
names in the English pages are marked Vietnamese, the week fields show their format, and tables are named."""

from __future__ import annotations

import html
import re

from inspections.weeks import Week
from tests.console.conftest import ConsoleWorld, form_login, logged_in

D2 = "000.10.02.H99-251104-0001"  # five cases at unit 2


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def test_each_control_of_a_case_names_its_case(console_world: ConsoleWorld) -> None:
    insp, _ = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{D2}").text
    buttons = [_text(b) for b in re.findall(r'<button type="submit" name="do".*?</button>', page, re.S)]
    labels = [_text(label) for label in re.findall(r'<label for="n-.*?</label>', page, re.S)]
    assert len(buttons) >= 10 and len(set(buttons)) == len(buttons), buttons
    assert len(labels) >= 5 and len(set(labels)) == len(labels), labels
    assert any(b.startswith("Xác nhận vi phạm — ") and "ex-013" in b for b in buttons), buttons
    heading = re.search(r'<h3 id="case-[^"]*-title">(.*?)</h3>', page, re.S)
    assert heading is not None
    assert "Mức độ: " in _text(heading[1]) and "Tình trạng xử lý: " in _text(heading[1])


def test_a_saved_decision_is_said_first_in_the_title_so_it_is_read_out(console_world: ConsoleWorld) -> None:
    insp, csrf = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{D2}").text
    form = re.search(r'<form method="post" action="/cases/decision".*?</form>', page, re.S)
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[0]))
    fields = {k: html.unescape(v) for k, v in fields.items()} | {"csrf_token": csrf, "note": "ok"}
    if fields["action"] == "dismiss":
        fields["reason_code"] = "duplicate"
    done = insp.post("/cases/decision", data=fields, follow_redirects=False)
    assert done.status_code == 303
    after = insp.get(done.headers["location"]).text
    title = re.search(r"<title>(.*?)</title>", after)
    assert title is not None
    assert re.match(r"Đã (xác nhận|bác bỏ|gửi)[^·]*\. · Hồ sơ ", html.unescape(title[1])), title[1]


def test_vietnamese_names_in_english_pages_are_marked_vietnamese(console_world: ConsoleWorld) -> None:
    insp, _ = logged_in(console_world, "insp")
    page = insp.get(f"/dossiers/{D2}?lang=en").text
    assert re.search(r'<dd id="fact-unit"><span lang="vi">', page)
    listing = insp.get("/violations?lang=en").text
    assert re.search(r'<option value="[^"]+" lang="vi">', listing)
    assert 'lang="vi"' not in insp.get(f"/dossiers/{D2}?lang=vi").text.split("</header>", 1)[1]  # a vi page


def test_the_week_fields_show_their_format_and_take_the_dashboards(console_world: ConsoleWorld) -> None:
    insp, _ = logged_in(console_world, "insp")
    listing = insp.get("/violations").text
    field = re.search(r'<input id="f-week"[^>]*>', listing)
    assert field is not None and 'aria-describedby="f-week-hint"' in field[0]
    assert "placeholder" not in field[0]
    hint = re.search(r'<small id="f-week-hint" class="hint">(.*?)</small>', listing)
    assert hint is not None and re.fullmatch(r"Ví dụ \d{4}-W\d\d hoặc \d\d/\d{4}", _text(hint[1]))
    board = insp.get("/dashboard?week=45/2025").text  # as the dashboard's heading writes it
    assert re.search(r'<input id="week" name="week" value="2025-W45"', board)
    assert re.search(r'<table class="grid" aria-labelledby="h-by_unit">', board)
    assert Week.parse("45/2025") == Week.parse("2025-w45") == Week(2025, 45)


def test_a_refused_login_is_tied_to_its_fields(console_world: ConsoleWorld) -> None:
    client = console_world.client()
    refused = form_login(client, "insp", "not the password").text
    for field in ("login", "password"):
        found = re.search(rf'<input id="{field}"[^>]*>', refused)
        assert found is not None and 'aria-describedby="login-error"' in found[0]
        assert 'aria-invalid="true"' in found[0]
    assert '<p class="alert" role="alert" id="login-error">' in refused
    assert "aria-invalid" not in client.get("/login").text
