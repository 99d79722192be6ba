"""Ingestion through a real broker: valid events keyed by dossier, rejected lines as dead letters."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from pathlib import Path

import orjson
import pytest
from kafka.errors import KafkaTimeoutError

from bootstrap.platform import Platform, kafka_config, platform_topics, topics_of
from bootstrap.settings import load_settings
from schemas.events import EVENT_ADAPTER
from schemas.pseudonym import Pseudonymiser
from streams.ingest import IngestError, ingest_lines, make_producer
from streams.messages import DeadLetter
from streams.topics import ensure_topics

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
KEY = b"k" * 32


def mixed_lines() -> list[bytes]:
    """The 24 contract examples, with broken lines, a blank line and one exact duplicate mixed in."""
    good = EXAMPLES.read_bytes().splitlines(keepends=True)
    with_applicant = next(line for line in good if b"applicant" in line and "Nguyễn".encode() in line)
    broken = orjson.loads(with_applicant)
    broken["data"]["channel"] = "fax"
    return [
        *good[:3],
        b"this is not json\n",  # line 4
        b"\n",  # line 5: blank, ignored
        orjson.dumps(broken) + b"\n",  # line 6: invalid, carries a clear applicant
        *good[3:],
        good[0],  # an exact duplicate: produced anyway, downstream dedups by event_id
        b'{"schema_version": 1, "type": "received"}\n',  # last line: incomplete
    ]


def test_events_keyed_by_dossier_and_rejections_as_dead_letters(broker, topic_reader):
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers, partitions=4)
    lines = mixed_lines()
    good = EXAMPLES.read_bytes().splitlines(keepends=True)
    report = ingest_lines(
        kafka_config(settings), topics_of(settings), lines, "/data/in.jsonl", pseudonymiser=Pseudonymiser(KEY)
    )
    assert (report.lines, report.produced, report.rejected_total) == (len(lines), 25, 3)
    assert dict(report.rejected) == {"json.invalid": 1, "field.invalid": 1, "event_id.missing": 1}

    records = topic_reader(broker.bootstrap_servers, settings.topic_events)
    assert len(records) == 25
    partitions_of: dict[str, set[int]] = defaultdict(set)
    order: dict[str, list[str]] = defaultdict(list)
    for r in records:
        event = EVENT_ADAPTER.validate_json(r.value)
        assert r.key == event.dossier_id.encode()
        partitions_of[event.dossier_id].add(r.partition)
        order[event.dossier_id].append(event.event_id)
    assert len(partitions_of) == 6
    assert all(len(p) == 1 for p in partitions_of.values())  # one dossier, one partition
    assert len({p for ps in partitions_of.values() for p in ps}) > 1  # spread over partitions
    expected: dict[str, list[str]] = defaultdict(list)
    for line in [*good[:3], *good[3:], good[0]]:  # the valid lines, in input order
        doc = orjson.loads(line)
        expected[doc["dossier_id"]].append(doc["event_id"])
    assert order == expected  # input order kept per dossier
    values = b"".join(r.value for r in records)
    assert "Nguyễn".encode() not in values and b"079201001234" not in values
    assert b"hmac-sha256:" in values

    letters = [
        DeadLetter.decode(r.value)
        for r in topic_reader(broker.bootstrap_servers, settings.topic_dead_letters)
    ]
    assert [(d.source, d.offset, d.reason_code) for d in letters] == [
        ("/data/in.jsonl", 4, "json.invalid"),
        ("/data/in.jsonl", 6, "field.invalid"),
        ("/data/in.jsonl", len(lines), "event_id.missing"),
    ]
    assert letters[0].raw == b"* * * *"  # not JSON: masked (docs/privacy.md)
    assert "data.channel" in letters[1].reason
    assert "Nguyễn".encode() not in letters[1].raw and b"hmac-sha256:" in letters[1].raw


def test_same_key_gives_same_pseudonyms_across_runs(broker, topic_reader):
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers, partitions=1)
    good = EXAMPLES.read_bytes().splitlines()
    ingest_lines(kafka_config(settings), topics_of(settings), good, "a", pseudonymiser=Pseudonymiser(KEY))
    ingest_lines(kafka_config(settings), topics_of(settings), good, "b", pseudonymiser=Pseudonymiser(KEY))
    values = [r.value for r in topic_reader(broker.bootstrap_servers, settings.topic_events)]
    assert values[:24] == values[24:]


def test_topics_are_created_with_the_configured_partitions(broker):
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers, partitions=3)
    ingest_lines(kafka_config(settings), topics_of(settings), [], "empty", pseudonymiser=Pseudonymiser(KEY))
    assert set(ensure_topics(broker.kafka, platform_topics(settings)).values()) == {"exists"}
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers)
    try:
        assert consumer.partitions_for_topic(settings.topic_events) == {0, 1, 2}
    finally:
        consumer.close()


def test_undeliverable_messages_raise_a_clear_error(broker):
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers)
    Platform(settings)
    producer = make_producer(
        kafka_config(settings), delivery_timeout_ms=1500, request_timeout_ms=1000,
        max_block_ms=1000, retry_backoff_ms=50, reconnect_backoff_max_ms=200,
    )  # fmt: skip
    ensure_topics(broker.kafka, platform_topics(settings))
    producer.send(settings.topic_events, b"warm-up").get(timeout=5)  # metadata known
    broker.kill()
    try:
        with pytest.raises(IngestError, match=r"not delivered to Kafka at|cannot produce to Kafka at"):
            ingest_lines(kafka_config(settings), topics_of(settings), EXAMPLES.read_bytes().splitlines(), "x",
                         pseudonymiser=Pseudonymiser(KEY), producer=producer, ensure=False)  # fmt: skip
    finally:
        with contextlib.suppress(KafkaTimeoutError):  # the dead broker's batch may still be pending
            producer.close(timeout=1)
        # kafka-python's close raises from its flush before it stops the sender thread: left alive, the
        # thread went on reconnecting with random jitter (the global ``random``) under later hypothesis
        # tests of the same worker, which warned "Do not use the random module inside strategies".
        sender = getattr(producer, "_sender", None)
        if sender is not None and sender.is_alive():
            sender.force_close()
            sender.join(5)


def test_no_bootstrap_servers_is_a_clear_error():
    with pytest.raises(ValueError, match="--bootstrap-servers"):
        ingest_lines(kafka_config(load_settings()), topics_of(load_settings()), [], "x",
                     pseudonymiser=Pseudonymiser(KEY))  # fmt: skip
