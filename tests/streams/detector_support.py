"""Helpers of the detector tests: a simulated province shuffled within the lateness, a producer, and the
final open set read back from the violations topic."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from dossier_audit.simulator import SimulationConfig, generate
from inspections.audit import audit_events
from inspections.rulebook import Auditor
from schemas.events import EVENT_ADAPTER, AnyEvent
from streams.messages import MessageError, ViolationMessage, encode_event, event_key

VKey = tuple[str, str, str]


def province(dossiers: int, start: date, end: date, seed: int = 7) -> list[AnyEvent]:
    config = SimulationConfig(start=start, end=end, dossiers=dossiers, seed=seed)
    return [EVENT_ADAPTER.validate_json(orjson.dumps(e)) for e in generate(config)]


def shuffled(
    events: Sequence[AnyEvent], lateness: timedelta, *, seed: int = 1, duplicates: float = 0.05
) -> list[AnyEvent]:
    """Events in an arrival order where none arrives after the watermark passed it (each is delayed by less
    than ``lateness`` from its event time), with ``duplicates`` of them sent twice (also within lateness)."""
    rng = random.Random(seed)
    span = lateness.total_seconds() * 0.95
    arrivals = [(e.occurred_at + timedelta(seconds=rng.uniform(0, span)), i, e) for i, e in enumerate(events)]
    for i, e in enumerate(events):
        if rng.random() < duplicates:
            arrivals.append((e.occurred_at + timedelta(seconds=rng.uniform(0, span)), len(events) + i, e))
    arrivals.sort(key=lambda a: (a[0], a[1]))
    return [e for _, _, e in arrivals]


def produce(bootstrap: str, topic: str, messages: Iterable[tuple[bytes | None, bytes]]) -> int:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_request_size=8 << 20)
    n = 0
    try:
        for key, value in messages:
            producer.send(topic, value=value, key=key)
            n += 1
        producer.flush()
    finally:
        producer.close()
    return n


def produce_events(bootstrap: str, topic: str, events: Iterable[AnyEvent]) -> int:
    return produce(bootstrap, topic, ((event_key(e), encode_event(e)) for e in events))


def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record of ``topic`` (all partitions, from the beginning to the current end)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        records: list[Any] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for batch in consumer.poll(timeout_ms=500, max_records=50_000).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def final_open_set(bootstrap: str, topic: str) -> dict[VKey, dict[str, Any]]:
    """Apply the violation messages per key, newest version wins; the open ones."""
    latest: dict[VKey, ViolationMessage] = {}
    for record in read_topic(bootstrap, topic):
        try:
            message = ViolationMessage.decode(record.value)
        except MessageError:
            continue
        v = message.violation
        key = (v["dossier_id"], v["rule_id"], v["event_id"] or "")
        known = latest.get(key)
        if known is None or message.version >= known.version:
            latest[key] = message
    return {k: m.violation for k, m in latest.items() if m.state == "open"}


def batch_open_set(
    events: Iterable[AnyEvent], auditor: Auditor, as_of: datetime
) -> dict[VKey, dict[str, Any]]:
    return {
        (v.dossier_id, v.rule_id, v.event_id or ""): v.to_json_dict()
        for v in audit_events(events, auditor, as_of)
    }


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def detect_cmd(bootstrap: str, *args: str) -> list[str]:
    """The ``dossier-audit worker detect`` command line (run in its own process)."""
    return [
        sys.executable,
        "-m",
        "dossier_audit",
        "worker",
        "detect",
        "--bootstrap-servers",
        bootstrap,
        *args,
    ]


def detect_env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_AUDIT_")}
    env.update({"DOSSIER_AUDIT_WORKDIR": str(workdir), "DOSSIER_AUDIT_PSEUDONYM_KEY": "k" * 32, **extra})
    return env


def run_detect(
    bootstrap: str, workdir: Path, *args: str, timeout: float = 60
) -> tuple[int, dict[str, Any], str]:
    """Run the detector to completion (``--until-idle`` is the caller's); (exit code, stats, stderr)."""
    done = subprocess.run(
        detect_cmd(bootstrap, *args),
        env=detect_env(workdir),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    lines = done.stdout.decode().strip().splitlines()
    stats = orjson.loads(lines[-1]) if lines else {}
    return done.returncode, stats, done.stderr.decode()
