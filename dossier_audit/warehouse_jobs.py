"""Warehouse jobs: load a file (store events and rejections, fold dossiers, evaluate the rulebook), status,
and the audit and reporting form computed from what the warehouse holds."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from dossier_audit.assembly import Platform
from dossier_audit.batch import BatchEngine, BatchOptions, IngestStats, ProgressSink
from dossier_audit.jobs import unit_filter_codes
from inspections.classification import classify
from inspections.metrics import ReportingForm, outcome_history, period_as_of
from schemas.events import EVENT_ADAPTER, AnyEvent
from schemas.validation import Rejection
from warehouse.base import Warehouse
from warehouse.migrate import migrate, schema_version
from warehouse.queries import load_sql
from warehouse.store import (
    DOSSIER_COLUMNS,
    EVENT_COLUMNS,
    OUTCOME_COLUMNS,
    REJECTION_COLUMNS,
    VIOLATION_COLUMNS,
    Batch,
    dossier_row,
    epoch_us,
    event_row,
    now_version,
    outcome_rows,
    outcome_tombstones,
    rejection_row,
    store_catalogue,
    violation_row,
)

#: How many dossiers are folded per round trip to the warehouse.
CHUNK = 5_000


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

    folded = fold_dossiers(platform, wh, sorted(touched), as_of)
    result.dossiers_folded, result.violations_open, result.violations_retracted = folded
    result.seconds = time.perf_counter() - started
    return result


def stored_events(wh: Warehouse, dossier_ids: list[str]) -> Iterator[tuple[str, list[AnyEvent]]]:
    """Each dossier's stored events (one per event id), in event-time order, dossier by dossier."""
    for start in range(0, len(dossier_ids), CHUNK):
        chunk = dossier_ids[start : start + CHUNK]
        rows = wh.query(load_sql("events_of_dossiers"), {"ids": tuple(chunk)})
        current: str | None = None
        group: list[AnyEvent] = []
        for dossier_id, raw in rows:
            if dossier_id != current:
                if current is not None:
                    yield current, group
                current, group = dossier_id, []
            group.append(EVENT_ADAPTER.validate_json(raw))
        if current is not None:
            yield current, group


def fold_dossiers(
    platform: Platform, wh: Warehouse, dossier_ids: list[str], as_of: datetime, *, violations: bool = True
) -> tuple[int, int, int]:
    """Re-evaluate dossiers from their stored events: projection, outcome history, violations (with
    retractions of what no longer holds). Returns (dossiers, open violations, retracted violations).

    ``violations=False`` refreshes only the projection (``dossiers``, ``dossier_outcomes``): the stream
    sink does that, leaving violations to the detector."""
    auditor = platform.auditor
    catalogue = platform.catalogue
    version = now_version()
    params = auditor.rulebooks.versions[0].params
    dossiers = Batch(wh, "dossiers", DOSSIER_COLUMNS)
    outcomes = Batch(wh, "dossier_outcomes", OUTCOME_COLUMNS)
    found = Batch(wh, "violations", VIOLATION_COLUMNS)
    folded = opened = retracted = 0
    for start in range(0, len(dossier_ids), CHUNK):
        chunk = dossier_ids[start : start + CHUNK]
        previous = _open_violations(wh, chunk) if violations else {}
        old_keys = _outcome_keys(wh, chunk)
        for dossier_id, events in stored_events(wh, chunk):
            facts = auditor.facts(dossier_id, events, as_of, presorted=True)
            field_code = catalogue.field_of(facts.procedure_code) if facts.procedure_code else None
            cls = classify(facts, auditor.catalogue, auditor.calendar)
            history = outcome_history(
                dossier_id,
                events,
                auditor.catalogue,
                auditor.calendar,
                pause_on_financial_obligation=params.pause_on_financial_obligation,
            )
            dossiers.add(*dossier_row(facts, field_code, cls.status if cls else None, history, version))
            for row in outcome_rows(history, field_code, version):
                outcomes.add(*row)
            if dossier_id in old_keys:
                # Rows sort under (received_on, dossier, key): any old row the new history does not
                # overwrite gets an empty interval.
                received_on, keys = old_keys[dossier_id]
                same_day = bool(history) and history[0][1].received_on == received_on
                kept = {epoch_us(t) for t, _ in history} if same_day else set()
                gone = [k for k in keys if k not in kept]
                for row in outcome_tombstones(dossier_id, received_on, gone, version):
                    outcomes.add(*row)
            folded += 1
            if not violations:
                continue
            now_open = set()
            for v in auditor.evaluate_facts(facts):
                detail = v.to_json_dict()
                now_open.add((v.rule_id, v.event_id or ""))
                found.add(*violation_row(detail, "open", as_of, "warehouse-load", version))
                opened += 1
            for key, detail in previous.get(dossier_id, {}).items():
                if key not in now_open:
                    found.add(*violation_row(detail, "retracted", as_of, "warehouse-load", version))
                    retracted += 1
    for batch in (dossiers, outcomes, found):
        batch.flush()
    return folded, opened, retracted


def _outcome_keys(wh: Warehouse, dossier_ids: list[str]) -> dict[str, tuple[date, list[int]]]:
    """The history keys each dossier has stored now (to empty the ones a new history drops)."""
    rows = wh.query(load_sql("outcome_keys"), {"ids": tuple(dossier_ids)})
    return {dossier_id: (received_on, list(keys)) for dossier_id, received_on, keys in rows if received_on}


def _open_violations(
    wh: Warehouse, dossier_ids: list[str]
) -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
    found: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    rows = wh.query(load_sql("open_violations"), {"ids": tuple(dossier_ids)})
    for dossier_id, rule_id, event_id, detail in rows:
        found.setdefault(dossier_id, {})[(rule_id, event_id)] = orjson.loads(detail)
    return found


def status(wh: Warehouse) -> dict[str, Any]:
    """Counts, the newest event time and the schema version."""
    ((events, dossiers_n, last_event),) = wh.query(load_sql("status_events"))
    ((rejected,),) = wh.query("SELECT count() FROM rejected_events FINAL")
    ((open_violations,),) = wh.query("SELECT count() FROM violations FINAL WHERE state = 'open'")
    return {
        "url": wh.url,
        "server_version": wh.server_version(),
        "schema_version": schema_version(wh),
        "events": int(events),
        "dossiers": int(dossiers_n),
        "rejected_events": int(rejected),
        "open_violations": int(open_violations),
        "last_event_at": last_event.isoformat() if events else None,
    }


def all_dossier_ids(wh: Warehouse) -> list[str]:
    return [row[0] for row in wh.query("SELECT DISTINCT dossier_id FROM events ORDER BY dossier_id")]


def audit_warehouse(platform: Platform, wh: Warehouse, as_of: datetime) -> Iterator[dict[str, Any]]:
    """The audit of everything the warehouse holds at ``as_of`` (same JSON as ``audit FILE``)."""
    auditor = platform.auditor
    for dossier_id, events in stored_events(wh, all_dossier_ids(wh)):
        for v in auditor.evaluate(dossier_id, events, as_of, presorted=True):
            yield v.to_json_dict()


def metrics_warehouse(
    platform: Platform, wh: Warehouse, start: date, end: date, *, unit: str | None = None
) -> ReportingForm:
    """The reporting form for ``[start, end)`` computed in SQL from the stored outcome histories."""
    units = unit_filter_codes(platform, unit)
    params = {
        "start": start,
        "end": end,
        "t": epoch_us(period_as_of(end)),
        "all_units": 1 if units is None else 0,
        "units": tuple(sorted(units)) if units else ("",),
    }
    (row,) = wh.query(load_sql("reporting_form"), params)
    return ReportingForm.from_counts(start, end, row)


@dataclass(frozen=True, slots=True)
class StoredViolation:
    """One row of ``violations FINAL``: ``detail`` is the ``audit --json`` text of the violation."""

    detail: str
    rule_id: str
    state: str
    dossier_id: str
    event_id: str
    unit_code: str
    occurred_at: datetime
    producer: str


def stored_violations(
    wh: Warehouse,
    *,
    units: Iterable[str] | None = None,
    rule: str | None = None,
    include_retracted: bool = False,
) -> list[StoredViolation]:
    """The violations the warehouse holds (open ones unless ``include_retracted``), optionally of one
    rule and of some units, sorted by (dossier, rule, event)."""
    unit_codes = tuple(sorted(units)) if units is not None else ()
    params = {
        "all_states": int(include_retracted),
        "any_rule": int(rule is None),
        "rule": rule or "",
        "all_units": int(units is None),
        "units": unit_codes or ("",),  # never an empty IN tuple (ClickHouse 18.16 rejects it)
    }
    return [StoredViolation(*row) for row in wh.query(load_sql("stored_violations"), params)]
