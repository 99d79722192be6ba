"""The national reporting form and indicator 2.1 (Quyết định 766/QĐ-TTg) over a period.

Semantics in docs/rules-semantics.md ("Metrics"). Each received dossier is reduced to a small
``DossierOutcome`` evaluated at the end of the period; the form is a sum over outcomes, so it can be
computed per unit, field or procedure by filtering or grouping the outcomes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from inspections.classification import Classification, Status, classify, local_midnight
from inspections.ports import CalendarPort, CataloguePort
from inspections.semantics import DEFAULT_SEMANTICS, Semantics
from inspections.timeline import DossierFacts, derive_facts
from inspections.timeunits import VN_TZ
from schemas.events import AnyEvent

#: Indicator 2.1 is worth 20 of the index's 100 points.
PROGRESS_POINTS_766 = 20


def period_as_of(end: date) -> datetime:
    """The last instant of a period ending (exclusively) on local date ``end``."""
    return local_midnight(end) - timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class DossierOutcome:
    """What the reporting form needs of one received dossier, as known at ``as_of``."""

    dossier_id: str
    unit_code: str
    procedure_code: str
    received_on: date
    channel: str
    ended_on: date | None
    status: Status
    working_days: int
    returned_channel: str | None


def outcome(facts: DossierFacts, catalogue: CataloguePort, calendar: CalendarPort) -> DossierOutcome | None:
    """Reduce a dossier's facts to its outcome; ``None`` for dossiers never received."""
    return _outcome(facts, classify(facts, catalogue, calendar), calendar, {})


def _outcome(
    facts: DossierFacts, cls: Classification | None, calendar: CalendarPort, days: dict[int, date]
) -> DossierOutcome | None:
    """:func:`outcome` given the facts' classification. ``days``: the local dates of events' instants by
    the event's ``id`` (the receipt and the end of one dossier repeat over its history), valid while the
    events live: a caller that passes one keeps them alive."""
    received = facts.received
    if received is None or cls is None:
        return None
    end = facts.end_event
    return DossierOutcome(
        dossier_id=facts.dossier_id,
        unit_code=received.unit_code,
        procedure_code=received.data.procedure_code,
        received_on=_local_date(received, calendar, days),
        channel=received.data.channel,
        ended_on=_local_date(end, calendar, days) if end is not None else None,
        status=cls.status,
        working_days=calendar.working_days_between(received.occurred_at, facts.effective_end),
        returned_channel=facts.first_returned.data.channel if facts.first_returned is not None else None,
    )


def _local_date(event: AnyEvent, calendar: CalendarPort, days: dict[int, date]) -> date:
    day = days.get(id(event))
    if day is None:
        day = days[id(event)] = calendar.local_date(event.occurred_at)
    return day


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
        denominator = self.resolved_total + self.in_progress_total
        if denominator == 0:
            return None
        good = self.resolved_early + self.resolved_on_time + self.in_progress_within_time
        return good / denominator

    @property
    def progress_points_766(self) -> float | None:
        rate = self.on_time_rate
        return None if rate is None else PROGRESS_POINTS_766 * rate

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
            "on_time_rate": None if rate is None else round(rate, 6),
            "progress_points_766": None if points is None else round(points, 2),
            "avg_processing_working_days": (
                round(self._working_days_sum / self.resolved_total, 2) if self.resolved_total else None
            ),
            "share_online": round(self.new_online / new_total, 6) if new_total else None,
            "share_returned_postal": round(self._returned_postal / self._returned, 6)
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


#: Event types after which a dossier's reporting-form outcome can change (others never change it).
_OUTCOME_TYPES = frozenset(
    {
        "received",
        "supplement_requested",
        "supplement_completed",
        "financial_obligation_requested",
        "financial_obligation_fulfilled",
        "processed",
        "returned",
        "refused",
        "suspended",
        "withdrawn",
    }
)
_FAR_FUTURE = datetime(2049, 12, 1, tzinfo=VN_TZ)  # inside the calendar's range
_TICK = timedelta(microseconds=1)


def outcome_history(
    dossier_id: str,
    events: list[AnyEvent],
    catalogue: CataloguePort,
    calendar: CalendarPort,
    *,
    semantics: Semantics | None = None,
    pause_on_financial_obligation: bool | None = None,
) -> list[tuple[datetime, DossierOutcome]]:
    """The dossier's outcome as a step function of time: ``(valid_from, outcome)`` change points.

    The outcome at an instant T is the last entry with ``valid_from <= T`` (none before the dossier was
    received), and equals ``outcome(facts at T)`` for every field the reporting form reads. ``events`` must
    be unique and in ``occurred_at`` order. A warehouse stores this history so SQL can compute the form for
    any period without re-reading events.

    ``semantics``: the rulebook version and parameters the facts are derived under — pass the auditor's
    (``Auditor.outcome_history`` does) so the forms agree with the audit. Without it, the default version
    with ``pause_on_financial_obligation`` (a shorthand kept for older callers).
    """
    if semantics is None:
        semantics = DEFAULT_SEMANTICS
        if pause_on_financial_obligation is not None:
            params = replace(semantics.params, pause_on_financial_obligation=pause_on_financial_obligation)
            semantics = replace(semantics, params=params)
    elif pause_on_financial_obligation is not None:
        raise TypeError("pass either semantics or pause_on_financial_obligation, not both")
    if not _in_time_order(events):  # outside the promise: each fold handed every event, as it always was
        return _history(dossier_id, events, catalogue, calendar, semantics, _as_given)
    return _history(dossier_id, events, catalogue, calendar, semantics, _prefix)


#: The events visible at an instant: (events, instant, strictly before it) -> a list of them, in order.
_Visibility = Callable[[list[AnyEvent], datetime, bool], list[AnyEvent]]


def _history(
    dossier_id: str,
    events: list[AnyEvent],
    catalogue: CataloguePort,
    calendar: CalendarPort,
    semantics: Semantics,
    visible: _Visibility,
) -> list[tuple[datetime, DossierOutcome]]:
    """The change points of :func:`outcome_history`: the facts at each instant an outcome event occurred,
    and, while the dossier is open and within time, just before the next one (when it turns late).

    Each is derived from exactly the events visible then, handed over as such (``visible``: for events in
    time order, a prefix of the list, found by bisection, instead of ``derive_facts`` comparing every
    event's instant to each instant); the receipt's and the end's local dates are computed once."""
    times: list[datetime] = []
    for event in events:
        if event.type in _OUTCOME_TYPES and (not times or event.occurred_at != times[-1]):
            times.append(event.occurred_at)
    days: dict[int, date] = {}  # the events are alive for the whole call
    history: list[tuple[datetime, DossierOutcome]] = []
    for i, t in enumerate(times):
        facts = derive_facts(
            dossier_id, visible(events, t, False), t, semantics=semantics, catalogue=catalogue, presorted=True
        )
        current = _outcome(facts, classify(facts, catalogue, calendar), calendar, days)
        if current is None:
            continue
        history.append((t, current))
        if facts.end_event is not None or current.status == "late":
            continue
        # Open and within time: it turns overdue at `late_since` if that comes before the next change.
        if i + 1 < len(times):
            before_next, seen = times[i + 1] - _TICK, visible(events, times[i + 1], True)
        else:
            before_next, seen = _FAR_FUTURE, visible(events, _FAR_FUTURE, False)
        later = derive_facts(
            dossier_id, seen, before_next, semantics=semantics, catalogue=catalogue, presorted=True
        )
        cls = classify(later, catalogue, calendar)
        since = cls.late_since if cls is not None and cls.is_late else None
        if since is not None and t < since <= before_next:
            late = _outcome(later, cls, calendar, days)
            assert late is not None
            history.append((since, late))
    return history


def _in_time_order(events: list[AnyEvent]) -> bool:
    """Whether the events' instants never decrease (the promise :func:`outcome_history` is given)."""
    return all(a.occurred_at <= b.occurred_at for a, b in pairwise(events))


def _instant(event: AnyEvent) -> datetime:
    return event.occurred_at


def _prefix(events: list[AnyEvent], t: datetime, strictly: bool) -> list[AnyEvent]:
    """Of events in time order, those at or before ``t`` (strictly: before it), a prefix: what
    ``derive_facts`` would keep of them (an instant strictly before ``t`` is one at or before ``t`` less a
    microsecond, the resolution of a ``datetime``)."""
    cut = (bisect_left if strictly else bisect_right)(events, t, key=_instant)
    return events if cut == len(events) else events[:cut]


def _as_given(events: list[AnyEvent], t: datetime, strictly: bool) -> list[AnyEvent]:
    """Events not in time order, as given: ``derive_facts`` filters them itself, as it always did."""
    return events
