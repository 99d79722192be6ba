"""A classification the caller already has is what the rules judge with (``Auditor.evaluate_facts(...,
classification=)``: a warehouse fold classifies every dossier for its row, and the lateness rule need not
classify it again): the same verdicts as without it, on a simulated province under each rulebook version,
and ``classify`` not called again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import inspections.rules.base as rules_base
from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.simulator import SimulationConfig, simulate
from inspections.classification import classify
from schemas.events import EVENT_ADAPTER, AnyEvent


def _never(*args: Any) -> Any:
    raise AssertionError("classified again")


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_given_classification_gives_the_same_verdicts_without_classifying_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    monkeypatch.setenv("DOSSIER_AUDIT_RULEBOOK_VERSION", version)
    auditor = Platform(load_settings()).auditor
    config = SimulationConfig(dossiers=400, seed=23)
    as_of = simulate(config, tmp_path / "events.jsonl", tmp_path / "truth.jsonl").as_of
    found: dict[str, dict[str, AnyEvent]] = {}
    for line in (tmp_path / "events.jsonl").read_bytes().splitlines():
        event = EVENT_ADAPTER.validate_json(line)
        found.setdefault(event.dossier_id, {}).setdefault(event.event_id, event)
    judged = 0
    for dossier_id, by_id in found.items():
        events = sorted(by_id.values(), key=lambda e: e.occurred_at)
        facts = auditor.facts(dossier_id, events, as_of, presorted=True)
        expected = auditor.evaluate_facts(facts)
        given = classify(facts, auditor.catalogue, auditor.calendar)
        with monkeypatch.context() as patch:
            patch.setattr(rules_base, "classify", _never)
            assert auditor.evaluate_facts(facts, classification=given) == expected
        judged += bool(expected)
    assert judged > 20  # verdicts were there to compare
