"""What the inspector's console reads from the warehouse: a filtered page of violations, one dossier.

Every value is bound (``warehouse/sql/console_*.sql``); the sort order is a bound name the SQL tests, never
text put into it. The case-state filter is applied through case keys (``keys_mode``), since a case's
state is a fold in Python (``inspections.cases``), not a column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from schemas.events import stored_event_key
from warehouse.base import Warehouse
from warehouse.cases import CaseKey, key_texts
from warehouse.queries import load_sql

SORTS = ("newest", "oldest", "severity", "unit", "rule", "dossier")
SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class ViolationFilter:
    """The list's filters; ``None``/empty means no filter. ``units`` is a unit scope (a set of codes)."""

    units: frozenset[str] | None = None
    rule: str | None = None
    severity: str | None = None
    week_s: tuple[int, int] | None = None  # [from, to) in epoch seconds
    dossier: str = ""
    keys: frozenset[CaseKey] | None = None
    keys_excluded: bool = False  # True: leave ``keys`` out; False: keep only them
    with_retracted: bool = False
    sort: str = "newest"

    def params(self) -> dict[str, Any]:
        week = self.week_s or (0, 0)
        keys = self.keys or frozenset()
        mode = 0 if self.keys is None else (2 if self.keys_excluded else 1)
        return {
            "with_retracted": int(self.with_retracted),
            "all_units": int(self.units is None),
            "units": ("", *sorted(self.units or ())),
            "any_rule": int(not self.rule),
            "rule": self.rule or "",
            "any_severity": int(not self.severity),
            "severity": self.severity or "",
            "any_week": int(self.week_s is None),
            "from_s": week[0],
            "to_s": week[1],
            "dossier": self.dossier,
            "keys_mode": mode,
            "keys": key_texts(sorted(keys)),
            "sort": self.sort if self.sort in SORTS else "newest",
        }


@dataclass(frozen=True, slots=True)
class ViolationRow:
    dossier_id: str
    rule_id: str
    event_id: str
    unit_code: str
    severity: str
    kind: str
    state: str
    occurred_at: datetime
    rulebook_version: str
    procedure_code: str | None

    @property
    def key(self) -> CaseKey:
        return CaseKey(self.dossier_id, self.rule_id, self.event_id)


def violations_page(
    wh: Warehouse, where: ViolationFilter, *, offset: int, limit: int
) -> tuple[int, list[ViolationRow]]:
    """The number of matching violations and the page ``[offset, offset + limit)`` of them."""
    total, _, rows = violations_listing(wh, where, offset=offset, limit=limit)
    return total, rows


def violations_listing(
    wh: Warehouse, where: ViolationFilter, *, offset: int, limit: int
) -> tuple[int, int, list[ViolationRow]]:
    """:func:`violations_page` with, second, how many of the matching records are data findings, which
    the list counts apart: it said "7 vi phạm" where the dashboard, for the same week, said 6 violations
    and the seventh was a finding (console seat of 2026-12-07)."""
    params = where.params()
    ((total, findings),) = wh.query(load_sql("console_violations_count"), params)
    rows = wh.query(load_sql("console_violations_page"), {**params, "offset": offset, "limit": limit})
    return int(total), int(findings), [ViolationRow(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_id: str
    type: str
    occurred_at: datetime
    occurred_at_us: int
    unit_code: str
    actor: str | None
    procedure_code: str | None
    data: str
    raw: str = ""  # the event as received (JSON): the auditor's own facts are derived from it


@dataclass(frozen=True, slots=True)
class StoredFacts:
    unit_code: str
    procedure_code: str | None
    field_code: str | None
    channel: str | None
    received_at: datetime | None
    due_at: datetime | None
    end_type: str | None
    end_at: datetime | None
    status: str
    as_of: datetime
    waiting: int = 0  # waiting for the applicant's supplement: the clock is stopped
    supplement_seconds: int = 0  # how long its supplements stopped it (an end after the appointment on time)


@dataclass(frozen=True, slots=True)
class StoredViolation:
    rule_id: str
    event_id: str
    state: str
    kind: str
    severity: str
    unit_code: str
    occurred_at: datetime
    legal_basis: str
    rulebook_version: str
    detail: str


@dataclass(frozen=True, slots=True)
class StoredDossier:
    dossier_id: str
    events: list[StoredEvent]
    facts: StoredFacts | None
    violations: list[StoredViolation]

    @property
    def unit_codes(self) -> set[str]:
        """The units whose officers may open the dossier: its home unit (the one that received it) and
        its violations' units — not every unit an event passed through (a transfer, an inter-agency
        step): those see the dossier only through a violation of theirs."""
        codes = {v.unit_code for v in self.violations}
        if self.received_unit:
            codes.add(self.received_unit)
        return codes

    @property
    def received_unit(self) -> str:
        """The unit that received the dossier (its ``received`` event's), else its folded unit."""
        for event in self.events:
            if event.type == "received":
                return event.unit_code
        return self.home_unit

    @property
    def home_unit(self) -> str:
        if self.facts is not None:
            return self.facts.unit_code
        return self.events[0].unit_code if self.events else ""


def stored_dossier(wh: Warehouse, dossier_id: str) -> StoredDossier | None:
    """One dossier's events, facts and violations (every state); ``None`` when the warehouse has none."""
    params = {"dossier": dossier_id}
    events = [StoredEvent(*row) for row in wh.query(load_sql("console_dossier_events"), params)]
    facts_rows = wh.query(load_sql("console_dossier_facts"), params)
    newest: dict[tuple[str, str], StoredViolation] = {}
    for row in wh.query(load_sql("console_dossier_violations"), params):
        newest.setdefault((row[0], row[1]), StoredViolation(*row))  # the newest version comes first
    violations = sorted(newest.values(), key=lambda v: (v.occurred_at, v.rule_id, v.event_id))
    if not events and not facts_rows and not violations:
        return None
    facts = StoredFacts(*facts_rows[0]) if facts_rows else None
    return StoredDossier(dossier_id, sorted(_one_per_id(events), key=_event_time_order), facts, violations)


def _event_time_order(event: StoredEvent) -> tuple[Any, ...]:
    """The platform's event-time order (``schemas.events.event_sort_key``: instant, lifecycle rank,
    ``event_id``), as the packs' timeline (``reporting.gather.timelines``): by ``event_id`` alone, the
    console showed an apology after the result of the same instant that the packs and the audit put before
    it (the last read of 2026-12-07)."""
    return stored_event_key(event.occurred_at, event.occurred_at_us, event.type, event.event_id)


def _one_per_id(events: Iterable[StoredEvent]) -> list[StoredEvent]:
    """One row per event id, the earliest: the read is not FINAL (an event stored twice has two rows until
    the parts merge), and even ``events FINAL`` keeps two rows of an id stored again with another time."""
    seen: set[str] = set()
    out = []
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            out.append(event)
    return out


def reported_weeks(wh: Warehouse) -> list[str]:
    """The weeks a leadership report was written for (``report_runs``, succeeded; as ``2025-W47``), in no
    order: the console opens on the latest, the week leadership read (review: it opened a week earlier)."""
    rows = wh.query(load_sql("console_reported_weeks"), {"kind": "leadership_report", "status": "succeeded"})
    weeks = (orjson.loads(params).get("week") for (params,) in rows)
    return [week for week in weeks if isinstance(week, str)]


def unit_has_violations(wh: Warehouse, unit_code: str) -> bool:
    """Whether any stored violation names ``unit_code``: a unit the catalogue does not know (a code the
    sources used before the catalogue had it) still lists its own violations, as the dashboard links them."""
    ((count,),) = wh.query(load_sql("console_unit_has_violations"), {"unit": unit_code})
    return int(count) > 0
