"""Helpers of the poison-record tests (``test_poison_records*.py``): the contract's examples as Kafka
records, their conversion into a sink batch, a fault-injecting warehouse, and a write retried as the worker
retries it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
from kafka import KafkaProducer, TopicPartition

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from schemas.pseudonym import Pseudonymiser
from streams.sink.batch import BatchConverter, SinkBatch
from streams.sink.isolate import is_data_error
from streams.sink.retry import RetryPolicy, retry_write
from streams.sink.writer import BatchWriter
from warehouse.base import Warehouse, WarehouseError, WarehouseUnavailable

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
KEY = b"k" * 32
#: An error the chdb backend raises for a value its column cannot hold (its own text).
DATA_ERROR = "column occurred_at (DateTime('UTC')): value out of range (injected by the test)"
TOPICS = Platform(load_settings()).topics


def examples() -> list[bytes]:
    return EXAMPLES.read_bytes().splitlines()


def example_docs() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in examples()]


def with_extra(doc: dict[str, Any], raw_value: bytes, event_id: str) -> bytes:
    """``doc`` as JSON with an unknown field ``data.x`` whose JSON text is ``raw_value`` (verbatim)."""
    text = orjson.dumps({**doc, "event_id": event_id})
    return text.replace(b'"data":{', b'"data":{"x":' + raw_value + b",", 1)


def renamed(line: bytes, event_id: str) -> bytes:
    """An example event under another event id (a valid event the fake warehouses may refuse)."""
    return orjson.dumps({**orjson.loads(line), "event_id": event_id})


def record(value: bytes, offset: int, timestamp: int | None = 1_762_000_000_000) -> SimpleNamespace:
    return SimpleNamespace(value=value, offset=offset, timestamp=timestamp, key=None)


def converted(*records: SimpleNamespace, partition: int = 0, topic: str = TOPICS.events) -> SinkBatch:
    batch = SinkBatch()
    BatchConverter(TOPICS, Pseudonymiser(KEY)).add(batch, TopicPartition(topic, partition), records)
    return batch


class FaultyWarehouse:
    """A real warehouse, except: an ``events`` insert holding a refused event id fails with a data error
    (``refused`` may be changed as the test goes; ``refuse_all`` refuses every events row), and with
    ``outage`` the first insert after such a refusal fails as an outage (connection lost mid-isolation).
    ``on_refusal`` is called before each refusal; ``inserts`` counts the attempts per table."""

    def __init__(self, wh: Warehouse, refused: set[str], *, outage: bool = True) -> None:
        self.wh, self.refused, self.outage = wh, refused, outage
        self.refuse_all = False
        self.pending_outage = False
        self.outages = 0
        self.refusals = 0
        self.inserts: dict[str, int] = {}
        self.on_refusal: Callable[[], None] = lambda: None

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        self.inserts[table] = self.inserts.get(table, 0) + 1
        if self.pending_outage:
            self.pending_outage = False
            self.outages += 1
            raise WarehouseUnavailable("ClickHouse at 127.0.0.1:9: connection lost (test)")
        if table == "events" and (self.refuse_all or self.refused & set(data[0])):
            self.pending_outage = self.outage and self.outages == 0
            self.refusals += 1
            self.on_refusal()
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


def produce(bootstrap: str, messages: Sequence[tuple[str, bytes | None, bytes]], **kw: Any) -> None:
    """Raw bytes straight to the topics (a foreign producer: no validation, no pseudonymisation)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        for topic, key, value in messages:
            producer.send(topic, key=key, value=value, **kw)
        producer.flush()
    finally:
        producer.close()
