"""The dossiers a load does not touch whose verdicts the time since may have changed, judged again at its
``--as-of``: those left open, and those judged ended before events they stored.

A load judges the dossiers of its file (and those whose stored events it completes) at its ``as_of``. A
dossier an earlier load stored still open, with no event in this file, kept the verdicts of that earlier
``as_of``: loading one file per period, as the operator's guide suggests, left a dossier whose new due date
fell between two loads without its "missed the new due date", and the weekly report one violation short of
the batch audit of all the events (review). Its verdicts depend on the time passing: the load judges it
again, from its stored events, at its own ``as_of``.

Only those judged at an earlier instant: a load of an older period (a backfill) judges nothing again at an
earlier instant than it was, and loading a file again at the same ``as_of`` finds none (the load stays
idempotent, at the cost of one query). An ended dossier's verdicts do not change with time (every end stops
its clock), so it is left as it is, unless events of it are stored that came after the instant it was judged
at: a file holding events after its ``--as-of`` (a week's export with Monday morning's events, loaded at
Monday 00:00) had its fold see the end and not what followed it, and a later load of another file left it so,
five violations short of the batch audit of both files (review). So is a dossier only the stream fed (no event
of it from a load): its sink writes it with no violations, and the detector judges it as time passes, by event
time; a load judging it at its own ``as_of`` would open violations the detector never retracts (review). The
dossiers of the interrupted runs a load finishes are judged at this ``as_of`` already when it is the later
(``jobs.warehouse._judge``): they were left at the older run's, one violation short (review).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from inspections.rulebook import Auditor
from warehouse.base import Warehouse
from warehouse.binding import chunked
from warehouse.projection import CHUNK, fold_dossiers
from warehouse.queries import load_sql

#: Dossiers per page of the query: memory holds a page of ids, whatever the warehouse's size.
PAGE = 50_000


def open_dossiers_judged_before(wh: Warehouse, as_of: datetime, page: int = PAGE) -> Iterator[str]:
    """The stored dossiers judged at an instant before ``as_of`` (to the whole second, as the ``dossiers``
    table stores it: a fold at this ``as_of`` is not "before" it) still open then, or with stored events
    from that instant on, of which a load stored events; ``page`` ids at a time, in id order."""
    after = ""
    params = {"as_of": as_of.replace(microsecond=0), "page": page}
    while True:
        ids = [d for (d,) in wh.query(load_sql("open_dossiers_judged_before"), {**params, "after": after})]
        yield from ids
        if len(ids) < page:
            return
        after = ids[-1]


def judge_open(
    auditor: Auditor, wh: Warehouse, as_of: datetime, progress: Callable[[int], None]
) -> tuple[int, int, int]:
    """Fold again at ``as_of`` the dossiers :func:`open_dossiers_judged_before` finds (open when judged
    before it, or judged before events they stored); returns (dossiers, open violations, retracted
    violations), as ``fold_dossiers`` does. ``progress(done)`` after each chunk (the total is not known
    before the last page)."""
    ids = open_dossiers_judged_before(wh, as_of)
    folded = opened = retracted = 0
    progress(0)
    for chunk in chunked(ids, CHUNK):
        done = fold_dossiers(auditor, wh, chunk, as_of)
        folded, opened, retracted = folded + done[0], opened + done[1], retracted + done[2]
        progress(folded)
    return folded, opened, retracted
