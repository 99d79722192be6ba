"""The rulebook a deployment judges by comes from the settings (``rulebook_version``,
``supplement_clock``), and the stream workers the main job starts get the same ones."""

from __future__ import annotations

import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from inspections.rules import RuleParams


def test_settings_select_the_rulebook() -> None:
    assert Platform(load_settings()).rulebooks.versions[0].version == "2"
    v1 = Platform(load_settings(rulebook_version="1")).rulebooks.versions[0]
    assert v1.version == "1" and v1.params.supplement_clock == "pause"
    restart = Platform(load_settings(supplement_clock="restart", pause_on_financial_obligation=True))
    assert restart.rulebooks.versions[0].params == RuleParams(
        pause_on_financial_obligation=True, supplement_clock="restart"
    )
    with pytest.raises(ValueError, match="rulebook_version=2"):
        load_settings(rulebook_version="1", supplement_clock="restart")


def test_child_workers_judge_by_the_same_rulebook() -> None:
    from dossier_audit.jobs.main import _child_settings

    env = _child_settings(load_settings(rulebook_version="2", supplement_clock="restart"))
    assert env["DOSSIER_AUDIT_RULEBOOK_VERSION"] == "2"
    assert env["DOSSIER_AUDIT_SUPPLEMENT_CLOCK"] == "restart"
