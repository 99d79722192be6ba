"""``outcome_history`` hands each fold a prefix of the events and reuses per-dossier dates; the history is
the one of the reference algorithm (each fold given every event, filtering them itself), on generated
dossiers under rulebooks v1 and v2 with every clock parameter (pauses, supplements, financial
obligations, restarts, same-instant ties), on simulated dossiers (applicants, every event type) and on
events out of time order (outside the promise: the reference's answer too)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier_audit.simulator import SimulationConfig, generate
from inspections.audit import group_by_dossier
from inspections.classification import classify
from inspections.files.calendar import load_calendar
from inspections.files.catalogue import sample_catalogue
from inspections.metrics import _FAR_FUTURE, _OUTCOME_TYPES, DossierOutcome, outcome
from inspections.ports import CalendarPort, CataloguePort
from inspections.rulebook import Auditor, Rulebooks
from inspections.rules import RuleParams
from inspections.semantics import Semantics
from inspections.timeline import derive_facts
from schemas.events import EVENT_ADAPTER, AnyEvent
from tests.inspections.test_rulebook_v2_properties import PARAMS, Drawn, _events, dossiers
from tests.rulebook_v2_world import auditor

_TICK = timedelta(microseconds=1)


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


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
def test_simulated_dossiers_have_the_reference_history(
    simulated: list[tuple[str, list[AnyEvent]]], version: str
) -> None:
    """Real procedure codes, the shipped calendar's holidays, applicants, every event type; open dossiers
    turning overdue between events."""
    aud = Auditor(CATALOGUE, CALENDAR, Rulebooks.of_version(version))
    turned_late = 0
    for dossier_id, events in simulated:
        got = _same(aud, dossier_id, events)
        turned_late += any(t not in {e.occurred_at for e in events} for t, _ in got)
    assert turned_late > 0  # the "turns overdue between events" branch was exercised
