"""The settled takeover (issue 17): two ``worker detect --until-idle --as-of T`` workers; one of them (B)
stops dead after the group has committed everything but before it finalizes (it SIGSTOPs itself at that
moment: ``--freeze-before-finalize``), and is then SIGKILLed. The survivor (A) must not stop with only its
own partitions finalized, as the rule "the group is caught up" let it: it waits, takes B's partitions over
at the rebalance, finalizes them at T, and only then stops. The violations topic's final open set equals the
batch audit at T on every partition.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from bootstrap.platform import Platform, detector_options, platform_topics
from bootstrap.settings import load_settings
from streams.broker import EmbeddedBroker
from streams.detector.marks import inputs_digest
from streams.detector.readback import FinalMark
from streams.detector.worker import Detector
from streams.kafka import KafkaConfig
from streams.topics import ensure_topics
from streams.watermark import to_us
from tests.streams.detector_support import (
    LoggedWorker,
    batch_open_set,
    final_open_set,
    produce_events,
    province,
    read_topic,
    shuffled,
)

SETTINGS = load_settings()
PARTITIONS_CHANGELOG = "dossier-audit-detector-partitions-changelog"
AS_OF = datetime(2025, 9, 25, tzinfo=UTC)
#: The inputs of the fake detectors below (their auditor is a bare namespace).
INPUTS = inputs_digest(SimpleNamespace())


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _final_marks(bootstrap: str) -> dict[int, FinalMark]:
    marks = {}
    for record in read_topic(bootstrap, PARTITIONS_CHANGELOG):
        mark = FinalMark.decode(record.key, record.value)
        if mark is not None:
            marks[mark.partition] = mark
    return marks


@pytest.mark.slow(23)
def test_the_survivor_finalizes_a_killed_worker_s_partitions_before_it_stops(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    bootstrap = broker.bootstrap_servers
    ensure_topics(broker.kafka, platform_topics(SETTINGS))
    events = province(300, date(2025, 9, 1), date(2025, 9, 20), seed=31)
    stream = shuffled(events, timedelta(hours=1), seed=31, duplicates=0.02)
    # A short session: B's death is noticed within 2 s (tansu then completes the rejoin in ~10 s).
    args = ("--until-idle", "--as-of", AS_OF.isoformat(), "--allowed-lateness", "3600")
    session = ("--session-timeout", "2")
    a = LoggedWorker(bootstrap, tmp_path / "a", *args, *session)
    b = LoggedWorker(bootstrap, tmp_path / "b", *args, *session, "--freeze-before-finalize")
    try:
        # Both in the group first (4 partitions each), then the events: each worker holds some of them.
        _wait(lambda: len(a.assignment()) == 4 and len(b.assignment()) == 4, 45, "a 4/4 split")
        mine, theirs = a.assignment(), b.assignment()
        assert sorted(mine + theirs) == list(range(8))
        produce_events(bootstrap, SETTINGS.topic_events, stream)

        # B has seen the group caught up and is about to finalize: it stops itself there.
        _wait(b.stopped_by_signal, 60, "B to freeze before finalizing")
        assert b.said("freezing before finalizing (fault test)")[0]["partitions"] == theirs
        # A finalizes its own partitions, then waits for B's (the old rule stopped it here).
        _wait(lambda: bool(a.said("detector waiting for partitions to be finalized")), 30, "A to wait")
        assert [r["partitions"] for r in a.said("detector finalized")] == [mine]
        assert a.said("detector waiting for partitions to be finalized")[0]["partitions"] == theirs
        assert sorted(_final_marks(bootstrap)) == mine  # B's partitions: never finalized
        assert a.proc.poll() is None

        b.kill()  # SIGKILL (it is stopped: no goodbye to the group)
        code = a.proc.wait(timeout=60)
        assert a.proc.stdout is not None
        stats = orjson.loads(a.proc.stdout.read().decode().strip().splitlines()[-1])
        a._reader.join(5)
    finally:
        b.kill()
        a.kill()
    assert code == 0, a.logs[-10:]

    # A stopped only after it had taken every partition and finalized B's.
    messages = [r.get("msg") for r in a.logs]
    took_all = max(i for i, r in enumerate(a.logs) if r.get("msg") == "detector assignment")
    assert a.logs[took_all]["partitions"] == list(range(8))
    finalized = [(i, r["partitions"]) for i, r in enumerate(a.logs) if r.get("msg") == "detector finalized"]
    assert [p for _, p in finalized] == [mine, theirs]
    assert finalized[-1][0] > took_all
    assert "detector supervisor failed" not in messages
    assert stats["finalized_at"] == AS_OF.isoformat()
    assert stats["restored_partitions"] >= 4  # B's partitions, from the changelog

    marks = _final_marks(bootstrap)
    assert sorted(marks) == list(range(8)) and {m.as_of_us for m in marks.values()} == {to_us(AS_OF)}

    # The final open set is the batch audit's at AS_OF, partition by partition.
    partition_of = {r.key.decode(): r.partition for r in read_topic(bootstrap, SETTINGS.topic_events)}
    want = batch_open_set(events, Platform(SETTINGS).auditor, AS_OF)
    got = final_open_set(bootstrap, SETTINGS.topic_violations)
    per_partition: dict[int, tuple[dict, dict]] = defaultdict(lambda: ({}, {}))
    for which, found in enumerate((want, got)):
        for key, violation in found.items():
            per_partition[partition_of[key[0]]][which][key] = violation
    for partition in range(8):
        expected, published = per_partition[partition]
        assert published == expected, f"partition {partition} differs from the batch audit at {AS_OF}"
    assert all(per_partition[p][0] for p in theirs)  # B's partitions do have violations to publish


# --- the stop rule, against a fake app ---------------------------------------------------------------------


def _fake_detector(
    held: list[int], marks: dict[int, FinalMark], partitions: int = 4
) -> tuple[Detector, list[list[int]]]:
    """A settled detector holding ``held`` of ``partitions``, each at offset 10, whose group is caught up;
    ``marks`` stands for the partitions changelog, and its finalize only records what it finalized."""
    consumer = SimpleNamespace(_coordinator=SimpleNamespace(need_rejoin=lambda s: False),
                               _subscription=SimpleNamespace(subscription=object()))  # fmt: skip
    app = SimpleNamespace(
        rebalancing=False, consumer_generation_id=1,
        consumer=SimpleNamespace(_thread=SimpleNamespace(_ensure_consumer=lambda: consumer)),
    )  # fmt: skip
    options = detector_options(
        SETTINGS, until_idle=True, as_of=AS_OF, idle_seconds=0.02, poll_seconds=0.01,
        allowed_lateness=timedelta(0),
    )  # fmt: skip
    detector = Detector(app, KafkaConfig("127.0.0.1:1"), options, SimpleNamespace(), bytes, None)  # type: ignore[arg-type]
    detector.ready, detector.last_activity = True, 0.0
    for p in held:
        detector.core.partition(p).next_offset = 10
    finalized: list[list[int]] = []

    async def caught_up() -> bool:
        return True

    async def offsets(topic: str) -> dict[int, tuple[int, int]]:
        return dict.fromkeys(range(partitions), (10, 10))

    async def read_marks() -> dict[int, FinalMark]:
        return dict(marks)

    async def finalize(
        as_of: datetime, partitions: Any = None, ends: Any = None, generation: Any = None
    ) -> None:
        finalized.append(list(partitions))
        for p in partitions:
            marks[p] = FinalMark(p, to_us(as_of), ends[p], INPUTS)

    detector._group_caught_up = caught_up  # type: ignore[method-assign]
    detector.progress.offsets = offsets  # type: ignore[method-assign]
    detector._marks = read_marks  # type: ignore[method-assign]
    detector.finalize = finalize  # type: ignore[method-assign]
    return detector, finalized


def test_a_worker_stops_only_once_every_partition_is_finalized_whoever_did_it() -> None:
    marks: dict[int, FinalMark] = {}
    detector, finalized = _fake_detector([0, 1], marks)

    async def run() -> tuple[bool, bool]:
        task = asyncio.ensure_future(detector.supervise())
        await asyncio.sleep(0.5)
        waited = not task.done()
        marks[2] = FinalMark(2, to_us(AS_OF), 10, INPUTS)  # the other worker's partitions, one by one
        await asyncio.sleep(0.3)
        still = not task.done()
        marks[3] = FinalMark(3, to_us(AS_OF), 10, INPUTS)
        await asyncio.wait_for(task, 5)
        return waited, still

    waited, still = asyncio.run(run())
    assert waited and still
    assert finalized == [[0, 1]]  # its own, once


def test_a_stale_or_other_instant_mark_is_finalized_again_and_a_covering_one_is_not() -> None:
    marks = {
        0: FinalMark(0, to_us(AS_OF), 10, INPUTS),  # covers: left alone
        1: FinalMark(1, to_us(AS_OF), 7, INPUTS),  # events came after it
        2: FinalMark(2, to_us(AS_OF) - 1, 10, INPUTS),  # another instant
        3: FinalMark(3, to_us(AS_OF), 10, "0123456789abcdef"),  # other inputs (a rule parameter changed)
        4: FinalMark(4, to_us(AS_OF), 10),  # written before marks named their inputs
    }
    detector, finalized = _fake_detector([0, 1, 2, 3, 4], marks, partitions=5)
    asyncio.run(asyncio.wait_for(detector.supervise(), 5))
    assert finalized == [[1, 2, 3, 4]]
