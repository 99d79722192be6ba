"""Requests to accounts: the session cookie, role checks, CSRF and the login (pages and API share it).

Logged out: 401. Logged in without the role: 403. The account is read on every request (kept a few
seconds, ``ConsoleService.account``): a disabled login, a changed password or a logout (the account's
``sessions_after``) ends its sessions. Logins: only form (``/login``) or JSON (``/api/login``) bodies
(415 otherwise), refused from another site (``Origin``/``Sec-Fetch-Site``) and, for the form, without the
pre-session token its page set (login CSRF); the attempt is counted before the password is verified.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from console.security import Busy, Session, Sessions, Throttle, csrf_ok, verification_slot, verify_password
from console.service import Account, ConsoleService
from warehouse.console_users import save_user, sessions_ended, user

COOKIE = "console_session"
LANG_COOKIE = "console_lang"
#: The login form's pre-session token (login CSRF: a site cannot log a victim into its own account).
LOGIN_COOKIE = "console_login"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Unauthorized(Exception):
    """No valid session (401)."""


class NotAllowed(Exception):
    """Logged in, but not in this role (403)."""


class CsrfFailed(Exception):
    """A state-changing request without its session's CSRF token, or a login from another site (403). Its
    page says the form has expired (a page opened before the last login), not "you may not see this"
    (review of 2026-12-04)."""

    code = "csrf"


class CrossSiteLogin(CsrfFailed):
    """A login the browser says another site sent (403): not an expired form, and reloading does not help
    (review of 2026-12-04: its page said the form had expired)."""

    code = "cross_site"


class Throttled(Exception):
    """Too many failed logins (429); ``seconds``: how long until one is taken again."""

    def __init__(self, seconds: float = 0.0) -> None:
        super().__init__(f"too many failed logins: try again in {max(1, math.ceil(seconds / 60))} min")
        self.seconds = seconds


class WrongMedia(Exception):
    """A login body that is neither a form nor JSON (415)."""


@dataclass(frozen=True, slots=True)
class Who:
    account: Account
    session: Session


def check_login_request(request: Request, kinds: tuple[str, ...]) -> None:
    """415 unless the body is one of ``kinds``; 403 when the browser says the request comes from another
    site."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in kinds:
        raise WrongMedia()
    if not same_origin(request):
        raise CrossSiteLogin()


def same_origin(request: Request) -> bool:
    """Whether the browser says the request comes from this site (or from no site: typed, bookmarked):
    ``Origin``, when sent, names this host, and ``Sec-Fetch-Site``, when sent, says so. Requests from tools
    send neither."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def login_token_ok(request: Request, sent: str) -> bool:
    kept = request.cookies.get(LOGIN_COOKIE, "")
    return bool(kept) and bool(sent) and hmac.compare_digest(kept.encode(), sent.encode())


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(slots=True)
class Gate:
    """The console's session handling, shared by every route (kept on ``app.state.gate``)."""

    service: ConsoleService
    sessions: Sessions
    throttle: Throttle
    secure_cookie: bool

    async def who(self, request: Request) -> Who | None:
        session = self.sessions.read(request.cookies.get(COOKIE))
        if session is None:
            return None
        found = await run_in_threadpool(self.service.account, session.login)
        if found is None or not self.sessions.valid_for(
            session, found[1].password_hash, found[1].sessions_after
        ):
            return None
        refreshed = self.sessions.touched(session)
        if refreshed is not None:  # the idle clock starts again (SecurityHeaders sends the cookie)
            request.scope.setdefault("state", {})["session_cookie"] = self.cookie_header(refreshed)
        return Who(found[0], session)

    async def require(self, request: Request, *roles: str) -> Who:
        who = await self.who(request)
        if who is None:
            raise Unauthorized()
        if who.account.role not in roles:
            raise NotAllowed()
        return who

    async def login(self, request: Request, login: str, password: str) -> tuple[str, Session]:
        """Check a login and password (throttled: the attempt counts before the check); the cookie value
        and its session. ``Busy`` when every verification slot is taken."""
        client = request.client.host if request.client else "unknown"
        keys = (f"login:{login[:200]}", f"addr:{client}")
        if not self.throttle.begin(*keys):
            raise Throttled(self.throttle.wait(*keys))
        found = await run_in_threadpool(self.service.account, login) if login else None
        stored = found[1].password_hash if found is not None else None

        def verify() -> bool:
            with verification_slot():
                return verify_password(stored, password)

        try:
            ok = await run_in_threadpool(verify)
        except Busy:
            self.throttle.release(*keys)
            raise
        if not ok or found is None:
            raise Unauthorized()
        self.throttle.succeeded(*keys)
        return self.sessions.issue(login, found[1].password_hash)

    async def logout(self, who: Who) -> None:
        """End every session of the login (server side): a newer account row whose ``sessions_after`` is
        now. A cookie kept and replayed after it is no session."""
        svc = self.service
        now = datetime.now(UTC)

        def end() -> None:
            existing = user(svc.writer, who.account.login)
            if existing is not None:
                save_user(svc.writer, sessions_ended(existing, now))

        await run_in_threadpool(svc.run, end)
        svc.forget(who.account.login)

    def cookie_header(self, value: str) -> str:
        response = Response()
        self.set_cookie(response, value)
        return response.headers["set-cookie"]

    def set_cookie(self, response: Response, value: str) -> None:
        response.set_cookie(
            COOKIE,
            value,
            max_age=self.sessions.max_age,
            httponly=True,
            samesite="strict",
            secure=self.secure_cookie,
            path="/",
        )

    @staticmethod
    def check_csrf(who: Who, sent: str | None) -> None:
        if not csrf_ok(who.session, sent):
            raise CsrfFailed()


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "vi"
    return lang if lang in ("vi", "en") else "vi"
