"""Conflicts with what the warehouse holds: a load's event whose id a stored dossier already holds with other
content (EVENTS.md: a repeated ``event_id`` with different content is a conflict, rejected; the first
version stays).

Within one file the batch engine rejects such a copy; across loads nothing did, and the events table (a
``ReplacingMergeTree`` keyed by dossier, time and id) kept the *later* version when the time was the same,
or both when it was not: a national-portal snapshot imported after the one that gave a dossier's receipt
replaced the original due date, and loading the files again in the other order flipped it back.

So a load holds back the event rows of the dossiers the warehouse held before it (the workers write them
to their own frames, ``LoadSpool.held``), and once the file is read compares them, a block of dossiers at a
time, with those dossiers' stored fingerprints: an event the warehouse does not hold, or holds with the same
fingerprint (a duplicate: stored again, unchanged), is stored; one it holds with another fingerprint is a
``rejected_events`` row ``event_id.conflict`` instead. The dossier's fold is then not the workers' (it holds
the stored version, which another writer stored): ``load_stored`` reads it back from the warehouse.
A first load holds nothing back. An id stored under *another* dossier is not looked for here (it would mean
a scan of every stored id).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pyarrow as pa  # type: ignore[import-untyped]

from dossier_audit.jobs.load_writes import ArrowBatch
from dossier_audit.jobs.row_frames import RowFrames
from schemas.pseudonym import without_pseudonyms
from schemas.validation import Rejection
from warehouse.base import Warehouse
from warehouse.binding import chunked
from warehouse.store import rejection_row
from warehouse.stored_dossiers import stored_fingerprints, stored_raws

#: Dossiers per look-up of stored fingerprints.
LOOKUP = 20_000
CONFLICT = "event_id.conflict"


def store_held_events(
    wh: Warehouse,
    held: RowFrames,
    events: ArrowBatch,
    reject: Callable[[tuple[object, ...]], None],
    *,
    source: str,
    at: datetime,
    read_bytes: int,
    tick: Callable[[int], None] | None = None,
) -> int:
    """Store the held event rows that conflict with nothing stored (into ``events``) and ``reject`` a
    ``rejected_events`` row for each of the others; returns how many events conflicted (a dossier the
    engine settled twice has its rows held twice: each event counts once)."""
    conflicts: set[tuple[str, str]] = set()
    while chunk := held.read(read_bytes):
        table = pa.Table.from_batches(chunk)
        keep = _without_conflicts(wh, table)
        events.add(table.filter(pa.array(keep)))
        for row in (i for i, kept in enumerate(keep) if not kept):
            event_id, dossier_id = table["event_id"][row].as_py(), table["dossier_id"][row].as_py()
            message = (
                f"event_id {event_id!r} of dossier {dossier_id!r} is stored already with other content (an "
                "earlier load or stream); the first version is kept"
            )
            raw = table["raw"][row].as_py().encode()  # the event as stored: pseudonymised
            rejection = Rejection(CONFLICT, message, table["source_offset"][row].as_py(), raw)
            if (dossier_id, event_id) not in conflicts:
                reject(rejection_row(rejection, source, raw, at))
                conflicts.add((dossier_id, event_id))
        if tick is not None:
            tick(table.num_rows)
    return len(conflicts)


def _without_conflicts(wh: Warehouse, table: pa.Table) -> list[bool]:
    """For each row of ``table`` (events rows): whether it conflicts with no stored version of its id. A
    different fingerprint is a conflict unless the two versions differ only in their pseudonyms: a load run
    without a configured key pseudonymises under a one-off key, and its events are the same events."""
    dossiers = table["dossier_id"].to_pylist()
    event_ids = table["event_id"].to_pylist()
    stored: dict[tuple[str, str], set[str]] = {}
    for ids in chunked(sorted(set(dossiers)), LOOKUP):
        stored |= stored_fingerprints(wh, ids)
    keep = [
        (versions := stored.get(key)) is None or fingerprint in versions
        for key, fingerprint in zip(zip(dossiers, event_ids, strict=True), table["fingerprint"].to_pylist(),
                                    strict=True)
    ]  # fmt: skip
    differing = [i for i, kept in enumerate(keep) if not kept]
    if differing:
        raws = table["raw"].to_pylist()
        held = stored_raws(wh, [(dossiers[i], event_ids[i]) for i in differing])
        for i in differing:
            mine = without_pseudonyms(raws[i])
            keep[i] = any(
                without_pseudonyms(raw) == mine for raw in held.get((dossiers[i], event_ids[i]), [])
            )
    return keep
