"""Data-quality results: what a run of the suites found, stored in the warehouse and read by reports.

Apart from the suites because the reports only read stored results; they never run a suite.
(Interface fixed by the lead; the checks helper implements the functions.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from inspections.weeks import Week
from warehouse.base import Warehouse
from warehouse.migrate import migrate
from warehouse.queries import load_sql
from warehouse.store import now_version


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
    # JSON-safe: "params" of the check, "observed" value, "unexpected_values" (value, count) and "examples"
    # (the offending rows' ids), at most 10 of each; "error" when the check itself could not run.
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def message(self, lang: str = "vi") -> str:
        return self.message_en if lang == "en" else self.message_vi

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "expectation": self.expectation,
            "column": self.column,
            "success": self.success,
            "blocking": self.blocking,
            "unexpected_count": self.unexpected_count,
            "element_count": self.element_count,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "checked_at": self.checked_at.isoformat(),
            "week": self.week,
            "details": self.details,
        }


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

    @property
    def warnings(self) -> list[CheckResult]:
        """Failed non-blocking checks: worth a look, but the data can still be reported on."""
        return [r for r in self.results if not r.blocking and not r.success]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "week": self.week,
            "success": self.success,
            "blocking_failures": len(self.blocking_failures),
            "warnings": len(self.warnings),
            "results": [r.to_json_dict() for r in self.results],
        }


_COLUMNS = (
    "run_id", "week", "position", "suite", "expectation", "column_name", "success", "blocking",
    "unexpected_count", "element_count", "message_vi", "message_en", "details", "checked_at", "version",
)  # fmt: skip


def store_results(wh: Warehouse, run: QualityRun) -> None:
    """Store a run (creating the table first if needed); every row of the run shares one version."""
    migrate(wh)
    if not run.results:
        return
    version = now_version()
    rows = [
        (
            run.run_id,
            run.week or "",
            i,
            r.suite,
            r.expectation,
            r.column,
            int(r.success),
            int(r.blocking),
            r.unexpected_count,
            r.element_count,
            r.message_vi,
            r.message_en,
            orjson.dumps(r.details, option=orjson.OPT_SORT_KEYS).decode(),
            r.checked_at.astimezone(UTC).replace(microsecond=0),
            version,
        )
        for i, r in enumerate(run.results)
    ]
    wh.insert("quality_results", _COLUMNS, [list(c) for c in zip(*rows, strict=True)])


def latest_results(wh: Warehouse, week: Week | None) -> list[CheckResult]:
    """The newest stored run's results for ``week`` (empty when never checked or the table is missing)."""
    ((present,),) = wh.query(
        "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'quality_results'"
    )
    if not present:
        return []
    name = str(week) if week is not None else ""
    rows = wh.query(load_sql("quality_latest"), {"week": name})
    return [
        CheckResult(
            suite=suite,
            expectation=expectation,
            column=column,
            success=bool(success),
            blocking=bool(blocking),
            unexpected_count=int(unexpected),
            element_count=int(total),
            message_vi=vi,
            message_en=en,
            checked_at=checked_at,
            week=name or None,
            details=orjson.loads(details) if details else {},
        )
        for (
            suite,
            expectation,
            column,
            success,
            blocking,
            unexpected,
            total,
            vi,
            en,
            details,
            checked_at,
        ) in rows
    ]
