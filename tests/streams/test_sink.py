"""The warehouse sink through a real broker: every event stored once, poison messages as rejected events,
violations stored, offsets committed only after a successful write, and fault tolerance."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from bootstrap.platform import Platform, platform_topics, sink_options
from bootstrap.settings import Settings, load_settings
from schemas.pseudonym import Pseudonymiser
from streams.ingest import ingest_lines
from streams.messages import ViolationMessage
from streams.observability import WorkerMetrics, start_metrics_server, stop_metrics_server
from streams.sink.batch import SinkBatch
from streams.sink.options import DEFAULT_GROUP
from streams.sink.retry import RetryPolicy
from streams.sink.worker import SinkWorker
from streams.topics import ensure_topics
from warehouse import open_warehouse
from warehouse.base import Warehouse, WarehouseUnavailable
from warehouse.migrate import migrate
from warehouse.pseudonym_keys import check_key

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
KEY = b"k" * 32
#: tansu completes a group join after about half the session timeout: keep it short in tests.
FAST = {"max_poll_interval_ms": 5_000, "session_timeout_ms": 3_000, "heartbeat_interval_ms": 500}


def settings_of(broker: Any, **overrides: Any) -> Settings:
    options = {"partitions": 2, "sink_batch_seconds": 0.3, "pseudonym_key": "k" * 32, **overrides}
    return load_settings(bootstrap_servers=broker.bootstrap_servers, **options)


def sink(
    settings: Settings,
    wh: Warehouse,
    *,
    metrics: WorkerMetrics | None = None,
    before_commit: Any = None,
    **options: Any,
) -> SinkWorker:
    """A sink built as the composition root builds it; ``options``: fields of SinkOptions."""
    options.setdefault("consumer_options", FAST)
    options.setdefault("idle_seconds", 1.0)
    platform = Platform(settings)
    return SinkWorker(
        platform.kafka, sink_options(settings, **options), platform.pseudonymiser, wh,
        auditor=platform.auditor if options.get("fold") else None, metrics=metrics,
        before_commit=before_commit,
    )  # fmt: skip


def ingest_examples(settings: Settings, extra: Sequence[bytes] = ()) -> None:
    lines = [*EXAMPLES.read_bytes().splitlines(), *extra]
    platform = Platform(settings)
    ingest_lines(platform.kafka, platform.topics, lines, "examples.jsonl", pseudonymiser=Pseudonymiser(KEY))


def count(wh: Warehouse, table: str, final: bool = True) -> int:
    return int(wh.query(f"SELECT count() FROM {table}{' FINAL' if final else ''}")[0][0])


def committed(broker: Any, group: str = DEFAULT_GROUP) -> dict[Any, int]:
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    return {tp: o.offset for tp, o in offsets.items() if o.offset >= 0}


def test_every_event_stored_exactly_once_and_rerun_adds_nothing(broker, warehouse):
    settings = settings_of(broker)
    first = EXAMPLES.read_bytes().splitlines()[0]
    ingest_examples(settings, [first, b"{broken", b'{"schema_version": 9}'])  # a duplicate, two bad lines
    stats = sink(settings, warehouse).run(until_idle=True)
    assert (stats.events, stats.rejected, stats.violations) == (25, 2, 0)
    assert (count(warehouse, "events"), count(warehouse, "rejected_events")) == (24, 2)
    sources = warehouse.query("SELECT DISTINCT source FROM events ORDER BY source")
    assert {s for (s,) in sources} <= {"kafka:dossier-events/0", "kafka:dossier-events/1"}
    offsets = warehouse.query("SELECT source, source_offset FROM events FINAL")
    assert len(set(offsets)) == 24  # (partition, offset) locates each stored record
    rejected = warehouse.query("SELECT source, source_offset, reason_code FROM rejected_events FINAL "
                               "ORDER BY source_offset")  # fmt: skip
    assert rejected == [
        ("examples.jsonl", 26, "json.invalid"),
        ("examples.jsonl", 27, "schema_version.unsupported"),
    ]
    raw = "".join(r for (r,) in warehouse.query("SELECT raw FROM events"))
    assert "Nguyễn" not in raw and "hmac-sha256:" in raw
    assert sum(committed(broker).values()) == 27  # every consumed record committed

    again = sink(settings, warehouse).run(until_idle=True)
    assert again.messages == 0
    assert count(warehouse, "events") == 24


def test_poison_messages_become_rejected_events_and_the_stream_goes_on(broker, tmp_path):
    settings = settings_of(broker, partitions=1)
    ensure_topics(broker.kafka, platform_topics(settings))
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers)
    poison = [b"\xff\xfe not json at all", b'{"schema_version": 1, "type": "received", "event_id": "x"}']
    for value in poison:
        producer.send(settings.topic_events, key=b"D?", value=value)
    # A foreign producer that did not pseudonymise: a declared applicant, and one as an unknown extra field.
    clear = next(orjson.loads(line) for line in EXAMPLES.read_bytes().splitlines() if b"Nguy" in line)
    clear["event_id"] = "foreign-1"
    extra = orjson.loads(EXAMPLES.read_bytes().splitlines()[3])
    extra |= {"event_id": "foreign-2", "data": {"outcome": "granted", "applicant": "Trần Thị B"}}
    for doc in (clear, extra):
        producer.send(settings.topic_events, key=doc["dossier_id"].encode(), value=orjson.dumps(doc))
    producer.send(settings.topic_dead_letters, value=b"[1, 2]")
    violation = {
        "dossier_id": "D1", "rule_id": "LATE_NO_APOLOGY", "event_id": None, "kind": "violation",
        "severity": "high", "unit_code": "U1", "procedure_code": "P1",
        "occurred_at": "2025-11-10T17:00:00+07:00", "legal_basis": "x", "rulebook_version": "v1",
        "evidence": {"due_at": "2025-11-10T17:00:00+07:00"},
    }  # fmt: skip
    at = datetime(2025, 11, 11, tzinfo=UTC)
    producer.send(settings.topic_violations, value=b"{not a violation")
    producer.send(settings.topic_violations, value=orjson.dumps({"state": "open", "as_of": at.isoformat(),
                  "producer": "detector", "version": 1, "violation": {"dossier_id": "D9"}}))  # fmt: skip
    producer.send(
        settings.topic_violations, value=ViolationMessage("open", at, "detector", 1, violation).encode()
    )
    producer.send(
        settings.topic_violations, value=ViolationMessage("retracted", at, "detector", 2, violation).encode()
    )
    producer.flush()
    producer.close()
    ingest_examples(settings)  # valid events after the poison

    metrics = WorkerMetrics()
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        stats = sink(settings, wh, metrics=metrics).run(until_idle=True)
        assert count(wh, "events") == 26
        raw = wh.query(
            "SELECT raw FROM events WHERE event_id IN ('foreign-1', 'foreign-2') ORDER BY event_id"
        )
        assert len(raw) == 2
        assert all("Nguyễn" not in r and "Trần" not in r and "hmac-sha256:" in r for (r,) in raw)
        rows = wh.query("SELECT source, source_offset, reason_code, reason FROM rejected_events FINAL "
                        "ORDER BY source, source_offset")  # fmt: skip
        assert [r[:3] for r in rows] == [
            ("kafka:dossier-dead-letters/0", 0, "dead_letter.invalid"),
            ("kafka:dossier-events/0", 0, "json.invalid"),
            ("kafka:dossier-events/0", 1, "dossier_id.missing"),
            ("kafka:dossier-violations/0", 0, "violation.invalid"),
            ("kafka:dossier-violations/0", 1, "violation.invalid"),
        ]
        assert all(r[3] for r in rows)  # each with its reason
        assert wh.query("SELECT dossier_id, rule_id, state, producer, version FROM violations FINAL") == [
            ("D1", "LATE_NO_APOLOGY", "retracted", "detector", 2)
        ]
        detail = orjson.loads(wh.query("SELECT detail FROM violations FINAL")[0][0])
        assert detail == violation
    assert (stats.events, stats.rejected, stats.violations) == (26, 5, 2)
    server, port = start_metrics_server(metrics.registry, 0, addr="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    finally:
        stop_metrics_server(server)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}  # fmt: skip
    assert samples[("dossier_audit_events_in_total", ())] == 26
    opened = {k[1]: v for k, v in samples.items() if k[0] == "dossier_audit_violations_opened_total"}
    retracted = {k[1]: v for k, v in samples.items() if k[0] == "dossier_audit_violations_retracted_total"}
    assert opened == {(("kind", "violation"),): 1, (("kind", "finding"),): 0, (("kind", "not_checkable"),): 0}
    assert sum(retracted.values()) == 1
    assert samples[("dossier_audit_events_rejected_total", (("reason", "violation.invalid"),))] == 2
    assert samples[("dossier_audit_events_rejected_total", (("reason", "json.invalid"),))] == 1
    assert samples[("dossier_audit_sink_batches_total", ())] >= 1
    assert (
        samples[("dossier_audit_sink_write_seconds_count", ())]
        == samples[("dossier_audit_sink_batches_total", ())]
    )
    assert samples[("dossier_audit_consumer_lag", (("partition", "0"), ("topic", "dossier-events")))] == 0


class Crash(Exception):
    """Stands for the process dying between the warehouse write and the offset commit."""


def test_killed_after_writing_before_committing_then_restarted_stores_each_event_once(broker, tmp_path):
    settings = settings_of(broker, sink_batch_size=10_000)
    ingest_examples(settings)

    def die(batch: SinkBatch) -> None:
        raise Crash(f"{batch.messages} written, not committed")

    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        with pytest.raises(Crash):
            sink(settings, wh, before_commit=die).run(until_idle=True)
        assert count(wh, "events") == 24
        assert committed(broker) == {}
        stats = sink(settings, wh).run(until_idle=True)
        assert stats.events == 24  # redelivered
        assert count(wh, "events", final=False) >= 24  # written twice (unless merged already) ...
        assert count(wh, "events") == 24  # ... stored once
        ids = wh.query("SELECT count(DISTINCT event_id) FROM events")[0][0]
        assert ids == 24


class FlakyWarehouse:
    """A warehouse whose first ``failures`` inserts raise ``WarehouseUnavailable``; records what the group
    had committed at each failure."""

    def __init__(self, wh: Warehouse, failures: int, broker: Any) -> None:
        self.wh, self.failures, self.broker = wh, failures, broker
        self.commits_seen: list[dict[Any, int]] = []

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        if self.failures:
            self.failures -= 1
            self.commits_seen.append(committed(self.broker))
            raise WarehouseUnavailable("ClickHouse at 127.0.0.1:9 is unavailable (test)")
        return self.wh.insert(table, columns, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wh, name)


def test_warehouse_down_for_a_while_loses_nothing_and_commits_nothing_meanwhile(broker, warehouse):
    settings = settings_of(broker, sink_batch_size=10_000)
    ingest_examples(settings, [b"not json"])
    migrate(warehouse)  # the outage starts after the worker's start-up (its key recorded then too)
    check_key(warehouse, Platform(settings).pseudonymiser.fingerprint)
    flaky = FlakyWarehouse(warehouse, failures=6, broker=broker)
    metrics = WorkerMetrics()
    worker = sink(settings, flaky, metrics=metrics, retry=RetryPolicy(initial=0.1, maximum=0.8),
                  consumer_options={**FAST, "max_poll_interval_ms": 2_000})  # fmt: skip
    stats = worker.run(until_idle=True)
    assert flaky.commits_seen == [{}] * 6  # nothing committed while the warehouse was down
    assert stats.retries == 6 and metrics.sink_write_retries._value.get() == 6
    assert stats.discarded_batches == 0  # the outage (> max_poll_interval) did not cost the membership
    assert (count(warehouse, "events"), count(warehouse, "rejected_events")) == (24, 1)
    assert sum(committed(broker).values()) == 25


def test_fold_projection_refreshes_dossiers_but_writes_no_violations(broker, tmp_path):
    settings = settings_of(broker)
    ingest_examples(settings)
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        stats = sink(settings, wh, fold=True, fold_as_of=datetime(2025, 12, 1, tzinfo=UTC)).run(
            until_idle=True
        )
        assert stats.folded == 6
        assert count(wh, "dossiers") == 6
        assert count(wh, "dossier_outcomes") > 0
        assert count(wh, "violations") == 0


def test_stop_event_stops_a_live_sink_after_storing_its_batch(broker, tmp_path):
    settings = settings_of(broker)
    ingest_examples(settings)
    stop = threading.Event()
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        worker = sink(settings, wh)
        thread = threading.Thread(target=worker.run, kwargs={"stop_event": stop})
        thread.start()
        try:
            deadline = datetime.now(UTC).timestamp() + 15
            while worker.stats.events < 24 and datetime.now(UTC).timestamp() < deadline:
                stop.wait(0.1)
        finally:
            stop.set()
            thread.join(10)
        assert not thread.is_alive()
        assert count(wh, "events") == 24


def test_a_live_sink_told_to_drain_stops_once_caught_up(broker, tmp_path):
    """``until_idle`` as an event: live until it is set (nothing to read does not stop it), then it stores
    what arrived meanwhile and stops by itself."""
    settings = settings_of(broker)
    drain = threading.Event()
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        worker = sink(settings, wh)
        thread = threading.Thread(target=worker.run, kwargs={"until_idle": drain})
        thread.start()
        try:
            thread.join(4)  # topics empty and the worker idle: a plain until-idle run would have stopped
            assert thread.is_alive()
            ingest_examples(settings)
            drain.set()
            thread.join(30)
        finally:
            drain.set()
            thread.join(30)
        assert not thread.is_alive()
        assert count(wh, "events") == 24


def test_a_broker_gone_away_shows_in_a_metric_and_one_line(broker, tmp_path, caplog):
    """A broker killed under a running sink showed only as kafka-python's log lines: no metric, and the
    lag and assignments unchanged (on-call review). The sink says once that it lost its group's coordinator,
    and dossier_audit_group_coordinator_known goes to 0."""
    import logging

    settings = settings_of(broker)
    ingest_examples(settings)
    stop = threading.Event()
    metrics = WorkerMetrics()

    def known() -> float | None:
        name, labels = "dossier_audit_group_coordinator_known", {"group": DEFAULT_GROUP}
        value: float | None = metrics.registry.get_sample_value(name, labels)
        return value

    with open_warehouse(f"chdb://{tmp_path}/wh") as wh, caplog.at_level(logging.INFO, "streams.sink.worker"):
        worker = sink(settings, wh, metrics=metrics)
        thread = threading.Thread(target=worker.run, kwargs={"stop_event": stop}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while (worker.stats.events < 24 or known() != 1) and time.monotonic() < deadline:
                stop.wait(0.1)
            assert worker.stats.events == 24 and known() == 1
            broker.kill()
            # kafka-python notices a dead coordinator at its request timeout and retries: 6-42 s alone, past
            # 60 s in a full run on a slow machine (it failed one so, 2026-12-07).
            deadline = time.monotonic() + 150
            while known() != 0 and time.monotonic() < deadline:
                stop.wait(0.2)
            assert known() == 0
        finally:
            stop.set()
            thread.join(30)
    lost = [r for r in caplog.records if "group coordinator lost" in r.getMessage()]
    assert len(lost) == 1 and lost[0].levelno == logging.WARNING
