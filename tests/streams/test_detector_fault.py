"""Fault tests: two detector workers on 8 partitions, one killed hard. The survivor takes its partitions
over (their state recovered from the tables' changelogs) and the final open set is still exactly the batch
audit's.

The first test kills mid-stream; whether its recovery reads past the broker's reported end there depends
on batch sizes. The second is deterministic: it checks before the kill that the killed worker's changelog
partitions hold records past the end tansu reports (the last batch's base offset + 1) that a recovery
stopping there would miss, and then that the survivor restored every one of them.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from bootstrap.platform import Platform, platform_topics
from bootstrap.settings import load_settings
from streams.broker import EmbeddedBroker
from streams.detector.resume import is_marker
from streams.topics import ensure_topics
from tests.streams.detector_support import (
    LoggedWorker,
    batch_open_set,
    committed_offsets,
    final_open_set,
    produce_events,
    province,
    read_topic,
    run_detect,
    shuffled,
    true_end_offsets,
)

SETTINGS = load_settings()
#: The detector's per-partition state (watermarks), one record per partition it has processed.
PARTITIONS_CHANGELOG = "dossier-audit-detector-partitions-changelog"
#: The detector's per-dossier state: one record per change of a dossier, the newest wins.
DOSSIERS_CHANGELOG = "dossier-audit-detector-dossiers-changelog"


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.slow(28)
def test_a_worker_killed_mid_stream_is_replaced_by_the_survivor(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    ensure_topics(broker.kafka, platform_topics(SETTINGS))
    lateness = timedelta(hours=1)
    events = province(400, date(2025, 9, 1), date(2025, 9, 22), seed=9)
    stream = shuffled(events, lateness, seed=4, duplicates=0.05)
    as_of = datetime(2025, 9, 25, tzinfo=UTC)
    args = ("--until-idle", "--as-of", as_of.isoformat(), "--allowed-lateness", "3600")
    head, tail = stream[: len(stream) // 3], stream[len(stream) // 3 :]
    produce_events(broker.bootstrap_servers, SETTINGS.topic_events, head)

    a = LoggedWorker(broker.bootstrap_servers, tmp_path / "a", *args)
    b = LoggedWorker(broker.bootstrap_servers, tmp_path / "b", *args)
    try:
        # Both in the group, four partitions each (the second join moves half of the first's to it).
        _wait(lambda: len(a.assignment() or []) == 4 and len(b.assignment() or []) == 4, 45, "a 4/4 split")
        assert sorted((a.assignment() or []) + (b.assignment() or [])) == list(range(8))

        # The survivor must have the dead worker's state to restore: wait until the worker to be killed has
        # written its partitions' state to the changelog (under load that takes a while after the join).
        doomed = set(a.assignment() or [])
        _wait(
            lambda: (
                doomed <= {r.partition for r in read_topic(broker.bootstrap_servers, PARTITIONS_CHANGELOG)}
            ),
            90,
            "the first worker's state in the changelog",
        )

        def produce_slowly() -> None:
            for i in range(0, len(tail), 400):
                produce_events(broker.bootstrap_servers, SETTINGS.topic_events, tail[i : i + 400])
                time.sleep(0.2)

        producer = threading.Thread(target=produce_slowly)
        producer.start()
        time.sleep(0.5)
        a.proc.kill()  # SIGKILL: no goodbye to the group, changelog and offsets as they were
        producer.join()

        # Not communicate(): it would read stderr too, taking log lines from under the reader thread.
        b.proc.wait(timeout=60)
        assert b.proc.stdout is not None
        out = b.proc.stdout.read()  # the stats line (small: it cannot fill the pipe before the exit)
        b._reader.join(5)
    finally:
        a.kill()
        b.kill()
    assert b.proc.returncode == 0, b.logs[-10:]
    stats = orjson.loads(out.decode().strip().splitlines()[-1])
    assert stats["finalized_at"] == as_of.isoformat()
    assert b.assignment() == list(range(8))
    assert stats["restored_partitions"] >= 4  # the dead worker's partitions, from the changelog

    want = batch_open_set(events, Platform(SETTINGS).auditor, as_of)
    assert final_open_set(broker.bootstrap_servers, SETTINGS.topic_violations) == want


def _latest_states(records: list, partitions: set[int], ends: dict[int, int]) -> tuple[int, int]:
    """(dossiers, events) of the newest state of each dossier of ``partitions`` below ``ends``."""
    latest: dict[bytes, bytes] = {}
    for r in records:
        if r.partition in partitions and r.offset < ends[r.partition] and r.value and not is_marker(r.key):
            latest[r.key] = r.value
    return len(latest), sum(len(orjson.loads(v.partition(b"\n")[2])["e"]) for v in latest.values())


def _wait_committed(bootstrap: str, timeout: float) -> None:
    ends = {p: true for p, (_, true) in true_end_offsets(bootstrap, SETTINGS.topic_events).items()}
    _wait(
        lambda: all(
            (c or 0) >= ends[p]
            for p, c in committed_offsets(bootstrap, "dossier-audit-detector", SETTINGS.topic_events).items()
        ),
        timeout,
        "the group to commit the events topic to its end",
    )


@pytest.mark.slow(40)
def test_a_survivor_restores_a_killed_workers_partitions_to_the_changelogs_true_end(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    bootstrap = broker.bootstrap_servers
    ensure_topics(broker.kafka, platform_topics(SETTINGS))
    events = province(800, date(2025, 9, 1), date(2025, 10, 20), seed=23)
    stream = shuffled(events, timedelta(hours=1), seed=23, duplicates=0.02)
    as_of = datetime(2025, 10, 27, tzinfo=UTC)
    a = LoggedWorker(bootstrap, tmp_path / "a", "--allowed-lateness", "3600")
    b = LoggedWorker(bootstrap, tmp_path / "b", "--allowed-lateness", "3600")
    try:
        _wait(lambda: len(a.assignment() or []) == 4 and len(b.assignment() or []) == 4, 60, "a 4/4 split")
        doomed = set(a.assignment() or [])
        # In slices, each committed before the next (a commit follows a flush of the changelog writes):
        # every changelog partition gets several record batches.
        size = len(stream) // 4 + 1
        for i in range(0, len(stream), size):
            produce_events(bootstrap, SETTINGS.topic_events, stream[i : i + size])
            _wait_committed(bootstrap, 120)

        ends = true_end_offsets(bootstrap, DOSSIERS_CHANGELOG)
        changelog = read_topic(bootstrap, DOSSIERS_CHANGELOG)
        true_ends = {p: t for p, (_, t) in ends.items()}
        held = _latest_states(changelog, doomed, true_ends)
        short = _latest_states(changelog, doomed, {p: r for p, (r, _) in ends.items()})
        assert held[1] > short[1], ends  # a recovery stopping at the reported ends would lose events

        a.proc.kill()  # SIGKILL: no goodbye to the group
        _wait(lambda: b.assignment() == list(range(8)), 60, "the survivor to take every partition")
        stats = b.terminate()
    finally:
        a.kill()
        b.kill()
    assert (stats["restored_dossiers"], stats["restored_events"]) == held
    assert stats["restored_partitions"] == 4

    code, final, stderr = run_detect(
        bootstrap, tmp_path / "c", "--until-idle", "--as-of", as_of.isoformat(), "--allowed-lateness", "3600",
        timeout=180,
    )  # fmt: skip
    assert code == 0, stderr[-3000:]
    assert final["events"] == 0
    assert final["restored_events"] == len(events)
    want = batch_open_set(events, Platform(SETTINGS).auditor, as_of)
    assert final_open_set(bootstrap, SETTINGS.topic_violations) == want
