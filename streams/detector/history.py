"""The stored history of evicted dossiers: the port the detector reads it through, and how an evicted
dossier's events are recognised among those stored and turned back into its state. No I/O.

The port (:class:`DossierHistory`) is implemented on the warehouse side
(:class:`warehouse.evicted_history.WarehouseHistory`) and wired in the composition root: the detector
imports no warehouse backend. It answers with rows as the sink stored them: (dossier id, event id, events-
topic offset, raw JSON), every row (no ``FINAL``), only those the sink took from one partition of the events
topic (``source``), since the detector's state of a partition is made of exactly those.

Recognising the events known at eviction (:func:`known_events`): the index entry holds the count ``n`` and
the XOR fingerprint ``x`` of their ids, and the offset ``E`` the partition had reached (every one of them
came before ``E``). Among the stored ids, those with a row before ``E`` are certainly known; those with
rows only at or after ``E`` are ambiguous: new events (the sink may be ahead of the detector) or an old
one whose first row a merge of the ``ReplacingMergeTree`` replaced by a re-delivered duplicate (same sort
key, the later row wins). The known set is the certain ids plus the subset of ambiguous ones that brings
the count to ``n`` and the fingerprint to ``x`` (nearly always the empty subset; ambiguous ids are a
dossier's few newest events). No subset matching means the warehouse does not hold them all (the caller
makes sure the sink has stored past ``E`` first), or a 64-bit collision of dossier ids: the dossier is
then taken as new, which is exact, since a dossier never evicted has no events before ``E`` that the
detector did not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import combinations, islice
from typing import Protocol

import orjson

from inspections.audit_error import judge
from inspections.rulebook import Auditor
from schemas.events import EVENT_ADAPTER, AnyEvent
from streams.detector.dossier import DossierState, violation_key
from streams.detector.evict import Evicted, events_fingerprint, id_hash

__all__ = ["MAX_SUBSETS", "DossierHistory", "StoredRow", "known_events", "matching_entry", "rebuild"]

#: (dossier id, event id, events-topic offset, raw event JSON)
StoredRow = tuple[str, str, int, str]

#: The most subsets of ambiguous ids tried (a dossier with more ambiguous ids than this allows is left
#: unmatched, and the caller says so).
MAX_SUBSETS = 20_000


class DossierHistory(Protocol):
    """Reads the stored events of dossiers (synchronous: the detector calls it off its event loop)."""

    def stored_rows(self, source: str, dossier_ids: Sequence[str]) -> list[StoredRow]:
        """Every stored row of these dossiers taken from ``source`` (``kafka:<topic>/<partition>``)."""
        ...

    def describe(self) -> str:
        """Where the history is read from, safe to log (no password)."""
        ...


def known_events(rows: Sequence[StoredRow], entry: Evicted) -> dict[str, str] | None:
    """The events (event id → raw JSON) the dossier held when it was evicted as ``entry`` says, among its
    stored ``rows``; None when no set of them matches (module doc)."""
    first: dict[str, tuple[int, str]] = {}
    for _, event_id, offset, raw in rows:
        known = first.get(event_id)
        if known is None or offset < known[0]:
            first[event_id] = (offset, raw)
    certain = [eid for eid, (offset, _) in first.items() if offset < entry.offset]
    ambiguous = sorted(eid for eid, (offset, _) in first.items() if offset >= entry.offset)
    need = entry.count - len(certain)
    if need < 0 or need > len(ambiguous):
        return None
    base = events_fingerprint(certain)
    for extra in islice(combinations(ambiguous, need), MAX_SUBSETS):
        if base ^ events_fingerprint(extra) == entry.fingerprint:
            return {eid: first[eid][1] for eid in (*certain, *extra)}
    return None


def matching_entry(
    dossier_id: str, rows: Sequence[StoredRow], entries: Sequence[Evicted]
) -> dict[str, str] | None:
    """The dossier's known events under the newest of its index entries that matches (None: none does)."""
    h = id_hash(dossier_id)
    for entry in entries:  # newest first
        if entry.dossier_hash != h:
            continue
        found = known_events(rows, entry)
        if found is not None:
            return found
    return None


def rebuild(auditor: Auditor, dossier_id: str, raws: dict[str, str], at: datetime) -> DossierState:
    """The dossier's state from its known events: its published violations are its evaluation (at any
    instant past its newest event: an evicted dossier has ended, so the instant does not matter), as the
    core would have published them (``AUDIT_ERROR`` in their place when it cannot be judged)."""
    state = DossierState(dossier_id)
    for raw in raws.values():
        data = raw.encode()
        event: AnyEvent = EVENT_ADAPTER.validate_json(data)
        state.add(event, data)
    events = state.events()
    newest = events[-1].occurred_at if events else at
    for v in judge(auditor, dossier_id, events, max(at, newest), presorted=True):
        state.published[violation_key(v)] = orjson.dumps(v.to_json_dict())
    return state
