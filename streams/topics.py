"""Topic creation: idempotent, with kafka-python's admin client."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from bootstrap.settings import Settings


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int = 1


def platform_topics(settings: Settings) -> list[TopicSpec]:
    """Events (keyed by dossier, ``settings.partitions``), violations (same partitioning), dead letters."""
    rf = settings.replication_factor
    return [
        TopicSpec(settings.topic_events, settings.partitions, rf),
        TopicSpec(settings.topic_violations, settings.partitions, rf),
        TopicSpec(settings.topic_dead_letters, 1, rf),
    ]


def ensure_topics(
    bootstrap_servers: str, specs: Iterable[TopicSpec], *, timeout: float = 30.0, **client_options: Any
) -> dict[str, str]:
    """Create the topics that do not exist; returns ``{name: "created" | "exists"}``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap_servers, client_id="dossier-audit-admin", **client_options
            )
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
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
                raise RuntimeError(f"cannot create topic {spec.name!r}: {exc}") from exc
    finally:
        admin.close()
    return result
