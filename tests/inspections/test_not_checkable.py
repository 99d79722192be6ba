"""Issue 14: a rule that needs a field an event's source cannot provide (``source.unknown``) is not evaluated
on that event; the audit reports a ``not_checkable`` record for (dossier, rule, event) instead.

The cases are the national sync format's holes (DOMAIN.md §9: no notice number for a supplement request or
a refusal, neither notice number nor new date for an apology) and the receipt's appointment; the properties
run over random dossiers: an event without ``source.unknown`` is judged exactly as before, marking a field
unknown never creates a verdict of a rule that needs it, and nulling a field changes no verdict of a rule
whose entry in ``inspections.rules.needs.NEEDS`` does not name it (the table is complete).
"""

from __future__ import annotations

import dataclasses
from typing import Any, get_args

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspections.audit import audit_events
from inspections.not_checkable import blind_events
from inspections.rules import RuleParams
from inspections.rules.needs import NEEDS
from inspections.timeline import DossierFacts
from inspections.violations import KINDS, Kind, Violation
from schemas.events import AnyEvent, EventType
from schemas.provenance import FIELDS, NULLABLE
from schemas.validation import Rejection, parse_event
from tests.depth import examples
from tests.inspections.test_rulebook_v2_properties import PARAMS, dossiers
from tests.rulebook_v2_cases import AS_OF, auditor
from tests.rulebook_v2_world import (
    FRI,
    MON,
    MON2,
    THU,
    TUE,
    UNIT,
    WED,
    Spec,
    apo,
    chg,
    proc,
    rcv,
    ref,
    sup,
    susp,
)

DVCQG = {"system": "dvcqg", "record": "H99-0001"}
#: The events each ``DossierFacts`` attribute of the table holds, by type.
HOLDS = {
    "received": {"received"},
    "submitted": {"submitted"},
    "apologies": {"apology_issued"},
    "refusals": {"refused", "suspended"},
    "all_supplement_requests": {"supplement_requested"},
    "document_events": {"received", "supplement_requested", "supplement_completed"},
    "due_date_changes": {"due_date_changed"},
}


def unknown(spec: Spec, *fields: str, source: dict[str, Any] | None = None) -> tuple[Spec, dict[str, Any]]:
    """``spec`` with ``fields`` given as null, from a source that cannot provide them."""
    kind, when, data = spec
    return (kind, when, {**data, **dict.fromkeys(fields)}), {**(source or DVCQG), "unknown": list(fields)}


def build(*items: Any, dossier: str = "D") -> list[AnyEvent]:
    """Events ``dossier/1``, ``dossier/2``... of specs, or (spec, source) pairs (validated: a marked event
    must be a valid one)."""
    events = []
    for n, item in enumerate(items, 1):
        spec, source = item if len(item) == 2 else (item, None)
        kind, when, data = spec
        raw: dict[str, Any] = {
            "schema_version": 1,
            "event_id": f"{dossier}/{n}",
            "dossier_id": dossier,
            "type": kind,
            "occurred_at": _at(when),
            "unit_code": UNIT,
            "data": data,
        }
        if source is not None:
            raw["source"] = source
        event = parse_event(orjson.dumps(raw))
        assert not isinstance(event, Rejection), event
        events.append(event)
    return events


def _at(when: str) -> str:
    return f"{when.replace(' ', 'T')}:00+07:00"


def judged(
    events: list[AnyEvent], version: str = "2", params: RuleParams | None = None
) -> dict[tuple, Violation]:
    found = audit_events(events, auditor(version, params), AS_OF)
    out = {(v.rule_id, v.event_id, v.kind): v for v in found}
    assert len(out) == len(found)
    keys = [(v.rule_id, v.event_id) for v in found]
    assert len(set(keys)) == len(keys), "a not_checkable record shares its key with a verdict"
    return out


def kinds_of(found: dict[tuple, Violation], rule: str) -> set[tuple[str | None, str]]:
    return {(event, kind) for (r, event, kind) in found if r == rule}


# -- the table --------------------------------------------------------------------------------------------
def test_the_table_names_facts_the_rules_read_and_fields_the_contract_defines() -> None:
    facts = {f.name for f in dataclasses.fields(DossierFacts)}
    for rule_id, needs in NEEDS.items():
        assert needs.scope in ("event", "dossier"), rule_id
        for attribute, fields in needs.reads.items():
            assert attribute in facts and attribute in HOLDS, (rule_id, attribute)
            defined = set().union(*(FIELDS[kind] for kind in HOLDS[attribute]))
            assert fields and fields <= defined, (rule_id, attribute, fields - defined)


def test_the_fields_the_national_format_cannot_carry_are_needed_by_their_rules() -> None:
    """DOMAIN.md §9: a supplement request's and a refusal's notice number, an apology's number and date."""
    assert "notice_id" in NEEDS["SUPPLEMENT_UNWRITTEN"].reads["all_supplement_requests"]
    assert "notice_id" in NEEDS["REFUSAL_UNWRITTEN"].reads["refusals"]
    assert {"notice_id", "new_due_at"} <= NEEDS["APOLOGY_INCOMPLETE"].reads["apologies"]
    assert "new_due_at" in NEEDS["MISSED_NEW_DUE_DATE"].reads["apologies"]


def test_not_checkable_is_a_kind_of_its_own() -> None:
    assert get_args(Kind) == KINDS == ("violation", "finding", "not_checkable")


# -- cases ------------------------------------------------------------------------------------------------
def test_a_supplement_request_without_its_notice_number_is_not_checkable_not_unwritten() -> None:
    events = build(rcv(f"{MON} 09:00", f"{THU} 17:00"), unknown(sup(f"{TUE} 09:00"), "notice_id"))
    found = judged(events)
    assert kinds_of(found, "SUPPLEMENT_UNWRITTEN") == {("D/2", "not_checkable")}
    record = found[("SUPPLEMENT_UNWRITTEN", "D/2", "not_checkable")]
    rule = auditor("2").rulebooks.versions[0].rule("SUPPLEMENT_UNWRITTEN")
    assert record.to_json_dict() == {
        "dossier_id": "D",
        "rule_id": "SUPPLEMENT_UNWRITTEN",
        "kind": "not_checkable",
        "severity": rule.severity.value,
        "unit_code": UNIT,
        "procedure_code": "P3",
        "event_id": "D/2",
        "occurred_at": events[1].occurred_at.isoformat(),
        "legal_basis": rule.basis_on(events[0].occurred_at.date()),
        "rulebook_version": "2",
        "evidence": {
            "unknown": ["notice_id"],
            "event_type": "supplement_requested",
            "source_system": "dvcqg",
            "source_record": "H99-0001",
        },
    }
    # The same null without the source's word is a request not in writing.
    plain = build(rcv(f"{MON} 09:00", f"{THU} 17:00"), sup(f"{TUE} 09:00", notice=None))
    assert kinds_of(judged(plain), "SUPPLEMENT_UNWRITTEN") == {("D/2", "violation")}


def test_only_the_blind_event_is_left_out_of_a_rule_judged_event_by_event() -> None:
    events = build(
        rcv(f"{MON} 09:00", f"{THU} 17:00"),
        sup(f"{MON} 10:00", notice=None),  # written nowhere, and the source says nothing: a violation
        unknown(sup(f"{TUE} 09:00"), "notice_id"),
        proc(f"{WED} 09:00"),
    )
    found = judged(events)
    assert kinds_of(found, "SUPPLEMENT_UNWRITTEN") == {("D/2", "violation"), ("D/3", "not_checkable")}
    assert kinds_of(found, "REPEATED_SUPPLEMENT") == {("D/3", "violation")}  # it reads no field


def test_a_refusal_without_its_notice_number_still_needs_a_reason() -> None:
    events = build(rcv(f"{MON} 09:00", f"{THU} 17:00"), unknown(ref(f"{TUE} 09:00", reason=" "), "notice_id"))
    found = judged(events)
    assert kinds_of(found, "REFUSAL_UNWRITTEN") == {("D/2", "not_checkable")}
    assert kinds_of(found, "REFUSAL_NO_REASON") == {("D/2", "violation")}  # the reason is known: blank
    suspended = build(rcv(f"{MON} 09:00", f"{THU} 17:00"), unknown(susp(f"{TUE} 09:00"), "notice_id"))
    assert kinds_of(judged(suspended), "REFUSAL_UNWRITTEN") == {("D/2", "not_checkable")}


def test_a_reason_the_source_cannot_provide_is_not_checkable_and_its_event_still_counts() -> None:
    """Review of the audited unit: a reason ("string, may be empty") is null when ``source.unknown`` names it
    (EVENTS.md), not a rejected event. A refusal with neither notice number nor reason (the national sync
    without a note) is no "refusal without reason"; an apology whose reason is unknown is still the
    apology: the late dossier has one, and only the rule reading its reason is left unchecked."""
    refusal = unknown(ref(f"{TUE} 09:00", reason=None), "notice_id", "reason")
    found = judged(build(rcv(f"{MON} 09:00", f"{THU} 17:00"), refusal))
    assert kinds_of(found, "REFUSAL_NO_REASON") == {("D/2", "not_checkable")}
    assert kinds_of(found, "REFUSAL_UNWRITTEN") == {("D/2", "not_checkable")}
    assert found[("REFUSAL_NO_REASON", "D/2", "not_checkable")].evidence["unknown"] == ["reason"]
    apology = unknown(apo(f"{WED} 09:00", f"{FRI} 17:00", notice="XL-1", reason=None), "reason")
    found = judged(build(rcv(f"{MON} 09:00", f"{TUE} 17:00"), apology, proc(f"{THU} 10:00")))
    assert kinds_of(found, "APOLOGY_INCOMPLETE") == {("D/2", "not_checkable")}
    assert not kinds_of(found, "LATE_NO_APOLOGY")  # it was rejected, and the unit found without an apology
    assert kinds_of(found, "APOLOGY_TOO_LATE") == {("D/2", "violation")}  # lateness reads none of it


def test_an_apology_read_from_a_history_text_is_not_checkable_for_every_rule_reading_its_notice() -> None:
    """DVCQG: an apology appears only as the text "Ban hành văn bản xin lỗi": no number, no new date."""
    apology = unknown(apo(f"{WED} 09:00", None, notice=None, reason=""), "notice_id", "new_due_at")
    events = build(rcv(f"{MON} 09:00", f"{TUE} 17:00"), apology, proc(f"{THU} 10:00"))
    found = judged(events)
    # Not evaluated on the event at all: its blank reason is not reported either (the rule needs the rest).
    assert kinds_of(found, "APOLOGY_INCOMPLETE") == {("D/2", "not_checkable")}
    assert kinds_of(found, "MISSED_NEW_DUE_DATE") == {("D/2", "not_checkable")}
    assert found[("APOLOGY_INCOMPLETE", "D/2", "not_checkable")].evidence["unknown"] == [
        "new_due_at",
        "notice_id",
    ]
    assert found[("MISSED_NEW_DUE_DATE", "D/2", "not_checkable")].evidence["unknown"] == ["new_due_at"]
    # Lateness reads no field of the apology: late on Thursday (due Tuesday), the apology came late.
    assert kinds_of(found, "APOLOGY_TOO_LATE") == {("D/2", "violation")}
    # No due-date change: the rules about changes read nothing, and say nothing.
    assert not kinds_of(found, "DUE_DATE_CHANGED") and not kinds_of(found, "OLD_DUE_DATE_MISMATCH")


def test_a_due_date_change_after_an_apology_of_unknown_date_is_not_checkable() -> None:
    apology = unknown(apo(f"{TUE} 09:00", None), "new_due_at")
    specs = (
        rcv(f"{MON} 09:00", f"{WED} 17:00"),
        apology,
        chg(f"{TUE} 10:00", f"{WED} 17:00", f"{THU} 17:00"),
    )
    found = judged(build(*specs))
    for rule in ("DUE_DATE_CHANGED", "MISSED_NEW_DUE_DATE", "APOLOGY_INCOMPLETE"):
        assert kinds_of(found, rule) == {("D/2", "not_checkable")}, rule
    # Judged as null, the apology would have promised no date: the change would be a violation.
    nulled = build(specs[0], apo(f"{TUE} 09:00", None), specs[2])
    assert ("D/3", "violation") in kinds_of(judged(nulled), "DUE_DATE_CHANGED")


def test_an_unknown_appointment_leaves_every_rule_reading_it_unchecked() -> None:
    received = unknown(rcv(f"{MON} 09:00", None), "due_at")
    found = judged(build(received, proc(f"{MON2} 09:00")))
    for rule in ("NO_APPOINTMENT", "DUE_DATE_OVERSTATED", "LATE_NO_APOLOGY"):
        assert kinds_of(found, rule) == {("D/1", "not_checkable")}, rule
    assert not any(v.kind == "violation" for v in found.values() if v.rule_id != "UNPUBLISHED_PROCEDURE")
    # Without the source's word: no appointment, and late by the legal time.
    plain = judged(build(rcv(f"{MON} 09:00", None), proc(f"{MON2} 09:00")))
    assert {r for (r, _, k) in plain if k == "violation"} >= {"NO_APPOINTMENT", "LATE_NO_APOLOGY"}


def test_fields_no_rule_needs_change_nothing() -> None:
    plain = [
        rcv(f"{MON} 09:00", f"{THU} 17:00"),
        ("transferred", f"{MON} 10:00", {"to_unit_code": UNIT, "step": None, "step_due_at": None}),
        ("financial_obligation_requested", f"{TUE} 09:00", {"notice_id": None}),
        ("processed", f"{WED} 09:00", {"outcome": None}),
    ]
    marked: list[Any] = [
        plain[0],
        (plain[1], {**DVCQG, "unknown": ["step", "step_due_at"]}),
        (plain[2], {**DVCQG, "unknown": ["notice_id"]}),
        (plain[3], {**DVCQG, "unknown": ["outcome"]}),
    ]
    assert _json(build(*marked)) == _json(build(*plain))


def test_a_rule_the_catalogue_skips_is_not_reported_as_not_checkable() -> None:
    """An unknown procedure skips the catalogue's rules (``UNKNOWN_PROCEDURE`` says so): not evaluated for
    another reason, they are not reported as not checkable either."""
    found = judged(build(unknown(rcv(f"{MON} 09:00", None, procedure="P-NONE"), "due_at")))
    assert not kinds_of(found, "NO_APPOINTMENT") and not kinds_of(found, "DUE_DATE_OVERSTATED")
    assert kinds_of(found, "UNKNOWN_PROCEDURE") == {("D/1", "finding")}


def test_rulebook_v1_reports_not_checkable_too() -> None:
    events = build(rcv(f"{MON} 09:00", f"{THU} 17:00"), unknown(sup(f"{TUE} 09:00"), "notice_id"))
    record = judged(events, "1")[("SUPPLEMENT_UNWRITTEN", "D/2", "not_checkable")]
    assert record.rulebook_version == "1"


def test_blind_events_follow_the_table() -> None:
    events = build(rcv(f"{MON} 09:00", f"{THU} 17:00"), unknown(sup(f"{TUE} 09:00"), "notice_id"))
    facts = auditor("2").facts("D", events, AS_OF)
    assert facts.sourced_unknown == (events[1],)
    (blind,) = blind_events("SUPPLEMENT_UNWRITTEN", facts)
    assert (blind.event, blind.fields) == (events[1], ("notice_id",))
    assert blind_events("REPEATED_SUPPLEMENT", facts) == []  # reads no field
    assert blind_events("REFUSAL_UNWRITTEN", facts) == []  # reads no supplement request


# -- properties -------------------------------------------------------------------------------------------
def _json(
    events: list[AnyEvent], version: str = "2", params: RuleParams | None = None
) -> list[dict[str, Any]]:
    return [v.to_json_dict() for v in audit_events(events, auditor(version, params), AS_OF)]


def _events(specs: list[Spec], sources: dict[int, dict[str, Any]]) -> list[AnyEvent]:
    return build(*((spec, sources.get(n)) for n, spec in enumerate(specs)), dossier="G")


_PLAIN_SOURCES = st.sampled_from(
    [
        {"system": "dvcqg"},
        {"system": "dvcqg", "unknown": []},
        {
            "system": "igate",
            "record": "R",
            "inferred": True,
            "basis": "a return to processing",
            "unknown": None,
        },
        {"system": "dvcqg", "batch": {"n": 1}},
    ]
)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dossiers(), st.sampled_from(PARAMS), st.data())
def test_an_event_without_unknown_fields_is_judged_exactly_as_before(drawn, params, data) -> None:
    picked = data.draw(st.sets(st.integers(0, len(drawn.specs) - 1)))
    sources = {n: data.draw(_PLAIN_SOURCES) for n in picked}
    for version in ("1", "2") if params.supplement_clock == "pause" else ("2",):
        assert _json(_events(drawn.specs, sources), version, params) == _json(
            _events(drawn.specs, {}), version, params
        )


@st.composite
def marked(draw: Any) -> tuple[list[Spec], list[Spec], dict[int, dict[str, Any]]]:
    """A random dossier, the same with some nullable fields of some events nulled, and the sources that
    declare those fields unknown."""
    drawn = draw(dossiers())
    nulled: list[Spec] = []
    sources: dict[int, dict[str, Any]] = {}
    for n, (kind, when, data) in enumerate(drawn.specs):
        fields = sorted(NULLABLE[kind])
        chosen = draw(st.sets(st.sampled_from(fields))) if fields and draw(st.booleans()) else set()
        nulled.append((kind, when, {**data, **dict.fromkeys(chosen)}))
        if chosen:
            sources[n] = {"system": "dvcqg", "unknown": sorted(chosen)}
    return drawn.specs, nulled, sources


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(marked(), st.sampled_from(PARAMS))
def test_marking_a_field_unknown_never_creates_a_verdict_of_a_rule_that_needs_it(drawn, params) -> None:
    original, nulled, sources = drawn
    for version in ("1", "2") if params.supplement_clock == "pause" else ("2",):
        events = _events(nulled, sources)
        facts = auditor(version, params).facts("G", events, AS_OF)
        before = _by_rule(_json(_events(nulled, {}), version, params))
        after = _by_rule(_json(events, version, params))
        truth = _by_rule(_json(_events(original, {}), version, params))
        for rule_id in NEEDS:
            blind = {b.event.event_id: b for b in blind_events(rule_id, facts)}
            now, was = after.get(rule_id, []), before.get(rule_id, [])
            # A verdict given despite unknown fields holds whatever they were: null, or the original values.
            verdicts = {(v["event_id"], v["kind"]) for v in now if v["kind"] != "not_checkable"}
            assert verdicts <= _keys(was) & _keys(truth.get(rule_id, [])), rule_id
            if not blind:  # no field it needs is unknown: exactly as judged without the sources
                assert now == was, rule_id
                continue
            assert not verdicts & {(event_id, "violation") for event_id in blind}, rule_id
            records = {v["event_id"]: v for v in now if v["kind"] == "not_checkable"}
            if records:  # the rule ran (what it reads is there): one record per blind event
                assert set(records) == set(blind), rule_id
                for event_id, v in records.items():
                    assert v["evidence"]["unknown"] == list(blind[event_id].fields)
                    assert v["evidence"]["source_system"] == "dvcqg"
                    assert set(blind[event_id].fields) <= NEEDS[rule_id].fields
        # Nulling a field changes no verdict of a rule whose entry does not name it: the table is complete.
        changed = {
            f for spec_o, spec_n in zip(original, nulled, strict=True) for f in _nulled(spec_o, spec_n)
        }
        for rule_id, needs in NEEDS.items():
            if not changed & {
                (kind, f) for a, fields in needs.reads.items() for kind in HOLDS[a] for f in fields
            }:
                assert _keys(truth.get(rule_id, [])) == _keys(before.get(rule_id, [])), rule_id


def _nulled(original: Spec, nulled: Spec) -> set[tuple[str, str]]:
    kind = original[0]
    return {(kind, name) for name, value in nulled[2].items() if original[2].get(name) != value}


def _by_rule(found: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for v in found:
        out.setdefault(v["rule_id"], []).append(v)
    return out


def _keys(found: list[dict[str, Any]]) -> set[tuple[str | None, str]]:
    return {(v["event_id"], v["kind"]) for v in found}


def test_every_event_type_of_the_contract_is_covered_by_the_holds_map() -> None:
    assert set().union(*HOLDS.values()) <= {t.value for t in EventType}
