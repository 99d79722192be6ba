"""Where a detector resumes reading after a rebalance (:mod:`streams.detector.resume`): never past what its
state holds, whatever offset the group has committed.

The end-to-end case is a commit that no Kafka broker would accept but tansu does: a worker the group has
already moved on from commits past what the new owner restored (CI, the chaos test: dossiers restored
without their first event, late violations for dossiers whose end event the state had lost). Here the
group's offsets are committed to the events topic's end from outside the group, after a first detector run
and a second slice of events; a detector that trusted the committed offsets skips the second slice.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.producer.message_accumulator import MessageAccumulator
from aiokafka.producer.sender import Sender
from aiokafka.structs import TopicPartition as ATP
from faust.tables.recovery import Recovery
from faust.types import TP
from hypothesis import given
from hypothesis import strategies as st

from bootstrap.platform import Platform, detector_options, platform_topics
from bootstrap.settings import load_settings
from schemas.events import AnyEvent
from streams.broker import EmbeddedBroker
from streams.detector.core import DetectorCore, StateError
from streams.detector.restore import restore_partitions
from streams.detector.resume import is_marker, marker_key, marker_value, read_marker, resume_offset
from streams.detector.transport import BatchingConsumer
from streams.detector.worker import Detector
from streams.kafka import KafkaConfig
from streams.messages import encode_event
from streams.topics import ensure_topics
from tests.builders import processed, received
from tests.streams.detector_support import (
    batch_open_set,
    committed_offsets,
    final_open_set,
    produce_events,
    province,
    run_detect,
    shuffled,
    true_end_offsets,
)

SETTINGS = load_settings()
GROUP = "dossier-audit-detector"
LATENESS = timedelta(hours=1)
AS_OF = datetime.fromisoformat("2025-11-03T00:00:00+07:00")

offsets = st.integers(min_value=0, max_value=2**40)


# --- the rule -----------------------------------------------------------------------------------------


@given(committed=st.none() | offsets, reached=st.none() | offsets.filter(bool))
def test_reading_resumes_at_the_committed_offset_or_earlier_and_never_past_the_state(
    committed: int | None, reached: int | None
) -> None:
    got = resume_offset(committed, reached)
    if reached is None:  # a state that vouches for nothing: the beginning
        assert got is None
    elif not committed:  # nothing committed: exactly where the state ends
        assert got == reached
    else:
        assert got == min(committed, reached)


@given(partition=st.integers(min_value=0, max_value=10_000), next_offset=offsets)
def test_a_marker_reads_back_as_written(partition: int, next_offset: int) -> None:
    key = marker_key(partition)
    assert is_marker(key)
    assert read_marker(key, marker_value(partition, next_offset)) == (partition, next_offset)


@given(dossier_id=st.text(min_size=1, max_size=64))
def test_no_dossier_id_is_taken_for_a_marker(dossier_id: str) -> None:
    """Any string the contract allows as a dossier id, control characters included."""
    assert not is_marker(dossier_id.encode())
    assert read_marker(dossier_id.encode(), b"0\n{}") is None


def test_a_dossier_named_like_a_marker_keeps_its_state() -> None:
    auditor = Platform(SETTINGS).auditor
    odd = "\x00progress:0"
    x1 = received("2025-09-01 09:00", "2025-09-10 17:00", dossier=odd, event_id="x1")
    stored = _state(DetectorCore(auditor, LATENESS), x1)
    stored[marker_key(0)] = marker_value(0, 3)
    ((state, _),) = restore_partitions(
        DetectorCore(auditor, LATENESS), SimpleNamespace(data=stored), SimpleNamespace(data={}), {0},
        lambda d, e: None,
    )  # fmt: skip
    assert set(state.dossiers) == {odd} and state.next_offset == 3


@pytest.mark.parametrize("value", [b"", b"3", b"3\n", b"x\n5", b"3\n-1", b"4\n5", b"3\n5\n6"])
def test_an_unreadable_marker_is_a_state_error(value: bytes) -> None:
    with pytest.raises(StateError, match="progress marker"):
        read_marker(marker_key(3), value)


# --- restore and seek ---------------------------------------------------------------------------------


def _state(core: DetectorCore, *events: AnyEvent) -> dict[bytes, bytes]:
    core.apply(0, [(e, encode_event(e)) for e in events])
    part = core.partitions[0]
    return {d.encode(): b"0\n" + s.encode(0) for d, s in part.dossiers.items()}


def test_a_restored_partition_reaches_as_far_as_its_marker_says() -> None:
    auditor = Platform(SETTINGS).auditor
    x1 = received("2025-09-01 09:00", "2025-09-10 17:00", dossier="X", event_id="x1")
    stored = _state(DetectorCore(auditor, LATENESS), x1)
    stored[marker_key(0)] = marker_value(0, 42)
    stored[marker_key(1)] = marker_value(1, 7)  # another partition's: not this one's business
    store = SimpleNamespace(data=stored)
    core = DetectorCore(auditor, LATENESS)
    unreadable: list[str] = []
    ((state, had),) = restore_partitions(
        core, store, SimpleNamespace(data={}), {0}, lambda d, e: unreadable.append(d)
    )
    assert had and set(state.dossiers) == {"X"} and state.next_offset == 42
    assert not unreadable and store.data == {}


def test_without_a_marker_the_state_vouches_for_nothing_and_a_refresh_keeps_the_memory_s_own() -> None:
    auditor = Platform(SETTINGS).auditor
    x1 = received("2025-09-01 09:00", "2025-09-10 17:00", dossier="X", event_id="x1")
    x2 = processed("2025-09-05 09:00", dossier="X", event_id="x2")
    core = DetectorCore(auditor, LATENESS)
    ((state, _),) = restore_partitions(
        core, SimpleNamespace(data=_state(DetectorCore(auditor, LATENESS), x1)),
        SimpleNamespace(data={}), {0}, lambda d, e: None,
    )  # fmt: skip
    assert state.next_offset is None  # a changelog from before markers: read the partition again
    state.next_offset = 9
    tail = _state(DetectorCore(auditor, LATENESS), x1, x2)
    ((refreshed, _),) = restore_partitions(
        core, SimpleNamespace(data=tail), SimpleNamespace(data={}), set(), lambda d, e: None, refresh={0}
    )
    assert refreshed.next_offset == 9
    tail[marker_key(0)] = marker_value(0, 15)
    ((refreshed, _),) = restore_partitions(
        core, SimpleNamespace(data=tail), SimpleNamespace(data={}), set(), lambda d, e: None, refresh={0}
    )
    assert refreshed.next_offset == 15  # the tail's: written by whoever held it since


class _Thread:
    def __init__(self, committed: dict[TP, int | None]) -> None:
        self.committed = committed
        self.rewound: list[TP] = []
        self.seeks: list[dict[TP, int]] = []
        self.commits: list[dict[TP, int]] = []

    async def seek_to_committed(self) -> dict[TP, int | None]:
        return dict(self.committed)

    async def seek_to_beginning(self, *tps: TP) -> None:
        self.rewound.extend(tps)

    async def seek_wait(self, partitions: dict[TP, int]) -> None:
        self.seeks.append(dict(partitions))

    async def commit(self, offsets: dict[TP, int]) -> bool:
        self.commits.append(dict(offsets))
        return True


def test_the_consumer_goes_back_to_where_each_state_ends_and_commits_it() -> None:
    ev = [TP("ev", p) for p in range(5)]
    committed = {ev[0]: 50, ev[1]: 50, ev[2]: 50, ev[3]: None, ev[4]: None, TP("ev-log", 0): 9}
    progress = {0: 50, 1: 20, 2: None, 3: None, 4: 12}
    consumer = BatchingConsumer.__new__(BatchingConsumer)
    thread = _Thread(committed)
    consumer._thread = thread  # type: ignore[assignment]
    consumer.app = SimpleNamespace(inlet_topic="ev", state_progress=lambda: progress)  # type: ignore[assignment]
    got = asyncio.run(consumer.seek_to_committed())
    back, again = thread.seeks
    assert back == {ev[1]: 20, ev[4]: 12}  # 4: never committed, the marker is exact
    assert thread.rewound == [ev[2], ev[3]]
    assert got == {ev[0]: 50, ev[1]: 20, ev[2]: 0, ev[3]: 0, ev[4]: 12, TP("ev-log", 0): 9}
    # Once the hand-over is open, every events partition is sought again: what was fetched in between (and
    # dropped) comes back (streams.detector.handover).
    assert again == {tp: got[tp] for tp in ev}
    # The group's progress no longer claims what the states lack (until-idle reads it): 1 and 2 went back.
    # 4, never committed, is committed at its marker: its state ends there, and with nothing left to read
    # there it was never committed, and until-idle waited for it for ever (review of 2026-12-06).
    assert thread.commits == [{ev[2]: 0, ev[1]: 20, ev[4]: 12}]


# --- a recovery that completes after the next assignment arrived ---------------------------------------


def _detector_after_recovery(
    pending: bool, stored: dict[bytes, bytes], round_generation: int = 7
) -> Detector:
    """A detector whose tables' recovery round (for ``round_generation``) just completed, while the app is
    in generation 7 with partitions {0, 1, 2}; ``pending``: a newer round waits to start."""
    signal = asyncio.Event()
    if pending:
        signal.set()
    recovery = SimpleNamespace(signal_recovery_start=signal, _generation_id=round_generation)
    app = SimpleNamespace(
        assignor=SimpleNamespace(assigned_actives=lambda: {TP(SETTINGS.topic_events, p) for p in (0, 1, 2)}),
        consumer_generation_id=7,
        tables=SimpleNamespace(recovery=recovery),
    )
    options = detector_options(SETTINGS)
    detector = Detector(app, KafkaConfig("127.0.0.1:1"), options, Platform(SETTINGS).auditor, bytes, None)  # type: ignore[arg-type]
    detector.dossier_table = SimpleNamespace(data=SimpleNamespace(data=dict(stored)))
    detector.partition_table = SimpleNamespace(data=SimpleNamespace(data={}))
    return detector


def test_a_recovery_overtaken_by_a_newer_assignment_leaves_the_state_to_that_one() -> None:
    """Faust calls the tables' recovery callbacks before it checks whether a newer assignment arrived
    meanwhile; the detector must not take the newer assignment's partitions (never read: empty) for ones it
    holds, or it would later judge their dossiers without their earlier events."""
    auditor = Platform(SETTINGS).auditor
    x1 = received("2025-09-01 09:00", "2025-09-10 17:00", dossier="X", event_id="x1")
    stored = _state(DetectorCore(auditor, LATENESS), x1)
    stored[marker_key(0)] = marker_value(0, 5)

    for stale in (
        _detector_after_recovery(True, stored),  # the newer round is signalled
        _detector_after_recovery(False, stored, round_generation=6),  # named, its round not yet signalled
    ):
        asyncio.run(stale.on_recovered())
        assert stale.core.partitions == {} and not stale.ready and stale.generation is None
        assert stale.dossier_table.data.data == stored  # kept for the recovery that follows

    current = _detector_after_recovery(False, stored)
    asyncio.run(current.on_recovered())
    assert sorted(current.core.partitions) == [0, 1, 2] and current.ready and current.generation == 7
    assert current.state_progress() == {0: 5, 1: None, 2: None}  # 1 and 2 resume at their beginning


def test_faust_recovery_signals_a_newer_assignment_as_the_detector_expects() -> None:
    """The contract :func:`streams.detector.app_internals.recovery_pending` reads: a new assignment sets
    ``signal_recovery_start``, a round clears it when it begins, and the tables' callbacks run before the
    round checks the generation."""
    assert "self.signal_recovery_start.set()" in inspect.getsource(Recovery.on_rebalance)
    assert "self.signal_recovery_start.clear()" in inspect.getsource(
        Recovery.__dict__["_restart_recovery"].fun
    )
    assert "self._generation_id = generation_id" in inspect.getsource(Recovery.on_rebalance)
    assert "generation_id = self._generation_id" in inspect.getsource(
        Recovery.__dict__["_restart_recovery"].fun
    )
    completed = inspect.getsource(Recovery.on_recovery_completed)
    assert completed.index("table.on_recovery_completed(") < completed.index(
        "consumer_generation_id != generation_id"
    )


def test_aiokafka_keeps_the_records_of_one_partition_in_order() -> None:
    """A marker vouches for the states before it in its changelog partition only if the producer never
    reorders one partition's records: aiokafka sends one batch per partition at a time (muted partitions)
    and puts a batch to retry back at the head of its queue."""
    assert "muted_partitions" in inspect.getsource(Sender)
    assert "appendleft(batch)" in inspect.getsource(MessageAccumulator.reenqueue)


# --- a record the broker refuses ------------------------------------------------------------------------


class _RefusingProducer:
    """Faust's producer as the detector sees it; refuses every record sent to ``refuse`` (at delivery), or
    raises at once with ``at_send``."""

    def __init__(self, refuse: str, at_send: bool = False) -> None:
        self.refuse, self.at_send = refuse, at_send
        self.sent: list[tuple[str, bytes | None]] = []

    async def send(self, topic: str, key: bytes | None, value: bytes, *_: object) -> asyncio.Future[None]:
        if topic == self.refuse and self.at_send:
            raise RuntimeError("MessageSizeTooLargeError (for the test)")
        self.sent.append((topic, key))
        delivered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if topic == self.refuse:
            delivered.set_exception(RuntimeError("NotEnoughReplicas (for the test)"))
        else:
            delivered.set_result(None)
        return delivered


@pytest.mark.parametrize("at_send", [False, True], ids=["refused-at-delivery", "refused-at-send"])
def test_a_refused_record_acknowledges_nothing_and_stops_the_worker(at_send: bool) -> None:
    auditor = Platform(SETTINGS).auditor
    producer = _RefusingProducer("changelog", at_send)
    acked: list[object] = []
    table = SimpleNamespace(changelog_topic=SimpleNamespace(get_topic_name=lambda: "changelog"))
    app = SimpleNamespace(
        consumer=SimpleNamespace(ack=acked.append), consumer_generation_id=1, producer=producer
    )
    detector = Detector(app, KafkaConfig("127.0.0.1:1"), detector_options(SETTINGS), auditor, bytes, None)  # type: ignore[arg-type]
    detector.dossier_table = detector.partition_table = table
    stopped: list[bool] = []
    detector.stop = lambda: stopped.append(True)  # type: ignore[method-assign]
    detector.core.partition(0)
    detector.ready = True  # assigned and recovered
    x1 = received("2025-09-01 09:00", "2025-09-10 17:00", dossier="X", event_id="x1")
    message = SimpleNamespace(
        topic=SETTINGS.topic_events, partition=0, offset=0, key=b"X", value=encode_event(x1), generation_id=1
    )
    with pytest.raises(RuntimeError, match="for the test"):
        asyncio.run(detector.process([message]))
    assert acked == [] and detector.failed and detector.exit_code == 1 and stopped
    sent_before = list(producer.sent)
    asyncio.run(detector.process([SimpleNamespace(**{**vars(message), "offset": 1})]))  # Faust restarted it
    assert acked == [] and producer.sent == sent_before  # nothing more taken, sent or acknowledged


# --- end to end: a commit past the restored state -------------------------------------------------------


class _FaustNamedAssignor(RoundRobinPartitionAssignor):  # type: ignore[misc]
    name = "faust"


def _commit_to_the_end(bootstrap: str, topic: str) -> dict[int, int]:
    """Join the detector's group as a plain consumer and commit every partition of ``topic`` to its true end
    (what a worker the group had already left amounts to on a broker that does not fence its commit)."""
    ends = {p: true for p, (_, true) in true_end_offsets(bootstrap, topic).items()}

    async def commit() -> None:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False,
            rebalance_timeout_ms=2000, session_timeout_ms=6000, heartbeat_interval_ms=500,
            partition_assignment_strategy=(_FaustNamedAssignor,),  # the group's protocol stays Faust's
        )  # fmt: skip
        await consumer.start()
        try:
            deadline = time.monotonic() + 60
            while len(consumer.assignment()) < len(ends):
                assert time.monotonic() < deadline, "the plain consumer never got the partitions"
                await consumer.getmany(timeout_ms=200)
            await consumer.commit({ATP(topic, p): end for p, end in ends.items()})
        finally:
            await consumer.stop()

    asyncio.run(commit())
    return ends


@pytest.mark.slow(40)
def test_a_detector_whose_group_committed_past_its_state_reads_the_gap_again(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    bootstrap = broker.bootstrap_servers
    topic = SETTINGS.topic_events
    ensure_topics(broker.kafka, platform_topics(SETTINGS))
    events = province(600, date(2025, 9, 1), date(2025, 10, 27), seed=23)
    stream = shuffled(events, LATENESS, seed=23, duplicates=0.0)
    half = len(stream) // 2

    produce_events(bootstrap, topic, stream[:half])
    code, first, stderr = run_detect(
        bootstrap, tmp_path, "--until-idle", "--allowed-lateness", "3600", timeout=180
    )
    assert code == 0, stderr[-3000:]
    assert first["events"] == half

    produce_events(bootstrap, topic, stream[half:])
    ends = _commit_to_the_end(bootstrap, topic)
    assert committed_offsets(bootstrap, GROUP, topic) == ends  # the broker took it

    code, second, stderr = run_detect(
        bootstrap, tmp_path, "--until-idle", "--as-of", AS_OF.isoformat(), "--allowed-lateness", "3600",
        timeout=180,
    )  # fmt: skip
    assert code == 0, stderr[-3000:]
    assert second["events"] == len(stream) - half  # the gap, read again from where the state ended
    want = batch_open_set(events, Platform(SETTINGS).auditor, AS_OF)
    assert len(want) > 50
    assert final_open_set(bootstrap, SETTINGS.topic_violations) == want
