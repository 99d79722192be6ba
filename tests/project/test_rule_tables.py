"""Every table keyed by rule id has an entry for every rule an audit can report, and each failure says which
file to edit. A new rule is its check and its ``Rule`` entry (README, "Where a change goes"), and then a line
in each of these: a rule missing from the console's guide was explained to inspectors as "a data-quality
check, not a breach of the law" (review of 2026-12-04), and a missing phrase or checklist left a pack cell
empty; the tables that enumerated rules failed with a bare set difference, naming no file."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from console.guide import _GUIDE, guide
from dossier_audit.simulator import RULE_IDS, SimulationConfig, simulate
from dossier_audit.simulator.scenarios import SCENARIOS
from inspections.audit_error import reported_rules
from inspections.rulebook import RULEBOOKS
from inspections.rules.needs import NEEDS
from reporting.evidence import RULES as PHRASES
from reporting.onsite import CHECKLIST
from schemas.validation import Rejection, parse_event
from sources.dvcqg.blindspots import RULES_NEEDING, UNKNOWN_FIELDS

REPORTED = {rule.rule_id for rule in reported_rules()}
RULES = {rule.rule_id for rule in reported_rules() if rule.kind == "violation"}
SEMANTICS = Path(__file__).resolve().parents[2] / "docs" / "rules-semantics.md"


def _semantics_table() -> set[str]:
    """The rule ids of the table of ``docs/rules-semantics.md`` that copies ``NEEDS`` for people."""
    lines = SEMANTICS.read_text(encoding="utf-8").splitlines()
    start = lines.index("| rule | reads (events: fields) | scope |")
    ids: set[str] = set()
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        ids |= set(re.findall(r"`([A-Z_]+)`", line.split("|")[1]))
    return ids


#: (where the table is, its keys, the ids it must hold exactly).
TABLES = [
    ("inspections/rules/needs.py NEEDS (what each rule reads)", set(NEEDS), REPORTED),
    ("reporting/evidence.py RULES (the evidence sentence of the packs)", set(PHRASES), REPORTED),
    ("reporting/onsite.py CHECKLIST (what to verify on site, in the packs)", set(CHECKLIST), REPORTED),
    ("docs/rules-semantics.md its table of what each rule reads (NEEDS)", _semantics_table(), REPORTED),
]


def _difference(where: str, keys: set[str], expected: set[str]) -> str:
    """What to do in ``where`` to make ``keys`` ``expected``."""
    return f"{where}: add {sorted(expected - keys)}, remove {sorted(keys - expected)}"


@pytest.mark.parametrize(("where", "keys", "expected"), TABLES, ids=[t[0].split()[0] for t in TABLES])
def test_each_table_has_every_reported_rule(where: str, keys: set[str], expected: set[str]) -> None:
    assert keys == expected, _difference(where, keys, expected)


def test_the_console_explains_every_rule_in_its_own_words() -> None:
    where = "console/guide.py _GUIDE (the inspector's explanation)"
    assert set(_GUIDE) >= RULES, _difference(where, set(_GUIDE) & RULES, RULES)  # findings may have words too


def test_a_rule_without_words_is_never_called_a_data_quality_check() -> None:
    for lang in ("vi", "en"):
        for kind in ("violation", "not_checkable"):
            plain, verify = guide("A_RULE_NOT_IN_THE_GUIDE", lang, kind=kind)
            assert "không phải vi phạm" not in plain and "not a breach" not in plain, (lang, kind, plain)
            assert plain and verify
        assert "not a breach" in guide("A_FINDING_NOT_IN_THE_GUIDE", "en", kind="finding")[0]


def test_the_simulator_injects_every_rule_of_its_rulebook() -> None:
    """The simulator's ground truth (tests/dossier_audit/test_audit_truth.py) covers each rule of the rulebook
    it is written for: ``RULE_IDS`` in dossier_audit/simulator/config.py, a scenario each in
    dossier_audit/simulator/scenarios.py ``SCENARIOS``."""
    from dossier_audit.simulator.config import TRUTH_RULEBOOK_VERSION

    truth = {rule.rule_id for rule in RULEBOOKS[TRUTH_RULEBOOK_VERSION].rules}
    assert set(RULE_IDS) == truth, _difference(
        "dossier_audit/simulator/config.py RULE_IDS", set(RULE_IDS), truth
    )
    assert set(SCENARIOS) == truth, _difference(
        "dossier_audit/simulator/scenarios.py SCENARIOS", set(SCENARIOS), truth
    )


def _types_held(tmp: Path) -> dict[str, set[str]]:
    """For each attribute of the facts a rule reads (``NEEDS``), the event types it holds, found on a
    simulated province with every scenario frequent."""
    config = SimulationConfig(dossiers=600, seed=11, violation_rates=dict.fromkeys(RULE_IDS, 0.06))
    run = simulate(config, tmp / "events.jsonl", tmp / "truth.jsonl")
    auditor = Platform(load_settings()).auditor
    by_dossier: dict[str, list] = defaultdict(list)
    for line in (tmp / "events.jsonl").read_bytes().splitlines():
        event = parse_event(line)
        assert not isinstance(event, Rejection), event
        by_dossier[event.dossier_id].append(event)
    attributes = {attribute for needs in NEEDS.values() for attribute in needs.reads}
    held: dict[str, set[str]] = defaultdict(set)
    for dossier_id, events in by_dossier.items():
        facts = auditor.facts(dossier_id, events, run.as_of)
        for attribute in attributes:
            value = getattr(facts, attribute)
            for event in value if isinstance(value, tuple) else (value,) if value is not None else ():
                held[attribute].add(event.type.value)
    return held


def test_the_importers_blind_spots_name_the_rules_needs_says_read_each_unknown_field(tmp_path: Path) -> None:
    """sources/dvcqg/blindspots.py ``RULES_NEEDING`` (which rules an unknown field of the national format
    withholds, in the import's summary) is the inverse of ``NEEDS`` over ``UNKNOWN_FIELDS``: kept by hand, so
    checked here against what each rule reads of each event type."""
    held = _types_held(tmp_path)
    expected: dict[tuple[str, str], set[str]] = {}
    for kind, fields in UNKNOWN_FIELDS.items():
        for name in fields:
            readers = {
                rule_id
                for rule_id, needs in NEEDS.items()
                for attribute, read in needs.reads.items()
                if name in read and kind in held[attribute]
            }
            if readers:
                expected[(kind, name)] = readers
    actual = {key: set(rules) for key, rules in RULES_NEEDING.items()}
    assert actual == expected, f"sources/dvcqg/blindspots.py RULES_NEEDING: expected {expected}"


def test_every_reported_rule_has_its_titles_and_guide_words_in_both_languages() -> None:
    """The key tables above ask for a key; an empty title or guide text passed them, and a v3 rule with
    none printed a blank rule name in every report, pack and console page (newcomer review)."""
    for rule in reported_rules():
        where = f"inspections/rules/__init__.py, the Rule of {rule.rule_id}"
        assert rule.title_vi.strip() and rule.title_en.strip(), f"{where}: give title_vi and title_en"
        if rule.rule_id in _GUIDE:
            texts = _GUIDE[rule.rule_id]
            assert all(t.strip() for t in texts), f"console/guide.py _GUIDE[{rule.rule_id!r}]: fill all four"


def test_the_rulebook_version_setting_offers_the_versions_there_are() -> None:
    """A version is spelled in ``semantics.VERSIONS``, ``rulebook.RULEBOOKS`` and the setting's values: a
    new one added to the first two could not be chosen (operator's guide, "A new rule")."""
    from typing import get_args

    from bootstrap.settings import Settings
    from inspections.semantics import VERSIONS

    offered = get_args(Settings.model_fields["rulebook_version"].annotation)
    assert set(offered) == set(VERSIONS) == set(RULEBOOKS), (
        "bootstrap/settings.py rulebook_version's Literal values, inspections/semantics.py VERSIONS and "
        f"inspections/rulebook.py RULEBOOKS differ: {offered}, {VERSIONS}, {tuple(RULEBOOKS)}"
    )
