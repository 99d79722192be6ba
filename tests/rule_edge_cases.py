"""Edges of the rules a mutation review (2026-12-04) found no test pinned, as cases of the Rulebook v2 table's
shape and world (``tests/rulebook_v2_world.py``: procedure ``P3`` allows 3 working days, ``P0`` is same-day,
weekends only): each fails if one comparison, one unit or one rank of the rules is changed, and says which.
``tests/inspections/test_rulebook_v2.py`` judges them with the table's cases under both versions; they are
kept out of the table itself, which the detector and the warehouse load also run."""

from __future__ import annotations

from datetime import datetime

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

EDGE_CASES: list[Case] = [
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
    case("edge_restart_from_the_last_completion", "13",
         "With supplement_clock = restart the limit counts again from the last completion (Wednesday 12:00, "
         "not Tuesday's): late all the same, as a repeated supplement makes it; the evidence says when.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), done(f"{TUE} 12:00"),
          sup(f"{WED} 09:00", "BS-2"), done(f"{WED} 12:00"), proc(f"{MON2} 10:00")],
         v2={(LATE, None), ("REPEATED_SUPPLEMENT", 4)}, v1={(LATE, None), ("REPEATED_SUPPLEMENT", 4)},
         status=("late", "late"), params=RESTART),
    case("edge_restart_compares_the_end_with_the_new_due_date", "13",
         "Restarted from Tuesday's completion, due on Friday; processed on Saturday: late, the end compared "
         "with the new legal due date as amendment 13 says (counting working days found none on Saturday and "
         "said on time: rules review).",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{MON} 10:00"), done(f"{TUE} 09:00"),
          proc(f"{SAT} 10:00")],
         v2={(LATE, None)}, v1={(LATE, None)}, status=("late", "late"), params=RESTART),
]  # fmt: skip
EDGE_BY_NAME: dict[str, Case] = {c.name: c for c in EDGE_CASES}
