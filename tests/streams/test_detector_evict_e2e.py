"""Eviction end to end (issue 17): a real broker, a real ClickHouse server (18.16, the session's), the
sink storing events into it, and `worker detect --history-warehouse` in its own process: a dossier is
evicted, a late event for it comes, and it is judged exactly (its violation retracted) from the warehouse."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from kafka import KafkaProducer

from bootstrap.platform import Platform, platform_topics
from bootstrap.settings import load_settings
from schemas.events import AnyEvent
from streams.broker import EmbeddedBroker
from streams.messages import encode_event, event_key
from streams.topics import ensure_topics
from tests.builders import apology, ev, processed, received
from tests.streams.detector_support import batch_open_set, detect_cmd, detect_env, final_open_set
from tests.warehouse.server import ClickHouseServer, free_port

SETTINGS = load_settings()
EVENTS, VIOLATIONS = SETTINGS.topic_events, SETTINGS.topic_violations


@pytest.fixture
def history_url(clickhouse_server: ClickHouseServer) -> Iterator[str]:
    database = f"evict_{uuid.uuid4().hex[:12]}"
    clickhouse_server.admin_execute(f"CREATE DATABASE {database}")
    try:
        yield clickhouse_server.url(database)
    finally:
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {database}")


def send(bootstrap: str, events: list[AnyEvent]) -> None:
    """All on partition 0: one watermark moves them all (the key is still the dossier id)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        for e in events:
            producer.send(EVENTS, key=event_key(e), value=encode_event(e), partition=0)
        producer.flush()
    finally:
        producer.close()


def metric(port: int, name: str) -> float:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return -1.0
    for line in text.splitlines():
        if line.startswith(f"dossier_audit_{name} "):
            return float(line.split()[1])
    return -1.0


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def test_a_late_event_for_an_evicted_dossier_is_judged_from_the_warehouse(
    broker: EmbeddedBroker, history_url: str, tmp_path: Path
) -> None:
    ensure_topics(broker.kafka, platform_topics(SETTINGS))
    servers = broker.bootstrap_servers
    env = detect_env(tmp_path)
    sink = subprocess.Popen(
        [sys.executable, "-m", "dossier_audit", "worker", "sink", "--bootstrap-servers", servers,
         "--warehouse", history_url],
        env=env, stdout=subprocess.PIPE, stderr=(tmp_path / "sink.log").open("wb"),
    )  # fmt: skip
    port = free_port()
    detector = subprocess.Popen(
        detect_cmd(servers, "--history-warehouse", history_url, "--allowed-lateness", "3600",
                   "--metrics-port", str(port)),
        env=env, stdout=subprocess.PIPE, stderr=(tmp_path / "detector.log").open("wb"),
    )  # fmt: skip
    try:
        # R1: due Thursday, processed Friday, no apology: LATE_NO_APOLOGY. Then a month passes.
        first = [
            received("2025-11-03 09:00", "2025-11-06 17:00", procedure="1.004194", dossier="R1"),
            processed("2025-11-07 10:00", dossier="R1"),
        ]
        clock = [ev("withdrawn", f"2025-12-{day:02d} 09:00", dossier=f"C{day}") for day in range(1, 8)]
        send(servers, [*first, *clock])
        wait_for(
            lambda: ("R1", "LATE_NO_APOLOGY", "") in final_open_set(servers, VIOLATIONS), "R1's violation"
        )
        # Evicted by a later batch than the one that published its violation (once that was delivered).
        clock.append(ev("withdrawn", "2025-12-08 09:00", dossier="C8"))
        send(servers, clock[-1:])
        wait_for(lambda: metric(port, "detector_evicted_dossiers_total") >= 1, "R1's eviction", 90)
        assert ("R1", "LATE_NO_APOLOGY", "") in final_open_set(servers, VIOLATIONS)

        # A month late: the apology was made on Tuesday, in time. The detector no longer holds R1.
        sorry = apology("2025-11-04 15:00", "2025-11-10 17:00", dossier="R1")
        send(servers, [sorry])
        wait_for(lambda: metric(port, "detector_late_events_evicted_total") >= 1, "the late path", 90)
        wait_for(
            lambda: ("R1", "LATE_NO_APOLOGY", "") not in final_open_set(servers, VIOLATIONS), "retraction"
        )
        assert metric(port, "detector_dossiers_reloaded_total") == 1
    finally:
        detector.send_signal(signal.SIGTERM)
        out, _ = detector.communicate(timeout=60)
        sink.send_signal(signal.SIGTERM)
        sink.communicate(timeout=60)
    log = (tmp_path / "detector.log").read_text()
    assert "dossier eviction on" in log and "Traceback" not in log, log[-3000:]
    stats = orjson.loads(out.decode().strip().splitlines()[-1])
    assert stats["evicted"] >= 1 and stats["reloaded"] == 1 and stats["late_events_evicted"] == 1
    assert stats["history_mismatches"] == 0
    # Exactly the batch audit of everything sent (every dossier has ended: any later instant will do).
    want = batch_open_set(
        [*first, *clock, sorry], Platform(SETTINGS).auditor, datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert ("R1", "LATE_NO_APOLOGY", "") not in want
    assert final_open_set(servers, VIOLATIONS) == want


def test_a_chdb_history_is_refused_in_one_line(broker: EmbeddedBroker, tmp_path: Path) -> None:
    done = subprocess.run(
        detect_cmd(broker.bootstrap_servers, "--history-warehouse", f"chdb://{tmp_path}/wh", "--until-idle"),
        env=detect_env(tmp_path), capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    err = done.stderr.decode()
    assert done.returncode == 2 and "only its owner" in err and "Traceback" not in err
