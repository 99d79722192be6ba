"""The conclusions a unit's pack asks to look at again: of its week's violations, those the team concluded on
and the detector retracted since (review of the signed documents: a re-made pack no longer listed them, and
the signed conclusion stood against it with nothing said)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from inspections.cases import CaseAction, CaseStatus
from inspections.catalogue import Catalogue
from inspections.weeks import Week
from reporting.gather import handled_cases, units_in_force, week_bounds
from warehouse.base import Warehouse
from warehouse.cases import CaseKey
from warehouse.queries import load_sql


@dataclass(frozen=True, slots=True)
class ToReview:
    """A violation of the week the team concluded on, which the detector retracted since."""

    key: CaseKey
    occurred_at: datetime
    concluded_at: datetime


def week_to_review(catalogue: Catalogue, wh: Warehouse, week: Week) -> dict[str, list[ToReview]]:
    """Per unit in force at the week's end, its retracted violations of the week whose case is concluded
    (``CaseState.to_review`` once the console has settled it; the pack does not wait for that): a re-made
    pack no longer lists them, and the signed conclusion stood against it with nothing said (review of the
    signed documents)."""
    from_s, to_s = week_bounds(week)
    rows = wh.query(load_sql("report_retracted_violations"), {"from_s": from_s, "to_s": to_s})
    units = {CaseKey(d, r, e): (u, at) for d, r, e, u, at in rows}
    cases = handled_cases(wh, units)
    unit_of = units_in_force(catalogue, week)
    found: dict[str, list[ToReview]] = defaultdict(list)
    for key, state in cases.items():  # its violation retracted: whether or not the console has marked it yet
        if state.status is CaseStatus.CONCLUDED:
            concluded = [e.at for e, applied in state.history if applied and e.action is CaseAction.CONCLUDE]
            unit, at = units[key]
            found[unit_of(unit)].append(ToReview(key, at, concluded[-1]))
    return {unit: sorted(items, key=lambda r: (r.key, r.occurred_at)) for unit, items in found.items()}
