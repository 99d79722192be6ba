"""Edges of the rules that a mutation review (2026-12-04) found no test pinned: each case below fails if one
comparison, one unit or one rank of the rules is changed, and each says which. Same world as the Rulebook v2
table (``tests/rulebook_v2_world.py``: procedure ``P3`` allows 3 working days, ``P0`` is same-day, weekends
only), kept apart from it because that table also runs through the detector and the warehouse."""

from __future__ import annotations

from datetime import datetime

import pytest

from inspections.audit import audit_events
from inspections.classification import classify
from inspections.timeunits import VN_TZ
from tests.rulebook_v2_world import (
    FRI,
    FRI0,
    MON,
    MON2,
    RESTART,
    SAT,
    THU,
    THU0,
    TUE,
    TUE2,
    WED,
    Case,
    apo,
    case,
    case_auditor,
    chg,
    done,
    proc,
    rcv,
    ref,
    sup,
    susp,
    wd,
)

LATE = "LATE_NO_APOLOGY"

CASES: list[Case] = [
    case("edge_apology_lead_counts_working_days", "lead",
         "Due Monday: the apology is due a working day before, on Friday; one on Saturday is too late "
         "(a lead counted in calendar days put the deadline on Sunday).",
         [rcv(f"{WED} 09:00", f"{MON2} 17:00"), apo(f"{SAT} 10:00", f"{TUE2} 17:00"), proc(f"{TUE2} 10:00")],
         v2={("APOLOGY_TOO_LATE", 2)}, v1={("APOLOGY_TOO_LATE", 2)}, status=("late", "late")),
    case("edge_new_date_kept_net_of_the_supplement", "missed",
         "Promised Monday; processed Tuesday 10:00, less the 48 h the applicant took: Sunday, in time "
         "(RULES.md: date(effective_end) > the new date; the end itself would be a miss).",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), done(f"{THU} 09:00"),
          apo(f"{WED} 15:00", f"{MON2} 17:00"), proc(f"{TUE2} 10:00")],
         v2=set(), v1=set(), status=("late", "late")),
    case("edge_change_within_the_same_day", "5",
         "A change from Thursday 17:00 to Thursday 18:00 keeps the date: no later date, no apology needed "
         "(amendment 5: a new date later than the date in force).",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), chg(f"{WED} 10:00", f"{THU} 17:00", f"{THU} 18:00"),
          proc(f"{THU} 10:00")],
         v2=set(), v1=set(), status=("on_time", "on_time")),
    case("edge_refusal_outranks_an_earlier_withdrawal", "10",
         "Withdrawn Wednesday, refused Friday: the refusal is the end (a refusal ranks before a withdrawal), "
         "so the dossier ended after its Thursday due date, late; the other end is shown.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), wd(f"{WED} 10:00"), ref(f"{FRI} 10:00")],
         v2={(LATE, None), ("EVENT_AFTER_END", 3)}, v1={(LATE, None)}, status=("late", "late")),
    case("edge_same_day_received_at_closing_time", "4",
         "A same-day procedure received at 17:00 sharp, when the working day ends, is due the next working "
         "day (amendment 4: received after working hours); v1 judged it by its date.",
         [rcv(f"{MON} 17:00", None, "P0"), proc(f"{TUE} 09:00")],
         v2=set(), v1={("NO_APPOINTMENT", 1), (LATE, None)}, status=("late", "on_time")),
    case("edge_unwritten_request_before_receipt", "supplement",
         "A supplement request of the online stage, before receipt, without a written notice is unwritten "
         "too (the rule reads every request, not only those inside the processing).",
         [sup(f"{THU0} 09:00", None), done(f"{FRI0} 09:00"), rcv(f"{MON} 09:00", f"{THU} 17:00"),
          proc(f"{WED} 10:00")],
         v2={("SUPPLEMENT_UNWRITTEN", 1)}, v1={("SUPPLEMENT_UNWRITTEN", 1)}, status=("early", "early")),
    case("edge_the_first_of_two_ends_of_one_rank", "10",
         "Suspended Wednesday, refused Friday (one rank): the first is the end, early; the later is shown.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), susp(f"{WED} 10:00"), ref(f"{FRI} 10:00")],
         v2={("EVENT_AFTER_END", 3)}, v1=set(), status=("early", "early")),
    case("edge_v1_completed_only_supplement_is_not_waiting", "2",
         "The only supplement request was completed: the dossier is not waiting for the applicant, and at "
         "Monday 09:00 it is overdue under either version.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), done(f"{TUE} 12:00")],
         v2={(LATE, None)}, v1={(LATE, None)}, status=("late", "late"),
         as_of=datetime(2025, 11, 10, 9, 0, tzinfo=VN_TZ)),
]  # fmt: skip


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("version", ["2", "1"])
def test_edge(c: Case, version: str) -> None:
    a = case_auditor(c, version)
    found = audit_events(c.events, a, c.as_of)
    assert {(v.rule_id, v.event_id) for v in found} == c.expected(version), c.why
    cls = classify(a.facts(c.dossier_id, c.events, c.as_of), a.catalogue, a.calendar)
    assert (cls.status if cls else None) == c.status[0 if version == "1" else 1], c.why


def test_a_restart_counts_from_the_last_completion() -> None:
    """Amendment 13: with ``supplement_clock = restart`` the limit counts again from the *last* completion
    (two pairs: the evidence says Wednesday 12:00, not Tuesday's)."""
    c = case("edge_restart_from_the_last_completion", "13", "",
             [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), done(f"{TUE} 12:00"),
              sup(f"{WED} 09:00", "BS-2"), done(f"{WED} 12:00"), proc(f"{MON2} 10:00")],
             v2=set(), v1=set(), status=(None, None), params=RESTART)  # fmt: skip
    found = audit_events(c.events, case_auditor(c, "2"), c.as_of)
    (late,) = [v for v in found if v.rule_id == LATE]
    assert late.evidence["restart_at"] == "2025-11-05T12:00:00+07:00"
    assert late.evidence["supplement_clock"] == "restart"
