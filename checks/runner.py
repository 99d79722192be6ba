"""Run every suite for a week or the whole warehouse."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType

from checks import catalogue, due_dates, event_time, freshness, lifecycle, uniqueness, vocabulary
from checks.base import Engine, Scope, SuiteRun
from checks.data import Inputs, require_tables
from checks.results import CheckResult, QualityRun
from bootstrap.platform import Platform
from inspections.weeks import Week
from warehouse.base import Warehouse

#: The suites in report order; each module has SUITE (its name), BLOCKING, DESCRIPTION and run(SuiteRun).
SUITE_MODULES: tuple[ModuleType, ...] = (
    uniqueness, vocabulary, event_time, due_dates, catalogue, lifecycle, freshness,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SuiteInfo:
    name: str  # CheckResult.suite
    blocking: bool  # whether any of its expectations blocks reports
    description: str


SUITES: tuple[SuiteInfo, ...] = tuple(SuiteInfo(m.SUITE, m.BLOCKING, m.DESCRIPTION) for m in SUITE_MODULES)


def run_checks(
    platform: Platform, wh: Warehouse, week: Week | None, *, now: datetime | None = None
) -> QualityRun:
    """Run every suite on ``week`` (events that occurred in it, dossiers received in it, local time) or, when
    ``week`` is None, on the whole warehouse. ``now`` (aware; default: the clock) is the reference for "not
    in the future" and freshness, and the results' ``checked_at``. Nothing is stored (``store_results``)."""
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError(f"now={now.isoformat()} has no time zone; pass an aware datetime")
    require_tables(wh)
    inputs = Inputs(platform, wh, Scope(week), now)
    engine = Engine()
    results: list[CheckResult] = []
    for module in SUITE_MODULES:
        suite = SuiteRun(module.SUITE, inputs, engine)
        module.run(suite)
        results.extend(suite.results)
    return QualityRun(run_id=uuid.uuid4().hex, week=inputs.scope.name, results=results)
