"""The streaming province simulator: arrivals → dossier lifecycles → events in time order.

Dossiers are planned in order of their receive time; each dossier's events wait in per-day buckets
(a heap of pending days) and a day is released, sorted, once no dossier still to be planned can have
an event in it (an online submission is never earlier than 07:00 of the working day before its
receipt). Memory is bounded by the dossiers
open in that window, not by the size of the output.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import orjson

from dossier_audit.simulator import clock as ck
from dossier_audit.simulator import kit as kt
from dossier_audit.simulator import scenarios as sc
from dossier_audit.simulator.arrivals import Arrival, day_counts, pick
from dossier_audit.simulator.calibration import build_outcome, plan_calibration
from dossier_audit.simulator.config import RULE_IDS, TRUTH_RULEBOOK_VERSION, SimulationConfig
from dossier_audit.simulator.horizon import Horizon
from dossier_audit.simulator.world import (
    NoReceivingUnit,
    World,
    calibration_unit,
    default_calendar,
    default_catalogue,
)
from dossier_audit.whole_files import written_whole
from inspections.timeunits import ProcessingTime

#: Scenarios that need a procedure with a limited maximum time (they plan around its due date).
_NEEDS_LIMIT = frozenset(RULE_IDS) - {"UNPUBLISHED_PROCEDURE", "REFUSAL_UNWRITTEN", "REFUSAL_NO_REASON"}

__all__ = ["Simulation", "SimulationSummary", "calibration_unit", "default_calendar", "default_catalogue",
           "generate", "simulate", "truth"]  # fmt: skip


class _Procedure(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def max_time(self) -> ProcessingTime: ...
    @property
    def financial_obligation(self) -> bool: ...
    @property
    def weight(self) -> int | None: ...
    @property
    def components(self) -> Sequence[Any]: ...


@dataclass(frozen=True, slots=True)
class SimulationSummary:
    """What a run produced."""

    seed: int
    start: date
    end: date
    as_of: datetime
    dossiers: int
    events: int
    violations: dict[str, int]

    def meta(self) -> dict[str, Any]:
        """The ground truth file's first line (under ``"meta"``)."""
        return {
            "seed": self.seed,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            # The truth is exact when judged at ``as_of`` with this rulebook (and the simulation's rule
            # parameters): scenarios cut by ``as_of`` are kept only when it finds there what they record.
            "rulebook_version": TRUTH_RULEBOOK_VERSION,
            "exact_when": "judged at as_of with rulebook_version",
            "dossiers": self.dossiers,
            "events": self.events,
            "violations": self.violations,
            "total_violations": sum(self.violations.values()),
        }


_VN_OFFSET_S = 7 * 3600


def _line(event: dict[str, Any]) -> bytes:
    # orjson's result keeps its over-allocated buffer (~1 KiB); an exact copy is a third of the memory.
    return bytes(memoryview(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE)))


class Simulation:
    """One run: arrivals, planning and ordered release of events; truth lines are collected on the way."""

    def __init__(
        self,
        config: SimulationConfig,
        calendar: ck.Calendar | None = None,
        catalogue: Any = None,
        truth_sink: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.config = config
        self.rng = ck.FastRandom(config.seed)
        self.world = World(
            config,
            calendar if calendar is not None else default_calendar(),
            catalogue if catalogue is not None else default_catalogue(),
        )
        self.kit = kt.Kit(
            self.rng,
            self.world.clock,
            self.world.calendar,
            self.world.as_of,
            apology_lead_working_days=config.apology_lead_working_days,
            pause_on_financial_obligation=config.pause_on_financial_obligation,
        )
        self._horizon = Horizon(
            self.world.catalogue,
            self.world.calendar,
            self.world.as_of,
            apology_lead_working_days=config.apology_lead_working_days,
            pause_on_financial_obligation=config.pause_on_financial_obligation,
        )
        self.truth: list[dict[str, Any]] = []
        self._sink = truth_sink if truth_sink is not None else self.truth.append
        self.violations = dict.fromkeys(RULE_IDS, 0)
        self.dossiers = 0
        self.events = 0
        self._seq: dict[tuple[str, int], int] = {}
        self._proc_info: dict[str, tuple[Any, ...]] = {}
        self._transfer: dict[tuple[int, str], tuple[str, ...]] = {}
        rates = (
            [] if config.targets is not None else [(r, config.violation_rates.get(r, 0.0)) for r in RULE_IDS]
        )
        self._rates = list(itertools.accumulate(rate for _, rate in rates))
        self._rate_ids = [r for r, _ in rates]

    # --- arrivals ----------------------------------------------------------------------------

    def _scenario(self) -> str | None:
        if not self._rates:
            return None
        i = bisect.bisect_right(self._rates, self.rng.random())
        return self._rate_ids[i] if i < len(self._rate_ids) else None

    def _submitted_at(self, wm: int) -> datetime:
        """An online submission before receipt: often in the preceding non-working gap, else just before."""
        rng, clock = self.rng, self.world.clock
        r_at = clock.dt(wm)
        day = clock.date_of(wm)
        prev = clock.before(day, 1)
        gap_start = clock.dt(clock.last_wm(prev)) + timedelta(minutes=1)  # 17:00 of the previous working day
        if (day - prev).days > 1 and wm % ck.DAY_MINUTES < 120 and rng.random() < 0.7:
            span = int((clock.dt(clock.first_wm(day)) - gap_start).total_seconds())
            return gap_start + timedelta(seconds=rng.randrange(span))
        return r_at - timedelta(seconds=rng.randint(120, 3 * 3600))

    def arrivals_on(self, day: date, n: int, channels: Sequence[str] | None = None) -> list[Arrival]:
        """``n`` receptions on a working day, sorted by receive time."""
        rng, world, cfg = self.rng, self.world, self.config
        base = world.clock.first_wm(day)
        minutes = sorted(min(world.clock.random_minute(rng), ck.LAST_ARRIVAL_MINUTE) for _ in range(n))
        out: list[Arrival] = []
        units = world.units_on(day)
        for i, minute in enumerate(minutes):
            wm = base + minute
            if channels is not None:
                channel = channels[i]
            elif rng.random() < cfg.online_share:
                channel = "online"
            else:
                channel = "postal" if rng.random() < cfg.postal_share else "direct"
            unit = pick(rng, units)
            if unit is None:
                raise NoReceivingUnit(day, world.catalogue)
            scenario = self._scenario()
            proc = None
            if scenario == "UNPUBLISHED_PROCEDURE":
                proc = pick(rng, world.procedures(unit, day, unpublished=True))
            elif scenario in _NEEDS_LIMIT:
                proc = pick(rng, world.procedures(unit, day, limited=True))
            if proc is None:
                if scenario in _NEEDS_LIMIT or scenario == "UNPUBLISHED_PROCEDURE":
                    scenario = None
                proc = pick(rng, world.procedures(unit, day))
            assert proc is not None
            a = Arrival(wm, channel, unit, proc, scenario)
            if channel == "online":
                a.submitted_at = self._submitted_at(wm)
                a.never_received = channels is None and rng.random() < cfg.online_refused_at_reception
            out.append(a)
        return out

    def arrivals(self) -> Iterator[Arrival]:
        targets = self.config.targets
        if targets is not None:
            yield from plan_calibration(self, targets)
            return
        w = self.world
        for day, n in day_counts(w.clock, w.start, w.end, self.config.total_dossiers):
            yield from self.arrivals_on(day, n)

    # --- planning ----------------------------------------------------------------------------

    def _procedure(self, code: str, day_index: int) -> tuple[Any, ...]:
        got = self._proc_info.get(code)
        if got is None:
            p: _Procedure = self.world.catalogue.procedures[code]
            comps = tuple(c.code for c in p.components)
            mandatory = tuple(c.code for c in p.components if c.mandatory)
            optional = tuple(c for c in comps if c not in mandatory)
            got = self._proc_info[code] = (p.max_time, comps, mandatory, optional, p.financial_obligation)
        if self.world.catalogue.procedures[code].time_limits:  # the limit of the day it is received
            in_force = self.world.catalogue.procedure(code, self.world.clock.days[day_index])
            got = (in_force.max_time if in_force is not None else got[0], *got[1:])
        return got

    def _transfers(self, day_index: int, unit: str) -> tuple[str, ...]:
        key = (day_index, unit)
        got = self._transfer.get(key)
        if got is None:
            day = self.world.clock.days[day_index]
            got = self._transfer[key] = tuple(u for u in self.world.transfer_units(day) if u != unit)
        return got

    def _dossier(self, a: Arrival, procedure_code: str, dossier_id: str | None = None) -> kt.Dossier:
        world, rng = self.world, self.rng
        day_index = a.received_wm // ck.DAY_MINUTES
        if dossier_id is None:
            key = (a.unit_code, day_index)
            seq = self._seq[key] = self._seq.get(key, 0) + 1
            dossier_id = f"{a.unit_code}-{world.clock.label(day_index)}-{seq:04d}"
        applicant = f"0{rng.randrange(10**10, 10**11)}" if rng.random() < 0.4 else None
        max_time, comps, mandatory, optional, financial = self._procedure(procedure_code, day_index)
        return kt.Dossier(
            dossier_id=dossier_id,
            unit_code=a.unit_code,
            procedure_code=procedure_code,
            max_time=max_time,
            components=comps,
            mandatory=mandatory,
            optional=optional,
            financial_obligation=financial,
            channel=a.channel,
            received_wm=a.received_wm,
            submitted_at=a.submitted_at,
            applicant=applicant,
            transfer_units=self._transfers(day_index, a.unit_code),
        )

    def plan(self, a: Arrival) -> kt.Dossier:
        """Build one dossier's events and expected violations."""
        kit = self.kit
        d = self._dossier(a, a.procedure_code)
        if a.outcome is not None:
            build_outcome(kit, d, a.outcome)
            return d
        if a.scenario is not None:
            applicable = a.scenario.startswith("REFUSAL") or not a.never_received
            # A scenario cut by the horizon stays when its verdict at as_of is already the recorded one
            # (``horizon``): otherwise the sample's last weeks would thin out.
            if (
                applicable
                and sc.SCENARIOS[a.scenario](kit, d)
                and (kit.fits(d) or self._horizon.holds_when_cut(d))
            ):
                return d
            d.reset()
            if a.scenario == "UNPUBLISHED_PROCEDURE":
                day = self.world.clock.date_of(a.received_wm)
                code = pick(self.rng, self.world.procedures(a.unit_code, day))
                assert code is not None
                d = self._dossier(a, code, d.dossier_id)
        if a.never_received:
            sc.refused_at_reception(kit, d)
        else:
            sc.clean(kit, d)
        return d

    # --- streaming ---------------------------------------------------------------------------

    def run(self) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """Events as (epoch second, event id, event dict), ordered by time then id."""
        return self._run(None)

    def run_lines(self) -> Iterator[tuple[int, str, bytes]]:
        """Events as (epoch second, event id, JSON line), ordered by time then id.

        Pending events are kept serialised: smaller than dicts and invisible to the cyclic GC.
        """
        return self._run(_line)

    def _run(self, encode: Callable[[dict[str, Any]], Any] | None) -> Iterator[tuple[int, str, Any]]:
        """The ordered release (``encode`` is applied when an event is planned; ``None``: as is).

        Pending events wait in one bucket per local day, with a heap of bucket days; a day is sorted
        and released once every dossier still to be planned starts after it (a C-level sort of a
        day beats one heap operation per event).
        """
        buckets: dict[int, list[tuple[int, str, Any]]] = {}
        days: list[int] = []
        as_of_s = int(self.world.as_of.timestamp())
        clock = self.world.clock
        for a in self.arrivals():
            # An online submission is never earlier than 07:00 of the previous working day.
            horizon = int(clock.dt((a.received_wm // ck.DAY_MINUTES - 1) * ck.DAY_MINUTES).timestamp())
            horizon_day = (horizon + _VN_OFFSET_S) // 86400
            while days and days[0] < horizon_day:
                yield from self._release(buckets.pop(heapq.heappop(days)))
            d = self.plan(a)
            self.dossiers += 1
            for at, eid, event in d.events:
                ts = int(at.timestamp())
                if ts < as_of_s:
                    key = (ts + _VN_OFFSET_S) // 86400
                    bucket = buckets.get(key)
                    if bucket is None:
                        bucket = buckets[key] = []
                        heapq.heappush(days, key)
                    bucket.append((ts, eid, event if encode is None else encode(event)))
            for rule, trigger in d.truth:
                self.violations[rule] += 1
                self._sink({"dossier_id": d.dossier_id, "rule_id": rule, "event_id": trigger})
        while days:
            yield from self._release(buckets.pop(heapq.heappop(days)))

    def _release(self, bucket: list[tuple[int, str, Any]]) -> Iterator[tuple[int, str, Any]]:
        bucket.sort()  # (time, event id) is unique, so the payloads are never compared
        self.events += len(bucket)
        return iter(bucket)

    def summary(self) -> SimulationSummary:
        w = self.world
        return SimulationSummary(
            self.config.seed, w.start, w.end, w.as_of, self.dossiers, self.events, dict(self.violations)
        )


def generate(
    config: SimulationConfig, calendar: ck.Calendar | None = None, catalogue: Any = None
) -> Iterator[dict[str, Any]]:
    """Event dicts in output order. Timestamps are aware ``datetime`` values (``orjson.dumps`` renders
    them as RFC 3339)."""
    for _, _, event in Simulation(config, calendar, catalogue).run():
        yield event


def truth(
    config: SimulationConfig, calendar: ck.Calendar | None = None, catalogue: Any = None
) -> Iterator[dict[str, Any]]:
    """The expected violations (``dossier_id``, ``rule_id``, ``event_id``) of the run (runs it)."""
    sim = Simulation(config, calendar, catalogue)
    for _ in sim.run():
        pass
    yield from sim.truth


def simulate(
    config: SimulationConfig,
    events_path: Path,
    truth_path: Path,
    *,
    calendar: ck.Calendar | None = None,
    catalogue: Any = None,
) -> SimulationSummary:
    """Write the events (JSONL, time order) and the ground truth (JSONL, meta line first), each whole or not
    at all (``whole_files``): a failed run leaves the previous files as they were. The truth is complete
    before the events replace theirs, so a failure while writing it leaves both old."""
    dumps, nl = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    truth_path = Path(truth_path)
    # Truth lines go to an unnamed file beside it while events stream (nothing to delete, however the run
    # ends); the meta line (counts) is known only at the end.
    with written_whole(Path(events_path)) as out, tempfile.TemporaryFile(dir=truth_path.parent) as body:

        def sink(record: dict[str, Any]) -> None:
            body.write(dumps(record, option=nl))

        sim = Simulation(config, calendar, catalogue, sink)
        buf: list[bytes] = []
        append, write = buf.append, out.write
        for _, _, line in sim.run_lines():
            append(line)
            if len(buf) >= 8192:
                write(b"".join(buf))
                buf.clear()
        write(b"".join(buf))
        summary = sim.summary()
        body.seek(0)
        with written_whole(truth_path) as truth:
            truth.write(dumps({"meta": summary.meta()}, option=nl))
            shutil.copyfileobj(body, truth)
    return summary
