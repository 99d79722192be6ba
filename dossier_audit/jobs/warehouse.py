"""Warehouse jobs: init, load a file (store events and rejections, fold dossiers, evaluate the rulebook),
and the reporting form of a unit computed from what the warehouse holds.

A load reads its file with the batch audit's streaming engine (sharded across worker processes, memory
bounded by the dossiers open at once). The workers settle each dossier's valid events, pseudonymise them,
hand their ``events`` rows over at once, as Arrow (``row_frames``; this process inserts them in batches
while the workers read on, ``load_writes``) and fold them (``load_rows``); the folds' rows wait in frames
too, under a token per settlement, and the engine returns each dossier's last token once the workers are
done (only then is a dossier's last settlement known). A dossier the warehouse already held events of
before the load (``warehouse.stored_dossiers``) is folded by its worker too, but that fold is kept only if,
once the file is stored, the warehouse holds no event of it but the file's; else it is folded from
everything stored (``warehouse.projection.fold_dossiers``), as every dossier used to be, and only such a
dossier is read back (``load_stored``).

A load is recorded as a load run (``warehouse.load_runs``): started before it stores anything, stored once
its whole file is written (every event and rejected line, no fold yet), completed after its last write. A
load killed after ``stored`` is finished by the next load, which re-judges the dossiers of the events that
run stored along with its own; one killed before stays unfinished until its source is loaded again
(``load_runs.finishing``)."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from bootstrap.platform import Platform
from dossier_audit.jobs.batch_engine import BatchEngine, IngestStats
from dossier_audit.jobs.files import engine_options, metrics_units
from dossier_audit.jobs.load_conflicts import CONFLICT, HELD_READ_BYTES, HeldEvents
from dossier_audit.jobs.load_open import judge_open
from dossier_audit.jobs.load_result import LoadProgress, LoadResult
from dossier_audit.jobs.load_rows import LoadSpool, StoredFold, row_builder, spool_lines, without
from dossier_audit.jobs.load_start import check_superseded, refuse_beside_running, start_instant
from dossier_audit.jobs.load_stored import judge_stored, judged_after, new_alone
from dossier_audit.jobs.load_writes import ArrowBatch, write_folds
from dossier_audit.jobs.row_frames import RowFrames
from dossier_audit.jobs.spool_dirs import LINES_SPOOL, spool_directory
from inspections.metrics import ReportingForm
from schemas.events import AnyEvent
from schemas.validation import EarliestRejections, Rejection
from warehouse.backends.arrow_columns import column_types
from warehouse.base import Warehouse
from warehouse.binding import TEXTS_PER_QUERY, chunked
from warehouse.catalogue_read import newest_snapshot, store_if_changed
from warehouse.load_alive import Heartbeat
from warehouse.load_digest import file_digest
from warehouse.load_runs import (
    Finishing,
    LoadRun,
    finishing,
    last_start,
    new_run,
    record_completion,
    record_start,
    record_stored,
    run_dossiers,
    unfinished_runs,
)
from warehouse.migrate import migrate, schema_version
from warehouse.projection import fold_dossiers, reporting_form
from warehouse.pseudonym_keys import check_key
from warehouse.store import (
    REJECTION_COLUMNS,
    Batch,
    now_version,
    rejection_row,
)
from warehouse.stored_dossiers import StoredDossiers

#: How many bytes of event frames the workers write before this process stores them (while they read on).
#: Below it, at the end: a small file's rows are stored in one go, sorted by dossier, so the rows go in the
#: same order whatever the number of workers (and a load killed while storing leaves the same ones behind).
DRAIN_BYTES = 8 << 20
#: The tables whose rows the workers build (as Arrow, of the types the warehouse reports before they fork).
_TABLES = ("events", "dossiers", "dossier_outcomes", "violations")

_T = TypeVar("_T")


def init(
    platform: Platform,
    wh: Warehouse,
    *,
    new_pseudonym_key: bool = False,
    on_key_adopted: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Create or upgrade the schema and store the catalogue and calendar as a snapshot unless the newest
    one was made from the same files (``store_if_changed``, as a load does): the compose file runs ``init``
    on every start, and each stored the same catalogue again (review of the upgrade seat).
    ``catalogue_snapshot``: the snapshot in force after it; ``catalogue_snapshot_stored``: its id if it is
    new (``None`` if not), as a load says. Refuses a configured pseudonymisation key other than the
    warehouse's (``warehouse.pseudonym_keys``), unless ``new_pseudonym_key``: then it is the warehouse's from
    now on; ``pseudonym_key``: what the check did (``warehouse.pseudonym_keys.KeyCheck``)."""
    applied = migrate(wh)
    key = check_key(
        wh, platform.pseudonymiser.fingerprint, new_key=new_pseudonym_key, on_adopted=on_key_adopted
    )
    stored = store_if_changed(wh, platform.catalogue, platform.calendar)
    return {
        "migrations_applied": [f"{m.version:04d}_{m.name}" for m in applied],
        "schema_version": schema_version(wh),
        "catalogue_snapshot": stored if stored is not None else newest_snapshot(wh),
        "catalogue_snapshot_stored": stored,
        "pseudonym_key": key,
    }


def load_file(
    platform: Platform,
    wh: Warehouse,
    path: Path,
    as_of: datetime,
    *,
    on_progress: LoadProgress | None = None,
    keep_rejections: int = 10,
    source: str | None = None,
    supersede: Collection[str] = (),
    on_key_adopted: Callable[[str], None] | None = None,
) -> LoadResult:
    """Validate ``path``; store every valid event (pseudonymised) and every rejected line with its reason;
    fold the dossiers it touched and evaluate the rulebook on them at ``as_of`` (the module's doc says how).
    Recorded as a load run, which also finishes the unfinished runs of earlier loads that it can
    (``load_runs.finishing``): it folds the dossiers of the events they stored too, each at the ``as_of`` of
    the newest run that stored events of it or this load's, whichever is later (this load's for the dossiers
    it touched).

    ``path`` must be a regular file (the engine reads it more than once; :func:`load_lines` takes a stream).
    ``source``: what the events and the run record as their origin (default: ``path`` resolved); a command
    that spooled a pipe or stdin to ``path`` names the stream, not the temporary copy that is gone after.
    ``supersede``: ids of unfinished runs that stopped before storing their file, finished by this load
    whatever their file (``load_runs.finishing``); ``load_start.SupersedeRefused`` for any other id, before
    anything is stored."""
    started = time.perf_counter()
    migrated = [m.label for m in migrate(wh)]
    pseudonymiser = platform.pseudonymiser
    # Before anything is stored (``warehouse.pseudonym_keys``); an adopted key is said at once.
    key = check_key(wh, pseudonymiser.fingerprint, on_adopted=on_key_adopted)
    source = source or str(path.resolve())
    unfinished = unfinished_runs(wh)  # read before this run's own row: only earlier loads
    check_superseded(supersede, unfinished)
    started_at = start_instant(last_start(wh, source))
    size = path.stat().st_size  # then its digest of as many bytes: a file growing meanwhile stays a match
    hasher = pseudonymiser.file_hasher  # keyed: the file is in clear (``Pseudonymiser.file_hasher``)
    run = new_run(source, started_at, as_of, file_digest(path, size, hasher), size)
    # Which of them this load finishes (``load_runs.finishing``): decided now, on the file as it is read.
    finish = finishing(
        unfinished, source, run.digest, lambda first: file_digest(path, first, hasher), supersede,
        unkeyed=lambda first: file_digest(path, first),  # a run of a release before (``load_runs.KEYED``)
    )  # fmt: skip
    stored_before = StoredDossiers(wh)  # read before this run stores anything
    record_start(wh, run)
    refuse_beside_running(wh, run)  # after its own row: of two loads starting at once, one sees the other
    beat = Heartbeat(wh, run)
    rejected = Batch(wh, "rejected_events", REJECTION_COLUMNS)
    result = LoadResult(IngestStats(), run_id=run.run_id, migrations_applied=migrated, pseudonym_key=key)
    # What it judges with is what the warehouse's readers of the snapshot will read (``store_if_changed``).
    result.catalogue_snapshot = store_if_changed(wh, platform.catalogue, platform.calendar)
    shown = EarliestRejections(keep_rejections)  # the same lines on every run, in line order
    said = on_progress or _no_progress

    def progress(stage: str, done: int, total: int) -> None:  # and now and then, "still running"
        beat()
        said(stage, done, total)

    def on_rejection(rejection: Rejection) -> None:  # its line scrubbed by the workers (``rejected_raw``)
        rejected.add(*rejection_row(rejection, source, rejection.raw, run.started_at))
        shown(rejection)

    size = path.stat().st_size
    version = now_version()  # of the workers' fold rows, until written under a newer one (``_judge``)
    with LoadSpool({table: column_types(wh, table) for table in _TABLES}) as spool:
        build = row_builder(
            platform.auditor, pseudonymiser, spool, stored_before, source=source,
            ingested_at=run.started_at, as_of=as_of, version=version,
        )  # fmt: skip
        events = ArrowBatch(wh, "events", by_dossier=True)
        held = HeldEvents(wh, spool.held, events, lambda row: rejected.add(*row), source=source,
                          at=run.started_at, stable=pseudonymiser.stable)  # fmt: skip

        def reading(position: int) -> None:  # called in this process while the workers read
            progress("reading", position, size)
            while spool.events.pending() >= DRAIN_BYTES:
                chunk = spool.events.read(DRAIN_BYTES)
                if not chunk:  # only a frame still being written: the next call takes it
                    break
                events.add(chunk)

        engine = BatchEngine(
            None,
            options=engine_options(platform, horizon=as_of),
            evaluate_lines=build,
            on_rejection=on_rejection,
            on_progress=reading,
            on_shard_done=spool.flush,
            rejected_raw=pseudonymiser.scrub_raw,
        )
        drained = False
        stored_events = held_events = 0
        with _no_cyclic_gc():
            # The workers are done: each dossier's last settlement comes back, with its number of events.
            for dossier_id, token, count, *stored in engine.run(path):
                if not drained:
                    _store_remaining_events(spool.events, held, events, progress)
                    drained = True
                stored_events += count
                if stored:  # held before the load: its fold is kept only if it holds just the file's events
                    spool.add_stored(StoredFold(dossier_id, token, count, *stored))
                    held_events += count
                else:
                    spool.add_new(dossier_id, token)
            if not drained:
                _store_remaining_events(spool.events, held, events, progress)
        conflicts = held.conflicts
        events.flush()
        rejected.flush()
        result.stats = engine.stats
        result.rejections = shown.samples
        if conflicts:  # valid in the file, rejected against the warehouse
            result.stats.valid -= conflicts
            result.stats.rejected[CONFLICT] += conflicts
        # Each event once: a dossier the engine settled twice (its second pass) had its rows inserted
        # twice (``events.written`` counts both; the table keeps one row per event).
        result.events_written = stored_events - conflicts - held.same_stored
        result.events_of_stored_dossiers = held_events - conflicts - held.same_stored
        result.events_kept_as_stored = held.same_stored
        result.rejected_written = rejected.written
        record_stored(wh, run, result.run_counts())  # from here on, any later load can finish this one
        _judge(platform, wh, run, as_of, finish, spool, result, progress)
    record_completion(wh, run, result.run_counts(), result.recovered, result.superseded)
    result.seconds = time.perf_counter() - started
    return result


def _store_remaining_events(
    frames: RowFrames, held: HeldEvents, events: ArrowBatch, progress: LoadProgress
) -> None:
    """Once the workers are done: the events they wrote that are not stored yet, then those of the dossiers
    the warehouse held (compared with its events first: ``load_conflicts``)."""
    total = frames.pending() + held.held.pending()
    progress("storing", 0, total)
    while chunk := frames.read(DRAIN_BYTES):
        events.add(chunk)
        progress("storing", total - frames.pending() - held.held.pending(), total)
    while held.store(HELD_READ_BYTES):
        progress("storing", total - frames.pending() - held.held.pending(), total)
    progress("storing", total, total)


def _judge(
    platform: Platform,
    wh: Warehouse,
    run: LoadRun,
    as_of: datetime,
    finish: Finishing,
    spool: LoadSpool,
    result: LoadResult,
    progress: LoadProgress,
) -> None:
    """After ``stored``: fold the dossiers of the runs this load finishes (at their own ``as_of``, or this
    load's when later), those of the file the warehouse held before (``load_stored``: read back at
    ``as_of`` unless they hold only the file's events), then write the workers' folds kept, under a version
    taken once every look-up is done (newer than any fold another writer made of them meanwhile:
    ``load_stored``)."""
    auditor = platform.auditor
    result.recovered, result.superseded, result.left = finish.recovered, finish.superseded, finish.left
    judge_at = run_dossiers(wh, finish.finished)  # dossier → the as_of of the newest run that stored it
    result.recovered_dossiers = len(judge_at)
    if judge_at:  # a dossier this load touched is judged at its as_of, with the others it touched
        without(judge_at, (fold.dossier_id for fold in spool.read_stored()))
    for block in chunked(sorted(judge_at), TEXTS_PER_QUERY):  # judged later since (``judged_after``)
        for dossier_id, at in judged_after(wh, block, as_of, run.source).items():
            judge_at[dossier_id] = max(judge_at[dossier_id], at)
    done = 0
    # Each at its run's as_of or this load's, whichever is later: an open dossier an earlier run left is
    # judged at the newest as_of (``load_open``), one of a run this load finishes too (judged at that run's
    # older as_of and left so, it was a violation short of the batch audit: review).
    for instant in sorted({max(at, run.as_of) for at in judge_at.values()}):
        progress("finishing", done, len(judge_at))  # a stage of its own: a stop here said "storing" (review)
        dossier_ids = sorted(d for d, at in judge_at.items() if max(at, run.as_of) == instant)
        at = as_of if instant == run.as_of else instant  # this run's own, as given
        counted = _counted(dossier_ids, len(judge_at), "finishing", progress, start=done)
        _add(result, fold_dossiers(auditor, wh, counted, at))
        done += len(dossier_ids)
    if judge_at:
        progress("finishing", done, done)
    progress("reading back", 0, spool.stored)
    judged = judge_stored(
        auditor, wh, run, as_of, spool.read_stored(),
        on_judged=lambda done: progress("reading back", done, spool.stored),
    )  # fmt: skip
    progress("reading back", spool.stored, spool.stored)
    _add(result, (judged.folded, judged.opened, judged.retracted))
    written_meanwhile: list[str] = []
    new = _counted(spool.read_new(), spool.new, "checking", progress)
    keep = np.concatenate(
        [new_alone(wh, run, new, spool.new, written_meanwhile), np.frombuffer(judged.kept, np.int64)]
    )
    opened = write_folds(wh, spool.folds, keep, progress, version=now_version())
    _add(result, (len(keep), opened, 0))
    if written_meanwhile:  # another writer stored events of them during the load: fold from the warehouse
        meanwhile = _counted(sorted(written_meanwhile), len(written_meanwhile), "finishing", progress)
        _add(result, fold_dossiers(auditor, wh, meanwhile, as_of))

    # Last: every dossier this load judged is at ``as_of`` by now, so those still judged before it are the
    # open ones it did not touch (``load_open``).
    def rejudging(done: int) -> None:  # the total is known once the last page is read: the done so far
        progress("re-judging open", done, done)

    rejudged = judge_open(auditor, wh, as_of, rejudging)
    _add(result, rejudged)
    result.open_rejudged = rejudged[0]


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while the engine runs and its results are collected, as the
    batch engine pauses it in its workers: the results hold no reference cycles, and the collector, run
    every few hundred new containers, would rescan everything alive at each run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _add(result: LoadResult, counts: tuple[int, int, int]) -> None:
    folded, opened, retracted = counts
    result.dossiers_folded += folded
    result.violations_open += opened
    result.violations_retracted += retracted


def _counted(
    items: Iterable[_T], total: int, stage: str, progress: LoadProgress, *, start: int = 0
) -> Iterator[_T]:
    """``items``, reporting ``stage`` progress (``start`` plus how many went by) every 1,000 items and at
    the end. A fold of a million dossiers in one call said nothing for many minutes otherwise, and another
    host took the load for dead (``warehouse.load_alive``, whose heartbeat rides on the progress)."""
    progress(stage, start, total)
    done = 0
    for done, item in enumerate(items, 1):
        yield item
        if done % 1_000 == 0:
            progress(stage, start + done, total)
    progress(stage, start + done if start else total, total)


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def load_lines(
    platform: Platform,
    wh: Warehouse,
    lines: Iterable[bytes | AnyEvent],
    as_of: datetime,
    *,
    source: str,
    on_progress: LoadProgress | None = None,
    keep_rejections: int = 10,
) -> LoadResult:
    """:func:`load_file` for a stream: contract lines (bytes, as read from a file or a pipe) or events
    already parsed (an importer's), in any mix. They are copied once to a temporary file in a private
    directory (the engine reads its input more than once), deleted after; ``source`` names the stream in
    the events and the run (``load_runs.reload_argument`` tells an operator how to load it again)."""
    with spool_directory(LINES_SPOOL) as tmp:
        path = spool_lines(lines, tmp / "events.jsonl")
        return load_file(
            platform, wh, path, as_of, on_progress=on_progress, keep_rejections=keep_rejections, source=source
        )


def metrics_warehouse(
    platform: Platform, wh: Warehouse, start: date, end: date, *, unit: str | None = None, below: bool = False
) -> ReportingForm:
    """The reporting form for ``[start, end)`` computed in SQL from the stored outcome histories (of one
    unit when ``unit`` is given: ``files.metrics_units``)."""
    return reporting_form(wh, start, end, units=metrics_units(platform, unit, end, below=below))
