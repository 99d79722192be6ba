"""The stored history of evicted dossiers: the port the detector reads it through, and how an evicted
dossier's events are recognised among those stored and turned back into its state. No I/O.

The port (:class:`DossierHistory`) is implemented on the warehouse side
(:class:`warehouse.evicted_history.WarehouseHistory`) and wired in the composition root: the detector
imports no warehouse backend. It answers with rows as the sink stored them: (dossier id, event id, events-
topic offset, raw JSON, content fingerprint), every row (no ``FINAL``), only those the sink took from one
partition of the events topic (``source``), since the detector's state of a partition is made of exactly
those.

Recognising the events known at eviction (:func:`known_events`): the index entry holds the count ``n`` and
the XOR fingerprint ``x`` of their versions (event id and content fingerprint: :mod:`streams.detector.evict`),
and the offset ``E`` the partition had reached (every one of them came before ``E``). The first guess is
every event id with a row before ``E``, each in its earliest version. It is nearly always right; it is
wrong when
  - a merge of the ``ReplacingMergeTree`` replaced an event's first row by a re-delivered duplicate (same
    sort key, the later row wins): the event has rows only at or after ``E`` and must be added;
  - a row before ``E`` is an event the detector never held (it dead-lettered it: a key that is not its
    dossier, an unprocessable event): it must be left out;
  - an event id has several versions (a conflicting resend): the detector held the first one, which must be
    the one taken.
So the guess is corrected by the fewest such edits that bring the count to ``n`` and the fingerprint to
``x`` (at most :data:`MAX_SUBSETS` combinations tried). A 64-bit fingerprint and an exact count make a
wrong match as unlikely as a hash collision. No match means the warehouse does not hold what the dossier
held (a merge kept another version than the detector's, rows lost) or a 64-bit collision of dossier ids:
the caller stops rather than guess (:mod:`streams.detector.latepath`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import combinations
from typing import Protocol

import orjson

from inspections.audit_error import judge
from inspections.rulebook import Auditor
from schemas.events import EVENT_ADAPTER, AnyEvent
from streams.detector.dossier import DossierState, violation_key
from streams.detector.evict import Evicted, id_hash, version_hash

__all__ = ["MAX_SUBSETS", "DossierHistory", "StoredRow", "known_events", "matching_entry", "rebuild"]

#: (dossier id, event id, events-topic offset, raw event JSON, content fingerprint in hex)
StoredRow = tuple[str, str, int, str, str]

#: The most combinations of edits tried (a dossier needing more is left unmatched, and the caller stops).
MAX_SUBSETS = 20_000


class DossierHistory(Protocol):
    """Reads the stored events of dossiers (synchronous: the detector calls it off its event loop)."""

    def stored_rows(self, source: str, dossier_ids: Sequence[str]) -> list[StoredRow]:
        """Every stored row of these dossiers taken from ``source`` (``kafka:<topic>/<partition>``)."""
        ...

    def describe(self) -> str:
        """Where the history is read from, safe to log (no password)."""
        ...

    def close(self) -> None:
        """Release the session (the worker stops)."""
        ...


def known_events(rows: Sequence[StoredRow], entry: Evicted) -> dict[str, str] | None:
    """The events (event id → raw JSON) the dossier held when it was evicted as ``entry`` says, among its
    stored ``rows``; None when no set of them matches (module doc)."""
    # Per event id and version: the earliest row. A first-format entry knows ids only: one version each.
    versions: dict[str, dict[str, tuple[int, str]]] = {}
    for _, event_id, offset, raw, print_hex in rows:
        by_print = versions.setdefault(event_id, {})
        version = "" if entry.ids_only else print_hex
        known = by_print.get(version)
        if known is None or offset < known[0]:
            by_print[version] = (offset, raw)

    def h(event_id: str, version: str) -> int:
        return id_hash(event_id) if entry.ids_only else version_hash(event_id, version)

    guess: dict[str, str] = {}  # event id -> version: each id with a row before E, its earliest version
    edits: list[tuple[str, int, int, str | None]] = []  # (event id, count change, XOR change, new version)
    for event_id, by_print in sorted(versions.items()):
        earliest = min(by_print, key=lambda v: by_print[v][0])
        if by_print[earliest][0] < entry.offset:
            guess[event_id] = earliest
            edits.append((event_id, -1, h(event_id, earliest), None))  # left out
            edits.extend(
                (event_id, 0, h(event_id, earliest) ^ h(event_id, v), v)
                for v in sorted(by_print)
                if v != earliest
            )  # another version
        else:
            edits.extend((event_id, 1, h(event_id, v), v) for v in sorted(by_print))  # added
    fingerprint = 0
    for event_id, version in guess.items():
        fingerprint ^= h(event_id, version)
    need_count, need_print = entry.count - len(guess), fingerprint ^ entry.fingerprint
    tried = 0
    for k in range(len(edits) + 1):
        for combo in combinations(edits, k):
            tried += 1
            if tried > MAX_SUBSETS:
                return None
            if sum(c[1] for c in combo) != need_count or len({c[0] for c in combo}) != k:
                continue
            change = 0
            for c in combo:
                change ^= c[2]
            if change != need_print:
                continue
            chosen = dict(guess)
            for event_id, _, _, new_version in combo:
                if new_version is None:
                    del chosen[event_id]
                else:
                    chosen[event_id] = new_version
            return {event_id: versions[event_id][v][1] for event_id, v in chosen.items()}
    return None


def matching_entry(
    dossier_id: str, rows: Sequence[StoredRow], entries: Sequence[Evicted]
) -> dict[str, str] | None:
    """The dossier's known events under the newest of its index entries (None: they do not match). Only the
    newest: an older entry of the dossier holds a subset of its events (it was evicted, read back, evicted
    again), which the stored rows before that older offset would match, wrongly."""
    h = id_hash(dossier_id)
    mine = [entry for entry in entries if entry.dossier_hash == h]
    if not mine:
        return None
    return known_events(rows, max(mine, key=lambda e: e.offset))


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
