"""A dossier's reporting-form outcome as a step function of time: what a warehouse stores so that SQL can
compute the form for any period without re-reading events (re-exported by ``metrics``).

The history is defined by folding the events known at each instant an outcome event occurred at, and,
while the dossier is open and within time, just before the next such instant (it may turn overdue in
between): ``derive_facts`` of every event each time (``reference``). Computed so, a dossier of n change
points would fold its events up to 2n times. Instead one walk over the events pauses at each change
point (``prefix_standings``); an end keeps its judgement while nothing judged changes, and its standing
while only events that change nothing of it come (:func:`_settled`); the look just before the next change
is left out where it cannot find the dossier late (:func:`_history`). Each shortcut is exact: the history
is the reference's, instant for instant (tests/inspections/test_metrics_history_fast.py).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from operator import le, ne
from typing import Any

from inspections.classification import Classification, Days, classify, late_from
from inspections.instant_keys import FIXED_OFFSETS, time_keys
from inspections.outcomes import DossierOutcome, judged_outcome, returned_again
from inspections.ports import CalendarPort, CataloguePort
from inspections.semantics import DEFAULT_SEMANTICS, Semantics
from inspections.standing import Standing, StandingAt, same_basis, same_judgement
from inspections.timeline import END_RANK, derive_facts, prefix_standings
from inspections.timeunits import VN_TZ
from schemas import timerange
from schemas.events import AnyEvent, EventType, Returned

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
_TICK = timedelta(microseconds=1)
#: The look after a dossier's last change: the first instant of the supported years' last month, so that a
#: dossier still open turns late in its history whenever it does before it (at 2049-12-01, a year earlier,
#: an open dossier due after it stayed within time in the warehouse's form, late in a file's: the figures
#: seat of 2026-12-07). Not their last instant: judging at it reads the calendar past its end, for counting
#: working days up to it (the day after) and for a v1 dossier whose completion precedes its request (a
#: negative pause moves its effective end later: CalendarRangeError, found by the property test in CI).
_FAR_FUTURE = datetime(timerange.LAST_YEAR, 12, 1, tzinfo=VN_TZ)
_ZERO = timedelta(0)


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
        return _history(times, catalogue, calendar, reference, _never_quiet)
    walk = prefix_standings(dossier_id, events, semantics=semantics, catalogue=catalogue)
    walked = 0  # how far the walk has gone: it cannot go back
    point = 0  # the prefix of the last change point
    ended: StandingAt | None = None  # its standing from the walk, if received and ended; and its prefix
    ended_at = 0

    def before(i: int, as_of: datetime) -> int | None:
        """The events known at ``as_of``, a microsecond before change point ``i + 1`` on its wall: those
        before its key, if that microsecond is one in UTC too (the same offset: always in a fixed one, or
        under one ``tzinfo`` for all, comparing wall times); else ``None`` (``derive_facts`` decides)."""
        following = times[i + 1]
        if (
            order == "utc"
            and type(following.tzinfo) not in FIXED_OFFSETS
            and as_of.utcoffset() != following.utcoffset()
        ):
            return None
        return bisect_left(keys, marks[i + 1])

    def prefix(as_of: datetime, i: int, later: bool) -> Standing:
        """The standing of the events known at change point ``i`` (``later``: just before the next one, or
        in the far future after the last): a prefix found by bisecting the keys, each event walked once.

        Known is what ``derive_facts`` keeps: every event if the last is not after the instant, else those
        not after it. In keys of one order (``time_keys``), at a change point, the prefix up to its key; a
        microsecond before the next one, see :func:`before`. Else, or when the prefix holds a real tie out
        of order (it sorts it again) or is shorter than the walk went (two change points at one UTC
        instant, PEP 495), ``derive_facts`` decides. At a change point of an ended dossier, the
        standing of the last one may be it (:func:`_settled`)."""
        nonlocal walked, point, ended, ended_at
        cut: int | None
        if not later:
            cut = point = bisect_right(keys, marks[i])
            if ended is not None:
                same = _settled(ended, events, keys, ended_at, cut)
                if same is not None:
                    return same
                ended = None
        elif i + 1 < len(times):
            cut = before(i, as_of)
        elif events[-1].occurred_at <= as_of:
            cut = len(events)
        else:
            cut = None
        if cut is None:
            return reference(as_of, i, later)
        standing = walk.send((cut, as_of)) if cut >= walked else None
        if standing is None:
            seen = events if cut == len(events) else events[:cut]
            return derive_facts(
                dossier_id, seen, as_of, semantics=semantics, catalogue=catalogue, presorted=True
            )
        walked = cut
        if not later and standing.end_event is not None and standing.received is not None:
            ended, ended_at = standing, cut
        return standing

    def quiet(i: int, before_next: datetime) -> bool:
        """Whether the events known at ``before_next`` (just before change point ``i + 1``) are those known
        at change point ``i`` followed by events of no outcome type (no change point lies between, so no
        outcome event either), no two of them at one instant (so none tied out of order, which
        ``derive_facts`` would sort again with those before). See :func:`_history` for what follows."""
        cut = before(i, before_next)
        if cut is None or cut < point:
            return False
        return cut - point < 2 or all(map(ne, islice(keys, point, cut - 1), islice(keys, point + 1, cut)))

    return _history(times, catalogue, calendar, prefix, quiet)


#: For each end: the event types that, after it, change nothing a received dossier's standing reads but
#: its first return: those of no outcome type (``_OUTCOME_TYPES``: ``submitted`` sets the procedure only
#: before a receipt), and ends that do not come before it (``END_RANK``: only a lower rank replaces it).
_SETTLED_AFTER: dict[str, frozenset[str]] = {
    end: frozenset(EventType) - _OUTCOME_TYPES | {kind for kind, rank in END_RANK.items() if rank >= r}
    for end, r in END_RANK.items()
}


def _settled(
    standing: StandingAt, events: list[AnyEvent], keys: list[Any], start: int, cut: int
) -> StandingAt | None:
    """The standing of ``events[:cut]``, from ``standing``, that of ``events[:start]`` (received, ended),
    when ``events[start:cut]`` are all of types settled after its end, no two at one instant (the first
    comes after every event before: no tie the fold would sort again, it takes them in this order); else
    ``None``.

    Exact by the fold (``timeline._folds``) and the clocks (``pauses``): such events touch nothing the
    standing reads (the receipt, the requests and what paired them, the obligations, the end) but the
    first return, and the clock of an ended dossier reads the end's instant, never the instant it is
    looked at; so the walk would answer the same values (a first return if none was known)."""
    allowed = _SETTLED_AFTER[standing.end_event.type]  # type: ignore[union-attr]
    returned = standing.first_returned
    key = None
    for event, k in zip(islice(events, start, cut), islice(keys, start, cut), strict=True):
        if event.type not in allowed or k == key:
            return None
        key = k
        if returned is None and isinstance(event, Returned):
            returned = event
    return standing if returned is standing.first_returned else standing.with_first_returned(returned)


def _never_quiet(i: int, before_next: datetime) -> bool:
    return False


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
#: (a change point, the instant just before the next one) -> whether :func:`_history` may skip its look
_Quiet = Callable[[int, datetime], bool]


def _history(
    times: list[datetime],
    catalogue: CataloguePort,
    calendar: CalendarPort,
    standing_at: _StandingAt,
    quiet: _Quiet,
) -> list[tuple[datetime, DossierOutcome]]:
    """The change points of :func:`outcome_history`: the facts at each instant an outcome event occurred
    (``times``), and, while the dossier is open and within time, just before the next one (when it turns
    late). Each is judged on the standing of the events known then (``standing_at``: what classification
    and the outcome read of their facts); an end judged once while nothing judged changes; local dates
    (of the due date, the receipt, an end) computed once.

    The look just before the next change is left out where it cannot find the dossier late before then.
    Judged on the same basis and due as at the change point (nothing classification reads differs but the
    effective end and the pause), with a pause of zero or more, a dossier is late (if at all) from
    ``_late_bound`` on: not before the next change if that bound comes after the look. The standing then
    is such a standing when ``quiet`` says only events of no outcome type come in between, none at one
    instant: by the fold (``timeline._folds``) they touch nothing the standing reads (the receipt, the
    requests and what paired them, the obligations, the end), and by the clocks (``pauses``) the same
    requests a little later, the dossier still open, count the same (all known at the change point),
    restart at the same completion and pause as long or longer (a closed pause as it was, a running one
    longer, each of positive length); tests/inspections/test_history_skips.py holds both to it. Else the
    standing is looked at, and the same checked on it."""
    days: Days = {}
    history: list[tuple[datetime, DossierOutcome]] = []
    last = len(times) - 1
    judged: Standing | None = None  # the last change point classified, and how
    judgement: Classification | None = None
    current: DossierOutcome | None = None
    for i, t in enumerate(times):
        facts = standing_at(t, i, False)
        end = facts.end_event
        if judged is None or end is None or end is not judged.end_event or not same_judgement(facts, judged):
            judged, judgement = facts, classify(facts, catalogue, calendar, days)
            current = judged_outcome(facts, judgement, calendar, days)
        else:  # an end judged already, nothing classification reads changed (a return after processing)
            current = returned_again(current, facts)
        if current is None:
            continue
        history.append((t, current))
        if end is not None or current.status == "late":
            continue
        # Open and within time (judged just now): it turns overdue at `late_since` if before the next change.
        assert judgement is not None
        before_next = times[i + 1] - _TICK if i < last else _FAR_FUTURE
        bound = _late_bound(judgement)
        if bound is not None and before_next < bound and i < last and quiet(i, before_next):
            continue  # judged as at `t`, with a pause: not late before `bound`, after the look
        later = standing_at(before_next, i, True)
        if bound is not None and before_next < bound and same_basis(later, facts) and later.pause >= _ZERO:
            continue  # the same, seen on the standing
        cls = classify(later, catalogue, calendar, days)
        since = cls.late_since if cls is not None and cls.status == "late" else None
        if since is not None and t < since <= before_next:
            late = judged_outcome(later, cls, calendar, days)
            assert late is not None
            history.append((since, late))
    return history


#: An instant after every other: the bound of a dossier that is never late by the clock.
_NEVER = datetime.max.replace(tzinfo=UTC)
#: Asia/Ho_Chi_Minh has kept one offset (+07:00) since 13 June 1975: from the next day on, adding a pause
#: to one of its instants adds it in UTC too.
_VN_STEADY = datetime(1975, 6, 14, tzinfo=VN_TZ)


def _late_bound(judgement: Classification) -> datetime | None:
    """``late_from`` of a judgement not late (``_NEVER`` for none), when adding a pause to it in its zone
    adds it in UTC too (a fixed offset, or Asia/Ho_Chi_Minh's since it last changed), so that a
    ``late_since`` of that instant plus a pause of zero or more compares as no earlier than it, whatever
    it is compared with; else ``None`` (no bound)."""
    bound = late_from(judgement)
    if bound is None:
        return _NEVER
    zone = bound.tzinfo
    if type(zone) in FIXED_OFFSETS or (zone is VN_TZ and bound >= _VN_STEADY):
        return bound
    return None
