"""Typed, frozen configuration of the province simulator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

from inspections.rulebook import DEFAULT_RULEBOOK_VERSION

#: The rulebook version the ground truth is written for: the scenarios inject its violations, and the
#: horizon (``simulator.horizon``) keeps a scenario cut by ``as_of`` only when this rulebook, judging it at
#: ``as_of``, finds what the scenario records. The truth is exact when judged with it at ``as_of``.
TRUTH_RULEBOOK_VERSION: str = DEFAULT_RULEBOOK_VERSION

#: The rule ids of the truth's rulebook (``TRUTH_RULEBOOK_VERSION``), in the order of RULES.md.
RULE_IDS: tuple[str, ...] = (
    "LATE_NO_APOLOGY",
    "APOLOGY_TOO_LATE",
    "APOLOGY_INCOMPLETE",
    "MISSED_NEW_DUE_DATE",
    "RESCHEDULED_MORE_THAN_ONCE",
    "REFUSAL_UNWRITTEN",
    "REFUSAL_NO_REASON",
    "SUPPLEMENT_UNWRITTEN",
    "REPEATED_SUPPLEMENT",
    "EXCESS_DOCUMENTS",
    "UNPUBLISHED_PROCEDURE",
    "NO_APPOINTMENT",
    "DUE_DATE_OVERSTATED",
    "DUE_DATE_CHANGED",
)

#: How far before and after its period the simulator plans on the working calendar (``world.World``'s
#: clock: a dossier received at the end runs on for months), so how far inside the calendar's years a
#: period must lie.
PLAN_BEFORE = timedelta(days=40)
PLAN_AFTER = timedelta(days=400)

#: Default period: 12 weeks ending on Monday 2025-09-01, so it spans the 2025-07-01 unit reform.
DEFAULT_END = date(2025, 9, 1)
DEFAULT_START = DEFAULT_END - timedelta(weeks=12)


def default_violation_rates(rate: float = 0.02) -> Mapping[str, float]:
    """The same injection rate for every rule (read-only mapping)."""
    return MappingProxyType(dict.fromkeys(RULE_IDS, rate))


#: The most dossiers one simulation makes: the simulator holds its dossiers' events in memory (2 million, a
#: large province's year, is about 11 million events), and a mistyped count ran for ever (review).
MAX_DOSSIERS = 5_000_000


@dataclass(frozen=True, slots=True)
class CalibrationTargets:
    """Exact reporting-form totals one unit must show over ``[start, end)`` (indicator 2.1 metrics)."""

    name: str
    start: date
    end: date
    received_online: int
    received_direct_postal: int
    resolved_early: int
    resolved_on_time: int
    resolved_late: int
    in_progress: int
    #: Receiving unit code; ``None`` picks the first pre-reform ward (commune-level *phường*) valid then.
    unit_code: str | None = None

    @property
    def received(self) -> int:
        return self.received_online + self.received_direct_postal

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    def __post_init__(self) -> None:
        if self.resolved + self.in_progress != self.received:
            raise ValueError(
                f"{self.name}: resolved {self.resolved} + in progress {self.in_progress} "
                f"!= received {self.received} (no carried-over dossiers are simulated)"
            )


#: The 2023 report of Hương Xuân ward: 2,860 received, 2,851 resolved (2,431 early, 418 on time, 2 late).
WARD_2023 = CalibrationTargets(
    name="ward-2023",
    start=date(2023, 1, 1),
    end=date(2024, 1, 1),
    received_online=1433,
    received_direct_postal=1427,
    resolved_early=2431,
    resolved_on_time=418,
    resolved_late=2,
    in_progress=9,
)

CALIBRATIONS: Mapping[str, CalibrationTargets] = MappingProxyType({WARD_2023.name: WARD_2023})


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """What to simulate. Same config (and seed) → byte-identical output.

    ``dossiers`` is the total number of dossiers; when ``dossiers_per_week`` is set it wins and the total
    is ``round(rate * days / 7)``. ``calibrate`` (a name from :data:`CALIBRATIONS` or targets) overrides
    the period, the volume, the channels and the outcomes, and injects no violations.
    """

    start: date = DEFAULT_START
    end: date = DEFAULT_END
    dossiers: int = 2000
    dossiers_per_week: float | None = None
    seed: int = 0
    violation_rates: Mapping[str, float] = field(default_factory=default_violation_rates)
    #: Share of dossiers filed online (the rest is split between direct and postal).
    online_share: float = 0.5
    #: Share of postal dossiers among the ones not filed online.
    postal_share: float = 0.15
    #: Share of online submissions refused at reception (never received).
    online_refused_at_reception: float = 0.02
    #: Restrict receiving units to these codes (default: every unit valid on the receive date).
    unit_codes: tuple[str, ...] | None = None
    calibrate: str | CalibrationTargets | None = None
    #: Rule parameters the ground truth is built for (must match the auditor's; RULES.md defaults).
    apology_lead_working_days: int = 1
    pause_on_financial_obligation: bool = False

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        unknown = set(self.violation_rates) - set(RULE_IDS)
        if unknown:
            raise ValueError(f"unknown rule ids in violation_rates: {sorted(unknown)}")
        if sum(self.violation_rates.values()) > 1:
            raise ValueError("violation rates add up to more than 1")
        if self.dossiers < 0:
            raise ValueError("dossiers must be >= 0")
        if isinstance(self.calibrate, str) and self.calibrate not in CALIBRATIONS:
            raise ValueError(f"unknown calibration {self.calibrate!r}; known: {sorted(CALIBRATIONS)}")
        if self.total_dossiers > MAX_DOSSIERS:  # memory grows with the count: 99,999,999 took 12.8 GB
            raise ValueError(
                f"{self.total_dossiers:,} dossiers: at most {MAX_DOSSIERS:,} in one file "
                "(a large province's year is about 2 million)"
            )

    @property
    def targets(self) -> CalibrationTargets | None:
        """The calibration targets, resolved from a name when needed."""
        if self.calibrate is None or isinstance(self.calibrate, CalibrationTargets):
            return self.calibrate
        return CALIBRATIONS[self.calibrate]

    @property
    def total_dossiers(self) -> int:
        targets = self.targets
        if targets is not None:
            return targets.received
        if self.dossiers_per_week is not None:
            return round(self.dossiers_per_week * (self.end - self.start).days / 7)
        return self.dossiers
