"""Requests that ended in a 500, or quietly did the wrong thing, until a review found them: weeks outside the
supported years, text that is not Unicode, a file sent in a text field, an oversized JSON body, an
unhandled error's page without the security headers, one unit's pack built from every unit's, and a
dashboard kept for every week ever asked."""

from __future__ import annotations

import json
from typing import Any

import pytest

import console.dashboard as dashboard_module
import reporting.packs as packs_module
from tests.console.conftest import UNIT2, ConsoleWorld, logged_in

D2 = "000.10.02.H99-251104-0001"  # unit 2
KEY = {"dossier_id": D2, "rule_id": "REPEATED_SUPPLEMENT", "event_id": "ex-012"}
JSON = {"content-type": "application/json"}
WEEK_ROUTES = ("/api/violations", "/violations", "/violations.xlsx", "/dashboard", f"/packs/{UNIT2}")


def _case_state(world: ConsoleWorld) -> str:
    client, _ = logged_in(world, "lead")
    shown = client.get(f"/api/dossiers/{D2}").json()
    (state,) = [v["case_state"] for v in shown["violations"] if v["rule_id"] == KEY["rule_id"]]
    return str(state)


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "1969-W01", "2051-W01"])
def test_a_week_outside_the_supported_years_is_refused_on_every_route(
    console_world: ConsoleWorld, week
) -> None:
    client, _ = logged_in(console_world, "insp")
    for route in WEEK_ROUTES:
        response = client.get(route, params={"week": week})
        assert response.status_code == 400, (route, week, response.status_code)
    assert client.get("/dashboard", params={"week": "2025-W45"}).status_code == 200


def test_text_that_is_not_unicode_is_refused_and_stores_nothing(console_world: ConsoleWorld) -> None:
    """JSON may escape a lone surrogate (``"\\ud800"``), which no UTF-8 text holds."""
    anonymous = console_world.client()
    response = anonymous.post("/api/login", content=b'{"login": "\\ud800", "password": "x"}', headers=JSON)
    assert response.status_code == 400 and "login" in response.json()["error"]
    client, csrf = logged_in(console_world, "insp")
    for field in ("dossier_id", "note", "notice_number"):
        body = {**KEY, "action": "request_explanation", field: "\ud800"}
        response = client.post(
            "/api/cases/decision", content=json.dumps(body).encode(), headers={**JSON, "X-CSRF-Token": csrf}
        )
        assert response.status_code == 400 and field in response.json()["error"], (field, response.text)
    assert _case_state(console_world) == "open"


def test_a_file_sent_in_a_text_field_is_refused_not_stored(console_world: ConsoleWorld) -> None:
    client, csrf = logged_in(console_world, "insp")
    form = {"csrf_token": csrf, **KEY, "action": "request_explanation"}
    response = client.post(
        "/cases/decision", data=form, files={"note": ("a.txt", b"hello")}, follow_redirects=False
    )
    assert response.status_code == 400
    assert _case_state(console_world) == "open"


def test_a_json_body_past_the_limit_is_refused(console_world: ConsoleWorld) -> None:
    body = b'{"login": "' + b"a" * (65 << 10) + b'", "password": "x"}'
    response = console_world.client().post("/api/login", content=body, headers=JSON)
    assert response.status_code == 400 and "KiB" in response.json()["error"]


def test_a_body_past_a_mebibyte_is_refused_before_any_login(console_world: ConsoleWorld) -> None:
    """Review of 2026-12-06 (left alone then): Starlette takes a form of 1,000 fields of 1 MB each, so that
    one POST to the login page, before any login, made the console hold about 1 GB. A body over 1 MiB is
    refused (413) as soon as its length says so or its chunks add up to it, in the reader's language on a
    page and in English from the API; a form under it is taken as before."""
    from console.security import MAX_BODY_BYTES

    client = console_world.client()
    # Fields under Starlette's 1 MB each, over 1 MiB together.
    field = b"login=x&password=x" + b"".join(b"&f%d=" % n + b"a" * (600 << 10) for n in range(3))
    form = {"content-type": "application/x-www-form-urlencoded"}
    page = client.post("/login", content=field, headers=form, follow_redirects=False)
    assert page.status_code == 413 and "quá lớn" in page.text and "Traceback" not in page.text
    # Chunks with no length, as a client streaming its body sends them.
    chunks = client.post("/login", content=iter([field[:1000], field[1000:]]), headers=form)
    assert chunks.status_code == 413
    api = client.post("/api/login", content=b'{"login": "' + b"a" * MAX_BODY_BYTES + b'"}', headers=JSON)
    assert api.status_code == 413 and api.json() == {"error": "request body too large"}
    # A decision past it, from an officer whose session is live: refused, and the case stays as it was.
    officer, csrf = logged_in(console_world, "insp")
    big = {"csrf_token": csrf, **KEY, "action": "request_explanation", "note": "x" * MAX_BODY_BYTES}
    assert officer.post("/cases/decision", data=big, follow_redirects=False).status_code == 413
    assert _case_state(console_world) == "open"
    # Under the limit, a wrong login is what it always was.
    small = client.post("/login", data={"login": "a" * 1000, "password": "x"}, follow_redirects=False)
    assert small.status_code in (401, 403)


def test_a_json_body_nested_past_the_parser_is_refused_not_a_500(console_world: ConsoleWorld) -> None:
    """30,000 nested brackets fit in the 64 KiB: the parser's RecursionError was a 500 and a traceback in
    the log, before any login (review)."""
    deep = b"[" * 30_000 + b"]" * 30_000
    response = console_world.client().post("/api/login", content=deep, headers=JSON)
    assert response.status_code == 400 and "nests too deeply" in response.json()["error"]
    client, csrf = logged_in(console_world, "insp")
    response = client.post("/api/cases/decision", content=deep, headers={**JSON, "X-CSRF-Token": csrf})
    assert response.status_code == 400 and _case_state(console_world) == "open"


def test_an_unhandled_errors_page_carries_the_security_headers(
    console_world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = logged_in(console_world, "insp")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(console_world.service, "list_violations", broken)
    for path in ("/violations", "/api/violations"):
        response = client.get(path)
        assert response.status_code == 500 and "a bug" not in response.text
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert (
            response.headers["cache-control"] == "no-store" and response.headers["x-frame-options"] == "DENY"
        )


def test_a_units_pack_is_built_from_that_unit_alone_and_named_after_it(
    console_world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = packs_module.gather_packs
    built: list[list[str]] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        packs = real(*args, **kwargs)
        built.append([pack.unit for pack in packs])
        return packs

    monkeypatch.setattr(packs_module, "gather_packs", spy)
    client, _ = logged_in(console_world, "insp")
    response = client.get(f"/packs/{UNIT2}", params={"week": "2025-W45"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert built == [[UNIT2]]
    assert f'filename="audit-pack-{UNIT2}-2025-W45.xlsx"' in response.headers["content-disposition"]
    # Without the filter the week has packs of both units (what the download used to build).
    assert len({pack.unit for pack in real(console_world.service.catalogue, console_world.wh,
                                           *_week_and_sample())}) == 2  # fmt: skip


def _week_and_sample() -> tuple[Any, int]:
    from inspections.weeks import Week

    return Week.parse("2025-W45"), 10


def test_the_dashboards_kept_are_bounded(
    console_world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_module, "CACHE_WEEKS", 2)
    client, _ = logged_in(console_world, "insp")
    for week in ("2025-W43", "2025-W44", "2025-W45", "2025-W44"):
        assert client.get("/dashboard", params={"week": week}).status_code == 200
    boards = client.app.app.app.state.dashboards  # type: ignore[attr-defined]  # the app in its body limit, in its headers
    assert list(boards._cache) == ["2025-W45", "2025-W44"]
