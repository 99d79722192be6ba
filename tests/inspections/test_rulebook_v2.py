"""Rulebook v2: the shared table of cases (``tests/rulebook_v2_cases.py``) under v2 and v1, the new findings'
metadata, the versions and parameters, the catalogue's maximum of 0, and the reporting form's agreement."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from inspections.audit import audit_events
from inspections.classification import classify
from inspections.files.catalogue import CatalogueError, loads_catalogue
from inspections.metrics import DossierOutcome, outcome, outcome_history
from inspections.rulebook import (
    DEFAULT_RULEBOOKS,
    RULEBOOK_V1,
    RULEBOOK_V2,
    Auditor,
    Rulebook,
    Rulebooks,
)
from inspections.rules import FINDINGS_V2, RULES_V1, RuleParams
from inspections.semantics import Semantics
from inspections.timeline import derive_facts
from inspections.violations import Severity
from tests.rule_edge_cases import EDGE_BY_NAME, EDGE_CASES
from tests.rulebook_v2_cases import BY_NAME, CALENDAR, CASES, CATALOGUE, Case, auditor, case_auditor

AMENDMENTS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "13", "14")


def _verdicts(c: Case, version: str) -> set[tuple[str, str | None]]:
    found = audit_events(c.events, case_auditor(c, version), c.as_of)
    assert {v.dossier_id for v in found} <= {c.dossier_id}
    assert {v.rulebook_version for v in found} <= {version}  # the version that judged it
    return {(v.rule_id, v.event_id) for v in found}


@pytest.mark.parametrize("c", [*CASES, *EDGE_CASES], ids=lambda c: c.name)
@pytest.mark.parametrize("version", ["2", "1"])
def test_table(c: Case, version: str) -> None:
    assert _verdicts(c, version) == c.expected(version), c.why


@pytest.mark.parametrize("c", [*CASES, *EDGE_CASES], ids=lambda c: c.name)
@pytest.mark.parametrize("version", ["1", "2"])
def test_table_classification(c: Case, version: str) -> None:
    a = case_auditor(c, version)
    facts = a.facts(c.dossier_id, c.events, c.as_of)
    assert facts.semantics.version == version
    cls = classify(facts, a.catalogue, a.calendar)
    expected = c.status[0] if version == "1" else c.status[1]
    assert (cls.status if cls else None) == expected, c.why


def test_every_amendment_fires_where_v1_was_wrong_and_has_cases_that_must_not() -> None:
    differs = Counter(c.amendment for c in CASES if c.v1 != c.v2 or c.status[0] != c.status[1])
    same = Counter(c.amendment for c in CASES if c.v1 == c.v2)
    for amendment in AMENDMENTS:
        assert differs[amendment] and same[amendment], amendment


def test_table_runs_as_one_file_too() -> None:
    """All dossiers together (as the batch engine, the warehouse or the detector would see them)."""
    for version in ("1", "2"):
        for params in {c.params_for(version) for c in CASES}:
            group = [c for c in CASES if c.params_for(version) == params and c.as_of == CASES[0].as_of]
            events = [e for c in reversed(group) for e in reversed(c.events)]
            found = audit_events(events, auditor(version, params), CASES[0].as_of)
            got = {(v.dossier_id, v.rule_id, v.event_id) for v in found}
            assert got == {(c.dossier_id, *k) for c in group for k in c.expected(version)}


# --- verdict metadata and parameters ---------------------------------------------------------------------


def test_supplement_clock_is_recorded_with_every_v2_verdict() -> None:
    c = BY_NAME["a13_restart_still_late"]
    for version, params, clock in (
        ("2", c.params, "restart"),
        ("2", RuleParams(), "pause"),
        ("1", None, None),
    ):
        found = audit_events(c.events, auditor(version, params), c.as_of)
        assert found and all(v.evidence.get("supplement_clock") == clock for v in found)
    late = audit_events(c.events, auditor("2", c.params), c.as_of)[0]
    assert late.evidence["basis"] == "restart" and late.evidence["restart_at"].startswith("2025-11-05T09:00")


def test_new_findings_metadata() -> None:
    assert [r.rule_id for r in RULEBOOK_V2.rules] == [r.rule_id for r in RULES_V1]
    new = {r.rule_id: r for r in FINDINGS_V2}.keys() - {r.rule_id for r in RULEBOOK_V1.findings}
    assert new == {"OLD_DUE_DATE_MISMATCH", "EVENT_AFTER_END"}
    for rule_id in new:
        rule = RULEBOOK_V2.rule(rule_id)
        assert rule.kind == "finding" and rule.title_vi and rule.title_en and rule.check.__doc__
        assert rule.confidence in "CSU" and rule.basis_on(CALENDAR.first_date.replace(year=2024))
    mismatch = RULEBOOK_V2.rule("OLD_DUE_DATE_MISMATCH")
    assert (mismatch.severity, mismatch.confidence) == (Severity.MEDIUM, "S")
    assert "Điều 5" in mismatch.basis_on(CALENDAR.first_date.replace(year=2024))
    assert "[U]" in mismatch.basis_on(CALENDAR.first_date.replace(year=2026))
    with pytest.raises(KeyError):
        RULEBOOK_V1.rule("EVENT_AFTER_END")


def test_versions_and_their_selection() -> None:
    assert DEFAULT_RULEBOOKS.versions == (RULEBOOK_V2,) and RULEBOOK_V2.version == "2"
    assert Rulebooks.of_version("1").versions == (RULEBOOK_V1,)
    params = RuleParams(apology_lead_working_days=2, supplement_clock="restart")
    assert Rulebooks.of_version("2", params).versions[0].params == params
    with pytest.raises(ValueError, match="unknown rulebook version"):
        Rulebooks.of_version("99")  # not "3": the next version's name (newcomer review)
    with pytest.raises(ValueError, match="needs rulebook version 2"):
        Rulebooks.of_version("1", params)
    with pytest.raises(ValueError, match="supplement_clock"):
        RuleParams(supplement_clock="stop")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs rulebook version 2"):
        replace(RULEBOOK_V1, params=params)
    assert isinstance(replace(RULEBOOK_V2, params=params), Rulebook)


def test_facts_are_judged_by_the_version_that_derived_them() -> None:
    c = BY_NAME["a2_withdrawn_while_waiting"]
    v1_facts = auditor("1").facts(c.dossier_id, c.events, c.as_of)
    with pytest.raises(ValueError, match="facts derived under"):
        auditor("2").evaluate_facts(v1_facts)
    paused = derive_facts(
        c.dossier_id, c.events, c.as_of, semantics=Semantics("2", RuleParams(supplement_clock="restart"))
    )
    with pytest.raises(ValueError, match="facts derived under"):
        auditor("2").evaluate_facts(paused)


# --- catalogue: a maximum of 0 ---------------------------------------------------------------------------

_CATALOGUE_YAML = """
catalogue: {name: t}
fields: [{code: F1, name: Hộ tịch}]
units: [{code: U1, name: Xã, level: commune, valid_from: 2020-01-01}]
procedures:
  - {code: "1.1", name: Cấp bản sao, field: F1, max_time: MAX, financial_obligation: true}
"""


@pytest.mark.parametrize("text", ["0 working_days", "{amount: 0, unit: working_hours}", "0 calendar_days"])
def test_catalogue_accepts_a_maximum_of_zero(text: str) -> None:
    p = loads_catalogue(_CATALOGUE_YAML.replace("MAX", text)).procedures["1.1"]
    assert p.max_time.amount == 0 and p.max_time.is_limited and p.financial_obligation


def test_catalogue_rejects_a_negative_maximum() -> None:
    with pytest.raises(CatalogueError, match="must not be negative"):
        loads_catalogue(_CATALOGUE_YAML.replace("MAX", "-1 working_days"))


# --- the reporting form reads the same facts ---------------------------------------------------------------


def _form_view(o: DossierOutcome | None) -> tuple[object, ...] | None:
    """What the reporting form reads of an outcome (open dossiers: within time or overdue only)."""
    if o is None:
        return None
    if o.ended_on is None:
        return (o.received_on, None, "overdue" if o.status == "late" else "within", None)
    return (o.received_on, o.ended_on, o.status, o.working_days)


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("version", ["1", "2"])
def test_outcome_history_follows_the_version(c: Case, version: str) -> None:
    a: Auditor = case_auditor(c, version)
    events = sorted(c.events, key=lambda e: (e.occurred_at, e.event_id))  # as the warehouse reads them
    history = a.outcome_history(c.dossier_id, events)
    semantics = a.rulebooks.versions[0].semantics
    assert history == outcome_history(c.dossier_id, events, a.catalogue, a.calendar, semantics=semantics)
    instants = sorted({e.occurred_at for e in events} | {t for t, _ in history})
    deltas = (timedelta(microseconds=-1), timedelta(0), timedelta(hours=20), timedelta(days=9))
    probes = [t + d for t in instants for d in deltas]
    for t in probes:
        direct = outcome(a.facts(c.dossier_id, events, t, presorted=True), a.catalogue, a.calendar)
        known = [o for since, o in history if since <= t]
        assert _form_view(known[-1] if known else None) == _form_view(direct), (c.name, t)
    if c.as_of >= max(instants):
        final = outcome(a.facts(c.dossier_id, events, c.as_of), CATALOGUE, CALENDAR)
        assert (final.status if final else None) == c.status[0 if version == "1" else 1]


def test_outcome_history_keeps_the_older_keyword() -> None:
    c = BY_NAME["a8_procedure_with_obligation"]
    events = list(c.events)
    old = outcome_history(c.dossier_id, events, CATALOGUE, CALENDAR, pause_on_financial_obligation=True)
    new = auditor("2", RuleParams(pause_on_financial_obligation=True)).outcome_history(c.dossier_id, events)
    assert old == new
    with pytest.raises(TypeError):
        outcome_history(
            c.dossier_id,
            events,
            CATALOGUE,
            CALENDAR,
            semantics=Semantics(),
            pause_on_financial_obligation=True,
        )


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_rule_skipped_for_an_empty_collection_could_not_have_held(version: str) -> None:
    """``Rule.reads``: the auditor skips a check whose collection is empty; the check agrees, on every case
    (each with the collection emptied when it is not)."""
    from inspections.rules import RuleInput

    book = RULEBOOK_V1 if version == "1" else RULEBOOK_V2
    for c in CASES:
        a = case_auditor(c, version)
        facts = a.facts(c.dossier_id, c.events, c.as_of)
        for rule in book.all_rules:
            if rule.reads is None:
                continue
            nothing: dict[str, Any] = {rule.reads: ()}
            emptied = replace(facts, **nothing)
            assert list(rule.check(RuleInput(emptied, a.catalogue, a.calendar))) == [], (rule.rule_id, c.name)


def test_a_restart_counts_from_the_last_completion() -> None:
    """Amendment 13: with ``supplement_clock = restart`` the limit counts again from the *last* completion
    (two pairs: the evidence says Wednesday 12:00, not Tuesday's)."""
    c = EDGE_BY_NAME["edge_restart_from_the_last_completion"]
    found = audit_events(c.events, case_auditor(c, "2"), c.as_of)
    (late,) = [v for v in found if v.rule_id == "LATE_NO_APOLOGY"]
    assert late.evidence["restart_at"] == "2025-11-05T12:00:00+07:00"
    assert late.evidence["supplement_clock"] == "restart"
