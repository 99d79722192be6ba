"""Run every suite for a week or the whole warehouse.

The runner takes what the suites use — the catalogue (codes when the warehouse holds no snapshot), the
rulebooks (the severities a violation may carry), the warehouse, the scope and the clock — and nothing
that would tie the checks to how the process was configured.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from checks.engine import Engine
from checks.inputs import Inputs, require_tables
from checks.results import CheckResult, QualityRun
from checks.scope import Scope
from checks.suite_run import SuiteRun
from checks.suites import SUITE_MODULES
from inspections.catalogue import Catalogue
from inspections.rulebook import Rulebooks
from inspections.weeks import Week
from warehouse.base import Warehouse
from warehouse.store import now_version


def run_checks(
    catalogue: Catalogue,
    rulebooks: Rulebooks,
    wh: Warehouse,
    week: Week | None,
    *,
    now: datetime | None = None,
) -> QualityRun:
    """Run every suite on ``week`` (events that occurred in it, dossiers its form counts, local time) or, when
    ``week`` is None, on the whole warehouse. ``now`` (aware; default: the clock) is the reference for "not
    in the future" and freshness, and the results' ``checked_at``. Nothing is stored (``store_results``)."""
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError(f"now={now.isoformat()} has no time zone; pass an aware datetime")
    require_tables(wh)
    started_us = now_version()  # the clock's, not ``now``: compared with the loads' records
    inputs = Inputs(wh, Scope(week), now, catalogue, rulebooks)
    engine = Engine()
    results: list[CheckResult] = []
    for module in SUITE_MODULES:
        suite = SuiteRun(module.SUITE, inputs, engine)
        module.run(suite)
        results.extend(suite.results)
    return QualityRun(run_id=uuid.uuid4().hex, week=inputs.scope.name, results=results, started_us=started_us)
