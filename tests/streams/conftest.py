"""Fixtures for streaming tests: a real tansu broker process per test (memory storage, ~40 ms start)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streams.broker import EmbeddedBroker


@pytest.fixture
def broker(tmp_path) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(log_file=tmp_path / "broker.log") as b:
        yield b


def read_topic(bootstrap_servers: str, topic: str, *, timeout: float = 10.0) -> list:
    """Every record of ``topic`` (all partitions, manual assignment: no group join), read to the end."""
    import time

    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False,
                             auto_offset_reset="earliest", fetch_max_wait_ms=100)  # fmt: skip
    try:
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        records: list = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
            # The fetch responses' highwater marks (tansu's ListOffsets answers are not exact).
            if all(consumer.highwater(tp) is not None and consumer.position(tp) >= consumer.highwater(tp)
                   for tp in tps):  # fmt: skip
                return records
        raise AssertionError(f"could not read {topic} to its end within {timeout} s")
    finally:
        consumer.close()


@pytest.fixture
def topic_reader():
    """``read(bootstrap_servers, topic)``: all records of a topic."""
    return read_topic
