"""The console's application: routes, templates, security headers and the answer to every error.

``create_app`` takes a ready :class:`ConsoleService` (so tests build one on any warehouse) and the console
settings; ``dossier-audit console`` serves it with uvicorn.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from console import account_pages, api, login_pages, pages
from console.auth import CsrfFailed, Gate, NotAllowed, Throttled, Unauthorized, Who, WrongMedia, lang_of
from console.dashboard import Dashboards
from console.security import BodyLimit, Busy, Sessions, Throttle, TooLarge
from console.service import BadRequest, ConsoleService, Forbidden, NotFound
from console.texts import ConsoleTexts
from inspections.cases import CaseRefused
from reporting.header import ReportHeader, make_header
from reporting.visible import visible_value

HERE = Path(__file__).parent
#: A client address takes this many times the failed logins one login does: an office behind one NAT or
#: proxy shares its address, and one colleague's typos locked everyone out (review of 2026-12-05); the
#: address's own limit still stops one machine guessing across many logins.
ADDRESS_FACTOR = 4
#: No inline script or style, no framing, nothing from elsewhere.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                refreshed = (scope.get("state") or {}).get("session_cookie")
                if refreshed and not any(
                    k == b"set-cookie" and v.startswith(b"console_session=") for k, v in headers
                ):
                    headers.append((b"set-cookie", refreshed.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def templates() -> Jinja2Templates:
    """The pages' templates: what a reader would not see in a text shown as ``[U+XXXX]``
    (``reporting.visible``), but in a form's values, which go back as they are (``| exact``: a decision
    must name the dossier stored, not the text shown)."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True, finalize=visible_value)  # fmt: skip
    env.filters["exact"] = exact
    return Jinja2Templates(env=env)


def exact(value: Any) -> Markup:
    """A value written as it is (escaped, never made visible): a form's value, posted back."""
    return escape("" if value is None else value)


_STATUS = {Unauthorized: 401, NotAllowed: 403, Forbidden: 403, CsrfFailed: 403, NotFound: 404,
           BadRequest: 400, CaseRefused: 409, Throttled: 429, WrongMedia: 415, Busy: 503,
           TooLarge: 413}  # fmt: skip
_MESSAGES = {401: "login required", 403: "forbidden", 404: "not found", 429: "too many failed logins",
             415: "send a form or JSON body", 503: "busy, try again in a moment",
             413: "request body too large"}  # fmt: skip


async def on_error(request: Request, exc: Exception) -> Response:
    """The API answers ``{"error": …}`` in English (integrations read it); a page answers in the reader's
    language (``console.texts``: by the error's code), with a link back."""
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 500)
    if isinstance(exc, HTTPException) and exc.status_code in (404, 405):  # the router's
        if exc.status_code == 405 and request.url.path.startswith("/api/"):  # an integration's mistake
            return JSONResponse({"error": "method not allowed"}, status_code=405, headers=exc.headers)
        status = 404  # a page: no such page
    message = str(exc) if status in (400, 409) else _MESSAGES.get(status, "error")
    if request.url.path.startswith("/api/"):
        if isinstance(exc, Throttled):  # when to try again, as HTTP says it
            retry = {"Retry-After": str(max(1, math.ceil(exc.seconds)))}
            return JSONResponse({"error": message}, status_code=status, headers=retry)
        return JSONResponse({"error": message}, status_code=status)
    if status == 401:  # a note written while the session expired is shown to copy, not lost
        note = await login_pages.unsaved_note(request)
        then = await login_pages.next_after_login(request)
        return login_pages.login_form(request, 401, unsaved_note=note, session_needed=True, next=then)
    who: Who | None = None
    if status != 500:
        who = await request.app.state.gate.who(request)
    t = ConsoleTexts(lang_of(request))
    shown = t.error(getattr(exc, "code", "") or str(status))
    # A refused decision's note is shown to copy: "Quay lại" reloads the dossier and it was lost (review).
    # Kept by the handler (``pages.decision``): the form's body is read already, and read again it waited.
    note = str(request.scope.get("state", {}).get("unsaved_note", "")) if status in (400, 409) else ""
    return pages.render(request, "error.html.j2", status, who=who, code=status, message=shown,
                        back=login_pages.back_link(request), unsaved_note=note)  # fmt: skip


def create_app(
    service: ConsoleService,
    *,
    session_secret: bytes | None = None,
    session_minutes: int = 480,
    secure_cookie: bool = False,
    login_failures: int = 5,
    throttle_seconds: int = 900,
    header_for: Callable[[str], ReportHeader] | None = None,
    idle_minutes: int | None = None,
    trusted_proxies: str = "",
    sync_seconds: float = 0,
) -> ASGIApp:
    """The console. ``trusted_proxies``: the addresses (comma-separated) whose ``X-Forwarded-For`` names
    the client (the TLS proxy's; empty: none, the peer is the client). ``sync_seconds``: how often the app
    closes the cases of retracted violations and reopens those found again (0: never; then run
    ``dossier-audit console --sync-cases``)."""
    routes = [
        Route("/healthz", api.healthz),
        Route("/api/login", api.login, methods=["POST"]),
        Route("/api/violations", api.violations),
        Route("/api/dossiers/{dossier_id:path}", api.dossier),
        Route("/api/cases/decision", api.decision, methods=["POST"]),
        Route("/login", login_pages.login_page),
        Route("/login", login_pages.login_post, methods=["POST"]),
        Route("/logout", login_pages.logout, methods=["POST"]),
        Route("/", pages.home),
        Route("/dashboard", pages.dashboard),
        Route("/violations", pages.violations),
        Route("/violations.xlsx", pages.violations_xlsx),
        Route("/packs/{unit}", pages.pack),
        Route("/dossiers/{dossier_id:path}", pages.dossier),
        Route("/cases/decision", pages.decision, methods=["POST"]),
        Route("/admin/users", account_pages.accounts),
        Route("/admin/users", account_pages.accounts_post, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers: dict[Any, Any] = dict.fromkeys(_STATUS, on_error)
    handlers[Exception] = on_error
    # An unknown path got Starlette's bare English "Not Found", no way back (review of 2026-12-04).
    handlers[404] = handlers[405] = on_error

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_sync_cases(service, sync_seconds)) if sync_seconds > 0 else None
        yield
        if task is not None:
            task.cancel()

    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    idle = idle_minutes * 60 if idle_minutes else None
    app.state.gate = Gate(
        service,
        Sessions(session_secret or secrets.token_bytes(32), session_minutes * 60, idle),
        Throttle(login_failures, throttle_seconds, limits={"addr": ADDRESS_FACTOR * login_failures}),
        secure_cookie,
    )
    app.state.templates = templates()
    app.state.dashboards = Dashboards(service)
    app.state.header_for = header_for or (
        lambda lang: make_header(service.catalogue, lang, working_days=service.calendar)
    )
    # Outside Starlette, not as its middleware: Starlette answers an unhandled error (a 500) from its
    # outermost layer, which its own middleware never sees, and that page needs the headers too.
    secured: ASGIApp = SecurityHeaders(BodyLimit(app))
    proxies = [p.strip() for p in trusted_proxies.split(",") if p.strip()]
    # Without a trusted proxy the header is ignored: the peer is the client (no spoofed address).
    if not proxies:
        return secured
    wrapped: ASGIApp = ProxyHeadersMiddleware(secured, trusted_hosts=proxies)  # type: ignore[arg-type,assignment]
    return wrapped


async def _sync_cases(service: ConsoleService, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        with contextlib.suppress(Exception):  # the warehouse is down: try again at the next tick
            await run_in_threadpool(service.sync_cases)
