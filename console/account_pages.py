"""The console's accounts page (admins): add an account, replace one, lock and unlock; and the account
checks ``dossier-audit users add`` shares."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bootstrap.suggestions import did_you_mean
from console.api import form_text, gate_of
from console.error_texts import ACCOUNT_ERRORS
from console.pages import render
from console.security import hash_password, password_problem_code
from console.service import ROLES
from warehouse.console_users import ConsoleUser, save_user, sessions_ended, user, users


async def accounts(request: Request) -> Response:
    gate = gate_of(request)
    who = await gate.require(request, "admin")
    error = request.query_params.get("error", "")  # a code, never text from the URL
    done = request.query_params.get("done", "")
    return await _page(request, who, error, done, request.query_params.get("login", ""))


async def _page(
    request: Request, who: Any, error: str, done: str, named: str, filled: dict[str, str] | None = None
) -> Response:
    """The accounts and the form to add one; ``filled``: a refused addition's login, role, unit and replace
    box, shown again (never its password): the form came back empty, its role "inspector", and an admin
    who typed the login again and missed the role made a unit's officer an inspector of every unit
    (review)."""
    gate = gate_of(request)
    found = await run_in_threadpool(gate.service.run, lambda: users(gate.service.writer))
    # An account's login, in the state the message says (a crafted link said "disabled" of an active one).
    named_account = next((a for a in found if a.login == named), None)
    state_ok = named_account is not None and (
        done not in ("disabled", "enabled") or named_account.disabled == (done == "disabled")
    )
    done_login = named_account.login if named_account is not None and state_ok else ""
    catalogue = gate.service.catalogue
    units = sorted((code, u.name) for code, u in catalogue.units.items())
    return render(request, "accounts.html.j2", 400 if filled else 200, who=who, accounts=found, roles=ROLES,
                  units=units, unit_names=dict(units),  # an officer's unit by name, as on every other page
                  error=error if error in ACCOUNT_ERRORS else "",
                  done=done if done in ("added", "replaced", "disabled", "enabled") and done_login else "",
                  done_login=done_login, filled=filled or {})  # fmt: skip


async def accounts_post(request: Request) -> Response:
    gate = gate_of(request)
    who = await gate.require(request, "admin")
    form = await request.form()
    gate.check_csrf(who, form_text(form, "csrf_token"))
    login, role, unit = (form_text(form, k).strip() for k in ("login", "role", "unit_code"))
    password = form_text(form, "password")
    disable = form.get("disable") == "1"
    enable = form.get("enable") == "1"
    replace = form.get("replace") == "1"
    svc = gate.service

    def change() -> tuple[str, str]:
        """(an error code, or "" and what was done)."""
        existing = user(svc.writer, login)
        now = datetime.now(UTC)
        if disable or enable:  # a disabled account had no way back but a new password (review)
            if existing is None:
                return "unknown_login", ""
            # Disabling ends the sessions for good: enabling again did not (review), a kept cookie came back.
            changed = (
                sessions_ended(existing, now, disabled=True)
                if disable
                else dataclasses.replace(existing, disabled=False, updated_at=now)
            )
            save_user(svc.writer, changed)
            return "", "disabled" if disable else "enabled"
        problem = account_problem_code(login, role, unit, svc.catalogue.units) or password_problem_code(
            password
        )
        if problem:
            return problem, ""
        if existing is not None and not replace:
            # "Add account" with a login in use made that account another, silently (review): replacing
            # one (a new role, unit or password) is asked for.
            return "login_exists", ""
        if existing is None:
            problem = new_login_problem(login, (u.login for u in users(svc.writer)))
            if problem:
                return problem, ""
        created = existing.created_at if existing else now
        locked = existing.disabled if existing else False  # a replaced account stays locked if it was
        save_user(svc.writer, ConsoleUser(login, role, unit, hash_password(password), locked, created, now))
        return "", "added" if existing is None else "replaced"

    error, done = await run_in_threadpool(svc.run, change)
    svc.forget(login)
    if error and not (disable or enable):  # the form again, as it was sent
        return await _page(request, who, error, "", "", {"login": login, "role": role, "unit": unit,
                                                          "replace": "1" if replace else ""})  # fmt: skip
    # Said on the page (an account added, locked or unlocked gave no sign: review); the page names the
    # login only if it is an account's.
    query = {"error": error} if error else {"done": done, "login": login}
    return RedirectResponse("/admin/users?" + urlencode(query), status_code=303)


def account_problem_code(login: str, role: str, unit: str, units: Any) -> str | None:
    """Why an account cannot be created as given, as a code of ``console.error_texts.ACCOUNT_ERRORS``."""
    # ASCII only: a full-width "ａｄｍｉｎ" passed for letters and read as "admin" (review).
    if not login or len(login) > 64 or not all(c.isascii() and (c.isalnum() or c in "._-@") for c in login):
        return "bad_login_name"
    if role not in ROLES:
        return "bad_role"
    if role == "unit" and not unit:
        return "unit_needed"
    if unit and role != "unit":  # shown in the list, it scoped nothing: an inspector sees every unit (review)
        return "unit_only_for_officers"
    if unit and unit not in units:
        return "unknown_unit"
    return None


def new_login_problem(login: str, logins: Iterable[str]) -> str | None:
    """Why no account can be made with this new login (one that exists keeps its login, whatever it is: its
    password, role and unit can still be replaced): it starts with no letter or digit ("-x" then needed
    ``--`` to be disabled, "@" and "..." named no one: review), or it differs from another's only in case."""
    if not login[:1].isalnum():
        return "new_login_start"
    return "login_case_clash" if case_clash(login, logins) else None


def case_clash(login: str, logins: Iterable[str]) -> bool:
    """Whether another account's login differs from ``login`` only in letter case: "ALICE" beside
    "alice" were two accounts, one easily taken for the other (review)."""
    return any(other != login and other.casefold() == login.casefold() for other in logins)


#: What ``new_login_problem`` says, in English.
NEW_LOGIN_PROBLEMS = {
    "new_login_start": "a new login starts with a letter or digit",
    "login_case_clash": "another account has this login in other letter case",
}


def account_problem(login: str, role: str, unit: str, units: Any) -> str | None:
    """Why an account cannot be created as given, in English (``dossier-audit users add``); an unknown unit
    with the closest codes, as ``--unit`` of the reading commands says them (review)."""
    hint = did_you_mean(unit, units)
    return {
        None: None,
        "bad_login_name": "a login is 1-64 ASCII letters, digits or . _ - @",
        "bad_role": f"role {role!r}: one of {', '.join(ROLES)}",
        "unit_needed": "a unit officer needs --unit CODE",
        "unit_only_for_officers": f"only a unit officer has a unit; a {role} sees every unit",
        "unknown_unit": f"unit {unit!r} is not a unit of the catalogue{hint}",
    }[account_problem_code(login, role, unit, units)]
