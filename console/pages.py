"""The console's HTML pages: dashboard, violations list, dossier and case actions (logging in and out is
``console.login_pages``, the accounts page ``console.account_pages``).

Every template auto-escapes (``console.app`` builds the environment with ``autoescape=True``): event texts,
notes and catalogue names are untrusted. Every form that changes something carries the session's CSRF
token; every answer to a POST that changed something is a redirect (303), so a reload never posts twice (a
decision its form left incomplete changed nothing: its dossier's page answers it, the form as it was sent).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from console.api import LIST_PARAMETERS, MAX_FILTER_CHARS, form_text, gate_of, list_query
from console.auth import (
    LANG_COOKIE,
    NotAllowed,
    Who,
    lang_of,
)
from console.dashboard import Dashboards
from console.exports import audit_pack, export_name, list_xlsx
from console.guide import guide
from console.service import MAX_SEEN, ROLES, BadRequest, ListQuery, NotFound
from console.texts import STATES, ConsoleTexts
from console.timeline import names, timeline
from console.words import evidence, evidence_case, evidence_of, legal_basis, marks_note
from inspections.audit_error import reported_rules
from inspections.cases import DISMISS_REASONS, SYSTEM_NOTES, CaseState, Role, allowed_actions
from reporting import onsite
from reporting.i18n import short_unit_name
from reporting.pack_tables import forms_for
from reporting.packs import pack_file_stem, working_days_on
from reporting.standing_words import paused_text
from warehouse.cases import CaseKey
from warehouse.console_read import SEVERITIES, SORTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: Pages only a form's answer shows (no page to ask for again in another language).
_POSTED_ONLY = frozenset({"/cases/decision"})


def render(
    request: Request, name: str, status: int = 200, who: Who | None = None, **context: Any
) -> Response:
    lang = lang_of(request)
    t = ConsoleTexts(lang)
    other = "en" if lang == "vi" else "vi"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "done")]
    # What a printed page says of itself: when, by whom, which page with which filters (``.printed``).
    address = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context = {
        # None on a page answering a decision (refused, or the session expired): the link asked the form's
        # address again, a 404, and the unsaved note the page shows to copy was gone (review). A failed
        # login's or account form's page keeps it: their addresses are pages too.
        "lang_link": None if request.url.path in _POSTED_ONLY else "?" + urlencode([*kept, ("lang", other)]),
        "other_lang": other,
        "printed_at": gate_of(request).service.clock(),
        "page_address": unquote(address),
        **context,
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        name,
        {"t": t, "lang": lang, "who": who, "csrf": who.session.csrf if who else "", **context},
        status_code=status,
    )
    if request.query_params.get("lang") in ("vi", "en"):
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True, max_age=365 * 86400)
    return response


def home_of(role: str) -> str:
    return {"admin": "/admin/users", "unit": "/violations"}.get(role, "/dashboard")


async def home(request: Request) -> Response:
    who = await gate_of(request).require(request, *ROLES)
    return RedirectResponse(home_of(who.account.role), status_code=303)


async def dashboard(request: Request) -> Response:
    gate = gate_of(request)
    who = await gate.require(request, "inspector", "leader")
    boards: Dashboards = request.app.state.dashboards
    text = request.query_params.get("week", "")
    week = gate.service.parse_week(text) if text else await run_in_threadpool(boards.default_week)
    assert week is not None
    board = await run_in_threadpool(boards.of, week)
    t = ConsoleTexts(lang_of(request))
    rule = request.app.state.header_for(t.lang).maturity
    maturity = await run_in_threadpool(boards.maturity, week, t, rule)
    return render(request, "dashboard.html.j2", who=who, board=board, read_only=who.account.role == "leader",
                  maturity=maturity)  # fmt: skip


#: The list's filters (its parameters but the page), as its links and the way back from a dossier keep them.
_FILTER_KEYS = tuple(name for name in LIST_PARAMETERS if name != "page")


def _filters(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "") for k in _FILTER_KEYS if request.query_params.get(k)}


def list_back(back: str) -> str:
    """The list page a dossier was opened from, from its ``back`` query (the list's filters and page, as the
    list links them): only those parameters, each of a filter's length, re-encoded. After an action the
    inspector had no way back to the filtered list but the browser's Back, through a stale page (review)."""
    kept = [(k, v) for k, v in parse_qsl(back[:2_000]) if k in LIST_PARAMETERS and len(v) <= MAX_FILTER_CHARS]
    return "/violations" + ("?" + urlencode(kept) if kept else "")


async def violations(request: Request) -> Response:
    gate = gate_of(request)
    who = await gate.require(request, "inspector", "leader", "unit")
    query = list_query(request.query_params)
    result = await run_in_threadpool(gate.service.list_violations, who.account, query)
    awaiting = 0
    if who.account.role == "unit" and query.state != "awaiting_explanation":
        # What waits for the officer's answer, pointed to on their list (they had to find the filter: review).
        asked = ListQuery(state="awaiting_explanation")
        awaiting = (await run_in_threadpool(gate.service.list_violations, who.account, asked, limit=1)).total
    filters = _filters(request)
    boards: Dashboards = request.app.state.dashboards
    week_example = await run_in_threadpool(boards.week_hint)
    catalogue = gate.service.catalogue
    scope = who.account.scope
    units = sorted((code, u.name) for code, u in catalogue.units.items() if scope is None or code in scope)
    return render(
        request,
        "violations.html.j2",
        who=who,
        result=result,
        query=query,
        filters=filters,
        units=units,
        # The list names each row's unit as the reports' tables do (short), its code beneath; in English in
        # full ("UBND", an abbreviation of Vietnamese officialdom, told an English reader nothing: review).
        unit_names={code: unit_name(u.name, lang_of(request)) for code, u in catalogue.units.items()},
        rules=[(r.rule_id, r.title_vi if lang_of(request) == "vi" else r.title_en) for r in reported_rules()],
        severities=SEVERITIES,
        states=STATES,
        sorts=SORTS,
        page_link=lambda page: "/violations?" + urlencode({**filters, "page": page}),
        # Each dossier's link carries the list it was opened from (its "back to the list" link).
        back_query=urlencode({"back": urlencode({**filters, "page": result.page})}),
        filters_query=urlencode(filters),
        export_link="/violations.xlsx?" + urlencode(filters),
        quote=quote,
        awaiting=awaiting,
        # The week field's example: the week the dashboard opens on, the data's (the latest reported, or
        # the last complete at the newest event), not a fixed 2025-W45 a year on (review), nor last week by
        # the clock, which a warehouse loaded up to some earlier week has nothing for (review).
        week_example=week_example,
    )


def unit_name(name: str, lang: str) -> str:
    """A unit in the list: short in Vietnamese ("UBND xã …", as the reports' tables), whole in English."""
    return short_unit_name(name) if lang == "vi" else name


async def violations_xlsx(request: Request) -> Response:
    gate = gate_of(request)
    who = await gate.require(request, "inspector", "leader", "unit")
    query = list_query(request.query_params)
    t = ConsoleTexts(lang_of(request))
    data = await run_in_threadpool(list_xlsx, gate.service, who.account, query, t)
    name = export_name(query)
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def pack(request: Request) -> Response:
    gate = gate_of(request)
    who = await gate.require(request, *ROLES)
    unit = request.path_params["unit"]
    week_text = request.query_params.get("week", "")
    if who.account.role != "inspector":  # refused, and logged as a refused export
        await run_in_threadpool(
            gate.service.log_refused, who.account, f"pack:{unit}:{week_text}"[:200], "export"
        )
        raise NotAllowed()
    if unit not in gate.service.catalogue.units:
        raise NotFound(unit)
    week = gate.service.parse_week(week_text)
    if week is None:
        raise BadRequest("week: give an ISO week, e.g. 2025-W45", "pack_week")
    header = request.app.state.header_for(lang_of(request))
    data = await run_in_threadpool(audit_pack, gate.service, header, week, unit)
    if data is None:  # said as such: a known unit with nothing that week read "Không tìm thấy." (review)
        raise NotFound(f"{unit} has no dossier in {week}", "pack_empty")
    await run_in_threadpool(gate.service.log_export, who.account, [f"pack:{unit}:{week}"])
    name = f"audit-pack-{pack_file_stem(unit)}-{week}.xlsx"  # one name per unit and week
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@dataclass(frozen=True, slots=True)
class Retry:
    """A decision the page form left incomplete (:data:`_FORM_GAPS`), shown again on its dossier's page at
    its case's card: why, and what was chosen and written, so nothing is chosen or typed twice (a dismissal
    "for another reason" without its note went to an error page, its reason lost: review)."""

    anchor: str
    action: str
    code: str
    reason_code: str = ""
    note: str = ""
    notice_number: str = ""


#: The refusals of a decision that only ask for what its form lacks: answered by its dossier's page again.
_FORM_GAPS = frozenset({"reason", "text", "other_note", "personal"})


async def dossier(request: Request) -> Response:
    gate = gate_of(request)
    who = await gate.require(request, "inspector", "leader", "unit")
    return await _dossier_page(
        request, who, request.path_params["dossier_id"], request.query_params.get("back", "")
    )


async def _dossier_page(
    request: Request, who: Who, dossier_id: str, given: str, *, retry: Retry | None = None
) -> Response:
    """A dossier's page, opened from the list with the query ``given`` (its ``back``); with ``retry``, as
    the answer (400) to a decision its form left incomplete."""
    gate = gate_of(request)
    # The list it was opened from, as list_back keeps it: only the list's own parameters, re-encoded (a
    # crafted 60 KB value was copied whole into every action's form: review).
    back = list_back(given).partition("?")[2] if given else ""
    view = await run_in_threadpool(gate.service.dossier, who.account, dossier_id, via="page")
    lang = lang_of(request)
    role = Role(who.account.role) if who.account.role in ("inspector", "unit") else None
    cases = []
    lead = gate.service.auditor.rulebooks.versions[-1].params.apology_lead_working_days
    catalogue = gate.service.catalogue
    facts = view.dossier.facts
    # The evidence as the dossier's pack prints it: its documents by name, its lateness in working days
    # on the console's calendar (the auditor's), the forms of the circular it is handled under.
    components, _ = names(view.dossier, catalogue)
    working_days = working_days_on(gate.service.calendar)
    received = facts.received_at if facts is not None else None
    for v in view.dossier.violations:
        key = CaseKey(dossier_id, v.rule_id, v.event_id)
        state = view.cases.get(key, CaseState())
        shown = "closed" if v.state == "retracted" and state.status.value == "open" else state.status.value
        actions = [a.value for a in allowed_actions(state, role)] if role and v.state == "open" else []
        stored = evidence_of(v.detail)  # the verdict's evidence, read once
        plain, verify = guide(v.rule_id, lang, kind=v.kind, lead_days=lead, case=evidence_case(stored))
        basis = legal_basis(v.rule_id, v.legal_basis, lang, stored)
        forms = forms_for(received, v.legal_basis)  # as its pack asks for them
        found = evidence(
            v.rule_id, v.kind, stored, lang, working_days=working_days, forms=forms, components=components
        )
        # What to ask for, with the forms of the dossier's circular: the pack's list for the same verdict
        # (the page's own words named form 03 for a refusal after appraisal, which has none: review).
        papers = "; ".join(onsite.items(v.rule_id, v.kind, lang, forms))
        cases.append({"v": v, "key": key, "state": state, "shown": shown, "actions": actions,
                      "plain": plain, "verify": verify, "basis": basis, "evidence": found,
                      "papers": papers, "anchor": case_anchor(key)})  # fmt: skip
    rows = await run_in_threadpool(timeline, view.dossier, gate.service.auditor, lang, catalogue)
    unit = catalogue.unit(facts.unit_code) if facts is not None else None
    procedure = catalogue.procedure(facts.procedure_code) if facts and facts.procedure_code else None
    return render(
        request,
        "dossier.html.j2",
        400 if retry is not None else 200,
        who=who,
        retry=retry,
        view=view,
        rows=rows,
        unit_name=unit.name if unit is not None else None,  # an inspector on site asks for the desk by name
        procedure_name=procedure.name if procedure is not None else None,
        # "Trước hạn" beside an end after the appointment: its clock stopped for a supplement, said.
        paused=paused_text(ConsoleTexts(lang), facts.status, facts.supplement_seconds) if facts else "",
        cases=cases,
        reasons=DISMISS_REASONS,
        system_notes=SYSTEM_NOTES,
        marks_note=marks_note(lang),
        done=_done_message(request.query_params.get("done", "")),
        # The case acted on, whose card says what was done (the page opens there: ``decision``); the
        # message goes atop the page when no card is that case.
        acted=_acted(retry.anchor if retry else request.query_params.get("case", ""), cases),
        back=back,
        list_link=list_back(back) if given else None,
    )


#: What the page says after each action (it said "Đã ghi nhận." whatever was done: review).
_DONE = {
    "1": "done",
    **{a: f"done_{a}" for a in ("confirm", "dismiss", "request_explanation", "explain", "conclude")},
}


def case_anchor(key: CaseKey) -> str:
    """The id of a case's card on its dossier's page, which an action's redirect opens the page at: the
    same whatever the order of the cards, and a valid id and URL fragment whatever the event id holds (any
    1–128 characters: spaces, quotes, ``#``). The dossier is the page's."""
    digest = hashlib.blake2b(f"{key.rule_id}\x1f{key.event_id}".encode(), digest_size=6).hexdigest()
    return f"case-{digest}"


def _acted(anchor: str, cases: list[dict[str, Any]]) -> str | None:
    """``anchor`` if a card on the page has it (else the message after an action goes atop the page)."""
    return anchor if any(c["anchor"] == anchor for c in cases) else None


def _done_message(done: str) -> str | None:
    """The ``console.texts`` key of the message after an action, from the redirect's ``done``."""
    return _DONE.get(done)


async def decision(request: Request) -> Response:
    gate = gate_of(request)
    who = await gate.require(request, "inspector", "unit")
    form = await request.form()
    field = {k: form_text(form, k) for k in ("dossier_id", "rule_id", "event_id", "action", "reason_code",
                                                "note", "notice_number", "back")}  # fmt: skip
    key = CaseKey(field["dossier_id"], field["rule_id"], field["event_id"])
    page = f"/dossiers/{quote(key.dossier_id, safe='')}"
    back = "&" + urlencode({"back": list_back(field["back"]).partition("?")[2]}) if field["back"] else ""
    anchor = case_anchor(key)
    # A refused action's page links back to the dossier's case (app.on_error reads this), an expired
    # form's too.
    state = request.scope.setdefault("state", {})
    state["back"] = page + ("?" + back[1:] if back else "") + "#" + anchor
    state["unsaved_note"] = field["note"][:4000]  # a refused decision's page shows it to copy (app.on_error)
    gate.check_csrf(who, form_text(form, "csrf_token"))
    seen = form_text(form, "seen")
    if field["action"] == "conclude" and form_text(form, "final") != "yes":
        # A conclusion cannot be undone (``cases.FINAL``), and its button sat among the others: the page
        # asks the inspector to tick that it is final (review); the API's callers decide deliberately.
        retry = Retry(anchor, "conclude", "final", note=field["note"][:4000])
        return await _dossier_page(request, who, key.dossier_id, field["back"], retry=retry)
    try:
        await run_in_threadpool(
            lambda: gate.service.decide(who.account, key, field["action"], reason_code=field["reason_code"],
                                        note=field["note"], notice_number=field["notice_number"],
                                        seen=_seen(seen))
        )  # fmt: skip
    except BadRequest as refused:
        if refused.code not in _FORM_GAPS:
            raise
        retry = Retry(anchor, field["action"], refused.code, field["reason_code"], field["note"][:4000],
                      field["notice_number"][:100])  # fmt: skip
        return await _dossier_page(request, who, key.dossier_id, field["back"], retry=retry)
    done = field["action"] if field["action"] in _DONE else "1"
    # Back at the case acted on, whose card says what was done (the page opened at its top: an inspector
    # working down a long dossier scrolled back to find her place after each decision).
    return RedirectResponse(f"{page}?done={done}&case={anchor}{back}#{anchor}", status_code=303)


def _seen(text: str) -> int | None:
    """The form's ``seen`` (the case's event count on the page), or ``None`` when it is not one: 5,000
    digits made ``int`` raise, a 500 (console seat of 2026-12-07)."""
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_SEEN)):
        return int(text)
    return None
