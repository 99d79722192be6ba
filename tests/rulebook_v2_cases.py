"""The Rulebook v2 amendments as one table of cases, each judged under v2 and under v1.

Every case is one dossier (its id is the case name) with its events, ``as_of``, the rule parameters and the
verdicts expected under each version, as ``(rule_id, trigger event id or None)`` sets — violations and
findings alike, the whole audit output of the dossier. Cases that *fire* under v2 show what v1 got wrong;
cases where both sets are equal pin what an amendment must not change. ``status`` gives the classification
(early / on_time / late, ``None`` when never received) under (v1, v2), for the reporting form.

The table is data, shared by ``tests/inspections/test_rulebook_v2.py`` (the domain) and any test that runs
it through the batch engine, the warehouse load or the stream detector (``tests/three_paths.py``): build
the auditor with :func:`auditor`. The catalogue (:data:`CATALOGUE`) is a real one (it can be stored or
dumped to YAML) and the calendar (:data:`CALENDAR`) has weekends only; every date is in November and early
December 2025, which hold no public holiday, so the shipped calendar judges them the same.

Dates: Monday 2025-11-03 (``MON``) to Wednesday 2025-11-12 (``WED2``). ``P3`` allows 3 working days, so a
dossier received on Monday is due on Thursday (``THU``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import orjson

from inspections.calendar import WorkingCalendar
from inspections.catalogue import (
    Catalogue,
    CatalogueMeta,
    Component,
    Level,
    Procedure,
    ProcedureField,
    Publication,
    Unit,
)
from inspections.rulebook import Auditor, Rulebooks
from inspections.rules import RuleParams
from inspections.timeunits import VN_TZ
from schemas.events import EVENT_ADAPTER, AnyEvent

# --- the world of the cases ------------------------------------------------------------------------------

UNIT = "U1"
_SINCE = date(2020, 1, 1)


def _procedure(code: str, max_time: str, *, financial: bool = False) -> Procedure:
    return Procedure(
        code=code,
        name=f"Thủ tục {code}",
        field="F1",
        max_time=max_time,  # parsed by the model ("3 working_days")
        components=(Component(code="A", name="Tờ khai"), Component(code="B", name="Bản sao CCCD")),
        publications=(Publication(unit=UNIT, valid_from=_SINCE),),
        financial_obligation=financial,
    )


#: The table's procedures: maximum time 3 working days (plain and with a financial obligation), 0 (same
#: day), 4 working hours, half a working day, and none.
PROCEDURES: dict[str, Procedure] = {
    p.code: p
    for p in (
        _procedure("P3", "3 working_days"),
        _procedure("PF", "3 working_days", financial=True),
        _procedure("P0", "0 working_days"),
        _procedure("PH", "4 working_hours"),
        _procedure("PHALF", "0.5 working_days"),
        _procedure("PN", "none"),
    )
}
CATALOGUE = Catalogue(
    PROCEDURES.values(),
    [Unit(code=UNIT, name="Xã Mẫu", level=Level.COMMUNE, valid_from=_SINCE)],
    [ProcedureField(code="F1", name="Hộ tịch")],
    CatalogueMeta(name="Rulebook v2 cases", sample=True),
)
#: Weekends only (November 2025 has no public holiday in the shipped calendar either).
CALENDAR = WorkingCalendar(())
AS_OF = datetime(2025, 12, 1, tzinfo=VN_TZ)

THU0, FRI0 = "2025-10-30", "2025-10-31"  # the week before
MON, TUE, WED, THU, FRI, SAT = (
    "2025-11-03",
    "2025-11-04",
    "2025-11-05",
    "2025-11-06",
    "2025-11-07",
    "2025-11-08",
)
MON2, TUE2, WED2 = "2025-11-10", "2025-11-11", "2025-11-12"

PAUSE_FINANCIAL = RuleParams(pause_on_financial_obligation=True)
RESTART = RuleParams(supplement_clock="restart")

# --- events ----------------------------------------------------------------------------------------------

#: (type, local time "YYYY-MM-DD HH:MM", data); ``at`` values in ``data`` are local times too.
Spec = tuple[str, str, dict[str, Any]]


def _at(text: str) -> str:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ).isoformat()


def rcv(when: str, due: str | None, procedure: str = "P3", docs: tuple[str, ...] = ("A",)) -> Spec:
    due_at = _at(due) if due else None
    return ("received", when, {"procedure_code": procedure, "channel": "direct", "due_at": due_at,
                               "documents": list(docs)})  # fmt: skip


def sup(when: str, notice: str | None = "BS-1") -> Spec:
    return ("supplement_requested", when, {"notice_id": notice, "reason": "Thiếu giấy tờ",
                                           "requested_documents": ["B"]})  # fmt: skip


def done(when: str) -> Spec:
    return ("supplement_completed", when, {"documents": ["B"]})


def fin(when: str) -> Spec:
    return ("financial_obligation_requested", when, {"notice_id": "TB-NVTC-1"})


def paid(when: str) -> Spec:
    return ("financial_obligation_fulfilled", when, {})


def apo(when: str, new_due: str | None, notice: str | None = "XL-1", reason: str = "Chờ xác minh") -> Spec:
    return ("apology_issued", when, {"notice_id": notice, "reason": reason,
                                     "new_due_at": _at(new_due) if new_due else None})  # fmt: skip


def chg(when: str, old: str, new: str) -> Spec:
    return ("due_date_changed", when, {"old_due_at": _at(old), "new_due_at": _at(new), "reason": ""})


def proc(when: str) -> Spec:
    return ("processed", when, {"outcome": "granted"})


def ret(when: str) -> Spec:
    return ("returned", when, {"channel": "direct"})


def ref(when: str, notice: str | None = "TC-1", reason: str = "Không thuộc thẩm quyền") -> Spec:
    return ("refused", when, {"stage": "processing", "notice_id": notice, "reason": reason})


def susp(when: str, notice: str | None = "DX-1", reason: str = "Chờ kết quả giám định") -> Spec:
    return ("suspended", when, {"notice_id": notice, "reason": reason})


def wd(when: str) -> Spec:
    return ("withdrawn", when, {"reason": "Công dân rút hồ sơ"})


def build_event(dossier_id: str, event_id: str, spec: Spec) -> AnyEvent:
    kind, when, data = spec
    raw = {"schema_version": 1, "event_id": event_id, "dossier_id": dossier_id, "type": kind,
           "occurred_at": _at(when), "unit_code": UNIT, "data": data}  # fmt: skip
    return EVENT_ADAPTER.validate_json(orjson.dumps(raw))


# --- cases -----------------------------------------------------------------------------------------------

#: A verdict: (rule id, trigger event id or None for time-triggered ones).
Verdict = tuple[str, str | None]


@dataclass(frozen=True)
class Case:
    """One dossier judged under both versions. Event ``k`` (1-based, in listed order) has id ``name/k``."""

    name: str
    amendment: str
    why: str
    events: tuple[AnyEvent, ...]
    v2: frozenset[Verdict]
    v1: frozenset[Verdict]
    status: tuple[str | None, str | None]  # classification at as_of under (v1, v2)
    as_of: datetime = AS_OF
    #: The parameters under v2; v1 gets the same with ``supplement_clock = pause`` (it has no other).
    params: RuleParams = field(default_factory=RuleParams)

    @property
    def dossier_id(self) -> str:
        return self.name

    @property
    def procedures(self) -> tuple[Procedure, ...]:
        """The catalogue procedures the case uses."""
        codes = {getattr(e.data, "procedure_code", None) for e in self.events}
        return tuple(PROCEDURES[c] for c in sorted(c for c in codes if c in PROCEDURES))

    def params_for(self, version: str) -> RuleParams:
        return self.params if version != "1" else replace(self.params, supplement_clock="pause")

    def expected(self, version: str) -> frozenset[Verdict]:
        return self.v1 if version == "1" else self.v2


def case(
    name: str,
    amendment: str,
    why: str,
    specs: list[Spec],
    *,
    v2: set[tuple[str, int | None]],
    v1: set[tuple[str, int | None]],
    status: tuple[str | None, str | None],
    ids: dict[int, str] | None = None,
    **kw: Any,
) -> Case:
    """A case from event specs; verdict triggers are given as 1-based event numbers (None: time-triggered).
    ``ids`` overrides the id of some events (to order same-instant ties by id against the lifecycle)."""
    event_ids = {k: f"{name}/{(ids or {}).get(k, str(k))}" for k in range(1, len(specs) + 1)}
    events = tuple(build_event(name, event_ids[k], spec) for k, spec in enumerate(specs, 1))

    def verdicts(items: set[tuple[str, int | None]]) -> frozenset[Verdict]:
        return frozenset((rule, event_ids[k] if k is not None else None) for rule, k in items)

    return Case(name, amendment, why, events, verdicts(v2), verdicts(v1), status, **kw)


LATE = "LATE_NO_APOLOGY"
A_RECEIVED = 1  # most cases start with their `received` event

CASES: list[Case] = [
    case("baseline_clean", "-", "A lawful dossier: no verdict under either version.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), proc(f"{WED} 10:00"), ret(f"{WED} 15:00")],
         v2=set(), v1=set(), status=("early", "early")),
    # --- 1: pauses only inside the processing ---------------------------------------------------------------
    case("a1_pair_before_receipt", "1",
         "A 24 h supplement pair before receipt paused v1's clock: the late dossier looked on time.",
         [sup(f"{THU0} 09:00"), done(f"{FRI0} 09:00"), rcv(f"{MON} 09:00", f"{THU} 17:00"),
          proc(f"{FRI} 10:00")],
         v2={(LATE, None)}, v1=set(), status=("on_time", "late")),
    case("a1_pair_after_end", "1",
         "A supplement pair after processing ended subtracted four days in v1.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), proc(f"{FRI} 10:00"), sup(f"{FRI} 11:00"),
          done(f"{TUE2} 11:00")],
         v2={(LATE, None)}, v1=set(), status=("early", "late")),
    case("a1_pair_straddles_receipt", "1",
         "A pair from before receipt to after it pauses only from receipt (24 h, not 96 h).",
         [sup(f"{FRI0} 09:00"), rcv(f"{MON} 09:00", f"{THU} 17:00"), done(f"{TUE} 09:00"),
          proc(f"{FRI} 10:00")],
         v2=set(), v1=set(), status=("early", "on_time")),
    case("a1_request_before_receipt_is_not_repeated", "1",
         "A request before receipt (the online stage) is not a second request of the processing.",
         [sup(f"{THU0} 09:00"), done(f"{THU0} 10:00"), rcv(f"{MON} 09:00", f"{THU} 17:00"),
          sup(f"{TUE} 09:00", "BS-2"), done(f"{TUE} 10:00"), proc(f"{WED} 10:00")],
         v2=set(), v1={(LATE, None), ("REPEATED_SUPPLEMENT", 4)}, status=("late", "early")),
    case("a1_pair_inside_still_pauses", "1", "Must not change: a pair inside the processing pauses it.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), done(f"{THU} 09:00"),
          proc(f"{FRI} 10:00")],
         v2=set(), v1=set(), status=("early", "early")),
    # --- 2: waiting that ends in a withdrawal, suspension or refusal ----------------------------------------
    case("a2_withdrawn_while_waiting", "2",
         "Withdrawn while waiting for the only supplement: processing ended at the request.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), wd(f"{MON2} 09:00")],
         v2=set(), v1={(LATE, None)}, status=("late", "early")),
    case("a2_suspended_while_waiting", "2", "Suspended while waiting: judged as waiting.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), susp(f"{MON2} 09:00")],
         v2=set(), v1={(LATE, None)}, status=("late", "early")),
    case("a2_refused_while_waiting", "2", "Refused while waiting: judged as waiting.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), ref(f"{MON2} 09:00")],
         v2=set(), v1={(LATE, None)}, status=("late", "early")),
    case("a2_processed_while_waiting", "2",
         "Must not change: processed with the request open is not waiting (only the three ends are).",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), proc(f"{MON2} 09:00")],
         v2={(LATE, None)}, v1={(LATE, None)}, status=("late", "late")),
    case("a2_completed_then_withdrawn", "2",
         "Must not change: the supplement was completed before the withdrawal, nothing was pending.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), done(f"{WED} 09:00"),
          wd(f"{MON2} 09:00")],
         v2={(LATE, None)}, v1={(LATE, None)}, status=("late", "late")),
    # --- 3: limits in working hours -------------------------------------------------------------------------
    case("a3_hours_late_same_day", "3",
         "4 working hours from 09:00 is 15:00 the same day: 16:00 is late, which v1 (by date) missed.",
         [rcv(f"{MON} 09:00", None, "PH"), proc(f"{MON} 16:00")],
         v2={("NO_APPOINTMENT", A_RECEIVED), (LATE, None)}, v1={("NO_APPOINTMENT", A_RECEIVED)},
         status=("on_time", "late")),
    case("a3_half_day_late_same_day", "3", "Half a working day is 4 working hours too.",
         [rcv(f"{MON} 09:00", None, "PHALF"), proc(f"{MON} 15:30")],
         v2={("NO_APPOINTMENT", A_RECEIVED), (LATE, None)}, v1={("NO_APPOINTMENT", A_RECEIVED)},
         status=("on_time", "late")),
    case("a3_hours_in_time", "3", "Must not change: done before the legal instant is on time.",
         [rcv(f"{MON} 09:00", None, "PH"), proc(f"{MON} 14:30")],
         v2={("NO_APPOINTMENT", A_RECEIVED)}, v1={("NO_APPOINTMENT", A_RECEIVED)},
         status=("on_time", "on_time")),
    case("a3_appointment_after_the_instant", "3",
         "An appointment at 17:00 for a limit ending at 15:00 is overstated; v1 compared dates only.",
         [rcv(f"{MON} 09:00", f"{MON} 17:00", "PH"), proc(f"{MON} 14:00")],
         v2={("DUE_DATE_OVERSTATED", A_RECEIVED)}, v1=set(), status=("on_time", "on_time")),
    case("a3_appointment_at_the_instant", "3", "Must not change: an appointment at the instant is lawful.",
         [rcv(f"{MON} 09:00", f"{MON} 15:00", "PH"), proc(f"{MON} 14:00")],
         v2=set(), v1=set(), status=("on_time", "on_time")),
    # --- 4: a maximum of 0 is a same-day procedure ----------------------------------------------------------
    case("a4_received_on_saturday", "4",
         "Received on a Saturday, a same-day procedure is due on Monday; v1 said Saturday.",
         [rcv(f"{SAT} 10:00", f"{MON2} 17:00", "P0"), proc(f"{MON2} 10:00")],
         v2=set(), v1={("DUE_DATE_OVERSTATED", A_RECEIVED)}, status=("on_time", "on_time")),
    case("a4_received_after_hours", "4",
         "Received on Friday at 17:30 (after hours) with no appointment: due Monday, on time (and no "
         "appointment is needed, amendment 14); v1 found it late and without appointment.",
         [rcv(f"{FRI} 17:30", None, "P0"), proc(f"{MON2} 09:00")],
         v2=set(), v1={("NO_APPOINTMENT", A_RECEIVED), (LATE, None)}, status=("late", "on_time")),
    case("a4_same_day_in_time", "4", "Must not change: received and done on a working day.",
         [rcv(f"{MON} 09:00", f"{MON} 17:00", "P0"), proc(f"{MON} 15:00")],
         v2=set(), v1=set(), status=("on_time", "on_time")),
    case("a4_same_day_late", "4", "Must not change: a same-day procedure done the next day is late.",
         [rcv(f"{MON} 09:00", f"{MON} 17:00", "P0"), proc(f"{TUE} 09:00")],
         v2={(LATE, None)}, v1={(LATE, None)}, status=("late", "late")),
    # --- 5: due-date changes against the date in force ------------------------------------------------------
    case("a5_reset_claims_no_move", "5",
         "The change claims old = new = Friday, but Thursday was in force: a hidden move, a false claim.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), chg(f"{WED} 10:00", f"{FRI} 17:00", f"{FRI} 17:00"),
          proc(f"{WED} 11:00")],
         v2={("DUE_DATE_CHANGED", 2), ("OLD_DUE_DATE_MISMATCH", 2)}, v1=set(), status=("early", "early")),
    case("a5_stale_old_date", "5",
         "After a lawful move to Monday, a change from a stale 'Thursday' to Friday moves the date earlier: "
         "v1 saw a move later without apology.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), apo(f"{TUE} 09:00", f"{MON2} 17:00"),
          chg(f"{TUE} 10:00", f"{THU} 17:00", f"{MON2} 17:00"),
          chg(f"{WED} 10:00", f"{THU} 17:00", f"{FRI} 17:00"), proc(f"{WED} 11:00")],
         v2={("OLD_DUE_DATE_MISMATCH", 4)}, v1={("DUE_DATE_CHANGED", 4)}, status=("early", "early")),
    case("a5_change_restates_apology", "5",
         "Must not change: a change recording the apology's new date (old = receipt date) is lawful "
         "(the contract's example ex-018).",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), apo(f"{TUE} 09:00", f"{FRI} 17:00"),
          chg(f"{TUE} 10:00", f"{THU} 17:00", f"{FRI} 17:00"), proc(f"{WED} 11:00")],
         v2=set(), v1=set(), status=("early", "early")),
    case("a5_move_without_apology", "5", "Must not change: a true move later without apology fires.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), chg(f"{WED} 10:00", f"{THU} 17:00", f"{FRI} 17:00"),
          proc(f"{WED} 11:00")],
         v2={("DUE_DATE_CHANGED", 2)}, v1={("DUE_DATE_CHANGED", 2)}, status=("early", "early")),
    # --- 6: the latest apology before the end ---------------------------------------------------------------
    case("a6_apology_after_end_hides_a_miss", "6",
         "Friday was promised and missed; an apology after the end must not hide it.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), apo(f"{WED} 09:00", f"{FRI} 17:00"),
          proc(f"{MON2} 10:00"), apo(f"{MON2} 11:00", f"{TUE2} 17:00", "XL-2")],
         v2={("MISSED_NEW_DUE_DATE", 2), ("RESCHEDULED_MORE_THAN_ONCE", 4)},
         v1={("RESCHEDULED_MORE_THAN_ONCE", 4)}, status=("late", "late")),
    case("a6_apology_after_end_creates_a_miss", "6",
         "Monday was promised and kept; an apology after the end must not create a miss.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), apo(f"{WED} 09:00", f"{MON2} 17:00"),
          proc(f"{MON2} 10:00"), apo(f"{MON2} 11:00", f"{FRI} 17:00", "XL-2")],
         v2={("RESCHEDULED_MORE_THAN_ONCE", 4)},
         v1={("RESCHEDULED_MORE_THAN_ONCE", 4), ("MISSED_NEW_DUE_DATE", 4)}, status=("late", "late")),
    case("a6_apologies_before_end", "6", "Must not change: the latest apology before the end is the latest.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), apo(f"{WED} 09:00", f"{FRI} 17:00"),
          apo(f"{FRI} 09:00", f"{MON2} 17:00", "XL-2"), proc(f"{TUE2} 10:00")],
         v2={("MISSED_NEW_DUE_DATE", 3), ("RESCHEDULED_MORE_THAN_ONCE", 3)},
         v1={("MISSED_NEW_DUE_DATE", 3), ("RESCHEDULED_MORE_THAN_ONCE", 3)}, status=("late", "late")),
    # --- 7: blank means absent ------------------------------------------------------------------------------
    case("a7_blank_refusal_notice", "7", "A refusal notice of spaces is no written notice.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), ref(f"{TUE} 10:00", notice="  ")],
         v2={("REFUSAL_UNWRITTEN", 2)}, v1=set(), status=("early", "early")),
    case("a7_nbsp_supplement_notice", "7", "A no-break space is Unicode whitespace: no written request.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00", notice="\u00a0"), done(f"{TUE} 10:00"),
          proc(f"{WED} 10:00")],
         v2={("SUPPLEMENT_UNWRITTEN", 2)}, v1=set(), status=("early", "early")),
    case("a7_ideographic_space_apology_notice", "7", "An apology numbered with an ideographic space is "
         "incomplete.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), apo(f"{WED} 09:00", f"{FRI} 17:00", notice="\u3000"),
          proc(f"{THU} 10:00")],
         v2={("APOLOGY_INCOMPLETE", 2)}, v1=set(), status=("on_time", "on_time")),
    case("a7_blank_reason", "7", "Must not change: a reason of em spaces was blank in v1 already.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), susp(f"{TUE} 10:00", reason="\u2003\u2003")],
         v2={("REFUSAL_NO_REASON", 2)}, v1={("REFUSAL_NO_REASON", 2)}, status=("early", "early")),
    case("a7_zero_width_space_is_not_blank", "7",
         "Must not change: a zero-width space is not whitespace (Unicode Cf), so the notice is present.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), ref(f"{TUE} 10:00", notice="\u200b")],
         v2=set(), v1=set(), status=("early", "early")),
    # --- 8: financial-obligation pauses (pause_on_financial_obligation = true) ------------------------------
    case("a8_procedure_without_obligation", "8",
         "The catalogue says P3 has no financial obligation: its 48 h wait does not pause the clock.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), fin(f"{TUE} 09:00"), paid(f"{THU} 09:00"),
          proc(f"{FRI} 10:00")],
         v2={(LATE, None)}, v1=set(), status=("early", "late"), params=PAUSE_FINANCIAL),
    case("a8_procedure_with_obligation", "8", "Must not change: PF has one, its wait pauses the clock.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00", "PF"), fin(f"{TUE} 09:00"), paid(f"{THU} 09:00"),
          proc(f"{FRI} 10:00")],
         v2=set(), v1=set(), status=("early", "early"), params=PAUSE_FINANCIAL),
    case("a8_unfulfilled_until_the_end", "8",
         "An obligation never fulfilled pauses until the end; v1 paused closed pairs only.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00", "PF"), fin(f"{WED} 09:00"), proc(f"{MON2} 10:00")],
         v2=set(), v1={(LATE, None)}, status=("late", "early"), params=PAUSE_FINANCIAL),
    case("a8_unfulfilled_open_dossier", "8",
         "Still open and still waiting for the fees at as_of: within time, not overdue.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00", "PF"), fin(f"{WED} 09:00")],
         v2=set(), v1={(LATE, None)}, status=("late", "early"), params=PAUSE_FINANCIAL),
    case("a8_obligation_before_receipt", "8", "Clipped as in amendment 1: a pair before receipt pauses "
         "nothing.",
         [fin(f"{THU0} 09:00"), paid(f"{FRI0} 09:00"), rcv(f"{MON} 09:00", f"{THU} 17:00", "PF"),
          proc(f"{FRI} 10:00")],
         v2={(LATE, None)}, v1=set(), status=("on_time", "late"), params=PAUSE_FINANCIAL),
    case("a8_parameter_off", "8", "Must not change: with the parameter off nothing pauses for fees.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00", "PF"), fin(f"{TUE} 09:00"), paid(f"{THU} 09:00"),
          proc(f"{FRI} 10:00")],
         v2={(LATE, None)}, v1={(LATE, None)}, status=("late", "late")),
    # --- 9: same-instant order ------------------------------------------------------------------------------
    case("a9_completion_at_the_request_instant", "9",
         "Request and completion at one instant, the completion's id first: v1's id order left the request "
         "open (waiting, within time); the lifecycle order closes it (open, and overdue at as_of).",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), done(f"{TUE} 09:00")],
         ids={2: "b", 3: "a"}, v2={(LATE, None)}, v1=set(), status=("early", "late")),
    case("a9_apology_and_change_at_one_instant", "9",
         "Must not change: an apology at the instant of a change counts as at or before it either way.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), apo(f"{TUE} 09:00", f"{FRI} 17:00"),
          chg(f"{TUE} 09:00", f"{THU} 17:00", f"{FRI} 17:00"), proc(f"{WED} 10:00")],
         ids={2: "b", 3: "a"}, v2=set(), v1=set(), status=("early", "early")),
    # --- 10: an end after the end ---------------------------------------------------------------------------
    case("a10_processed_after_refusal", "10",
         "Processed after a refusal: the end stays processed (indicator 2.1), the refusal is shown.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), ref(f"{TUE} 10:00"), proc(f"{MON2} 10:00")],
         v2={(LATE, None), ("EVENT_AFTER_END", 3)}, v1={(LATE, None)}, status=("late", "late")),
    case("a10_returned_after_withdrawal", "10", "A result returned after a withdrawal.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), wd(f"{TUE} 10:00"), ret(f"{WED} 10:00")],
         v2={("EVENT_AFTER_END", 3)}, v1=set(), status=("early", "early")),
    case("a10_processed_then_returned", "10", "Must not change: returning the result is the lifecycle.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), proc(f"{TUE} 10:00"), ret(f"{WED} 10:00")],
         v2=set(), v1=set(), status=("early", "early")),
    case("a10_refused_after_return", "10",
         "Must not change: after the return it is EVENT_AFTER_RETURN's, not reported twice.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), proc(f"{TUE} 10:00"), ret(f"{WED} 10:00"),
          ref(f"{THU} 10:00")],
         v2={("EVENT_AFTER_RETURN", 4)}, v1={("EVENT_AFTER_RETURN", 4)}, status=("early", "early")),
    # --- 13: supplement_clock = restart ---------------------------------------------------------------------
    case("a13_restart_from_the_completion", "13",
         "Completed on Wednesday, the 3 working days count again to Monday: on time (pause: late).",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), done(f"{WED} 09:00"),
          proc(f"{MON2} 10:00")],
         v2=set(), v1={(LATE, None)}, status=("late", "on_time"), params=RESTART),
    case("a13_restart_still_late", "13", "Must not change: late even counted from the completion.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00"), done(f"{WED} 09:00"),
          proc(f"{WED2} 10:00")],
         v2={(LATE, None)}, v1={(LATE, None)}, status=("late", "late"), params=RESTART),
    case("a13_unknown_maximum_pauses", "13",
         "Must not change: with no legal maximum the restart has nothing to count, the pause applies.",
         [rcv(f"{MON} 09:00", f"{THU} 17:00", "PN"), sup(f"{TUE} 09:00"), done(f"{WED} 09:00"),
          proc(f"{MON2} 10:00")],
         v2={(LATE, None)}, v1={(LATE, None)}, status=("late", "late"), params=RESTART),
    # --- 14: no appointment for same-day results ------------------------------------------------------------
    case("a14_same_day_without_appointment", "14", "A same-day result needs no appointment.",
         [rcv(f"{MON} 09:00", None, "P0"), proc(f"{MON} 15:00")],
         v2=set(), v1={("NO_APPOINTMENT", A_RECEIVED)}, status=("on_time", "on_time")),
    case("a14_limited_without_appointment", "14", "Must not change: a 3-day procedure needs one.",
         [rcv(f"{MON} 09:00", None), proc(f"{WED} 10:00")],
         v2={("NO_APPOINTMENT", A_RECEIVED)}, v1={("NO_APPOINTMENT", A_RECEIVED)},
         status=("early", "early")),
]  # fmt: skip

BY_NAME: dict[str, Case] = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "case names are dossier ids: they must be unique"


def auditor(version: str, params: RuleParams | None = None) -> Auditor:
    """The auditor of the table's catalogue and calendar under rulebook ``version`` with ``params``."""
    return Auditor(CATALOGUE, CALENDAR, Rulebooks.of_version(version, params or RuleParams()))


def case_auditor(c: Case, version: str) -> Auditor:
    """The auditor that judges ``c`` under ``version`` (with the case's parameters)."""
    return auditor(version, c.params_for(version))
