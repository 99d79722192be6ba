"""Which dossiers the warehouse held events of when a load started: the ones the load must read back.

A load folds most dossiers from its own file as it reads it (``dossier_audit.jobs.warehouse``); a dossier
the warehouse already holds events of must be folded from all of them, so it is read back once the file is
stored. Asking the warehouse about each batch of the file's dossiers would cost a scan of the ``events``
key per batch (a batch's ids are spread over the whole table), so instead the stored ids are read once,
before the load stores anything, slice by slice (memory bounded by a slice): kept exactly while they are
few, in a Bloom filter beyond. A false positive of the filter only sends a new dossier down the read-back
path, whose answer is the same (its stored events are then exactly those of the file); there are no false
negatives.

Once the load has stored its file, a dossier it held may hold nothing but the load's own events: every event
stored before was one of the file's, which the load wrote again (the file loaded again, or the weeks so far
loaded each week). Its fold from the file is then its fold from the warehouse, and :func:`holding_only` finds
those, so that the load reads back only the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime

from rbloom import Bloom

from warehouse.base import Warehouse
from warehouse.binding import TextSet
from warehouse.queries import load_sql

#: Stored events per slice read: about 500,000 dossier ids (~40 MB as Python strings) at a time.
EVENTS_PER_SLICE = 2_500_000
#: Up to this many stored dossiers are kept as a set (~16 MB): exact, no dossier read back for nothing.
EXACT_UP_TO = 200_000
#: Of the filter beyond: about one new dossier in a thousand is read back for nothing.
FALSE_POSITIVE_RATE = 0.001


class StoredDossiers:
    """The dossiers with stored events, as of its creation: ``dossier_id in stored``."""

    def __init__(self, wh: Warehouse) -> None:
        ((events,),) = wh.query(load_sql("stored_event_count"))
        self.events = int(events)
        self._exact: set[str] | None = set()
        self._bloom: Bloom | None = None
        if self.events == 0:
            return  # a first load: nothing to read back
        parts = max(1, -(-self.events // EVENTS_PER_SLICE))
        for part in range(parts):
            rows = wh.query(load_sql("stored_dossier_slice"), {"parts": parts, "part": part})
            self._add(dossier_id for (dossier_id,) in rows)

    def _add(self, dossier_ids: Iterable[str]) -> None:
        if self._exact is None:
            assert self._bloom is not None
            self._bloom.update(dossier_ids)
            return
        self._exact.update(dossier_ids)
        if len(self._exact) > EXACT_UP_TO:
            # Sized for the events' dossiers (a dossier has several events): the rate holds as it grows.
            self._bloom = Bloom(max(self.events // 2, 2 * EXACT_UP_TO), FALSE_POSITIVE_RATE)
            self._bloom.update(self._exact)
            self._exact = None

    def __contains__(self, dossier_id: object) -> bool:
        if self._exact is not None:
            return dossier_id in self._exact
        return self._bloom is not None and dossier_id in self._bloom

    @property
    def exact(self) -> bool:
        """Whether ``in`` is exact (no false positive): the stored dossiers are few enough to keep."""
        return self._exact is not None


def holding_only(wh: Warehouse, stored: Mapping[str, int], source: str, ingested_at: datetime) -> set[str]:
    """Of the dossiers ``stored`` (each with the number of events one load stored of it, under ``source`` and
    ``ingested_at``), those whose events are now exactly these: as many, every one stored by that load (its
    version the newest: a table of events keeps the last one stored under a key). None was stored by
    another writer, before or during the load; none is missing."""
    params = {"source": source, "ingested_at": ingested_at, "ids": TextSet(list(stored))}
    rows = wh.query(load_sql("stored_events_by_writer"), params)
    return {dossier_id for dossier_id, count, others in rows if others == 0 and count == stored[dossier_id]}


def text_digest(raw: str) -> str:
    """The MD5 (hex) of an event's stored JSON, as ``stored_event_fingerprints`` and ``stored_event_versions``
    compute it in SQL (``lower(hex(MD5(raw)))``, of its UTF-8 bytes): whether the text of a version of the
    same content is the one stored."""
    return hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()


def stored_unlike(
    wh: Warehouse, dossier_ids: Iterable[str], triples: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Of the dossiers ``dossier_ids``, the stored events whose (event id, fingerprint, MD5 of the JSON, in
    hex) is none of ``triples``: their fingerprint and JSON (every version held) by (dossier, event id). What
    a load compares its file's events of those dossiers with (``dossier_audit.jobs.load_conflicts``)."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    ids = list(dossier_ids)
    if not ids:
        return found
    texts = TextSet([f"{event_id}\t{fingerprint}\t{md5}" for event_id, fingerprint, md5 in triples])
    for dossier_id, event_id, fingerprint, raw in wh.query(
        load_sql("stored_event_fingerprints"), {"ids": TextSet(ids), "triples": texts}
    ):
        found.setdefault((dossier_id, event_id), []).append((fingerprint, raw))
    return found


def stored_versions(
    wh: Warehouse, rows: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str], dict[str, set[str]]]:
    """The stored versions of the events ``rows`` (dossier, event id, fingerprint), by (dossier, event id):
    each version's fingerprint, with the MD5 (hex) of each text stored under it. What a stream batch's
    events are checked against (``streams.sink.conflicts``): one query of primary-key reads, which returns
    nothing for new events."""
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    rows = list(rows)
    if not rows:
        return found
    ids = TextSet(sorted({d for d, _, _ in rows}))
    params = {"ids": ids, "events": TextSet(sorted({e for _, e, _ in rows}))}
    for dossier_id, event_id, fingerprint, text in wh.query(load_sql("stored_event_versions"), params):
        found.setdefault((dossier_id, event_id), {}).setdefault(fingerprint, set()).add(text)
    return found
