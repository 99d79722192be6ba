"""A dossier whose evaluation raises in the detector (issue 13, item 2, the reviewer's follow-up): anything
raising inside one dossier's evaluation — the core's own diff or deadline included, not only the rulebook —
concerns that dossier only. It gets ``AUDIT_ERROR``, exactly as the batch audit reports a dossier it cannot
judge (rulebook v2, amendment 12), and every other dossier of the batch or of the timer step is as if
nothing had happened: its changes published exactly once, its stored state marked for the changelog, its
timer kept.

Before, the exception left the step half-way: the dossiers evaluated before it had their published set
replaced but their changes and dirty flags thrown away with the outcome, the timers taken off the heap were
gone, and a timer step (``advance``) raised out of the worker's live tick.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

import streams.detector.partition_state as partition_module
from bootstrap.platform import Platform, detector_options
from bootstrap.settings import load_settings
from inspections.audit import audit_events
from inspections.timeunits import VN_TZ
from schemas.events import AnyEvent
from streams.detector.core import Change, DetectorCore, Outcome
from streams.detector.guard import apply_isolating
from streams.detector.outcome import diff_published
from streams.detector.partition_state import PartitionState
from streams.detector.resume import is_marker, marker_key, marker_value
from streams.detector.worker import Detector
from streams.kafka import KafkaConfig
from streams.messages import ViolationMessage, encode_event
from streams.observability import WorkerMetrics
from streams.watermark import from_us, to_us
from tests.builders import ev
from tests.poison import MESSAGE, Poisoned, poison
from tests.streams.detector_support import province, shuffled

AUDITOR = Platform(load_settings()).auditor
LATENESS = timedelta(hours=1)
START, END = date(2025, 9, 1), date(2025, 10, 20)
AS_OF = datetime.combine(END, datetime.min.time(), tzinfo=UTC) + timedelta(days=5)
REASON = f"Poisoned: {MESSAGE}"

Items = list[tuple[AnyEvent, bytes]]
Diff = Callable[[str, Mapping[Any, bytes], Mapping[Any, bytes]], list[Change]]


@pytest.fixture(scope="module")
def events() -> list[AnyEvent]:
    """300 simulated dossiers (as ``dossier-audit simulate`` makes them), in an arrival order within the
    allowed lateness, with duplicates."""
    return shuffled(province(300, START, END, seed=7), LATENESS, seed=3)


def pairs(events: list[AnyEvent]) -> Items:
    return [(e, encode_event(e)) for e in events]


def evaluation_order(step: Callable[[], Outcome]) -> tuple[Outcome, list[str]]:
    """``step()``, and the dossiers it evaluated, in order (each evaluation diffs once)."""
    order: list[str] = []
    original: Diff = diff_published

    def spy(dossier_id: str, published: Mapping[Any, bytes], current: Mapping[Any, bytes]) -> list[Change]:
        order.append(dossier_id)
        return original(dossier_id, published, current)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(partition_module, "diff_published", spy)
        return step(), order


def raise_in_diff(monkeypatch: pytest.MonkeyPatch, victim: str, *, always: bool) -> list[int]:
    """Make the core's diff raise for ``victim`` (every time, or the first time only); returns a list that
    counts the raises."""
    original: Diff = diff_published
    raised: list[int] = []

    def diff(dossier_id: str, published: Mapping[Any, bytes], current: Mapping[Any, bytes]) -> list[Change]:
        if dossier_id == victim and (always or not raised):
            raised.append(1)
            raise Poisoned(MESSAGE)
        return original(dossier_id, published, current)

    monkeypatch.setattr(partition_module, "diff_published", diff)
    return raised


def without(changes: list[Change], victim: str) -> list[Change]:
    return [c for c in changes if c.dossier_id != victim]


def timers(state: PartitionState) -> dict[str, int]:
    """The live timers of a partition (lazy deletion: an entry counts when the dossier still expects it)."""
    live = {d: due for due, d in state.timers if state.dossiers[d].due_us == due}
    assert live == {d: s.due_us for d, s in state.dossiers.items() if s.due_us is not None}
    return live


def verdicts(core: DetectorCore) -> dict[tuple[str, str, str], dict[str, Any]]:
    return dict(core.open_violations())


def batch_audit(events: list[AnyEvent], poisoned: str | None = None) -> dict[tuple[str, str, str], Any]:
    """The batch audit's verdicts at ``AS_OF`` (with ``poisoned``'s judging made to raise)."""
    with pytest.MonkeyPatch.context() as mp:
        if poisoned is not None:
            poison(mp, poisoned)
        return {(v.dossier_id, v.rule_id, v.event_id or ""): v.to_json_dict() for v in
                audit_events(events, AUDITOR, AS_OF)}  # fmt: skip


@pytest.mark.parametrize("always", [False, True], ids=["raises-once", "raises-every-time"])
def test_a_dossier_whose_evaluation_raises_in_a_batch_is_an_audit_error_and_the_rest_is_exact(
    events: list[AnyEvent], monkeypatch: pytest.MonkeyPatch, always: bool
) -> None:
    """The reviewer's repro: the core's diff raises for the dossier evaluated last in a batch of 300."""
    items = pairs(events)
    reference = DetectorCore(AUDITOR, LATENESS)
    expected, order = evaluation_order(lambda: reference.apply(0, items))
    victim = order[-1]
    assert len(set(order)) > 250 and without(expected.changes, victim)

    raised = raise_in_diff(monkeypatch, victim, always=always)
    core = DetectorCore(AUDITOR, LATENESS)
    outcome, failed = apply_isolating(core, 0, items, None)

    assert raised and failed == []  # a dossier that cannot be judged is not a poison message
    assert without(outcome.changes, victim) == without(expected.changes, victim)  # each exactly once
    assert [(c.state, c.key) for c in outcome.changes if c.dossier_id == victim] == [
        ("open", ("AUDIT_ERROR", ""))
    ]
    assert outcome.errors == [(victim, REASON)] and outcome.unjudged == []
    assert outcome.dirty == expected.dirty == set(core.partition(0).dossiers)  # every new event persisted
    assert (outcome.duplicates, outcome.evaluated, outcome.as_of_us, outcome.watermark_moved) == (
        expected.duplicates, expected.evaluated, expected.as_of_us, expected.watermark_moved,
    )  # fmt: skip
    published = verdicts(core)
    assert {k: v for k, v in published.items() if k[0] != victim} == {
        k: v for k, v in verdicts(reference).items() if k[0] != victim
    }
    assert [k for k in published if k[0] == victim] == [(victim, "AUDIT_ERROR", "")]
    assert published[(victim, "AUDIT_ERROR", "")]["evidence"] == {"error": "Poisoned", "message": MESSAGE}
    reference_timers, poisoned_timers = timers(reference.partition(0)), timers(core.partition(0))
    reference_timers.pop(victim, None)
    assert {d: t for d, t in poisoned_timers.items() if d != victim} == reference_timers

    # To the end of the replay: the batch audit's verdicts, the victim's as the batch audit reports a dossier
    # it cannot judge (AUDIT_ERROR) while it keeps raising, or judged again once it no longer does.
    core.partition(0).finalize(to_us(AS_OF))
    assert verdicts(core) == batch_audit(events, victim if always else None)


@pytest.mark.parametrize("how", ["advance", "apply"])
def test_a_dossier_whose_timer_triggered_evaluation_raises_is_an_audit_error_and_the_rest_is_exact(
    events: list[AnyEvent], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Deadlines fired by the watermark (a dossier becomes late): by the live tick's ``advance``, or by a
    batch that only moves the event time. Before, ``advance`` raised, and the timers it took off were lost."""
    half = len(events) // 2
    first = pairs(events[:half])
    reference, core = DetectorCore(AUDITOR, LATENESS), DetectorCore(AUDITOR, LATENESS)
    reference.apply(0, first)
    core.apply(0, first)
    pending = sorted(timers(reference.partition(0)).values())
    at = pending[min(40, len(pending) - 1)]  # some 40 deadlines fire at once
    # For "apply": an event of another dossier one lateness after `at`, so that the watermark reaches `at`.
    local = (from_us(at) + LATENESS).astimezone(VN_TZ).replace(tzinfo=None)
    clock = ev("withdrawn", local.isoformat(), dossier="CLOCK")
    extra = [clock] if how == "apply" else []

    def step(c: DetectorCore) -> Outcome:
        if how == "advance":
            return c.partition(0).advance(at)
        return apply_isolating(c, 0, pairs(extra), None)[0]

    expected, order = evaluation_order(lambda: step(reference))
    fired = [d for d in order if d != "CLOCK"]
    assert len(fired) >= 20 and expected.changes
    victim = fired[-1]
    before = {k for k in verdicts(core) if k[0] == victim}

    raise_in_diff(monkeypatch, victim, always=True)
    outcome = step(core)

    assert without(outcome.changes, victim) == without(expected.changes, victim)
    retracted = {
        (victim, *c.key) for c in outcome.changes if c.dossier_id == victim and c.state == "retracted"
    }
    assert retracted == before - {(victim, "AUDIT_ERROR", "")}
    assert outcome.errors == [(victim, REASON)] and (victim, "AUDIT_ERROR", "") in verdicts(core)
    assert outcome.dirty == expected.dirty | {victim}
    assert outcome.as_of_us == expected.as_of_us == at
    reference_timers, poisoned_timers = timers(reference.partition(0)), timers(core.partition(0))
    assert {d: t for d, t in poisoned_timers.items() if d != victim} == {
        d: t for d, t in reference_timers.items() if d != victim
    }

    # The timers of the other dossiers still fire: the rest of the stream gives the same changes.
    rest = pairs(events[half:])
    assert without(core.apply(0, rest).changes, victim) == without(reference.apply(0, rest).changes, victim)
    core.partition(0).finalize(to_us(AS_OF))
    assert verdicts(core) == batch_audit([*events, *extra], victim)


def test_a_dossier_not_even_an_audit_error_can_be_built_for_is_left_as_it_was(
    events: list[AnyEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If building the finding raises too, the dossier keeps what was published and is reported as not
    judged; the step still does not raise and every other dossier is exact."""
    items = pairs(events)
    reference = DetectorCore(AUDITOR, LATENESS)
    expected, order = evaluation_order(lambda: reference.apply(0, items))
    victim = order[len(order) // 2]
    raise_in_diff(monkeypatch, victim, always=True)

    def failure(*_: Any) -> Any:
        raise RuntimeError("no finding either")

    monkeypatch.setattr(partition_module, "failure", failure)
    core = DetectorCore(AUDITOR, LATENESS)
    outcome, failed = apply_isolating(core, 0, items, None)

    assert failed == [] and outcome.errors == []
    assert outcome.unjudged == [(victim, "RuntimeError: no finding either")]
    assert outcome.changes == without(expected.changes, victim)
    assert outcome.dirty == expected.dirty and core.partition(0).dossiers[victim].published == {}
    assert outcome.evaluated == expected.evaluated - 1


def test_a_memory_error_in_an_evaluation_is_not_a_verdict(
    events: list[AnyEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process's trouble, not the dossier's: it stops the step (the batch is not acknowledged)."""
    victim = min(e.dossier_id for e in events)
    original: Diff = diff_published

    def diff(dossier_id: str, published: Mapping[Any, bytes], current: Mapping[Any, bytes]) -> list[Change]:
        if dossier_id == victim:
            raise MemoryError
        return original(dossier_id, published, current)

    monkeypatch.setattr(partition_module, "diff_published", diff)
    with pytest.raises(MemoryError):
        apply_isolating(DetectorCore(AUDITOR, LATENESS), 0, pairs(events), None)


class _Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    async def send(self, topic: str, key: bytes | None, value: bytes, *_: Any) -> asyncio.Future[None]:
        self.sent.append((topic, key, value))
        delivered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        delivered.set_result(None)  # as Faust's producer: a future of the broker's acknowledgement
        return delivered


def test_the_detector_publishes_and_persists_a_batch_in_which_one_evaluation_raises(
    events: list[AnyEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the worker: every violation message of the other dossiers is sent once, AUDIT_ERROR for the
    victim, every dossier that took in an event reaches the changelog, nothing is dead-lettered, and the
    batch is acknowledged."""
    items = pairs(events)
    reference = DetectorCore(AUDITOR, LATENESS)
    expected, order = evaluation_order(lambda: reference.apply(0, items))
    victim = order[-1]
    raise_in_diff(monkeypatch, victim, always=True)

    settings = load_settings()
    producer, acked = _Producer(), list[Any]()

    def table(name: str) -> Any:
        return SimpleNamespace(changelog_topic=SimpleNamespace(get_topic_name=lambda: name))

    app = SimpleNamespace(
        consumer=SimpleNamespace(ack=acked.append), consumer_generation_id=1, producer=producer
    )
    options = detector_options(settings, allowed_lateness=LATENESS)
    detector = Detector(app, KafkaConfig("127.0.0.1:1"), options, AUDITOR, lambda raw: raw, WorkerMetrics())  # type: ignore[arg-type]
    detector.dossier_table, detector.partition_table = table("dossiers"), table("partitions")
    detector.core.partition(0)
    detector.ready = True  # assigned and recovered
    messages = [SimpleNamespace(topic=settings.topic_events, partition=0, offset=i, key=None, value=raw,
                                generation_id=1) for i, (_, raw) in enumerate(items)]  # fmt: skip
    asyncio.run(detector.process(messages))

    def sent(topic: str) -> Iterator[tuple[bytes | None, bytes]]:
        return ((k, v) for t, k, v in producer.sent if t == topic)

    violations = [ViolationMessage.decode(v) for _, v in sent(settings.topic_violations)]
    assert [(m.state, m.violation["dossier_id"], m.violation["rule_id"], m.violation["event_id"] or "")
            for m in violations if m.violation["dossier_id"] != victim] == [
        (c.state, c.dossier_id, *c.key) for c in without(expected.changes, victim)
    ]  # fmt: skip
    assert [(m.state, m.violation["rule_id"]) for m in violations if m.violation["dossier_id"] == victim] == [
        ("open", "AUDIT_ERROR")
    ]
    states = [k for k, _ in sent("dossiers") if not is_marker(k)]
    assert {k.decode() for k in states if k is not None} == expected.dirty
    assert [(k, v) for k, v in sent("dossiers") if is_marker(k)] == [
        (marker_key(0), marker_value(0, len(messages)))
    ]  # after the states it vouches for
    assert list(sent("dossiers"))[-1][0] == marker_key(0)
    assert list(sent(settings.topic_dead_letters)) == []
    assert acked == messages
