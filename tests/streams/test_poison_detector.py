"""Poison records in the detector (issue 13, item 2): a message whose processing raises becomes a dead
letter (``detector.unprocessable``) and the worker moves on, also across a restart, with the rest of its
batch applied exactly as without it; stored dossier states that orjson cannot read back are restored, or
left out when unreadable, rather than stopping every start. A dossier whose *evaluation* raises:
tests/streams/test_poison_evaluation.py.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from bootstrap.platform import Platform, detector_options, platform_topics
from bootstrap.settings import load_settings
from schemas.events import EVENT_ADAPTER
from streams.detector.core import DetectorCore, StateError
from streams.detector.dossier import DossierState
from streams.detector.guard import UNPROCESSABLE, apply_isolating
from streams.detector.worker import Detector
from streams.kafka import KafkaConfig
from streams.messages import DeadLetter
from streams.observability import WorkerMetrics
from streams.topics import ensure_topics
from tests.streams.test_poison_records import examples, with_extra

AUDITOR = Platform(load_settings()).auditor


def _events(n: int = 8) -> list[tuple[Any, bytes]]:
    return [(EVENT_ADAPTER.validate_json(line), line) for line in examples()[:n]]


def test_a_state_holding_what_orjson_cannot_read_is_restored() -> None:
    """An event with NaN, 1e400 or a 30-digit integer in an unknown field, accepted before the validator
    refused them, used to make every later start of the detector fail (``StateError``)."""
    core = DetectorCore(AUDITOR, timedelta(hours=1))
    items = _events(3)
    odd = with_extra(orjson.loads(items[1][1]), b'{"a":NaN,"b":1e400,"c":' + b"9" * 30 + b"}", "odd-1")
    core.apply(0, [*items, (EVENT_ADAPTER.validate_json(odd), odd)])
    part = core.partition(0)
    stored = [(d, s.encode(0)) for d, s in part.dossiers.items()]
    restored = DetectorCore(AUDITOR, timedelta(hours=1)).restore(
        0, stored, DetectorCore.encode_partition(part)
    )
    assert {d: len(s) for d, s in restored.dossiers.items()} == {d: len(s) for d, s in part.dossiers.items()}
    assert any(e.event_id == "odd-1" for s in restored.dossiers.values() for e in s.events())


def test_an_unreadable_stored_state_is_left_out_when_asked_and_the_others_restored() -> None:
    core = DetectorCore(AUDITOR, timedelta(hours=1))
    core.apply(0, _events())
    stored = [(d, s.encode(0)) for d, s in core.partition(0).dossiers.items()]
    stored.append(("BROKEN", b"{not json"))
    with pytest.raises(StateError):
        DetectorCore(AUDITOR, timedelta(hours=1)).restore(0, stored, None)
    told: list[str] = []
    restored = DetectorCore(AUDITOR, timedelta(hours=1)).restore(0, stored, None, lambda d, _: told.append(d))
    assert told == ["BROKEN"] and set(restored.dossiers) == set(core.partition(0).dossiers)


def test_an_item_whose_apply_raises_is_isolated_and_the_rest_applied_as_without_it(monkeypatch) -> None:
    items = _events()
    poison = orjson.dumps({**orjson.loads(items[3][1]), "event_id": "poison-1"})
    with_poison = [*items[:3], (EVENT_ADAPTER.validate_json(poison), poison), *items[3:]]
    reference = DetectorCore(AUDITOR, timedelta(hours=1))
    expected = reference.apply(0, items)

    original = DossierState.add

    def add(self: DossierState, event: Any, raw: bytes) -> Any:
        if event.event_id == "poison-1":
            raise RuntimeError("poisoned for the test")
        return original(self, event, raw)

    monkeypatch.setattr(DossierState, "add", add)
    core = DetectorCore(AUDITOR, timedelta(hours=1))
    outcome, failed = apply_isolating(core, 0, with_poison, None)
    assert [(i, str(e)) for i, e in failed] == [(3, "poisoned for the test")]
    assert core.open_violations() == reference.open_violations()
    # Exactly the batch without the poison: each change once, every dossier that took an event in marked for
    # the changelog (the items taken before the poison too), the same timers.
    assert outcome.changes == expected.changes and outcome.dirty == expected.dirty
    assert (outcome.duplicates, outcome.evaluated, outcome.as_of_us, outcome.watermark_moved) == (
        expected.duplicates, expected.evaluated, expected.as_of_us, expected.watermark_moved,
    )  # fmt: skip
    assert sorted(core.partition(0).timers) == sorted(reference.partition(0).timers)
    assert {d: (len(s), s.due_us) for d, s in core.partition(0).dossiers.items()} == {
        d: (len(s), s.due_us) for d, s in reference.partition(0).dossiers.items()
    }


def test_an_item_whose_apply_raises_for_a_new_dossier_leaves_no_empty_dossier_behind(monkeypatch) -> None:
    items = _events()
    poison = orjson.dumps({**orjson.loads(items[0][1]), "event_id": "poison-1", "dossier_id": "GHOST"})
    original = DossierState.add

    def add(self: DossierState, event: Any, raw: bytes) -> Any:
        if event.event_id == "poison-1":
            raise RuntimeError("poisoned for the test")
        return original(self, event, raw)

    monkeypatch.setattr(DossierState, "add", add)
    core = DetectorCore(AUDITOR, timedelta(hours=1))
    outcome, failed = apply_isolating(core, 0, [(EVENT_ADAPTER.validate_json(poison), poison), *items], None)
    assert [i for i, _ in failed] == [0]
    assert "GHOST" not in core.partition(0).dossiers and "GHOST" not in outcome.dirty
    assert not any(c.dossier_id == "GHOST" for c in outcome.changes)


class _Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    async def send(self, topic: str, key: bytes | None, value: bytes, *_: Any) -> asyncio.Future[None]:
        self.sent.append((topic, key, value))
        delivered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        delivered.set_result(None)  # as Faust's producer: a future of the broker's acknowledgement
        return delivered


def test_the_detector_dead_letters_a_message_whose_processing_raises_and_acks_the_batch(monkeypatch) -> None:
    original = DossierState.add

    def add(self: DossierState, event: Any, raw: bytes) -> Any:
        if event.event_id == "poison-1":
            raise RuntimeError("poisoned for the test: 079201001234")
        return original(self, event, raw)

    monkeypatch.setattr(DossierState, "add", add)
    settings = load_settings()
    options = detector_options(settings)
    producer, acked = _Producer(), list[Any]()
    table = SimpleNamespace(changelog_topic=SimpleNamespace(get_topic_name=lambda: "changelog"))
    app = SimpleNamespace(
        consumer=SimpleNamespace(ack=acked.append), consumer_generation_id=1, producer=producer
    )
    metrics = WorkerMetrics()
    detector = Detector(app, KafkaConfig("127.0.0.1:1"), options, AUDITOR, lambda raw: raw, metrics)  # type: ignore[arg-type]
    detector.dossier_table = detector.partition_table = table
    detector.core.partition(0)
    detector.ready = True  # assigned and recovered
    lines = examples()[:6]
    lines.insert(2, orjson.dumps({**orjson.loads(lines[2]), "event_id": "poison-1"}))
    topic = settings.topic_events
    messages = [SimpleNamespace(topic=topic, partition=0, offset=i, key=None, value=v, generation_id=1)
                for i, v in enumerate(lines)]  # fmt: skip
    asyncio.run(detector.process(messages))

    letters = [DeadLetter.decode(v) for t, _, v in producer.sent if t == settings.topic_dead_letters]
    assert [(x.source, x.offset, x.reason_code) for x in letters] == [
        (f"kafka:{settings.topic_events}/0", 2, UNPROCESSABLE)
    ]
    assert (
        letters[0].reason == "the detector cannot process this record: RuntimeError: poisoned for the test: #"
    )
    assert acked == messages  # the batch is done: its offsets move past the poison
    assert detector.stats.events == 6 and detector.stats.poison == 1 and detector.stats.dead_letters == 1
    assert metrics.poison_records.labels(reason=UNPROCESSABLE)._value.get() == 1
    assert metrics.events_in._value.get() == 6


@pytest.mark.slow(22)
def test_the_detector_moves_past_a_poison_record_and_a_restart_does_not_crash(
    broker, tmp_path, monkeypatch
) -> None:
    """End to end through a real broker: the worker dead-letters the message whose processing raises,
    judges the rest, commits past it, and its restart reads nothing again (no crash loop)."""
    from streams.detector.app import make_app, run_detector
    from tests.builders import ev, processed, received
    from tests.streams.detector_support import final_open_set, produce_events, read_topic

    original = DossierState.add

    def add(self: DossierState, event: Any, raw: bytes) -> Any:
        if event.event_id == "poison-1":
            raise RuntimeError("poisoned for the test")
        return original(self, event, raw)

    monkeypatch.setattr(DossierState, "add", add)
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers, workdir=tmp_path)
    ensure_topics(broker.kafka, platform_topics(settings))
    d = "M1"
    produce_events(broker.bootstrap_servers, settings.topic_events, [
        received("2025-11-03 09:00", "2025-11-06 17:00", procedure="1.004194", dossier=d),
        ev("withdrawn", "2025-11-04 09:00", dossier=d, event_id="poison-1"),
        processed("2025-11-10 10:00", dossier=d),
        ev("returned", "2025-11-10 15:00", {"channel": "direct"}, dossier=d),
    ])  # fmt: skip
    platform = Platform(settings)

    def run() -> Any:
        options = detector_options(settings, allowed_lateness=timedelta(hours=1), until_idle=True)
        app = make_app(platform.kafka, options, platform.auditor, platform.pseudonymiser.scrub_raw)
        return run_detector(app)

    code, stats = run()
    assert code == 0 and stats.poison == 1 and stats.events == 3
    letters = [
        DeadLetter.decode(r.value) for r in read_topic(broker.bootstrap_servers, settings.topic_dead_letters)
    ]
    assert [(x.offset, x.reason_code) for x in letters] == [(1, UNPROCESSABLE)]
    assert (d, "LATE_NO_APOLOGY", "") in final_open_set(broker.bootstrap_servers, settings.topic_violations)

    code, stats = run()  # the restart: the poison record is behind the committed offset
    assert code == 0 and stats.poison == 0 and stats.events - stats.duplicates == 0


def test_a_detector_recovering_an_unreadable_state_leaves_it_out_and_goes_on(caplog) -> None:
    settings = load_settings()
    good = DetectorCore(AUDITOR, timedelta(hours=1))
    good.apply(0, _events())
    stored = {d.encode(): b"0\n" + s.encode(0) for d, s in good.partition(0).dossiers.items()}
    stored[b"BROKEN"] = b'0\n{"p": 0, "e": [{"applicant": "079201001234"}]}'
    tp = SimpleNamespace(topic=settings.topic_events, partition=0)
    app = SimpleNamespace(
        assignor=SimpleNamespace(assigned_actives=lambda: [tp]),
        consumer_generation_id=1,
        tables=SimpleNamespace(
            recovery=SimpleNamespace(signal_recovery_start=asyncio.Event(), _generation_id=1)
        ),
    )
    metrics = WorkerMetrics()
    detector = Detector(app, KafkaConfig("127.0.0.1:1"), detector_options(settings), AUDITOR, bytes, metrics)  # type: ignore[arg-type]
    detector.dossier_table = SimpleNamespace(data=SimpleNamespace(data=stored))
    detector.partition_table = SimpleNamespace(data=SimpleNamespace(data={}))

    asyncio.run(detector.on_recovered())

    assert detector.ready and set(detector.core.partition(0).dossiers) == set(good.partition(0).dossiers)
    assert detector.stats.unreadable_states == 1
    assert metrics.poison_records.labels(reason="detector.state_unreadable")._value.get() == 1
    (line,) = [r for r in caplog.records if r.getMessage() == "stored dossier state unreadable; left out"]
    assert line.dossier_id == "BROKEN" and line.reason.startswith("StateError: ")
    assert "079201001234" not in line.reason


def test_the_detectors_metrics_count_a_resend_and_a_conflict_apart_from_valid_events() -> None:
    """EVENTS.md: a duplicate is "ignored, counted", a conflict rejected. Both were counted in events_in
    (and the conflict again as rejected), and no duplicates were counted anywhere (review of 2026-12-04)."""
    settings = load_settings()
    producer, acked = _Producer(), list[Any]()
    table = SimpleNamespace(changelog_topic=SimpleNamespace(get_topic_name=lambda: "changelog"))
    app = SimpleNamespace(
        consumer=SimpleNamespace(ack=acked.append), consumer_generation_id=1, producer=producer
    )
    metrics = WorkerMetrics()
    detector = Detector(app, KafkaConfig("127.0.0.1:1"), detector_options(settings), AUDITOR, lambda raw: raw,  # type: ignore[arg-type]
                        metrics)  # fmt: skip
    detector.dossier_table = detector.partition_table = table
    detector.core.partition(0)
    detector.ready = True
    lines = examples()[:3]
    conflicting = orjson.dumps({**orjson.loads(lines[1]), "actor": "someone-else"})
    lines += [lines[1], conflicting]  # a resend of the second event, then another version of it
    messages = [SimpleNamespace(topic=settings.topic_events, partition=0, offset=i, key=None, value=v,
                                generation_id=1) for i, v in enumerate(lines)]  # fmt: skip
    asyncio.run(detector.process(messages))
    assert metrics.events_in._value.get() == 3
    assert metrics.events_duplicate._value.get() == 1
    assert metrics.events_rejected.labels(reason="event_id.conflict")._value.get() == 1
