"""What a warehouse load reports while it runs (``LoadProgress``) and once it is done (``LoadResult``): the
types the load, the importer and the commands share, apart from the load itself (``jobs.warehouse``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dossier_audit.jobs.batch_engine import IngestStats
from schemas.validation import Rejection
from warehouse.load_runs import COUNTS, LoadRun

LoadProgress = Callable[[str, int, int], None]
"""How far a load is: (stage, done, total). ``reading``: bytes of the file, while the workers fold and judge
it (and their events are stored as they come); ``storing``: bytes of events the workers wrote that were not
stored yet when they were done; ``finishing``: dossiers of the interrupted runs this load finishes, judged
at their own ``as_of``; ``reading back``: dossiers the warehouse held before the load, each kept as
its worker folded it if it holds only the file's events, else folded again from all of them; ``checking``:
new dossiers looked up for events another writer stored meanwhile; ``judging``: bytes of the workers' fold
frames read and written (those kept: of the dossiers new to the warehouse or holding only the file's events,
and of their last settlement); ``re-judging open``: dossiers earlier loads left open, judged again at this
``as_of`` (``load_open``). Each stage ends with done = total."""


@dataclass
class LoadResult:
    """What a load stored; the unfinished runs of earlier loads it finished (``recovered``: they had stored
    their whole file; ``superseded``: they had not, and this load read their source again), and those it
    could not (``left``: they had not, and are of another source)."""

    stats: IngestStats
    run_id: str = ""
    events_written: int = 0
    #: Of ``events_written``, those of dossiers the warehouse held events of before the load: each compared
    #: with the stored ones, and one it held already stored again unchanged (a reload writes every event
    #: again, and adds none).
    events_of_stored_dossiers: int = 0
    #: Valid events not stored because the warehouse holds them under other pseudonyms (a load without the
    #: configured key: the stored version is kept, ``load_conflicts``); neither written nor rejected.
    events_kept_as_stored: int = 0
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
    #: Open dossiers earlier loads judged at an earlier ``as_of``, none of their events in this file, judged
    #: again at this one (``load_open``): the time since may have made them late.
    open_rejudged: int = 0
    #: The schema migrations the load applied first (a warehouse behind the code: upgrade review).
    migrations_applied: list[str] = field(default_factory=list)
    #: The catalogue snapshot the load stored, its catalogue and calendar differing from the newest stored
    #: one (``warehouse.catalogue_read.store_if_changed``); ``None`` when they were the same.
    catalogue_snapshot: int | None = None
    #: What the check of the configured pseudonymisation key did (``warehouse.pseudonym_keys.KeyCheck``).
    pseudonym_key: str = "unconfigured"

    def to_json_dict(self) -> dict[str, Any]:
        return {
            **self.stats.to_json_dict(),
            "run_id": self.run_id,
            "events_written": self.events_written,
            "events_of_stored_dossiers": self.events_of_stored_dossiers,
            "events_kept_as_stored": self.events_kept_as_stored,
            "rejected_written": self.rejected_written,
            "dossiers_folded": self.dossiers_folded,
            "violations_open": self.violations_open,
            "violations_retracted": self.violations_retracted,
            "recovered_runs": [run.run_id for run in self.recovered],
            "superseded_runs": [run.run_id for run in self.superseded],
            "unfinished_runs": [run.run_id for run in self.left],
            "recovered_dossiers": self.recovered_dossiers,
            "open_dossiers_rejudged": self.open_rejudged,
            "migrations_applied": self.migrations_applied,
            "catalogue_snapshot_stored": self.catalogue_snapshot,
            "pseudonym_key": self.pseudonym_key,
            "seconds": round(self.seconds, 3),
        }

    def run_counts(self) -> dict[str, int]:
        """What the completed run records: its ``load_runs.COUNTS``, fields of the same names here."""
        return {name: getattr(self, name) for name in COUNTS}
