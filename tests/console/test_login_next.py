"""A login goes on to the page that asked for it (review of 2026-12-05): a deep link to a dossier, opened
without a session, landed on the dashboard once logged in, and a decision posted after the session expired
did not say which dossier it was for. Never to another site."""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.testclient import TestClient

from console.login_pages import safe_next
from console.pages import case_anchor
from tests.console.conftest import PASSWORD, ConsoleWorld, form_login
from warehouse.cases import CaseKey

D2 = "000.10.02.H99-251104-0001"


def _log_in_from(client: TestClient, page: str) -> str:
    """Log in through the form ``page`` showed (its token and ``next``); where the login went."""
    token = re.search(r'name="login_token" value="([^"]+)"', page)
    then = re.search(r'name="next" value="([^"]*)"', page)
    assert token is not None
    data = {"login": "insp", "password": PASSWORD, "login_token": token[1], "next": then[1] if then else ""}
    done = client.post("/login", data=data, follow_redirects=False)
    assert done.status_code == 303
    return str(done.headers["location"])


def test_a_deep_link_opened_without_a_session_goes_on_after_the_login(console_world: ConsoleWorld) -> None:
    client = console_world.client()
    wanted = f"/dossiers/{quote(D2, safe='')}?lang=vi"
    page = client.get(wanted)
    assert page.status_code == 401 and "Hãy đăng nhập để tiếp tục trang đã mở." in page.text
    assert _log_in_from(client, page.text) == wanted
    assert client.get(wanted).status_code == 200


def test_a_decision_posted_after_the_session_ended_goes_back_to_its_dossier(
    console_world: ConsoleWorld,
) -> None:
    client = console_world.client()
    form = {"dossier_id": D2, "rule_id": "REPEATED_SUPPLEMENT", "event_id": "ex-012", "action": "confirm",
            "note": "Ghi chú dài", "csrf_token": "x"}  # fmt: skip
    posted = client.post("/cases/decision", data=form)
    assert posted.status_code == 401 and "Ghi chú dài" in posted.text  # the note to copy, as before
    # At its case, as a decision's own redirect (it landed at the page's top: review of the diff).
    anchor = case_anchor(CaseKey(D2, "REPEATED_SUPPLEMENT", "ex-012"))
    assert _log_in_from(client, posted.text) == f"/dossiers/{quote(D2, safe='')}#{anchor}"


def test_the_next_page_is_always_this_sites(console_world: ConsoleWorld) -> None:
    for bad in ("//evil.example/x", "/\\evil.example", "https://evil.example/", "/login", "/logout", "/",
                "/a\nb", "", "x" * 10, "/" + "a" * 3000):  # fmt: skip
        assert safe_next(bad) == "", bad
    assert safe_next("/violations?unit=000.10.01.H99&page=2") == "/violations?unit=000.10.01.H99&page=2"
    client = console_world.client()
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None and 'name="next"' not in page.text
    done = client.post("/login", data={"login": "insp", "password": PASSWORD, "login_token": token[1],
                                       "next": "//evil.example/"}, follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/dashboard"
    assert form_login(console_world.client(), "insp", PASSWORD).headers["location"] == "/dashboard"
