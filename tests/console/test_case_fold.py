"""Properties of the case fold (inspections/cases.py): any sequence of case events folds without error,
keeps every event, applies only what the role may do from the state it meets, leaders and admins never
change a case, final states stay final, a retraction closes any case still being worked, and a unit's
explanation is only ever an answer to a request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from inspections.cases import (
    DISMISS_REASONS,
    FINAL,
    TRANSITIONS,
    CaseAction,
    CaseEvent,
    CaseRefused,
    CaseState,
    CaseStatus,
    Role,
    allowed_actions,
    check,
    fold,
)

T0 = datetime(2025, 11, 3, tzinfo=UTC)

events = st.lists(
    st.builds(
        lambda action, role, reason, note, n: CaseEvent(
            action, role, role.value, T0 + timedelta(minutes=n), reason, note
        ),
        st.sampled_from(CaseAction),
        st.sampled_from(Role),
        st.sampled_from(("", *DISMISS_REASONS, "bogus")),
        st.sampled_from(("", "  ", "Đã giải trình", "<b>x</b>")),
        st.integers(0, 10_000),
    ),
    max_size=25,
)


@given(events)
def test_the_fold_keeps_every_event_and_applies_only_allowed_moves(history: list[CaseEvent]) -> None:
    state = CaseState()
    for event in history:
        before = state.status
        try:
            check(state, event)
            allowed = True
        except CaseRefused:
            allowed = False
        state = fold([*(e for e, _ in state.history), event])
        assert state.history[-1] == (event, allowed)
        if allowed:
            assert state.status is TRANSITIONS[(event.action, event.role)][before]
        else:
            assert state.status is before
    final = fold(history)
    assert [e for e, _ in final.history] == history
    assert final.ignored == sum(1 for _, applied in final.history if not applied)


@given(events)
def test_leaders_and_admins_never_change_a_case(history: list[CaseEvent]) -> None:
    for event, applied in fold(history).history:
        if event.role in (Role.LEADER, Role.ADMIN):
            assert not applied
        if applied and event.action is CaseAction.EXPLAIN:
            assert event.role is Role.UNIT and event.note.strip()
        if applied and event.action is CaseAction.DISMISS:
            assert event.role is Role.INSPECTOR and event.reason_code in DISMISS_REASONS
        if applied and event.action is CaseAction.CLOSE_RETRACTED:
            assert event.role is Role.SYSTEM


@given(events)
def test_final_states_stay_final(history: list[CaseEvent]) -> None:
    state = CaseState()
    for event in history:
        after = fold([*(e for e, _ in state.history), event])
        if state.status in FINAL:
            assert after.status is state.status
        if state.status is CaseStatus.CLOSED and after.status is not CaseStatus.CLOSED:
            assert (event.action, event.role, after.status) == (
                CaseAction.REOPEN,
                Role.SYSTEM,
                CaseStatus.OPEN,
            )
        state = after


@given(events)
def test_a_violation_found_again_reopens_only_a_closed_case(history: list[CaseEvent]) -> None:
    before = fold(history)
    reopened = fold([*history, CaseEvent(CaseAction.REOPEN, Role.SYSTEM, "system", T0)])
    if before.status is CaseStatus.CLOSED:
        assert reopened.status is CaseStatus.OPEN and reopened.history[-1][1]
    elif before.status is CaseStatus.CONCLUDED:  # concluded it stays, its mark gone (``to_review``)
        assert reopened.status is before.status and not reopened.to_review and reopened.history[-1][1]
    else:
        assert reopened.status is before.status and reopened.ignored == before.ignored + 1
    closed = fold([*history, CaseEvent(CaseAction.CLOSE_RETRACTED, Role.SYSTEM, "system", T0)])
    cycle = fold([*(e for e, _ in closed.history), CaseEvent(CaseAction.REOPEN, Role.SYSTEM, "system", T0)])
    if before.status not in FINAL:  # retracted then found again: worked again from open
        assert cycle.status is CaseStatus.OPEN


@given(events)
def test_a_retraction_closes_any_case_still_being_worked(history: list[CaseEvent]) -> None:
    """... and marks a concluded one to look at again (review of the signed documents), its state kept."""
    before = fold(history)
    retracted = fold([*history, CaseEvent(CaseAction.CLOSE_RETRACTED, Role.SYSTEM, "system", T0)])
    if before.status in FINAL:
        assert retracted.status is before.status
    else:
        assert retracted.status is CaseStatus.CLOSED
    assert retracted.to_review == (before.status is CaseStatus.CONCLUDED)
    assert retracted.retracted == (before.status is not CaseStatus.DISMISSED or before.retracted)


@given(events, st.sampled_from(Role))
def test_the_buttons_offered_are_exactly_the_allowed_actions(history: list[CaseEvent], role: Role) -> None:
    state = fold(history)
    for action in CaseAction:
        event = CaseEvent(action, role, "x", T0, "other", "note")
        try:
            check(state, event)
            ok = True
        except CaseRefused:
            ok = False
        assert ok == (action in allowed_actions(state, role))


def test_the_issue_flow() -> None:
    flow = [
        CaseEvent(CaseAction.REQUEST_EXPLANATION, Role.INSPECTOR, "insp", T0),
        CaseEvent(CaseAction.EXPLAIN, Role.UNIT, "unit", T0, note="Đã xử lý", notice_number="12/TB"),
        CaseEvent(CaseAction.CONCLUDE, Role.INSPECTOR, "insp", T0),
    ]
    state = fold(flow)
    assert state.status is CaseStatus.CONCLUDED and state.confirmed
    assert (state.explanation, state.notice_number) == ("Đã xử lý", "12/TB")
    dismissed = fold([CaseEvent(CaseAction.DISMISS, Role.INSPECTOR, "insp", T0, reason_code="duplicate")])
    assert dismissed.status is CaseStatus.DISMISSED and dismissed.reason_code == "duplicate"


def test_a_case_waiting_for_an_explanation_is_the_inspectors_to_confirm_or_dismiss() -> None:
    """Review of 2026-12-06: no inspector action left *awaiting explanation*, so a unit that never answered
    in the console left the case waiting for good; the unit may still answer until the inspector acts."""
    asked = [CaseEvent(CaseAction.REQUEST_EXPLANATION, Role.INSPECTOR, "insp", T0)]
    waiting = fold(asked)
    assert set(allowed_actions(waiting, Role.INSPECTOR)) == {CaseAction.CONFIRM, CaseAction.DISMISS}
    assert allowed_actions(waiting, Role.UNIT) == [CaseAction.EXPLAIN]
    confirm = CaseEvent(CaseAction.CONFIRM, Role.INSPECTOR, "insp", T0, note="không trả lời")
    confirmed = fold([*asked, confirm])
    assert confirmed.status is CaseStatus.CONFIRMED and confirmed.confirmed
    late = fold([*asked, CaseEvent(CaseAction.CONFIRM, Role.INSPECTOR, "insp", T0),
                 CaseEvent(CaseAction.EXPLAIN, Role.UNIT, "unit", T0, note="x")])  # fmt: skip
    assert late.status is CaseStatus.CONFIRMED and late.ignored == 1
    dismiss = CaseEvent(CaseAction.DISMISS, Role.INSPECTOR, "insp", T0, reason_code="lawful_exception",
                        note="giải trình bằng văn bản giấy")  # fmt: skip
    dismissed = fold([*asked, dismiss])
    assert dismissed.status is CaseStatus.DISMISSED
