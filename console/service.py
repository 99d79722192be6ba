"""What the console does, without HTTP: who may see what, the violations list with case states, one
dossier, case decisions, accounts. ``console.web`` and ``console.api`` call it; tests call it directly.

Scope: a unit officer sees the dossiers of their unit and of the units below it or merged into it
(``Catalogue.descendants``); the other roles see the whole province. Every warehouse call goes through one
lock: the embedded engine (and the driver's connection) serve one query at a time, and the console is a
small team's tool, not a public site.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from console.casework import CaseWork, Synced
from console.views import Account, DossierView, ListedViolation, ListQuery, ListResult
from inspections.audit_error import reported_rules
from inspections.calendar import WorkingCalendar
from inspections.cases import (
    DISMISS_REASONS,
    SETTLED,
    TRANSITIONS,
    CaseAction,
    CaseEvent,
    CaseRefused,
    CaseState,
    CaseStatus,
    Role,
    check,
    fold,
)
from inspections.catalogue import Catalogue
from inspections.rulebook import Auditor
from inspections.weeks import Week, WeekError, supported_week
from reporting.gather import week_bounds
from schemas.unseen import as_meant
from warehouse.base import Warehouse
from warehouse.cases import CaseKey, case_events_of
from warehouse.console_read import (
    SEVERITIES,
    SORTS,
    StoredDossier,
    ViolationFilter,
    stored_dossier,
    unit_has_violations,
    violations_listing,
)
from warehouse.console_users import ConsoleUser, log_read, log_reads, user

__all__ = [
    "PAGE_SIZE", "ROLES", "Account", "BadRequest", "ConsoleService", "DossierView", "Forbidden", "ListQuery",
    "ListResult", "ListedViolation", "NotFound",
]  # fmt: skip

ROLES = ("inspector", "unit", "leader", "admin")
PAGE_SIZE = 50
#: How long an account lookup is trusted (each request checks the session's account).
ACCOUNT_SECONDS = 5.0
#: Accounts kept in memory at most (least recently used dropped first): unknown logins tried at the
#: login form must not grow it without bound.
ACCOUNT_CACHE_SIZE = 1_000
T = TypeVar("T")
#: Characters a note may not hold: controls (a NUL was stored: review), C1 controls included, and the
#: bidirectional embeddings, overrides and isolates, which made a stored note read reversed on the page
#: (review: U+202E). Its line breaks and tabs are text; a notice number holds neither.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NOTICE_CONTROL = re.compile(r"[\t\n\r]")
#: Twelve digits standing alone: a citizen identity number (CCCD), the applicant's identifier that every
#: stored trace of the applicant holds as a pseudonym. A note goes in clear to the packs, the exports and the
#: case history: one typed there would be the one applicant identifier in clear (DPO seat).
_CITIZEN_ID = re.compile(r"(?<![\w-])[0-9]{12}(?![\w-])")


def holds_citizen_id(text: str, *own: str) -> bool:
    """Whether ``text`` holds twelve digits standing alone (``_CITIZEN_ID``): not inside a word, a longer
    number or a hyphenated code (an imported event's id is hex, where one in a hundred holds twelve digits
    in a row; a UUID's last group may be twelve digits), and not one of ``own``, the ids of the case's
    dossier and event, which the refusal tells the officer to write instead. A dossier's code, a date, an
    amount written with its dots, a phone number are not."""
    for value in own:
        if value:
            text = text.replace(value, " ")
    return _CITIZEN_ID.search(text) is not None


#: What the list's rule filter takes: every rule and finding of any rulebook version, and AUDIT_ERROR.
_RULE_IDS = frozenset(rule.rule_id for rule in reported_rules())


#: The most events a case's ``seen`` may name (a case has a handful): a longer number is no count.
MAX_SEEN = 1_000_000


class Forbidden(Exception):
    """The account may not do this (403)."""


class NotFound(Exception):
    """No such thing (404); ``code``, when given, names it for the pages' words (``console.texts``)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class BadRequest(ValueError):
    """A parameter the console cannot use (400), said in one line; ``code`` names it for the pages' words
    (``console.texts``)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class ConsoleService:
    """The console's operations over a reading warehouse and a case-writing one (the same on chdb)."""

    def __init__(
        self,
        reader: Warehouse,
        writer: Warehouse,
        catalogue: Catalogue,
        calendar: WorkingCalendar,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        auditor: Auditor | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.catalogue = catalogue
        self.calendar = calendar
        self.clock = clock
        self.auditor = auditor or Auditor(catalogue, calendar)
        self._lock = threading.RLock()
        self._accounts: OrderedDict[str, tuple[float, tuple[Account, ConsoleUser] | None]] = OrderedDict()
        self.work = CaseWork(reader, writer, clock)

    def run(self, fn: Callable[[], T]) -> T:
        with self._lock:
            return fn()

    # -- accounts ---------------------------------------------------------------------------------------
    def account(self, login: str) -> tuple[Account, ConsoleUser] | None:
        """The enabled account of ``login`` (``None``: unknown or disabled). Every request asks, so the
        answer is kept ``ACCOUNT_SECONDS``: a login disabled from another process (``users disable``) is out
        within that; one disabled on the accounts page at once (:meth:`forget`). Accounts are read as the
        case writer (``cases``): the analysts' ``reports`` user may not read the hashes."""
        with self._lock:
            cached = self._accounts.get(login)
            if cached is not None and time.monotonic() - cached[0] < ACCOUNT_SECONDS:
                self._accounts.move_to_end(login)
                return cached[1]
            result = self._account(user(self.writer, login))
            self._accounts[login] = (time.monotonic(), result)
            self._accounts.move_to_end(login)
            while len(self._accounts) > ACCOUNT_CACHE_SIZE:
                self._accounts.popitem(last=False)
            return result

    def forget(self, login: str) -> None:
        with self._lock:
            self._accounts.pop(login, None)

    def _account(self, found: ConsoleUser | None) -> tuple[Account, ConsoleUser] | None:
        if found is None or found.disabled or found.role not in ROLES:
            return None
        scope = self.catalogue.descendants(found.unit_code) if found.role == "unit" else None
        return Account(found.login, found.role, found.unit_code, scope), found

    # -- the list ---------------------------------------------------------------------------------------
    def parse_week(self, text: str) -> Week | None:
        if not text:
            return None
        try:
            return supported_week(text)
        except WeekError as exc:
            raise BadRequest(f"week: {exc}", "week") from None

    def list_violations(self, who: Account, query: ListQuery, *, limit: int = PAGE_SIZE) -> ListResult:
        if query.severity and query.severity not in SEVERITIES:
            raise BadRequest(f"severity {query.severity!r}: one of {', '.join(SEVERITIES)}", "severity")
        if query.sort not in SORTS:
            raise BadRequest(f"sort {query.sort!r}: one of {', '.join(SORTS)}", "sort")
        if query.state and query.state not in {s.value for s in CaseStatus}:
            raise BadRequest(f"state {query.state!r} is not a case state", "case_state")
        if query.page < 1 or query.page > 100_000:
            raise BadRequest("page: a number from 1", "page")
        # A unit outside an officer's scope is refused first: asked after the look-up below, its two
        # answers told a unit account whether any unit's violation held a code (security review).
        if query.unit and who.scope is not None and query.unit not in who.scope:
            # It listed nothing under a dropdown showing "all": "your unit has no violation" (review).
            raise BadRequest(f"unit {query.unit[:40]!r} is outside the account's units", "unit_scope")
        # An unknown unit or rule listed nothing, under dropdowns showing "all": an inspector read that the
        # unit had no violation (review).
        if query.unit and query.unit not in self.catalogue.units:
            with self._lock:
                known = unit_has_violations(self.reader, query.unit)  # the dashboard links such a unit
            if not known:
                raise BadRequest(f"unit {query.unit[:40]!r} is not in the catalogue", "unit")
        if query.rule and query.rule not in _RULE_IDS:
            raise BadRequest(f"rule {query.rule[:40]!r} is no rule the audit reports", "rule")
        week = self.parse_week(query.week)
        units = who.scope
        if query.unit:
            # The dashboard's count of a unit and its audit pack are the unit's own (and its merged units'):
            # the list it links to showed every unit below it too, 192 violations for the dashboard's 10
            # (review); the units below it are a choice of the filter.
            catalogue = self.catalogue
            wanted = catalogue.descendants(query.unit) if query.below else catalogue.merged_into(query.unit)
            units = wanted if units is None else units & wanted
        where = ViolationFilter(
            units=units,
            rule=query.rule or None,
            severity=query.severity or None,
            week_s=week_bounds(week) if week is not None else None,
            # An id pasted with a zero-width space or a byte order mark found nothing (review of exports).
            dossier=as_meant(query.dossier),
            sort=query.sort,
        )
        with self._lock:
            if query.state:
                where = self._state_filter(where, query.state)
            offset = (query.page - 1) * limit
            total, findings, rows = violations_listing(self.reader, where, offset=offset, limit=limit)
            cases = self.work.cases()
        listed = [ListedViolation(r, cases.get(r.key, CaseState())) for r in rows]
        return ListResult(total, query.page, max(1, -(-total // limit)), listed, findings)

    def _state_filter(self, where: ViolationFilter, state: str) -> ViolationFilter:
        cases = self.work.cases()
        if state == CaseStatus.OPEN.value:
            worked = frozenset(k for k, c in cases.items() if c.status is not CaseStatus.OPEN)
            return _replace(where, keys=worked, keys_excluded=True)
        chosen = frozenset(k for k, c in cases.items() if c.status.value == state)
        # A settled case's violation may be retracted since: a closed one by that retraction, a concluded
        # one listed with its mark (``to_review``), a dismissed one as it was dismissed. Without them here
        # a dismissed case whose violation the detector retracted was under no state, while the dashboard
        # counted it (console seat of 2026-12-07).
        settled = state in {status.value for status in SETTLED}
        return _replace(where, keys=chosen, with_retracted=settled)

    def sync_cases(self) -> Synced:
        """The province-wide sync (the app's timer, ``dossier-audit console --sync-cases``): close the
        cases of retracted violations, reopen those found again, mark (and unmark) concluded ones."""
        with self._lock:
            return self.work.sync()

    def log_refused(self, who: Account, what: str, via: str) -> None:
        """Record an attempt the account's role or scope refused (``refused-<via>``)."""
        with self._lock:
            log_read(self.writer, login=who.login, role=who.role, dossier_id=what, via=f"refused-{via}")

    def log_export(self, who: Account, dossier_ids: list[str]) -> None:
        with self._lock:
            log_reads(self.writer, login=who.login, role=who.role, dossier_ids=dossier_ids, via="export")

    # -- one dossier ------------------------------------------------------------------------------------
    def _visible(self, who: Account, dossier_id: str, via: str) -> StoredDossier:
        """The dossier as ``who`` may see it: for a unit officer, only the violations of their scope
        (and 403, logged, when neither its home unit nor any violation is theirs)."""
        found = stored_dossier(self.reader, dossier_id) if 0 < len(dossier_id) <= 64 else None
        if found is None:
            raise NotFound(dossier_id)
        if not who.sees(found.unit_codes):
            log_read(self.writer, login=who.login, role=who.role, dossier_id=dossier_id, via=f"refused-{via}")
            raise Forbidden(dossier_id)
        if who.scope is None:
            return found
        return replace(found, violations=[v for v in found.violations if who.covers(v.unit_code)])

    def dossier(self, who: Account, dossier_id: str, *, via: str) -> DossierView:
        """The dossier as its page shows it; the read is logged (a refused one too). ``NotFound`` also for
        a dossier out of a unit officer's scope would leak less, but the issue asks 403 there: the id is
        not secret. The cases of this dossier's retracted (or found again) violations are closed (or
        reopened) here; the rest of the province by :meth:`sync_cases`."""
        with self._lock:
            found = self._visible(who, dossier_id, via)
            log_read(self.writer, login=who.login, role=who.role, dossier_id=dossier_id, via=via)
            detected = {CaseKey(dossier_id, v.rule_id, v.event_id): (v.state, v.rulebook_version, v.unit_code)
                        for v in found.violations}  # fmt: skip
            cases = self.work.settle(self.work.cases_of({dossier_id}), detected)
            return DossierView(found, {k: c for k, c in cases.items() if k in detected})

    # -- decisions --------------------------------------------------------------------------------------
    def decide(
        self,
        who: Account,
        key: CaseKey,
        action: str,
        *,
        reason_code: str = "",
        note: str = "",
        notice_number: str = "",
        seen: int | None = None,
    ) -> CaseState:
        """Record one action on a case after checking role, scope and the case's state; the new state.
        Scope is checked first (the dossier's, then the violation's unit for a unit officer): out of scope
        is 403, and logged, whatever else the request holds. ``seen``: how many events the case had on the
        page the action was taken from; another count is a conflict (a page left open dismissed a case a
        colleague had confirmed meanwhile, with no warning: review)."""
        if who.role not in ("inspector", "unit"):
            raise Forbidden(f"a {who.role} may not decide")
        # A browser sends a textarea's line breaks as CRLF, where its maxlength counted one character each:
        # 3,995 characters over 40 lines were refused as too long (review). A line break is "\n" from here.
        note = note.replace("\r\n", "\n").replace("\r", "\n")
        with self._lock:
            found = self._visible(who, key.dossier_id, "decision")
            violation = next(
                (v for v in found.violations if (v.rule_id, v.event_id) == (key.rule_id, key.event_id)), None
            )
            if violation is None and who.scope is not None:
                stored = stored_dossier(self.reader, key.dossier_id)
                if stored is not None and any(
                    (v.rule_id, v.event_id) == (key.rule_id, key.event_id) for v in stored.violations
                ):  # another unit's violation in a dossier the officer may open
                    self.log_refused(who, key.dossier_id, "decision")
                    raise Forbidden(key.dossier_id)
            act = _action(action)
            if (act, Role(who.role)) not in TRANSITIONS:
                raise Forbidden(f"a {who.role} may not {action}")
            if len(note) > 4000 or len(notice_number) > 100 or len(reason_code) > 40:
                raise BadRequest("note, notice number or reason too long", "too_long")
            if reason_code and act is not CaseAction.DISMISS:
                raise BadRequest("reason_code goes with dismiss only", "reason_only_dismiss")
            if notice_number.strip() and act is not CaseAction.EXPLAIN:
                raise BadRequest("notice_number goes with explain only", "notice_only_explain")
            # What the request lacks is a bad request (400), whatever the case's state: a dismissal
            # without its reason was a 409, "the state does not allow this" (review).
            if act is CaseAction.DISMISS and reason_code not in DISMISS_REASONS:
                raise BadRequest(f"dismiss needs a reason: one of {', '.join(DISMISS_REASONS)}", "reason")
            if act is CaseAction.EXPLAIN and not note.strip():
                raise BadRequest("an explanation needs a text", "text")
            if act is CaseAction.DISMISS and reason_code == "other" and not note.strip():
                # "Lý do khác" alone reached the pack as "đã bác bỏ (lý do khác)", its reason nowhere: review.
                raise BadRequest("a dismissal for another reason needs that reason in its note", "other_note")
            bad_number = _CONTROL.search(notice_number) or _NOTICE_CONTROL.search(notice_number)
            if bad_number or _CONTROL.search(note):
                raise BadRequest("note or notice number holds a control character", "control")
            own = (key.dossier_id, key.event_id)
            if holds_citizen_id(note, *own) or holds_citizen_id(notice_number, *own):
                raise BadRequest(
                    "note or notice number holds twelve digits, as a citizen id: no applicant's personal "
                    "data in a case (write the dossier's code instead)",
                    "personal",
                )
            event = CaseEvent(
                act, Role(who.role), who.login, self.clock(), reason_code, note.strip(), notice_number.strip()
            )
            if violation is None:
                raise NotFound(f"{key.dossier_id} {key.rule_id} {key.event_id}")
            state = fold(case_events_of(self.reader, {key.dossier_id}).get(key, []))
            if violation.state == "retracted":
                raise CaseRefused("the detector retracted this violation: its case is closed", "retracted")
            if seen is not None and seen != len(state.history):
                raise CaseRefused("the case changed since the page was shown", "changed")
            check(state, event)  # CaseRefused: the web layer answers 403 for a role, 409 for a state
            # Timed as it is written: the fold orders by time, and a time taken before the read let another
            # console's decision, written meanwhile, sort after this one and be voided unsaid (review).
            event = replace(event, at=self.clock())
            self.work.append(key, event, version=violation.rulebook_version, unit=violation.unit_code)
            # Read back: another console (its own lock) may have decided between the read and the write,
            # and this event, kept, then changes nothing; both inspectors were told it was done (review of
            # concurrent operators).
            after = fold(case_events_of(self.reader, {key.dossier_id}).get(key, []))
            mine = [applied for e, applied in after.history if _same_event(e, event)]
            if mine and not mine[-1]:
                raise CaseRefused("a colleague decided this case meanwhile: its state is theirs", "changed")
            return after if mine else fold([*(e for e, _ in state.history), event])


def _same_event(stored: CaseEvent, event: CaseEvent) -> bool:
    """Whether ``stored`` is ``event`` read back (its time read back in whole seconds, UTC)."""

    def who_what_when(e: CaseEvent) -> tuple[object, ...]:
        at = e.at if e.at.tzinfo is not None else e.at.replace(tzinfo=UTC)
        return e.action, e.role, e.actor, at.astimezone(UTC).replace(microsecond=0)

    return who_what_when(stored) == who_what_when(event)


def _action(action: str) -> CaseAction:
    try:
        act = CaseAction(action)
    except ValueError:
        act = CaseAction.CLOSE_RETRACTED
    if act in (CaseAction.CLOSE_RETRACTED, CaseAction.REOPEN):  # the system's only
        raise BadRequest(
            f"action {action!r}: one of confirm, dismiss, request_explanation, explain, conclude", "action"
        )
    return act


def _replace(where: ViolationFilter, **changes: object) -> ViolationFilter:
    return replace(where, **changes)  # type: ignore[arg-type]
