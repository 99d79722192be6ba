"""The weekly report's violation counts (SQL in ``warehouse/sql/report_violation_*.sql``): the week's open
violations by rule and by unit, the week before, and the average of the weeks before with data.

The averages divide by the weeks that hold any stored event among the ``PRIOR_WEEKS`` before the report's
week (``prior_weeks``), not by ``PRIOR_WEEKS`` itself: a warehouse with three weeks of history averages
over three, and one with none has no average (``prior_weeks == 0``; the sentences then say there is nothing
to compare with). Each unit also carries its count and average without the ``TIME_TRIGGERED`` rules: their
violations occur when a time limit passes (``Rule.triggered_by_time``), so a week's count of them grows, and
one kind turns into another, for days after the week ends; without them a provisional week compares like
with like.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from inspections.audit_error import reported_rules
from inspections.catalogue import Catalogue
from inspections.rounding import rounded
from inspections.rulebook import TIME_TRIGGERED
from inspections.violations import KINDS, NOT_CHECKABLE
from inspections.weeks import Week
from reporting.gather import handled, trend, units_in_force, week_bounds
from reporting.i18n import Texts
from warehouse.base import Warehouse
from warehouse.queries import load_sql

#: The weeks before the report's week its averages look at (at most: only those with data count).
PRIOR_WEEKS = 8


@dataclass(slots=True)
class RuleCount:
    rule_id: str
    kind: str
    severity: str
    count: int = 0
    previous: int = 0
    previous_8_avg: float = 0.0  # per week over the weeks before with data (``ViolationCounts.prior_weeks``)
    prior_total: int = 0  # in those weeks: sums of averages are taken from it, not from rounded averages


@dataclass(slots=True)
class UnitCount:
    code: str
    count: int = 0
    previous: int = 0
    previous_8_avg: float = 0.0  # per week over the weeks before with data
    dossiers: int = 0
    findings: int = 0
    not_checkable: int = 0
    #: This week's violations of the rules fixed when they occur (not ``TIME_TRIGGERED``), and their average.
    instant: int = 0
    instant_avg: float = 0.0


@dataclass(frozen=True, slots=True)
class ViolationCounts:
    """The week's open violations (kind ``violation``) by rule and by unit, with the previous week and the
    average of the weeks before with data (``prior_weeks`` of the ``PRIOR_WEEKS`` before; 0: no average);
    findings (data anomalies) and rules not checkable (kind ``not_checkable``: a source could not provide
    what a rule needs) are counted apart, never as violations."""

    week: Week
    rules: list[RuleCount]  # one per (rule, kind): a rule may have violations and be not checkable elsewhere
    units: list[UnitCount]  # violations (findings and not checkable in their own fields)
    by_rule_unit: dict[tuple[str, str], int]  # (rule, unit) → violations this week
    total: int
    previous_total: int
    dossiers: int
    findings: int
    previous_8_avg: float  # violations per week over the weeks before with data
    not_checkable: int = 0
    #: How many of the ``PRIOR_WEEKS`` weeks before hold data: the averages' divisor (0: no average).
    prior_weeks: int = PRIOR_WEEKS


def weeks_to_handle(catalogue: Catalogue, wh: Warehouse, first: Week, weeks: int, *, units_of: Week) -> int:
    """How many of the ``weeks`` weeks from ``first`` on had dossiers to handle (indicator 2.1's
    denominator, ``gather.handled``, of the province's form): the weeks every average of the report divides
    by. A week holding only events before receipt (``submitted``) is not one: counted as "a week with any
    stored event", it made the violations' average divide by 5 where the on-time rate's divided by 4."""
    points = trend(catalogue, wh, first.next(weeks - 1), weeks, units_of=units_of)
    return sum(handled(p.province) > 0 for p in points)


def average_of(rules: Iterable[RuleCount], weeks: int) -> float:
    """The weekly average of several rules together, from their totals (a sum of averages each rounded to
    2 decimals drifts from it: 77,34 for 77,33)."""
    return _average(sum(r.prior_total for r in rules), weeks)


def _average(total: int, weeks: int) -> float:
    """``total / weeks`` to 2 decimals, half up as every figure of the report (``round`` took 1/8 to 0.12: a
    binary half to even; the quotient of two integers by 8 or fewer weeks is a half only when exact)."""
    return rounded(total / weeks, 2) if weeks else 0.0


def violation_counts(
    catalogue: Catalogue, wh: Warehouse, week: Week, *, prior_weeks: int | None = None
) -> ViolationCounts:
    """Count the open violations of ``week`` and of the ``PRIOR_WEEKS`` weeks before it (one query), and
    average the weeks before over those with dossiers to handle (``prior_weeks``, when the caller has
    counted them already: :func:`weeks_to_handle`)."""
    first = week.previous(PRIOR_WEEKS)
    from_s, _ = week_bounds(first)
    _, to_s = week_bounds(week)
    previous = week.previous()
    rows = wh.query(load_sql("report_violation_counts"), {"from_s": from_s, "to_s": to_s})
    unit_of = units_in_force(catalogue, week)
    # Keyed by (rule, kind): a rule's violations and its not-checkable records are separate counts.
    rules: dict[tuple[str, str], RuleCount] = {}
    units: dict[str, UnitCount] = {}
    by_rule_unit: Counter[tuple[str, str]] = Counter()
    rule_prior: Counter[tuple[str, str]] = Counter()
    unit_prior: Counter[str] = Counter()
    instant_prior: Counter[str] = Counter()  # per unit, the rules fixed when they occur
    for rule_id, kind, severity, unit_code, day, count in rows:
        n = int(count)
        which = Week.of(day)
        unit = unit_of(unit_code)
        rc = rules.setdefault((rule_id, kind), RuleCount(rule_id, kind, severity))
        uc = units.setdefault(unit, UnitCount(unit))
        instant = kind == "violation" and rule_id not in TIME_TRIGGERED
        if which == week:
            rc.count += n
            if kind == "violation":
                uc.count += n
                uc.instant += n if instant else 0
                by_rule_unit[(rule_id, unit)] += n
            elif kind == NOT_CHECKABLE:
                uc.not_checkable += n
            else:
                uc.findings += n
            continue
        if which == previous:
            rc.previous += n
            if kind == "violation":
                uc.previous += n
        rule_prior[(rule_id, kind)] += n
        if kind == "violation":
            unit_prior[unit] += n
            instant_prior[unit] += n if instant else 0
    if prior_weeks is None:
        prior_weeks = weeks_to_handle(catalogue, wh, first, PRIOR_WEEKS, units_of=week)
    for rc in rules.values():
        rc.prior_total = rule_prior[(rc.rule_id, rc.kind)]
        rc.previous_8_avg = _average(rc.prior_total, prior_weeks)
    for uc in units.values():
        uc.previous_8_avg = _average(unit_prior[uc.code], prior_weeks)
        uc.instant_avg = _average(instant_prior[uc.code], prior_weeks)
    week_from, week_to = week_bounds(week)
    dossiers = 0
    for unit_code, kind, n in wh.query(
        load_sql("report_violation_dossiers"), {"from_s": week_from, "to_s": week_to}
    ):
        if kind == "violation":
            current = unit_of(unit_code)
            units.setdefault(current, UnitCount(current)).dossiers += int(n)
            dossiers += int(n)
    rule_order = {r.rule_id: i for i, r in enumerate(reported_rules())}
    kind_order: dict[str, int] = {kind: i for i, kind in enumerate(KINDS)}
    return ViolationCounts(
        week=week,
        rules=sorted(
            rules.values(),
            key=lambda r: (kind_order.get(r.kind, 9), -r.count, rule_order.get(r.rule_id, 99)),
        ),
        units=sorted(units.values(), key=lambda u: (-u.count, u.code)),
        by_rule_unit=dict(by_rule_unit),
        total=sum(r.count for r in rules.values() if r.kind == "violation"),
        previous_total=sum(r.previous for r in rules.values() if r.kind == "violation"),
        dossiers=dossiers,
        findings=sum(r.count for r in rules.values() if r.kind == "finding"),
        previous_8_avg=_average(sum(unit_prior.values()), prior_weeks),
        not_checkable=sum(r.count for r in rules.values() if r.kind == NOT_CHECKABLE),
        prior_weeks=prior_weeks,
    )


def relative_change(t: Texts, value: float, average: float, *, before_average: bool = False) -> str:
    """``cao hơn 12 %`` / ``thấp hơn 5 %`` / ``tương đương`` (within 2 %) of ``value`` against ``average``;
    ``before_average``: followed by the average itself ("cao hơn 12 % so với bình quân …", "tương đương
    bình quân …")."""
    prefix = "vs" if before_average else "pct"
    same, new, up, down = (f"{prefix}_{word}" for word in ("same", "new", "up", "down"))
    if average <= 0:
        return t(same) if value <= 0 else t(new)
    ratio = (value - average) / average
    if abs(ratio) < 0.02:
        return t(same)
    return t(up if ratio > 0 else down, pct=t.percent(abs(ratio), 0))
