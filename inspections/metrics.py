"""The national reporting form and indicator 2.1 (Quyết định 766/QĐ-TTg) over a period.

Semantics in docs/rules-semantics.md ("Metrics"). Each received dossier is reduced to a small
``DossierOutcome`` evaluated at the end of the period; the form is a sum over outcomes, so it can be
computed per unit, field or procedure by filtering or grouping the outcomes. The outcome
(``inspections.outcomes``) and a dossier's outcome history (``inspections.history``) are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from inspections.classification import local_midnight
from inspections.history import outcome_history
from inspections.outcomes import DossierOutcome, outcome
from inspections.rounding import rounded

__all__ = [
    "PROGRESS_POINTS_766",
    "DossierOutcome",
    "ReportingForm",
    "grouped_forms",
    "outcome",
    "outcome_history",
    "period_as_of",
    "reporting_form",
]

#: Indicator 2.1 is worth 20 of the index's 100 points.
PROGRESS_POINTS_766 = 20


def period_as_of(end: date) -> datetime:
    """The last instant of a period ending (exclusively) on local date ``end``."""
    return local_midnight(end) - timedelta(microseconds=1)


@dataclass(slots=True)
class ReportingForm:
    """The reporting-form figures for one period (and one group of dossiers)."""

    start: date
    end: date
    carried_over: int = 0
    new_online: int = 0
    new_direct_postal: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    in_progress_within_time: int = 0
    in_progress_overdue: int = 0
    _working_days_sum: int = 0
    _returned: int = 0
    _returned_postal: int = 0

    @classmethod
    def from_counts(cls, start: date, end: date, counts: Iterable[int | None]) -> ReportingForm:
        """A form from its 11 counters in field order (``None`` counts as 0), e.g. an SQL aggregate row."""
        return cls(start, end, *(int(x or 0) for x in counts))

    @classmethod
    def counts_of(cls, figures: dict[str, Any]) -> ReportingForm:
        """The form's counters back from its :meth:`to_json_dict` (``metrics.json``, ``weekly_metrics``): what
        indicator 2.1 and the 766 points are computed from, exactly, rather than from the JSON's rounded
        rate (a percentage rounded again from six decimals: 501/1001 showed 50,1 % beside 50,0 %). The
        averages the JSON holds rounded are not restored."""
        received, resolved, in_progress = figures["received"], figures["resolved"], figures["in_progress"]
        return cls(
            date.fromisoformat(figures["period"]["from"]), date.fromisoformat(figures["period"]["to"]),
            carried_over=received["carried_over"], new_online=received["new_online"],
            new_direct_postal=received["new_direct_postal"], resolved_early=resolved["early"],
            resolved_on_time=resolved["on_time"], resolved_late=resolved["late"],
            in_progress_within_time=in_progress["within_time"], in_progress_overdue=in_progress["overdue"],
        )  # fmt: skip

    def counters(self) -> dict[str, int]:
        """Its 11 counters by name, in field order: what makes two forms of one period equal."""
        return {name: getattr(self, name) for name in _COUNTERS}

    def merge(self, other: ReportingForm) -> None:
        """Add ``other``'s counters (every figure is a sum over dossiers, so groups add up)."""
        for name in _COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def add(self, o: DossierOutcome) -> None:
        """Count one dossier's outcome (evaluated at the end of this period)."""
        if o.received_on >= self.end or (o.ended_on is not None and o.ended_on < self.start):
            return
        if o.received_on < self.start:
            self.carried_over += 1
        elif o.channel == "online":
            self.new_online += 1
        else:
            self.new_direct_postal += 1
        if o.ended_on is not None:  # ended within the period (earlier ends returned above)
            if o.status == "early":
                self.resolved_early += 1
            elif o.status == "on_time":
                self.resolved_on_time += 1
            else:
                self.resolved_late += 1
            self._working_days_sum += o.working_days
            if o.returned_channel is not None:
                self._returned += 1
                self._returned_postal += o.returned_channel == "postal"
        elif o.status == "late":
            self.in_progress_overdue += 1
        else:
            self.in_progress_within_time += 1

    @property
    def received_total(self) -> int:
        return self.carried_over + self.new_online + self.new_direct_postal

    @property
    def resolved_total(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def in_progress_total(self) -> int:
        return self.in_progress_within_time + self.in_progress_overdue

    @property
    def on_time_rate(self) -> float | None:
        """Indicator 2.1: (early + on time + in progress within time) / (resolved + in progress)."""
        return self._on_time()

    def _on_time(self, scale: int = 1) -> float | None:
        """``scale`` times indicator 2.1, in one division of the counts (``None`` without a denominator)."""
        denominator = self.resolved_total + self.in_progress_total
        if denominator == 0:
            return None
        good = self.resolved_early + self.resolved_on_time + self.in_progress_within_time
        return scale * good / denominator

    @property
    def progress_points_766(self) -> float | None:
        """The 766 points: ``PROGRESS_POINTS_766`` times the rate, in one division of the counts. Times the
        float rate, a points value that is a half (9 of 800: 0,225) landed below it (0.22499999999999998),
        and half up printed 0,22 (review of 2026-12-04)."""
        return self._on_time(PROGRESS_POINTS_766)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``metrics --json`` shape (nested objects for the dotted keys of the issue)."""
        rate = self.on_time_rate
        points = self.progress_points_766
        new_total = self.new_online + self.new_direct_postal
        return {
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "received": {
                "carried_over": self.carried_over,
                "new_online": self.new_online,
                "new_direct_postal": self.new_direct_postal,
                "total": self.received_total,
            },
            "resolved": {
                "total": self.resolved_total,
                "early": self.resolved_early,
                "on_time": self.resolved_on_time,
                "late": self.resolved_late,
            },
            "in_progress": {
                "total": self.in_progress_total,
                "within_time": self.in_progress_within_time,
                "overdue": self.in_progress_overdue,
            },
            # Half up, as the report prints them (``round`` took 20 × 1/32 = 0.625 to 0.62 beside "0,63").
            "on_time_rate": None if rate is None else rounded(rate, 6),
            "progress_points_766": None if points is None else rounded(points, 2),
            "avg_processing_working_days": (
                rounded(self._working_days_sum / self.resolved_total, 2) if self.resolved_total else None
            ),
            "share_online": rounded(self.new_online / new_total, 6) if new_total else None,
            "share_returned_postal": rounded(self._returned_postal / self._returned, 6)
            if self._returned
            else None,
        }


#: The counters of a form, in field order (what ``from_counts`` takes).
_COUNTERS = tuple(f.name for f in fields(ReportingForm) if f.name not in ("start", "end"))


def reporting_form(outcomes: Iterable[DossierOutcome], start: date, end: date) -> ReportingForm:
    """The form for ``[start, end)`` over outcomes evaluated at ``period_as_of(end)``."""
    form = ReportingForm(start, end)
    for o in outcomes:
        form.add(o)
    return form


def grouped_forms(
    outcomes: Iterable[DossierOutcome], start: date, end: date, key: Callable[[DossierOutcome], str | None]
) -> dict[str, ReportingForm]:
    """One form per group (unit, field or procedure); outcomes whose key is None are left out."""
    forms: dict[str, ReportingForm] = {}
    for o in outcomes:
        group = key(o)
        if group is None:
            continue
        form = forms.get(group)
        if form is None:
            form = forms[group] = ReportingForm(start, end)
        form.add(o)
    return forms
