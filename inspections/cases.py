"""The case of a violation, as the inspector's console works it: its state is a pure fold of its case events.

A case is the inspection team's work on one violation (``dossier_id``, ``rule_id``, ``event_id`` under a
rulebook version). Nothing is ever updated or deleted: each action is a new case event, and the state is
what :func:`fold` makes of them, in order. Who may do what:

- an **inspector** confirms, dismisses (with a reason category), asks the unit to explain, and concludes;
  a case waiting for the unit's explanation is the inspector's to confirm or dismiss too (the unit did
  not answer, or answered on paper: the note says so), else it waited for good (review of 2026-12-06);
- a **unit** officer answers an explanation request (``explain``), nothing else;
- **leaders** and **admins** read, never decide;
- the **system** closes the case when the detector retracts the violation (``close_retracted``), and
  reopens a closed case when the detector finds the violation again (``reopen``): the case starts over
  from *open*, its history kept. A *concluded* case stays concluded (a conclusion is the team's act, not
  the system's to undo), but the same events mark it ``retracted`` and clear the mark: a conclusion of "a
  violation" that newer data no longer shows is there for the team to look at again (review of the signed
  documents: it stood silently). A dismissed case has nothing to look at again.

An event the rules do not allow in the state it meets (two people deciding at once, a forged row) is kept
in the history but changes nothing (``CaseState.ignored`` counts them): the fold never fails and never
drops an event. A pure module (no I/O): the console and the warehouse's report counts share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class CaseStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    AWAITING_EXPLANATION = "awaiting_explanation"
    EXPLAINED = "explained"
    CONCLUDED = "concluded"
    CLOSED = "closed"  # the detector retracted the violation


class CaseAction(StrEnum):
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    REQUEST_EXPLANATION = "request_explanation"
    EXPLAIN = "explain"
    CONCLUDE = "conclude"
    CLOSE_RETRACTED = "close_retracted"
    REOPEN = "reopen"


class Role(StrEnum):
    INSPECTOR = "inspector"
    UNIT = "unit"
    LEADER = "leader"
    ADMIN = "admin"
    SYSTEM = "system"


#: Why a finding is dismissed (the issue's four categories).
DISMISS_REASONS = ("data_error", "lawful_exception", "duplicate", "other")

#: The note the system writes when the detector retracts a violation.
RETRACTED_NOTE = "Vi phạm đã được bộ phát hiện rút lại (dữ liệu mới cho thấy không còn vi phạm)."
#: The note the system writes when the detector finds a retracted violation again.
REOPENED_NOTE = "Bộ phát hiện lại ghi nhận vi phạm này (sau khi đã rút lại): hồ sơ xử lý được mở lại."
#: The note the system writes when the detector retracts the violation of a concluded case.
RETRACTED_AFTER_CONCLUSION_NOTE = (
    "Vi phạm đã được bộ phát hiện rút lại sau khi đoàn kết luận (dữ liệu mới cho thấy không còn vi phạm): "
    "cần xem lại kết luận."
)
#: The note the system writes when the detector finds the violation of such a case again.
FOUND_AGAIN_AFTER_CONCLUSION_NOTE = (
    "Bộ phát hiện lại ghi nhận vi phạm này (sau khi đã rút lại): kết luận của đoàn không cần xem lại nữa."
)
#: The system's notes as codes (the console shows them in the reader's language).
SYSTEM_NOTES = {
    RETRACTED_NOTE: "retracted",
    REOPENED_NOTE: "reopened",
    RETRACTED_AFTER_CONCLUSION_NOTE: "retracted_after_conclusion",
    FOUND_AGAIN_AFTER_CONCLUSION_NOTE: "found_again_after_conclusion",
}

_S = CaseStatus
_A = CaseAction
#: (action, role) → {from state: to state}.
TRANSITIONS: dict[tuple[CaseAction, Role], dict[CaseStatus, CaseStatus]] = {
    (_A.CONFIRM, Role.INSPECTOR): {
        _S.OPEN: _S.CONFIRMED,
        _S.EXPLAINED: _S.CONFIRMED,
        _S.AWAITING_EXPLANATION: _S.CONFIRMED,
    },
    (_A.DISMISS, Role.INSPECTOR): {
        _S.OPEN: _S.DISMISSED,
        _S.CONFIRMED: _S.DISMISSED,
        _S.EXPLAINED: _S.DISMISSED,
        _S.AWAITING_EXPLANATION: _S.DISMISSED,
    },
    (_A.REQUEST_EXPLANATION, Role.INSPECTOR): {
        _S.OPEN: _S.AWAITING_EXPLANATION,
        _S.CONFIRMED: _S.AWAITING_EXPLANATION,
    },
    (_A.EXPLAIN, Role.UNIT): {_S.AWAITING_EXPLANATION: _S.EXPLAINED},
    (_A.CONCLUDE, Role.INSPECTOR): {_S.CONFIRMED: _S.CONCLUDED, _S.EXPLAINED: _S.CONCLUDED},
    # A concluded case stays concluded, marked ``retracted`` (module docstring).
    (_A.CLOSE_RETRACTED, Role.SYSTEM): {
        **{s: _S.CLOSED for s in CaseStatus if s not in (_S.CLOSED, _S.CONCLUDED, _S.DISMISSED)},
        _S.CONCLUDED: _S.CONCLUDED,
    },
    # The detector found the violation again after retracting it: the case is worked again (a concluded
    # one loses its mark).
    (_A.REOPEN, Role.SYSTEM): {_S.CLOSED: _S.OPEN, _S.CONCLUDED: _S.CONCLUDED},
}

#: The states a case stays in for good.
FINAL = frozenset({_S.DISMISSED, _S.CONCLUDED})
#: The states no person's action leaves (a closed case only reopens by the system's ``reopen``).
SETTLED = FINAL | {_S.CLOSED}


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One action on a case, as stored (``case_events``)."""

    action: CaseAction
    role: Role
    actor: str
    at: datetime
    reason_code: str = ""
    note: str = ""
    notice_number: str = ""


@dataclass(frozen=True, slots=True)
class CaseState:
    """The fold of a case's events: its status, the dismissal reason, the unit's last answer, the number of
    events the rules ignored, and every event in order (applied or not)."""

    status: CaseStatus = CaseStatus.OPEN
    reason_code: str = ""
    explanation: str = ""
    notice_number: str = ""
    ignored: int = 0
    history: tuple[tuple[CaseEvent, bool], ...] = field(default=())
    #: The system's last word on its violation was "retracted" (closed, or concluded and to look at again).
    retracted: bool = False

    @property
    def to_review(self) -> bool:
        """Concluded on a violation the detector has since retracted: the team's to look at again."""
        return self.status is _S.CONCLUDED and self.retracted

    @property
    def confirmed(self) -> bool:
        """A violation the team upheld: confirmed, or concluded."""
        return self.status in (_S.CONFIRMED, _S.CONCLUDED)


class CaseRefused(ValueError):
    """An action the rules do not allow (the console answers 409 or 403 with this message); ``code``
    names the reason for the console's words: ``role``, ``state``, ``reason``, ``text``, ``retracted``."""

    def __init__(self, message: str, code: str = "state") -> None:
        super().__init__(message)
        self.code = code


def check(state: CaseState, event: CaseEvent) -> None:
    """Raise :class:`CaseRefused` unless ``event`` is allowed on a case in ``state``."""
    moves = TRANSITIONS.get((event.action, event.role))
    if moves is None:
        raise CaseRefused(f"role {event.role.value} may not {event.action.value}", "role")
    if state.status not in moves:
        raise CaseRefused(f"cannot {event.action.value} a case that is {state.status.value}")
    if event.action is _A.DISMISS and event.reason_code not in DISMISS_REASONS:
        raise CaseRefused(f"dismiss needs a reason: one of {', '.join(DISMISS_REASONS)}", "reason")
    if event.action is _A.EXPLAIN and not event.note.strip():
        raise CaseRefused("an explanation needs a text", "text")


def apply(state: CaseState, event: CaseEvent) -> CaseState:
    """The state after ``event``: moved if the rules allow it, else the same state with it ignored."""
    try:
        check(state, event)
    except CaseRefused:
        return CaseState(
            state.status,
            state.reason_code,
            state.explanation,
            state.notice_number,
            state.ignored + 1,
            (*state.history, (event, False)),
            state.retracted,
        )
    new = TRANSITIONS[(event.action, event.role)][state.status]
    reason = event.reason_code if event.action is _A.DISMISS else state.reason_code
    explanation, notice = state.explanation, state.notice_number
    if event.action is _A.EXPLAIN:
        explanation, notice = event.note, event.notice_number
    retracted = {_A.CLOSE_RETRACTED: True, _A.REOPEN: False}.get(event.action, state.retracted)
    history = (*state.history, (event, True))
    return CaseState(new, reason, explanation, notice, state.ignored, history, retracted)


def fold(events: Iterable[CaseEvent]) -> CaseState:
    """The state of a case from its events in stored order (time, then id)."""
    state = CaseState()
    for event in events:
        state = apply(state, event)
    return state


def allowed_actions(state: CaseState, role: Role) -> list[CaseAction]:
    """What ``role`` may do next on a case in ``state`` (the console's buttons)."""
    return [a for (a, r), moves in TRANSITIONS.items() if r is role and state.status in moves]
