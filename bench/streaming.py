"""Benchmark of the stream workers, in one run on one embedded broker (tansu).

    python bench/streaming.py --quick     # ~100k events, a 10 s latency run
    python bench/streaming.py             # ~400k events, a 30 s latency run

Figures, each measured on the same simulated province in the same topic:

- baseline: the raw aiokafka consume-and-decode rate (all partitions assigned, ``orjson.loads`` per message);
- detector: events/s of one ``dossier-audit worker detect`` worker, from its own processing time (first
  event to caught up; Faust start-up and the consumer-group join are not throughput);
- sink: events/s of the warehouse sink (kafka-python consumer → chdb), first message to caught up;
- latency: at a steady 2,000 events/s, the 99th percentile from producing a violating event to its
  violation stored in the warehouse (detector and sink running live, allowed lateness 0).

The detector and the sink are also given as ratios to the baseline. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaProducer

from bench.sink import sink_rate
from bootstrap.platform import Platform, kafka_config, platform_topics, sink_options
from bootstrap.settings import Settings, load_settings
from dossier_audit.simulator import SimulationConfig, simulate
from schemas.events import EVENT_ADAPTER
from streams.broker import EmbeddedBroker
from streams.ingest import ingest_lines
from streams.messages import encode_event, event_key
from streams.sink.batch import SinkBatch
from streams.sink.worker import SinkWorker
from streams.topics import ensure_topics
from warehouse import open_warehouse

START = date(2025, 1, 6)


def simulate_province(directory: Path, events: int) -> Path:
    dossiers = max(1000, round(events / 5.5))
    config = SimulationConfig(start=START, end=START + timedelta(weeks=8), dossiers=dossiers, seed=3)
    path = directory / "events.jsonl"
    simulate(config, path, directory / "truth.jsonl")
    return path


def baseline_rate(servers: str, topic: str, expected: int) -> float:
    """Raw aiokafka consume + orjson decode of every message of ``topic``."""

    async def run() -> float:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=servers,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=8 << 20,
        )
        await consumer.start()
        try:
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
            ]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            seen = 0
            started = time.perf_counter()
            while seen < expected:
                batches = await consumer.getmany(timeout_ms=500, max_records=50_000)
                for records in batches.values():
                    for record in records:
                        orjson.loads(record.value)
                    seen += len(records)
            return seen / (time.perf_counter() - started)
        finally:
            await consumer.stop()

    return asyncio.run(run())


def detector_rate(settings: Settings, servers: str, workdir: Path, as_of: datetime) -> dict[str, Any]:
    """One detector worker over the whole topic; its own summary gives events and processing seconds."""
    args = [
        sys.executable, "-m", "dossier_audit", "worker", "detect", "--bootstrap-servers", servers,
        "--until-idle", "--as-of", as_of.isoformat(),
    ]  # fmt: skip
    out = subprocess.run(args, capture_output=True, check=False, cwd=workdir, timeout=900)
    if out.returncode != 0:
        raise SystemExit(f"detector failed ({out.returncode}): {out.stderr.decode()[-2000:]}")
    summary = orjson.loads(out.stdout.splitlines()[-1])
    return summary  # type: ignore[no-any-return]


def latency_run(settings: Settings, servers: str, workdir: Path, seconds: float, rate: int) -> dict[str, Any]:
    """p99 from producing a violating event to its violation stored, at ``rate`` events/s."""
    platform = Platform(settings)
    produced_at: dict[str, float] = {}
    stored_at: dict[str, float] = {}

    def on_stored(batch: SinkBatch) -> None:
        now = time.monotonic()
        for row in batch.violations:
            event_id = row[2]
            if event_id in produced_at and event_id not in stored_at:
                stored_at[event_id] = now

    stop = threading.Event()
    with open_warehouse(f"chdb://{workdir / 'latency-wh'}") as wh:
        options = sink_options(settings, group_id="bench-latency-sink")
        sink = SinkWorker(kafka_config(settings, servers), options, platform.pseudonymiser, wh,
                          before_commit=on_stored)  # fmt: skip
        sink_thread = threading.Thread(target=sink.run, kwargs={"stop_event": stop}, daemon=True)
        sink_thread.start()
        detector = subprocess.Popen(
            [sys.executable, "-m", "dossier_audit", "worker", "detect", "--bootstrap-servers", servers,
             "--allowed-lateness", "0"],
            cwd=workdir, stdout=subprocess.DEVNULL, stderr=(workdir / "latency-detector.log").open("wb"),
        )  # fmt: skip
        try:
            producer = KafkaProducer(bootstrap_servers=servers, linger_ms=5, acks="all")
            time.sleep(15)  # both consumer groups joined (tansu completes a join after the rebalance timeout)
            interval = 1.0 / rate
            total = int(seconds * rate)
            started = time.monotonic()
            for i in range(total):
                target = started + i * interval
                delay = target - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                now = datetime.now(UTC)
                event_id = f"bench-{i}"
                doc = {
                    "schema_version": 1, "event_id": event_id, "dossier_id": f"000.10.01.H99-250106-{i:06d}",
                    "type": "received", "occurred_at": now.isoformat(), "unit_code": "000.10.01.H99",
                    "data": {"procedure_code": "1.004222", "channel": "direct",
                             "due_at": (now + timedelta(days=10)).isoformat(),
                             "documents": ["NOT-A-COMPONENT"]},
                }  # fmt: skip
                event = EVENT_ADAPTER.validate_python(doc)
                produced_at[event_id] = time.monotonic()
                producer.send(settings.topic_events, key=event_key(event), value=encode_event(event))
            producer.flush()
            deadline = time.monotonic() + 30
            while len(stored_at) < total and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            detector.terminate()
            detector.wait(20)
            stop.set()
            sink_thread.join(30)
    latencies = sorted(stored_at[k] - produced_at[k] for k in stored_at)
    if not latencies:
        raise SystemExit("no violation reached the warehouse; see latency-detector.log")
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    return {
        "events": total,
        "violations_stored": len(latencies),
        "p50_s": round(statistics.median(latencies), 3),
        "p99_s": round(p99, 3),
        "max_s": round(latencies[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="~100k events and a 10 s latency run")
    args = parser.parse_args()
    target_events = 100_000 if args.quick else 400_000
    latency_seconds = 10.0 if args.quick else 30.0

    with tempfile.TemporaryDirectory(prefix="bench-streaming-") as tmp:
        work = Path(tmp)
        path = simulate_province(work, target_events)
        settings = load_settings(workdir=work, partitions=8, sink_batch_seconds=0.2)
        with EmbeddedBroker(log_file=work / "broker.log") as broker:
            servers = broker.bootstrap_servers
            ensure_topics(broker.kafka, platform_topics(settings))
            with path.open("rb") as lines:
                platform = Platform(settings)
                produced = ingest_lines(broker.kafka, platform.topics, lines, str(path),
                                        pseudonymiser=platform.pseudonymiser, ensure=False)  # fmt: skip
            n = produced.produced
            print(f"events: {n:,} on {settings.partitions} partitions (ingest {n / produced.seconds:,.0f}/s)")

            base = baseline_rate(servers, settings.topic_events, n)
            print(f"baseline  aiokafka consume + orjson decode   {base:>10,.0f} events/s", flush=True)

            det = detector_rate(settings, servers, work, datetime(2025, 3, 3, tzinfo=UTC))
            det_rate = float(det["events_per_second"])
            print(f"detector  1 worker                          {det_rate:>10,.0f} events/s   "
                  f"ratio {det_rate / base:.3f}", flush=True)  # fmt: skip

            sink = sink_rate(settings, servers, work / "sink-wh", "bench-sink", n)["events_per_s"]
            print(f"sink      kafka-python → chdb               {sink:>10,.0f} events/s   "
                  f"ratio {sink / base:.3f}", flush=True)  # fmt: skip

        with EmbeddedBroker(log_file=work / "broker-latency.log") as broker:
            lat_settings = load_settings(workdir=work / "latency", partitions=8, sink_batch_seconds=0.2,
                                         allowed_lateness_seconds=0)  # fmt: skip
            (work / "latency").mkdir()
            ensure_topics(broker.kafka, platform_topics(lat_settings))
            latency = latency_run(
                lat_settings, broker.bootstrap_servers, work / "latency", latency_seconds, 2000
            )
            print(
                f"latency   produce → violation stored at 2,000 events/s: p50 {latency['p50_s']:.3f} s, "
                f"p99 {latency['p99_s']:.3f} s ({latency['violations_stored']:,} violations)",
                flush=True,
            )

    figures = {
        "events": n,
        "baseline_events_per_s": round(base),
        "detector_events_per_s": round(det_rate),
        "detector_ratio": round(det_rate / base, 3),
        "sink_events_per_s": round(sink),
        "sink_ratio": round(sink / base, 3),
        "latency_p50_s": latency["p50_s"],
        "latency_p99_s": latency["p99_s"],
        "targets": {
            "detector_and_sink_ratio_min": 0.5,
            "per_worker_events_per_s_min": 20_000,
            "latency_p99_s_max": 2.0,
        },
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
