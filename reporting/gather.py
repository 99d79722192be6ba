"""What the reports show, read from the warehouse (SQL in ``warehouse/sql/report_*.sql``).

Units: a dossier counts for the unit that received it, and a unit merged away by a reform counts for its
successor in force at the end of the report's week (``units_in_force``: rulebook v2, amendment 11, as
``metrics --by unit``), so a week's table has one row per unit in force then, and a report regenerated
after a later reform still shows the same rows. The trend and the weeks before in the violation counts use
the report week's units too, so each unit's line runs across a reform. The province row is the sum of the
unit rows; it equals ``metrics_warehouse`` for the period (the grouped query is ``reporting_form.sql`` with
a GROUP BY; the tests hold them equal).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import astuple, dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

import orjson

from checks import results as quality_results
from checks.results import CheckResult
from inspections.cases import CaseState, CaseStatus
from inspections.catalogue import Catalogue
from inspections.classification import local_midnight
from inspections.metrics import ReportingForm, period_as_of
from inspections.weeks import Week
from schemas.events import stored_event_key
from warehouse.base import Warehouse, WarehouseError
from warehouse.binding import TextSet
from warehouse.cases import CaseCounts, CaseKey, case_counts, case_states_of
from warehouse.load_runs import LoadRun, recorded_runs, unfinished_runs
from warehouse.migrate import existing_tables
from warehouse.queries import load_sql
from warehouse.store import epoch_us

#: Weeks in the on-time trend (the report's week is the last).
TREND_WEEKS = 9  # the 8 weeks the averages are over, and the week itself
#: Field code for dossiers whose procedure the catalogue does not know.
UNKNOWN_FIELD = "UNKNOWN"
#: Dossier ids per ``IN`` list.
CHUNK = 2_000


def handled(form: ReportingForm) -> int:
    """The dossiers indicator 2.1 counts (its denominator)."""
    return form.resolved_total + form.in_progress_total


@dataclass(frozen=True, slots=True)
class WeekForms:
    """The week's reporting forms: province, and per current unit, field and procedure."""

    week: Week
    province: ReportingForm
    units: dict[str, ReportingForm]
    fields: dict[str, ReportingForm]
    procedures: dict[str, ReportingForm]


def week_bounds(week: Week) -> tuple[int, int]:
    """The week's [start, end) as epoch seconds (local midnights)."""
    return int(local_midnight(week.start).timestamp()), int(local_midnight(week.end).timestamp())


def units_in_force(catalogue: Catalogue, week: Week) -> Callable[[str], str]:
    """The unit a recorded unit code counts for: the one in force on the last day of ``week``."""
    last_day = week.end - timedelta(days=1)
    return lambda code: catalogue.current_on(code, last_day)


def receiving_units(catalogue: Catalogue, week: Week) -> list[str]:
    """The units in force on the last day of ``week`` with a procedure published for them then (their own,
    or their level's): the one-stop desks dossiers are received at."""
    last_day = week.end - timedelta(days=1)
    procedures = list(catalogue.procedures)
    return [
        code
        for code, unit in catalogue.units.items()
        if unit.valid_on(last_day) and any(catalogue.is_published(p, code, last_day) for p in procedures)
    ]


def week_forms(catalogue: Catalogue, wh: Warehouse, week: Week, *, units_of: Week | None = None) -> WeekForms:
    """The reporting forms of ``week`` (one SQL aggregation, summed per grouping here), per unit in force at
    the end of ``units_of`` (default: ``week``). Every unit receiving dossiers then has its form, an empty
    one when it had none: a desk that sent nothing is what leadership needs to see, listed and unranked
    (review of 2026-12-04: such a unit vanished from the report)."""
    start, end = week.start, week.end
    unit_of = units_in_force(catalogue, units_of or week)
    params = {"start": start, "end": end, "t": epoch_us(period_as_of(end))}
    units: dict[str, ReportingForm] = {}
    by_field: dict[str, ReportingForm] = {}
    procedures: dict[str, ReportingForm] = {}
    total = ReportingForm(start, end)
    for unit_code, field_code, procedure_code, *numbers in wh.query(load_sql("report_forms_grouped"), params):
        form = ReportingForm.from_counts(start, end, numbers)
        total.merge(form)
        for groups, key in (
            (units, unit_of(unit_code)),
            (by_field, field_code or UNKNOWN_FIELD),
            (procedures, procedure_code),
        ):
            groups.setdefault(key, ReportingForm(start, end)).merge(form)
    for code in receiving_units(catalogue, units_of or week):
        units.setdefault(code, ReportingForm(start, end))
    return WeekForms(week, total, dict(sorted(units.items())), dict(sorted(by_field.items())), procedures)


@dataclass(frozen=True, slots=True)
class RankedUnit:
    code: str
    rank: int | None  # None: no dossier counted by indicator 2.1
    form: ReportingForm


def rank_units(units: dict[str, ReportingForm]) -> list[RankedUnit]:
    """Units by on-time rate (= 766 points / 20), best first; ties: more dossiers counted first, then code.
    Units without a counted dossier come last, unranked. Equal rate and volume share a rank."""
    rated = [(code, f) for code, f in units.items() if f.on_time_rate is not None]
    rated.sort(key=lambda item: (-(item[1].on_time_rate or 0.0), -handled(item[1]), item[0]))
    out: list[RankedUnit] = []
    previous: tuple[float | None, int] | None = None
    rank = 0
    for position, (code, form) in enumerate(rated, start=1):
        key = (form.on_time_rate, handled(form))
        if key != previous:
            rank, previous = position, key
        out.append(RankedUnit(code, rank, form))
    out.extend(RankedUnit(code, None, f) for code, f in sorted(units.items()) if f.on_time_rate is None)
    return out


def lowest_rated(units: dict[str, ReportingForm], n: int) -> list[RankedUnit]:
    """The ``n`` last units of the ranking (:func:`rank_units`), the last first: the ranking read from its
    bottom, as the weekly report names its worst units (``findings.worst_units``), units sharing a rank
    too. The dashboard's and the main job's summary's "worst units" (they broke ties two ways, then one
    way but the ranking's reverse: of two units at 90 %, the one ranked last was not named the worst,
    review)."""
    rated = [r for r in rank_units(units) if r.rank is not None]
    return rated[::-1][:n]


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week: Week
    province: ReportingForm
    units: dict[str, ReportingForm]


def trend(
    catalogue: Catalogue, wh: Warehouse, week: Week, weeks: int = TREND_WEEKS, *, units_of: Week | None = None
) -> list[TrendPoint]:
    """The reporting forms of the ``weeks`` weeks ending with ``week``, oldest first, all per unit in force
    at the end of ``units_of`` (default: ``week``)."""
    points = []
    for w in week.history(weeks):
        forms = week_forms(catalogue, wh, w, units_of=units_of or week)
        points.append(TrendPoint(w, forms.province, forms.units))
    return points


# -- data quality -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Quality:
    """The data-quality verdict for the week: ``checked`` False when no run covers it (or the checks are
    not installed), with ``reason`` saying why (for logs; the report says "not checked")."""

    checked: bool
    results: list[CheckResult] = field(default_factory=list)
    reason: str | None = None
    #: A load recorded after the results were stored (``checks.results.loaded_since``): they do not cover
    #: what it stored, and the report says so.
    loaded_since: datetime | None = None

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success]

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.blocking and not r.success]


def quality(wh: Warehouse, week: Week) -> Quality:
    """The newest stored data-quality results for ``week``."""
    try:
        # Looked up at call time so a replaced implementation (or a test's monkeypatch) is used.
        found = quality_results.latest_results(wh, week)
    except NotImplementedError:
        return Quality(False, reason="the data-quality checks are not implemented")
    except WarehouseError as exc:
        # No results table yet (checks never ran on this warehouse) reads as "not checked".
        return Quality(False, reason=f"no stored data-quality results: {exc}")
    if not found:
        return Quality(False, reason="no data-quality run covers this week")
    return Quality(True, list(found), loaded_since=quality_results.loaded_since(wh, week))


# -- load runs --------------------------------------------------------------------------------------------
def unfinished_loads(wh: Warehouse) -> list[LoadRun]:
    """Loads that did not complete and that no later load finished, newest first: their dossiers may lack
    violations, so the report says so on its first page (and ``report`` on stderr)."""
    return unfinished_runs(wh)


def loads_around(wh: Warehouse, loading: list[LoadRun], began: datetime) -> tuple[LoadRun, ...]:
    """The loads a report gathered beside, newest first: unfinished when it began (``loading``, read at
    ``began``) or now, or started since. A load that completed meanwhile left the report half its data, and
    a read at the end alone saw none (review of concurrent operators)."""
    since = [run for run in recorded_runs(wh, limit=20) if run.started_us >= epoch_us(began)]
    unique = {run.run_id: run for run in [*unfinished_loads(wh), *loading, *since]}.values()
    return tuple(sorted(unique, key=lambda run: (run.started_us, run.run_id), reverse=True))


# -- audit packs ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ViolationRecord:
    dossier_id: str
    rule_id: str
    event_id: str
    kind: str
    severity: str
    unit_code: str
    procedure_code: str | None
    occurred_at: datetime
    legal_basis: str
    evidence: dict[str, Any]

    @property
    def key(self) -> CaseKey:
        """The console's case of this violation (as ``warehouse.console_read.ViolationRow.key``)."""
        return CaseKey(self.dossier_id, self.rule_id, self.event_id)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    event_id: str
    type: str
    occurred_at: datetime
    unit_code: str
    actor: str | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DossierFacts:
    dossier_id: str
    unit_code: str
    procedure_code: str | None
    channel: str | None
    received_at: datetime | None
    due_at: datetime | None
    end_type: str | None
    end_at: datetime | None
    status: str
    #: Waiting for the applicant's supplement (the clock stopped), and how long its supplements stopped the
    #: clock (a pause for a financial obligation, when the rulebook counts one, is not in it): an end after
    #: the appointment may be early or on time by that much (the pack says so).
    waiting: int = 0
    supplement_seconds: int = 0
    #: The instant the dossier was last judged at (its load's ``--as-of``): an open one's standing is then.
    as_of: datetime | None = None


def week_violations(catalogue: Catalogue, wh: Warehouse, week: Week) -> dict[str, list[ViolationRecord]]:
    """The week's open violations and findings per unit in force at its end."""
    from_s, to_s = week_bounds(week)
    unit_of = units_in_force(catalogue, week)
    found: dict[str, list[ViolationRecord]] = defaultdict(list)
    for row in wh.query(load_sql("report_violation_details"), {"from_s": from_s, "to_s": to_s}):
        # The query's columns are ViolationRecord's fields, with the audit JSON in place of its evidence.
        dossier_id, rule_id, event_id, kind, severity, unit_code, procedure, at, basis, detail = row
        evidence = orjson.loads(detail).get("evidence") or {}
        record = ViolationRecord(
            dossier_id, rule_id, event_id, kind, severity, unit_code, procedure, at, basis, evidence
        )
        found[unit_of(unit_code)].append(record)
    return dict(found)


def clean_dossiers(catalogue: Catalogue, wh: Warehouse, week: Week) -> dict[str, list[str]]:
    """Per unit in force at the week's end, the dossiers of its reporting form with no open violation."""
    params = {"start": week.start, "end": week.end, "t": epoch_us(period_as_of(week.end))}
    unit_of = units_in_force(catalogue, week)
    found: dict[str, list[str]] = defaultdict(list)
    for dossier_id, unit_code in wh.query(load_sql("report_clean_dossiers"), params):
        found[unit_of(unit_code)].append(dossier_id)
    return dict(found)


def sample_seed(unit: str, week: Week) -> str:
    return f"{unit}/{week}"


def reproducible_sample(candidates: Iterable[str], unit: str, week: Week, size: int) -> list[str]:
    """``size`` dossiers chosen by a hash of (unit, week, dossier): reruns pick the same ones, and a
    dossier's chance does not depend on the order the warehouse returns them in."""
    seed = sample_seed(unit, week).encode()

    def score(dossier_id: str) -> bytes:
        return hashlib.sha256(seed + b"\0" + dossier_id.encode()).digest()

    return sorted(candidates, key=score)[: max(size, 0)]


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def timelines(wh: Warehouse, dossier_ids: Iterable[str]) -> dict[str, list[TimelineEvent]]:
    """Each dossier's stored events in the platform's event-time order (``schemas.events.event_sort_key``:
    instant, lifecycle rank, ``event_id``), the order the rulebook reads them in: by ``event_id`` alone, an
    apology at the instant of the result showed after it, where the audit counted it before (and gave
    APOLOGY_TOO_LATE, not LATE_NO_APOLOGY: review of the packs, 2026-12-07)."""
    rows: dict[str, list[tuple[tuple[Any, ...], TimelineEvent]]] = defaultdict(list)
    for chunk in _chunks(sorted(set(dossier_ids))):
        for dossier_id, event_id, type_, occurred_at, us, unit_code, actor, data in wh.query(
            load_sql("report_dossier_events"), {"ids": TextSet(chunk)}
        ):
            event = TimelineEvent(event_id, type_, occurred_at, unit_code, actor, orjson.loads(data or "{}"))
            rows[dossier_id].append((stored_event_key(occurred_at, us, type_, event_id), event))
    first = itemgetter(0)  # the sort key, not the event (events do not compare)
    return {dossier: [event for _, event in sorted(found, key=first)] for dossier, found in rows.items()}


def dossier_facts(wh: Warehouse, dossier_ids: Iterable[str]) -> dict[str, DossierFacts]:
    """The folded state of each dossier (newest version)."""
    out: dict[str, DossierFacts] = {}
    for chunk in _chunks(sorted(set(dossier_ids))):
        for row in wh.query(load_sql("report_dossier_facts"), {"ids": TextSet(chunk)}):
            out[row[0]] = DossierFacts(*row)
    return out


def oldest_event(wh: Warehouse) -> datetime | None:
    """The oldest stored event time, aware UTC (``None`` for an empty warehouse)."""
    ((count, oldest),) = wh.query(load_sql("report_oldest_event"))
    if not int(count):
        return None
    at: datetime = oldest.replace(tzinfo=UTC) if oldest.tzinfo is None else oldest.astimezone(UTC)
    return at


def newest_event(wh: Warehouse) -> datetime | None:
    """The newest stored event time (``None`` for an empty warehouse)."""
    ((count, newest),) = wh.query(load_sql("report_newest_event"))
    return newest if int(count) else None


# -- the inspectors' cases (the console) ------------------------------------------------------------------
def week_cases(wh: Warehouse, week: Week) -> CaseCounts | None:
    """How the inspectors had handled the violations found up to the week's end, as their cases stood then,
    and how many they (or the units) acted on in the week (``warehouse.cases.case_counts``): ``None`` when
    no case existed by then (or the warehouse has no case table yet), so the report shows the section only
    once the console has been used. Not only the week's own violations: those are usually worked in the
    weeks after, so a week's report showed nothing of the team's work (review of 2026-12-06)."""
    if "case_events" not in existing_tables(wh):  # no console yet; any other error is raised, as for packs
        return None
    from_s, to_s = week_bounds(week)
    counts = case_counts(wh, from_s=0, to_s=to_s, acted_from_s=from_s)
    return counts if any(astuple(counts)) else None


#: Case states a pack names: handled, and its violation open. A closed case beside an open violation is
#: one the detector found again and the console has not reopened yet (it does at its next sync).
HANDLED = frozenset(CaseStatus) - {CaseStatus.OPEN, CaseStatus.CLOSED}


def handled_cases(wh: Warehouse, keys: Iterable[CaseKey]) -> dict[CaseKey, CaseState]:
    """How the inspectors have handled these violations in the console, as it stands now (the ``HANDLED``
    states; none without the console's tables): an audit pack says it beside each violation, which it
    listed as still to verify after the team had dismissed it (review of 2026-12-04). Any other error of
    the warehouse is raised: a pack must not lose its case states to a dropped connection."""
    wanted = set(keys)
    if not wanted or "case_events" not in existing_tables(wh):
        return {}
    states = case_states_of(wh, {key.dossier_id for key in wanted})
    return {key: state for key, state in states.items() if key in wanted and state.status in HANDLED}
