"""The sink's fast paths give exactly what the straightforward code gives.

- ``event_row`` (one pydantic-core serialisation per event) equals the reference row built with
  ``to_json_dict`` + orjson + ``schemas.dedup.fingerprint``, value for value, and ``fast_fingerprint``
  equals ``fingerprint`` byte for byte: on the contract examples, a simulated province, events with
  unknown fields, and generated events with arbitrary text and timestamps.
- The facts those proofs rest on: orjson and pydantic-core escape every code point alike; orjson writes a
  UTC datetime as ``isoformat()`` does.
- The pipelined sink: a batch's offsets are committed only after its own write, in batch order, with one
  write in flight while the next batch is converted; a failed write in the writer thread is retried
  before anything else is committed; a batch whose partitions were revoked mid-write is not committed;
  an unexpected writer error stops the sink.
- ``until_idle``: an empty poll flushes a partial batch early only once every assigned partition is
  consumed to the highwater of its last fetch (not after a slow fetch round trip in the middle of a
  catch-up).
"""

from __future__ import annotations

import gc
import threading
import time
import typing
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka import TopicPartition

from bootstrap.platform import Platform, kafka_config, sink_options
from bootstrap.settings import load_settings
from dossier_audit.simulator import SimulationConfig, simulate
from schemas.dedup import fast_fingerprint, fingerprint
from schemas.events import EVENT_ADAPTER, AnyEvent, to_json_dict
from schemas.pseudonym import Pseudonymiser
from streams.ingest import ingest_lines
from streams.sink.batch import SinkBatch
from streams.sink.record_times import record_time as _record_time
from streams.sink.retry import InFlight, RetryPolicy
from streams.sink.worker import GC_THRESHOLD0, SinkWorker
from tests.depth import examples
from warehouse import open_warehouse
from warehouse.base import Warehouse, WarehouseUnavailable
from warehouse.event_rows import EVENT_COLUMNS, event_row

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
KEY = b"k" * 32
FAST = {"max_poll_interval_ms": 5_000, "session_timeout_ms": 3_000, "heartbeat_interval_ms": 500}
AT = datetime(2025, 11, 20, 8, 0, tzinfo=UTC)


def reference_row(event: AnyEvent, source: str, offset: int, ingested_at: datetime) -> tuple[Any, ...]:
    """``event_row`` as first written: the definition of the stored values."""
    doc = to_json_dict(event)
    procedure = getattr(event.data, "procedure_code", None)
    at = event.occurred_at.astimezone(UTC)
    return (
        event.event_id, event.dossier_id, event.type.value, event.schema_version, at.replace(microsecond=0),
        at.microsecond, event.unit_code, event.actor, procedure, orjson.dumps(doc["data"]).decode(),
        orjson.dumps(doc).decode(), fingerprint(event).hex(), source, offset, ingested_at,
    )  # fmt: skip


def assert_same(event: AnyEvent) -> None:
    assert fast_fingerprint(event) == fingerprint(event)
    row = event_row(event, "kafka:dossier-events/3", 17, AT)
    assert len(row) == len(EVENT_COLUMNS)
    assert row == reference_row(event, "kafka:dossier-events/3", 17, AT)
    # Equal is not enough where a type could differ (1 == 1.0 == True): compare the types too.
    assert [type(v) for v in row] == [type(v) for v in reference_row(event, "kafka:dossier-events/3", 17, AT)]


def example_events() -> list[AnyEvent]:
    return [EVENT_ADAPTER.validate_json(line) for line in EXAMPLES.read_bytes().splitlines() if line.strip()]


def test_rows_and_fingerprints_of_the_contract_examples_are_the_reference_ones() -> None:
    pseudonymiser = Pseudonymiser(KEY)
    events = example_events()
    assert len(events) == 24
    for event in events:
        assert_same(event)
        assert_same(pseudonymiser.apply(event))  # a copy with a field updated, as the sink stores it


def test_rows_and_fingerprints_of_a_simulated_province_are_the_reference_ones(tmp_path: Path) -> None:
    config = SimulationConfig(start=datetime(2025, 9, 8).date(), end=datetime(2025, 10, 6).date(),
                              dossiers=300, seed=11)  # fmt: skip
    simulate(config, tmp_path / "events.jsonl", tmp_path / "truth.jsonl")
    pseudonymiser = Pseudonymiser(KEY)
    lines = (tmp_path / "events.jsonl").read_bytes().splitlines()
    assert len(lines) > 1000
    types = set()
    for line in lines:
        event = pseudonymiser.apply(EVENT_ADAPTER.validate_json(line))
        types.add(event.type.value)
        assert_same(event)
    assert len(types) >= 12  # nearly every event type went through


def test_events_with_unknown_fields_take_the_general_path_with_the_same_result() -> None:
    base = orjson.loads(EXAMPLES.read_bytes().splitlines()[1])  # a received event
    variants = [
        {**base, "x-trace": {"b": [1, 2.5, None, "t"], "a": None}},  # unknown envelope field
        {**base, "data": {**base["data"], "note": "hộ", "procedure_code_alt": None}},  # unknown data field
        {**base, "type": "processed", "data": {"procedure_code": "1.004222"}},  # procedure_code as extra
        {**base, "data": {**base["data"], "data": {"data": 1}}, "z": ',"data":'},  # confusing names
    ]
    for doc in variants:
        event = EVENT_ADAPTER.validate_json(orjson.dumps(doc))
        assert event.__pydantic_extra__ or event.data.__pydantic_extra__
        assert_same(event)
    processed = EVENT_ADAPTER.validate_json(orjson.dumps(variants[2]))
    assert event_row(processed, "s", 0, AT)[EVENT_COLUMNS.index("procedure_code")] == "1.004222"


def test_data_is_the_last_field_of_every_event_and_no_data_field_is_named_data() -> None:
    # What ``event_row``'s slicing of ``data`` out of ``raw`` rests on.
    for event_type in typing.get_args(AnyEvent):
        fields = list(event_type.model_fields)
        assert fields[-1] == "data" and fields.count("data") == 1, event_type
        assert "data" not in event_type.model_fields["data"].annotation.model_fields, event_type


def test_every_code_point_is_escaped_alike_by_orjson_and_pydantic_core() -> None:
    base = orjson.loads(EXAMPLES.read_bytes().splitlines()[3])
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]  # JSON text has no lone halves
    for start in range(0, len(points), 8192):
        text = "".join(points[start : start + 8192])
        event = EVENT_ADAPTER.validate_json(orjson.dumps({**base, "actor": text}))
        assert event.actor == text
        raw = type(event).__pydantic_serializer__.to_json(event, exclude_unset=True).decode()
        assert raw == orjson.dumps(to_json_dict(event)).decode()


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_orjson_writes_a_utc_datetime_as_isoformat(value: datetime) -> None:
    assert orjson.dumps(value) == b'"' + value.isoformat().encode() + b'"'


OFFSETS = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
INSTANTS = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=OFFSETS)


def stamp(value: datetime) -> str:
    """RFC 3339 text of an aware datetime (offset in whole minutes, as the contract allows)."""
    text = value.isoformat()
    return text.replace("+00:00", "Z") if value.microsecond % 2 else text


@settings(max_examples=examples(150), deadline=None)
@given(
    text=st.text(max_size=40),
    docs=st.lists(st.text(max_size=12), max_size=4),
    when=INSTANTS,
    due=st.none() | INSTANTS,
    actor=st.none() | st.text(max_size=10),
    kind=st.sampled_from(["received", "apology_issued", "transferred", "withdrawn", "processed"]),
)
def test_generated_events_give_the_reference_rows(
    text: str, docs: list[str], when: datetime, due: datetime | None, actor: str | None, kind: str
) -> None:
    by_kind: dict[str, dict[str, Any]] = {
        "received": {"procedure_code": text, "channel": "direct", "due_at": due and stamp(due),
                     "documents": docs, "applicant": actor},
        "apology_issued": {"notice_id": actor, "reason": text, "new_due_at": due and stamp(due)},
        "transferred": {"to_unit_code": text, "step": actor, **({"step_due_at": stamp(due)} if due else {})},
        "withdrawn": {"reason": actor} if actor is not None else {},
        "processed": {"outcome": None} if actor is None else {},
    }  # fmt: skip
    data = by_kind[kind]
    doc = {"schema_version": 1, "event_id": f"e{text}"[:128], "dossier_id": f"d{text}"[:64], "type": kind,
           "occurred_at": stamp(when), "unit_code": text, "data": data,
           **({"actor": actor} if actor is not None else {})}  # fmt: skip
    assert_same(EVENT_ADAPTER.validate_json(orjson.dumps(doc)))


# -- the pipelined sink ---------------------------------------------------------------------------------


class Record(NamedTuple):
    topic: str
    partition: int
    offset: int
    timestamp: int | None
    value: bytes | None
    key: bytes | None = None


def test_records_of_a_partition_keep_their_own_ingestion_time(tmp_path: Path) -> None:
    settings_ = load_settings(workdir=tmp_path, pseudonym_key="k" * 32)
    kafka, pseudonymiser = kafka_config(settings_, "localhost:9"), Platform(settings_).pseudonymiser
    worker = SinkWorker(kafka, sink_options(settings_), pseudonymiser, None)  # type: ignore[arg-type]
    lines = EXAMPLES.read_bytes().splitlines()[:5]
    stamps = [1_700_000_000_123, 1_700_000_000_999, 1_700_000_001_000, None, 1_700_000_001_000]
    tp = TopicPartition(settings_.topic_events, 4)
    records = [Record(tp.topic, 4, 40 + i, s, v) for i, (s, v) in enumerate(zip(stamps, lines, strict=True))]
    worker._add_records(tp, [*records, Record(tp.topic, 4, 45, 1_700_000_002_000, b"{broken")])
    batch = worker._pending
    assert batch.messages == 6 and batch.offsets == {tp: 46}
    ingested = [row[EVENT_COLUMNS.index("ingested_at")] for row in batch.events]
    assert ingested[:3] == [_record_time(1_700_000_000_123)] * 2 + [_record_time(1_700_000_001_000)]
    assert abs((ingested[3] - datetime.now(UTC)).total_seconds()) < 5  # no timestamp: now
    assert ingested[4] == _record_time(1_700_000_001_000)
    assert [row[EVENT_COLUMNS.index("source_offset")] for row in batch.events] == [40, 41, 42, 43, 44]
    assert {row[EVENT_COLUMNS.index("source")] for row in batch.events} == {"kafka:dossier-events/4"}
    assert batch.rejected[0][-1] == _record_time(1_700_000_002_000)


class SlowWarehouse:
    """Delegates to ``wh``; each events insert takes ``delay`` seconds more and is logged with its span."""

    def __init__(self, wh: Warehouse, delay: float) -> None:
        self.wh, self.delay = wh, delay
        self.spans: list[tuple[float, float]] = []
        self.thread_names: set[str] = set()

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        if table != "events":
            return self.wh.insert(table, columns, data)
        started = time.monotonic()
        self.thread_names.add(threading.current_thread().name)
        time.sleep(self.delay)
        written = self.wh.insert(table, columns, data)
        self.spans.append((started, time.monotonic()))
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wh, name)


def test_a_batch_is_committed_after_its_own_write_in_order_while_the_next_is_converted(
    broker: Any, tmp_path: Path
) -> None:
    settings_ = load_settings(bootstrap_servers=broker.bootstrap_servers, partitions=1, sink_batch_size=4,
                              sink_batch_seconds=0.3, pseudonym_key="k" * 32)  # fmt: skip
    platform = Platform(settings_)
    ingest_lines(
        platform.kafka, platform.topics, EXAMPLES.read_bytes().splitlines(), "examples.jsonl",
        pseudonymiser=Pseudonymiser(KEY),
    )  # fmt: skip
    commits: list[tuple[float, list[int], int]] = []  # (when, offsets of the batch, gc threshold)
    opened: list[float] = []

    def before_commit(batch: SinkBatch) -> None:
        offsets = [row[EVENT_COLUMNS.index("source_offset")] for row in batch.events]
        commits.append((time.monotonic(), offsets, gc.get_threshold()[0]))

    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        slow = SlowWarehouse(wh, 0.4)
        options = sink_options(settings_, consumer_options=FAST, idle_seconds=1.0)
        worker = SinkWorker(platform.kafka, options, platform.pseudonymiser, slow,
                            before_commit=before_commit)  # fmt: skip
        original = worker._flush

        def flush(consumer: Any, stop: threading.Event) -> None:
            opened.append(worker._pending.opened_at)
            original(consumer, stop)

        worker._flush = flush  # type: ignore[method-assign]
        before = gc.get_threshold()
        stats = worker.run(until_idle=True)
        assert gc.get_threshold() == before  # restored
        assert int(wh.query("SELECT count() FROM events FINAL")[0][0]) == 24
    assert stats.events == 24 and stats.batches == len(commits) == len(slow.spans) >= 6
    assert all(threshold >= GC_THRESHOLD0 for _, _, threshold in commits)
    assert slow.thread_names and all("writer" in name for name in slow.thread_names)
    offsets = [o for _, batch, _ in commits for o in batch]
    assert offsets == sorted(offsets) == list(range(24))  # every batch once, committed in order
    for (_, end), (committed_at, _, _) in zip(slow.spans, commits, strict=True):
        assert committed_at >= end  # committed after its own write
    for (_, end), (next_start, _) in zip(slow.spans, slow.spans[1:], strict=False):
        assert next_start >= end  # one write at a time
    # While batch N was written, batch N+1 was already being filled (the conversion overlapped).
    overlapped = [opened[i + 1] < slow.spans[i][1] for i in range(len(slow.spans) - 1)]
    assert sum(overlapped) >= len(overlapped) // 2


class FakeConsumer:
    """Just enough of a KafkaConsumer for the settle/retry path: nothing to poll, commits recorded."""

    def __init__(self) -> None:
        self.commits: list[dict[Any, Any]] = []
        self.paused: list[Any] = []
        self.tp = TopicPartition("dossier-events", 0)

    def commit(self, offsets: dict[Any, Any]) -> None:
        self.commits.append(offsets)

    def assignment(self) -> set[Any]:
        return {self.tp}

    def pause(self, *tps: Any) -> None:
        self.paused.extend(tps)

    def resume(self, *tps: Any) -> None:
        for tp in tps:
            self.paused.remove(tp)

    def poll(self, timeout_ms: int = 0, **_: Any) -> dict[Any, Any]:
        time.sleep(timeout_ms / 1000)
        return {}

    def highwater(self, tp: Any) -> int | None:  # the lag, reported while a write is retried
        return None

    def position(self, tp: Any) -> int | None:
        return None


class FailingWarehouse:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.inserts = failures, error, 0

    def query(self, sql: str, params: Any = None) -> list[Any]:
        return []  # the conflict look-up (streams.sink.conflicts): nothing stored

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        self.inserts += 1
        if self.failures:
            self.failures -= 1
            raise self.error
        return len(data[0])


def settled_worker(
    tmp_path: Path, wh: Any, error: BaseException | None, *, revoked: bool = False
) -> SinkWorker:
    settings_ = load_settings(workdir=tmp_path, pseudonym_key="k" * 32)
    options = sink_options(settings_, retry=RetryPolicy(initial=0.01, maximum=0.02))
    worker = SinkWorker(kafka_config(settings_, "localhost:9"), options, Platform(settings_).pseudonymiser,
                        wh)  # fmt: skip
    batch = SinkBatch(events=[tuple(map(str, range(len(EVENT_COLUMNS))))], messages=1,
                      offsets={TopicPartition("dossier-events", 0): 8})  # fmt: skip
    write: Future[None] = Future()
    if error is None:
        write.set_result(None)
    else:
        write.set_exception(error)
    worker._inflight = InFlight(batch, write, revoked=revoked)
    return worker


def test_a_write_that_failed_in_the_writer_thread_is_retried_before_its_commit(tmp_path: Path) -> None:
    wh = FailingWarehouse(failures=2, error=WarehouseUnavailable("down (test)"))
    worker = settled_worker(tmp_path, wh, WarehouseUnavailable("down (test)"))
    consumer = FakeConsumer()
    worker._settle(consumer, threading.Event())
    assert wh.inserts == 3 and worker.stats.retries == 3  # the writer's failure + two more
    assert [{tp: o.offset for tp, o in c.items()} for c in consumer.commits] == [{consumer.tp: 8}]
    assert consumer.paused == [] and worker._inflight is None
    assert worker.stats.events == 1 and worker.stats.discarded_batches == 0


def test_a_batch_revoked_while_being_written_is_not_committed(tmp_path: Path) -> None:
    worker = settled_worker(tmp_path, FailingWarehouse(0, RuntimeError()), None, revoked=True)
    consumer = FakeConsumer()
    worker._settle(consumer, threading.Event())
    assert consumer.commits == [] and worker.stats.discarded_batches == 1 and worker.stats.events == 0


def test_revocation_marks_the_write_in_flight(tmp_path: Path) -> None:
    worker = settled_worker(tmp_path, FailingWarehouse(0, RuntimeError()), None)
    worker._on_revoked([TopicPartition("dossier-events", 0)])
    assert worker._inflight is not None and worker._inflight.revoked


def test_an_unexpected_writer_error_stops_the_sink_uncommitted(tmp_path: Path) -> None:
    worker = settled_worker(tmp_path, FailingWarehouse(0, RuntimeError()), ZeroDivisionError("bug"))
    consumer = FakeConsumer()
    with pytest.raises(ZeroDivisionError):
        worker._settle(consumer, threading.Event())
    assert consumer.commits == [] and worker.stats.retries == 0


class EndingConsumer(FakeConsumer):
    """:class:`FakeConsumer` whose partition's fetches reported ``highwater`` and whose position is
    ``position``; counts its polls."""

    def __init__(self, highwater: int | None, position: int) -> None:
        super().__init__()
        self.high, self.pos, self.polls = highwater, position, 0

    def poll(self, timeout_ms: int = 0, **_: Any) -> dict[Any, Any]:
        self.polls += 1
        return super().poll(timeout_ms)

    def highwater(self, tp: Any) -> int | None:
        return self.high

    def position(self, tp: Any) -> int:
        return self.pos


@pytest.mark.parametrize(
    ("highwater", "position", "early"),
    [(8, 8, True), (8, 5, False), (None, 5, False)],
    ids=["at-the-end", "behind", "not-fetched-yet"],
)
def test_until_idle_flushes_early_on_an_empty_poll_only_at_the_end_of_the_partitions(
    tmp_path: Path, highwater: int | None, position: int, early: bool
) -> None:
    settings_ = load_settings(workdir=tmp_path, pseudonym_key="k" * 32, sink_batch_seconds=0.6)
    worker = SinkWorker(kafka_config(settings_, "localhost:9"), sink_options(settings_),
                        Platform(settings_).pseudonymiser, None)  # type: ignore[arg-type]  # fmt: skip
    fake = EndingConsumer(highwater, position)
    stopping = threading.Event()
    flushed: list[tuple[float, int]] = []  # (when, polls so far)

    def flush(consumer: Any, stop: threading.Event) -> None:
        flushed.append((time.monotonic(), fake.polls))
        worker._pending = SinkBatch()
        stopping.set()

    worker._flush = flush  # type: ignore[method-assign]
    opened = time.monotonic()
    worker._pending = SinkBatch(messages=1, opened_at=opened)
    worker._loop(fake, True, stopping)
    ((at, polls),) = flushed
    if early:
        assert polls == 1  # the first empty poll: nothing is left to fill the batch with
    else:
        # Empty polls in the middle of a catch-up (slow fetches) do not flush: the batch's time does.
        assert polls > 1 and at - opened >= 0.6
