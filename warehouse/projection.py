"""The dossier projection in the warehouse: folding dossiers from their stored events (facts, outcome
history, violations with retractions) and the reads built on it. A dossier that cannot be judged is
stored with the finding ``AUDIT_ERROR`` and never stops a fold.

Takes the domain's ``Auditor`` (which carries the catalogue and calendar), never the application's
assembly: the stream sink, the load job and the reports all fold the same way through here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import orjson

from inspections.audit_error import failure, judge
from inspections.classification import classify
from inspections.metrics import ReportingForm, period_as_of
from inspections.rulebook import Auditor
from inspections.violations import NOT_CHECKABLE, Violation
from schemas.events import EVENT_ADAPTER, AnyEvent
from warehouse.base import Warehouse
from warehouse.binding import TextSet, chunked
from warehouse.queries import load_sql
from warehouse.store import (
    DOSSIER_COLUMNS,
    DOSSIER_KEYS,
    OUTCOME_COLUMNS,
    VIOLATION_COLUMNS,
    Batch,
    dossier_row,
    epoch_us,
    now_version,
    outcome_rows,
    outcome_tombstones,
    violation_row,
)

#: How many dossiers are folded per round trip to the warehouse.
CHUNK = 5_000
#: Who wrote a violation row (``violations.producer``): the load, not the stream detector.
PRODUCER = "warehouse-load"


class FoldRows(NamedTuple):
    """What folding one dossier writes, as table rows: its ``dossiers`` row (none for a dossier that could
    not be judged), its ``dossier_outcomes`` rows, and its open ``violations`` rows."""

    dossier: tuple[Any, ...] | None
    outcomes: list[tuple[Any, ...]]
    violations: list[tuple[Any, ...]]


def stored_events(wh: Warehouse, dossier_ids: Iterable[str]) -> Iterator[tuple[str, list[AnyEvent]]]:
    """Each dossier's stored events (one per event id), in event-time order, dossier by dossier."""
    for chunk in chunked(dossier_ids, CHUNK):
        rows = wh.query(load_sql("events_of_dossiers"), {"ids": TextSet(chunk)})
        current: str | None = None
        group: list[AnyEvent] = []
        for dossier_id, raw in rows:
            if dossier_id != current:
                if current is not None:
                    yield current, group
                current, group = dossier_id, []
            group.append(EVENT_ADAPTER.validate_json(raw))
        if current is not None:
            yield current, group


def fold_dossiers(
    auditor: Auditor,
    wh: Warehouse,
    dossier_ids: Iterable[str],
    as_of: datetime,
    *,
    violations: bool = True,
) -> tuple[int, int, int]:
    """Re-evaluate dossiers from their stored events: projection, outcome history, violations (with
    retractions of what no longer holds). Returns (dossiers, open violations, retracted violations).
    ``dossier_ids`` may be any iterable (read ``CHUNK`` at a time).

    ``violations=False`` refreshes only the projection (``dossiers``, ``dossier_outcomes``): the stream
    sink does that, leaving violations to the detector.

    A dossier that cannot be judged (rulebook v2, amendment 12) gets the finding ``AUDIT_ERROR`` instead of
    its violations; when its outcome cannot be computed either, no projection rows and its stored outcome
    history emptied, so that the SQL reporting form leaves it out as the file-based one does (one whose
    rules alone fail keeps its rows: both forms count it); the other dossiers are folded as usual."""
    version = now_version()
    dossiers = Batch(wh, "dossiers", DOSSIER_COLUMNS)
    outcomes = Batch(wh, "dossier_outcomes", OUTCOME_COLUMNS)
    found = Batch(wh, "violations", VIOLATION_COLUMNS)
    folded = opened = retracted = 0
    for chunk in chunked(dossier_ids, CHUNK):
        previous = open_violations(wh, chunk) if violations else {}
        old_keys = stored_outcome_keys(wh, chunk)
        for dossier_id, events in stored_events(wh, chunk):
            fold = fold_rows(
                auditor, dossier_id, events, as_of, version, old_keys.get(dossier_id), violations=violations
            )
            if fold.dossier is not None:
                dossiers.add(*fold.dossier)
            for row in fold.outcomes:
                outcomes.add(*row)
            folded += 1
            if not violations:
                continue
            now_open = set()
            for row in fold.violations:
                now_open.add((row[1], row[2]))  # (rule_id, event_id or ""): the row's key in its dossier
                found.add(*row)
                opened += row[4] != NOT_CHECKABLE  # a rule its source could not feed is not a violation
            for row in retractions(previous.get(dossier_id, {}), now_open, as_of, version):
                found.add(*row)
                retracted += 1
    for batch in (dossiers, outcomes, found):
        batch.flush()
    return folded, opened, retracted


def fold_rows(
    auditor: Auditor,
    dossier_id: str,
    events: list[AnyEvent],
    as_of: datetime,
    version: int,
    old: tuple[date, list[int]] | None = None,
    *,
    violations: bool = True,
    seconds: bool = False,
) -> FoldRows:
    """Fold one dossier from all its events (unique, in event-time order) into the rows it writes, at
    ``as_of`` under ``version``. ``old``: the history keys it has stored (``stored_outcome_keys``; ``None``
    for a dossier with none), whose rows the new history does not overwrite get emptied. ``seconds``: the
    outcome rows' ``valid_from`` as epoch seconds (``warehouse.store.OUTCOME_SECONDS``: for the load's Arrow
    frames, whose columns are then the same) rather than UTC datetimes.

    The one fold of the warehouse: :func:`fold_dossiers` calls it on events read back from the warehouse,
    the load's workers on the events of a dossier the warehouse did not hold before (see
    ``dossier_audit.jobs.warehouse``). A dossier that cannot be judged gets ``AUDIT_ERROR``."""
    try:
        fold = _fold(auditor, dossier_id, events, as_of, version, old, violations, seconds)
    except _RulesFailed as failed:  # its outcome stands (the form counts it, as ``metrics FILE`` does)
        fold = failed.fold
        fold.violations.append(failure(auditor.rulebooks, dossier_id, events, as_of, failed.error))
    except Exception as exc:  # this dossier only: the others are still folded
        fold = _Fold(None, _emptied(dossier_id, old, version, seconds), [])
        if violations:
            fold.violations.append(failure(auditor.rulebooks, dossier_id, events, as_of, exc))
    rows = [violation_row(v.to_json_dict(), "open", as_of, PRODUCER, version) for v in fold.violations]
    return FoldRows(fold.dossier, fold.outcomes, rows)


@dataclass(slots=True)
class _Fold:
    """What folding one dossier writes: its ``dossiers`` row, its outcome rows, its violations."""

    dossier: tuple[Any, ...] | None
    outcomes: list[tuple[Any, ...]]
    violations: list[Violation]


def _fold(
    auditor: Auditor,
    dossier_id: str,
    events: list[AnyEvent],
    as_of: datetime,
    version: int,
    old: tuple[date, list[int]] | None,
    violations: bool,
    seconds: bool,
) -> _Fold:
    """Everything one dossier writes, computed before anything is written (a failure writes nothing). The
    history's keys are computed once, in the ``dossiers`` row, which the outcome rows take them from."""
    catalogue = auditor.catalogue
    facts = auditor.facts(dossier_id, events, as_of, presorted=True)
    field_code = catalogue.field_of(facts.procedure_code) if facts.procedure_code else None
    cls = classify(facts, auditor.catalogue, auditor.calendar)
    history = auditor.outcome_history(dossier_id, events)
    row = dossier_row(facts, field_code, cls.status if cls else None, history, version)
    history_keys: list[int] = row[DOSSIER_KEYS]
    rows = outcome_rows(history, field_code, version, history_keys, seconds=seconds)
    if old is not None:  # any old row the new history does not overwrite gets an empty interval
        day = history[0][1].received_on if history else None
        gone = stale_keys(old, day, history_keys)
        rows.extend(outcome_tombstones(dossier_id, old[0], gone, version, seconds=seconds))
    fold = _Fold(row, rows, [])
    if violations:
        try:
            fold.violations = auditor.evaluate_facts(facts, classification=cls)
        except Exception as exc:
            raise _RulesFailed(fold, exc) from exc
    return fold


class _RulesFailed(Exception):
    """The rulebook failed on a dossier whose outcome was computed: the fold keeps its rows (its outcome
    does not depend on the rules), with ``AUDIT_ERROR`` for its violations. Before, any failure emptied its
    history, so the SQL form left out a dossier that ``metrics FILE`` and the stream sink's fold count
    (review of 2026-12-04)."""

    def __init__(self, fold: _Fold, error: Exception) -> None:
        super().__init__(str(error))
        self.fold, self.error = fold, error


def stale_keys(old: tuple[date, list[int]], received_on: date | None, keys: Collection[int]) -> list[int]:
    """Of a dossier's stored history keys (``old``: the receive day they sort under, and the keys), those a
    new history (its receive day, ``None`` without history, and its keys) does not overwrite. Rows sort under
    (received_on, dossier, key): under another day, the new rows overwrite none."""
    day, stored = old
    kept = set(keys) if received_on is not None and received_on == day else set()
    return [key for key in stored if key not in kept]


def retractions(
    previous: dict[tuple[str, str], str],
    now_open: Collection[tuple[str, str]],
    as_of: datetime,
    version: int,
) -> list[tuple[Any, ...]]:
    """The ``retracted`` rows of a dossier's violations that were open (``previous``, by key ``(rule_id,
    event_id or "")``: their ``audit --json`` detail as stored, from :func:`open_violations`) and are not now
    (``now_open``: the keys of its new open rows). Only those details are parsed: most stay open."""
    return [
        violation_row(orjson.loads(detail), "retracted", as_of, PRODUCER, version)
        for key, detail in previous.items()
        if key not in now_open
    ]


def _emptied(
    dossier_id: str, old: tuple[date, list[int]] | None, version: int, seconds: bool
) -> list[tuple[Any, ...]]:
    """Empty intervals over every stored outcome row of a dossier (none stored: nothing to empty)."""
    if old is None:
        return []
    received_on, keys = old
    return list(outcome_tombstones(dossier_id, received_on, keys, version, seconds=seconds))


def stored_outcome_keys(wh: Warehouse, dossier_ids: list[str]) -> dict[str, tuple[date, list[int]]]:
    """The history keys each dossier has stored now, with the receive day they sort under (to empty the
    ones a new history drops: :func:`stale_keys`); none for a dossier without history."""
    rows = wh.query(load_sql("outcome_keys"), {"ids": TextSet(dossier_ids)})
    return {dossier_id: (received_on, list(keys)) for dossier_id, received_on, keys in rows if received_on}


def open_violations(wh: Warehouse, dossier_ids: list[str]) -> dict[str, dict[tuple[str, str], str]]:
    """The violations open now of each dossier, by key ``(rule_id, event_id or "")``: their detail, the
    ``audit --json`` text (parsed only for those :func:`retractions` retracts)."""
    found: dict[str, dict[tuple[str, str], str]] = {}
    rows = wh.query(load_sql("open_violations"), {"ids": TextSet(dossier_ids)})
    for dossier_id, rule_id, event_id, detail in rows:
        found.setdefault(dossier_id, {})[(rule_id, event_id)] = detail
    return found


def all_dossier_ids(wh: Warehouse) -> list[str]:
    return [row[0] for row in wh.query("SELECT DISTINCT dossier_id FROM events ORDER BY dossier_id")]


def audit_warehouse(auditor: Auditor, wh: Warehouse, as_of: datetime) -> Iterator[dict[str, Any]]:
    """The audit of everything the warehouse holds at ``as_of`` (same JSON as ``audit FILE``)."""
    for dossier_id, events in stored_events(wh, all_dossier_ids(wh)):
        for v in judge(auditor, dossier_id, events, as_of, presorted=True):
            yield v.to_json_dict()


def reporting_form(
    wh: Warehouse, start: date, end: date, *, units: frozenset[str] | None = None
) -> ReportingForm:
    """The reporting form for ``[start, end)`` computed in SQL from the stored outcome histories, over
    ``units`` (every unit when ``None``)."""
    params = {
        "start": start,
        "end": end,
        "t": epoch_us(period_as_of(end)),
        "all_units": 1 if units is None else 0,
        "units": tuple(sorted(units)) if units else ("",),
    }
    (row,) = wh.query(load_sql("reporting_form"), params)
    return ReportingForm.from_counts(start, end, row)


@dataclass(frozen=True, slots=True)
class StoredViolation:
    """One row of ``violations FINAL``: ``detail`` is the ``audit --json`` text of the violation."""

    detail: str
    rule_id: str
    state: str
    dossier_id: str
    event_id: str
    unit_code: str
    occurred_at: datetime
    producer: str


def stored_violations(
    wh: Warehouse,
    *,
    units: Iterable[str] | None = None,
    rule: str | None = None,
    include_retracted: bool = False,
) -> list[StoredViolation]:
    """The violations the warehouse holds (open ones unless ``include_retracted``), optionally of one
    rule and of some units, sorted by (dossier, rule, event)."""
    unit_codes = tuple(sorted(units)) if units is not None else ()
    params = {
        "all_states": int(include_retracted),
        "any_rule": int(rule is None),
        "rule": rule or "",
        "all_units": int(units is None),
        "units": unit_codes or ("",),  # never an empty IN tuple (ClickHouse 18.16 rejects it)
    }
    return [StoredViolation(*row) for row in wh.query(load_sql("stored_violations"), params)]
