"""Benchmark of the stream workers, in one run on one embedded broker (tansu).

    python bench/streaming.py --quick     # ~100k events, a 10 s latency run
    python bench/streaming.py             # ~400k events, a 30 s latency run

Figures, each measured on the same simulated province (the same file, then the same topic), in one run so
that their ratios hold however busy the machine is:

- batch audit: events/s of the batch engine auditing the file at the replay's ``as_of`` with the same
  rulebook, one process (``batch_workers=1``), in a fresh process as ``bench/batch_audit.py`` runs it;
  measured before and after the detector, the faster run kept (so does the kafka-python loop around the
  sink): load from elsewhere during one baseline run then lowers a ratio instead of raising it;
- detector: events/s of one ``dossier-audit worker detect`` worker, from its own processing time (first
  event to caught up; Faust start-up and the consumer-group join are not throughput); its baseline is the
  batch audit (target: ratio ≥ 0.5);
- kafka-python: a raw kafka-python consume-and-``orjson.loads`` loop over the topic (``bench/sink.py``'s);
- sink: events/s of the warehouse sink (kafka-python consumer → chdb), first message to caught up; its
  baseline is the raw kafka-python loop (target: ratio ≥ 0.5);
- aiokafka: the raw aiokafka consume-and-decode rate (the detector's client), for reference;
- latency: at a steady 2,000 events/s, the 99th percentile from producing a violating event to its
  violation stored in the warehouse (detector and sink running live, allowed lateness 0; target < 2 s).

The last line is one JSON object with every figure, its baseline and ratio.
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

from bench.sink import baseline_rate as kafka_python_rate
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


def batch_rate(path: Path, as_of: datetime) -> dict[str, Any]:
    """The batch audit of ``path`` at ``as_of``, one engine process, timed in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--batch-child", str(path), as_of.isoformat()],
        capture_output=True, check=False, timeout=900, cwd=path.parent,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"batch audit failed ({out.returncode}): {out.stderr.decode()[-2000:]}")
    figures: dict[str, Any] = orjson.loads(out.stdout.splitlines()[-1])
    return figures


def batch_child(path: Path, as_of: str) -> None:
    """Run in a fresh process: the audit of ``path`` with one engine process; prints events and seconds."""
    from dossier_audit.jobs.files import audit_file

    platform = Platform(load_settings(batch_workers=1))
    _ = platform.auditor  # load catalogue and calendar before the clock starts
    started = time.perf_counter()
    run = audit_file(platform, path, datetime.fromisoformat(as_of))
    violations = sum(1 for _ in run.violations)
    seconds = time.perf_counter() - started
    print(json.dumps({"events": run.stats.valid, "violations": violations, "seconds": seconds}))


def aiokafka_rate(servers: str, topic: str, expected: int) -> float:
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


def _line(name: str, rate: float, base_name: str | None = None, base: float | None = None) -> None:
    text = f"{name:<44} {rate:>10,.0f} events/s"
    if base_name is not None and base:
        text += f"   baseline {base_name} {base:,.0f}/s   ratio {rate / base:.3f}"
    print(text, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="~100k events and a 10 s latency run")
    parser.add_argument("--batch-child", nargs=2, metavar=("FILE", "AS_OF"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_child:
        batch_child(Path(args.batch_child[0]), args.batch_child[1])
        return
    target_events = 100_000 if args.quick else 400_000
    latency_seconds = 10.0 if args.quick else 30.0
    as_of = datetime(2025, 3, 3, tzinfo=UTC)

    with tempfile.TemporaryDirectory(prefix="bench-streaming-") as tmp:
        work = Path(tmp)
        path = simulate_province(work, target_events)
        batch_runs = [batch_rate(path, as_of)]
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

            det = detector_rate(settings, servers, work, as_of)
            det_rate = float(det["events_per_second"])
            batch_runs.append(batch_rate(path, as_of))
            # Each baseline is measured before and after its worker and the faster run kept: a machine
            # busier during one of them then lowers the worker's ratio rather than raising it.
            batch_eps = max(run["events"] / run["seconds"] for run in batch_runs)
            _line("batch audit  1 process, same file and as_of", batch_eps)
            _line("detector     1 worker", det_rate, "batch audit", batch_eps)

            raws = [kafka_python_rate(servers, settings.topic_events, n)]
            sink = sink_rate(settings, servers, work / "sink-wh", "bench-sink", n)["events_per_s"]
            raws.append(kafka_python_rate(servers, settings.topic_events, n))
            raw = max(raws)
            _line("kafka-python consume + orjson decode", raw)
            _line("sink         kafka-python → chdb", sink, "kafka-python", raw)

            aio = aiokafka_rate(servers, settings.topic_events, n)
            _line("aiokafka     consume + orjson decode", aio)
            print(f"{'':<44} (detector / aiokafka {det_rate / aio:.3f}, sink / aiokafka {sink / aio:.3f})")

        with EmbeddedBroker(log_file=work / "broker-latency.log") as broker:
            lat_settings = load_settings(workdir=work / "latency", partitions=8, sink_batch_seconds=0.2,
                                         allowed_lateness_seconds=0)  # fmt: skip
            (work / "latency").mkdir()
            ensure_topics(broker.kafka, platform_topics(lat_settings))
            latency = latency_run(
                lat_settings, broker.bootstrap_servers, work / "latency", latency_seconds, 2000
            )
            print(
                f"latency      produce → violation stored at 2,000 events/s: p50 {latency['p50_s']:.3f} s, "
                f"p99 {latency['p99_s']:.3f} s (target < 2 s; {latency['violations_stored']:,} violations)",
                flush=True,
            )

    figures = {
        "events": n,
        "batch_audit_events_per_s": round(batch_eps),
        "batch_audit_runs_events_per_s": [round(r["events"] / r["seconds"]) for r in batch_runs],
        "detector_events_per_s": round(det_rate),
        "detector_baseline": "batch_audit",
        "detector_ratio": round(det_rate / batch_eps, 3),
        "kafka_python_events_per_s": round(raw),
        "kafka_python_runs_events_per_s": [round(r) for r in raws],
        "sink_events_per_s": round(sink),
        "sink_baseline": "kafka_python",
        "sink_ratio": round(sink / raw, 3),
        "aiokafka_events_per_s": round(aio),
        "detector_ratio_to_aiokafka": round(det_rate / aio, 3),
        "sink_ratio_to_aiokafka": round(sink / aio, 3),
        "latency_p50_s": latency["p50_s"],
        "latency_p99_s": latency["p99_s"],
        "targets": {"detector_ratio_min": 0.5, "sink_ratio_min": 0.5, "latency_p99_s_max": 2.0},
        "met": {
            "detector": det_rate / batch_eps >= 0.5,
            "sink": sink / raw >= 0.5,
            "latency": latency["p99_s"] < 2.0,
        },
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
