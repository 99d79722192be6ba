"""Dossier lifecycles: one function per scenario, built with the kit (``kit.py``) on the clock (``clock.py``).

Every scenario is built so that, judged at ``as_of`` by docs/rules-semantics.md, the dossier triggers
exactly the rules the scenario records in ``Dossier.truth`` (nothing for the clean one). A scenario
returns ``False`` when it cannot be built for this dossier (e.g. too close to the end of the period);
the caller then builds a clean dossier instead.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


from dossier_audit.simulator.clock import DAY_MINUTES, LAST_ARRIVAL_MINUTE
from dossier_audit.simulator.kit import EXCESS_CODES, REFUSAL_REASONS, Dossier, Kit, Scenario

# --- scenarios --------------------------------------------------------------------------------


def clean(k: Kit, d: Dossier) -> bool:
    """A lawful dossier: appointment at the legal due date, processed early or on time (or still open)."""
    due = k.legal_due(d)
    k.receive(d, due)
    bound = due if due is not None else k.clock.after(k.clock.date_of(d.received_wm), k.rng.randint(1, 10))
    k.body(d, bound)
    return True


def refused_at_reception(k: Kit, d: Dossier, *, notice: bool = True, reason: bool = True) -> str:
    """An online submission refused before reception (never received); returns the refusal id."""
    assert d.submitted_at is not None
    data_s: dict[str, Any] = {"procedure_code": d.procedure_code, "channel": "online"}
    if d.applicant:
        data_s["applicant"] = d.applicant
    k.emit(d, "submitted", d.submitted_at, data_s)
    return k.emit(
        d,
        "refused",
        k.at(d.received_wm),
        {
            "stage": "reception",
            "notice_id": k.notice(d, "TB-TCTN") if notice else None,
            "reason": k.rng.choice(REFUSAL_REASONS) if reason else k.rng.choice(("", " ")),
        },
    )


def _late_day(k: Kit, due: date, most: int = 3) -> date:
    return k.clock.after(due, k.rng.randint(1, most))


def _timely_apology_wm(k: Kit, d: Dossier, due: date) -> int | None:
    """A working minute after receipt on or before the apology deadline (working days before due)."""
    deadline = k.calendar.working_day_offset(due, -k.apology_lead)
    lo, hi = d.received_wm + 1, k.clock.last_wm(deadline)
    return k.rng.randint(lo, hi) if lo <= hi else None


def late_no_apology(k: Kit, d: Dossier) -> bool:
    """Processed 1–3 working days after the due date, with no apology."""
    due = k.legal_due(d)
    if due is None:
        return False
    k.receive(d, due)
    p = k.rng.randint(*_day_span(k, _late_day(k, due)))
    k.middle(d, d.received_wm, p, financial=not k.pause_financial)
    k.finish(d, p)
    d.truth.append(("LATE_NO_APOLOGY", None))
    return True


def late_apologized(k: Kit, d: Dossier) -> bool:
    """Late but lawful: a timely, complete apology whose new due date is met (no rule fires)."""
    due = k.legal_due(d)
    if due is None:
        return False
    a = _timely_apology_wm(k, d, due)
    if a is None:
        return False
    k.receive(d, due)
    late = _late_day(k, due, 2)
    k.apology(d, a, late)
    p = k.rng.randint(*_day_span(k, late))
    k.finish(d, p)
    return True


def _day_span(k: Kit, day: date) -> tuple[int, int]:
    return k.clock.first_wm(day), k.clock.first_wm(day) + LAST_ARRIVAL_MINUTE


def apology_too_late(k: Kit, d: Dossier) -> bool:
    """Late, with a complete apology issued after the deadline but before the end (new date met)."""
    due = k.legal_due(d)
    if due is None:
        return False
    k.receive(d, due)
    late = _late_day(k, due)
    deadline = k.calendar.working_day_offset(due, -k.apology_lead)
    lo = max(d.received_wm + 1, k.clock.first_wm(deadline + timedelta(days=1)))
    p = k.rng.randint(*_day_span(k, late))
    a = k.rng.randint(lo, min(p - 1, k.clock.last_wm(due)))
    aid = k.apology(d, a, k.clock.after(late, k.rng.randint(0, 2)))
    k.finish(d, p)
    d.truth.append(("APOLOGY_TOO_LATE", aid))
    return True


def apology_incomplete(k: Kit, d: Dossier) -> bool:
    """A timely apology missing its notice, its reason or its new date; processed by the new date."""
    due = k.legal_due(d)
    if due is None:
        return False
    a = _timely_apology_wm(k, d, due)
    if a is None:
        return False
    k.receive(d, due)
    late = _late_day(k, due, 2)
    flaw = k.rng.choice(("notice", "reason", "new_due"))
    new_due = None if flaw == "new_due" else late
    aid = k.apology(d, a, new_due, notice=flaw != "notice")
    if flaw == "reason":
        d.events[-1][2]["data"]["reason"] = k.rng.choice(("", " "))
    k.finish(d, k.rng.randint(*_day_span(k, late)))
    d.truth.append(("APOLOGY_INCOMPLETE", aid))
    return True


def missed_new_due_date(k: Kit, d: Dossier) -> bool:
    """A timely, complete apology whose new date is missed too."""
    due = k.legal_due(d)
    if due is None:
        return False
    a = _timely_apology_wm(k, d, due)
    if a is None:
        return False
    k.receive(d, due)
    new_due = _late_day(k, due, 2)
    aid = k.apology(d, a, new_due)
    k.finish(d, k.rng.randint(*_day_span(k, _late_day(k, new_due, 2))))
    d.truth.append(("MISSED_NEW_DUE_DATE", aid))
    return True


def rescheduled_more_than_once(k: Kit, d: Dossier) -> bool:
    """Two complete apologies (the first timely); the second new date is met."""
    due = k.legal_due(d)
    if due is None:
        return False
    a1 = _timely_apology_wm(k, d, due)
    if a1 is None:
        return False
    k.receive(d, due)
    first_new = _late_day(k, due, 1)
    second_new = _late_day(k, first_new, 2)
    k.apology(d, a1, first_new)
    a2 = k.rng.randint(a1 + 1, k.clock.last_wm(first_new))
    aid = k.apology(d, a2, second_new)
    p = k.rng.randint(max(a2 + 1, k.clock.first_wm(k.clock.after(due, 1))), k.clock.last_wm(second_new))
    k.finish(d, p)
    d.truth.append(("RESCHEDULED_MORE_THAN_ONCE", aid))
    return True


def _refusal(k: Kit, d: Dossier, rule: str) -> bool:
    notice, reason = rule != "REFUSAL_UNWRITTEN", rule != "REFUSAL_NO_REASON"
    if d.submitted_at is not None and k.rng.random() < 0.3:
        d.truth.append((rule, refused_at_reception(k, d, notice=notice, reason=reason)))
        return True
    due = k.legal_due(d)
    k.receive(d, due)
    bound = due if due is not None else k.clock.after(k.clock.date_of(d.received_wm), 3)
    kind = "refused" if k.rng.random() < 0.6 else "suspended"
    k.body(d, bound, supplement=False, end_kind=kind)
    _, eid, event = next(e for e in d.events if e[2]["type"] == kind)
    if not notice:
        event["data"]["notice_id"] = None
    if not reason:
        event["data"]["reason"] = k.rng.choice(("", "  "))
    d.truth.append((rule, eid))
    return True


def refusal_unwritten(k: Kit, d: Dossier) -> bool:
    """A refusal (at reception or in processing) or a suspension without a written notice."""
    return _refusal(k, d, "REFUSAL_UNWRITTEN")


def refusal_no_reason(k: Kit, d: Dossier) -> bool:
    """A refusal or a suspension with a blank reason."""
    return _refusal(k, d, "REFUSAL_NO_REASON")


def _requests(d: Dossier) -> list[str]:
    return [eid for _, eid, e in d.events if e["type"] == "supplement_requested"]


def supplement_unwritten(k: Kit, d: Dossier) -> bool:
    """One supplement request without a written notice; processed on time."""
    due = k.legal_due(d)
    k.receive(d, due)
    bound = due if due is not None else k.clock.after(k.clock.date_of(d.received_wm), 5)
    k.body(d, bound, supplement=True, supplement_notice=False, end_kind="processed", supplement_extra=())
    ids = _requests(d)
    if len(ids) != 1:
        return False
    d.truth.append(("SUPPLEMENT_UNWRITTEN", ids[0]))
    return True


def repeated_supplement(k: Kit, d: Dossier) -> bool:
    """Two requests (late by rule 1), covered by a timely complete apology whose new date is met."""
    due = k.legal_due(d)
    if due is None:
        return False
    a = _timely_apology_wm(k, d, due)
    if a is None:
        return False
    k.receive(d, due)
    r, rng = d.received_wm, k.rng
    s1 = r + rng.randint(1, 120)
    c1 = s1 + rng.randint(30, DAY_MINUTES)
    s2 = c1 + rng.randint(30, DAY_MINUTES)
    c2 = s2 + rng.randint(30, DAY_MINUTES)
    p = c2 + rng.randint(30, DAY_MINUTES)
    if a >= p:
        a = rng.randint(r + 1, p - 1)
    k.supplement(d, k.at(s1))
    k.complete(d, k.at(c1))
    second = k.supplement(d, k.at(s2))
    k.complete(d, k.at(c2))
    new_due = max(k.clock.date_of(p), k.clock.after(due, 1))
    k.apology(d, a, new_due)
    k.finish(d, p)
    d.truth.append(("REPEATED_SUPPLEMENT", second))
    return True


def excess_documents(k: Kit, d: Dossier) -> bool:
    """An unlisted component (e.g. the abolished household book) taken at reception or requested."""
    extra = next(c for c in EXCESS_CODES if c not in d.components)
    due = k.legal_due(d)
    bound = due if due is not None else k.clock.after(k.clock.date_of(d.received_wm), 5)
    if k.rng.random() < 0.7:
        rid = k.receive(d, due, [extra])
        k.body(d, bound, supplement=False)
        d.truth.append(("EXCESS_DOCUMENTS", rid))
        return True
    k.receive(d, due)
    k.body(d, bound, supplement=True, supplement_extra=[extra], end_kind="processed")
    ids = _requests(d)
    if len(ids) != 1:
        return False
    d.truth.append(("EXCESS_DOCUMENTS", ids[0]))
    return True


def unpublished_procedure(k: Kit, d: Dossier) -> bool:
    """The caller swaps in a procedure not published for the unit; otherwise a clean lifecycle."""
    if not clean(k, d):
        return False
    rid = next(eid for _, eid, e in d.events if e["type"] == "received")
    d.truth.append(("UNPUBLISHED_PROCEDURE", rid))
    return True


def no_appointment(k: Kit, d: Dossier) -> bool:
    """Received without ``due_at`` for a limited procedure; processed within the legal time."""
    bound = k.limited_bound(d)
    if bound is None:
        return False
    rid = k.receive(d, None, null_due=True)
    instant = k.legal_instant(d)
    if instant is None:
        k.body(d, bound)
    else:  # judged in working hours (rulebook v2, amendment 3): started before the legal due instant
        latest = k.clock.floor(instant - timedelta(minutes=1))
        k.body(d, k.clock.date_of(latest), supplement=False, latest_wm=latest)
    d.truth.append(("NO_APPOINTMENT", rid))
    return True


def due_date_overstated(k: Kit, d: Dossier) -> bool:
    """An appointment 1–5 working days beyond the legal due date; processed within the legal time."""
    due = k.legal_due(d)
    if due is None:
        return False
    rid = k.receive(d, k.clock.after(due, k.rng.randint(1, 5)))
    k.body(d, due)
    d.truth.append(("DUE_DATE_OVERSTATED", rid))
    return True


def due_date_changed(k: Kit, d: Dossier) -> bool:
    """The due date moved later without an apology; finished by the original due date anyway."""
    due = k.legal_due(d)
    if due is None:
        return False
    k.receive(d, due)
    end = k.body(d, due, supplement=False, end_kind="processed")
    if end - d.received_wm < 2:
        return False
    c = k.rng.randint(d.received_wm + 1, end - 1)
    old = k.calendar.end_of_working_day(due)
    new = k.calendar.end_of_working_day(k.clock.after(due, k.rng.randint(1, 5)))
    cid = k.emit(d, "due_date_changed", k.at(c), {"old_due_at": old, "new_due_at": new, "reason": ""})
    d.truth.append(("DUE_DATE_CHANGED", cid))
    return True


SCENARIOS: dict[str, Scenario] = {
    "LATE_NO_APOLOGY": late_no_apology,
    "APOLOGY_TOO_LATE": apology_too_late,
    "APOLOGY_INCOMPLETE": apology_incomplete,
    "MISSED_NEW_DUE_DATE": missed_new_due_date,
    "RESCHEDULED_MORE_THAN_ONCE": rescheduled_more_than_once,
    "REFUSAL_UNWRITTEN": refusal_unwritten,
    "REFUSAL_NO_REASON": refusal_no_reason,
    "SUPPLEMENT_UNWRITTEN": supplement_unwritten,
    "REPEATED_SUPPLEMENT": repeated_supplement,
    "EXCESS_DOCUMENTS": excess_documents,
    "UNPUBLISHED_PROCEDURE": unpublished_procedure,
    "NO_APPOINTMENT": no_appointment,
    "DUE_DATE_OVERSTATED": due_date_overstated,
    "DUE_DATE_CHANGED": due_date_changed,
}
"""One scenario per rule id; each records the violations it causes in ``Dossier.truth``."""
