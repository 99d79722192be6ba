"""The JSON API beside the pages (for integrations): the same accounts, roles, scopes and CSRF rule.

``POST /api/login`` {login, password} → the session cookie and {csrf_token}; ``GET /api/violations``;
``GET /api/dossiers/{dossier_id}``; ``POST /api/cases/decision`` (header ``X-CSRF-Token``);
``GET /healthz``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from console.auth import Gate, check_login_request
from console.service import MAX_SEEN, BadRequest, ListQuery, ListResult
from console.timeline import timeline
from inspections.timeunits import VN_TZ
from warehouse.cases import CaseKey

READERS = ("inspector", "leader", "unit")
DECIDERS = ("inspector", "unit")


def gate_of(request: Request) -> Gate:
    gate: Gate = request.app.state.gate
    return gate


#: The largest JSON body the API reads (a login or a decision is well under a kilobyte): a larger one is
#: refused as it arrives, not held in memory whole.
MAX_JSON_BYTES = 64 << 10


async def json_body(request: Request) -> dict[str, Any]:
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > MAX_JSON_BYTES:
            raise BadRequest(f"the body is over {MAX_JSON_BYTES >> 10} KiB", "json")
    try:
        body = json.loads(received)
    except ValueError:
        raise BadRequest("the body is not JSON", "json") from None
    except RecursionError:  # 30,000 nested brackets fit in the 64 KiB: a 500 with a traceback (review)
        raise BadRequest("the body nests too deeply to be a login or a decision", "json") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", "json")
    return body


def text_value(value: object, name: str) -> str:
    """A text field's value as the console uses and stores it, or a ``BadRequest`` naming the field: a
    string (a file sent in a form's text field is not one: it would be stored as Python's description of
    it) of valid Unicode (JSON may hold a lone surrogate, ``"\\ud800"``, which no UTF-8 text can: the
    warehouse refuses it, and the request would end in a 500)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string", "field")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"{name} is not valid text", "field") from None
    return value


def form_text(form: Any, name: str) -> str:
    """The text field ``name`` of a submitted form (empty when absent): :func:`text_value`."""
    return text_value(form.get(name, ""), name)


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = text_value(body.get(name, ""), name)
    if required and not value:
        raise BadRequest(f"{name} is required", "field")
    return value


async def login(request: Request) -> JSONResponse:
    gate = gate_of(request)
    check_login_request(request, ("application/json",))
    body = await json_body(request)
    cookie, session = await gate.login(request, _text(body, "login"), _text(body, "password"))
    response = JSONResponse({"login": session.login, "csrf_token": session.csrf})
    gate.set_cookie(response, cookie)
    return response


#: The longest value a list's filter takes: codes, a week, a dossier id (64) fit; a longer one is refused
#: before it is parsed or echoed in a message (a 5,000-digit week came back whole in the 400: review).
MAX_FILTER_CHARS = 100


#: The list's parameters (``GET /violations``, ``/violations.xlsx``, ``/api/violations``).
LIST_PARAMETERS = ("unit", "below", "rule", "week", "severity", "state", "sort", "dossier", "page")


def list_query(params: Any) -> ListQuery:
    for name in LIST_PARAMETERS:
        if len(params.get(name) or "") > MAX_FILTER_CHARS:
            raise BadRequest(f"{name}: at most {MAX_FILTER_CHARS} characters", "field")
    try:
        page = int(params.get("page") or 1)
    except ValueError:
        raise BadRequest("page: a number from 1", "page") from None
    below = params.get("below") or ""
    if below not in ("", "0", "1"):
        raise BadRequest("below: 1 (the units below the unit too) or 0", "below")
    return ListQuery(
        unit=params.get("unit", ""),
        rule=params.get("rule", ""),
        week=params.get("week", ""),
        severity=params.get("severity", ""),
        state=params.get("state", ""),
        sort=params.get("sort") or "newest",
        dossier=params.get("dossier", ""),
        page=page,
        below=below == "1",
    )


def listed_json(result: ListResult) -> dict[str, Any]:
    return {
        "total": result.total,
        "findings": result.findings,  # of the total: data findings, no violations
        "page": result.page,
        "pages": result.pages,
        "rows": [
            {
                "dossier_id": item.row.dossier_id,
                "rule_id": item.row.rule_id,
                "event_id": item.row.event_id,
                "unit_code": item.row.unit_code,
                "severity": item.row.severity,
                "kind": item.row.kind,
                # In Vietnam's time, as the dossier's timeline gives its events (it was UTC here).
                "occurred_at": item.row.occurred_at.astimezone(VN_TZ).isoformat(),
                "case_state": item.state,
                # Concluded on a violation the detector retracted since (``inspections.cases``).
                "to_review": item.case.to_review,
            }
            for item in result.rows
        ],
    }


async def violations(request: Request) -> JSONResponse:
    gate = gate_of(request)
    who = await gate.require(request, *READERS)
    result = await run_in_threadpool(
        gate.service.list_violations, who.account, list_query(request.query_params)
    )
    return JSONResponse(listed_json(result))


async def dossier(request: Request) -> JSONResponse:
    gate = gate_of(request)
    who = await gate.require(request, *READERS)
    dossier_id = request.path_params["dossier_id"]
    view = await run_in_threadpool(gate.service.dossier, who.account, dossier_id, via="api")
    rows = await run_in_threadpool(timeline, view.dossier, gate.service.auditor, "vi", gate.service.catalogue)
    return JSONResponse(
        {
            "dossier_id": dossier_id,
            "unit_code": view.dossier.home_unit,
            "timeline": [
                {
                    "event_id": r.event_id,
                    "type": r.type,
                    "occurred_at": r.at.isoformat(),
                    "unit_code": r.unit_code,
                    "actor": r.actor or None,
                    "working_day": r.working_day,
                    "due_in_force": r.due_in_force.isoformat() if r.due_in_force else None,
                    "due_basis": r.basis or None,
                    "standing": r.standing or None,
                    "paused": r.paused,
                    "paused_seconds": int(r.paused_for.total_seconds()),
                    "notice_id": r.notice,
                    "triggered": r.triggered,
                }
                for r in rows
            ],
            "violations": [
                {
                    "rule_id": v.rule_id,
                    "event_id": v.event_id,
                    "state": v.state,
                    "severity": v.severity,
                    "rulebook_version": v.rulebook_version,
                    "case_state": _case_state(view.cases, dossier_id, v.rule_id, v.event_id, v.state),
                    "to_review": _to_review(view.cases, dossier_id, v.rule_id, v.event_id),
                    "case_events": _case_events(view.cases, dossier_id, v.rule_id, v.event_id),
                }
                for v in view.dossier.violations
            ],
        }
    )


def _case_events(cases: dict[CaseKey, Any], dossier_id: str, rule_id: str, event_id: str) -> int:
    """How many events the case has: what a decision sends back as ``seen`` (the page's hidden field)."""
    found = cases.get(CaseKey(dossier_id, rule_id, event_id))
    return len(found.history) if found is not None else 0


def _seen(body: dict[str, Any]) -> int | None:
    """The decision's ``seen``: the case's event count the caller saw (``case_events``), checked by
    ``decide`` (409 when another decision came in between); ``None`` when not sent. The API ignored it, and
    two inspectors deciding one case both got 200, the second overriding the first (console seat of
    2026-12-07)."""
    value = body.get("seen")
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= MAX_SEEN:
        raise BadRequest("seen must be the case's event count (case_events), a whole number", "field")
    return value


def _to_review(cases: dict[CaseKey, Any], dossier_id: str, rule_id: str, event_id: str) -> bool:
    found = cases.get(CaseKey(dossier_id, rule_id, event_id))
    return bool(found is not None and found.to_review)


def _case_state(cases: dict[CaseKey, Any], dossier_id: str, rule_id: str, event_id: str, state: str) -> str:
    found = cases.get(CaseKey(dossier_id, rule_id, event_id))
    if found is not None and found.status.value != "open":
        return str(found.status.value)
    return "closed" if state == "retracted" else "open"


async def decision(request: Request) -> JSONResponse:
    gate = gate_of(request)
    who = await gate.require(request, *DECIDERS)
    gate.check_csrf(who, request.headers.get("x-csrf-token"))
    body = await json_body(request)
    key = CaseKey(_text(body, "dossier_id", required=True), _text(body, "rule_id", required=True),
                  _text(body, "event_id"))  # fmt: skip
    seen = _seen(body)
    state = await run_in_threadpool(
        lambda: gate.service.decide(
            who.account,
            key,
            _text(body, "action", required=True),
            reason_code=_text(body, "reason_code"),
            note=_text(body, "note"),
            notice_number=_text(body, "notice_number"),
            seen=seen,
        )
    )
    return JSONResponse({"case_state": state.status.value, "reason_code": state.reason_code})


async def healthz(request: Request) -> JSONResponse:
    gate = gate_of(request)
    try:
        await run_in_threadpool(gate.service.run, lambda: gate.service.reader.query("SELECT 1"))
    except Exception:  # the warehouse is down: the proxy's health check says so
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
