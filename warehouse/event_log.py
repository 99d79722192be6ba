"""The stored event log, dossier by dossier, for the exports (``dossier-audit export … --warehouse``).

Each dossier comes with all its stored events (one per event id) and the verdict the warehouse holds for it
— the classification of its ``dossiers`` row and its open violations and findings, as the last load (or the
stream sink and detector) stored them — never a new judgement.

**Bounded memory.** The warehouse interface returns whole results, so the log is read in pages of about
``page`` event rows, on ranges of dossier ids: a page is ``(after, upto]`` where ``upto`` is the id of the
``page``-th event row after ``after`` in the primary key's order (``event_log_page_end``), so the page
reads a key range through the index and holds at most ``page`` rows plus one dossier's. With the embedded
backend the engine runs in this process too, so its memory counts: every query here is bounded by a page
(the page end is a top-N of one column, not a sort of the table). The export covers the dossiers up to the
largest id stored when it starts.

Cost: finding a page end reads the ids from ``after`` to the end on servers that cannot read a sorted key
in order for ``ORDER BY … LIMIT`` (ClickHouse 18.16), so a whole export reads the id column about
``events / page / 2`` times over: a few seconds for a province-year.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import orjson

from schemas.events import EVENT_ADAPTER, AnyEvent
from warehouse.base import Warehouse
from warehouse.queries import load_sql

#: Event rows per page: ~5 MB of stored event text at a time. With the embedded engine a page is held
#: several times over (the engine's buffers, Arrow, Python rows): measured, 10,000 rows add ~120 MB to
#: chdb's own ~330 MB, 50,000 rows ~300 MB; the number of queries it saves does not matter past this.
PAGE_EVENTS = 10_000


@dataclass(slots=True)
class StoredDossierLog:
    """One dossier as stored: its events (any order), its ``dossiers.status`` (``None`` without a row: a
    dossier that could not be judged, or not folded yet), when that was judged (or, without a row, when its
    violations were), and its open violations and findings as (rule id, kind, rulebook version, supplement
    clock), one per violation: the version its row stores, the clock its evidence records (``""`` without
    one). The ``dossiers`` row stores no version: a dossier without violations has none to read."""

    dossier_id: str
    events: list[AnyEvent]
    status: str | None = None
    as_of: datetime | None = None
    rules: list[tuple[str, str, str, str]] = field(default_factory=list)


def stored_event_log(wh: Warehouse, *, page: int = PAGE_EVENTS) -> Iterator[StoredDossierLog]:
    """Every dossier with stored events, in dossier id order, read ``page`` event rows at a time."""
    ((last, rows),) = wh.query(load_sql("event_log_bounds"))
    if not rows:
        return
    after = ""  # dossier ids are never empty (the contract: 1–64 characters)
    while after < last:
        end = wh.query(load_sql("event_log_page_end"), {"after": after, "page": page})
        upto = min(str(end[0][0]), last) if end else last
        yield from _page(wh, {"after": after, "upto": upto})
        after = upto


def _page(wh: Warehouse, bounds: dict[str, str]) -> Iterator[StoredDossierLog]:
    verdicts = {d: (status, at) for d, status, at in wh.query(load_sql("event_log_verdicts"), bounds)}
    rules: dict[str, list[tuple[str, str, str, str]]] = {}
    judged: dict[str, datetime] = {}
    stored = wh.query(load_sql("event_log_violations"), bounds)
    for dossier_id, rule_id, kind, at, version, evidence in stored:
        rules.setdefault(dossier_id, []).append((rule_id, kind, version, _clock(evidence)))
        judged[dossier_id] = max(at, judged.get(dossier_id, at))
    rows = wh.query(load_sql("event_log_events"), bounds)
    start = 0
    for i in range(1, len(rows) + 1):
        if i < len(rows) and rows[i][0] == rows[start][0]:
            continue
        dossier_id = rows[start][0]
        events = _one_per_id(EVENT_ADAPTER.validate_json(raw) for _, raw in rows[start:i])
        status, at = verdicts.get(dossier_id, (None, judged.get(dossier_id)))
        yield StoredDossierLog(dossier_id, events, status, at, rules.get(dossier_id, []))
        start = i


def _clock(evidence: str) -> str:
    """The supplement clock a stored violation's evidence records (v2's, amendment 13), else ``""``."""
    found = orjson.loads(evidence) if evidence else None
    clock = found.get("supplement_clock") if isinstance(found, dict) else None
    return clock if isinstance(clock, str) else ""


def _one_per_id(events: Iterable[AnyEvent]) -> list[AnyEvent]:
    """One event per event id, the earliest in event time: ``events FINAL`` keeps two rows of one id when a
    later load stored it again with another time (its sort key includes the time), and an event log lists
    each event once (OCEL event ids must be unique)."""
    seen: set[str] = set()
    out = []
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            out.append(event)
    return out


def shared_event_ids(wh: Warehouse) -> frozenset[str]:
    """The event ids the warehouse holds under more than one dossier: an OCEL log, whose event ids must be
    unique, would give two events one id, and a reader keeps one (CLI seat of 2026-12-07)."""
    return frozenset(event_id for (event_id,) in wh.query(load_sql("event_log_shared_ids")))
