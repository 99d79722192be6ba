"""Benchmark of the warehouse sink against a raw kafka-python consumer, in one run on one broker (tansu).

    python bench/sink.py                 # ~100k simulated events, 2 rounds
    python bench/sink.py --events 30000 --rounds 1

The simulated province is produced once to the events topic of an embedded broker. Each round then
measures, on that same topic:

- baseline: a raw kafka-python consumer (all partitions assigned, no group) that decodes every message
  with ``orjson.loads``; events/s from the first record in hand to the last one decoded;
- sink: one :class:`streams.sink.worker.SinkWorker` (new consumer group, fresh chdb warehouse); events/s from
  the first record of its first batch to the write of its last batch (the group join is not throughput).

It prints each round, and the medians; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson
from kafka import KafkaConsumer, TopicPartition

from bootstrap.platform import Platform, kafka_config, platform_topics, sink_options
from bootstrap.settings import Settings, load_settings
from dossier_audit.simulator import SimulationConfig, simulate
from streams.broker import EmbeddedBroker
from streams.ingest import ingest_lines
from streams.sink.batch import SinkBatch
from streams.sink.worker import SinkWorker
from streams.topics import ensure_topics
from warehouse import open_warehouse

START = date(2025, 1, 6)


def simulate_province(directory: Path, events: int) -> Path:
    """About ``events`` events of a simulated province (5.5 events per dossier on average)."""
    config = SimulationConfig(
        start=START, end=START + timedelta(weeks=8), dossiers=max(1000, round(events / 5.5)), seed=3
    )
    path = directory / "events.jsonl"
    simulate(config, path, directory / "truth.jsonl")
    return path


def baseline_rate(servers: str, topic: str, expected: int) -> float:
    """Raw kafka-python consume + ``orjson.loads`` of every message of ``topic``."""
    consumer = KafkaConsumer(
        bootstrap_servers=servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=8 << 20,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        seen = 0
        started = 0.0
        deadline = time.monotonic() + 300
        while seen < expected and time.monotonic() < deadline:
            polled = consumer.poll(timeout_ms=500, max_records=50_000)
            if polled and not started:
                started = time.perf_counter()
            for records in polled.values():
                for record in records:
                    orjson.loads(record.value)
                seen += len(records)
        if seen < expected:
            raise SystemExit(f"baseline read {seen} of {expected} events")
        return seen / (time.perf_counter() - started)
    finally:
        consumer.close()


def sink_rate(settings: Settings, servers: str, wh_dir: Path, group: str, expected: int) -> dict[str, Any]:
    """One sink worker over the whole topic into a fresh chdb warehouse."""
    platform = Platform(settings)
    first: list[float] = []
    last: list[float] = []

    def stamp(batch: SinkBatch) -> None:
        if not first:
            first.append(batch.opened_at)
        last[:] = [time.monotonic()]

    with open_warehouse(f"chdb://{wh_dir}") as wh:
        options = sink_options(settings, group_id=group)
        worker = SinkWorker(
            kafka_config(settings, servers), options, platform.pseudonymiser, wh, before_commit=stamp
        )
        started = time.monotonic()
        stats = worker.run(until_idle=True)
        wall = time.monotonic() - started
    if stats.events < expected:
        raise SystemExit(f"sink stored {stats.events} of {expected} events")
    return {
        "events_per_s": stats.events / (last[0] - first[0]),
        "batches": stats.batches,
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000, help="about this many simulated events")
    parser.add_argument("--rounds", type=int, default=2, help="baseline + sink measurements (default 2)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-sink-") as tmp:
        work = Path(tmp)
        path = simulate_province(work, args.events)
        settings = load_settings(workdir=work, partitions=8)
        with EmbeddedBroker(log_file=work / "broker.log") as broker:
            servers = broker.bootstrap_servers
            ensure_topics(broker.kafka, platform_topics(settings))
            platform = Platform(settings)
            with path.open("rb") as lines:
                produced = ingest_lines(
                    broker.kafka,
                    platform.topics,
                    lines,
                    str(path),
                    pseudonymiser=platform.pseudonymiser,
                    ensure=False,
                )
            n = produced.produced
            print(f"events: {n:,} on {settings.partitions} partitions", flush=True)
            bases: list[float] = []
            sinks: list[float] = []
            for i in range(args.rounds):
                base = baseline_rate(servers, settings.topic_events, n)
                run = sink_rate(settings, servers, work / f"wh-{i}", f"bench-sink-{i}", n)
                bases.append(base)
                sinks.append(run["events_per_s"])
                print(
                    f"round {i + 1}: baseline kafka-python {base:>9,.0f} events/s   "
                    f"sink {run['events_per_s']:>8,.0f} events/s ({run['batches']} batches, "
                    f"{run['wall_s']:.1f} s wall)   ratio {run['events_per_s'] / base:.3f}",
                    flush=True,
                )
    base_median, sink_median = statistics.median(bases), statistics.median(sinks)
    print(
        f"median:  baseline {base_median:,.0f} events/s, sink {sink_median:,.0f} events/s, "
        f"ratio {sink_median / base_median:.3f}"
    )
    print(
        json.dumps(
            {
                "events": n,
                "rounds": args.rounds,
                "batch_size": settings.sink_batch_size,
                "baseline_events_per_s": [round(b) for b in bases],
                "sink_events_per_s": [round(s) for s in sinks],
                "baseline_median": round(base_median),
                "sink_median": round(sink_median),
                "ratio": round(sink_median / base_median, 3),
                "targets": {"ratio_min": 0.5, "sink_events_per_s_min": 20_000},
            }
        )
    )


if __name__ == "__main__":
    main()
