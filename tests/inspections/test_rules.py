"""Every rule of RULES.md with cases that fire and cases that must not (fake calendar and catalogue)."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.audit import audit_events
from inspections.classification import classify
from inspections.rulebook import Auditor, Rulebooks
from inspections.rules import RULES_V1, RuleParams
from inspections.timeline import derive_facts
from inspections.timeunits import VN_TZ
from tests.builders import (
    CALENDAR,
    CATALOGUE,
    apology,
    completed,
    ev,
    processed,
    received,
    supplement,
)
from tests.depth import examples

AUDITOR = Auditor(CATALOGUE, CALENDAR)
AS_OF = datetime(2025, 12, 31, tzinfo=VN_TZ)
# Monday 2025-11-03; P1 allows 3 working days → legal due date Thursday 2025-11-06.
MON, TUE, WED, THU, FRI = "2025-11-03", "2025-11-04", "2025-11-05", "2025-11-06", "2025-11-07"
NEXT_MON = "2025-11-10"


def rules_of(events, as_of=AS_OF, auditor=AUDITOR):
    return sorted(v.rule_id for v in auditor.evaluate("D1", events, as_of))


def base(due: str | None = f"{THU} 17:00", **kw):
    return received(f"{MON} 09:00", due, docs=["A", "B"], **kw)


def test_rulebook_has_the_fourteen_rules():
    ids = [r.rule_id for r in RULES_V1]
    assert len(ids) == 14 == len(set(ids))
    for rule in RULES_V1:
        assert rule.title_vi and rule.title_en and rule.legal_basis and rule.confidence in "CSU"
        assert rule.check.__doc__


def test_clean_dossier_has_no_violation():
    assert rules_of([base(), processed(f"{WED} 10:00")]) == []


# --- lateness ---------------------------------------------------------------------------------------
def test_late_without_apology_fires():
    assert rules_of([base(), processed(f"{FRI} 10:00")]) == ["LATE_NO_APOLOGY"]


def test_on_due_date_is_on_time():
    facts = derive_facts("D1", [base(), processed(f"{THU} 16:59")], AS_OF)
    cls = classify(facts, CATALOGUE, CALENDAR)
    assert cls is not None and cls.status == "on_time"
    assert rules_of(facts.events) == []


def test_timely_apology_with_met_new_date_is_lawful():
    events = [base(), apology(f"{WED} 15:00", f"{FRI} 17:00"), processed(f"{FRI} 10:00")]
    assert rules_of(events) == []


def test_apology_after_the_end_does_not_count():
    events = [base(), processed(f"{FRI} 10:00"), apology(f"{FRI} 11:00", f"{FRI} 17:00")]
    assert rules_of(events) == ["LATE_NO_APOLOGY"]


def test_apology_on_the_due_date_is_too_late():
    events = [base(), apology(f"{THU} 09:00", f"{FRI} 17:00"), processed(f"{FRI} 10:00")]
    assert rules_of(events) == ["APOLOGY_TOO_LATE"]


def test_apology_lead_is_a_parameter():
    events = [base(), apology(f"{WED} 09:00", f"{FRI} 17:00"), processed(f"{FRI} 10:00")]
    strict = Auditor(CATALOGUE, CALENDAR, Rulebooks().with_params(RuleParams(apology_lead_working_days=2)))
    assert rules_of(events) == []
    assert rules_of(events, auditor=strict) == ["APOLOGY_TOO_LATE"]


def test_open_dossier_becomes_late_when_as_of_passes_the_due_date():
    events = [base()]
    assert rules_of(events, as_of=datetime(2025, 11, 6, 23, 59, tzinfo=VN_TZ)) == []
    found = AUDITOR.evaluate("D1", events, datetime(2025, 11, 10, 9, tzinfo=VN_TZ))
    assert [v.rule_id for v in found] == ["LATE_NO_APOLOGY"]
    assert found[0].event_id is None
    assert found[0].occurred_at == datetime(2025, 11, 7, tzinfo=VN_TZ)


def test_missed_new_due_date():
    events = [base(), apology(f"{WED} 15:00", f"{FRI} 17:00"), processed(f"{NEXT_MON} 10:00")]
    assert rules_of(events) == ["MISSED_NEW_DUE_DATE"]


def test_missed_new_due_date_uses_the_latest_apology():
    events = [
        base(),
        apology(f"{WED} 09:00", f"{FRI} 17:00"),
        apology(f"{FRI} 09:00", "2025-11-11 17:00"),
        processed(f"{NEXT_MON} 10:00"),
    ]
    assert rules_of(events) == ["RESCHEDULED_MORE_THAN_ONCE"]


def test_apology_incomplete_each_missing_part():
    for kwargs in ({"notice": None}, {"reason": "  "}, {}):
        new_due = None if not kwargs else f"{FRI} 17:00"
        events = [base(), apology(f"{TUE} 09:00", new_due, **kwargs), processed(f"{WED} 10:00")]
        assert rules_of(events) == ["APOLOGY_INCOMPLETE"], kwargs


def test_supplement_time_is_excluded():
    events = [
        base(),
        supplement(f"{TUE} 09:00", docs=["C"]),
        completed(f"{THU} 09:00", ["C"]),
        processed(f"{FRI} 10:00"),
    ]
    facts = derive_facts("D1", events, AS_OF)
    assert facts.supplement_time.total_seconds() == 48 * 3600
    assert rules_of(events) == []


def test_evidence_hours_round_a_half_up():
    """The evidence's hours are read by people: 450 s is 0.125 h, printed 0,13 (``round`` gave 0.12)."""
    events = [
        base(),
        supplement(f"{TUE} 09:00", docs=["C"]),
        completed(f"{TUE} 09:07:30", ["C"]),
        processed(f"{NEXT_MON} 10:00"),
    ]
    (late,) = AUDITOR.evaluate("D1", events, AS_OF)
    assert late.rule_id == "LATE_NO_APOLOGY" and late.evidence["supplement_hours"] == 0.13


def test_waiting_dossier_ends_at_its_only_request():
    events = [base(), supplement(f"{TUE} 09:00", docs=["C"])]
    facts = derive_facts("D1", events, AS_OF)
    assert facts.waiting and facts.end_at == events[1].occurred_at
    assert rules_of(events) == []


# --- supplements ------------------------------------------------------------------------------------
def test_supplement_unwritten():
    events = [
        base(),
        supplement(f"{TUE} 09:00", notice=None),
        completed(f"{TUE} 10:00"),
        processed(f"{WED} 09:00"),
    ]
    assert rules_of(events) == ["SUPPLEMENT_UNWRITTEN"]


def test_repeated_supplement_is_late_too():
    events = [
        base(),
        supplement(f"{TUE} 09:00"),
        completed(f"{TUE} 10:00"),
        supplement(f"{TUE} 11:00", notice="BS-2"),
        completed(f"{TUE} 12:00"),
        processed(f"{WED} 10:00"),
    ]
    assert rules_of(events) == ["LATE_NO_APOLOGY", "REPEATED_SUPPLEMENT"]
    # Late from the second request (RULES.md: more than one makes it late), not from the first (review).
    late = [v for v in AUDITOR.evaluate("D1", events, AS_OF) if v.rule_id == "LATE_NO_APOLOGY"]
    assert [v.occurred_at for v in late] == [events[3].occurred_at]
    with_apology = [*events, apology(f"{TUE} 13:00", f"{THU} 17:00")]
    assert rules_of(with_apology) == ["REPEATED_SUPPLEMENT"]


# --- refusals -----------------------------------------------------------------------------------------
def test_refusal_rules_apply_without_reception():
    submitted = ev("submitted", f"{MON} 08:00", {"procedure_code": "P1", "channel": "online"})
    refused = ev("refused", f"{MON} 10:00", {"stage": "reception", "notice_id": None, "reason": ""})
    assert rules_of([submitted, refused]) == ["REFUSAL_NO_REASON", "REFUSAL_UNWRITTEN"]
    # The stage goes into the evidence: the notice a refusal needs depends on it (form 03 at reception).
    found = {v.rule_id: v.evidence for v in AUDITOR.evaluate("D1", [submitted, refused], AS_OF)}
    assert found["REFUSAL_UNWRITTEN"]["stage"] == found["REFUSAL_NO_REASON"]["stage"] == "reception"
    suspended = ev("suspended", f"{MON} 10:00", {"notice_id": None, "reason": ""})
    assert "stage" not in AUDITOR.evaluate("D1", [submitted, suspended], AS_OF)[0].evidence


def test_suspension_in_writing_with_reason_is_lawful():
    suspended = ev("suspended", f"{TUE} 10:00", {"notice_id": "DX-1", "reason": "Sai thẩm quyền"})
    assert rules_of([base(), suspended]) == []
    unwritten = ev("suspended", f"{TUE} 10:00", {"notice_id": None, "reason": "Sai thẩm quyền"})
    assert rules_of([base(), unwritten]) == ["REFUSAL_UNWRITTEN"]


# --- catalogue rules ------------------------------------------------------------------------------------
def test_excess_documents_in_each_place():
    r = received(f"{MON} 09:00", f"{THU} 17:00", docs=["A", "SO-HO-KHAU"])
    found = AUDITOR.evaluate("D1", [r, processed(f"{WED} 09:00")], AS_OF)
    assert [(v.rule_id, v.evidence["excess"]) for v in found] == [("EXCESS_DOCUMENTS", ["SO-HO-KHAU"])]
    events = [
        base(),
        supplement(f"{TUE} 09:00", docs=["Z"]),
        completed(f"{TUE} 10:00", ["Y"]),
        processed(f"{WED} 09:00"),
    ]
    assert rules_of(events) == ["EXCESS_DOCUMENTS", "EXCESS_DOCUMENTS"]


def test_unknown_procedure_skips_catalogue_rules_but_is_reported():
    r = received(f"{MON} 09:00", None, procedure="9.999999", docs=["ANY"])
    refused = ev("refused", f"{TUE} 10:00", {"stage": "processing", "notice_id": None, "reason": "x"})
    assert rules_of([r, refused]) == ["REFUSAL_UNWRITTEN", "UNKNOWN_PROCEDURE"]


def test_unpublished_procedure():
    early = received(f"{MON} 09:00", f"{THU} 17:00", procedure="PL", docs=["A"])
    assert rules_of([early, processed(f"{WED} 09:00")]) == ["UNPUBLISHED_PROCEDURE"]
    later = received("2025-12-02 09:00", "2025-12-05 17:00", procedure="PL", docs=["A"])
    assert rules_of([later, processed("2025-12-03 09:00")]) == []
    elsewhere = received(f"{MON} 09:00", f"{THU} 17:00", docs=["A"], unit="U2")
    assert rules_of([elsewhere, processed(f"{WED} 09:00", unit="U2")]) == ["UNPUBLISHED_PROCEDURE"]


def test_no_appointment_and_lateness_by_maximum_time():
    assert rules_of([base(None), processed(f"{THU} 10:00")]) == ["NO_APPOINTMENT"]
    assert rules_of([base(None), processed(f"{FRI} 10:00")]) == ["LATE_NO_APOLOGY", "NO_APPOINTMENT"]
    unlimited = received(f"{MON} 09:00", None, procedure="PN", docs=["A"])
    assert rules_of([unlimited, processed("2025-12-20 10:00")]) == []


def test_due_date_overstated():
    assert rules_of([base(f"{FRI} 17:00"), processed(f"{WED} 09:00")]) == ["DUE_DATE_OVERSTATED"]
    calendar_days = received(f"{MON} 09:00", "2025-11-13 17:00", procedure="PC", docs=["A"])
    assert rules_of([calendar_days, processed(f"{WED} 09:00")]) == []
    beyond = received(f"{MON} 09:00", "2025-11-14 17:00", procedure="PC", docs=["A"])
    assert rules_of([beyond, processed(f"{WED} 09:00")]) == ["DUE_DATE_OVERSTATED"]


def _change(when: str, old: str, new: str):
    from tests.builders import at

    return ev("due_date_changed", when, {"old_due_at": at(old), "new_due_at": at(new), "reason": "x"})


def test_due_date_changed_without_apology():
    moved = _change(f"{WED} 10:00", f"{THU} 17:00", f"{FRI} 17:00")
    assert rules_of([base(), moved, processed(f"{WED} 11:00")]) == ["DUE_DATE_CHANGED"]


def test_due_date_changed_with_matching_apology_or_earlier_is_lawful():
    lawful = [
        base(),
        apology(f"{WED} 09:00", f"{FRI} 12:00"),
        _change(f"{WED} 10:00", f"{THU} 17:00", f"{FRI} 17:00"),
    ]
    assert rules_of([*lawful, processed(f"{WED} 11:00")]) == []
    earlier = _change(f"{TUE} 10:00", f"{THU} 17:00", f"{WED} 17:00")
    assert rules_of([base(), earlier, processed(f"{WED} 11:00")]) == []
    apology_after = [
        base(),
        _change(f"{WED} 10:00", f"{THU} 17:00", f"{FRI} 17:00"),
        apology(f"{WED} 11:00", f"{FRI} 12:00"),
    ]
    assert rules_of([*apology_after, processed(f"{WED} 12:00")]) == ["DUE_DATE_CHANGED"]


# --- facts ----------------------------------------------------------------------------------------------
def test_end_priority_processed_over_refused():
    refused = ev("refused", f"{TUE} 10:00", {"stage": "processing", "notice_id": "TC-1", "reason": "r"})
    facts = derive_facts("D1", [base(), refused, processed(f"{WED} 10:00")], AS_OF)
    assert facts.end_event is not None and facts.end_event.type == "processed"


def test_events_after_as_of_are_ignored():
    events = [base(), processed(f"{FRI} 10:00")]
    assert rules_of(events, as_of=datetime(2025, 11, 6, 12, tzinfo=VN_TZ)) == []


def test_event_after_return_is_a_finding():
    returned = ev("returned", f"{WED} 11:00", {"channel": "direct"})
    late_step = ev("transferred", f"{THU} 11:00", {"to_unit_code": "U9"})
    found = AUDITOR.evaluate("D1", [base(), processed(f"{WED} 10:00"), returned, late_step], AS_OF)
    assert [(v.rule_id, v.kind) for v in found] == [("EVENT_AFTER_RETURN", "finding")]


SCENARIOS = [
    [base(), processed(f"{FRI} 10:00")],
    [
        base(),
        apology(f"{THU} 09:00", None, notice=None),
        processed(f"{NEXT_MON} 10:00"),
        ev("returned", f"{NEXT_MON} 11:00", {"channel": "postal"}),
    ],
    [
        base(None),
        supplement(f"{TUE} 09:00", notice=None),
        completed(f"{WED} 09:00"),
        supplement(f"{WED} 10:00"),
        _change(f"{WED} 11:00", f"{THU} 17:00", f"{FRI} 17:00"),
    ],
]


@settings(max_examples=examples(30), deadline=None)
@given(st.sampled_from(range(len(SCENARIOS))), st.randoms(use_true_random=False), st.data())
def test_verdicts_ignore_arrival_order_and_duplicates(index, rnd, data):
    events = SCENARIOS[index]
    expected = [v.to_json_dict() for v in audit_events(events, AUDITOR, AS_OF)]
    extra = data.draw(st.lists(st.sampled_from(events), max_size=6))
    shuffled = [*events, *extra]
    rnd.shuffle(shuffled)
    assert [v.to_json_dict() for v in audit_events(shuffled, AUDITOR, AS_OF)] == expected
    assert expected  # the scenarios are not trivially clean


def test_unknown_rule_lookup_raises():
    with pytest.raises(KeyError):
        Rulebooks().versions[0].rule("NOPE")


@given(amount=st.integers(min_value=0, max_value=400), half=st.booleans(), written=st.booleans())
def test_a_limit_in_evidence_is_one_number_however_the_catalogue_wrote_it(
    amount: int, half: bool, written: bool
) -> None:
    """Review of 2026-12-06: "20 working_days" parses to 20.0 and a stored catalogue reads back 20, so the
    batch audit printed ``"amount":20.0`` where the stream's detector printed ``20`` for the same verdict."""
    from inspections.catalogue import parse_processing_time
    from inspections.rules.reception import _max_time
    from inspections.timeunits import ProcessingTime, TimeUnit

    value = amount + 0.5 if half else amount
    given = parse_processing_time(f"{value} working_days") if written else {"amount": value}
    limit = ProcessingTime(given["amount"], TimeUnit.WORKING_DAYS)
    shown = _max_time(limit)
    assert shown == {"amount": value, "unit": "working_days"}
    assert type(shown["amount"]) is (float if half else int)
