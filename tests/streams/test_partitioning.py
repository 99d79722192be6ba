"""The ingestion's partitioner remembers each dossier's partition: the same partition as kafka-python's
default (the Java client's murmur2), whatever the key, the topic's partitions and how many keys it
remembers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka.partitioner.default import DefaultPartitioner

from streams.partitioning import DossierPartitioner
from tests.depth import examples


class _Cluster:
    """What a partitioner reads of kafka-python's ``ClusterMetadata``."""

    def __init__(self, partitions: dict[str, int]) -> None:
        self.partitions = partitions

    def topics(self) -> set[str]:
        return set(self.partitions)

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        n = self.partitions.get(topic)
        return None if n is None else set(range(n))

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions_for_topic(topic) or set()


@settings(max_examples=examples(200), deadline=None)
@given(
    keys=st.lists(st.binary(max_size=40), min_size=1, max_size=60),
    counts=st.lists(st.integers(1, 64), min_size=1, max_size=3),
    remembered=st.integers(1, 8),
)
def test_the_partition_of_every_key_is_the_defaults(
    keys: list[bytes], counts: list[int], remembered: int
) -> None:
    """Keys asked again (remembered or forgotten), and the topic's partitions growing between them."""
    ours, default = DossierPartitioner(remembered), DefaultPartitioner()
    for count in counts:
        cluster = _Cluster({"events": count})
        for key in keys + keys[::-1]:
            got = ours.partition("events", None, key, None, None, cluster)
            assert got == default.partition("events", None, key, None, None, cluster)
        assert len(ours._known) <= remembered


def test_a_message_without_a_key_goes_to_any_partition_and_an_unknown_topic_is_refused() -> None:
    ours, cluster = DossierPartitioner(), _Cluster({"dead": 3})
    assert {ours.partition("dead", None, None, None, b"x", cluster) for _ in range(60)} == {0, 1, 2}
    with pytest.raises(ValueError, match="not found"):
        ours.partition("other", None, b"k", None, None, cluster)


def test_the_ingestion_producer_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from streams import ingest
    from streams.kafka import KafkaConfig

    seen: dict[str, Any] = {}
    monkeypatch.setattr(ingest, "KafkaProducer", lambda **options: seen.update(options))
    ingest.make_producer(KafkaConfig(bootstrap_servers="localhost:9"))
    assert isinstance(seen["partitioner"], DossierPartitioner)
