"""The open dossiers a load does not touch, judged again at its ``--as-of``.

A load judges the dossiers of its file (and those whose stored events it completes) at its ``as_of``. A
dossier an earlier load stored still open, with no event in this file, kept the verdicts of that earlier
``as_of``: loading one file per period, as the operator's guide suggests, left a dossier whose new due date
fell between two loads without its "missed the new due date", and the weekly report one violation short of
the batch audit of all the events (review). Its verdicts depend on the time passing: the load judges it
again, from its stored events, at its own ``as_of``.

Only those judged at an earlier instant, and holding no event after this ``as_of``: a load of an older
period (a backfill) judges nothing again at an earlier instant than it was, and loading a file again at the
same ``as_of`` finds none (the load stays idempotent, at the cost of one query). An ended dossier's
verdicts do not change with time (its clock stops at its end), so it is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from inspections.rulebook import Auditor
from warehouse.base import Warehouse
from warehouse.binding import chunked
from warehouse.projection import CHUNK, fold_dossiers
from warehouse.queries import load_sql


def open_dossiers_judged_before(wh: Warehouse, as_of: datetime) -> list[str]:
    """The stored dossiers still open when judged, at an instant before ``as_of`` (to the whole second, as
    the ``dossiers`` table stores it: a fold at this ``as_of`` is not "before" it), none of whose events is
    after it."""
    rows = wh.query(load_sql("open_dossiers_judged_before"), {"as_of": as_of.replace(microsecond=0)})
    return [dossier_id for (dossier_id,) in rows]


def judge_open(
    auditor: Auditor, wh: Warehouse, as_of: datetime, progress: Callable[[int, int], None]
) -> tuple[int, int, int]:
    """Fold again at ``as_of`` the open dossiers judged before it; returns (dossiers, open violations,
    retracted violations), as ``fold_dossiers`` does. ``progress(done, total)`` after each chunk."""
    ids = open_dossiers_judged_before(wh, as_of)
    folded = opened = retracted = 0
    progress(0, len(ids))
    for chunk in chunked(ids, CHUNK):
        done = fold_dossiers(auditor, wh, chunk, as_of)
        folded, opened, retracted = folded + done[0], opened + done[1], retracted + done[2]
        progress(folded, len(ids))
    return folded, opened, retracted
