"""What a load does with the dossiers the warehouse held before it: keep its workers' fold where the stored
events are the file's own, fold the others from everything stored; and of the dossiers new to it, which
another writer gave events meanwhile (:func:`new_alone`).

A province's team loads the weeks so far each week (README), so on every load but the first most dossiers of
the file are stored already, and most of those hold no event but the file's: the load writes them again, and
the warehouse keeps one version of each. Folding every such dossier from the warehouse (reading its events
back, parsing them, folding them in this one process) made a second load of a file take twice as long as the
first. Its workers fold each stored dossier as they fold a new one (``load_rows.row_builder``), and this
module keeps that fold when the warehouse, once the file is stored, holds exactly the file's events of it
(``warehouse.stored_dossiers.holding_only``): the same events, so the same fold.

What the fold from the warehouse did besides (``warehouse.projection.fold_dossiers``) is done here from the
workers' summary (``load_rows.StoredFold``): the history rows the new history does not overwrite are emptied
(``stale_keys``), the violations open before and not now are retracted (``retractions``). Rows win by their
version, so these and the kept folds' own rows (``load_writes.write_folds``) are written under versions
taken once the look-up is done, as a fold from the warehouse would be: a stream sink that stored one of the
file's events and folded the dossier while the load read (its row then replaced by the load's, under the
same key, so the look-up cannot see it) wrote an older fold, which must lose.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from dossier_audit.jobs.load_rows import StoredFold
from inspections.rulebook import Auditor
from warehouse.base import Warehouse
from warehouse.binding import TEXTS_PER_QUERY, TextSet, chunked
from warehouse.load_runs import LoadRun
from warehouse.projection import (
    CHUNK,
    fold_dossiers,
    open_violations,
    retractions,
    stale_keys,
    stored_outcome_keys,
)
from warehouse.queries import load_sql
from warehouse.store import OUTCOME_COLUMNS, VIOLATION_COLUMNS, Batch, now_version, outcome_tombstones
from warehouse.stored_dossiers import holding_only

#: Dossiers keeping their folds whose stored history keys and open violations are looked up at once. Each
#: look-up reads its table's key whatever the count (~0.17 s on a warehouse of 400,000 dossiers, measured:
#: 34 µs a dossier at 5,000, 9 µs at 20,000), and holds their violations' details (~1 kB a dossier).
LOOKUP = 20_000


@dataclass
class StoredJudged:
    """The stored dossiers judged: ``kept``, the tokens of the workers' folds to write (those of the
    dossiers holding only the file's events); ``folded``, ``opened`` and ``retracted``, what the others'
    folds from the warehouse and the kept ones' retractions wrote (the kept folds' own rows are counted when
    written)."""

    kept: array[int]
    folded: int = 0
    opened: int = 0
    retracted: int = 0


def judge_stored(
    auditor: Auditor,
    wh: Warehouse,
    run: LoadRun,
    as_of: datetime,
    folds: Iterable[StoredFold],
    *,
    on_judged: Callable[[int], None] | None = None,
    block: int = TEXTS_PER_QUERY,
) -> StoredJudged:
    """Judge the stored dossiers of a load's file (``folds``: its workers' summaries, in any number), once the
    file is stored, ``block`` of them at a time: one look-up of who stored their events (it reads the key of
    ``events`` for dossiers spread over it: few large look-ups read it few times), then, ``LOOKUP`` at a
    time, of the stored history keys and open violations of those that keep their folds; the others are
    folded from the warehouse ``CHUNK`` at a time, as ``fold_dossiers`` reads them. ``on_judged``: called
    with how many dossiers are judged so far, after each of those (a progress line that moves as the work
    does, not as the blocks are read)."""
    judged = StoredJudged(array("q"))
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if on_judged is not None:
            on_judged(done)

    emptied = Batch(wh, "dossier_outcomes", OUTCOME_COLUMNS)
    retracted = Batch(wh, "violations", VIOLATION_COLUMNS)
    for given in chunked(folds, block):
        later = judged_after(wh, [fold.dossier_id for fold in given], as_of, run.source)
        part = [fold for fold in given if fold.dossier_id not in later]
        if later:  # judged at a later instant already: there again, from everything stored
            for instant in sorted(set(later.values())):
                ids = sorted(d for d, at in later.items() if at == instant)
                for rest in chunked(ids, CHUNK):
                    folded, opened, gone_open = fold_dossiers(auditor, wh, rest, instant)
                    judged.folded += folded
                    judged.opened += opened
                    judged.retracted += gone_open
                    tick(len(rest))
        only = holding_only(wh, {fold.dossier_id: fold.events for fold in part}, run.source, run.started_at)
        version = now_version()  # newer than any fold written before the look-up (the module's doc)
        for chunk in chunked((fold for fold in part if fold.dossier_id in only), LOOKUP):
            ids = [fold.dossier_id for fold in chunk]
            old_keys, previous = stored_outcome_keys(wh, ids), open_violations(wh, ids)
            for fold in chunk:
                judged.kept.append(fold.token)
                old = old_keys.get(fold.dossier_id)
                if old is not None:
                    day = date.fromordinal(fold.received_on) if fold.received_on is not None else None
                    gone = stale_keys(old, day, fold.keys)
                    for row in outcome_tombstones(fold.dossier_id, old[0], gone, version):
                        emptied.add(*row)
                now_open = {(rule_id, event_id) for rule_id, event_id in fold.open}
                for row in retractions(previous.get(fold.dossier_id, {}), now_open, as_of, version):
                    retracted.add(*row)
                    judged.retracted += 1
            tick(len(chunk))
        for rest in chunked((fold.dossier_id for fold in part if fold.dossier_id not in only), CHUNK):
            folded, opened, gone_open = fold_dossiers(auditor, wh, rest, as_of)
            judged.folded += folded
            judged.opened += opened
            judged.retracted += gone_open
            tick(len(rest))
    emptied.flush()
    retracted.flush()
    return judged


def judged_after(wh: Warehouse, dossier_ids: list[str], as_of: datetime, source: str) -> dict[str, datetime]:
    """Of ``dossier_ids``, those the warehouse holds judged after ``as_of`` (to the whole second, as the
    tables keep it) by a load of another file than ``source``, with that instant. A load of an older file (a
    week loaded again, the remedy of an interrupted load once later weeks are in) judged its dossiers back
    at its own ``--as-of``: their folds left out the events stored after it, and the time since (a dossier
    left open turns late), until the next load (the warehouse seat of 2026-12-07). Each such is judged at the
    later instant. Not one judged so by a load of the same file: a load at a mistyped, later ``--as-of`` is
    corrected by loading its file again at the right one (the last read of 2026-12-07)."""
    if not dossier_ids:
        return {}
    params = {"ids": TextSet(dossier_ids), "as_of": as_of.replace(microsecond=0), "source": source}
    return dict(wh.query(load_sql("dossiers_judged_after"), params))


def new_alone(
    wh: Warehouse,
    run: LoadRun,
    new: Iterable[tuple[str, int]],
    count: int,
    written_meanwhile: list[str],
    chunk: int = TEXTS_PER_QUERY,
) -> np.ndarray:
    """The fold tokens of the new dossiers that hold only this load's events; the ids of the others go to
    ``written_meanwhile``. A fold made while reading saw the file alone, which is all of a dossier new when
    the load started, unless a stream sink or another load stored events of it since (a point lookup per
    chunk of ids, on the primary key: each reads the table, so the chunks are as large as a query takes)."""
    params = {"source": run.source, "ingested_at": run.started_at}
    keep = np.empty(count, np.int64)
    kept = 0
    for block in chunked(new, chunk):
        ids = [dossier_id for dossier_id, _ in block]
        query = load_sql("foreign_events_of_dossiers")
        foreign = {d for (d,) in wh.query(query, {**params, "ids": TextSet(ids)})}
        for dossier_id, token in block:
            if dossier_id in foreign:
                written_meanwhile.append(dossier_id)
            else:
                keep[kept] = token
                kept += 1
    return keep[:kept]
