"""Data-quality results: what a run of the suites found, stored in the warehouse and read by reports.

(Interface fixed by the lead; the checks helper implements the functions.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from inspections.weeks import Week
from warehouse.base import Warehouse


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One expectation's verdict."""

    suite: str  # e.g. "events" or "dossiers"
    expectation: str  # e.g. "event_id is unique" (stable id, English)
    column: str | None
    success: bool
    blocking: bool  # a report built on data that failed a blocking check says so on its first page
    unexpected_count: int
    element_count: int
    message_vi: str
    message_en: str
    checked_at: datetime
    week: str | None  # "2025-W45", or None for the whole warehouse


@dataclass(frozen=True, slots=True)
class QualityRun:
    run_id: str
    week: str | None
    results: list[CheckResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.blocking and not r.success]


def latest_results(wh: Warehouse, week: Week | None) -> list[CheckResult]:
    """The newest stored run's results for ``week`` (empty when never checked)."""
    raise NotImplementedError
