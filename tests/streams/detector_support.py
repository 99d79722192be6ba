"""Helpers of the detector tests: a simulated province shuffled within the lateness, a producer, and the
final open set read back from the violations topic."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
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


def true_end_offsets(bootstrap: str, topic: str, *, timeout: float = 30.0) -> dict[int, tuple[int, int]]:
    """Per partition of ``topic``: (the end ListOffsets reports, the true end from a fetch's highwater).

    tansu reports the last record batch's base offset + 1; a correct broker reports the true end, so the two
    are equal there.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             fetch_max_wait_ms=100)  # fmt: skip
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        reported = consumer.end_offsets(tps)
        consumer.assign(tps)
        ends = {tp.partition: (reported[tp], reported[tp]) for tp in tps}
        pending = {tp for tp in tps if reported[tp] > 0}
        for tp in pending:
            consumer.seek(tp, reported[tp] - 1)  # a record that exists: its fetch carries the highwater
        deadline = time.monotonic() + timeout
        while pending:
            for tp, records in consumer.poll(timeout_ms=200).items():
                highwater = consumer.highwater(tp)
                if records and highwater is not None and tp in pending:
                    ends[tp.partition] = (reported[tp], max(highwater, records[-1].offset + 1))
                    pending.discard(tp)
            if pending and time.monotonic() > deadline:
                raise AssertionError(f"no fetch answer for {sorted(pending)} within {timeout} s")
        return ends
    finally:
        consumer.close()


def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record of ``topic`` (all partitions, from the beginning to the TRUE end: the fetches'
    highwater, not ListOffsets' answer, which tansu gets wrong)."""
    ends = {p: true for p, (_, true) in true_end_offsets(bootstrap, topic).items()}
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(ends)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: list[Any] = []
        while any(consumer.position(tp) < ends[tp.partition] for tp in tps):
            for batch in consumer.poll(timeout_ms=500, max_records=50_000).values():
                records.extend(r for r in batch if r.offset < ends[r.partition])
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
    bootstrap: str, workdir: Path, *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    """Run the detector to completion (``--until-idle`` is the caller's); (exit code, stats, stderr).
    ``env``: settings variables added to its environment."""
    done = subprocess.run(
        detect_cmd(bootstrap, *args),
        env=detect_env(workdir, **(env or {})),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    lines = done.stdout.decode().strip().splitlines()
    stats = orjson.loads(lines[-1]) if lines else {}
    return done.returncode, stats, done.stderr.decode()


def committed_offsets(bootstrap: str, group_id: str, topic: str) -> dict[int, int | None]:
    """The offsets ``group_id`` has committed on each partition of ``topic`` (None: nothing committed)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=group_id)
    try:
        parts = sorted(consumer.partitions_for_topic(topic) or ())
        return {p: consumer.committed(TopicPartition(topic, p)) for p in parts}
    finally:
        consumer.close()


class LoggedWorker:
    """A ``worker detect`` process whose JSON log lines are collected as they come (the fault and takeover
    tests read what it said)."""

    def __init__(self, bootstrap: str, workdir: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            detect_cmd(bootstrap, "--json-logs", *args), env=detect_env(workdir),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.logs: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                self.logs.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                self.logs.append({"msg": line.decode(errors="replace")})

    def said(self, message: str) -> list[dict[str, Any]]:
        return [r for r in list(self.logs) if r.get("msg") == message]

    def assignment(self) -> list[int]:
        """Its latest assignment ([] before the first)."""
        found = self.said("detector assignment")
        return list(found[-1]["partitions"]) if found else []

    def stopped_by_signal(self) -> bool:
        """Whether the process is stopped (SIGSTOP): state ``T`` in /proc."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except FileNotFoundError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] == "T"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._reader.join(5)

    def terminate(self, timeout: float = 60) -> dict[str, Any]:
        """SIGTERM, wait, and the stats line it prints when it stops."""
        self.proc.terminate()
        self.proc.wait(timeout=timeout)
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        self._reader.join(5)
        assert self.proc.returncode == 0, self.logs[-10:]
        stats: dict[str, Any] = orjson.loads(out.decode().strip().splitlines()[-1])
        return stats
