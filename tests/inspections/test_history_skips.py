"""What the outcome history leaves out, each against what it stands for: a dossier judged on the same basis
is late from ``late_from`` on, whatever its end and pause; the standing just before the next change after
a quiet stretch is judged on the same basis as at the change, with a pause; a settled stretch after an end
leaves the standing as it was but its first return; and the ways a history goes (what it looks at, what
it classifies), each against the reference history."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import strategies as st

from inspections import history
from inspections.classification import Classification, classify, late_from, local_midnight
from inspections.history import _OUTCOME_TYPES, _SETTLED_AFTER, _VN_STEADY, _late_bound, outcome_history
from inspections.rules import RuleParams
from inspections.semantics import Semantics
from inspections.standing import StandingAt, same_basis
from inspections.timeline import derive_facts, prefix_standings
from inspections.timeunits import VN_TZ
from schemas.events import AnyEvent, Returned, event_sort_key
from tests.inspections.test_metrics_history_fast import _auditor, drawn_dossier_cases, reference_history
from tests.inspections.test_prefix_standings import _same, _semantics
from tests.inspections.test_rulebook_v2_properties import BASE, STEP, Drawn, _events, _spec
from tests.inspections.toy_zones import ToyZone
from tests.rulebook_v2_world import (
    CALENDAR,
    CATALOGUE,
    FRI,
    MON,
    MON2,
    THU,
    TUE,
    WED,
    Spec,
    build_event,
    proc,
    rcv,
    ret,
)

_TICK = timedelta(microseconds=1)
_ZERO = timedelta(0)


def _drawn_events(drawn: Drawn, rnd: random.Random, data: st.DataObject) -> list[AnyEvent]:
    """The dossier's events, with more among them: applications submitted online (a type no change point
    is made of), often a supplement requested then completed (a pause, or a restart), and events after
    all the others (ends after ends, returns); in the batch engine's order or by event id (v2's lifecycle
    order then often broken)."""
    r = drawn.received_slot
    specs = list(drawn.specs)
    for _ in range(data.draw(st.integers(0, 2))):
        specs.append(("submitted", _when(data.draw(st.integers(r - 2, r + 30))), _SUBMITTED))
    if data.draw(st.booleans()):
        requested = data.draw(st.integers(r, r + 20))
        specs.append(_spec(data.draw, "supplement_requested", requested))
        specs.append(_spec(data.draw, "supplement_completed", data.draw(st.integers(requested, r + 25))))
    for slot, kind in enumerate(data.draw(st.lists(st.sampled_from(_LATER), max_size=3)), r + 41):
        specs.append(
            ("submitted", _when(slot), _SUBMITTED) if kind == "submitted" else _spec(data.draw, kind, slot)
        )
    events = _events(specs, rnd)
    by_id = data.draw(st.booleans())
    return sorted(events, key=(lambda e: (e.occurred_at, e.event_id)) if by_id else event_sort_key)


_SUBMITTED = {"procedure_code": "PN", "channel": "online"}
_LATER = (
    "returned", "returned", "processed", "withdrawn", "refused", "suspended", "transferred", "apology_issued",
    "due_date_changed", "submitted", "supplement_requested",
)  # fmt: skip


def _when(slot: int) -> str:
    return (BASE + slot * STEP).strftime("%Y-%m-%d %H:%M")


def _standing(events: list[AnyEvent], as_of: datetime, semantics: Semantics) -> StandingAt:
    """What the fold keeps of the events known at ``as_of``: the definition of each standing."""
    facts = derive_facts("G", events, as_of, semantics=semantics, catalogue=CATALOGUE, presorted=True)
    return StandingAt(*(getattr(facts, name) for name in StandingAt._fields))


def _change_instants(events: list[AnyEvent]) -> list[datetime]:
    return sorted({e.occurred_at for e in events if e.type in _OUTCOME_TYPES})


def _distinct(events: list[AnyEvent]) -> bool:
    return len({e.occurred_at for e in events}) == len(events)


# --- the bound ---------------------------------------------------------------------------------------------


@drawn_dossier_cases
def test_judged_on_the_same_basis_a_dossier_is_late_from_late_from_on(
    drawn: Drawn, rnd: random.Random, params: RuleParams, version: str, data: st.DataObject
) -> None:
    """Every procedure (whole working days, same day, working hours, half a day, none; due dates or not,
    restarts): at each instant a dossier is not late, its standing with any other effective end and any
    pause of zero or more is judged on the same basis and due, and if late, from ``late_from`` on."""
    events, semantics = _drawn_events(drawn, rnd, data), _semantics(version, params)
    for t in sorted({e.occurred_at for e in events}):
        standing = _standing(events, t, semantics)
        cls = classify(standing, CATALOGUE, CALENDAR)
        if cls is None or cls.is_late:
            continue
        bound = late_from(cls)
        for _ in range(3):
            end = (
                t + STEP * data.draw(st.integers(-10, 80)) + timedelta(minutes=data.draw(st.integers(0, 59)))
            )
            pause = timedelta(minutes=data.draw(st.sampled_from([0, 1, 90, 600, 4000, 20000])))
            other = classify(standing._replace(effective_end=end, pause=pause), CATALOGUE, CALENDAR)
            assert other is not None
            assert (other.basis, other.due_date, other.due_instant, other.first_late_day) == (
                cls.basis, cls.due_date, cls.due_instant, cls.first_late_day,
            )  # fmt: skip
            if other.is_late:
                assert bound is not None and other.late_since is not None and other.late_since >= bound
                if not pause:
                    assert other.late_since == bound


def test_late_from_on_the_last_date_there_is_is_never() -> None:
    assert late_from(Classification("early", "due_at", date.max, None)) is None
    assert late_from(Classification("on_time", "no_limit", None, None)) is None
    assert late_from(Classification("early", "due_at", date(2025, 11, 6), None)) == local_midnight(
        date(2025, 11, 7)
    )


def test_the_bound_is_kept_only_where_adding_a_pause_adds_it_in_utc() -> None:
    """A fixed offset, or Asia/Ho_Chi_Minh since it last changed; not a zone that may change its offset
    after the bound (a pause added on its wall could then end earlier in UTC)."""
    toy = ToyZone(datetime(2025, 11, 5, 5, tzinfo=UTC), timedelta(hours=7), timedelta(hours=8))
    instant = datetime(2025, 11, 5, 9, tzinfo=timezone(timedelta(hours=7)))
    fixed = Classification("early", "max_time", date(2025, 11, 5), None, instant)
    assert _late_bound(fixed) == instant + _TICK
    shifting = Classification("early", "max_time", date(2025, 11, 5), None, instant.astimezone(toy))
    assert _late_bound(shifting) is None
    assert _late_bound(Classification("early", "due_at", date(2025, 11, 6), None)) == local_midnight(
        date(2025, 11, 7)
    )
    assert _late_bound(Classification("early", "due_at", date(1975, 6, 12), None)) is None
    assert _late_bound(Classification("on_time", "no_limit", None, None)) == history._NEVER


def test_asia_ho_chi_minh_keeps_one_offset_from_the_steady_date_on() -> None:
    """What ``_late_bound`` takes of the platform's zone (its tz database): one offset from then on."""
    offsets = set()
    day = _VN_STEADY
    while day.year < 2100:
        offsets.add(day.utcoffset())
        offsets.add((day + timedelta(hours=12)).utcoffset())
        day += timedelta(days=1)
    assert offsets == {timedelta(hours=7)}
    assert _VN_STEADY.tzinfo is VN_TZ


# --- the quiet stretch before the next change --------------------------------------------------------------


@drawn_dossier_cases
def test_after_a_quiet_stretch_the_look_is_judged_as_the_change_point(
    drawn: Drawn, rnd: random.Random, params: RuleParams, version: str, data: st.DataObject
) -> None:
    """Open and received at a change point, and only events of no outcome type until the next one, none at
    one instant: just before the next change the standing is judged on the same basis, with a pause of
    zero or more (what ``_history`` leaves out the look on)."""
    events, semantics = _drawn_events(drawn, rnd, data), _semantics(version, params)
    for t, following in pairwise(_change_instants(events)):
        between = [e for e in events if t < e.occurred_at < following]
        assert not any(e.type in _OUTCOME_TYPES for e in between)
        if not _distinct(between):
            continue
        at = _standing(events, t, semantics)
        if at.received is None or at.end_event is not None:
            continue
        later = _standing(events, following - _TICK, semantics)
        assert same_basis(later, at)
        assert later.pause >= _ZERO


# --- the settled stretch after an end ----------------------------------------------------------------------


@drawn_dossier_cases
def test_a_settled_stretch_after_an_end_changes_nothing_but_the_first_return(
    drawn: Drawn, rnd: random.Random, params: RuleParams, version: str, data: st.DataObject
) -> None:
    """Received and ended at a change point, then only events of types settled after that end (no outcome
    type, or an end that does not come before it), none at one instant: at each later change point the
    standing is the same, member by member, but its first return (what ``_settled`` answers)."""
    events, semantics = _drawn_events(drawn, rnd, data), _semantics(version, params)
    instants = _change_instants(events)
    for k, start in enumerate(instants):
        at = _standing(events, start, semantics)
        if at.received is None or at.end_event is None:
            continue
        allowed = _SETTLED_AFTER[at.end_event.type]
        for t in instants[k + 1 :]:
            between = [e for e in events if start < e.occurred_at <= t]
            if any(e.type not in allowed for e in between) or not _distinct(between):
                break
            returned = at.first_returned or next((e for e in between if isinstance(e, Returned)), None)
            expected = at._replace(first_returned=returned)
            later = _standing(events, t, semantics)
            for name in StandingAt._fields:
                assert _same(getattr(later, name), getattr(expected, name)), name


# --- the ways a history goes -------------------------------------------------------------------------------


def _paths(version: str, *specs: Spec, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The reference history is the history, and how the history got it: each standing the walk was asked
    for, each classification, each look checked on its standing."""
    events = [build_event("D", f"D/{k:02d}", spec) for k, spec in enumerate(specs, 1)]
    aud = _auditor(version, RuleParams())
    expected = reference_history("D", events, aud.catalogue, aud.calendar, aud._book(events).semantics)
    paths: Counter[str] = Counter()
    walks, classifies, checks = prefix_standings, classify, same_basis

    def counted_walk(*args: Any, **kwargs: Any) -> Any:
        walk = walks(*args, **kwargs)

        class Counted:
            def send(self, value: Any) -> Any:
                paths["walked"] += 1
                return walk.send(value)

        return Counted()

    def counted_classify(*args: Any) -> Any:
        paths["classified"] += 1
        return classifies(*args)

    def counted_check(*args: Any) -> Any:
        paths["looked"] += 1
        return checks(*args)

    with monkeypatch.context() as m:
        m.setattr("inspections.history.prefix_standings", counted_walk)
        m.setattr("inspections.history.classify", counted_classify)
        m.setattr("inspections.history.same_basis", counted_check)
        got = aud.outcome_history("D", events)
    assert got == expected
    return paths


TRANSFER = {"to_unit_code": "U2"}
RECEIVED = rcv(f"{MON} 09:00", f"{THU} 17:00")


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_quiet_stretch_before_an_end_in_time_is_not_looked_at(
    version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Transfers between the receipt and the processing, due on Thursday, processed on Wednesday: it cannot
    be late before, nothing is looked at just before the processing; the return after it is settled (the
    walk is not asked for it): two standings, two classifications."""
    specs = (
        RECEIVED, ("transferred", f"{TUE} 10:00", TRANSFER), ("transferred", f"{TUE} 11:00", TRANSFER),
        proc(f"{WED} 10:00"), ret(f"{WED} 15:00"),
    )  # fmt: skip
    assert _paths(version, *specs, monkeypatch=monkeypatch) == {"walked": 2, "classified": 2}


@pytest.mark.parametrize("version", ["1", "2"])
def test_events_at_one_instant_between_are_looked_at(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two transfers at one instant (a tie the fold may sort again): the standing just before the processing
    is looked at, and, judged on the same basis with a pause, not classified."""
    specs = (
        RECEIVED, ("transferred", f"{TUE} 10:00", TRANSFER), ("transferred", f"{TUE} 10:00", TRANSFER),
        proc(f"{WED} 10:00"), ret(f"{WED} 15:00"),
    )  # fmt: skip
    assert _paths(version, *specs, monkeypatch=monkeypatch) == {"walked": 3, "classified": 2, "looked": 1}


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_dossier_that_may_turn_late_before_the_next_change_is_judged_then(
    version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Due on Thursday, processed on the next Monday: the look just before the processing is classified
    (late since Friday's midnight); the return after it is settled."""
    specs = (RECEIVED, ("transferred", f"{FRI} 10:00", TRANSFER), proc(f"{MON2} 10:00"), ret(f"{MON2} 15:00"))
    assert _paths(version, *specs, monkeypatch=monkeypatch) == {"walked": 3, "classified": 3}


@pytest.mark.parametrize("version", ["1", "2"])
def test_an_end_after_the_end_settles_nothing_that_comes_before_it(
    version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Withdrawn, then processed (an end of lower rank: the end changes) and returned: the processing is
    walked to and judged again, the return after it settled."""
    withdrawn: Spec = ("withdrawn", f"{TUE} 10:00", {})
    paths = _paths(
        version, RECEIVED, withdrawn, proc(f"{WED} 10:00"), ret(f"{WED} 15:00"), monkeypatch=monkeypatch
    )
    assert paths == {"walked": 3, "classified": 3}


def test_a_second_return_after_an_end_keeps_the_first_return_s_channel() -> None:
    specs = [rcv(MON, "2025-11-07"), proc(TUE), ret(WED), ("returned", THU, {"channel": "postal"})]
    events = [build_event("D", f"e{n}", spec) for n, spec in enumerate(specs)]
    history = outcome_history("D", events, CATALOGUE, CALENDAR)
    assert [o.returned_channel for _, o in history] == [None, None, "direct", "direct"]


def test_a_dossier_late_a_microsecond_before_the_next_change_is_late_then() -> None:
    # Due Tuesday: late from Wednesday 00:00 (local); processed a microsecond after.
    specs = [rcv(MON, TUE), proc(f"{WED}T00:00:00.000001")]
    events = [build_event("D", f"e{n}", spec) for n, spec in enumerate(specs)]
    history = outcome_history("D", events, CATALOGUE, CALENDAR)
    late_at = events[1].occurred_at.replace(microsecond=0)
    assert [(t, o.status, o.ended_on) for t, o in history][1] == (late_at, "late", None)
