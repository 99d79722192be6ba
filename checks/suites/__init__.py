"""The suites, one module per concern, in report order.

Each module declares ``SUITE`` (its name, ``CheckResult.suite``), ``BLOCKING`` (whether any of its
expectations blocks reports), ``DESCRIPTION``, ``NEXT_STEP`` (what an operator does when it fails) and
``run(SuiteRun)``. They are declarative: a suite says which frame it validates with which checks;
reading the frames, running Great Expectations and wording the results happen below it
(``checks.inputs``, ``checks.engine``, ``checks.suite_run``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from checks.check import Advice
from checks.suites import (
    catalogue,
    consistency,
    due_dates,
    event_time,
    freshness,
    lifecycle,
    load_runs,
    partitions,
    uniqueness,
    vocabulary,
)

#: The suite modules in report order.
SUITE_MODULES: tuple[ModuleType, ...] = (
    uniqueness, vocabulary, event_time, due_dates, catalogue, consistency, partitions, lifecycle, freshness,
    load_runs,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SuiteInfo:
    name: str  # CheckResult.suite
    blocking: bool  # whether any of its expectations blocks reports
    description: str
    next_step: Advice | None = None  # what an operator does when it fails


SUITES: tuple[SuiteInfo, ...] = tuple(
    SuiteInfo(m.SUITE, m.BLOCKING, m.DESCRIPTION, m.NEXT_STEP) for m in SUITE_MODULES
)
