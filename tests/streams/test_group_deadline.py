"""A sink group that never settles (issue 19, item 2): the join deadline fires with one line and exit 2,
and the documented recovery — a new group started from the stuck group's committed offsets — resumes
exactly where the stuck group stopped.

The stuck coordinator is forced on the real broker: a live member of the group that heartbeats but never
polls again, with a long rebalance timeout (``max_poll_interval``), holds every rebalance of the group,
so a sink joining it never gets an assignment — on the embedded broker as on Kafka (there until that
member's rebalance timeout).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from kafka import KafkaConsumer
from typer.testing import CliRunner

from bootstrap.settings import load_settings
from dossier_audit.cli import app
from streams.kafka import StreamError
from streams.sink.batch import SinkBatch
from streams.sink.group import GroupJoinTimeout, copy_group_offsets
from streams.sink.worker import SinkWorker
from tests.streams.test_sink import committed, count, ingest_examples, settings_of, sink
from warehouse import open_warehouse

runner = CliRunner()
GROUP = "stuck-sink"


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"DOSSIER_AUDIT_PSEUDONYM_KEY": "k" * 32})


@pytest.fixture
def database(clickhouse_server) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    clickhouse_server.admin_execute(f"CREATE DATABASE {name}")
    try:
        yield clickhouse_server.url(name)
    finally:
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {name}")


def hold_group(bootstrap_servers: str, group: str, topics: list[str]) -> KafkaConsumer:
    """A live member of ``group`` that got its assignment and will never poll again (its heartbeats go on):
    the coordinator waits for it to rejoin every later rebalance, up to its 120 s rebalance timeout."""
    holder = KafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False,
                           max_poll_interval_ms=120_000, session_timeout_ms=6_000,
                           heartbeat_interval_ms=500)  # fmt: skip
    holder.subscribe(topics)
    deadline = time.monotonic() + 30
    while not holder.assignment():
        assert time.monotonic() < deadline, "the holder did not join"
        holder.poll(timeout_ms=200)
    return holder


def sink_args(broker: Any, url: str, *extra: str) -> list[str]:
    return ["worker", "sink", "--bootstrap-servers", broker.bootstrap_servers, "--warehouse", url,
            "--until-idle", "--session-timeout", "3", "--json-logs", *extra]  # fmt: skip


@pytest.mark.slow(17)
def test_a_stuck_group_is_one_line_and_exit_2_then_a_new_group_resumes_exactly(broker, database):
    settings = settings_of(broker, sink_batch_size=5)
    ingest_examples(settings, [b"not json"])  # 24 events and a rejected line over three topics

    # 1. The group stores part of the stream, then stops: its offsets are committed part-way.
    batches = 0
    stop = threading.Event()

    def stop_after_two(_batch: SinkBatch) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            stop.set()

    with open_warehouse(database) as wh:
        first = sink(settings, wh, group_id=GROUP, before_commit=stop_after_two)
        first.run(stop_event=stop)
        assert 0 < first.stats.messages < 25
    before = committed(broker, GROUP)
    assert sum(before.values()) == first.stats.messages  # every batch it stored is committed

    # 2. A member that never syncs holds the group: the next sink never gets partitions.
    holder = hold_group(broker.bootstrap_servers, GROUP, list(first.topics))
    try:
        started = time.monotonic()
        stuck = cli(*sink_args(broker, database, "--group-id", GROUP, "--join-timeout", "3"))
        waited = time.monotonic() - started
    finally:
        holder.close(autocommit=False)
    assert stuck.exit_code == 2, stuck.stdout + stuck.stderr
    assert 3 <= waited < 30
    # --json-logs: every log line is JSON; the error is the one line that is not, and says what to do.
    plain = [line for line in stuck.stderr.splitlines() if not line.startswith("{")]
    assert plain == [
        f"error: the sink could not join consumer group {GROUP!r} at {broker.bootstrap_servers} within 3 s: "
        "the broker keeps the group rebalancing (e.g. still waiting for a killed member); stop this group's "
        f"other sinks, then restart the sink with --group-id {GROUP}-2 --from-group {GROUP} (or "
        "DOSSIER_AUDIT_SINK_GROUP_ID and DOSSIER_AUDIT_SINK_FROM_GROUP) to resume from its committed "
        "offsets (docs/operators-guide.md, 'A consumer group that never settles')"
    ]
    assert "Traceback" not in stuck.stderr
    assert committed(broker, GROUP) == before  # nothing moved

    # 3. The recovery: a new group from the stuck group's committed offsets reads exactly the rest.
    resumed = cli(*sink_args(broker, database, "--group-id", f"{GROUP}-2", "--from-group", GROUP))
    assert resumed.exit_code == 0, resumed.stderr
    stats = orjson.loads(resumed.stdout.splitlines()[-1])
    after = committed(broker, f"{GROUP}-2")
    ends = {tp: max(after.get(tp, 0), before.get(tp, 0)) for tp in {*after, *before}}
    assert after == ends and sum(ends.values()) == 25  # the new group is at every partition's end
    assert stats["messages"] == 25 - first.stats.messages  # nothing read twice, nothing skipped
    with open_warehouse(database) as wh:
        assert count(wh, "events") == 24 and count(wh, "rejected_events") == 1
        # Every event written once: the stuck group's batches and the new group's never overlapped.
        assert count(wh, "events", final=False) == 24

    # 4. The same recovery command again (left in place across restarts) does not rewind the new group.
    again = cli(*sink_args(broker, database, "--group-id", f"{GROUP}-2", "--from-group", GROUP))
    assert again.exit_code == 0, again.stderr
    assert orjson.loads(again.stdout.splitlines()[-1])["messages"] == 0
    assert copy_group_offsets(settings_kafka(broker), GROUP, f"{GROUP}-2", first.topics) is None


def settings_kafka(broker: Any) -> Any:
    from bootstrap.platform import kafka_config

    return kafka_config(load_settings(bootstrap_servers=broker.bootstrap_servers))


class EmptyAssignment:
    """A KafkaConsumer in a group with more members than partitions: joined, with nothing assigned."""

    def __init__(self, **_: Any) -> None:
        self.listener: Any = None

    def subscribe(self, topics: list[str], listener: Any = None) -> None:
        self.listener = listener

    def poll(self, timeout_ms: int = 0, **_: Any) -> dict[Any, Any]:
        if self.listener is not None:
            self.listener.on_partitions_assigned(set())  # every rebalance hands this member nothing
            self.listener = None
        time.sleep(timeout_ms / 1000)
        return {}

    def assignment(self) -> set[Any]:
        return set()

    def close(self, autocommit: bool = False) -> None:
        pass


def test_a_member_with_an_empty_assignment_is_in_its_group(broker, tmp_path, monkeypatch):
    """The deadline is on joining, not on getting partitions: a sink beyond the partition count idles."""
    monkeypatch.setattr("streams.sink.worker.KafkaConsumer", EmptyAssignment)
    settings = settings_of(broker)
    stop = threading.Event()
    timer = threading.Timer(2.5, stop.set)
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        worker: SinkWorker = sink(settings, wh, join_timeout=0.5)
        timer.start()
        try:
            worker.run(until_idle=True, stop_event=stop)  # no GroupJoinTimeout: stopped by the event
        finally:
            timer.cancel()
    assert stop.is_set()


def test_a_member_never_assigned_times_out(broker, tmp_path, monkeypatch):
    class NeverAssigned(EmptyAssignment):
        def subscribe(self, topics: list[str], listener: Any = None) -> None:
            self.listener = None  # the join never completes

    monkeypatch.setattr("streams.sink.worker.KafkaConsumer", NeverAssigned)
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        worker = sink(settings_of(broker), wh, join_timeout=0.5, group_id="g")
        started = time.monotonic()
        with pytest.raises(GroupJoinTimeout, match="could not join consumer group 'g'"):
            worker.run(until_idle=True)
    assert 0.5 <= time.monotonic() - started < 30  # (start-up included: migrating a fresh warehouse)


def test_no_coordinator_at_all_is_a_kafka_failure_not_a_stuck_group(broker, tmp_path, monkeypatch):
    """Kafka down while joining: the deadline says so (a Kafka failure, exit 1), not "stuck group"."""

    class Unreachable(EmptyAssignment):
        class _coordinator:  # kafka-python's attribute
            @staticmethod
            def coordinator_unknown() -> bool:
                return True

        def subscribe(self, topics: list[str], listener: Any = None) -> None:
            self.listener = None

    monkeypatch.setattr("streams.sink.worker.KafkaConsumer", Unreachable)
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        worker = sink(settings_of(broker), wh, join_timeout=0.5)
        with pytest.raises(StreamError, match=r"no group coordinator answered within 0\.5 s") as raised:
            worker.run(until_idle=True)
    assert not isinstance(raised.value, GroupJoinTimeout)


def test_from_group_must_name_another_group(broker, tmp_path):
    result = cli("worker", "sink", "--bootstrap-servers", broker.bootstrap_servers, "--warehouse",
                 f"chdb://{tmp_path}/wh", "--group-id", "a", "--from-group", "a")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --from-group 'a' must name another group than --group-id"
    )
