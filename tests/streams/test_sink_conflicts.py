"""The sink keeps the first version of an event id, as every other path does (review of 2026-12-04): a
resend with other content (other pseudonyms too), in the same batch or a later one, is rejected as
``event_id.conflict``; an identical resend is stored again (unchanged), one of the same content written
otherwise is dropped (the first text stays)."""

from __future__ import annotations

import orjson
from kafka import TopicPartition

from bootstrap.platform import Platform, kafka_config, sink_options
from bootstrap.settings import load_settings
from schemas.pseudonym import Pseudonymiser
from streams.observability import WorkerMetrics
from streams.sink.batch import BatchConverter, SinkBatch, SinkStats, count_stored
from streams.sink.worker import SinkWorker
from streams.sink.writer import BatchWriter
from streams.topics import PlatformTopics
from tests.streams.poison_support import examples, record
from warehouse import open_warehouse
from warehouse.migrate import migrate

TOPICS = PlatformTopics("ev", "vi", "dl", 1)


def _batch(converter: BatchConverter, lines: list[bytes], first_offset: int) -> SinkBatch:
    batch = SinkBatch()
    records = [record(line, first_offset + i) for i, line in enumerate(lines)]
    for r in records:
        r.topic, r.partition, r.key = "ev", 0, None
    converter.add(batch, TopicPartition("ev", 0), records)
    return batch


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


def test_other_pseudonyms_conflict_and_never_replace_the_stored_ones(warehouse_url: str) -> None:
    """The sink cannot know the key the producer pseudonymised with, and the table keeps the last row
    inserted under one key: a copy with other pseudonyms (an ``ingest`` run without the deployment's key,
    even by a sink without one) is a conflict, as the detector judges it, and the stored version stays
    (review of 2026-12-04: such a copy was stored over the first, its applicant no longer linked)."""
    doc = orjson.loads(examples()[1])
    line = orjson.dumps({**doc, "data": {**doc["data"], "applicant": "079201001234"}})
    with open_warehouse(warehouse_url, create_database=True) as wh:
        migrate(wh)
        first = _batch(BatchConverter(TOPICS, Pseudonymiser(b"k" * 32)), [line], 0)
        BatchWriter(wh, WorkerMetrics(), SinkStats()).write(first)
        stored = wh.query("SELECT raw FROM events FINAL WHERE event_id = %(id)s", {"id": doc["event_id"]})
        for n, key in enumerate((b"o" * 32, b"p" * 32)):  # one-off keys, the sink's too
            made_up = _batch(BatchConverter(TOPICS, Pseudonymiser(key, stable=False)), [line], 5 + n)
            BatchWriter(wh, WorkerMetrics(), SinkStats()).write(made_up)
            assert made_up.rejected_reasons == ["event_id.conflict"] and made_up.events == []
        twice = _batch(BatchConverter(TOPICS, Pseudonymiser(b"q" * 32, stable=False)), [line, line], 20)
        BatchWriter(wh, WorkerMetrics(), SinkStats()).write(twice)  # within a batch: the same pseudonyms
        assert twice.rejected_reasons == ["event_id.conflict"] * 2  # each against the stored version
        assert (
            wh.query("SELECT raw FROM events FINAL WHERE event_id = %(id)s", {"id": doc["event_id"]})
            == stored
        )


def test_a_sink_worker_without_a_key_rejects_a_copy_with_other_pseudonyms(
    warehouse_url: str, tmp_path
) -> None:
    """The sink as the composition root builds it, with no key configured: it judged versions with other
    pseudonyms by its own key (one-off, so "the same") and stored the copy over the first (review of
    2026-12-04). It now rejects it, as the detector does, and the stored version stays."""
    settings = load_settings(workdir=tmp_path)  # no pseudonymisation key
    pseudonymiser = Platform(settings).pseudonymiser
    assert not pseudonymiser.stable
    doc = orjson.loads(examples()[1])
    line = orjson.dumps({**doc, "data": {**doc["data"], "applicant": "079201001234"}})
    with open_warehouse(warehouse_url, create_database=True) as wh:
        migrate(wh)
        worker = SinkWorker(kafka_config(settings, "localhost:9"), sink_options(settings), pseudonymiser, wh)
        worker._writer.write(_batch(BatchConverter(TOPICS, Pseudonymiser(b"k" * 32)), [line], 0))
        stored = wh.query("SELECT raw FROM events FINAL WHERE event_id = %(id)s", {"id": doc["event_id"]})
        copy = _batch(BatchConverter(TOPICS, pseudonymiser), [line], 5)  # the applicant under the one-off key
        worker._writer.write(copy)
        assert copy.rejected_reasons == ["event_id.conflict"] and copy.events == []
        assert (
            wh.query("SELECT raw FROM events FINAL WHERE event_id = %(id)s", {"id": doc["event_id"]})
            == stored
        )


def test_the_same_event_written_otherwise_keeps_the_first_text(warehouse_url: str) -> None:
    """Review of 2026-12-05: the same instants written in UTC ("Z") are the same content (EVENTS.md), a
    duplicate: stored again, its text replaced the stored one (the table keeps the last row under a key),
    and the verdicts quoted UTC times. Dropped instead, in the batch of the first version and in a later
    one; an identical resend is still stored again, unchanged."""
    received = examples()[1]
    doc = orjson.loads(received)
    assert doc["occurred_at"] == "2025-11-03T09:15:00+07:00"
    utc = orjson.dumps({**doc, "occurred_at": "2025-11-03T02:15:00Z"})  # the same instant
    converter = BatchConverter(TOPICS, Pseudonymiser(b"k" * 32))
    with open_warehouse(warehouse_url, create_database=True) as wh:  # on both backends
        migrate(wh)
        writer = BatchWriter(wh, WorkerMetrics(), SinkStats())
        first = _batch(converter, [received, utc], 0)
        writer.write(first)
        assert len(first.events) == 1 and first.rejected_reasons == []
        second = _batch(converter, [utc, received], 10)
        writer.write(second)
        assert len(second.events) == 1 and second.rejected_reasons == []  # the identical resend only
        stored = wh.query("SELECT raw FROM events FINAL WHERE event_id = %(id)s", {"id": doc["event_id"]})
        assert len(stored) == 1 and orjson.loads(stored[0][0])["occurred_at"] == doc["occurred_at"]
        assert wh.query("SELECT count() FROM rejected_events") == [(0,)]
    # Counted as the detector counts a resend (they were only in a log line), once committed.
    assert (first.duplicates, second.duplicates) == (1, 1)
    metrics, stats = WorkerMetrics(), SinkStats()
    count_stored(first, stats, metrics, committed=False)
    assert metrics.events_duplicate._value.get() == 0 and stats.duplicates == 1
    count_stored(second, stats, metrics)
    assert metrics.events_duplicate._value.get() == 1 and stats.to_json_dict()["duplicates_dropped"] == 2
