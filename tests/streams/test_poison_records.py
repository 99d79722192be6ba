"""Poison records (issue 13, item 2): a record in Kafka that a worker cannot convert, store or process goes
to the dead letters / ``rejected_events`` with a reason, and the worker moves on — while a warehouse
outage, or a warehouse refusing every row, keeps its retry-without-loss behaviour.

This file: the sink worker through a real broker (commits in order, nothing lost; a warehouse refusing
every row of a small batch commits nothing until it accepts them), and ``worker sink --until-idle`` as a
process on raw bytes a foreign producer wrote to the topics (extreme times, a 400-digit integer, a
10,000-deep array, NaN, values the warehouse refuses), and its restart. The isolation logic in process is
``test_poison_records_isolation.py``, the rows the sink makes of poison records
``test_poison_records_rows.py``, the detector's side ``test_poison_detector.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
from kafka import TopicPartition

from bootstrap.platform import platform_topics
from bootstrap.settings import load_settings
from streams.observability import WorkerMetrics
from streams.sink.batch import SinkBatch
from streams.sink.isolate import UNSTORABLE
from streams.sink.retry import RetryPolicy
from streams.topics import ensure_topics
from tests.streams.poison_support import FaultyWarehouse, example_docs, examples, produce, with_extra
from tests.streams.test_sink import committed, count, settings_of, sink
from warehouse import open_warehouse
from warehouse.migrate import migrate

__all__ = ["examples", "with_extra"]  # also used by test_poison_detector.py

ROOT = Path(__file__).resolve().parents[2]


# --- the sink worker through a real broker: commits in order, nothing lost ---------------------------------
def test_the_sink_commits_past_a_refused_record_in_order_losing_nothing(broker, tmp_path: Path) -> None:
    settings = settings_of(broker, partitions=2, sink_batch_size=5)
    ensure_topics(broker.kafka, platform_topics(settings))
    docs = example_docs()
    poison = {**docs[7], "event_id": "poison-1"}
    values = [*docs[:10], poison, *docs[10:]]
    produce(broker.bootstrap_servers, [(settings.topic_events, d["dossier_id"].encode(), orjson.dumps(d))
                                       for d in values])  # fmt: skip
    commits: list[dict[TopicPartition, int]] = []

    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        wh = FaultyWarehouse(real, {"poison-1"})

        def before_commit(batch: SinkBatch) -> None:
            # Everything the commit moves past is stored (or rejected) before it is committed.
            stored = {e for (e,) in real.query("SELECT event_id FROM events FINAL")}
            assert {row[0] for row in batch.events} <= stored
            commits.append(dict(batch.offsets))

        metrics = WorkerMetrics()
        worker = sink(settings, wh, metrics=metrics, before_commit=before_commit,
                      retry=RetryPolicy(initial=0.05, maximum=0.2))  # fmt: skip
        stats = worker.run(until_idle=True)
        assert wh.outages == 1 and stats.retries == 1
        # Once each (a retried part, or the canary of the isolation, is a physical copy until a merge).
        assert count(real, "events", final=True) == 24
        assert real.query("SELECT count(DISTINCT event_id) FROM events")[0][0] == 24
        assert real.query("SELECT reason_code FROM rejected_events FINAL") == [(UNSTORABLE,)]
    assert stats.poison == 1 and stats.events == 24
    assert metrics.poison_records.labels(reason=UNSTORABLE)._value.get() == 1
    assert metrics.events_rejected.labels(reason=UNSTORABLE)._value.get() == 1
    for tp in {tp for c in commits for tp in c}:  # per partition, each commit goes further
        offsets = [c[tp] for c in commits if tp in c]
        assert offsets == sorted(set(offsets))
    assert sum(committed(broker).values()) == 25  # every record, the poison one included


def test_a_warehouse_refusing_every_row_of_a_small_batch_commits_nothing_until_it_accepts(
    broker, tmp_path: Path
) -> None:
    """Three events, a warehouse refusing every events row with a data error (a schema that does not match
    the code, on a quiet stream): retried like an outage — nothing rejected, nothing committed — and once
    the warehouse accepts them, each is stored exactly once and committed."""
    settings = settings_of(broker, partitions=1)
    ensure_topics(broker.kafka, platform_topics(settings))
    docs = example_docs()[:3]
    produce(broker.bootstrap_servers, [(settings.topic_events, d["dossier_id"].encode(), orjson.dumps(d))
                                       for d in docs])  # fmt: skip
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        wh = FaultyWarehouse(real, set(), outage=False)
        wh.refuse_all = True
        commits_seen: list[dict[Any, int]] = []

        def on_refusal() -> None:
            commits_seen.append(committed(broker))
            if wh.refusals >= 20:  # two attempts (each: the batch, its bisection, each row again), and
                wh.refuse_all = False  # it accepts in the middle of the third one's bisection

        wh.on_refusal = on_refusal
        metrics = WorkerMetrics()
        worker = sink(settings, wh, metrics=metrics, retry=RetryPolicy(initial=0.05, maximum=0.1))
        stats = worker.run(until_idle=True)
        assert commits_seen and all(seen == {} for seen in commits_seen)  # nothing committed meanwhile
        assert stats.retries >= 2 and stats.poison == 0
        assert count(real, "rejected_events", final=False) == 0
        assert count(real, "events", final=False) == 3  # each exactly once
        assert {e for (e,) in real.query("SELECT event_id FROM events")} == {d["event_id"] for d in docs}
    assert metrics.poison_records.labels(reason=UNSTORABLE)._value.get() == 0
    assert sum(committed(broker).values()) == 3


# --- worker sink as a process, on what a foreign producer can write -----------------------------------------
ENV = {**os.environ, "DOSSIER_AUDIT_PSEUDONYM_KEY": "k" * 32}


def sink_process(bootstrap: str, url: str) -> subprocess.CompletedProcess[bytes]:
    args = [sys.executable, "-m", "dossier_audit", "worker", "sink", "--bootstrap-servers", bootstrap,
            "--warehouse", url, "--until-idle", "--json-logs", "--session-timeout", "3"]  # fmt: skip
    return subprocess.run(args, check=False, cwd=ROOT, capture_output=True, env=ENV, timeout=90)


def test_worker_sink_rejects_what_a_foreign_producer_wrote_and_survives_a_restart(
    broker, tmp_path: Path
) -> None:
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers)
    ensure_topics(broker.kafka, platform_topics(settings))
    docs = example_docs()
    first = docs[0]
    poison_events = {
        "early": orjson.dumps({**first, "event_id": "p-early", "occurred_at": "0001-01-01T00:00:00+14:00"}),
        "late": orjson.dumps({**first, "event_id": "p-late", "occurred_at": "9999-12-31T23:59:59-14:00"}),
        "big integer": with_extra(first, b"9" * 400, "p-int"),
        "deep array": with_extra(first, b"[" * 10_000 + b"]" * 10_000, "p-deep"),
        "NaN": with_extra(first, b"NaN", "p-nan"),
    }
    events = (
        [orjson.dumps(d) for d in docs[:12]]
        + list(poison_events.values())
        + [orjson.dumps(d) for d in docs[12:]]
    )
    key = first["dossier_id"].encode()  # the poison share the first dossier's partition with valid events
    poison = set(poison_events.values())
    keys = [key if v in poison else orjson.loads(v)["dossier_id"].encode() for v in events]
    produce(
        broker.bootstrap_servers, [(settings.topic_events, k, v) for k, v in zip(keys, events, strict=True)]
    )
    at = "2025-11-11T00:00:00+00:00"
    letter = {
        "source": "f.jsonl",
        "offset": 2**63,
        "reason_code": "x",
        "reason": "y",
        "raw": "z",
        "rejected_at": at,
    }
    fine_letter = {**letter, "offset": 3}
    violation: dict[str, Any] = {"dossier_id": "D1", "rule_id": "R", "event_id": None, "kind": "violation",
                 "severity": "high", "unit_code": "U1", "procedure_code": "P1", "occurred_at": at,
                 "legal_basis": "x", "rulebook_version": "v1", "evidence": {}}  # fmt: skip
    message = {"state": "open", "as_of": at, "producer": "detector", "violation": violation}
    # The warehouse refuses 2**63 as an Int64 source_offset and -1 as a UInt64 version.
    produce(broker.bootstrap_servers, [
        (settings.topic_dead_letters, None, orjson.dumps(letter)),
        (settings.topic_dead_letters, None, orjson.dumps(fine_letter)),
        (settings.topic_violations, b"D1", orjson.dumps({**message, "version": -1})),
        (settings.topic_violations, b"D1", orjson.dumps({**message, "version": 2})),
    ])  # fmt: skip
    url = f"chdb://{tmp_path}/wh"

    run = sink_process(broker.bootstrap_servers, url)
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    stats = orjson.loads(run.stdout)
    assert stats["events_stored"] == 24 and stats["poison_records"] == 2
    logged = [orjson.loads(line) for line in run.stderr.decode().splitlines()]
    assert sum(line["msg"] == "poison record rejected" for line in logged) == 2  # one line each
    with open_warehouse(url) as wh:
        assert count(wh, "events") == 24
        assert wh.query("SELECT count(DISTINCT event_id) FROM events")[0][0] == 24
        stored = {e for (e,) in wh.query("SELECT event_id FROM events")}
        assert stored == {d["event_id"] for d in docs}
        rows = wh.query("SELECT source, source_offset, reason_code, reason FROM rejected_events FINAL")
        from_events = [r for r in rows if r[0].startswith(f"kafka:{settings.topic_events}/")]
        assert len(from_events) == len(poison_events) and all(r[2] and r[3] for r in from_events)
        assert {r[2] for r in rows if not r[0].startswith("kafka:dossier-events")} >= {UNSTORABLE}
        assert ("kafka:dossier-dead-letters/0", 0, UNSTORABLE) in {r[:3] for r in rows}
        assert ("f.jsonl", 3, "x") in {r[:3] for r in rows}
        assert any(r[0].startswith("kafka:dossier-violations/") and r[2] == UNSTORABLE for r in rows)
        assert wh.query("SELECT version FROM violations FINAL") == [(2,)]

    again = sink_process(broker.bootstrap_servers, url)  # the restart: no crash, nothing new
    assert again.returncode == 0, again.stderr.decode()[-3000:]
    assert orjson.loads(again.stdout)["messages"] == 0
