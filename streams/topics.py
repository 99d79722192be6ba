"""The platform's topics, and their idempotent creation (kafka-python's admin client).

Events and violations are keyed by ``dossier_id`` and share one partition count: the detector's tables are
co-partitioned with the events topic, and a dossier's violations land in the partition of its events.
Dead letters need no order: one partition.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from streams.kafka import KafkaConfig, StreamError, Unreachable, quiet_bootstrap

__all__ = [
    "BrokersUnreachable",
    "PlatformTopics",
    "TopicError",
    "TopicSpec",
    "ensure_topics",
    "partition_count",
]


class TopicError(StreamError):
    """Topics could not be listed, created or described."""


class BrokersUnreachable(TopicError, Unreachable):
    """No bootstrap server answered within the timeout: a bad setting or a server down, before anything
    was read or sent (a command exits 2 for it, as for any unreachable server: README)."""


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int = 1


@dataclass(frozen=True, slots=True)
class PlatformTopics:
    """The three topics every stream worker agrees on, and the layout they are created with."""

    events: str
    violations: str
    dead_letters: str
    #: Of the events and violations topics (the detector's tables follow the events topic).
    partitions: int
    replication_factor: int = 1

    def specs(self) -> list[TopicSpec]:
        """Events (keyed by dossier), violations (same partitioning), dead letters (one partition)."""
        rf = self.replication_factor
        return [
            TopicSpec(self.events, self.partitions, rf),
            TopicSpec(self.violations, self.partitions, rf),
            TopicSpec(self.dead_letters, 1, rf),
        ]


#: How long a TLS handshake may take before a broker is taken for a plaintext listener.
_HANDSHAKE_SECONDS = 10.0


def _admin(kafka: KafkaConfig, timeout: float) -> Any:
    """An admin client, retried until ``timeout`` while the brokers do not answer yet (each attempt's
    bootstrap bounded by what is left of it: kafka-python's own bound is 30 s); :class:`BrokersUnreachable`
    when none answered, kafka-python's logs of the attempts silenced (``quiet_bootstrap``)."""
    # Imported here: kafka-python costs ~0.2 s to import (measured, 2 CPUs, warm cache, on top of the CLI's
    # own imports), and the composition root imports this module on every start for PlatformTopics.
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

    deadline = time.monotonic() + timeout
    stalled = kafka.stalled_tls(min(timeout, _HANDSHAKE_SECONDS))  # within the caller's timeout
    if stalled is not None:
        raise BrokersUnreachable(stalled)
    with quiet_bootstrap():
        while True:
            left = max(1000, int((deadline - time.monotonic()) * 1000))
            try:
                return KafkaAdminClient(
                    bootstrap_servers=kafka.bootstrap_servers, client_id="dossier-audit-admin",
                    bootstrap_timeout_ms=left, **kafka.kafka_python_options(),
                )  # fmt: skip
            except KafkaError as exc:
                if time.monotonic() > deadline:
                    unreachable = isinstance(exc, KafkaTimeoutError | KafkaConnectionError)
                    raise (BrokersUnreachable if unreachable else TopicError)(str(exc)) from exc
                time.sleep(0.5)


def ensure_topics(kafka: KafkaConfig, specs: Iterable[TopicSpec], *, timeout: float = 30.0) -> dict[str, str]:
    """Create the topics that do not exist; returns ``{name: "created" | "exists"}``.

    Raises :class:`TopicError` when the brokers do not answer within ``timeout`` or refuse a topic.
    """
    from kafka.admin import NewTopic  # lazily, as in _admin
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    admin = _admin(kafka, timeout)
    result: dict[str, str] = {}
    try:
        existing = set(admin.list_topics())
        for spec in specs:
            if spec.name in existing:
                result[spec.name] = "exists"
                continue
            try:
                admin.create_topics([NewTopic(spec.name, spec.partitions, spec.replication_factor)])
                result[spec.name] = "created"
            except TopicAlreadyExistsError:  # created concurrently by another worker
                result[spec.name] = "exists"
            except KafkaError as exc:
                raise TopicError(f"cannot create topic {spec.name!r}: {exc}") from exc
    except KafkaError as exc:
        raise TopicError(str(exc)) from exc
    finally:
        admin.close()
    return result


def partition_count(kafka: KafkaConfig, topic: str) -> int | None:
    """How many partitions ``topic`` has (None when the brokers do not know it)."""
    from kafka import KafkaConsumer  # lazily, as in _admin
    from kafka.errors import KafkaError

    try:
        consumer = KafkaConsumer(
            bootstrap_servers=kafka.bootstrap_servers,
            enable_auto_commit=False,
            **kafka.kafka_python_options(),
        )
        try:
            parts = consumer.partitions_for_topic(topic)
        finally:
            consumer.close()
    except KafkaError as exc:
        raise TopicError(str(exc)) from exc
    return len(parts) if parts else None
