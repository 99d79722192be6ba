"""How a load run starts, beside the runs recorded before it (``warehouse.load_runs``): at an instant of its
own, and only with ``--supersede`` ids it can finish."""

from __future__ import annotations

import time
from collections.abc import Collection
from datetime import UTC, datetime

from warehouse.base import Warehouse
from warehouse.load_alive import ALIVE_FOR, last_seen, running
from warehouse.load_runs import LoadRun, record_refused, unfinished_runs

__all__ = ["LoadBusy", "SupersedeRefused", "check_superseded", "refuse_beside_running", "start_instant"]


def start_instant(last: datetime | None) -> datetime:
    """Now, or the next second if the newest run of the load's source (``last``: its start, whole seconds)
    started in this one: a run's events are found by their source and ingestion second
    (``load_runs.run_dossiers``), and a load restarted within the second of the one killed had its own
    dossiers re-judged as the killed run's too (counted twice), or later at that run's ``as_of`` (review)."""
    now = datetime.now(UTC)
    while now.replace(microsecond=0) == last:
        time.sleep(1 - now.microsecond / 1e6)
        now = datetime.now(UTC)
    return now


class SupersedeRefused(ValueError):
    """``supersede`` named a run a load cannot finish so (one line for the user: ``cli.warehouse``)."""


def check_superseded(supersede: Collection[str], unfinished: list[LoadRun]) -> None:
    """``--supersede`` names only runs it can finish: unfinished ones that stopped before storing their
    file (one that stored it is finished by any load anyway)."""
    partial = {run.run_id for run in unfinished if not run.stored}
    wrong = [run_id for run_id in dict.fromkeys(supersede) if run_id not in partial]
    if wrong:
        stored = {run.run_id for run in unfinished if run.stored}
        said = [
            f"{run_id} had stored its file (any load finishes it)" if run_id in stored else run_id
            for run_id in wrong
        ]
        raise SupersedeRefused(
            f"--supersede: no unfinished load run that stopped before storing its file: {', '.join(said)} "
            "(`dossier-audit warehouse status` lists the unfinished runs)"
        )


class LoadBusy(RuntimeError):
    """Another load is running on the warehouse (one line for the user: ``cli.warehouse``)."""


def refuse_beside_running(wh: Warehouse, run: LoadRun | None = None) -> None:
    """Raise :class:`LoadBusy` if a load other than ``run`` (whose ``started`` row is written) is running
    (``warehouse.load_alive``), after recording ``run`` refused (it stored nothing): two loads at once
    left wrong verdicts with every run completed (review of concurrent operators). Both rows are written
    before either reads, so of two loads starting at once at least one sees the other. Without ``run``: a
    look before any work (``import dvcqg``, before it reads and stores its rejections)."""
    mine = run.run_id if run is not None else None
    busy = running(wh, [other for other in unfinished_runs(wh) if other.run_id != mine])
    if not busy:
        return
    other = busy[0]
    if run is not None:
        record_refused(wh, run, other)
    seen = last_seen(wh, other)
    raise LoadBusy(
        f"another load is running on this warehouse: run {other.run_id} of {other.source}, started "
        f"{other.started_at:%Y-%m-%d %H:%M:%S} UTC on {other.host} (pid {other.pid}), last seen "
        f"{seen:%H:%M:%S} UTC; nothing was loaded. Load again once it has ended (a load stopped on another "
        f"host counts as ended {int(ALIVE_FOR.total_seconds() // 60)} minutes after it was last seen)"
    )
