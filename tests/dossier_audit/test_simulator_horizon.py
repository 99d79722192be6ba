"""The sample does not thin out at its end (issue 15): scenarios cut by the horizon are kept when their
verdict at ``as_of`` is already the recorded one, so the last week has as many reception-time violations as
the weeks before (the audit still finds exactly the truth: ``test_audit_truth``)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from statistics import mean

import orjson

from dossier_audit.simulator import Simulation, SimulationConfig
from inspections.weeks import Week

#: Rules fixed at reception: their trigger is the ``received`` event, so they count in the week received.
RECEPTION_RULES = frozenset({"DUE_DATE_OVERSTATED", "NO_APPOINTMENT", "UNPUBLISHED_PROCEDURE"})


def test_the_last_week_is_as_dense_as_the_weeks_before() -> None:
    config = SimulationConfig(start=date(2025, 9, 8), end=date(2025, 11, 24), dossiers=8000, seed=7)
    sim = Simulation(config)
    when = {event_id: event["occurred_at"] for _, event_id, event in sim.run()}
    weekly: Counter[Week] = Counter()
    for record in sim.truth:
        if record["rule_id"] in RECEPTION_RULES:
            weekly[Week.of(when[record["event_id"]].date())] += 1
    weeks = sorted(weekly)
    assert weeks[-1] == Week.parse("2025-W47") and len(weeks) == 11
    before = mean(weekly[w] for w in weeks[1:-1])
    # Before the fix the last week had under half (W47: DUE_DATE_OVERSTATED 43 → 19 on the main sample).
    assert weekly[weeks[-1]] >= 0.75 * before, (weekly[weeks[-1]], before)
    assert weekly[weeks[-2]] >= 0.75 * before, (weekly[weeks[-2]], before)


def test_the_horizon_judges_with_the_rulebook_the_truth_is_written_for(tmp_path: Path) -> None:
    from dossier_audit.simulator import config, horizon, simulate
    from dossier_audit.simulator.generator import default_calendar, default_catalogue
    from inspections.rulebook import DEFAULT_RULEBOOK_VERSION

    assert config.TRUTH_RULEBOOK_VERSION == DEFAULT_RULEBOOK_VERSION
    made = horizon.Horizon(default_catalogue(), default_calendar(), datetime(2025, 9, 1, tzinfo=UTC),
                           apology_lead_working_days=1, pause_on_financial_obligation=False)  # fmt: skip
    assert made.rulebook_version == config.TRUTH_RULEBOOK_VERSION
    other = horizon.Horizon(default_catalogue(), default_calendar(), datetime(2025, 9, 1, tzinfo=UTC),
                            apology_lead_working_days=1, pause_on_financial_obligation=False,
                            rulebook_version="1")  # fmt: skip
    assert other.rulebook_version == "1"
    # The truth's metadata says which rulebook it is exact for, and when.
    simulate(SimulationConfig(start=date(2025, 8, 25), end=date(2025, 9, 1), dossiers=30, seed=5),
             tmp_path / "e.jsonl", tmp_path / "t.jsonl")  # fmt: skip
    meta = orjson.loads((tmp_path / "t.jsonl").read_bytes().splitlines()[0])["meta"]
    assert meta["rulebook_version"] == DEFAULT_RULEBOOK_VERSION
    assert meta["exact_when"] == "judged at as_of with rulebook_version"
