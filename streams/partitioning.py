"""Which partition an event goes to: kafka-python's default (the Java client's murmur2 of the key, so every
producer of the platform, the detector's aiokafka one included, puts a dossier's events in one partition),
computed once per dossier rather than once per event.

kafka-python hashes in pure Python (~30 µs a key) and, per message, builds the sets of the cluster's topics
and of the topic's partitions twice: for the main job's sample province (109,000 events) some 3 s of CPU of
its ingestion, for a dossier's five events on average the same answer each time.
"""

from __future__ import annotations

from typing import Any

from kafka.partitioner.abc import Partitioner
from kafka.partitioner.default import DefaultPartitioner, murmur2

#: Keys remembered (about 160 bytes each, 10 MB in all); past that the memory is cleared and filled again: a
#: file's dossiers come and go with time, and the producer's memory stays bounded whatever the input's size.
REMEMBERED_KEYS = 65_536


class DossierPartitioner(Partitioner):  # type: ignore[misc]
    """kafka-python's ``DefaultPartitioner``, remembering the partition of each key for a topic and its
    number of partitions (Kafka numbers them 0 to n - 1: the number is the whole set). A message without a
    key goes where the default sends it (any available partition)."""

    def __init__(self, remembered: int = REMEMBERED_KEYS) -> None:
        self._default = DefaultPartitioner()
        self._remembered = remembered
        self._known: dict[tuple[str, bytes, int], int] = {}

    def partition(
        self, topic: str, key: Any, serialized_key: bytes | None, value: Any, serialized_value: Any,
        cluster: Any,
    ) -> int:  # fmt: skip
        if serialized_key is None:
            return int(self._default.partition(topic, key, serialized_key, value, serialized_value, cluster))
        partitions = cluster.partitions_for_topic(topic)
        if partitions is None:  # as the default says it
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        seen = (topic, serialized_key, len(partitions))
        found = self._known.get(seen)
        if found is None:
            if len(self._known) >= self._remembered:
                self._known.clear()
            found = sorted(partitions)[(murmur2(serialized_key) & 0x7FFFFFFF) % len(partitions)]
            self._known[seen] = found
        return found
