"""Calibration: plan every dossier's outcome up front so a unit's report totals come out exact.

The plan fixes, for one unit over ``[start, end)``: how many dossiers are received each working day,
which are online, and which end early, on time, late (with a lawful apology, so no rule fires) or
stay in progress (within time) at the end. Outcomes are shuffled by the seed, then swapped where a
dossier cannot have its outcome (e.g. "on time" for a dossier due after the period ends).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any, Protocol

from dossier_audit.simulator import clock as ck
from dossier_audit.simulator import kit as kt
from dossier_audit.simulator import scenarios as sc
from dossier_audit.simulator.arrivals import Arrival, day_counts, pick
from dossier_audit.simulator.config import CalibrationTargets, SimulationConfig


class Simulation(Protocol):
    """What the planner uses of a simulation (the generator's ``Simulation``), named here so that this
    module stays below the generator that calls it."""

    rng: ck.FastRandom
    world: Any
    kit: kt.Kit
    config: SimulationConfig

    def arrivals_on(self, day: date, n: int, channels: Sequence[str] | None = None) -> list[Arrival]: ...


OUTCOMES = ("early", "on_time", "late", "in_progress")


def outcome_plan(targets: CalibrationTargets) -> Counter[str]:
    """How many dossiers get each outcome."""
    return Counter(
        early=targets.resolved_early,
        on_time=targets.resolved_on_time,
        late=targets.resolved_late,
        in_progress=targets.in_progress,
    )


def feasible(kit: kt.Kit, received_wm: int, due: date | None, outcome: str, end: date) -> bool:
    """Whether a dossier received at ``received_wm`` with legal due date ``due`` can get ``outcome``
    and (unless in progress) be resolved before ``end``."""
    clock = kit.clock
    r_day = clock.date_of(received_wm)
    last = clock.before(end, 1)
    if outcome == "in_progress":
        # Within time at the period's end (its last day not after the due date), and open: a dossier
        # waiting for the applicant's supplement ends at the request (RULES.md), resolved, not in progress.
        return due is None or due >= end - timedelta(days=1)
    if outcome == "early":
        return due is not None and due > r_day
    if outcome == "on_time":
        return due is None or due <= last
    if due is None or clock.after(due, 2) > last:
        return False
    deadline = kit.calendar.working_day_offset(due, -kit.apology_lead)
    return clock.last_wm(deadline) > received_wm


def plan_calibration(sim: Simulation, targets: CalibrationTargets) -> Iterator[Arrival]:
    """The calibrated arrivals, in receive order, each with its planned ``outcome``."""
    rng, world, kit = sim.rng, sim.world, sim.kit
    channels = ["online"] * targets.received_online + [
        "postal" if rng.random() < sim.config.postal_share else "direct"
        for _ in range(targets.received_direct_postal)
    ]
    rng.shuffle(channels)
    arrivals: list[Arrival] = []
    for day, n in day_counts(world.clock, targets.start, targets.end, targets.received):
        arrivals.extend(sim.arrivals_on(day, n, channels[len(arrivals) : len(arrivals) + n]))
    end = targets.end
    cal, catalogue = kit.calendar, world.catalogue

    def due_of(i: int, code: str) -> date | None:
        received = world.clock.dt(arrivals[i].received_wm)
        procedure = catalogue.procedure(code, received)  # its time limit that day
        return cal.legal_due_date(received, procedure.max_time) if procedure is not None else None

    def choose(i: int, o: str) -> str | None:
        """A procedure (by portal weight) under which arrival ``i`` can have outcome ``o``."""
        a = arrivals[i]
        choices = world.procedures(a.unit_code, world.clock.date_of(a.received_wm))
        for _ in range(20):
            code = pick(rng, choices)
            if code is not None and feasible(kit, a.received_wm, due_of(i, code), o, end):
                return code
        codes = [c for c in choices[0] if feasible(kit, a.received_wm, due_of(i, c), o, end)]
        return rng.choice(codes) if codes else None

    # In progress: among the last dossiers received (any of them can be open or waiting).
    k = targets.in_progress
    tail = list(range(max(0, len(arrivals) - 5 * k), len(arrivals)))
    for i in rng.sample(tail, k):
        arrivals[i].outcome = "in_progress"

    rest = [i for i in range(len(arrivals)) if arrivals[i].outcome is None]
    plan = outcome_plan(targets)
    outcomes = [o for o in ("early", "on_time", "late") for _ in range(plan[o])]
    rng.shuffle(outcomes)
    for i, o in zip(rest, outcomes, strict=True):
        arrivals[i].outcome = o
    order = rest[:]
    rng.shuffle(order)
    for i in range(len(arrivals)):
        oi = arrivals[i].outcome
        assert oi is not None
        code = choose(i, oi)
        if code is None:
            # Swap outcomes with a dossier that can take this one while this one takes its outcome.
            for j in order:
                oj = arrivals[j].outcome
                assert oj is not None
                if oj == oi or j == i:
                    continue
                code, other = choose(i, oj), choose(j, oi)
                if code is not None and other is not None:
                    arrivals[i].outcome, arrivals[j].outcome = oj, oi
                    arrivals[j].procedure_code = other
                    break
            else:
                raise ValueError(f"calibration {targets.name}: no dossier can take outcome {oi!r}")
        assert code is not None
        arrivals[i].procedure_code = code
    yield from arrivals


def build_outcome(kit: kt.Kit, d: kt.Dossier, outcome: str) -> None:
    """Build a clean dossier with the planned outcome (resolved before ``as_of`` unless in progress)."""
    clock = kit.clock
    due = kit.legal_due(d)
    if outcome == "late":
        built = sc.late_apologized(kit, d)
        assert built, "a feasible late outcome always builds"
        return
    kit.receive(d, due)
    if outcome == "in_progress":  # due after the period (``feasible``): open, within time at its end
        last = clock.floor(kit.as_of - timedelta(minutes=1))
        if last - d.received_wm > 2 and kit.rng.random() < 0.5:
            to = kit.rng.choice(d.transfer_units) if d.transfer_units else d.unit_code
            kit.emit(d, "transferred", kit.at(kit.rng.randint(d.received_wm + 1, last)), {"to_unit_code": to})
        return
    bound = due if due is not None else clock.after(clock.date_of(d.received_wm), kit.rng.randint(1, 10))
    kit.body(
        d,
        bound,
        outcome=outcome,
        supplement=False if outcome == "on_time" else None,
        resolve_before=kit.as_of,
    )
