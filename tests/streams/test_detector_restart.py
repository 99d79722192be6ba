"""Restart test (issue 19): one detector consumes a province and is stopped cleanly (SIGTERM); a second run
with ``--until-idle --as-of`` consumes nothing new, so every dossier's state comes from the changelog. The
restored state must hold every event the first run applied, and the published open set must equal the
batch audit's exactly.

Deterministic, not lucky: before the restart the test checks that the broker's reported ends of the
``dossiers`` changelog (tansu: the last record batch's base offset + 1) stop short of the true ends, and
that a recovery stopping there would miss events. A recovery that trusts the reported end fails the event
count every time; on a correct broker the precondition would not hold (this test is about tansu).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
import subprocess
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from aiokafka import TopicPartition
from faust.tables.recovery import Recovery
from faust.types import TP

from bootstrap.platform import Platform, detector_options, platform_topics
from bootstrap.settings import load_settings
from streams.broker import EmbeddedBroker
from streams.detector.core import DetectorCore
from streams.detector.faust_compat import check_faust
from streams.detector.restore import restore_partitions
from streams.detector.resume import is_marker
from streams.detector.transport import BatchingConsumer
from streams.detector.worker import Detector
from streams.kafka import KafkaConfig
from streams.messages import encode_event
from streams.topics import ensure_topics
from tests.builders import processed, received
from tests.streams.detector_support import (
    batch_open_set,
    committed_offsets,
    detect_cmd,
    detect_env,
    final_open_set,
    produce_events,
    province,
    read_topic,
    run_detect,
    shuffled,
    true_end_offsets,
)

SETTINGS = load_settings()
GROUP = "dossier-audit-detector"
DOSSIERS_CHANGELOG = f"{GROUP}-dossiers-changelog"
LATENESS = timedelta(hours=1)
AS_OF = datetime.fromisoformat("2025-11-03T00:00:00+07:00")


# --- the Faust contract the override relies on (fails loudly on an incompatible Faust) ------------------


def test_the_installed_faust_is_a_supported_one() -> None:
    check_faust()
    for version in ("0.15.2", "0.16.0", "1.0", "garbage"):
        with pytest.raises(RuntimeError, match="not supported by the detector"):
            check_faust(version)
    check_faust("0.15.9")


def test_faust_recovery_reads_each_changelog_to_the_consumer_highwaters() -> None:
    """Faust's recovery takes ``consumer.highwaters()`` - 1 as the last offset to read: the override of
    ``BatchingConsumer.highwaters`` only fixes recovery while that holds."""
    assert "consumer.highwaters(" in inspect.getsource(Recovery._build_highwaters)
    tp = TP("t-changelog", 3)

    class _Consumer:
        async def highwaters(self, *tps: TP) -> dict[TP, int]:
            return dict.fromkeys(tps, 70)

    recovery = SimpleNamespace(log=logging.getLogger("test"), _highwater_logtable=lambda *a, **k: "")
    destination: dict[TP, int] = {}
    asyncio.run(Recovery._build_highwaters(recovery, _Consumer(), {tp}, destination, "active"))  # type: ignore[arg-type]
    assert destination == {tp: 69}  # reads up to and including offset 69


def test_the_detector_consumer_answers_highwaters_with_the_true_ends() -> None:
    asked: list[list[TopicPartition]] = []

    async def true_ends(tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        asked.append(list(tps))
        return {t: 70 + t.partition for t in tps}

    consumer = SimpleNamespace(app=SimpleNamespace(end_offsets=true_ends, in_transaction=False))
    tps = (TP("c", 0), TP("c", 1))
    got = asyncio.run(BatchingConsumer.highwaters(consumer, *tps))  # type: ignore[arg-type]
    assert got == {TP("c", 0): 70, TP("c", 1): 71}
    assert asked == [[TopicPartition("c", 0), TopicPartition("c", 1)]]


def test_partitions_never_committed_are_read_again_from_their_beginning() -> None:
    """Faust's seek back "to the committed offsets" after a rebalance must also rewind the events topic's
    partitions that have none (aiokafka leaves those where the dropped records left them)."""

    class _Thread:
        def __init__(self) -> None:
            self.rewound: list[TP] = []

        async def seek_to_committed(self) -> dict[TP, int | None]:
            return {TP("ev", 0): None, TP("ev", 1): 0, TP("ev", 2): 7, TP("ev-changelog", 0): None}

        async def seek_to_beginning(self, *tps: TP) -> None:
            self.rewound.extend(tps)

        async def seek_wait(self, partitions: dict[TP, int]) -> None:
            self.again = dict(partitions)  # once the hand-over is open (streams.detector.handover)

    consumer = BatchingConsumer.__new__(BatchingConsumer)  # only the two attributes the method reads
    thread = _Thread()
    consumer._thread = thread  # type: ignore[assignment]
    consumer.app = SimpleNamespace(inlet_topic="ev")  # type: ignore[assignment]
    committed = asyncio.run(consumer.seek_to_committed())
    assert committed[TP("ev", 2)] == 7
    assert thread.rewound == [TP("ev", 0), TP("ev", 1)]  # the changelog's are the recovery's business
    assert thread.again == {TP("ev", 0): 0, TP("ev", 1): 0, TP("ev", 2): 7}


def test_a_partition_owned_by_another_worker_meanwhile_is_refreshed_from_the_changelog_tail() -> None:
    """A worker that missed a generation gets a partition back: what the changelog's tail holds (written by
    the worker that owned it meanwhile) replaces its memory dossier by dossier; the rest is kept."""
    auditor = Platform(SETTINGS).auditor
    x1 = received("2025-09-01 09:00", "2025-09-10 17:00", dossier="X", event_id="x1")
    y1 = received("2025-09-01 10:00", "2025-09-10 17:00", dossier="Y", event_id="y1")
    x2 = processed("2025-09-05 09:00", dossier="X", event_id="x2")
    z1 = received("2025-09-05 10:00", "2025-09-15 17:00", dossier="Z", event_id="z1")
    mine, theirs = DetectorCore(auditor, LATENESS), DetectorCore(auditor, LATENESS)
    mine.apply(0, [(e, encode_event(e)) for e in (x1, y1)])
    theirs.apply(0, [(e, encode_event(e)) for e in (x1, x2, z1)])  # the tail: X changed, Z new
    state = theirs.partitions[0]
    dossiers = SimpleNamespace(data={d.encode(): b"0\n" + state.dossiers[d].encode(0) for d in ("X", "Z")})
    metas = SimpleNamespace(data={b"0": DetectorCore.encode_partition(state)})

    ((got, stored),) = restore_partitions(mine, dossiers, metas, set(), lambda d, e: None, refresh={0})

    assert stored and got is mine.partitions[0]
    assert {d: [e.event_id for e in s.events()] for d, s in got.dossiers.items()} == {
        "X": ["x1", "x2"], "Y": ["y1"], "Z": ["z1"],
    }  # fmt: skip
    assert got.watermark.value == state.watermark.value  # the later of the two
    assert dossiers.data == {} and metas.data == {}


def _never_assigned(join_timeout: float | None) -> Detector:
    app = SimpleNamespace(rebalancing=True, consumer=SimpleNamespace(_thread=None), consumer_generation_id=0)
    options = detector_options(SETTINGS, until_idle=True, poll_seconds=0.01, join_timeout=join_timeout)
    return Detector(app, KafkaConfig("127.0.0.1:1"), options, SimpleNamespace(), bytes, None)  # type: ignore[arg-type]


def _watch(detector: Detector, seconds: float) -> None:
    """Run the membership watchdog on an event loop where nothing else runs (as while Faust's consumer is
    stuck joining and none of the app's tasks has started) for ``seconds`` or until it gives up."""

    async def main() -> None:
        detector.watch_membership(asyncio.get_running_loop(), every=0.01)
        deadline = time.monotonic() + seconds
        while detector.exit_code != 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    asyncio.run(main())


def test_a_detector_kept_out_of_its_group_stops_with_exit_2_and_says_what_to_do(caplog: Any) -> None:
    detector = _never_assigned(0.1)
    _watch(detector, 5)
    assert detector.exit_code == 2
    (line,) = [r.getMessage() for r in caplog.records if "could not join consumer group" in r.getMessage()]
    assert "'dossier-audit-detector'" in line and "--group-id" in line


def test_a_detector_in_its_group_or_without_a_deadline_keeps_waiting() -> None:
    for detector in (_never_assigned(None), _never_assigned(0.1)):
        if detector.options.join_timeout is not None:
            detector.membership.joined()  # assigned (the tables may still be recovering: not stuck)
        _watch(detector, 0.5)
        assert detector.exit_code == 0


def test_the_watchdog_runs_on_the_loop_not_as_a_faust_task() -> None:
    """Faust starts app tasks only after its consumer has started; the watchdog must not wait for that."""
    import inspect

    from streams.detector import app as app_module

    source = inspect.getsource(app_module.run_detector)
    assert "loop.call_soon(detector.watch_membership, loop)" in source
    assert "watch_membership" not in inspect.getsource(app_module.make_app)


# --- the restart --------------------------------------------------------------------------------------


def _events_in_latest_states(records: Iterable[Any], ends: dict[int, int]) -> tuple[int, int]:
    """(dossiers, events) of the newest state of each dossier among the records below ``ends``."""
    latest: dict[bytes, bytes] = {}
    for record in records:
        if record.offset < ends[record.partition] and record.value and not is_marker(record.key):
            latest[record.key] = record.value
    events = sum(len(orjson.loads(value.partition(b"\n")[2])["e"]) for value in latest.values())
    return len(latest), events


def _wait_committed(bootstrap: str, topic: str, timeout: float) -> None:
    """Until the detector's group has committed every partition of ``topic`` to its true end."""
    ends = {p: true for p, (_, true) in true_end_offsets(bootstrap, topic).items()}
    deadline = time.monotonic() + timeout
    while True:
        committed = committed_offsets(bootstrap, GROUP, topic)
        if all((committed.get(p) or 0) >= end for p, end in ends.items()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the detector did not commit {ends} within {timeout} s: {committed}")
        time.sleep(0.5)


@pytest.mark.slow(33)
def test_a_restart_after_a_clean_stop_restores_every_event_and_equals_the_batch_audit(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    bootstrap = broker.bootstrap_servers
    ensure_topics(broker.kafka, platform_topics(SETTINGS))
    events = province(1500, date(2025, 9, 1), date(2025, 10, 27), seed=19)
    stream = shuffled(events, LATENESS, seed=19, duplicates=0.02)

    # The first run: continuous (no --until-idle), fed in slices, each committed before the next is sent (a
    # commit follows a flush of the changelog writes: each slice adds record batches to every partition);
    # stopped with SIGTERM once it has committed everything.
    first = subprocess.Popen(
        detect_cmd(bootstrap, "--allowed-lateness", "3600"), env=detect_env(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    size = len(stream) // 5 + 1
    try:
        for i in range(0, len(stream), size):
            produce_events(bootstrap, SETTINGS.topic_events, stream[i : i + size])
            _wait_committed(bootstrap, SETTINGS.topic_events, timeout=120)
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 0, err.decode()[-3000:]
    assert orjson.loads(out.decode().strip().splitlines()[-1])["events"] == len(stream)

    # The precondition that makes this test deterministic: the reported ends are short of the true ends
    # on every partition holding more than one record batch, and stopping there loses events.
    ends = true_end_offsets(bootstrap, DOSSIERS_CHANGELOG)
    assert all(reported > 1 for reported, _ in ends.values()), ends  # several record batches each
    assert any(reported < true for reported, true in ends.values()), ends
    changelog = read_topic(bootstrap, DOSSIERS_CHANGELOG)
    dossiers, stored_events = _events_in_latest_states(changelog, {p: t for p, (_, t) in ends.items()})
    _, short_events = _events_in_latest_states(changelog, {p: r for p, (r, _) in ends.items()})
    assert (dossiers, stored_events) == (len({e.dossier_id for e in events}), len(events))
    assert short_events < stored_events  # what a recovery stopping at the reported ends would hold

    code, stats, stderr = run_detect(
        bootstrap, tmp_path, "--until-idle", "--as-of", AS_OF.isoformat(), "--allowed-lateness", "3600",
        timeout=180,
    )  # fmt: skip
    assert code == 0, stderr[-3000:]
    assert stats["events"] == 0  # nothing new: everything below comes from the changelog
    assert (stats["restored_dossiers"], stats["restored_events"]) == (dossiers, stored_events)
    assert stats["finalized_at"] == AS_OF.astimezone(UTC).isoformat()
    want = batch_open_set(events, Platform(SETTINGS).auditor, AS_OF)
    assert len(want) > 100
    assert final_open_set(bootstrap, SETTINGS.topic_violations) == want
