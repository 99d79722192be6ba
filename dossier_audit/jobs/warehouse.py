"""Warehouse jobs: init, load a file (store events and rejections, fold dossiers, evaluate the rulebook),
and the reporting form of a unit computed from what the warehouse holds."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bootstrap.platform import Platform
from dossier_audit.jobs.batch_engine import BatchEngine, BatchOptions, IngestStats, ProgressSink
from inspections.metrics import ReportingForm
from schemas.events import AnyEvent
from schemas.validation import Rejection
from warehouse.base import Warehouse
from warehouse.migrate import migrate, schema_version
from warehouse.projection import fold_dossiers, reporting_form
from warehouse.store import (
    EVENT_COLUMNS,
    REJECTION_COLUMNS,
    Batch,
    event_row,
    rejection_row,
    store_catalogue,
)


def init(platform: Platform, wh: Warehouse) -> dict[str, Any]:
    """Create or upgrade the schema and store the catalogue and calendar snapshot."""
    applied = migrate(wh)
    snapshot = store_catalogue(wh, platform.catalogue, platform.calendar)
    return {
        "migrations_applied": [f"{m.version:04d}_{m.name}" for m in applied],
        "schema_version": schema_version(wh),
        "catalogue_snapshot": snapshot.snapshot,
        "catalogue_rows": snapshot.rows,
    }


@dataclass
class LoadResult:
    """What a load stored."""

    stats: IngestStats
    events_written: int = 0
    rejected_written: int = 0
    dossiers_folded: int = 0
    violations_open: int = 0
    violations_retracted: int = 0
    seconds: float = 0.0
    rejections: list[Rejection] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            **self.stats.to_json_dict(),
            "events_written": self.events_written,
            "rejected_written": self.rejected_written,
            "dossiers_folded": self.dossiers_folded,
            "violations_open": self.violations_open,
            "violations_retracted": self.violations_retracted,
            "seconds": round(self.seconds, 3),
        }


def load_file(
    platform: Platform,
    wh: Warehouse,
    path: Path,
    as_of: datetime,
    *,
    on_progress: ProgressSink | None = None,
    keep_rejections: int = 10,
) -> LoadResult:
    """Validate ``path``; store every valid event (pseudonymised) and every rejected line with its reason;
    fold the dossiers it touched from everything the warehouse holds; evaluate the rulebook at ``as_of``."""
    started = time.perf_counter()
    migrate(wh)
    pseudonymiser = platform.pseudonymiser
    source = str(path.resolve())
    ingested_at = datetime.now(UTC).replace(microsecond=0)
    events = Batch(wh, "events", EVENT_COLUMNS)
    rejected = Batch(wh, "rejected_events", REJECTION_COLUMNS)
    touched: set[str] = set()
    result = LoadResult(IngestStats())

    def on_event(event: AnyEvent, line_no: int) -> None:
        touched.add(event.dossier_id)
        events.add(*event_row(pseudonymiser.apply(event), source, line_no, ingested_at))

    def on_rejection(rejection: Rejection) -> None:
        rejected.add(*rejection_row(rejection, source, pseudonymiser.scrub_raw(rejection.raw), ingested_at))
        if len(result.rejections) < keep_rejections:
            result.rejections.append(rejection)

    # In-process engine: the sinks write to this process's warehouse session (chdb allows no other).
    engine = BatchEngine(
        None,
        options=BatchOptions(workers=1),
        on_rejection=on_rejection,
        on_progress=on_progress,
        on_event=on_event,
    )
    for _ in engine.run(path):
        pass
    events.flush()
    rejected.flush()
    result.stats = engine.stats
    result.events_written = events.written
    result.rejected_written = rejected.written

    folded = fold_dossiers(platform.auditor, wh, sorted(touched), as_of)
    result.dossiers_folded, result.violations_open, result.violations_retracted = folded
    result.seconds = time.perf_counter() - started
    return result


def metrics_warehouse(
    platform: Platform, wh: Warehouse, start: date, end: date, *, unit: str | None = None
) -> ReportingForm:
    """The reporting form for ``[start, end)`` computed in SQL from the stored outcome histories (one unit
    with everything under or merged into it, when ``unit`` is given)."""
    return reporting_form(wh, start, end, units=platform.catalogue.unit_scope(unit))
