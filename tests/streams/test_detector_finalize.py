"""The supervisor's actions and the final marks: an action decided on a settled assignment does nothing once
a rebalance has begun by the time it holds the lock; a mark says what the state holds (not what the group
committed) and names the inputs it was judged by; marks are read incrementally."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from kafka import KafkaProducer

from bootstrap.platform import Platform, detector_options
from bootstrap.settings import load_settings
from inspections.calendar import WorkingCalendar
from inspections.calendar_days import Holiday, HolidayKind
from inspections.catalogue import TimeLimit
from inspections.rulebook import Auditor, Rulebooks
from inspections.rules import RuleParams
from inspections.timeunits import VN_TZ, ProcessingTime, TimeUnit
from streams.broker import EmbeddedBroker
from streams.detector.marks import FinalMark, FinalMarks, inputs_digest
from streams.detector.worker import Detector
from streams.kafka import KafkaConfig
from streams.topics import TopicSpec, ensure_topics
from streams.watermark import to_us
from tests.builders import CALENDAR, CATALOGUE, processed, received
from tests.streams.evict_support import Sim

HOUR = timedelta(hours=1)
AUDITOR = Auditor(CATALOGUE, CALENDAR)  # the builders' small catalogue and calendar
AS_OF = datetime(2026, 1, 1, tzinfo=VN_TZ)


def busy_sim(**options: Any) -> Sim:
    """Two partitions; D9 (partition 0) late, nothing on partition 1."""
    sim = Sim(AUDITOR, HOUR, 2, evict=False)
    sim.batch([
        received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="D9"),
        processed("2025-11-07 10:00", dossier="D9"),
    ])  # fmt: skip
    if options:
        sim.restart(**options)
    return sim


def marks_of(sim: Sim) -> dict[int, FinalMark]:
    return {m.partition: m for k, v in sim.meta.items() if (m := FinalMark.decode(k, v)) is not None}


# --- finding 6: supervisor actions re-check the assignment inside the lock -------------------------------
Action = Callable[[Detector, int], Awaitable[None]]
ACTIONS: dict[str, tuple[dict[str, Any], Action]] = {
    "live tick": ({"live": True}, lambda d, g: d._tick_live(g)),
    "idle tick": ({"idle_partition_timeout": 1.0}, lambda d, g: d._tick_idle(now=9.2, generation=g)),
    "finalize": ({}, lambda d, g: d.finalize(AS_OF, None, {0: 2, 1: 0}, g)),
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_an_action_decided_before_a_rebalance_does_nothing_after_it(name: str) -> None:
    options, action = ACTIONS[name]

    def run(rebalance: bool) -> int:
        sim = busy_sim(**options)
        detector = sim.detector
        detector._highwaters = lambda: {0: 3, 1: 0}  # type: ignore[method-assign]
        if name == "idle tick":  # partition 1 quiet (nothing to read) since 8.0, idle at 9.0; 0 active
            for now in (8.0, 8.4, 8.8):
                asyncio.run(detector._tick_idle(now=now))
        sent = len(sim.producer.sent)

        async def go() -> None:
            generation = detector.app.consumer_generation_id
            await detector.lock.acquire()  # a batch (or a revocation) holds the lock
            task = asyncio.ensure_future(action(detector, generation))
            await asyncio.sleep(0.01)
            if rebalance:
                detector.app.consumer_generation_id += 1  # the group moved on meanwhile
            detector.lock.release()
            await task

        asyncio.run(go())
        return len(sim.producer.sent) - sent

    assert run(rebalance=False) > 0  # settled throughout: it acts
    assert run(rebalance=True) == 0


def test_a_final_evaluation_whose_assignment_changed_while_it_read_the_topic_publishes_nothing() -> None:
    sim = busy_sim()
    detector = sim.detector
    read = detector._read_published

    async def rebalanced_meanwhile(held: set[str]) -> Any:
        out = await read(held)
        detector.app.rebalancing = True
        return out

    detector._read_published = rebalanced_meanwhile  # type: ignore[method-assign,assignment]
    sent = len(sim.producer.sent)
    asyncio.run(detector.finalize(AS_OF, None, {0: 2, 1: 0}, detector.app.consumer_generation_id))
    assert len(sim.producer.sent) == sent and marks_of(sim) == {}


# --- finding 10: a mark says what the state holds ------------------------------------------------------
def test_a_mark_covers_what_the_state_holds_not_what_the_group_committed() -> None:
    sim = busy_sim()
    assert sim.core.partitions[0].next_offset == 2 and sim.core.partitions[1].next_offset is None
    # The group claims 9 events on partition 0 (a worker it had left committed past this state, on tansu).
    sim.detector.progress.beginnings = {0: 0, 1: 0}
    asyncio.run(sim.detector.finalize(AS_OF, None, {0: 9, 1: 0}))
    marks = marks_of(sim)
    assert marks[0].offset == 2 and not marks[0].covers(to_us(AS_OF), 9, marks[0].inputs)
    assert marks[1].offset == 0  # nothing held, and the partition is empty: finalized up to its end
    # A partition whose state holds nothing while it has events vouches for nothing: no mark.
    sim = busy_sim()
    sim.detector.progress.beginnings = {0: 0, 1: 0}
    asyncio.run(sim.detector.finalize(AS_OF, None, {0: 2, 1: 3}))
    assert set(marks_of(sim)) == {0}


# --- finding 11: marks name their inputs ---------------------------------------------------------------
def test_the_inputs_digest_follows_the_rulebook_its_parameters_the_catalogue_and_the_calendar() -> None:
    platform = Platform(load_settings())
    catalogue, calendar = platform.catalogue, platform.calendar
    base = inputs_digest(platform.auditor)
    assert inputs_digest(Auditor(catalogue, calendar, platform.rulebooks)) == base  # the same, built again
    assert inputs_digest(Platform(load_settings()).auditor) == base  # in another process alike
    other = Rulebooks.of_version("2", RuleParams(apology_lead_working_days=2))
    assert inputs_digest(Auditor(catalogue, calendar, other)) != base
    assert inputs_digest(Auditor(catalogue, calendar, Rulebooks.of_version("1"))) != base
    day = calendar.first_date + timedelta(days=40)
    holiday = Holiday(day, "Nghỉ", "Day off", HolidayKind.STATUTORY, "test", "S")  # type: ignore[arg-type]
    more = WorkingCalendar(
        [*calendar.holidays.values(), holiday], calendar.make_up_days.values(),
        first_year=calendar.first_date.year, last_year=calendar.last_date.year,
        working_hours=calendar.working_hours,
    )  # fmt: skip
    assert inputs_digest(Auditor(catalogue, more, platform.rulebooks)) != base
    code = next(iter(catalogue.procedures))
    renamed = [
        p if p.code != code else p.model_copy(update={"name": p.name + " (sửa)"})
        for p in catalogue.procedures.values()
    ]
    changed = type(catalogue)(renamed, catalogue.units.values(), catalogue.fields.values(), catalogue.meta)
    assert inputs_digest(Auditor(changed, calendar, platform.rulebooks)) != base
    # A dated time limit is an input too (``time_limits``)...
    limited = [
        p if p.code != code else p.model_copy(update={"time_limits": (
            TimeLimit(valid_from=date(2025, 7, 1), max_time=ProcessingTime(2, TimeUnit.WORKING_DAYS)),)})
        for p in catalogue.procedures.values()
    ]  # fmt: skip
    dated = type(catalogue)(limited, catalogue.units.values(), catalogue.fields.values(), catalogue.meta)
    assert inputs_digest(Auditor(dated, calendar, platform.rulebooks)) != base
    # ... but none is no change: the bundled inputs digest as the release before them did (before the field
    # existed), so an upgrade keeps every final mark (diff review: each partition finalised again, and an
    # --as-of replay of a group with evicted dossiers refused). Update only with the bundled data or the rules
    # revision, on purpose: "58f398435a91ed64" at revision 0; revision 1 (an open dossier due after
    # 2049-12-01 turns late in its history, 2026-12-07) finalizes every partition again, as it should;
    # "0211e6617a637f2e" until the calendar named 8/2/2024 "29 tháng Chạp" (it said 28: legal-data seat).
    assert base == "2a66e99837a06dba"


def test_a_continuous_replay_finalizes_again_a_partition_whose_mark_is_stale_or_of_other_inputs() -> None:
    """Without ``--until-idle``: a mark at the same ``as_of`` counts only when it covers the partition's end
    with the same inputs (it used to count whatever its offset)."""
    options = detector_options(
        load_settings(), as_of=AS_OF, idle_seconds=0.02, poll_seconds=0.01, allowed_lateness=timedelta(0)
    )
    joined = SimpleNamespace(_coordinator=SimpleNamespace(need_rejoin=lambda s: False),
                             _subscription=SimpleNamespace(subscription=object()))  # fmt: skip
    app = SimpleNamespace(
        rebalancing=False, consumer_generation_id=1,
        consumer=SimpleNamespace(_thread=SimpleNamespace(_ensure_consumer=lambda: joined)),
    )  # fmt: skip
    detector = Detector(app, KafkaConfig("127.0.0.1:1"), options, SimpleNamespace(), bytes, None)  # type: ignore[arg-type]
    for p in range(4):
        detector.core.partition(p).next_offset = 10
    inputs = inputs_digest(SimpleNamespace())
    marks = {
        0: FinalMark(0, to_us(AS_OF), 10, inputs),  # covers
        1: FinalMark(1, to_us(AS_OF), 7, inputs),  # stale: events came after it
        2: FinalMark(2, to_us(AS_OF), 10, "another"),  # other inputs
    }
    finalized: list[list[int]] = []

    async def offsets(topic: str) -> dict[int, tuple[int, int]]:
        return dict.fromkeys(range(4), (10, 10))

    async def read_marks() -> dict[int, FinalMark]:
        return marks

    async def finalize(
        as_of: datetime, partitions: Any = None, ends: Any = None, generation: Any = None
    ) -> None:
        finalized.append(list(partitions))
        detector._memory().finalized.update(partitions)

    detector.progress.offsets = offsets  # type: ignore[method-assign]
    detector._marks = read_marks  # type: ignore[method-assign]
    detector.finalize = finalize  # type: ignore[method-assign]
    assert asyncio.run(detector._finalize_due(AS_OF))
    assert finalized == [[1, 2, 3]]
    assert not asyncio.run(detector._finalize_due(AS_OF))  # never twice by the same worker: it goes on live


# --- finding 12: marks read incrementally ---------------------------------------------------------------
def test_final_marks_are_read_from_where_the_last_read_stopped(
    broker: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = "marks-changelog"
    ensure_topics(broker.kafka, [TopicSpec(topic, 2, 1)])
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")

    def write(*marks: FinalMark) -> None:
        for mark in marks:
            producer.send(topic, mark.encode(), mark.key(), partition=mark.partition)
        producer.send(topic, b"{}", b"0", partition=0)  # a watermark record of the same table
        producer.flush()

    decoded: list[bytes | None] = []
    decode = FinalMark.decode

    def counting(key: bytes | None, value: bytes | None) -> FinalMark | None:
        decoded.append(key)
        return decode(key, value)

    monkeypatch.setattr(FinalMark, "decode", staticmethod(counting))
    reader = FinalMarks(KafkaConfig(broker.bootstrap_servers))

    async def run() -> tuple[dict[int, FinalMark], int, dict[int, FinalMark], int, dict[int, FinalMark]]:
        try:
            write(FinalMark(0, 1, 5, "x"), FinalMark(1, 1, 3, "x"))
            first = await reader.read(topic)
            n1 = len(decoded)
            write(replace(first[0], offset=8))
            second = await reader.read(topic)
            n2 = len(decoded) - n1
            third = await reader.read(topic)
            return first, n1, second, n2, third
        finally:
            await reader.close()
            producer.close()

    first, n1, second, n2, third = asyncio.run(run())
    assert first == {0: FinalMark(0, 1, 5, "x"), 1: FinalMark(1, 1, 3, "x")} and n1 == 3
    assert second == {0: FinalMark(0, 1, 8, "x"), 1: FinalMark(1, 1, 3, "x")} and n2 == 2  # only the new
    assert third == second
