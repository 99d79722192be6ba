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
from itertools import islice
from operator import le
from typing import Any

from inspections.classification import Classification, Status, classify, local_midnight
from inspections.instant_keys import FIXED_OFFSETS, time_keys
from inspections.ports import CalendarPort, CataloguePort
from inspections.semantics import DEFAULT_SEMANTICS, Semantics
from inspections.standing import Standing, same_judgement
from inspections.timeline import DossierFacts, derive_facts, prefix_standings
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
    facts: Standing, cls: Classification | None, calendar: CalendarPort, days: dict[int, date]
) -> DossierOutcome | None:
    """:func:`outcome` given the facts' classification. ``days``: the local dates of events' instants by
    the event's ``id`` (the receipt and the end of one dossier repeat over its history), valid while the
    events live: a caller that passes one keeps them alive."""
    received = facts.received
    if received is None or cls is None:
        return None
    end = facts.end_event
    data = received.data
    return DossierOutcome(  # positional (field order), as it is built once per change point
        facts.dossier_id,
        received.unit_code,
        data.procedure_code,
        _local_date(received, calendar, days),
        data.channel,
        _local_date(end, calendar, days) if end is not None else None,
        cls.status,
        calendar.working_days_between(received.occurred_at, facts.effective_end),
        _returned_channel(facts),
    )


def _returned(previous: DossierOutcome | None, facts: Standing) -> DossierOutcome | None:
    """:func:`_outcome` of ``facts`` given the outcome of the previous change point, of the same end, the
    same judgement and what it read (the same receipt, an indistinguishable effective end): every field
    is the same, but the return's channel may not be."""
    if (p := previous) is None or (channel := _returned_channel(facts)) == p.returned_channel:
        return p
    return DossierOutcome(
        p.dossier_id, p.unit_code, p.procedure_code, p.received_on, p.channel, p.ended_on, p.status,
        p.working_days, channel,
    )  # fmt: skip


def _returned_channel(facts: Standing) -> str | None:
    returned = facts.first_returned
    return returned.data.channel if returned is not None else None


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
    if not events:
        return []
    keys, order = time_keys(events)
    times, marks = _change_points(events, keys)

    def reference(as_of: datetime, i: int, later: bool) -> Standing:
        """Every event handed to ``derive_facts``, which keeps those known at ``as_of``: the definition."""
        return derive_facts(
            dossier_id, events, as_of, semantics=semantics, catalogue=catalogue, presorted=True
        )

    if order == "as compared" or not all(map(le, keys, islice(keys, 1, None))):
        # Outside the promise (or instants that compare as no single order): every fold as it always was.
        return _history(times, catalogue, calendar, reference)
    walk = prefix_standings(dossier_id, events, semantics=semantics, catalogue=catalogue)
    walked = 0  # how far the walk has gone: it cannot go back

    def prefix(as_of: datetime, i: int, later: bool) -> Standing:
        """The standing of the events known at change point ``i`` (``later``: just before the next one, or
        in the far future after the last): a prefix found by bisecting the keys, each event walked once.

        Known is what ``derive_facts`` keeps: every event if the last is not after the instant, else those
        not after it. In keys of one order (``time_keys``), at a change point, the prefix up to its key; a
        microsecond before the next one, the prefix before its key if that microsecond on the wall is one
        in UTC too: the same offset (always in a fixed one, or under one ``tzinfo`` for all, comparing wall
        times). Else, or when the prefix holds a real tie out of order (it sorts it again) or is shorter
        than the walk went (two change points at one UTC instant, PEP 495), ``derive_facts`` decides."""
        nonlocal walked
        if not later:
            cut = bisect_right(keys, marks[i])
        elif i + 1 < len(times):
            cut = bisect_left(keys, marks[i + 1])
            zone = type(times[i + 1].tzinfo)  # as_of's: a microsecond before, on its wall
            if order == "utc" and zone not in FIXED_OFFSETS and as_of.utcoffset() != times[i + 1].utcoffset():
                return reference(as_of, i, later)
        elif events[-1].occurred_at <= as_of:
            cut = len(events)
        else:
            return reference(as_of, i, later)
        standing = walk.send((cut, as_of)) if cut >= walked else None
        if standing is None:
            seen = events if cut == len(events) else events[:cut]
            return derive_facts(
                dossier_id, seen, as_of, semantics=semantics, catalogue=catalogue, presorted=True
            )
        walked = cut
        return standing

    return _history(times, catalogue, calendar, prefix)


def _change_points(events: list[AnyEvent], keys: list[Any]) -> tuple[list[datetime], list[Any]]:
    """The instants an outcome event occurred at, and their keys: a new one at each instant unequal to the
    last (equal keys are asked again: ``==`` tells some equal UTC instants apart, PEP 495)."""
    times: list[datetime] = []
    marks: list[Any] = []
    for event, key in zip(events, keys, strict=True):
        if event.type in _OUTCOME_TYPES and (not marks or key != marks[-1] or event.occurred_at != times[-1]):
            times.append(event.occurred_at)
            marks.append(key)
    return times, marks


#: (an instant, a change point, whether just before the next one) -> the standing of the events known then
_StandingAt = Callable[[datetime, int, bool], Standing]


def _history(
    times: list[datetime], catalogue: CataloguePort, calendar: CalendarPort, standing_at: _StandingAt
) -> list[tuple[datetime, DossierOutcome]]:
    """The change points of :func:`outcome_history`: the facts at each instant an outcome event occurred
    (``times``), and, while the dossier is open and within time, just before the next one (when it turns
    late). Each is judged on the standing of the events known then (``standing_at``: what classification
    and the outcome read of their facts); an end judged once while nothing judged changes; the receipt's
    and the end's local dates computed once."""
    days: dict[int, date] = {}  # the events are alive for the whole call
    history: list[tuple[datetime, DossierOutcome]] = []
    last = len(times) - 1
    judged: Standing | None = None  # the last change point classified, and how
    judgement: Classification | None = None
    current: DossierOutcome | None = None
    for i, t in enumerate(times):
        facts = standing_at(t, i, False)
        end = facts.end_event
        if judged is None or end is None or end is not judged.end_event or not same_judgement(facts, judged):
            judged, judgement = facts, classify(facts, catalogue, calendar)
            current = _outcome(facts, judgement, calendar, days)
        else:  # an end judged already, nothing classification reads changed (a return after processing)
            current = _returned(current, facts)
        if current is None:
            continue
        history.append((t, current))
        if end is not None or current.status == "late":
            continue
        # Open and within time: it turns overdue at `late_since` if that comes before the next change.
        before_next = times[i + 1] - _TICK if i < last else _FAR_FUTURE
        later = standing_at(before_next, i, True)
        cls = classify(later, catalogue, calendar)
        since = cls.late_since if cls is not None and cls.status == "late" else None
        if since is not None and t < since <= before_next:
            late = _outcome(later, cls, calendar, days)
            assert late is not None
            history.append((since, late))
    return history
