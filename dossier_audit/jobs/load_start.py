"""How a load run starts, beside the runs recorded before it (``warehouse.load_runs``): at an instant of its
own, and only with ``--supersede`` ids it can finish."""

from __future__ import annotations

import time
from collections.abc import Collection
from datetime import UTC, datetime

from warehouse.load_runs import LoadRun

__all__ = ["SupersedeRefused", "check_superseded", "start_instant"]


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
