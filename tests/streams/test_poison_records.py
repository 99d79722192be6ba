"""Poison records (issue 13, item 2): a record in Kafka that a worker cannot convert, store or process goes
to the dead letters / ``rejected_events`` with a reason, and the worker moves on — while a warehouse
outage keeps its retry-without-loss behaviour.

- the sink's isolation logic, in process, against a fake warehouse: no loss, no duplicates, commits in
  order, an outage in the middle of an isolation;
- ``worker sink --until-idle`` as a process, on raw bytes a foreign producer wrote to the topics (extreme
  times, a 400-digit integer, a 10,000-deep array, NaN, values the warehouse refuses), and its restart;
- the detector's side is in ``test_poison_detector.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from kafka import KafkaProducer, TopicPartition

from bootstrap.platform import Platform, platform_topics
from bootstrap.settings import load_settings
from schemas.pseudonym import Pseudonymiser
from streams.messages import describe_error
from streams.observability import WorkerMetrics
from streams.sink import batch as batch_module
from streams.sink.batch import BatchConverter, SinkBatch, SinkStats
from streams.sink.isolate import UNCONVERTIBLE, UNSTORABLE, bisect_rows, is_data_error
from streams.sink.retry import RetryPolicy, retry_write
from streams.sink.writer import BatchWriter
from streams.topics import ensure_topics
from tests.streams.test_sink import committed, count, settings_of, sink
from warehouse import open_warehouse
from warehouse.base import Warehouse, WarehouseError, WarehouseUnavailable
from warehouse.migrate import migrate
from warehouse.store import EVENT_COLUMNS, REJECTION_COLUMNS

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
ROOT = Path(__file__).resolve().parents[2]
KEY = b"k" * 32
#: An error the chdb backend raises for a value its column cannot hold (its own text, see below).
DATA_ERROR = "column occurred_at (DateTime('UTC')): value out of range (injected by the test)"


def examples() -> list[bytes]:
    return EXAMPLES.read_bytes().splitlines()


def example_docs() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in examples()]


def with_extra(doc: dict[str, Any], raw_value: bytes, event_id: str) -> bytes:
    """``doc`` as JSON with an unknown field ``data.x`` whose JSON text is ``raw_value`` (verbatim)."""
    text = orjson.dumps({**doc, "event_id": event_id})
    return text.replace(b'"data":{', b'"data":{"x":' + raw_value + b",", 1)


def record(value: bytes, offset: int, timestamp: int | None = 1_762_000_000_000) -> SimpleNamespace:
    return SimpleNamespace(value=value, offset=offset, timestamp=timestamp, key=None)


# --- telling data errors from outages --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("error", "data"),
    [
        (WarehouseError("insert into events: a value does not fit its column: 'x' is out of range"), True),
        (WarehouseError("column source_offset (Int64): Python int too large to convert to C long"), True),
        (WarehouseError("column actor (Nullable(String)) is not Nullable but a value is None"), True),
        (WarehouseError("ClickHouse h:9000/db: Cannot parse datetime: ... (code 41)"), True),
        (WarehouseError("chdb: Code: 321. DB::Exception: Value is out of range"), True),
        (WarehouseError("ClickHouse h:9000/db: Too many parts (300). (code 252)"), False),
        (WarehouseError("ClickHouse h:9000/db: Table is in readonly mode (code 242)"), False),
        (WarehouseError("chdb: Code: 243. DB::Exception: Cannot reserve space"), False),
        (WarehouseError("insert into events: no such table in database dossier_audit"), False),
        (WarehouseUnavailable("ClickHouse h:9000/db: connection lost: column x (Int64) (code 53)"), False),
        (ValueError("column x (Int64): a bug, not a warehouse error"), False),
    ],
)
def test_only_errors_that_blame_a_value_are_data_errors(error: BaseException, data: bool) -> None:
    assert is_data_error(error) is data


def test_the_backends_own_value_errors_are_data_errors(warehouse: Warehouse) -> None:
    """Pins :func:`is_data_error` to the texts both backends really raise (a changed text fails here
    instead of silently turning poison records into endless retries)."""
    migrate(warehouse)
    row = ("kafka:t/0", 2**63, "h", "raw", "code", "reason", datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(WarehouseError) as refused:
        warehouse.insert("rejected_events", REJECTION_COLUMNS, [[v] for v in row])
    assert is_data_error(refused.value), refused.value
    with pytest.raises(WarehouseError) as missing:
        warehouse.insert("no_such_table", ["a"], [[1]])
    assert not is_data_error(missing.value), missing.value


def test_a_reason_keeps_the_kind_of_error_and_masks_what_could_be_data() -> None:
    text = describe_error(
        WarehouseError("column actor (String): bad value 'Nguyễn Văn A' 079201001234 2025-11-03")
    )
    assert text.startswith("WarehouseError: column actor (String): bad value")
    assert "Nguyễn" not in text and "079201001234" not in text and "2025-11-03" not in text
    assert len(describe_error(ValueError("x" * 5000))) < 250


def test_bisection_stores_every_part_but_the_refused_items_in_order() -> None:
    stored: list[int] = []
    bad = {3, 4, 11}

    def store(part: Sequence[int]) -> None:
        if bad & set(part):
            raise WarehouseError("column n (UInt8): out of range")
        stored.extend(part)

    refused = bisect_rows(store, list(range(16)), WarehouseError("column n (UInt8): out of range"))
    assert [i for i, _ in refused] == [3, 4, 11]
    assert stored == [i for i in range(16) if i not in bad]  # each once, in order


def test_an_outage_during_the_bisection_is_raised_for_the_retry() -> None:
    calls = 0

    def store(part: Sequence[int]) -> None:
        nonlocal calls
        calls += 1
        raise WarehouseUnavailable("connection lost")

    with pytest.raises(WarehouseUnavailable):
        bisect_rows(store, [1, 2, 3], WarehouseError("column n (UInt8): out of range"))
    assert calls == 1


# --- the sink's conversion and write, in process -----------------------------------------------------------
TOPICS = Platform(load_settings()).topics


def converted(*records: SimpleNamespace, partition: int = 0) -> SinkBatch:
    batch = SinkBatch()
    BatchConverter(TOPICS, Pseudonymiser(KEY)).add(batch, TopicPartition(TOPICS.events, partition), records)
    return batch


def test_a_record_whose_conversion_raises_is_rejected_and_the_others_are_converted(monkeypatch) -> None:
    original = batch_module.event_row  # type: ignore[attr-defined]

    def event_row(event: Any, *args: Any) -> tuple[Any, ...]:
        if event.event_id == "poison-1":
            raise OverflowError("date value out of range: 9999-12-31")
        return original(event, *args)

    monkeypatch.setattr(batch_module, "event_row", event_row)
    lines = examples()[:3]
    poison = orjson.dumps({**orjson.loads(lines[0]), "event_id": "poison-1"})
    batch = converted(record(lines[0], 0), record(poison, 1), record(lines[1], 2), record(lines[2], 3))
    assert [row[0] for row in batch.events] == ["ex-001", "ex-002", "ex-003"]
    assert batch.rejected_reasons == [UNCONVERTIBLE] and batch.poison == 1
    (row,) = batch.rejected
    assert row[:2] == (f"kafka:{TOPICS.events}/0", 1)
    assert row[5] == "the sink cannot convert this record: OverflowError: date value out of range: #"
    assert batch.offsets == {TopicPartition(TOPICS.events, 0): 4}  # committed past it with the rest


def test_a_kafka_timestamp_no_datetime_column_holds_is_replaced_by_the_time_of_conversion() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    batch = converted(
        record(examples()[0], 0, timestamp=2**62), record(examples()[1], 1, timestamp=5 * 10**12)
    )
    assert len(batch.events) == 2
    at = EVENT_COLUMNS.index("ingested_at")
    assert all(before <= row[at] <= datetime.now(UTC) for row in batch.events)


class FaultyWarehouse:
    """A real warehouse, except: an ``events`` insert holding a refused event id fails with a data error,
    and the first insert after such a refusal fails as an outage (the connection is lost mid-isolation)."""

    def __init__(self, wh: Warehouse, refused: set[str], *, outage: bool = True) -> None:
        self.wh, self.refused, self.outage = wh, refused, outage
        self.pending_outage = False
        self.outages = 0

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        if self.pending_outage:
            self.pending_outage = False
            self.outages += 1
            raise WarehouseUnavailable("ClickHouse at 127.0.0.1:9: connection lost (test)")
        if table == "events" and self.refused & set(data[0]):
            self.pending_outage = self.outage and self.outages == 0
            raise WarehouseError(DATA_ERROR)
        return self.wh.insert(table, columns, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wh, name)


def write_as_the_worker_does(writer: BatchWriter, batch: SinkBatch) -> int:
    """Write, then retry after a warehouse error as the worker does; returns the retries."""
    retries = 0

    def on_retry(error: WarehouseError, delay: float) -> None:
        nonlocal retries
        assert not is_data_error(error), "a data error reached the retry loop"
        retries += 1

    try:
        writer.write(batch)
    except WarehouseError as exc:
        assert retry_write(lambda: writer.write(batch), exc, RetryPolicy(0.01, 0.01), wait=lambda _: True,
                           on_retry=on_retry)  # fmt: skip
    return retries


def test_a_refused_event_is_rejected_and_the_rest_stored_despite_an_outage_midway(tmp_path: Path) -> None:
    lines = examples()
    poison = orjson.dumps({**orjson.loads(lines[5]), "event_id": "poison-1"})
    records = [record(line, i) for i, line in enumerate([*lines[:5], poison, *lines[5:]])]
    batch = converted(*records)
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        wh = FaultyWarehouse(real, {"poison-1"})
        writer = BatchWriter(wh, WorkerMetrics(), SinkStats(), scrub=Pseudonymiser(KEY).scrub_raw)
        assert write_as_the_worker_does(writer, batch) == 1  # the outage: retried, not dropped
        ids = [r[0] for r in real.query("SELECT event_id FROM events FINAL ORDER BY event_id")]
        assert ids == sorted(orjson.loads(line)["event_id"] for line in lines)  # no loss, no duplicate
        assert count(real, "events", final=True) == len(set(ids))
        rejected = real.query(
            "SELECT source, source_offset, reason_code, reason, raw FROM rejected_events FINAL"
        )
        assert [r[:3] for r in rejected] == [(f"kafka:{TOPICS.events}/0", 5, UNSTORABLE)]
        reason = describe_error(WarehouseError(DATA_ERROR))
        assert rejected[0][3] == f"the warehouse refused this record's row in events: {reason}"
        assert '"poison-1"' in rejected[0][4]
    assert batch.poison == 1 and batch.rejected_reasons == [UNSTORABLE]
    assert "poison-1" not in {row[0] for row in batch.events}  # what the commit counts was stored


def test_a_warehouse_refusing_every_row_is_retried_not_every_record_rejected(tmp_path: Path) -> None:
    """A schema that does not match the code refuses every row with a data error: that is the warehouse's
    fault, so the (large) batch is retried like an outage rather than all rejected."""
    lines = examples()
    batch = converted(*(record(line, i) for i, line in enumerate(lines)))
    ids = {row[0] for row in batch.events}
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        writer = BatchWriter(FaultyWarehouse(real, ids, outage=False), WorkerMetrics(), SinkStats())
        with pytest.raises(WarehouseError) as raised:
            writer.write(batch)
        assert str(raised.value) == DATA_ERROR
        assert count(real, "events") == 0 and count(real, "rejected_events") == 0
    assert batch.poison == 0 and len(batch.events) == len(lines) >= 16


def test_a_dossier_whose_projection_is_refused_is_left_out_and_the_others_are_folded(tmp_path: Path) -> None:
    lines = examples()
    batch = converted(*(record(line, i) for i, line in enumerate(lines)))
    refused = sorted(batch.touched)[0]
    platform = Platform(load_settings())

    class RefusesOneProjection(FaultyWarehouse):
        def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
            if table == "dossiers" and refused in data[0]:
                raise WarehouseError("column due_at (Nullable(DateTime('UTC'))): out of range (test)")
            return self.wh.insert(table, columns, data)

    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        stats, metrics = SinkStats(), WorkerMetrics()
        writer = BatchWriter(RefusesOneProjection(real, set()), metrics, stats, auditor=platform.auditor,
                             fold_as_of=datetime(2025, 12, 1, tzinfo=UTC))  # fmt: skip
        writer.write(batch)
        assert count(real, "events") == 24
        stored = {d for (d,) in real.query("SELECT dossier_id FROM dossiers FINAL")}
        assert stored == batch.touched and refused not in stored
    assert stats.unfolded == 1 and metrics.sink_dossiers_not_folded._value.get() == 1


# --- the sink worker through a real broker: commits in order, nothing lost ---------------------------------
def produce(bootstrap: str, messages: Sequence[tuple[str, bytes | None, bytes]], **kw: Any) -> None:
    """Raw bytes straight to the topics (a foreign producer: no validation, no pseudonymisation)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        for topic, key, value in messages:
            producer.send(topic, key=key, value=value, **kw)
        producer.flush()
    finally:
        producer.close()


def test_the_sink_commits_past_a_refused_record_in_order_losing_nothing(broker, tmp_path: Path) -> None:
    settings = settings_of(broker, partitions=2, sink_batch_size=5)
    ensure_topics(broker.kafka, platform_topics(settings))
    docs = example_docs()
    poison = {**docs[7], "event_id": "poison-1"}
    values = [*docs[:10], poison, *docs[10:]]
    produce(broker.bootstrap_servers, [(settings.topic_events, d["dossier_id"].encode(), orjson.dumps(d))
                                       for d in values])  # fmt: skip
    commits: list[dict[TopicPartition, int]] = []

    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        wh = FaultyWarehouse(real, {"poison-1"})

        def before_commit(batch: SinkBatch) -> None:
            # Everything the commit moves past is stored (or rejected) before it is committed.
            stored = {e for (e,) in real.query("SELECT event_id FROM events FINAL")}
            assert {row[0] for row in batch.events} <= stored
            commits.append(dict(batch.offsets))

        metrics = WorkerMetrics()
        worker = sink(settings, wh, metrics=metrics, before_commit=before_commit,
                      retry=RetryPolicy(initial=0.05, maximum=0.2))  # fmt: skip
        stats = worker.run(until_idle=True)
        assert wh.outages == 1 and stats.retries == 1
        assert count(real, "events") == 24 and count(real, "events", final=True) == 24
        assert real.query("SELECT count(DISTINCT event_id) FROM events")[0][0] == 24
        assert real.query("SELECT reason_code FROM rejected_events FINAL") == [(UNSTORABLE,)]
    assert stats.poison == 1 and stats.events == 24
    assert metrics.poison_records.labels(reason=UNSTORABLE)._value.get() == 1
    assert metrics.events_rejected.labels(reason=UNSTORABLE)._value.get() == 1
    for tp in {tp for c in commits for tp in c}:  # per partition, each commit goes further
        offsets = [c[tp] for c in commits if tp in c]
        assert offsets == sorted(set(offsets))
    assert sum(committed(broker).values()) == 25  # every record, the poison one included


# --- worker sink as a process, on what a foreign producer can write -----------------------------------------
ENV = {**os.environ, "DOSSIER_AUDIT_PSEUDONYM_KEY": "k" * 32}


def sink_process(bootstrap: str, url: str) -> subprocess.CompletedProcess[bytes]:
    args = [sys.executable, "-m", "dossier_audit", "worker", "sink", "--bootstrap-servers", bootstrap,
            "--warehouse", url, "--until-idle", "--json-logs", "--session-timeout", "3"]  # fmt: skip
    return subprocess.run(args, check=False, cwd=ROOT, capture_output=True, env=ENV, timeout=90)


def test_worker_sink_rejects_what_a_foreign_producer_wrote_and_survives_a_restart(
    broker, tmp_path: Path
) -> None:
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers)
    ensure_topics(broker.kafka, platform_topics(settings))
    docs = example_docs()
    first = docs[0]
    poison_events = {
        "early": orjson.dumps({**first, "event_id": "p-early", "occurred_at": "0001-01-01T00:00:00+14:00"}),
        "late": orjson.dumps({**first, "event_id": "p-late", "occurred_at": "9999-12-31T23:59:59-14:00"}),
        "big integer": with_extra(first, b"9" * 400, "p-int"),
        "deep array": with_extra(first, b"[" * 10_000 + b"]" * 10_000, "p-deep"),
        "NaN": with_extra(first, b"NaN", "p-nan"),
    }
    events = (
        [orjson.dumps(d) for d in docs[:12]]
        + list(poison_events.values())
        + [orjson.dumps(d) for d in docs[12:]]
    )
    key = first["dossier_id"].encode()  # the poison share the first dossier's partition with valid events
    poison = set(poison_events.values())
    keys = [key if v in poison else orjson.loads(v)["dossier_id"].encode() for v in events]
    produce(
        broker.bootstrap_servers, [(settings.topic_events, k, v) for k, v in zip(keys, events, strict=True)]
    )
    at = "2025-11-11T00:00:00+00:00"
    letter = {
        "source": "f.jsonl",
        "offset": 2**63,
        "reason_code": "x",
        "reason": "y",
        "raw": "z",
        "rejected_at": at,
    }
    fine_letter = {**letter, "offset": 3}
    violation: dict[str, Any] = {"dossier_id": "D1", "rule_id": "R", "event_id": None, "kind": "violation",
                 "severity": "high", "unit_code": "U1", "procedure_code": "P1", "occurred_at": at,
                 "legal_basis": "x", "rulebook_version": "v1", "evidence": {}}  # fmt: skip
    message = {"state": "open", "as_of": at, "producer": "detector", "violation": violation}
    # The warehouse refuses 2**63 as an Int64 source_offset and -1 as a UInt64 version.
    produce(broker.bootstrap_servers, [
        (settings.topic_dead_letters, None, orjson.dumps(letter)),
        (settings.topic_dead_letters, None, orjson.dumps(fine_letter)),
        (settings.topic_violations, b"D1", orjson.dumps({**message, "version": -1})),
        (settings.topic_violations, b"D1", orjson.dumps({**message, "version": 2})),
    ])  # fmt: skip
    url = f"chdb://{tmp_path}/wh"

    run = sink_process(broker.bootstrap_servers, url)
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    stats = orjson.loads(run.stdout)
    assert stats["events_stored"] == 24 and stats["poison_records"] == 2
    logged = [orjson.loads(line) for line in run.stderr.decode().splitlines()]
    assert sum(line["msg"] == "poison record rejected" for line in logged) == 2  # one line each
    with open_warehouse(url) as wh:
        assert count(wh, "events") == 24
        assert wh.query("SELECT count(DISTINCT event_id) FROM events")[0][0] == 24
        stored = {e for (e,) in wh.query("SELECT event_id FROM events")}
        assert stored == {d["event_id"] for d in docs}
        rows = wh.query("SELECT source, source_offset, reason_code, reason FROM rejected_events FINAL")
        from_events = [r for r in rows if r[0].startswith(f"kafka:{settings.topic_events}/")]
        assert len(from_events) == len(poison_events) and all(r[2] and r[3] for r in from_events)
        assert {r[2] for r in rows if not r[0].startswith("kafka:dossier-events")} >= {UNSTORABLE}
        assert ("kafka:dossier-dead-letters/0", 0, UNSTORABLE) in {r[:3] for r in rows}
        assert ("f.jsonl", 3, "x") in {r[:3] for r in rows}
        assert any(r[0].startswith("kafka:dossier-violations/") and r[2] == UNSTORABLE for r in rows)
        assert wh.query("SELECT version FROM violations FINAL") == [(2,)]

    again = sink_process(broker.bootstrap_servers, url)  # the restart: no crash, nothing new
    assert again.returncode == 0, again.stderr.decode()[-3000:]
    assert orjson.loads(again.stdout)["messages"] == 0
