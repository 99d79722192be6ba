"""The dossier page's evidence timeline: every stored event in order with the auditor's own view of the
dossier after it — the same ``derive_facts`` and ``classify`` the detector uses (``inspections``), never
re-derived here: the working days used (counted to the effective end, so a supplement or financial pause
does not run the clock; from the v2 restart when the supplement restarts it), the due date in force and
its basis, the time paused so far, whether the clock is waiting for the applicant, the standing
(early / on time / late) — plus the event's notice, its details in words and the rules it triggered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from console.words import detail
from inspections.catalogue import Catalogue
from inspections.classification import classify
from inspections.rulebook import Auditor
from inspections.timeunits import VN_TZ
from reporting.pack_tables import SHOWN_DATA
from schemas.events import EVENT_ADAPTER, AnyEvent
from warehouse.console_read import StoredDossier

#: The first detail of a row: the notice number, shown even when missing ("(để trống)"): the evidence of the
#: rules on written notices.
_FIRST = "notice_id"


@dataclass(frozen=True, slots=True)
class TimelineRow:
    event_id: str
    type: str
    at: datetime  # local time (Asia/Ho_Chi_Minh)
    unit_code: str
    actor: str  # who recorded it (an officer's account, not the applicant): as the packs' timeline shows
    working_day: int | None  # working days used at this event (the auditor's effective clock)
    due_day: date | None  # the due date in force (the auditor's), and its instant when judged in hours
    due_instant: datetime | None
    basis: str  # due_at, max_time, restart, repeated_supplement, no_limit ("" before receipt)
    standing: str  # early, on_time, late ("" before receipt)
    paused: bool  # the clock waits for the applicant (supplement) after this event
    paused_for: timedelta  # time not counted so far (supplement and financial pauses)
    notice: str
    details: list[tuple[str, str]]  # the notice number first, if any
    triggered: list[str]  # the rule ids of the verdicts it is the evidence of
    kinds: list[str]  # and their kinds (``violation``, ``finding``), in the same order

    @property
    def triggers(self) -> list[tuple[str, str]]:
        """(rule id, kind) of each verdict the event is the evidence of."""
        return list(zip(self.triggered, self.kinds, strict=True))

    @property
    def due_in_force(self) -> datetime | None:
        if self.due_instant is not None:
            return self.due_instant.astimezone(VN_TZ)
        if self.due_day is None:
            return None
        return datetime(self.due_day.year, self.due_day.month, self.due_day.day, tzinfo=VN_TZ)


def _text(value: Any) -> str:
    """A notice number as stored (a string by the contract; anything else is not one)."""
    return value if isinstance(value, str) else ""


def parsed_events(dossier: StoredDossier) -> list[tuple[int, AnyEvent]]:
    """The stored events the auditor can read (index in ``dossier.events``, event)."""
    out = []
    for i, stored in enumerate(dossier.events):
        if not stored.raw:
            continue
        try:
            out.append((i, EVENT_ADAPTER.validate_json(stored.raw)))
        except ValueError:  # a row the contract no longer reads: shown, not judged
            continue
    return out


def timeline(
    dossier: StoredDossier, auditor: Auditor, lang: str = "vi", catalogue: Catalogue | None = None
) -> list[TimelineRow]:
    """The rows of the dossier's timeline, oldest first; with the ``catalogue``, its documents and the units
    it went to are named (as in the packs), else shown by code."""
    triggers: dict[str, list[str]] = {}
    kinds: dict[str, list[str]] = {}
    for v in dossier.violations:
        if v.event_id:
            triggers.setdefault(v.event_id, []).append(v.rule_id)
            kinds.setdefault(v.event_id, []).append(v.kind)
    parsed = dict(parsed_events(dossier))
    components, units = names(dossier, catalogue)
    known: list[AnyEvent] = []
    rows = []
    for i, event in enumerate(dossier.events):
        data = orjson.loads(event.data) if event.data else {}
        data = data if isinstance(data, dict) else {}
        working_day, due_day, due_instant, basis, standing = None, None, None, "", ""
        paused, paused_for = False, timedelta(0)
        if i in parsed:
            known.append(parsed[i])
            facts = auditor.facts(dossier.dossier_id, known, parsed[i].occurred_at)
            found = classify(facts, auditor.catalogue, auditor.calendar)
            if found is not None and facts.received_at is not None:
                start = facts.restart_at or facts.received_at
                try:
                    working_day = auditor.calendar.working_days_between(start, facts.effective_end)
                except (ValueError, IndexError):  # outside the calendar's years
                    working_day = None
                due_day, due_instant = found.due_date, found.due_instant
                basis, standing = found.basis, found.status
                paused, paused_for = facts.waiting, facts.pause
        declared = SHOWN_DATA.get(event.type, frozenset())
        notice = _text(data.get(_FIRST)) if _FIRST in declared else ""
        shown = [
            detail(k, data[k], lang, components=components, units=units)
            for k in sorted(data, key=lambda k: k != _FIRST)  # the notice first, the rest as stored
            if k in declared
        ]
        rows.append(
            TimelineRow(
                event.event_id,
                event.type,
                event.occurred_at.astimezone(VN_TZ),
                event.unit_code,
                event.actor or "",
                working_day,
                due_day,
                due_instant,
                basis,
                standing,
                paused,
                paused_for,
                notice,
                shown,
                triggers.get(event.event_id, []),
                kinds.get(event.event_id, []),
            )
        )
    return rows


def names(dossier: StoredDossier, catalogue: Catalogue | None) -> tuple[dict[str, str], dict[str, str]]:
    """The names of the dossier's procedure's documents by code, and of the units it was sent to."""
    if catalogue is None:
        return {}, {}
    code = dossier.facts.procedure_code if dossier.facts is not None else None
    code = code or next((e.procedure_code for e in dossier.events if e.procedure_code), None)
    procedure = catalogue.procedure(code) if code else None
    components = {part.code: part.name for part in procedure.components} if procedure is not None else {}
    units = {}
    for event in dossier.events:
        if event.type != "transferred" or not event.data:
            continue
        data = orjson.loads(event.data)
        sent_to = data.get("to_unit_code") if isinstance(data, dict) else None
        unit = catalogue.unit(sent_to) if isinstance(sent_to, str) else None
        if unit is not None:
            units[unit.code] = unit.name
    return components, units
