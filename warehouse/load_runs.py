"""Load runs: the bookkeeping that makes a killed ``warehouse load`` visible afterwards and lets a later
load finish it.

A load stores its events first and judges their dossiers after, so a load killed in between leaves events
and dossiers without their violations, and nothing else would tell. So every load appends rows to
``load_runs`` (migration 0004: append-only rows, the ClickHouse way): ``started`` before it stores
anything, ``stored`` once every event and rejected line of its file is written, ``completed`` after its
last write. A run with a ``started`` row and no ``completed``, ``recovered`` or ``superseded`` one is
*unfinished*: ``warehouse status``, ``check`` and ``report`` say so, naming the source to load again.

What finishes an unfinished run depends on how far it got (:func:`finishing`):

- it reached ``stored``: everything it was to store is stored, only the judging is missing, so the next
  load, whatever its file, re-judges the dossiers of the events the run stored (found by their ``source``
  and ``ingested_at``, which is the run's ``started_at``) and appends a ``recovered`` row for it;
- it did not: it may have stored any part of its file, or none, and only that file can make up the rest,
  so it stays unfinished until a load of the same source completes with that file, or with one that starts
  with it (the file grown: the run records its size and digest), which stored the whole file again,
  re-judges the dossiers the run had stored too, and appends a ``superseded`` row for it (as does a load
  recovering a later run of the same source that had reached ``stored``: that one stored the file); or
  until a load names it (``--supersede``), when its file is gone or changed: its stored events are then
  judged as they are.

Either row goes in the same insert as the finishing load's own ``completed`` row. A re-judged dossier is
judged at the instant the newest run that stored its events judges at (its ``as_of``, kept to the
microsecond): the killed run's dossiers end as that run would have left them, and a dossier the finishing
load's own file touches is judged at that load's ``as_of``, like every dossier it touches.

A run still in progress looks unfinished too; a running load says it is alive now and then, and a load
refuses to start beside one (``warehouse.load_alive``): loads do not run concurrently on one warehouse
(chdb cannot).

Every read here works on a warehouse created before migration 0004 (no ``load_runs`` table: no runs), and
without writing anything, so the read-only ``reports`` user can run them.
"""

from __future__ import annotations

import os
import shlex
import socket
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from warehouse.base import Warehouse
from warehouse.load_digest import KEYED
from warehouse.migrate import existing_tables
from warehouse.queries import load_sql
from warehouse.store import epoch_us

TABLE = "load_runs"
COLUMNS = (
    "run_id", "state", "source", "started_at", "started_us", "at", "as_of", "as_of_us", "host", "pid",
    "by_run", "digest", "size", "events_written", "rejected_written", "dossiers_folded", "violations_open",
    "violations_retracted",
)  # fmt: skip
#: The counts a completed run records, in ``COLUMNS`` order (``LoadRun.counts`` keys).
COUNTS = COLUMNS[-5:]
#: The counts its ``stored`` row records already.
STORED_COUNTS = COUNTS[:2]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LoadRun:
    """One load run as the warehouse recorded it."""

    run_id: str
    source: str
    started_at: datetime  # whole seconds: the ``ingested_at`` of the events it stored
    started_us: int  # the exact start (epoch microseconds): orders runs started in the same second
    as_of: datetime  # the instant it judges its dossiers at, exact (UTC)
    host: str
    pid: int
    digest: str  # of the file's bytes (``file_digest``, keyed); "" when not known (before migration 0007)
    size: int  # of the file, in bytes; 0 when not known (recorded before migration 0008)
    stored_at: datetime | None  # when every event and rejected line of its file was written
    completed_at: datetime | None
    recovered_at: datetime | None
    recovered_by: str | None  # the load that re-judged what it stored (it had reached ``stored``)
    superseded_at: datetime | None
    superseded_by: str | None  # the later completed load of the same source (it had not)
    counts: dict[str, int]  # ``COUNTS``: of a completed run; events and rejected lines from ``stored`` on

    @property
    def stored(self) -> bool:
        """Every event and rejected line of its file was written (only the judging may be missing)."""
        return self.stored_at is not None

    @property
    def completed(self) -> bool:
        return self.completed_at is not None

    @property
    def finished(self) -> bool:
        """Completed, or finished by a later load (recovered or superseded)."""
        return self.state != "unfinished"

    @property
    def state(self) -> str:
        """``completed``; ``recovered`` (interrupted after storing its file, then re-judged by a later
        load); ``superseded`` (interrupted before, then its source loaded again by a later load); or
        ``unfinished``."""
        if self.completed_at is not None:
            return "completed"
        if self.recovered_by is not None:
            return "recovered"
        return "superseded" if self.superseded_by is not None else "unfinished"

    def describe(self) -> str:
        """One line for messages: which file, when, where."""
        started = self.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"load run {self.run_id} of {self.source} started {started} on {self.host} (PID {self.pid})"

    def remedy(self) -> str:
        """For messages about an unfinished run: what finishes it (:func:`remedy`)."""
        return remedy(self.source, stored=self.stored, as_of=self.as_of.isoformat(), run_id=self.run_id)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source,
            "started_at": self.started_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "host": self.host,
            "pid": self.pid,
            "state": self.state,
            "stored": self.stored,
            "stored_at": self.stored_at.isoformat() if self.stored_at else None,
            "completed": self.completed,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "recovered_by": self.recovered_by,
            "recovered_at": self.recovered_at.isoformat() if self.recovered_at else None,
            "superseded_by": self.superseded_by,
            "superseded_at": self.superseded_at.isoformat() if self.superseded_at else None,
            **self.known_counts(),
        }

    def known_counts(self) -> dict[str, int | None]:
        """``counts``, ``None`` where the run did not record it: a run killed while it stored its file
        read "events_written: 0" beside the 150,000 events it had written (review); the judging's counts
        are a completed run's only (a later load re-judged a recovered one's dossiers)."""
        known = COUNTS if self.completed else STORED_COUNTS if self.stored else ()
        return {key: self.counts.get(key, 0) if key in known else None for key in COUNTS}


def remedy(source: str, *, stored: bool, as_of: str, run_id: str = "") -> str:
    """What finishes an unfinished run of ``source``, for messages: loading its source again always does;
    when it had ``stored`` its whole file, any later load does. The command says the run's ``as_of`` (an
    ISO instant) and which warehouse: copied as it was, it judged "now" in the default warehouse (review).
    With the run's id, a run that had not stored its file also gets the way out when that file is gone or
    was changed (not only grown): a load with ``--supersede RUN_ID``."""
    again = (
        f"`dossier-audit warehouse load {reload_argument(source)} --as-of {shlex.quote(as_of)}` into this "
        "warehouse (its --warehouse URL or DOSSIER_AUDIT_WAREHOUSE)"
    )
    if stored:
        return f"it had stored all its events: load {source} again ({again}), or any other file, to finish it"
    said = (
        f"it stopped before storing all its events: load {source} again ({again}; the same file, or the "
        "same file grown) to finish it"
    )
    if run_id:
        said += (
            f"; if that file is gone or was changed, add `--supersede {run_id}` to any load to accept the "
            "events the run stored as they are"
        )
    return said


def reload_argument(source: str) -> str:
    """The ``warehouse load`` argument that reads ``source`` again (``-`` for standard input)."""
    return "-" if source == "stdin" else shlex.quote(source)


def new_run(source: str, started_at: datetime, as_of: datetime, digest: str = "", size: int = 0) -> LoadRun:
    """A run about to start (``started_at`` aware, kept to whole seconds like ``ingested_at``; ``as_of``
    aware, kept exact); ``digest`` and ``size``: of the file it reads (``file_digest``)."""
    return LoadRun(
        run_id=uuid.uuid4().hex,
        source=source,
        started_at=started_at.astimezone(UTC).replace(microsecond=0),
        started_us=epoch_us(started_at),
        as_of=as_of.astimezone(UTC),
        host=socket.gethostname(),
        pid=os.getpid(),
        digest=digest,
        size=size,
        stored_at=None,
        completed_at=None,
        recovered_at=None,
        recovered_by=None,
        superseded_at=None,
        superseded_by=None,
        counts=dict.fromkeys(COUNTS, 0),
    )


@dataclass(frozen=True, slots=True)
class Finishing:
    """What a load of one source does with the runs it found unfinished (:func:`finishing`)."""

    recovered: list[LoadRun]  # reached ``stored``: re-judged, whatever the load's file
    superseded: list[LoadRun]  # did not: its file made up by the load's (or a recovered run's), or named
    left: list[LoadRun]  # did not, and nothing makes its file up: still unfinished after the load

    @property
    def finished(self) -> list[LoadRun]:
        """The runs the load finishes, whose stored events' dossiers it re-judges."""
        return [*self.recovered, *self.superseded]


#: The digest of the first ``n`` bytes of the file a load reads (``""`` when it is shorter): whether it
#: starts with a killed run's file (:func:`same_file`).
Prefix = Callable[[int], str]


def finishing(
    unfinished: Sequence[LoadRun],
    source: str,
    digest: str = "",
    prefix: Prefix | None = None,
    supersede: Collection[str] = (),
    unkeyed: Callable[[int | None], str] | None = None,
) -> Finishing:
    """Split the runs a load of ``source`` (whose file has ``digest``, and whose first bytes ``prefix``
    digests) found unfinished before it started (see the module's doc).

    A run that did not reach ``stored`` is superseded by this load when it read the same file, or one this
    file starts with: of ``source``, with the same content (:func:`same_file`); when a later run of the same
    file that did reach ``stored`` is among those this load recovers: that one stored the whole file again;
    and when the operator names it (``supersede``: run ids, ``warehouse load --supersede``), accepting that
    the part of its file it did not store is not coming."""
    recovered = [run for run in unfinished if run.stored]

    def made_up(run: LoadRun) -> bool:
        return (
            run.run_id in supersede
            or same_file(run, source, digest, prefix, unkeyed)
            or any(
                same_file(run, later.source, later.digest) and later.started_us > run.started_us
                for later in recovered
            )
        )

    partial = [run for run in unfinished if not run.stored]
    return Finishing(
        recovered=recovered,
        superseded=[run for run in partial if made_up(run)],
        left=[run for run in partial if not made_up(run)],
    )


def same_file(
    run: LoadRun,
    source: str,
    digest: str,
    prefix: Prefix | None = None,
    unkeyed: Callable[[int | None], str] | None = None,
) -> bool:
    """Whether ``run`` read the file ``source`` holds now (``digest``), or the start of it (``prefix``): the
    same source, and the same bytes where both digests are known (a run recorded before digests were: the
    source alone, as then), or, when the run's size is known, the same first bytes (a file loaded each week
    as it grows: everything the run was reading is in it). A run of a release before the digests were keyed
    (``KEYED``) is compared by ``unkeyed``, the file's unkeyed digest of its first bytes (``None``: whole);
    without it, it is not the same file (the operator supersedes it, if it is)."""
    if run.source != source:
        return False
    if not run.digest or not digest or run.digest == digest:
        return True
    if run.digest.startswith(KEYED) != digest.startswith(KEYED):  # one of a release before (``KEYED``)
        # Compared as it was recorded: the file's unkeyed digest, whole or of its first bytes, never stored.
        return unkeyed is not None and (
            unkeyed(None) == run.digest or (run.size > 0 and unkeyed(run.size) == run.digest)
        )
    return prefix is not None and run.size > 0 and prefix(run.size) == run.digest


def record_start(wh: Warehouse, run: LoadRun) -> None:
    """Append the run's ``started`` row: before the run stores anything."""
    _insert(wh, [_row(run, "started", run.started_at, "", dict.fromkeys(COUNTS, 0))])


def record_alive(wh: Warehouse, run: LoadRun) -> None:
    """Append (or replace) the run's ``alive`` row: it is running now (``warehouse.load_alive``)."""
    _insert(wh, [_row(run, "alive", datetime.now(UTC).replace(microsecond=0), "", dict.fromkeys(COUNTS, 0))])


def record_refused(wh: Warehouse, run: LoadRun, running: LoadRun) -> None:
    """Append the run's ``refused`` row: it stored nothing, ``running`` was (``load_start``)."""
    now = datetime.now(UTC).replace(microsecond=0)
    _insert(wh, [_row(run, "refused", now, running.run_id, dict.fromkeys(COUNTS, 0))])


def record_stored(wh: Warehouse, run: LoadRun, counts: dict[str, int]) -> None:
    """Append the run's ``stored`` row (with its ``STORED_COUNTS``): once every event and rejected line of
    its file is written, before it judges anything. From then on any later load can finish it."""
    now = datetime.now(UTC).replace(microsecond=0)
    _insert(wh, [_row(run, "stored", now, "", {key: int(counts.get(key, 0)) for key in STORED_COUNTS})])


def record_completion(
    wh: Warehouse,
    run: LoadRun,
    counts: dict[str, int],
    recovered: Sequence[LoadRun] = (),
    superseded: Sequence[LoadRun] = (),
) -> None:
    """Append the run's ``completed`` row, and a ``recovered`` or ``superseded`` row for each run it
    finished, in one insert (one part: all or nothing), after the run's last write."""
    now = datetime.now(UTC).replace(microsecond=0)
    none = dict.fromkeys(COUNTS, 0)
    rows = [_row(old, "recovered", now, run.run_id, none) for old in recovered]
    rows += [_row(old, "superseded", now, run.run_id, none) for old in superseded]
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
    """Runs that neither completed nor were finished by a later load, newest first."""
    return recorded_runs(wh, limit=1_000_000, unfinished=True)


def last_start(wh: Warehouse, source: str) -> datetime | None:
    """The start (whole seconds) of the newest run of ``source``, finished or not; ``None`` for none."""
    if TABLE not in existing_tables(wh):
        return None
    ((count, newest),) = wh.query(load_sql("load_run_last_start"), {"source": source})
    return newest if count else None


def run_dossiers(wh: Warehouse, runs: Sequence[LoadRun]) -> dict[str, datetime]:
    """The dossiers of every event the ``runs`` stored (what a load re-judges to finish them), each with the
    instant to judge it at: the ``as_of`` of the newest of the runs that stored events of it, which is what
    it would have been judged at had they all completed."""
    found: dict[str, datetime] = {}
    for run in sorted(runs, key=lambda r: (r.started_us, r.run_id)):  # oldest first: the newest wins
        params = {"source": run.source, "ingested_at": run.started_at}
        for (dossier_id,) in wh.query(load_sql("load_run_dossiers"), params):
            found[dossier_id] = run.as_of
    return found


def _row(run: LoadRun, state: str, at: datetime, by_run: str, counts: dict[str, int]) -> tuple[Any, ...]:
    return (
        run.run_id, state, run.source, run.started_at, run.started_us, at, run.as_of.replace(microsecond=0),
        epoch_us(run.as_of), run.host, run.pid, by_run, run.digest, run.size,
        *(counts.get(key, 0) for key in COUNTS),
    )  # fmt: skip


def _insert(wh: Warehouse, rows: list[tuple[Any, ...]]) -> None:
    wh.insert(TABLE, COLUMNS, [list(column) for column in zip(*rows, strict=True)])


def _run(row: tuple[Any, ...]) -> LoadRun:
    (run_id, source, started_at, started_us, as_of_us, host, pid, digest, size, stored, stored_at, completed,
     completed_at, recovered, recovered_at, recovered_by, superseded, superseded_at, superseded_by,
     *counts) = row  # fmt: skip
    return LoadRun(
        run_id=run_id,
        source=source,
        started_at=started_at,
        started_us=int(started_us),
        as_of=_EPOCH + timedelta(microseconds=int(as_of_us)),
        host=host,
        pid=int(pid),
        digest=digest,
        size=int(size),
        stored_at=stored_at if stored else None,
        completed_at=completed_at if completed else None,
        recovered_at=recovered_at if recovered else None,
        recovered_by=recovered_by if recovered else None,
        superseded_at=superseded_at if superseded else None,
        superseded_by=superseded_by if superseded else None,
        counts={key: int(value) for key, value in zip(COUNTS, counts, strict=True)},
    )
