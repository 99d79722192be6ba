"""What ``warehouse status`` reports: counts, the newest event, the schema version and the last load run.

Everything here only reads (``SELECT``, system tables): the operator's guide runs ``warehouse status`` as
the read-only ``reports`` user, which may neither create a table nor run a migration.

Two shapes: :func:`status`, the flat object the command has always printed (kept as it was for the scripts
that read it), and :func:`status_report`, the one ``--json`` prints for scripts and monitoring — the flat
keys plus the stored rows of every table, the schema (version, applied and pending migrations) and the
load runs (the last one, and every unfinished one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from warehouse.base import Warehouse, WarehouseError
from warehouse.load_runs import last_run, unfinished_runs
from warehouse.migrate import applied, discover, existing_tables, pending_migrations
from warehouse.queries import load_sql

T = TypeVar("T")

#: The keys of :func:`status` (the flat object ``warehouse status`` prints without ``--json``).
FLAT_KEYS = ("url", "server_version", "schema_version", "events", "dossiers", "rejected_events",
             "open_violations", "last_event_at")  # fmt: skip


def status(wh: Warehouse, *, behind: bool = False) -> dict[str, Any]:
    """Counts, the newest event time and the schema version. ``behind``: migrations are pending (a first load
    killed while it made the schema, an older release's warehouse): a count the schema cannot give yet is
    ``None``, where any failure is raised otherwise."""

    def _or_none(read: Callable[[], T]) -> T | None:
        return _tolerated(read) if behind else read()

    counts = _or_none(lambda: wh.query(load_sql("status_events"))[0])
    events, dossiers_n, last_event = counts if counts is not None else (None, None, None)
    rejected = _or_none(lambda: wh.query("SELECT count() FROM rejected_events FINAL")[0][0])
    # Violations and findings; a not_checkable record (a rule its source could not feed) is not one.
    open_violations = _or_none(
        lambda: wh.query(
            "SELECT count() FROM violations FINAL WHERE state = 'open' AND kind != 'not_checkable'"
        )[0][0]
    )
    done = applied(wh)
    return {
        "url": wh.url,
        "server_version": wh.server_version(),
        "schema_version": max(done) if done else 0,
        "events": _int(events),
        "dossiers": _int(dossiers_n),
        "rejected_events": _int(rejected),
        "open_violations": _int(open_violations),
        "last_event_at": last_event.isoformat() if events else None,
    }


def _tolerated(read: Callable[[], T]) -> T | None:
    """``read()``, or ``None`` where the schema lacks what it reads (the status still reports the rest)."""
    try:
        return read()
    except WarehouseError:
        return None


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def status_report(wh: Warehouse) -> dict[str, Any]:
    """:func:`status` plus ``tables`` (stored rows per table), ``schema`` and ``last_load`` (``None`` before
    the first recorded load) and ``unfinished_loads`` (runs neither completed nor finished by a later load,
    newest first; the last load did not complete when ``last_load.completed`` is false). A run's ``stored``
    says whether it had written its whole file: if so any later load finishes it, if not only a load of its
    ``source`` does (``warehouse.load_runs``)."""
    done = applied(wh)
    bundled = discover()
    rows = dict.fromkeys(sorted(existing_tables(wh)), 0)
    for table, count in wh.query(load_sql("status_tables")):
        rows[str(table)] = int(count)
    # The load runs' columns come with later migrations: read when the schema has them all.
    pending = [m.label for m in pending_migrations(wh)]
    current = not pending
    last = last_run(wh) if current else None
    unfinished = unfinished_runs(wh) if current else []
    return {
        **status(wh, behind=not current),
        "tables": rows,
        "schema": {
            "version": max(done) if done else 0,
            "applied": [m.label for m in bundled if m.version in done],
            "pending": pending,
        },
        # Not read while the schema is behind: null, never "none recorded" and [] (upgrade review).
        "last_load": last.to_json_dict() if last is not None else None,
        "unfinished_loads": [run.to_json_dict() for run in unfinished] if current else None,
    }
