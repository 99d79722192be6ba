"""What the tests of ``warehouse load`` on a simulated province share: what a warehouse holds that does not
depend on which load wrote it, and small readers of a file's events (fixtures: ``conftest.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bootstrap.platform import Platform
from dossier_audit.jobs.load_result import LoadResult
from dossier_audit.jobs.warehouse import load_file
from schemas.events import AnyEvent
from schemas.validation import Rejection, parse_event
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.event_rows import EVENT_COLUMNS, event_row
from warehouse.projection import all_dossier_ids, fold_dossiers
from warehouse.store import DOSSIER_COLUMNS, OUTCOME_COLUMNS, VIOLATION_COLUMNS, Batch

#: One key for every platform of these tests: an unset key is a random one per platform (other pseudonyms).
KEY = "streaming-load-test-key-32-bytes"

#: What a table holds that does not depend on which load wrote it (not the load's source, line numbers,
#: time of ingestion or version numbers).
SNAPSHOT = {
    "events": "SELECT event_id, dossier_id, type, schema_version, occurred_at, occurred_at_us, unit_code, "
    "actor, procedure_code, data, raw, fingerprint FROM events FINAL ORDER BY event_id",
    "rejected_events": "SELECT raw_hash, raw, reason_code, reason FROM rejected_events FINAL "
    "ORDER BY raw_hash, reason_code, reason",
    "dossiers": f"SELECT {', '.join(c for c in DOSSIER_COLUMNS if c != 'version')} FROM dossiers FINAL "
    "ORDER BY dossier_id",
    # An emptied interval (valid_from_key = valid_to_key) is a stale row a re-fold overwrote: no outcome.
    "dossier_outcomes": f"SELECT {', '.join(c for c in OUTCOME_COLUMNS if c != 'generation')} "
    "FROM dossier_outcomes FINAL WHERE valid_from_key < valid_to_key "
    "ORDER BY dossier_id, valid_from_key",
    "violations": f"SELECT {', '.join(c for c in VIOLATION_COLUMNS if c != 'version')} FROM violations "
    "FINAL WHERE state = 'open' ORDER BY dossier_id, rule_id, event_id",
}


def snapshot(wh: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    return {table: wh.query(sql) for table, sql in SNAPSHOT.items()}


def emptied_intervals(wh: Warehouse) -> int:
    ((count,),) = wh.query("SELECT count() FROM dossier_outcomes FINAL WHERE valid_from_key = valid_to_key")
    return int(count)


def dossiers_of(path: Path) -> set[str]:
    """The dossiers of the valid lines of ``path``."""
    events = (parse_event(raw) for raw in path.read_bytes().splitlines())
    return {event.dossier_id for event in events if not isinstance(event, Rejection)}


def load(platform: Platform, url: str, path: Path, as_of: datetime) -> LoadResult:
    with open_warehouse(url, create_database=True) as wh:
        return load_file(platform, wh, path, as_of)


def event_ids_of(path: Path) -> dict[str, set[str]]:
    """The event ids of each dossier of the valid lines of ``path``."""
    found: dict[str, set[str]] = {}
    for raw in path.read_bytes().splitlines():
        event = parse_event(raw)
        if not isinstance(event, Rejection):
            found.setdefault(event.dossier_id, set()).add(event.event_id)
    return found


def assert_refolding_changes_nothing(
    platform: Platform, wh: Warehouse, as_of: datetime, *, opened: int | None = None
) -> None:
    """Folding every dossier again from what the warehouse holds (what every load once did) changes no row,
    retracts nothing and opens again what is open: ``opened`` (default: every open violation row)."""
    made = snapshot(wh)
    _, reopened, retracted = fold_dossiers(platform.auditor, wh, all_dossier_ids(wh), as_of)
    assert (reopened, retracted) == (len(made["violations"]) if opened is None else opened, 0)
    assert snapshot(wh) == made


def store_as_another_writer(wh: Warehouse, event: AnyEvent) -> None:
    """Store ``event`` (already pseudonymised) as a writer other than a load does: a stream sink, whose
    source and time of ingestion are its own."""
    rows = Batch(wh, "events", EVENT_COLUMNS)
    rows.add(*event_row(event, "sink", 1, datetime(2026, 1, 1, tzinfo=UTC)))
    rows.flush()
