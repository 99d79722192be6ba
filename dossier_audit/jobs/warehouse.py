"""Warehouse jobs: init, load a file (store events and rejections, fold dossiers, evaluate the rulebook),
and the reporting form of a unit computed from what the warehouse holds.

A load is recorded as a load run (``warehouse.load_runs``): started before it stores anything, stored once
its whole file is written, completed after its last write. A load killed after ``stored`` is finished by
the next load, which re-judges the dossiers of the events that run stored along with its own; one killed
before stays unfinished until its source is loaded again (``load_runs.finishing``)."""

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
from warehouse.load_runs import (
    LoadRun,
    finishing,
    new_run,
    record_completion,
    record_start,
    record_stored,
    run_dossiers,
    unfinished_runs,
)
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
    """What a load stored; the unfinished runs of earlier loads it finished (``recovered``: they had stored
    their whole file; ``superseded``: they had not, and this load read their source again), and those it
    could not (``left``: they had not, and are of another source)."""

    stats: IngestStats
    run_id: str = ""
    events_written: int = 0
    rejected_written: int = 0
    dossiers_folded: int = 0
    violations_open: int = 0
    violations_retracted: int = 0
    seconds: float = 0.0
    rejections: list[Rejection] = field(default_factory=list)
    recovered: list[LoadRun] = field(default_factory=list)
    superseded: list[LoadRun] = field(default_factory=list)
    left: list[LoadRun] = field(default_factory=list)
    recovered_dossiers: int = 0  # the dossiers of the events the finished runs stored, re-judged

    def to_json_dict(self) -> dict[str, Any]:
        return {
            **self.stats.to_json_dict(),
            "run_id": self.run_id,
            "events_written": self.events_written,
            "rejected_written": self.rejected_written,
            "dossiers_folded": self.dossiers_folded,
            "violations_open": self.violations_open,
            "violations_retracted": self.violations_retracted,
            "recovered_runs": [run.run_id for run in self.recovered],
            "superseded_runs": [run.run_id for run in self.superseded],
            "unfinished_runs": [run.run_id for run in self.left],
            "recovered_dossiers": self.recovered_dossiers,
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
    source: str | None = None,
) -> LoadResult:
    """Validate ``path``; store every valid event (pseudonymised) and every rejected line with its reason;
    fold the dossiers it touched from everything the warehouse holds and evaluate the rulebook on them at
    ``as_of``. Recorded as a load run, which also finishes the unfinished runs of earlier loads that it can
    (``load_runs.finishing``): it folds the dossiers of the events they stored too, each at the ``as_of`` of
    the newest run that stored events of it (this load's for the dossiers it touched).

    ``source``: what the events and the run record as their origin (default: ``path`` resolved); a command
    that spooled a pipe or stdin to ``path`` names the stream, not the temporary copy that is gone after."""
    started = time.perf_counter()
    migrate(wh)
    pseudonymiser = platform.pseudonymiser
    source = source or str(path.resolve())
    run = new_run(source, datetime.now(UTC), as_of)
    ingested_at = run.started_at  # how the run's events are found again (``load_runs.run_dossiers``)
    unfinished = unfinished_runs(wh)  # read before this run's own row: only earlier loads
    record_start(wh, run)
    events = Batch(wh, "events", EVENT_COLUMNS)
    rejected = Batch(wh, "rejected_events", REJECTION_COLUMNS)
    touched: set[str] = set()
    result = LoadResult(IngestStats(), run_id=run.run_id)

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
    record_stored(wh, run, _counts(result))  # from here on, any later load can finish this one

    finish = finishing(unfinished, source)
    result.recovered, result.superseded, result.left = finish.recovered, finish.superseded, finish.left
    judge_at = run_dossiers(wh, finish.finished)  # dossier → the as_of of the newest run that stored it
    result.recovered_dossiers = len(judge_at)
    judge_at.update(dict.fromkeys(touched, run.as_of))
    for instant in sorted(set(judge_at.values())):
        dossier_ids = sorted(d for d, at in judge_at.items() if at == instant)
        at = as_of if instant == run.as_of else instant  # this run's own, as given
        folded, opened, retracted = fold_dossiers(platform.auditor, wh, dossier_ids, at)
        result.dossiers_folded += folded
        result.violations_open += opened
        result.violations_retracted += retracted
    record_completion(wh, run, _counts(result), finish.recovered, finish.superseded)
    result.seconds = time.perf_counter() - started
    return result


def _counts(result: LoadResult) -> dict[str, int]:
    """What the completed run records (``load_runs.COUNTS``)."""
    return {
        "events_written": result.events_written,
        "rejected_written": result.rejected_written,
        "dossiers_folded": result.dossiers_folded,
        "violations_open": result.violations_open,
        "violations_retracted": result.violations_retracted,
    }


def metrics_warehouse(
    platform: Platform, wh: Warehouse, start: date, end: date, *, unit: str | None = None
) -> ReportingForm:
    """The reporting form for ``[start, end)`` computed in SQL from the stored outcome histories (one unit
    with everything under or merged into it, when ``unit`` is given)."""
    return reporting_form(wh, start, end, units=platform.catalogue.unit_scope(unit))
