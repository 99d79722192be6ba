"""The province simulator: determinism, contract validity, order, ground truth and calibration."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier_audit.simulator import (
    RULE_IDS,
    WARD_2023,
    CalibrationTargets,
    SimulationConfig,
    default_violation_rates,
    generate,
    simulate,
    truth,
)
from dossier_audit.simulator.arrivals import day_counts
from dossier_audit.simulator.calibration import feasible, outcome_plan, plan_calibration
from dossier_audit.simulator.clock import DAY_MINUTES, TZ, Clock
from dossier_audit.simulator.generator import Simulation, default_calendar, default_catalogue
from schemas.validation import Rejection, parse_event
from tests.depth import examples

SMALL = SimulationConfig(dossiers=600, seed=11, violation_rates=default_violation_rates(0.06))
ID = re.compile(r"^(?P<unit>\d{3}\.\d{2}\.\d{2}\.H99)-(?P<day>\d{6})-\d{4}$")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    d = tmp_path_factory.mktemp("sim")
    summary = simulate(SMALL, d / "events.jsonl", d / "truth.jsonl")
    return d / "events.jsonl", d / "truth.jsonl", summary


@pytest.fixture(scope="module")
def events(run: tuple[Path, Path, object]) -> list:
    parsed = []
    for n, line in enumerate(run[0].read_bytes().splitlines(), 1):
        e = parse_event(line, line_no=n)
        assert not isinstance(e, Rejection), (e, line)
        parsed.append(e)
    return parsed


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path, run: tuple[Path, Path, object]) -> None:
    simulate(SMALL, tmp_path / "a.jsonl", tmp_path / "a.truth")
    assert (tmp_path / "a.jsonl").read_bytes() == run[0].read_bytes()
    assert (tmp_path / "a.truth").read_bytes() == run[1].read_bytes()
    other = SimulationConfig(dossiers=600, seed=12, violation_rates=default_violation_rates(0.06))
    simulate(other, tmp_path / "b.jsonl", tmp_path / "b.truth")
    assert (tmp_path / "b.jsonl").read_bytes() != run[0].read_bytes()


def test_every_line_is_a_valid_event(events: list) -> None:
    assert len(events) > 2000
    assert {e.type for e in events} >= {
        "submitted",
        "received",
        "transferred",
        "supplement_requested",
        "supplement_completed",
        "financial_obligation_requested",
        "financial_obligation_fulfilled",
        "apology_issued",
        "due_date_changed",
        "refused",
        "suspended",
        "withdrawn",
        "processed",
        "returned",
    }


def test_events_are_ordered_and_before_as_of(events: list, run: tuple[Path, Path, object]) -> None:
    keys = [(e.occurred_at, e.event_id) for e in events]
    assert keys == sorted(keys)
    as_of = run[2].as_of  # type: ignore[attr-defined]
    assert all(e.occurred_at < as_of for e in events)
    assert len({e.event_id for e in events}) == len(events)


def test_ids_are_well_formed_and_units_valid(events: list) -> None:
    catalogue = default_catalogue()
    for e in events:
        m = ID.match(e.dossier_id)
        assert m, e.dossier_id
        assert e.event_id.startswith(e.dossier_id + "-")
        if e.type == "received":
            local = e.occurred_at.astimezone(TZ)
            assert m["unit"] == e.unit_code and m["day"] == local.strftime("%y%m%d")
            assert catalogue.units[e.unit_code].valid_on(local.date())


def test_reception_follows_the_calendar(events: list) -> None:
    calendar = default_calendar()
    pre = post = 0
    channels: Counter[str] = Counter()
    for e in events:
        local = e.occurred_at.astimezone(TZ)
        if e.type == "received":
            assert calendar.is_working_day(local.date())
            t = local.time()
            assert t.hour >= 7 and (t.hour, t.minute) < (17, 0)
            assert not ((11, 30) <= (t.hour, t.minute) < (13, 30))
            channels[e.data.channel] += 1
            pre += local.date() < date(2025, 7, 1)
            post += local.date() >= date(2025, 7, 1)
    assert pre and post  # the default period spans the 2025-07-01 reform
    assert 0.4 < channels["online"] / sum(channels.values()) < 0.6
    submitted_off = [
        e for e in events if e.type == "submitted" and not calendar.is_working_day(e.occurred_at.date())
    ]
    assert submitted_off  # weekend and holiday submissions exist, online only


def test_every_rule_scenario_appears_and_meta_counts_match(run: tuple[Path, Path, object]) -> None:
    lines = [orjson.loads(x) for x in run[1].read_bytes().splitlines()]
    meta, rows = lines[0]["meta"], lines[1:]
    counts = Counter(r["rule_id"] for r in rows)
    assert all(counts[rule] > 0 for rule in RULE_IDS), counts
    assert meta["violations"] == {rule: counts[rule] for rule in RULE_IDS}
    assert meta["as_of"] == "2025-09-01T00:00:00+07:00" and meta["seed"] == 11
    assert meta["total_violations"] == len(rows)
    assert all(set(r) == {"dossier_id", "rule_id", "event_id"} for r in rows)


def test_truth_matches_the_audit_exactly(events: list, run: tuple[Path, Path, object]) -> None:
    audit = pytest.importorskip("inspections.audit")
    from inspections.rulebook import Auditor

    auditor = Auditor(default_catalogue(), default_calendar())
    found = audit.audit_events(events, auditor, run[2].as_of)  # type: ignore[attr-defined]
    got = {(v.dossier_id, v.rule_id, v.event_id) for v in found if v.kind == "violation"}
    rows = [orjson.loads(x) for x in run[1].read_bytes().splitlines()[1:]]
    expected = {(r["dossier_id"], r["rule_id"], r["event_id"]) for r in rows}
    assert got == expected
    assert not [v for v in found if v.kind != "violation"]  # no UNKNOWN_PROCEDURE / EVENT_AFTER_RETURN


def test_clean_run_has_no_truth_and_generate_matches_file(tmp_path: Path) -> None:
    cfg = SimulationConfig(dossiers=150, seed=3, violation_rates={})
    assert list(truth(cfg)) == []
    summary = simulate(cfg, tmp_path / "e.jsonl", tmp_path / "t.jsonl")
    dumped = b"".join(orjson.dumps(e, option=orjson.OPT_APPEND_NEWLINE) for e in generate(cfg))
    assert dumped == (tmp_path / "e.jsonl").read_bytes()
    assert summary.dossiers == 150 and summary.events == dumped.count(b"\n")


def test_per_week_rate_sets_the_total() -> None:
    cfg = SimulationConfig(start=date(2025, 3, 3), end=date(2025, 3, 17), dossiers_per_week=70.0)
    assert cfg.total_dossiers == 140
    sim = Simulation(cfg)
    assert len(list(sim.arrivals())) == 140


def test_day_counts_are_exact_and_seasonal() -> None:
    clock = Clock(default_calendar(), date(2025, 1, 1), date(2025, 12, 31))
    counts = day_counts(clock, date(2025, 3, 3), date(2025, 5, 26), 10_001)
    assert sum(n for _, n in counts) == 10_001
    assert all(clock.is_working(d) for d, _ in counts)
    assert date(2025, 4, 30) not in dict(counts)  # holiday
    by_wd: Counter[int] = Counter()
    for d, n in counts:
        by_wd[d.weekday()] += n
    assert by_wd[0] > by_wd[4] and by_wd[1] > by_wd[3]


@settings(max_examples=examples(100), deadline=None)
@given(st.integers(min_value=0, max_value=200 * DAY_MINUTES - 1), st.integers(min_value=0, max_value=59))
def test_clock_round_trips_working_minutes(wm: int, second: int) -> None:
    clock = _clock()
    t = clock.dt(wm, second)
    assert clock.floor(t) == wm
    assert clock.floor(t + timedelta(hours=30)) >= wm


_CLOCK: list[Clock] = []


def _clock() -> Clock:
    if not _CLOCK:
        _CLOCK.append(Clock(default_calendar(), date(2024, 12, 1), date(2026, 3, 1)))
    return _CLOCK[0]


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="unknown rule"):
        SimulationConfig(violation_rates={"NOPE": 0.1})
    with pytest.raises(ValueError, match="more than 1"):
        SimulationConfig(violation_rates=default_violation_rates(0.1))
    with pytest.raises(ValueError, match="unknown calibration"):
        SimulationConfig(calibrate="nowhere")
    with pytest.raises(ValueError, match="received"):
        CalibrationTargets("bad", date(2023, 1, 1), date(2024, 1, 1), 1, 1, 1, 0, 0, 0)


def test_calibration_plan_hits_the_report_totals() -> None:
    sim = Simulation(SimulationConfig(calibrate="ward-2023", seed=5))
    arrivals = list(plan_calibration(sim, WARD_2023))
    assert Counter(a.outcome for a in arrivals) == outcome_plan(WARD_2023)
    assert Counter(a.channel == "online" for a in arrivals) == {True: 1433, False: 1427}
    assert {a.unit_code for a in arrivals} == {"000.01.01.H99"}
    end = WARD_2023.end
    for a in arrivals:
        proc = sim.world.catalogue.procedures[a.procedure_code]
        due = sim.kit.calendar.legal_due_date(sim.world.clock.dt(a.received_wm), proc.max_time)
        assert a.outcome is not None and feasible(sim.kit, a.received_wm, due, a.outcome, end)


def test_calibrated_run_measures_exactly_the_report(tmp_path: Path) -> None:
    metrics = pytest.importorskip("inspections.metrics")
    from inspections.audit import audit_events, group_by_dossier
    from inspections.rulebook import Auditor

    summary = simulate(SimulationConfig(calibrate="ward-2023", seed=2), tmp_path / "e", tmp_path / "t")
    assert summary.start == date(2023, 1, 1) and summary.as_of == datetime(2024, 1, 1, tzinfo=TZ)
    events = [parse_event(x) for x in (tmp_path / "e").read_bytes().splitlines()]
    assert not any(isinstance(e, Rejection) for e in events)
    catalogue, calendar = default_catalogue(), default_calendar()
    auditor = Auditor(catalogue, calendar)
    as_of = metrics.period_as_of(WARD_2023.end)
    outcomes = []
    for dossier_id, group in group_by_dossier(events).items():  # type: ignore[arg-type]
        o = metrics.outcome(auditor.facts(dossier_id, group.sorted_events(), as_of), catalogue, calendar)
        if o is not None:
            outcomes.append(o)
    form = metrics.reporting_form(outcomes, WARD_2023.start, WARD_2023.end).to_json_dict()
    assert form["received"] == {
        "carried_over": 0,
        "new_online": 1433,
        "new_direct_postal": 1427,
        "total": 2860,
    }
    assert form["resolved"] == {"total": 2851, "early": 2431, "on_time": 418, "late": 2}
    assert form["in_progress"]["total"] == 9
    assert audit_events(events, auditor, summary.as_of) == []  # type: ignore[arg-type]


def test_truth_follows_the_rule_parameters() -> None:
    pytest.importorskip("inspections.audit")
    from inspections.audit import audit_events
    from inspections.rulebook import DEFAULT_RULEBOOKS, Auditor
    from inspections.rules import RuleParams

    cfg = SimulationConfig(
        dossiers=500,
        seed=4,
        violation_rates=default_violation_rates(0.06),
        apology_lead_working_days=2,
        pause_on_financial_obligation=True,
    )
    events = [orjson.loads(orjson.dumps(e)) for e in generate(cfg)]
    parsed = [parse_event(orjson.dumps(e)) for e in events]
    params = RuleParams(apology_lead_working_days=2, pause_on_financial_obligation=True)
    auditor = Auditor(default_catalogue(), default_calendar(), DEFAULT_RULEBOOKS.with_params(params))
    as_of = datetime.combine(cfg.end, datetime.min.time(), tzinfo=TZ)
    found = audit_events(parsed, auditor, as_of)  # type: ignore[arg-type]
    got = {(v.dossier_id, v.rule_id, v.event_id) for v in found}
    assert got == {(t["dossier_id"], t["rule_id"], t["event_id"]) for t in truth(cfg)}


def test_custom_calibration_targets(tmp_path: Path) -> None:
    targets = CalibrationTargets(
        name="small",
        start=date(2025, 3, 1),
        end=date(2025, 4, 1),
        received_online=60,
        received_direct_postal=40,
        resolved_early=80,
        resolved_on_time=15,
        resolved_late=1,
        in_progress=4,
        unit_code="000.01.02.H99",
    )
    sim = Simulation(SimulationConfig(calibrate=targets, seed=1))
    arrivals = list(plan_calibration(sim, targets))
    assert Counter(a.outcome for a in arrivals) == {"early": 80, "on_time": 15, "late": 1, "in_progress": 4}
    assert {a.unit_code for a in arrivals} == {"000.01.02.H99"}
    summary = simulate(SimulationConfig(calibrate=targets, seed=1), tmp_path / "e", tmp_path / "t")
    assert summary.dossiers == 100 and sum(summary.violations.values()) == 0


def test_truth_follows_a_time_limit_that_changes_during_the_run() -> None:
    """A catalogue whose limits change mid-run (``time_limits``): the simulator plants its violations by the
    limit of the day each dossier is received, as the audit judges them."""
    from inspections.audit import audit_events
    from inspections.catalogue import Catalogue, TimeLimit
    from inspections.rulebook import Auditor
    from inspections.timeunits import ProcessingTime

    base = default_catalogue()
    change = date(2025, 7, 21)
    procedures = [
        p.model_copy(update={"time_limits": (TimeLimit(valid_from=change, max_time=ProcessingTime(
            p.max_time.amount + 2, p.max_time.unit)),)}) if p.max_time.is_limited else p
        for p in base.procedures.values()
    ]  # fmt: skip
    catalogue = Catalogue(procedures, base.units.values(), base.fields.values(), base.meta)
    cfg = SimulationConfig(dossiers=500, seed=6, violation_rates=default_violation_rates(0.06))
    parsed = [parse_event(orjson.dumps(e)) for e in generate(cfg, catalogue=catalogue)]
    as_of = datetime.combine(cfg.end, datetime.min.time(), tzinfo=TZ)
    found = audit_events(parsed, Auditor(catalogue, default_calendar()), as_of)  # type: ignore[arg-type]
    got = {(v.dossier_id, v.rule_id, v.event_id) for v in found}
    assert got == {(t["dossier_id"], t["rule_id"], t["event_id"]) for t in truth(cfg, catalogue=catalogue)}
