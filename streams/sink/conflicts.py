"""Conflicting versions of an event id, kept out of the warehouse by the sink as by every other path.

EVENTS.md: a repeated ``event_id`` with different content is a conflict, rejected, and the first version
stays. The batch engine rejects such a copy within a file, the load against what the warehouse holds
(``dossier_audit.jobs.load_conflicts``) and the detector in its state; the sink stored every version, and
the ``events`` table (a ReplacingMergeTree keyed by dossier, time and id) then kept the later one when the
time was the same and both when it was not, so a fold from the warehouse judged another dossier than the
detector did (review of 2026-12-04).

Before a batch is written (:func:`reject_conflicts`, in the writer thread, again on each retry: it is
idempotent), an event is moved from the batch's events to its rejections (``event_id.conflict``) when an
earlier event of the batch or a stored version has its dossier and id but another fingerprint: the
detector's own test (``schemas.dedup.same_content``), so the two judge every pseudonymised record alike.
Versions that differ only in their pseudonyms conflict too, whatever the keys: the sink does not know the
key of the producer that pseudonymised them (a laptop's ``ingest`` run without the deployment's key), and
storing such a copy would replace the stored version's pseudonyms, since the table keeps the last row
inserted under one key (review of 2026-12-04). A record in clear that the sink pseudonymises itself under
a one-off key (none configured: ``worker sink`` warns) is another version when read again after a
restart: rejected, while the detector, comparing its bytes, drops it as a resend; the stored version stays
either way. The look-up is one query per batch on the primary key of its
dossiers (``stored_versions``), which returns nothing for the common batch (new events). Its rejection
carries the event's source and offset and its stored JSON, which for a message ``ingest`` wrote
(canonical) is the message itself: the detector's dead letter for the same record is then the same
``rejected_events`` row.

A version of the same content written otherwise (its times in another UTC offset, a null member left out:
the same fingerprint, another text) is a duplicate: not stored again, neither rejected (logged), so that the
first text stays, as the detector keeps the first copy and a load the stored one (review of 2026-12-05).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from schemas.validation import Rejection
from streams.sink.batch import UNTIMED, SinkBatch
from warehouse.base import Warehouse
from warehouse.store import rejection_row
from warehouse.stored_dossiers import stored_versions, text_digest

__all__ = ["CONFLICT", "reject_conflicts"]

CONFLICT = "event_id.conflict"
log = logging.getLogger(__name__)
# Positions in an ``events`` row (``warehouse.event_rows.EVENT_COLUMNS``).
_ID, _DOSSIER, _RAW, _FINGERPRINT, _SOURCE, _OFFSET, _INGESTED = 0, 1, 10, 11, 12, 13, 14


def reject_conflicts(wh: Warehouse, batch: SinkBatch) -> int:
    """Move the batch's events that conflict with the first version of their id (the stored one, else the
    batch's first) to its rejections; returns how many it moved. An event of the same content as that
    version but written otherwise (another UTC offset, a null member left out) is a duplicate, dropped: the
    first version's text stays, as the detector keeps the first copy and the load the stored one (stored
    again, it replaced the stored text, and the verdicts quoted it: review of 2026-12-05)."""
    if not batch.events:
        return 0
    stored = stored_versions(wh, ((r[_DOSSIER], r[_ID], r[_FINGERPRINT]) for r in batch.events))
    first: dict[tuple[str, str], tuple[Any, ...]] = {}
    moved: set[int] = set()
    dropped: set[int] = set()
    for index, row in enumerate(batch.events):
        key = (row[_DOSSIER], row[_ID])
        versions = stored.get(key)
        if versions is not None:  # the warehouse holds the first version (or versions, stored before)
            texts = versions.get(row[_FINGERPRINT])
            if texts is None:
                moved.add(index)
            elif text_digest(row[_RAW]) not in texts:
                dropped.add(index)
            continue
        earlier = first.setdefault(key, row)
        if earlier is row:
            continue
        if earlier[_FINGERPRINT] != row[_FINGERPRINT]:
            moved.add(index)
        elif earlier[_RAW] != row[_RAW]:
            dropped.add(index)
    for index in sorted(moved):
        _reject(batch, batch.events[index])
    if dropped:  # not rejected (no dead letter): counted as the detector counts a resend, and said
        batch.duplicates += len(dropped)
        log.info("sink: %d event(s) stored already with the same content written otherwise: not stored "
                 "again, the stored text stays", len(dropped))  # fmt: skip
    gone = moved | dropped
    if gone:
        batch.events = [row for index, row in enumerate(batch.events) if index not in gone]
    return len(moved)


def _reject(batch: SinkBatch, row: tuple[Any, ...]) -> None:
    event_id, dossier_id, raw = row[_ID], row[_DOSSIER], row[_RAW].encode()
    message = (
        f"event_id {event_id!r} of dossier {dossier_id!r} is stored already with other content; the first "
        "version is kept"
    )
    # The record's time, as its event row has it; an untimed record's rejection is untimed too (batch.py).
    at: datetime = UNTIMED if (row[_SOURCE], row[_OFFSET]) in batch.untimed else row[_INGESTED]
    rejection = Rejection(CONFLICT, message, row[_OFFSET], raw)
    batch.rejected.append(rejection_row(rejection, row[_SOURCE], raw, at))
    batch.rejected_reasons.append(CONFLICT)
    batch.rejected_origins.append((row[_SOURCE], row[_OFFSET], raw, at))
