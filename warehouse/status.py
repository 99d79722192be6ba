"""What ``warehouse status`` reports: counts, the newest event, the schema version and the last load run.

Everything here only reads (``SELECT``, system tables): the operator's guide runs ``warehouse status`` as
the read-only ``reports`` user, which may neither create a table nor run a migration.

Two shapes: :func:`status`, the flat object the command has always printed (kept as it was for the scripts
that read it), and :func:`status_report`, the one ``--json`` prints for scripts and monitoring — the flat
keys plus the stored rows of every table, the schema (version, applied and pending migrations) and the
load runs (the last one, and every unfinished one).
"""

from __future__ import annotations

from typing import Any

from warehouse.base import Warehouse
from warehouse.load_runs import last_run, unfinished_runs
from warehouse.migrate import applied, discover, existing_tables
from warehouse.queries import load_sql

#: The keys of :func:`status` (the flat object ``warehouse status`` prints without ``--json``).
FLAT_KEYS = ("url", "server_version", "schema_version", "events", "dossiers", "rejected_events",
             "open_violations", "last_event_at")  # fmt: skip


def status(wh: Warehouse) -> dict[str, Any]:
    """Counts, the newest event time and the schema version."""
    ((events, dossiers_n, last_event),) = wh.query(load_sql("status_events"))
    ((rejected,),) = wh.query("SELECT count() FROM rejected_events FINAL")
    # Violations and findings; a not_checkable record (a rule its source could not feed) is not one.
    ((open_violations,),) = wh.query(
        "SELECT count() FROM violations FINAL WHERE state = 'open' AND kind != 'not_checkable'"
    )
    done = applied(wh)
    return {
        "url": wh.url,
        "server_version": wh.server_version(),
        "schema_version": max(done) if done else 0,
        "events": int(events),
        "dossiers": int(dossiers_n),
        "rejected_events": int(rejected),
        "open_violations": int(open_violations),
        "last_event_at": last_event.isoformat() if events else None,
    }


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
    last = last_run(wh)
    return {
        **status(wh),
        "tables": rows,
        "schema": {
            "version": max(done) if done else 0,
            "applied": [f"{m.version:04d}_{m.name}" for m in bundled if m.version in done],
            "pending": [f"{m.version:04d}_{m.name}" for m in bundled if m.version not in done],
        },
        "last_load": last.to_json_dict() if last is not None else None,
        "unfinished_loads": [run.to_json_dict() for run in unfinished_runs(wh)],
    }
