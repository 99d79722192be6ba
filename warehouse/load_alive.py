"""Whether a load is running now: a running load says so every ``HEARTBEAT`` (an ``alive`` row of
``load_runs``, migration 0009), and a load refuses to start beside one (``running``).

Two loads at once on one server warehouse left wrong verdicts while every run completed and every check
passed: a run's events are known by their source and second, which two runs could share, and each judged
dossiers the other was still writing (review of concurrent operators). The guide said loads are not meant
to run concurrently; nothing enforced it, and the messages about an "interrupted" run that was in fact
still running advised loading again. An embedded warehouse (chdb) has one process at a time anyway.

A run on this host counts as running while its process lives (a load killed and run again at once, the
usual recovery, goes ahead; a live one is refused however long a fold kept it quiet), not one of this very
process (it runs one load at a time). A run on another host (a container of its own) counts as running
while its last sign of life is newer than ``ALIVE_FOR``; the long folds of a load say so as they go
(``jobs.warehouse``), and hosts' clocks must agree within minutes.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from warehouse.base import Warehouse
from warehouse.binding import TextSet
from warehouse.load_runs import LoadRun, record_alive
from warehouse.queries import load_sql

#: How often a running load says it is alive (seconds).
HEARTBEAT = 30.0
#: How long after its last sign of life a load on another host still counts as running: ten heartbeats.
ALIVE_FOR = timedelta(minutes=5)
#: On this host a load's process tells whether it runs; past this, a live process of its pid is another
#: program's (pids are reused).
LOCAL_ALIVE_FOR = timedelta(hours=12)


class Heartbeat:
    """Called often (the load's progress); records ``run`` alive at most every ``HEARTBEAT`` seconds."""

    def __init__(self, wh: Warehouse, run: LoadRun) -> None:
        self.wh, self.run, self.last = wh, run, time.monotonic()

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self.last >= HEARTBEAT:
            self.last = now
            record_alive(self.wh, self.run)


def running(wh: Warehouse, runs: Sequence[LoadRun], now: datetime | None = None) -> list[LoadRun]:
    """Those of ``runs`` (unfinished ones) that count as running now (module docstring)."""
    if not runs:
        return []
    now = now or datetime.now(UTC)
    rows = wh.query(load_sql("load_run_alive"), {"ids": TextSet([run.run_id for run in runs])})
    seen = {run_id: _aware(at) for run_id, at in rows}
    here, me = socket.gethostname(), os.getpid()

    def counts(run: LoadRun) -> bool:
        quiet = now - seen.get(run.run_id, run.started_at)
        if run.host == here:  # its process tells, however long it has been quiet (a long fold says nothing)
            return run.pid != me and quiet < LOCAL_ALIVE_FOR and _alive(run.pid)
        return quiet < ALIVE_FOR

    return [run for run in runs if counts(run)]


def last_seen(wh: Warehouse, run: LoadRun) -> datetime:
    """``run``'s last sign of life."""
    rows = wh.query(load_sql("load_run_alive"), {"ids": TextSet([run.run_id])})
    return _aware(rows[0][1]) if rows else run.started_at


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: a process, whosever it is
        return True
    return True


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
