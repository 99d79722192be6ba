"""Logging in and out of the console, and where a login goes on to: the page asked for without a session
(a deep link, or the dossier whose decision was posted once the session had expired), a path of this site
only. Apart from ``console.pages``, which every page's rendering comes from.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from console.api import form_text, gate_of
from console.auth import (
    COOKIE,
    FORM_TYPES,
    LOGIN_COOKIE,
    Throttled,
    Unauthorized,
    check_login_request,
    login_token_ok,
    new_login_token,
    same_origin,
)
from console.pages import case_anchor, home_of, render
from console.security import Busy
from console.service import ROLES
from warehouse.cases import CaseKey


def back_link(request: Request) -> str:
    """Where an error page's link goes: the page the action came from (a path of this site only)."""
    back = (request.scope.get("state") or {}).get("back")
    return (safe_next(back) if isinstance(back, str) else "") or "/"


#: The longest page address a login goes on to (``next``): longer is no page of the console.
_MAX_NEXT = 2_000


def safe_next(text: str) -> str:
    """``text`` if it is a page of this site to go on to after logging in (a path, never another site's
    address, nor the login or logout), else ``""``."""
    if not text or len(text) > _MAX_NEXT or not text.startswith("/") or text.startswith(("//", "/\\")):
        return ""
    if any(c < " " or c == "\x7f" for c in text) or text.split("?", 1)[0] in ("/login", "/logout", "/"):
        return ""
    return text


async def next_after_login(request: Request) -> str:
    """The page a request refused for want of a session goes on to once logged in: the one asked for (a
    deep link to a dossier landed on the dashboard: review), or the dossier whose decision was posted."""
    if request.method == "GET":
        query = request.url.query
        return safe_next(request.url.path + (f"?{query}" if query else ""))
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.url.path != "/cases/decision" or kind not in FORM_TYPES or not same_origin(request):
        return ""
    try:
        form = await request.form()
    except Exception:  # a body already read, or not a form after all: the start page
        return ""
    dossier_id, rule_id = form_text(form, "dossier_id"), form_text(form, "rule_id")
    if not dossier_id:
        return ""
    # At the case decided, as a decision's own redirect (it landed at the page's top: review of the diff).
    anchor = f"#{case_anchor(CaseKey(dossier_id, rule_id, form_text(form, 'event_id')))}" if rule_id else ""
    return safe_next(f"/dossiers/{quote(dossier_id, safe='')}{anchor}")


def login_form(request: Request, status: int = 200, **context: Any) -> Response:
    """The login page with a fresh pre-session token (cookie and hidden field: login CSRF), and the page to
    go on to once logged in (``next``)."""
    token = new_login_token()
    response = render(request, "login.html.j2", status, login_token=token, **context)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login", max_age=3600,
                        secure=gate_of(request).secure_cookie)  # fmt: skip
    return response


async def unsaved_note(request: Request) -> str:
    """The note of a decision posted without a live session (it expired while the inspector wrote): the
    login page shows it to copy. It was lost (review of 2026-12-04). Never read into a URL or a log."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # Only a post from this site: another site's form put its own words on the real login page, as "your
    # unsaved note" (a ready-made phishing message), with a dossier of its choosing to go on to (review).
    if request.method != "POST" or kind not in FORM_TYPES or not same_origin(request):
        return ""
    try:
        form = await request.form()
    except Exception:  # a body already read, or not a form after all: nothing to show
        return ""
    return form_text(form, "note")[:4000]


async def login_page(request: Request) -> Response:
    # Said after logging out (``logout``): the bare login form gave no word that it had worked (review).
    return login_form(request, logged_out=request.query_params.get("out") == "1")


async def login_post(request: Request) -> Response:
    gate = gate_of(request)
    check_login_request(request, FORM_TYPES)
    form = await request.form()
    login, password = form_text(form, "login"), form_text(form, "password")
    then = safe_next(form_text(form, "next"))
    if not login_token_ok(request, form_text(form, "login_token")):
        return login_form(request, 403, error="login_expired", login=login, next=then)
    try:
        cookie, session = await gate.login(request, login, password)
    except Throttled as exc:
        minutes = max(1, math.ceil(exc.seconds / 60))
        return login_form(request, 429, error="throttled", login=login, wait_minutes=minutes, next=then)
    except Busy:
        return login_form(request, 503, error="busy", login=login, next=then)
    except Unauthorized:
        return login_form(request, 401, error="bad_login", login=login, next=then)
    found = await run_in_threadpool(gate.service.account, session.login)
    response = RedirectResponse(then or home_of(found[0].role if found else ""), status_code=303)
    gate.set_cookie(response, cookie)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


async def logout(request: Request) -> Response:
    gate = gate_of(request)
    who = await gate.require(request, *ROLES)
    form = await request.form()
    gate.check_csrf(who, form_text(form, "csrf_token"))
    await gate.logout(who)
    response = RedirectResponse("/login?out=1", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
