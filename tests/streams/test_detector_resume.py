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
    if got is None:  # the beginning: nothing committed, or a state that vouches for nothing
        assert not committed or reached is None
    else:
        assert reached is not None and committed
        assert got <= committed and got <= reached
        assert got in (committed, reached)


@given(partition=st.integers(min_value=0, max_value=10_000), next_offset=offsets)
def test_a_marker_reads_back_as_written(partition: int, next_offset: int) -> None:
    key = marker_key(partition)
    assert is_marker(key)
    assert read_marker(key, marker_value(partition, next_offset)) == (partition, next_offset)


@given(dossier_id=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_no_dossier_id_of_the_contract_is_taken_for_a_marker(dossier_id: str) -> None:
    assert not is_marker(dossier_id.encode())
    assert read_marker(dossier_id.encode(), b"0\n{}") is None


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
        self.sought: dict[TP, int] = {}

    async def seek_to_committed(self) -> dict[TP, int | None]:
        return dict(self.committed)

    async def seek_to_beginning(self, *tps: TP) -> None:
        self.rewound.extend(tps)

    async def seek_wait(self, partitions: dict[TP, int]) -> None:
        self.sought.update(partitions)


def test_the_consumer_goes_back_to_where_each_state_ends() -> None:
    committed = {TP("ev", 0): 50, TP("ev", 1): 50, TP("ev", 2): 50, TP("ev", 3): None, TP("ev-log", 0): 9}
    progress = {0: 50, 1: 20, 2: None, 3: None}
    consumer = BatchingConsumer.__new__(BatchingConsumer)
    thread = _Thread(committed)
    consumer._thread = thread  # type: ignore[assignment]
    consumer.app = SimpleNamespace(inlet_topic="ev", state_progress=lambda: progress)  # type: ignore[assignment]
    got = asyncio.run(consumer.seek_to_committed())
    assert thread.sought == {TP("ev", 1): 20}
    assert thread.rewound == [TP("ev", 2), TP("ev", 3)]
    assert got == {TP("ev", 0): 50, TP("ev", 1): 20, TP("ev", 2): 0, TP("ev", 3): 0, TP("ev-log", 0): 9}


# --- a recovery that completes after the next assignment arrived ---------------------------------------


def _detector_after_recovery(pending: bool, stored: dict[bytes, bytes]) -> Detector:
    """A detector whose tables' recovery just completed for partitions {0, 1}, while the assignor already
    names {0, 1, 2}; ``pending``: a recovery round for that newer assignment waits to start."""
    signal = asyncio.Event()
    if pending:
        signal.set()
    app = SimpleNamespace(
        assignor=SimpleNamespace(assigned_actives=lambda: {TP(SETTINGS.topic_events, p) for p in (0, 1, 2)}),
        consumer_generation_id=7,
        tables=SimpleNamespace(recovery=SimpleNamespace(signal_recovery_start=signal)),
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

    stale = _detector_after_recovery(True, stored)
    asyncio.run(stale.on_recovered())
    assert stale.core.partitions == {} and not stale.ready and stale.generation is None
    assert stale.dossier_table.data.data == stored  # kept for the recovery that follows

    current = _detector_after_recovery(False, stored)
    asyncio.run(current.on_recovered())
    assert sorted(current.core.partitions) == [0, 1, 2] and current.ready and current.generation == 7
    assert current.state_progress() == {0: 5, 1: None, 2: None}  # 1 and 2 resume at their beginning


def test_faust_recovery_signals_a_newer_assignment_as_the_detector_expects() -> None:
    """The contract :func:`streams.detector.transport.recovery_pending` reads: a new assignment sets
    ``signal_recovery_start``, a round clears it when it begins, and the tables' callbacks run before the
    round checks the generation."""
    assert "self.signal_recovery_start.set()" in inspect.getsource(Recovery.on_rebalance)
    assert "self.signal_recovery_start.clear()" in inspect.getsource(
        Recovery.__dict__["_restart_recovery"].fun
    )
    completed = inspect.getsource(Recovery.on_recovery_completed)
    assert completed.index("table.on_recovery_completed(") < completed.index(
        "consumer_generation_id != generation_id"
    )


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
