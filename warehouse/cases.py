"""Case work in the warehouse: the append-only ``case_events`` table and the counts of cases by state.

Only two operations touch the table: :func:`append_case_event` (an ``INSERT``) and the reads. There is no
update or delete path (``tests/console`` checks that no SQL of the platform names the table in one): a
case's state is always the fold (``inspections.cases.fold``) of all its rows.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from inspections.cases import CaseAction, CaseEvent, CaseState, CaseStatus, Role, fold
from warehouse.base import Row, Warehouse
from warehouse.binding import TextSet
from warehouse.queries import load_sql

CASE_EVENT_COLUMNS = (
    "case_event_id", "dossier_id", "rule_id", "event_id", "rulebook_version", "unit_code", "action",
    "actor", "actor_role", "at", "at_us", "reason_code", "note", "notice_number",
)  # fmt: skip
#: Rows per ``IN`` list of dossier ids.
CHUNK = 2_000


@dataclass(frozen=True, slots=True, order=True)
class CaseKey:
    """The identity of a case: the violation it is about."""

    dossier_id: str
    rule_id: str
    event_id: str


def key_text(key: CaseKey) -> str:
    """A case key as one text, as the console's SQL writes a violation's (``console_violations_*.sql``:
    ``concat(toString(length(dossier_id)), ':', dossier_id, rule_id, '|', event_id)``): the dossier id by its
    length in bytes, then the rule id, which holds no ``|``, then the event id; so no two keys share a
    text, whatever their ids hold."""
    return f"{len(key.dossier_id.encode())}:{key.dossier_id}{key.rule_id}|{key.event_id}"


def key_texts(keys: Iterable[CaseKey]) -> TextSet:
    """Case keys bound as one string (:class:`warehouse.binding.TextSet` of :func:`key_text`; never empty:
    ``""`` is no key's text). A tuple literal of 16,000 keys made every page of the case-state filter
    parse some 1.5 MB of SQL twice: two seconds a page, a gigabyte of the console's memory (review)."""
    return TextSet(["", *(key_text(k) for k in keys)])


def append_case_event(
    wh: Warehouse,
    key: CaseKey,
    event: CaseEvent,
    *,
    rulebook_version: str,
    unit_code: str,
) -> None:
    """Store one case event (the only write of the table)."""
    at = event.at.astimezone(UTC)
    row = (
        uuid.uuid4().hex, key.dossier_id, key.rule_id, key.event_id, rulebook_version, unit_code,
        event.action.value, event.actor, event.role.value, at.replace(microsecond=0), at.microsecond,
        event.reason_code, event.note, event.notice_number,
    )  # fmt: skip
    wh.insert("case_events", CASE_EVENT_COLUMNS, [[value] for value in row])


def _event(row: Row) -> tuple[CaseKey, CaseEvent]:
    dossier_id, rule_id, event_id, _version, action, role, actor, at, reason, note, notice = row
    event = CaseEvent(CaseAction(action), Role(role), actor, at, reason, note, notice)
    return CaseKey(dossier_id, rule_id, event_id), event


def _grouped(rows: Iterable[Row]) -> dict[CaseKey, list[CaseEvent]]:
    out: dict[CaseKey, list[CaseEvent]] = {}
    for row in rows:
        key, event = _event(row)
        out.setdefault(key, []).append(event)
    return out


def case_events_of(wh: Warehouse, dossier_ids: Iterable[str]) -> dict[CaseKey, list[CaseEvent]]:
    """The case events of these dossiers, per case, in fold order."""
    ids = sorted(set(dossier_ids))
    out: dict[CaseKey, list[CaseEvent]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ("", *ids[start : start + CHUNK])
        out.update(_grouped(wh.query(load_sql("console_case_events"), {"ids": chunk})))
    return out


def all_cases(wh: Warehouse) -> dict[CaseKey, CaseState]:
    """Every case with at least one event, folded."""
    return {
        key: fold(events) for key, events in _grouped(wh.query(load_sql("console_case_events_all"))).items()
    }


def case_states_of(wh: Warehouse, dossier_ids: Iterable[str]) -> dict[CaseKey, CaseState]:
    """The folded cases of these dossiers (a case without events is open, and absent here)."""
    return {key: fold(events) for key, events in case_events_of(wh, dossier_ids).items()}


@dataclass(frozen=True, slots=True)
class CaseCounts:
    """The weekly report's "cases" section for a week and a unit scope."""

    confirmed: int
    dismissed: int
    awaiting_explanation: int
    explained: int
    concluded: int
    closed: int
    #: Of ``concluded``: those whose violation the detector retracted since (``CaseState.to_review``).
    to_review: int = 0
    #: The cases a person (the team or the unit) acted on from ``case_counts``'s ``acted_from_s`` on.
    acted: int = 0


def case_counts(
    wh: Warehouse,
    *,
    from_s: int,
    to_s: int,
    units: Iterable[str] | None = None,
    as_of_s: int | None = None,
    acted_from_s: int | None = None,
) -> CaseCounts:
    """Cases by state among the violations whose event falls in ``[from_s, to_s)`` (epoch seconds, e.g.
    ``reporting.gather.week_bounds(week)``), for the units in ``units`` (``None``: the whole province; pass
    ``catalogue.descendants(code)`` for a unit and those under or merged into it). ``confirmed`` counts
    cases upheld (confirmed or concluded); the other fields count cases in that state.

    Each case is folded from its events before ``to_s`` only (the week's end), so a week's report made
    again later says the same: a case closed by a retraction counts as closed from its system event's
    time on (``console --sync-cases`` or the console's timer writes it). ``as_of_s``: fold up to this
    instant instead (the console's live dashboard passes now); the report leaves it to the week's end.
    ``acted_from_s``: count in ``acted`` the cases a person acted on from this instant until the one folded
    to (the weekly report: in its week): an action the case's rules applied, the system's closes and marks
    and the actions they ignored left out."""
    end = datetime.fromtimestamp(to_s if as_of_s is None else as_of_s, UTC)
    acted_from = None if acted_from_s is None else datetime.fromtimestamp(acted_from_s, UTC)
    # Only the cases of the week's violations (the province's every case, folded at each dashboard view,
    # took a second once 16,000 were worked: review), each with its violation's unit.
    rows = wh.query(load_sql("console_case_events_of_week"), {"from_s": from_s, "to_s": to_s})
    units_of = {CaseKey(*row[:3]): row[-1] for row in rows}
    scope = None if units is None else set(units)
    counts: Counter[str] = Counter()
    for key, events in _grouped(row[:-1] for row in rows).items():
        if events[0].at >= end or (scope is not None and units_of[key] not in scope):
            continue  # no event of its case before the instant folded to, or another unit's
        state = fold(e for e in events if e.at < end)
        status = state.status
        counts[status.value] += 1
        counts["to_review"] += state.to_review
        if acted_from is not None and any(  # an action the rules ignored (a double submit) did nothing
            applied and e.role is not Role.SYSTEM and e.at >= acted_from for e, applied in state.history
        ):
            counts["acted"] += 1
        if status in (CaseStatus.CONFIRMED, CaseStatus.CONCLUDED):
            counts["upheld"] += 1
    return CaseCounts(
        confirmed=counts["upheld"],
        dismissed=counts[CaseStatus.DISMISSED.value],
        awaiting_explanation=counts[CaseStatus.AWAITING_EXPLANATION.value],
        explained=counts[CaseStatus.EXPLAINED.value],
        concluded=counts[CaseStatus.CONCLUDED.value],
        closed=counts[CaseStatus.CLOSED.value],
        to_review=counts["to_review"],
        acted=counts["acted"],
    )


def now_utc() -> datetime:
    return datetime.now(UTC)


def violation_states(wh: Warehouse, keys: Iterable[CaseKey]) -> dict[CaseKey, tuple[str, str, str]]:
    """(detector state, rulebook version, unit) of the violations of these case keys. The keys are bound as
    their texts and their dossiers (``console_case_violation_states.sql``): a tuple literal of them made
    the province-wide sync hold the console's lock 0.55 s at 12,300 cases, 0.27 s now."""
    ordered = sorted(set(keys))
    out: dict[CaseKey, tuple[str, str, str]] = {}
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        params = {"dossiers": TextSet(sorted({k.dossier_id for k in chunk})), "keys": key_texts(chunk)}
        for dossier_id, rule_id, event_id, state, version, unit in wh.query(
            load_sql("console_case_violation_states"), params
        ):
            out[CaseKey(dossier_id, rule_id, event_id)] = (state, version, unit)
    return out
