"""Defects a week's checks let through because they read only the week's frames (review of the data-quality
checks), on both backends: the suites' SQL runs on ClickHouse 18.16 and chdb."""

from __future__ import annotations

from datetime import datetime

import pytest

from checks import CheckResult, QualityRun, run_checks
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from tests.checks.helpers import Loader, clean_events, dossier, prepare
from warehouse.base import Warehouse

W45, W46 = Week.parse("2025-W45"), Week.parse("2025-W46")
#: Monday after 2025-W45, 08:00 local: the clean data are fresh.
CLEAN_NOW = datetime(2025, 11, 10, 8, 0, tzinfo=VN_TZ)
FUTURE = "events.occurred_at is not in the future"


def by_key(run: QualityRun) -> dict[str, CheckResult]:
    return {r.expectation: r for r in run.results}


@pytest.fixture
def loaded(platform, warehouse: Warehouse) -> Loader:
    loader = Loader(platform, prepare(platform, warehouse))
    loader.load(clean_events())
    return loader


def test_a_dossier_dated_wholly_in_the_future_fails_every_weeks_check(platform, loaded):
    """A week's dossier whose dates were moved a month ahead (and given a new id) is in no week's frames
    until its dates pass, and then no longer in the future: every weekly run passed it, only a run of the
    whole warehouse failed."""
    ahead = dossier(30, "2025-12-09")
    loaded.load(ahead)
    for week in (W45, W46, None):
        run = run_checks(platform.catalogue, platform.rulebooks, loaded.wh, week, now=CLEAN_NOW)
        result = by_key(run)[FUTURE]
        assert (result.success, result.blocking, result.unexpected_count) == (False, True, 3), week
        assert {e["dossier_id"] for e in result.details["examples"]} == {ahead[0].dossier_id}
        assert result.details["params"]["future_in_warehouse"] == 3
        assert result in run.blocking_failures
    # Once its dates have passed it is an ordinary dossier.
    later = run_checks(
        platform.catalogue, platform.rulebooks, loaded.wh, W45, now=datetime(2026, 1, 5, tzinfo=VN_TZ)
    )
    assert (
        by_key(later)[FUTURE].success and by_key(later)[FUTURE].details["params"]["future_in_warehouse"] == 0
    )
