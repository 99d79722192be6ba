"""The sink keeps the first version of an event id, as every other path does (review of 2026-12-04): a
resend with other content, in the same batch or a later one, is rejected as ``event_id.conflict``; a resend
with the same content, or differing only in its pseudonyms, is stored again (unchanged)."""

from __future__ import annotations

import orjson
from kafka import TopicPartition

from bootstrap.platform import kafka_config, topics_of
from bootstrap.settings import load_settings
from schemas.pseudonym import Pseudonymiser
from streams.ingest import ingest_lines
from streams.messages import KEYED, ONE_OFF, PSEUDONYMS_HEADER
from streams.observability import WorkerMetrics
from streams.sink.batch import BatchConverter, SinkBatch, SinkStats
from streams.sink.writer import BatchWriter
from streams.topics import PlatformTopics
from tests.streams.poison_support import examples, record
from warehouse import open_warehouse
from warehouse.migrate import migrate

TOPICS = PlatformTopics("ev", "vi", "dl", 1)


def _batch(
    converter: BatchConverter, lines: list[bytes], first_offset: int, pseudonyms: bytes | None = None
) -> SinkBatch:
    """The batch of ``lines`` as records of partition 0 from ``first_offset``, with a ``pseudonyms`` header
    of that value (none when None)."""
    batch = SinkBatch()
    records = [record(line, first_offset + i) for i, line in enumerate(lines)]
    for r in records:
        r.topic, r.partition, r.key = "ev", 0, None
        r.headers = [] if pseudonyms is None else [(PSEUDONYMS_HEADER, pseudonyms)]
    converter.add(batch, TopicPartition("ev", 0), records)
    return batch


def _pseudonymised(line: bytes, key: bytes) -> bytes:
    """``line`` as a producer with ``key`` sends it (its stored raw JSON is the canonical message)."""
    raw: str = _batch(BatchConverter(TOPICS, Pseudonymiser(key)), [line], 0).events[0][10]
    return raw.encode()


def test_a_conflicting_version_is_rejected_in_its_batch_and_in_a_later_one(warehouse_url: str) -> None:
    received = examples()[1]
    doc = orjson.loads(received)
    changed = orjson.dumps({**doc, "data": {**doc["data"], "due_at": "2025-11-20T17:00:00+07:00"}})
    later = orjson.dumps({**doc, "occurred_at": "2025-11-04T09:15:00+07:00"})  # another time: another row key
    converter = BatchConverter(TOPICS, Pseudonymiser(b"k" * 32))
    with open_warehouse(warehouse_url, create_database=True) as wh:  # on both backends
        migrate(wh)
        writer = BatchWriter(wh, WorkerMetrics(), SinkStats())
        first = _batch(converter, [received, received, changed], 0)
        writer.write(first)
        assert len(first.events) == 2 and first.rejected_reasons == ["event_id.conflict"]
        second = _batch(converter, [later, received], 10)
        writer.write(second)
        assert len(second.events) == 1 and second.rejected_reasons == ["event_id.conflict"]
        stored = wh.query("SELECT raw FROM events FINAL WHERE event_id = %(id)s", {"id": doc["event_id"]})
        assert [orjson.loads(raw)["occurred_at"] for (raw,) in stored] == [doc["occurred_at"]]
        assert orjson.loads(stored[0][0])["data"]["due_at"] == doc["data"]["due_at"]
        rejected = wh.query("SELECT source, source_offset, reason_code FROM rejected_events FINAL ORDER BY 2")
        assert rejected == [("kafka:ev/0", 2, "event_id.conflict"), ("kafka:ev/0", 10, "event_id.conflict")]


def test_other_pseudonyms_conflict_only_under_a_configured_key(warehouse_url: str) -> None:
    """Review of 2026-12-04: versions differing in their pseudonyms alone were one event whatever the key;
    then the sink judged by its own key, which the producer need not share: the message's header says."""
    doc = orjson.loads(examples()[1])
    line = orjson.dumps({**doc, "data": {**doc["data"], "applicant": "079201001234"}})
    other = orjson.dumps({**doc, "data": {**doc["data"], "applicant": "079201009999"}})
    keyed = BatchConverter(TOPICS, Pseudonymiser(b"k" * 32))  # a sink with the deployment's key
    with open_warehouse(warehouse_url, create_database=True) as wh:
        migrate(wh)
        writer = BatchWriter(wh, WorkerMetrics(), SinkStats())
        writer.write(_batch(keyed, [line], 0))
        # The same event from an ingest without the key (its header says so): the same applicant under a
        # made-up key, pseudonymised by the producer, is the same event, though the sink has a key.
        made_up, made_again = (_pseudonymised(line, key) for key in (b"o" * 32, b"p" * 32))
        resent = _batch(keyed, [made_up], 5, ONE_OFF)
        writer.write(resent)
        assert resent.rejected_reasons == [] and len(resent.events) == 1
        # ... and without the header, a sink with a key takes the pseudonyms as keyed: another applicant.
        unsaid = _batch(keyed, [made_again], 7)
        writer.write(unsaid)
        assert unsaid.rejected_reasons == ["event_id.conflict"]
        # A producer's keyed pseudonyms conflict even when the sink has no key of its own.
        sink_without_key = BatchConverter(TOPICS, Pseudonymiser(b"z" * 32, stable=False))
        said = _batch(sink_without_key, [made_again], 8, KEYED)
        writer.write(said)
        assert said.rejected_reasons == ["event_id.conflict"]
        # Another applicant under the deployment's key: other content, within a batch alike.
        again = _batch(keyed, [other], 10)
        writer.write(again)
        assert again.rejected_reasons == ["event_id.conflict"] and again.events == []
        twice = _batch(keyed, [line, other], 20)
        writer.write(twice)
        assert twice.rejected_reasons == ["event_id.conflict"]


def test_ingest_says_whether_its_pseudonyms_are_keyed_through_a_real_broker(broker, topic_reader) -> None:
    """The header travels: ingest's records, as a consumer reads them from the broker, carry it."""
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers, partitions=1)
    lines = examples()[:2]
    for pseudonymiser in (Pseudonymiser(b"k" * 32), Pseudonymiser(b"o" * 32, stable=False)):
        ingest_lines(kafka_config(settings), topics_of(settings), lines, "f", pseudonymiser=pseudonymiser)
    records = topic_reader(broker.bootstrap_servers, settings.topic_events)
    assert [dict(r.headers)[PSEUDONYMS_HEADER] for r in records] == [KEYED, KEYED, ONE_OFF, ONE_OFF]
    batch = SinkBatch()
    BatchConverter(TOPICS, Pseudonymiser(b"k" * 32)).add(batch, TopicPartition("ev", 0), records)
    assert batch.one_off == {("kafka:ev/0", 2), ("kafka:ev/0", 3)}
