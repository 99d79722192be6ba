"""``outcome_history`` hands each fold a prefix of the events and reuses per-dossier dates; the history is
the one of the reference algorithm (each fold given every event, filtering them itself), on generated
dossiers under rulebooks v1 and v2 with every clock parameter (pauses, supplements, financial
obligations, restarts, same-instant ties), on simulated dossiers (applicants, every event type) and on
events out of time order (outside the promise: the reference's answer too)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier_audit.simulator import SimulationConfig, generate
from inspections.audit import group_by_dossier
from inspections.classification import classify
from inspections.files.calendar import load_calendar
from inspections.files.catalogue import sample_catalogue
from inspections.history import _FAR_FUTURE, _OUTCOME_TYPES
from inspections.metrics import DossierOutcome, outcome
from inspections.ports import CalendarPort, CataloguePort
from inspections.rulebook import Auditor, Rulebooks
from inspections.rules import RuleParams
from inspections.semantics import Semantics
from inspections.standing import Judged, same_judgement
from inspections.timeline import DossierFacts, derive_facts
from schemas.events import EVENT_ADAPTER, AnyEvent
from tests.depth import examples
from tests.inspections.test_rulebook_v2_properties import BASE, PARAMS, STEP, Drawn, _events, dossiers
from tests.inspections.toy_zones import ToyZone, fresh, zones
from tests.rulebook_v2_world import (
    FRI,
    MON,
    MON2,
    THU,
    TUE,
    WED,
    Spec,
    apo,
    auditor,
    build_event,
    chg,
    done,
    fin,
    paid,
    proc,
    rcv,
    ret,
    sup,
)

_TICK = timedelta(microseconds=1)


#: 150 drawn dossiers (either rulebook, every clock parameter) with a draw of their instants (``st.data``):
#: the cases of the history's properties, here and in test_history_skips.py.
def drawn_dossier_cases(test: Callable[..., None]) -> Callable[..., None]:
    """``test`` run on 150 of them (``settings`` outermost, so hypothesis reads it)."""
    drawn = given(
        dossiers(), st.randoms(use_true_random=False), st.sampled_from(PARAMS), st.sampled_from(["1", "2"]),
        st.data(),
    )  # fmt: skip
    cases: Callable[..., None] = settings(
        max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )(drawn(test))
    return cases


def reference_history(
    dossier_id: str,
    events: list[AnyEvent],
    catalogue: CataloguePort,
    calendar: CalendarPort,
    semantics: Semantics,
) -> list[tuple[datetime, DossierOutcome]]:
    """``outcome_history`` as it was first written: the definition of the stored history."""
    times: list[datetime] = []
    for event in events:
        if event.type in _OUTCOME_TYPES and (not times or event.occurred_at != times[-1]):
            times.append(event.occurred_at)
    history: list[tuple[datetime, DossierOutcome]] = []
    for i, t in enumerate(times):
        facts = derive_facts(dossier_id, events, t, semantics=semantics, catalogue=catalogue, presorted=True)
        current = outcome(facts, catalogue, calendar)
        if current is None:
            continue
        history.append((t, current))
        if facts.end_event is not None or current.status == "late":
            continue
        before_next = times[i + 1] - _TICK if i + 1 < len(times) else _FAR_FUTURE
        later = derive_facts(
            dossier_id, events, before_next, semantics=semantics, catalogue=catalogue, presorted=True
        )
        cls = classify(later, catalogue, calendar)
        since = cls.late_since if cls is not None and cls.is_late else None
        if since is not None and t < since <= before_next:
            late = outcome(later, catalogue, calendar)
            assert late is not None
            history.append((since, late))
    return history


def _auditor(version: str, params: RuleParams) -> Auditor:
    """v1 has no restart (``supplement_clock`` is v2's): it gets the same parameters with ``pause``."""
    return auditor(version, params if version != "1" else replace(params, supplement_clock="pause"))


def _same(aud: Auditor, dossier_id: str, events: list[AnyEvent]) -> list[tuple[datetime, DossierOutcome]]:
    semantics = aud._book(events).semantics  # the version in force for it, as Auditor.outcome_history
    expected = reference_history(dossier_id, events, aud.catalogue, aud.calendar, semantics)
    got = aud.outcome_history(dossier_id, events)
    assert got == expected
    # Equal instants are not enough: the stored keys come from their offsets too (same instant, same key),
    # and the outcomes' dates must be dates of the same day.
    assert [(t.utcoffset(), o) for t, o in got] == [(t.utcoffset(), o) for t, o in expected]
    return got


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dossiers(), st.randoms(use_true_random=False), st.sampled_from(PARAMS), st.sampled_from(["1", "2"]),
    st.booleans(),
)  # fmt: skip
def test_generated_dossiers_have_the_reference_history(
    drawn: Drawn, rnd: random.Random, params: RuleParams, version: str, sourced: bool
) -> None:
    """Supplements (several, open at the end), financial obligations (paused or not), restarts, apologies,
    due-date changes, every end, events sharing an instant, in the event-time order a caller hands over
    (the batch engine's; v1's by id); with a source that cannot provide some fields, unknown members and
    an applicant, or without."""
    aud = _auditor(version, params)
    events = _events(drawn.specs, rnd)
    if sourced:
        events = [_sourced(e) for e in events]
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.event_id))
    _same(aud, "G", ordered)
    lifecycle = sorted(events, key=lambda e: (e.occurred_at, e.type != "received", e.event_id))
    _same(aud, "G", lifecycle)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dossiers(), st.randoms(use_true_random=False), st.sampled_from(PARAMS), st.sampled_from(["1", "2"]))
def test_events_out_of_time_order_get_the_reference_answer(
    drawn: Drawn, rnd: random.Random, params: RuleParams, version: str
) -> None:
    """Outside the promise (instants decreasing somewhere), still exactly what the reference computes."""
    events = _events(drawn.specs, rnd)
    rnd.shuffle(events)
    _same(_auditor(version, params), "G", events)


def _sourced(event: AnyEvent) -> AnyEvent:
    """The event as an importer hands it over: a source that cannot provide ``notice_id`` or ``due_at``
    (when the type has them), an unknown member in the envelope and in ``data``, an applicant received."""
    doc = orjson.loads(type(event).__pydantic_serializer__.to_json(event, exclude_unset=True))
    nullable = [name for name in ("notice_id", "due_at") if name in doc["data"] and doc["data"][name] is None]
    doc["source"] = {"system": "dvcqg", "record": "R-1", "unknown": nullable, "x-batch": 7}
    doc["x-trace"] = {"a": [1, None]}
    doc["data"]["x-note"] = "ghi chú"
    if doc["type"] == "received":
        doc["data"]["applicant"] = "033031564392"
    return EVENT_ADAPTER.validate_json(orjson.dumps(doc))


CATALOGUE = sample_catalogue()
CALENDAR = load_calendar()


@pytest.fixture(scope="module")
def simulated() -> list[tuple[str, list[AnyEvent]]]:
    config = SimulationConfig(dossiers=600, seed=23)
    events = [EVENT_ADAPTER.validate_json(orjson.dumps(e)) for e in generate(config)]
    return [(d, g.sorted_events()) for d, g in group_by_dossier(events).items()]


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("params", PARAMS)
def test_simulated_dossiers_have_the_reference_history(
    simulated: list[tuple[str, list[AnyEvent]]], version: str, params: RuleParams
) -> None:
    """Real procedure codes, the shipped calendar's holidays, applicants, every event type; open dossiers
    turning overdue between events; under every clock parameter."""
    if version == "1":
        params = replace(params, supplement_clock="pause")
    aud = Auditor(CATALOGUE, CALENDAR, Rulebooks.of_version(version, params))
    turned_late = 0
    for dossier_id, events in simulated:
        got = _same(aud, dossier_id, events)
        turned_late += any(t not in {e.occurred_at for e in events} for t, _ in got)
    assert turned_late > 0  # the "turns overdue between events" branch was exercised


# --- instants in every kind of zone ----------------------------------------------------------------------


@drawn_dossier_cases
def test_instants_in_every_kind_of_zone_have_the_reference_history(
    drawn: Drawn, rnd: random.Random, params: RuleParams, version: str, data: st.DataObject
) -> None:
    """The same dossiers, their instants in other zones: fixed offsets, the platform's named zone and zones
    going back or forward an hour inside the dossier, one ``tzinfo`` per instant or shared (compared by
    wall time then), on the grid, off it, or all around the switch. So "a microsecond before" the next
    change may not be one in UTC (in a repeated or skipped hour), and ``==`` tells some equal UTC
    instants apart (PEP 495)."""
    aud = _auditor(version, params)
    switch = BASE + STEP * data.draw(st.integers(drawn.received_slot, drawn.received_slot + 30))
    switch += timedelta(minutes=data.draw(st.sampled_from([0, 20, 30, 60])))
    kinds = zones(switch)
    shared, placement = data.draw(st.booleans()), data.draw(st.sampled_from(["grid", "shifted", "switch"]))
    events = []
    for event in _events(drawn.specs, rnd):
        zone = data.draw(st.sampled_from(kinds))
        instant = event.occurred_at
        if placement == "shifted":  # off the grid, a few minutes
            instant += timedelta(minutes=data.draw(st.sampled_from([0, 0, 10, 20, 40, 50])))
        elif placement == "switch":  # all within an hour and a half of the switch, in its order or not
            instant = switch + timedelta(minutes=10 * data.draw(st.integers(-9, 9)))
        events.append(
            event.model_copy(update={"occurred_at": instant.astimezone(zone if shared else fresh(zone))})
        )
    _same(aud, "G", sorted(events, key=lambda e: (e.occurred_at.astimezone(UTC), e.event_id)))


# --- each shortcut taken where it applies, and not where it must not -------------------------------------


def _history_paths(aud: Auditor, events: list[AnyEvent], monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The reference history is the fast one, and which ways the fast one went: ``derive_facts`` handed a
    prefix (a tie out of order, an event after the instant, events out of order) instead of the walk, and
    an end judged again or its judgement kept."""
    expected = reference_history("D", events, aud.catalogue, aud.calendar, aud._book(events).semantics)
    paths: Counter[str] = Counter()

    def counted_derive(*args: Any, **kwargs: Any) -> DossierFacts:
        paths["derive_facts"] += 1
        return derive_facts(*args, **kwargs)

    def counted_same(a: Judged, b: Judged) -> bool:
        answer = same_judgement(a, b)
        paths["kept" if answer else "judged again"] += 1
        return answer

    with monkeypatch.context() as m:
        m.setattr("inspections.history.derive_facts", counted_derive)
        m.setattr("inspections.history.same_judgement", counted_same)
        got = aud.outcome_history("D", events)
    assert got == expected
    assert [(t.utcoffset(), o) for t, o in got] == [(t.utcoffset(), o) for t, o in expected]
    return paths


def _dossier(*specs: Spec, zone: tzinfo | None = None) -> list[AnyEvent]:
    events = [build_event("D", f"D/{k:02d}", spec) for k, spec in enumerate(specs, 1)]
    return (
        events
        if zone is None
        else [e.model_copy(update={"occurred_at": e.occurred_at.astimezone(zone)}) for e in events]
    )


RECEIVED = rcv(f"{MON} 09:00", f"{THU} 17:00")


@pytest.mark.parametrize("version", ["1", "2"])
def test_an_end_keeps_its_judgement_until_something_judged_changes(
    version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Returned after processing: the same end, nothing classification reads changed, judged once. A
    supplement request after the end changes what classification counts (every request, under both
    versions): judged again, and the return after it is not."""
    aud = _auditor(version, RuleParams())
    plain = _history_paths(aud, _dossier(RECEIVED, proc(f"{WED} 10:00"), ret(f"{WED} 15:00")), monkeypatch)
    assert plain == {"kept": 1}
    after = _dossier(RECEIVED, proc(f"{WED} 10:00"), sup(f"{WED} 12:00"), ret(f"{WED} 15:00"))
    paths = _history_paths(aud, after, monkeypatch)
    assert paths == {"judged again": 1, "kept": 1}


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_tie_out_of_order_hands_the_prefix_to_derive_facts(
    version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A completion listed before its request at the same instant (v2's lifecycle order broken; under
    v1, whose ties go by event id, the listed order is its own): from that prefix on, ``derive_facts``
    sorts it again, as it always did."""
    events = _dossier(RECEIVED, done(f"{TUE} 10:00"), sup(f"{TUE} 10:00"), proc(f"{WED} 10:00"))
    paths = _history_paths(_auditor(version, RuleParams()), events, monkeypatch)
    # At the tie and at the end (nothing comes between them: the look just before the end is left out).
    assert paths["derive_facts"] == (2 if version == "2" else 0)


def test_an_event_after_a_microsecond_before_the_next_change_is_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Processed in a zone's repeated hour (its second pass): a microsecond before it, on the wall, is an
    hour earlier in UTC, before the transfer that came just before the processing. Known then are the
    events up to that instant, not all those before the processing: ``derive_facts`` keeps them."""
    back = ToyZone(datetime(2025, 11, 5, 5, tzinfo=UTC), timedelta(hours=8), timedelta(hours=7))
    transfer = ("transferred", f"{WED} 12:00", {"to_unit_code": "U2"})  # 05:00 UTC: the switch
    processed = _dossier(proc(f"{WED} 12:30"), zone=back)[0]  # 05:30 UTC, in the repeated hour
    assert processed.occurred_at.fold == 1
    events = _dossier(RECEIVED, transfer, ret(f"{WED} 16:00"))
    events = [*events[:2], processed.model_copy(update={"event_id": "D/99"}), events[2]]
    for version in ("1", "2"):
        paths = _history_paths(_auditor(version, RuleParams()), events, monkeypatch)
        assert paths["derive_facts"] == 1


def test_a_microsecond_before_the_next_change_may_come_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request at the first instant after a zone skips an hour: a microsecond before it, on the wall,
    is in the skipped hour, read as an hour later in UTC. Known then are a second request ten minutes
    after the first in UTC (another zone: compared in UTC), but not the first (its own zone: compared by
    wall time): not a prefix of the events, ``derive_facts`` keeps them."""
    forward = ToyZone(datetime(2025, 11, 4, 3, tzinfo=UTC), timedelta(hours=7), timedelta(hours=8))
    first = _dossier(sup(f"{TUE} 10:00"), zone=forward)[0]  # 03:00 UTC: the switch, 11:00 on its wall
    second = ("supplement_requested", f"{TUE} 10:10", first.data.model_dump())
    events = _dossier(RECEIVED, proc(f"{WED} 10:00"))
    events = [events[0], first.model_copy(update={"event_id": "D/98"}), *_dossier(second), events[1]]
    before = first.occurred_at - _TICK
    assert derive_facts("D", events, before, presorted=True).events == (events[0], events[2])
    for version in ("1", "2"):
        paths = _history_paths(_auditor(version, RuleParams()), events, monkeypatch)
        assert paths["derive_facts"] == 1


def test_an_event_after_the_far_future_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open at its last change point, the dossier is judged in the far future (December 2050): an event
    after it is not known then, and ``derive_facts`` leaves it out."""
    events = _dossier(
        rcv("2050-11-28 09:00", "2050-11-29 17:00"),
        ("transferred", "2050-12-05 09:00", {"to_unit_code": "U2"}),
    )
    paths = _history_paths(_auditor("2", RuleParams()), events, monkeypatch)
    assert paths["derive_facts"] == 1


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("params", PARAMS)
def test_what_happens_between_two_changes_is_walked_once(
    version: str, params: RuleParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between two change points: a transfer, an apology, a due-date change (nothing changes the outcome
    there, but the walk goes through them), a supplement request still open (v2: waiting) and a financial
    obligation still open (paused, the effective end stays put) across the next change; a completion
    that restarts the clock. No prefix is handed to ``derive_facts``: each event is walked once."""
    events = _dossier(
        RECEIVED,
        ("transferred", f"{MON} 10:00", {"to_unit_code": "U2"}),
        apo(f"{TUE} 09:00", f"{FRI} 17:00"),
        chg(f"{TUE} 10:00", f"{THU} 17:00", f"{FRI} 17:00"),
        fin(f"{TUE} 11:00"),
        sup(f"{TUE} 14:00"),
        done(f"{WED} 14:00"),
        paid(f"{THU} 09:00"),
        sup(f"{FRI} 09:00"),
        proc(f"{MON2} 10:00"),
        ret(f"{MON2} 15:00"),
    )
    paths = _history_paths(_auditor(version, params), events, monkeypatch)
    assert paths["derive_facts"] == 0 and paths["kept"] == 1


def test_events_out_of_order_are_each_handed_whole_to_derive_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside the promise: every fold is ``derive_facts`` of every event, as it always was."""
    events = _dossier(RECEIVED, proc(f"{WED} 10:00"), ret(f"{WED} 15:00"))
    paths = _history_paths(_auditor("2", RuleParams()), [events[1], events[0], events[2]], monkeypatch)
    assert paths["derive_facts"] == 4  # each change point, and just before the processing
