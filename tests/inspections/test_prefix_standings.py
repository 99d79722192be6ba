"""The parts the outcome history is made of, each against what it stands for: the walk over growing
prefixes against ``derive_facts`` of each prefix, the cheap sort keys against comparing the instants,
``same_judgement`` against every member classification reads, and the clock of a dossier without pause
against what either version's clock gives."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import pairwise, product
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspections.instant_keys import time_keys
from inspections.pauses import NO_PAUSE, clock_v1, clock_v2
from inspections.rules import RuleParams
from inspections.semantics import Semantics
from inspections.standing import Judged, StandingAt, same_judgement
from inspections.timeline import derive_facts, prefix_standings
from schemas.events import LIFECYCLE_RANK, AnyEvent, Received, event_sort_key
from tests.depth import examples
from tests.inspections.test_rulebook_v2_properties import BASE, PARAMS, STEP, Drawn, _events, dossiers
from tests.inspections.toy_zones import zones
from tests.rulebook_v2_cases import CATALOGUE, Spec, build_event

_FAR = datetime(2049, 12, 1, tzinfo=UTC)


def _semantics(version: str, params: RuleParams) -> Semantics:
    """v1 has no restart: it gets the same parameters with ``pause``."""
    return Semantics(version, params if version != "1" else replace(params, supplement_clock="pause"))


def _same(a: Any, b: Any) -> bool:
    """Equal, and for instants the same ``tzinfo`` and ``fold`` too (equal instants need not be alike)."""
    if isinstance(a, datetime) or isinstance(b, datetime):
        return a == b and a.tzinfo is b.tzinfo and a.fold == b.fold
    return bool(a == b)


def _inverted(events: list[AnyEvent], semantics: Semantics) -> bool:
    """Whether two neighbours share an instant out of the version's tie order (``derive_facts`` then
    starts again sorted)."""

    def tie(e: AnyEvent) -> Any:
        return LIFECYCLE_RANK[e.type] if semantics.amended else e.event_id

    return any(a.occurred_at == b.occurred_at and tie(a) > tie(b) for a, b in pairwise(events))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dossiers(), st.randoms(use_true_random=False), st.sampled_from(PARAMS), st.sampled_from(["1", "2"]),
    st.booleans(), st.data(),
)  # fmt: skip
def test_each_prefix_has_the_standing_of_its_facts(
    drawn: Drawn, rnd: random.Random, params: RuleParams, version: str, by_id: bool, data: st.DataObject
) -> None:
    """Cuts that grow (or stay), each at an instant at or after its events (much later, or the far future
    of another zone): the walk answers the facts' own values, field by field — ``None`` from the first
    prefix whose ties are out of order (in event-id order, v2's lifecycle order is often not kept)."""
    semantics = _semantics(version, params)
    events = _events(drawn.specs, rnd)
    events.sort(key=(lambda e: (e.occurred_at, e.event_id)) if by_id else event_sort_key)
    walk = prefix_standings("G", events, semantics=semantics, catalogue=CATALOGUE)
    cut, stopped = 0, False
    for _ in range(data.draw(st.integers(1, 10))):
        cut = data.draw(st.integers(cut, len(events)))
        floor = events[cut - 1].occurred_at if cut else BASE
        as_of = data.draw(st.sampled_from([floor, floor + STEP * data.draw(st.integers(0, 40)), _FAR]))
        standing = walk.send((cut, as_of))
        facts = derive_facts(
            "G", events[:cut], as_of, semantics=semantics, catalogue=CATALOGUE, presorted=True
        )
        stopped = stopped or _inverted(events[:cut], semantics)
        assert (standing is None) == stopped
        if standing is not None:
            for name in StandingAt._fields:
                assert _same(getattr(standing, name), getattr(facts, name)), name


def _instants(draw: Any) -> list[datetime]:
    """Instants on a coarse grid (ties), each in a zone of its own or one shared, around a zone's switch."""
    at = BASE + STEP * draw(st.integers(0, 8)) + timedelta(minutes=draw(st.sampled_from([0, 30, 60])))
    kinds = zones(at)
    shared = draw(st.booleans())
    out = []
    for _ in range(draw(st.integers(1, 8))):
        utc = (at + timedelta(minutes=30 * draw(st.integers(-6, 6)))).astimezone(UTC)
        zone = (
            draw(st.sampled_from(kinds)) if shared else timezone(draw(st.sampled_from(kinds)).utcoffset(utc))
        )
        out.append(utc.astimezone(zone))
    return out


@settings(max_examples=examples(200), deadline=None)
@given(st.data())
def test_time_keys_compare_as_the_instants_do(data: st.DataObject) -> None:
    """Fixed offsets, each instant its own ``tzinfo``, or shared zones that change their offset: keys in
    UTC compare as the instants do (equal keys: equal UTC instants); else the keys are the instants."""
    instants = _instants(data.draw)
    keys, order = time_keys([_at(t) for t in instants])
    if order != "utc":
        assert all(k is t for k, t in zip(keys, instants, strict=True))
        assert order == "as compared" or len({id(t.tzinfo) for t in instants}) == 1
        return
    for (a, ka), (b, kb) in product(zip(instants, keys, strict=True), repeat=2):
        assert (ka < kb) == (a < b) and (ka <= kb) == (a <= b)
        assert (ka == kb) == (a.astimezone(UTC) == b.astimezone(UTC))
        if ka != kb:
            assert a != b


def test_time_keys_of_naive_offsets_are_the_instants() -> None:
    """A ``tzinfo`` without an offset (naive instants) is compared as it is, as it always was."""

    class Nowhere(tzinfo):
        def utcoffset(self, dt: datetime | None) -> None:
            return None

        def dst(self, dt: datetime | None) -> None:
            return None

        def tzname(self, dt: datetime | None) -> str:
            return "NOWHERE"

    for instants in (
        [datetime(2025, 11, 3, 8, tzinfo=Nowhere()), datetime(2025, 11, 3, 9, tzinfo=Nowhere())],
        [datetime(2025, 11, 3, 8), datetime(2025, 11, 3, 9)],
    ):
        assert time_keys([_at(t) for t in instants]) == (instants, "as compared")


def _at(t: datetime) -> AnyEvent:
    event = build_event("G", "G/01", ("transferred", "2025-11-03 08:00", {"to_unit_code": "U1"}))
    return event.model_copy(update={"occurred_at": t})


def _standing() -> StandingAt:
    """A standing with every member set: a restart after a completed supplement, an end, a return."""
    specs: list[Spec] = [
        ("received", "2025-11-03 08:00", {"procedure_code": "P3", "channel": "direct",
                                          "due_at": "2025-11-06T17:00:00+07:00", "documents": ["A"]}),
        ("supplement_requested", "2025-11-03 09:00", {"notice_id": "N-1", "reason": "Thiếu",
                                                      "requested_documents": ["B"]}),
        ("supplement_completed", "2025-11-04 09:00", {"documents": ["B"]}),
        ("financial_obligation_requested", "2025-11-04 10:00", {"notice_id": "TB-1"}),
        ("processed", "2025-11-05 10:00", {"outcome": "granted"}),
        ("returned", "2025-11-05 11:00", {"channel": "direct"}),
    ]  # fmt: skip
    events = [build_event("G", f"G/{k:02d}", spec) for k, spec in enumerate(specs)]
    semantics = Semantics("2", RuleParams(supplement_clock="restart", pause_on_financial_obligation=True))
    facts = derive_facts("G", events, _FAR, semantics=semantics, catalogue=CATALOGUE)
    standing = StandingAt(*(getattr(facts, name) for name in StandingAt._fields))
    assert all(value not in (None, ()) for value in standing)
    return standing


def _judged() -> list[str]:
    return [name for name, member in vars(Judged).items() if isinstance(member, property)]


def _others(name: str, value: Any) -> list[Any]:
    """Values that are not ``value``: other values, and equal ones that are not the same thing (an equal
    effective end, computed anew each time, is the same if it is alike in every respect)."""
    if isinstance(value, datetime):
        alike = [] if name == "effective_end" else [value.replace()]
        return [value + timedelta(microseconds=1), value.astimezone(UTC), value.replace(fold=1), *alike]
    if isinstance(value, timedelta):
        return [value + timedelta(microseconds=1)]
    if isinstance(value, str):
        return [value + "X"]
    if isinstance(value, tuple):
        return [(), value[:-1], tuple(e.model_copy() for e in value)]
    if isinstance(value, Semantics):
        return [Semantics("1"), Semantics(value.version, value.params)]
    return [None, value.model_copy()]


def test_same_judgement_sees_every_member_classification_reads() -> None:
    """Each member of ``Judged`` (what ``classify`` may read, type-checked) told apart, even when only
    equal: an equal instant of another offset or fold, an equal event that is another object. The
    members only the outcome reads (the end, its instant and whether it is the request waited on, the return,
    the dossier) are not its business."""
    standing = _standing()
    outcome_only = {"dossier_id", "end_event", "end_at", "waiting", "first_returned"}
    assert set(_judged()) == set(StandingAt._fields) - outcome_only
    assert same_judgement(standing, standing._replace())
    assert same_judgement(standing, standing._replace(effective_end=standing.effective_end.replace()))
    for name in ("dossier_id", "end_event", "first_returned"):
        nothing: dict[str, Any] = {name: None}
        assert same_judgement(standing, standing._replace(**nothing))
    for name in _judged():
        for other in _others(name, getattr(standing, name)):
            change: dict[str, Any] = {name: other}
            changed = standing._replace(**change)
            assert not same_judgement(standing, changed), (name, other)
            assert not same_judgement(changed, standing), (name, other)


@settings(max_examples=examples(100), deadline=None)
@given(
    st.sampled_from(PARAMS), st.sampled_from(["1", "2"]), st.sampled_from(["P3", "PF", "PN", None]),
    st.sampled_from([None, "processed", "withdrawn", "refused"]), st.integers(0, 40), st.booleans(),
)  # fmt: skip
def test_no_pause_is_what_either_clock_gives(
    params: RuleParams, version: str, code: str | None, end: str | None, slot: int, received: bool
) -> None:
    """Without supplement request or financial obligation, both clocks count nothing, wait for nothing,
    pause nothing and restart nothing, whatever the parameters, the procedure and the end: what the fold
    takes without calling them."""
    semantics = _semantics(version, params)
    as_of = BASE + STEP * slot
    end_event = None
    if end is not None:
        data: dict[str, Any] = (
            {"notice_id": "N", "reason": "R", "stage": "processing"} if end == "refused" else {}
        )
        end_event = build_event("G", "G/09", (end, "2025-11-04 10:00", data))
    receipt: Received | None = None
    if received:
        data = {"procedure_code": code or "P3", "channel": "direct", "due_at": None, "documents": ["A"]}
        event = build_event("G", "G/01", ("received", "2025-11-03 08:00", data))
        assert isinstance(event, Received)
        receipt = event
    if semantics.amended:
        clock = clock_v2(semantics, CATALOGUE, code, receipt, [], [], [], None, None, end_event, as_of)
    else:
        clock = clock_v1(semantics, [], [], [], end_event, as_of)
    counted, waiting, end_at, intervals, supplement_time, financial_time, restart_at = clock
    assert end_at is (end_event.occurred_at if end_event is not None else as_of)
    expected = NO_PAUSE
    assert (counted, waiting, tuple(intervals), supplement_time, financial_time, restart_at) == (
        expected[0], expected[1], tuple(expected[2]), expected[3], expected[4], expected[5],
    )  # fmt: skip
