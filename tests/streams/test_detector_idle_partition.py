"""Idle partitions (issue 17): a partition that receives nothing for the idleness timeout follows the event
time of the worker's active partitions, so a dossier on it becomes late although it gets no event of its
own; in ``live`` mode the wall clock moves every held partition. The pure rule
(:func:`streams.watermark.idle_targets`, :class:`streams.watermark.Idleness`) is checked on its own too."""

from __future__ import annotations

import asyncio
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from kafka import KafkaProducer

from bootstrap.platform import detector_options, platform_topics
from bootstrap.settings import load_settings
from inspections.rulebook import Auditor
from inspections.timeunits import VN_TZ
from schemas.events import AnyEvent
from streams.broker import EmbeddedBroker
from streams.detector.worker import Detector
from streams.kafka import KafkaConfig
from streams.messages import ViolationMessage, encode_event, event_key
from streams.topics import ensure_topics
from streams.watermark import Idleness, caught_up, from_us, idle_targets, to_us
from tests.builders import CALENDAR, CATALOGUE, ev, received
from tests.streams.detector_support import detect_cmd, detect_env, final_open_set

SETTINGS = load_settings()
AUDITOR = Auditor(CATALOGUE, CALENDAR)
TIMEOUT = 30.0  # seconds of (test) wall clock


class _Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    async def send(self, topic: str, key: bytes | None, value: bytes, *_: Any) -> asyncio.Future[None]:
        self.sent.append((topic, key, value))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def _detector(**options: Any) -> tuple[Detector, _Producer]:
    producer = _Producer()
    table = SimpleNamespace(changelog_topic=SimpleNamespace(get_topic_name=lambda: "changelog"))
    app = SimpleNamespace(
        consumer=SimpleNamespace(ack=lambda m: None), consumer_generation_id=1, producer=producer
    )
    opts = detector_options(SETTINGS, allowed_lateness=timedelta(hours=1), **options)
    detector = Detector(app, KafkaConfig("127.0.0.1:1"), opts, AUDITOR, lambda raw: raw, None)  # type: ignore[arg-type]
    detector.dossier_table = detector.partition_table = table
    detector.core.partition(0)
    detector.core.partition(1)
    detector.ready = True  # assigned and recovered
    # What the consumer's fetches saw of the partitions' ends: by default all read (nothing to read).
    detector._highwaters = lambda: {p: s.next_offset for p, s in detector.core.partitions.items()}  # type: ignore[method-assign]
    return detector, producer


def _ticks(detector: Detector, start: float, stop: float, step: float = 1.0, busy: bool = False) -> None:
    """The supervisor's idle ticks from ``start`` to ``stop`` (seconds), every ``step``; with ``busy``,
    partition 0 receives an event (an hour later each time) before each tick: it stays active."""
    now = start
    while now <= stop:
        if busy:
            state = detector.core.partitions[0]
            hours = (state.watermark.max_event_us or 0) // 3_600_000_000 + 1
            _feed(detector, 0, ev("withdrawn", from_us(hours * 3_600_000_000).astimezone(VN_TZ).strftime(
                "%Y-%m-%d %H:%M"), dossier=f"BUSY-{hours}"))  # fmt: skip
        asyncio.run(detector._tick_idle(now=now))
        now += step


def _feed(detector: Detector, partition: int, *events: AnyEvent) -> None:
    state = detector.core.partitions[partition]
    first = state.next_offset or 0
    messages = [
        SimpleNamespace(
            topic=SETTINGS.topic_events, partition=partition, offset=first + i, key=None,
            value=encode_event(e), generation_id=1,
        )
        for i, e in enumerate(events)
    ]  # fmt: skip
    asyncio.run(detector.process(messages))


def _opened(producer: _Producer, dossier: str) -> list[str]:
    """The rules opened for ``dossier`` in the violations topic so far."""
    out = []
    for topic, _, value in producer.sent:
        if topic == SETTINGS.topic_violations:
            message = ViolationMessage.decode(value)
            if message.state == "open" and message.violation["dossier_id"] == dossier:
                out.append(str(message.violation["rule_id"]))
    return out


def _clock(when: str, n: int) -> AnyEvent:
    """An unrelated dossier's event on the busy partition: it only moves that partition's event time."""
    return ev("withdrawn", when, dossier=f"BUSY{n}")


def test_a_quiet_partition_s_dossier_becomes_late_after_the_idleness_timeout_not_before() -> None:
    detector, producer = _detector(idle_partition_timeout=TIMEOUT)
    # Partition 1: one dossier, due Thursday 17:00, then nothing more for the rest of the test.
    _feed(detector, 1, received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="QUIET"))
    _feed(detector, 0, _clock("2025-11-03 10:00", 0))
    asyncio.run(detector._tick_idle(now=0.0))  # both seen for the first time

    # Partition 0 keeps receiving events, its event time goes well past the quiet dossier's due date.
    for n, (now, when) in enumerate(
        [(5.0, "2025-11-05 09:00"), (15.0, "2025-11-07 09:00"), (25.0, "2025-11-10 09:00")], start=1
    ):
        _feed(detector, 0, _clock(when, n))
        asyncio.run(detector._tick_idle(now=now))
    asyncio.run(detector._tick_idle(now=TIMEOUT - 0.1))
    quiet = detector.core.partitions[1]
    assert _opened(producer, "QUIET") == []  # not before the timeout: partition 1 waits for its events
    assert quiet.watermark.value == to_us(ev("withdrawn", "2025-11-03 08:00").occurred_at)

    asyncio.run(detector._tick_idle(now=TIMEOUT + 0.1))  # partition 1 idle; partition 0 active (t=25)
    assert _opened(producer, "QUIET") == ["LATE_NO_APOLOGY"]
    assert quiet.watermark.value == detector.core.partitions[0].watermark.value  # it followed partition 0
    meta = [v for t, k, v in producer.sent if t == "changelog" and k == b"1"]
    assert meta and b'"watermark_us":%d' % quiet.watermark.value in meta[-1]  # persisted

    # An event on partition 1 makes it active again: it no longer follows, its own events move it.
    _feed(detector, 1, _clock("2025-11-10 10:00", 9))
    asyncio.run(detector._tick_idle(now=TIMEOUT + 1))
    assert not detector._memory().idleness.idle(1, TIMEOUT + 1)  # type: ignore[union-attr]


def test_nothing_follows_without_an_idleness_timeout_or_while_every_partition_is_idle() -> None:
    detector, producer = _detector(idle_partition_timeout=None)
    _feed(detector, 1, received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="QUIET"))
    _feed(detector, 0, _clock("2025-11-10 09:00", 1))
    asyncio.run(detector._tick_idle(now=0.0))
    asyncio.run(detector._tick_idle(now=10_000.0))
    assert _opened(producer, "QUIET") == []

    detector, producer = _detector(idle_partition_timeout=TIMEOUT)
    _feed(detector, 1, received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="QUIET"))
    _feed(detector, 0, _clock("2025-11-10 09:00", 1))
    _ticks(detector, 0.0, 2 * TIMEOUT)  # both idle: no active partition to follow
    assert detector._memory().idleness.idle(0, 2 * TIMEOUT)  # type: ignore[union-attr]
    assert _opened(producer, "QUIET") == []


def test_a_partition_with_something_left_to_read_is_not_idle() -> None:
    """A worker that stalled (here: its partition 1 has a backlog the consumer has fetched the end of, but
    the state has not reached) makes no progress there; that is not idleness, and the partition must not
    jump forward (its backlog would arrive late)."""
    detector, producer = _detector(idle_partition_timeout=TIMEOUT)
    _feed(detector, 1, received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="QUIET"))
    _feed(detector, 0, _clock("2025-11-03 10:00", 0))
    backlog = {0: None, 1: 5}  # partition 1's log ends at 5, its state at 1
    detector._highwaters = lambda: {0: detector.core.partitions[0].next_offset, 1: backlog[1]}  # type: ignore[method-assign]
    _ticks(detector, 0.0, 3 * TIMEOUT, step=5.0)
    for n, when in enumerate(["2025-11-07 09:00", "2025-11-10 09:00"], start=1):
        _feed(detector, 0, _clock(when, n))
        _ticks(detector, 3 * TIMEOUT + n, 3 * TIMEOUT + n)
    assert _opened(producer, "QUIET") == []  # partition 1 never counted as idle
    backlog[1] = 1  # the backlog was read elsewhere (here: it turns out empty): idle after the timeout
    _ticks(detector, 3 * TIMEOUT + 3, 4 * TIMEOUT + 4, step=5.0, busy=True)
    assert _opened(producer, "QUIET") == ["LATE_NO_APOLOGY"]


def test_after_a_stall_or_a_rebalance_the_idle_clocks_start_over() -> None:
    detector, producer = _detector(idle_partition_timeout=TIMEOUT)
    _feed(detector, 1, received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="QUIET"))
    _feed(detector, 0, _clock("2025-11-03 10:00", 0))
    asyncio.run(detector._tick_idle(now=0.0))
    _feed(detector, 0, _clock("2025-11-10 09:00", 1))
    asyncio.run(detector._tick_idle(now=TIMEOUT + 5))  # a tick after a stall: nothing was seen meanwhile
    assert _opened(producer, "QUIET") == []
    _ticks(detector, TIMEOUT + 6, 2 * TIMEOUT + 4, busy=True)  # quiet since the stall, not for the timeout
    assert _opened(producer, "QUIET") == []
    detector._restart_idle_clocks()  # what a revocation / new assignment / unsettled poll does
    _ticks(detector, 2 * TIMEOUT + 5, 3 * TIMEOUT + 4, busy=True)
    assert _opened(producer, "QUIET") == []
    _ticks(detector, 3 * TIMEOUT + 5, 3 * TIMEOUT + 6, busy=True)
    assert _opened(producer, "QUIET") == ["LATE_NO_APOLOGY"]


def test_in_live_mode_the_wall_clock_moves_a_quiet_partition() -> None:
    detector, producer = _detector(live=True, idle_partition_timeout=None)
    _feed(detector, 1, received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="QUIET"))
    assert _opened(producer, "QUIET") == ["LATE_NO_APOLOGY"]  # the batch's own floor: today is past the due
    detector, producer = _detector(live=True, idle_partition_timeout=None)
    detector.core.apply(1, [(e, encode_event(e)) for e in [received("2025-11-03 09:00", "2025-11-06 17:00",
                        docs=["A"], dossier="QUIET")]])  # fmt: skip
    asyncio.run(detector._tick_live())  # a poll of the supervisor, no event anywhere
    assert _opened(producer, "QUIET") == ["LATE_NO_APOLOGY"]


# --- the pure rule ----------------------------------------------------------------------------------------

_wm = st.one_of(st.none(), st.integers(min_value=0, max_value=10**12))
_marks = st.dictionaries(st.integers(min_value=0, max_value=7), _wm, max_size=8)


@given(_marks, st.sets(st.integers(min_value=0, max_value=9)))
def test_an_idle_partition_follows_the_slowest_active_one_and_nothing_else_moves(
    watermarks: dict[int, int | None], idle: set[int]
) -> None:
    targets = idle_targets(watermarks, idle)
    active = [w for p, w in watermarks.items() if p not in idle]
    assert set(targets) <= idle & set(watermarks)  # only idle partitions of the worker move
    if not active or None in active:
        assert targets == {}  # no active partition, or one without a watermark yet: nothing to follow
        return
    floor = min(w for w in active if w is not None)
    assert set(targets.values()) <= {floor}  # never past any active partition's event time
    for p in idle & set(watermarks):
        w = watermarks[p]
        assert (p in targets) == (w is None or w < floor)  # forward only, never back


@given(st.lists(st.tuples(st.floats(min_value=0, max_value=5, allow_nan=False), st.booleans()), max_size=30))
def test_a_partition_is_idle_once_its_progress_has_not_changed_for_the_timeout(
    steps: list[tuple[float, bool]],
) -> None:
    idleness, now, progress, changed_at = Idleness(3.0), 0.0, 0, 0.0
    idleness.observe(0, progress, now)
    for dt, received_something in steps:
        now += dt
        if received_something:
            progress += 1
            changed_at = now
        idleness.observe(0, progress, now)
        assert idleness.idle(0, now) == (now - changed_at >= 3.0)
    idleness.retain([])
    assert not idleness.idle(0, now + 100)  # forgotten (revoked): its time starts over


@given(
    st.lists(
        st.tuples(st.floats(min_value=0, max_value=4, allow_nan=False), st.booleans(), st.booleans()),
        max_size=40,
    )
)
@example([(1.8317651076330974, False, False), (3.0, False, True), (3.0, False, True)])  # CI, 2026-12-06
def test_idle_means_caught_up_and_quiet_for_the_timeout_across_ticks_without_a_stall(
    steps: list[tuple[float, bool, bool]],
) -> None:
    """The rule with what the consumer knows: a partition is idle once it has been seen, at every tick for
    the timeout, with nothing left to read and no progress; a gap between ticks longer than half the
    timeout (a stall) starts the clock over."""
    timeout = 6.0
    idleness, now, progress, since = Idleness(timeout), 0.0, 0, 0.0
    idleness.tick(now)
    idleness.observe(0, progress, now, True)
    for dt, received_something, nothing_to_read in steps:
        before, now = now, now + dt
        idleness.tick(now)
        if received_something:
            progress += 1
        # The gap as the clock's readings give it: 4.83 - 1.83 can be 3.0000000000000004 for a dt of 3.0.
        if received_something or not nothing_to_read or now - before > timeout / 2:
            since = now
        idleness.observe(0, progress, now, nothing_to_read)
        assert idleness.idle(0, now) == (now - since >= timeout)
    idleness.clear()
    assert not idleness.idle(0, now + 100)


def test_caught_up_needs_a_known_end() -> None:
    assert caught_up(5, 5) and caught_up(6, 5) and caught_up(None, 0)
    assert not caught_up(4, 5) and not caught_up(None, 1) and not caught_up(5, None)


# --- end to end: the option, through the CLI, on a real broker ----------------------------------------------


def test_a_worker_publishes_a_quiet_partition_s_late_dossier_with_the_idleness_timeout(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """``worker detect --idle-partition-timeout 2`` (event time, no ``--live``): partition 1 holds one
    dossier and nothing more; partition 0 keeps receiving events past its due date. Its late violation is
    published while partition 1 receives nothing."""
    bootstrap = broker.bootstrap_servers
    ensure_topics(broker.kafka, platform_topics(SETTINGS))
    quiet = received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="QUIET")
    _send(bootstrap, 1, quiet)
    _send(bootstrap, 0, _clock("2025-11-03 10:00", 0))
    worker = subprocess.Popen(
        detect_cmd(bootstrap, "--allowed-lateness", "3600", "--idle-partition-timeout", "2"),
        env=detect_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline, n, found = time.monotonic() + 60, 0, False
        while not found and time.monotonic() < deadline and worker.poll() is None:
            n += 1  # partition 0's event time: a day more every step, past the due date from step 4 on
            _send(bootstrap, 0, _clock(f"2025-11-{3 + min(n, 20):02d} 12:00", n))
            time.sleep(0.5)
            opened = final_open_set(bootstrap, SETTINGS.topic_violations)
            found = any(key[0] == "QUIET" and key[1] == "LATE_NO_APOLOGY" for key in opened)
    finally:
        worker.terminate()
        _, err = worker.communicate(timeout=60)
    assert found, err.decode()[-3000:]


def _send(bootstrap: str, partition: int, event: AnyEvent) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(SETTINGS.topic_events, encode_event(event), event_key(event), partition=partition)
        producer.flush()
    finally:
        producer.close()
