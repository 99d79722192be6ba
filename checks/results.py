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

    def examples(self, limit: int = 3) -> str:
        """Up to ``limit`` of the offending rows (``examples``) or else values with their counts
        (``unexpected_values``) the check recorded, for people: Dagster's check metadata and the ``check``
        command name them, where they showed only counts ("—": none recorded)."""
        shown = [_example_text(example) for example in self.details.get("examples", [])[:limit]]
        if not shown:
            pairs = _pairs(self.details.get("unexpected_values", []))[:limit]
            shown = [f"{value!s} ({count})" for value, count in pairs]
        text = "; ".join(item if len(item) <= 100 else item[:99] + "…" for item in shown)
        return text or "—"

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
    #: When the suites began to read the warehouse (epoch µs, the clock's, whatever ``now`` says): stored as
    #: the run's version, so that a load recorded after it is one the run may not have read whole
    #: (``loaded_since``). 0: not known, the storing instant stands in.
    started_us: int = 0

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
    version = run.started_us or now_version()
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


def _pairs(values: object) -> list[tuple[object, object]]:
    """Great Expectations' ``partial_unexpected_counts``: ``{"value": v, "count": n}`` items (or pairs)."""
    pairs: list[tuple[object, object]] = []
    for item in values if isinstance(values, list) else []:
        if isinstance(item, dict):
            pairs.append((item.get("value"), item.get("count")))
        elif isinstance(item, list | tuple) and len(item) == 2:
            pairs.append((item[0], item[1]))
    return pairs


#: Columns a frame holds only to be checked faster, never shown in an example (``checks.inputs``).
_HELPER_COLUMNS = frozenset({"occurred_epoch"})
#: The members of a recorded row named first: what an operator looks the row up by.
_IDS_FIRST = ("dossier_id", "event_id", "unit_code", "procedure_code")


def _example_text(example: object) -> str:
    """A recorded row as ``dossier_id=… due_at=…`` (its ids first, so a cut keeps them), a value as itself;
    without the columns the frames add to be checked faster (``occurred_epoch``: its ``occurred_at`` is
    shown, and its digits filled the cut: ops review)."""
    if not isinstance(example, dict):
        return str(example)
    names = sorted(
        (name for name in example if name not in _HELPER_COLUMNS),
        key=lambda name: _IDS_FIRST.index(name) if name in _IDS_FIRST else len(_IDS_FIRST),
    )
    return " ".join(f"{name}={example[name]}" for name in names)


def loaded_since(wh: Warehouse, week: Week | None) -> datetime | None:
    """When a load last recorded a step in a second after the one the newest stored run for ``week`` began
    reading in, or ``None``: results do not say what a load stored after they were read, nor all of what one
    finishing meanwhile did (review: a report showed "passed all checks" beside an event id stored twice by
    a load made after the check). Load records keep whole seconds: one in the run's first second is taken
    as before it."""
    name = str(week) if week is not None else ""
    ((count, newest),) = wh.query(load_sql("quality_loads_since"), {"week": name})
    if not count:
        return None
    at: datetime = newest
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
