"""Load runs: the bookkeeping that makes a killed ``warehouse load`` visible afterwards and lets the next
load finish it.

A load stores its events first and judges their dossiers after, so a load killed in between leaves events
and dossiers without their violations, and nothing else would tell. So every load appends a ``started``
row before it stores anything and a ``completed`` row after its last write (``load_runs``, migration 0004:
append-only rows, the ClickHouse way). A run with a ``started`` row and neither a ``completed`` nor a
``recovered`` one is *unfinished*: ``warehouse status``, ``check`` and ``report`` say so, and the next load
re-judges the dossiers of every event the unfinished runs stored (found by their ``source`` and
``ingested_at``, which is the run's ``started_at``), then appends a ``recovered`` row for each of them in
the same insert as its own ``completed`` row.

A run still in progress looks unfinished too (nothing tells a running load from a dead one on a server);
the messages say "interrupted or still running". A load running concurrently with another one finishes
what that one had stored by then; loads are not meant to run concurrently on one warehouse (chdb cannot).

Every read here works on a warehouse created before migration 0004 (no ``load_runs`` table: no runs), and
without writing anything, so the read-only ``reports`` user can run them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from warehouse.base import Warehouse
from warehouse.migrate import existing_tables
from warehouse.queries import load_sql
from warehouse.store import epoch_us

TABLE = "load_runs"
COLUMNS = (
    "run_id", "state", "source", "started_at", "started_us", "at", "as_of", "host", "pid", "by_run",
    "events_written", "rejected_written", "dossiers_folded", "violations_open", "violations_retracted",
)  # fmt: skip
#: The counts a completed run records, in ``COLUMNS`` order (``LoadRun.counts`` keys).
COUNTS = COLUMNS[-5:]


@dataclass(frozen=True, slots=True)
class LoadRun:
    """One load run as the warehouse recorded it."""

    run_id: str
    source: str
    started_at: datetime  # whole seconds: the ``ingested_at`` of the events it stored
    started_us: int  # the exact start (epoch microseconds): orders runs started in the same second
    as_of: datetime
    host: str
    pid: int
    completed_at: datetime | None
    recovered_at: datetime | None
    recovered_by: str | None
    counts: dict[str, int]  # of a completed run (``COUNTS``); zeros otherwise

    @property
    def completed(self) -> bool:
        return self.completed_at is not None

    @property
    def finished(self) -> bool:
        """Completed, or its stored events re-judged by a later load."""
        return self.completed_at is not None or self.recovered_by is not None

    @property
    def state(self) -> str:
        """``completed``, ``recovered`` (interrupted, then finished by a later load) or ``unfinished``."""
        if self.completed_at is not None:
            return "completed"
        return "recovered" if self.recovered_by is not None else "unfinished"

    def describe(self) -> str:
        """One line for messages: which file, when, where."""
        started = self.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"load run {self.run_id} of {self.source} started {started} on {self.host} (PID {self.pid})"

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source,
            "started_at": self.started_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "host": self.host,
            "pid": self.pid,
            "state": self.state,
            "completed": self.completed,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "recovered_by": self.recovered_by,
            "recovered_at": self.recovered_at.isoformat() if self.recovered_at else None,
            **self.counts,
        }


def new_run(source: str, started_at: datetime, as_of: datetime) -> LoadRun:
    """A run about to start (``started_at`` aware; kept to whole seconds like ``ingested_at``)."""
    return LoadRun(
        run_id=uuid.uuid4().hex,
        source=source,
        started_at=started_at.astimezone(UTC).replace(microsecond=0),
        started_us=epoch_us(started_at),
        as_of=as_of.astimezone(UTC).replace(microsecond=0),
        host=socket.gethostname(),
        pid=os.getpid(),
        completed_at=None,
        recovered_at=None,
        recovered_by=None,
        counts=dict.fromkeys(COUNTS, 0),
    )


def record_start(wh: Warehouse, run: LoadRun) -> None:
    """Append the run's ``started`` row: before the run stores anything."""
    _insert(wh, [_row(run, "started", run.started_at, "", dict.fromkeys(COUNTS, 0))])


def record_completion(
    wh: Warehouse, run: LoadRun, counts: dict[str, int], recovered: Sequence[LoadRun] = ()
) -> None:
    """Append the run's ``completed`` row and a ``recovered`` row for each run it finished, in one insert
    (one part: all or nothing), after the run's last write."""
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [_row(old, "recovered", now, run.run_id, dict.fromkeys(COUNTS, 0)) for old in recovered]
    rows.append(_row(run, "completed", now, "", {key: int(counts.get(key, 0)) for key in COUNTS}))
    _insert(wh, rows)


def recorded_runs(wh: Warehouse, limit: int = 1_000, *, unfinished: bool = False) -> list[LoadRun]:
    """The newest ``limit`` runs (only the unfinished ones when ``unfinished``), newest first; none when
    the warehouse predates ``load_runs``."""
    if TABLE not in existing_tables(wh):
        return []
    params = {"limit": limit, "unfinished": int(unfinished)}
    return [_run(row) for row in wh.query(load_sql("load_runs"), params)]


def last_run(wh: Warehouse) -> LoadRun | None:
    """The newest run, finished or not."""
    runs = recorded_runs(wh, limit=1)
    return runs[0] if runs else None


def unfinished_runs(wh: Warehouse) -> list[LoadRun]:
    """Runs that neither completed nor were recovered, newest first."""
    return recorded_runs(wh, limit=1_000_000, unfinished=True)


def run_dossiers(wh: Warehouse, runs: Sequence[LoadRun]) -> set[str]:
    """The dossiers of every event the ``runs`` stored (what a load re-judges to finish them)."""
    found: set[str] = set()
    for run in runs:
        params = {"source": run.source, "ingested_at": run.started_at}
        found.update(dossier_id for (dossier_id,) in wh.query(load_sql("load_run_dossiers"), params))
    return found


def _row(run: LoadRun, state: str, at: datetime, by_run: str, counts: dict[str, int]) -> tuple[Any, ...]:
    return (
        run.run_id, state, run.source, run.started_at, run.started_us, at,
        run.as_of, run.host, run.pid, by_run, *(counts[key] for key in COUNTS),
    )  # fmt: skip


def _insert(wh: Warehouse, rows: list[tuple[Any, ...]]) -> None:
    wh.insert(TABLE, COLUMNS, [list(column) for column in zip(*rows, strict=True)])


def _run(row: tuple[Any, ...]) -> LoadRun:
    (run_id, source, started_at, started_us, as_of, host, pid, completed, completed_at, recovered,
     recovered_at, recovered_by, *counts) = row  # fmt: skip
    return LoadRun(
        run_id=run_id,
        source=source,
        started_at=started_at,
        started_us=int(started_us),
        as_of=as_of,
        host=host,
        pid=int(pid),
        completed_at=completed_at if completed else None,
        recovered_at=recovered_at if recovered else None,
        recovered_by=recovered_by if recovered else None,
        counts={key: int(value) for key, value in zip(COUNTS, counts, strict=True)},
    )
