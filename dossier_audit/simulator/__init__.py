"""A realistic province simulator: dossier events with injected rule violations and their ground truth."""

from dossier_audit.simulator.config import (
    CALIBRATIONS,
    RULE_IDS,
    WARD_2023,
    CalibrationTargets,
    SimulationConfig,
    default_violation_rates,
)
from dossier_audit.simulator.generator import Simulation, SimulationSummary, generate, simulate, truth

__all__ = [
    "CALIBRATIONS",
    "RULE_IDS",
    "WARD_2023",
    "CalibrationTargets",
    "Simulation",
    "SimulationConfig",
    "SimulationSummary",
    "default_violation_rates",
    "generate",
    "simulate",
    "truth",
]
