"""Soak benchmark of the detector's memory over a simulated province-year (issue 17: bounded memory).

    python bench/streaming_soak.py            # ~3.1 M events, 12 months of event time
    python bench/streaming_soak.py --quick    # ~60 k events: a smoke run of the same steps

What runs, on one machine: an embedded broker (tansu), a ClickHouse server (Debian's 18.16, started here on
free ports, as the tests start it), the warehouse sink (``dossier-audit worker sink``) storing the events
into it, and ONE detector (``dossier-audit worker detect --history-warehouse``: ended dossiers are evicted
once quiet for the allowed lateness past the watermark, and read back from the warehouse when a late event
comes). The year is produced month by month; after each month the bench waits until the detector's
consumer group has committed every partition to its true end (fetch highwaters: tansu's ListOffsets is
wrong), then reads the detector's RSS (``VmRSS`` of ``/proc/PID/status``) and prints it.

In the last two months it also sends, for dossiers that ended in January (evicted long before), events
that came late (a supplement request without a written notice, dated inside the dossier's processing: a
new violation) and duplicates of their old events (a re-run ``ingest``: no-ops). The detector's counts
(``evicted``, ``reloaded``, ``late_events_evicted``) show the late path took them.

At the end the detector is stopped, and a second one (same group: it restores from the changelog, evicted
dossiers stay evicted) finalises at ``--as-of`` (the simulation's end). The final open violations (the
violations topic, newest version per key) must equal the batch audit of the same events
(``dossier_audit.jobs.files.audit_file``, in its own process), JSON included, and the last month's RSS
must be within 1.5x the second month's. The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson
from kafka import KafkaConsumer, TopicPartition

from bootstrap.platform import Platform, platform_topics
from bootstrap.settings import load_settings
from dossier_audit.simulator import SimulationConfig, simulate
from streams.broker import EmbeddedBroker
from streams.ingest import ingest_lines
from streams.messages import MessageError, ViolationMessage
from streams.topics import ensure_topics

START, END = date(2025, 1, 1), date(2026, 1, 1)
EVENTS_PER_DOSSIER = 5.5  # the simulator's default mix (measured: 5.51)
GROUP = "dossier-audit-detector"
PSEUDONYM_KEY = "soak-benchmark-key-0123456789abcdef"
END_TYPES = {"processed", "returned", "suspended", "refused", "withdrawn"}


# --- the data -----------------------------------------------------------------------------------------------
def simulate_year(work: Path, events: int) -> tuple[Path, str]:
    config = SimulationConfig(start=START, end=END, dossiers=round(events / EVENTS_PER_DOSSIER), seed=17)
    path = work / "year.jsonl"
    summary = simulate(config, path, work / "truth.jsonl")
    return path, summary.as_of.isoformat()


def split_by_month(path: Path, work: Path, late_count: int) -> tuple[list[Path], list[bytes], list[bytes]]:
    """The year's lines per month of event time (local, as written); and, for dossiers that ended in
    January, late events (a supplement request without notice inside their processing) and duplicates."""
    outs = [(work / f"month-{m:02d}.jsonl").open("wb") for m in range(1, 13)]
    received: dict[str, dict[str, Any]] = {}
    ended: dict[str, dict[str, Any]] = {}
    old_lines: dict[str, bytes] = {}
    with path.open("rb") as lines:
        for line in lines:
            month = int(line[line.index(b'"occurred_at":"') + 20 : line.index(b'"occurred_at":"') + 22])
            outs[month - 1].write(line)
            if month == 1 and len(ended) < late_count:
                doc = orjson.loads(line)
                d = doc["dossier_id"]
                if doc["type"] == "received":
                    received[d] = doc
                    old_lines[d] = line
                elif doc["type"] in END_TYPES and d in received and d not in ended:
                    ended[d] = doc
    for out in outs:
        out.close()
    late, duplicates = [], []
    for d in ended:
        recv = received[d]
        event = {
            "schema_version": 1, "event_id": f"{d}-soak-late", "dossier_id": d,
            "type": "supplement_requested",
            "occurred_at": recv["occurred_at"], "unit_code": recv["unit_code"],
            "data": {"notice_id": None, "reason": "", "requested_documents": []},
        }  # fmt: skip
        late.append(orjson.dumps(event) + b"\n")
        duplicates.append(old_lines[d])
    return [Path(o.name) for o in outs], late, duplicates


# --- Kafka reads --------------------------------------------------------------------------------------------
def true_ends(servers: str, topic: str) -> dict[int, int]:
    """Per partition, the true end (a fetch's highwater; tansu's ListOffsets stops short)."""
    consumer = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False, fetch_max_wait_ms=100)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        reported = consumer.end_offsets(tps)
        ends = {tp.partition: reported[tp] for tp in tps}
        pending = {tp for tp in tps if reported[tp] > 0}
        consumer.assign(tps)
        for tp in pending:
            consumer.seek(tp, reported[tp] - 1)
        while pending:
            for tp, records in consumer.poll(timeout_ms=200).items():
                high = consumer.highwater(tp)
                if records and high is not None and tp in pending:
                    ends[tp.partition] = max(high, records[-1].offset + 1)
                    pending.discard(tp)
        return ends
    finally:
        consumer.close()


def committed(servers: str, group: str, topic: str, partitions: list[int]) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False)
    try:
        return {p: consumer.committed(TopicPartition(topic, p)) or 0 for p in partitions}
    finally:
        consumer.close()


def wait_caught_up(servers: str, topic: str, process: subprocess.Popen[bytes], timeout: float) -> float:
    """Seconds until the detector's group has committed every partition of ``topic`` to its true end."""
    started = time.monotonic()
    ends = true_ends(servers, topic)
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the detector exited with code {process.returncode}; see detector.log")
        done = committed(servers, GROUP, topic, sorted(ends))
        if all(done[p] >= end for p, end in ends.items()):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise SystemExit(f"the detector did not catch up within {timeout:.0f} s: {done} of {ends}")
        time.sleep(1.0)


def final_open_set(servers: str, topic: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The violations topic, newest version per key wins: the open ones."""
    ends = true_ends(servers, topic)
    consumer = KafkaConsumer(
        bootstrap_servers=servers, enable_auto_commit=False, max_partition_fetch_bytes=8 << 20
    )
    latest: dict[tuple[str, str, str], tuple[int, str, dict[str, Any]]] = {}
    try:
        tps = [TopicPartition(topic, p) for p in sorted(ends)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        while any(consumer.position(tp) < ends[tp.partition] for tp in tps):
            for records in consumer.poll(timeout_ms=500, max_records=50_000).values():
                for r in records:
                    if r.offset >= ends[r.partition]:
                        continue
                    try:
                        m = ViolationMessage.decode(r.value)
                    except MessageError:
                        continue
                    v = m.violation
                    key = (v["dossier_id"], v["rule_id"], v["event_id"] or "")
                    known = latest.get(key)
                    if known is None or m.version >= known[0]:
                        latest[key] = (m.version, m.state, v)
    finally:
        consumer.close()
    return {k: v for k, (_, state, v) in latest.items() if state == "open"}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmRSS for process {pid}")


# --- the batch audit (its own process) ----------------------------------------------------------------------
def child_audit(path: Path, as_of: str, out: Path) -> None:
    from datetime import datetime

    from dossier_audit.jobs.files import audit_file

    platform = Platform(load_settings())
    run = audit_file(platform, path, datetime.fromisoformat(as_of))
    with out.open("wb") as fh:
        for v in run.violations:
            fh.write(orjson.dumps(v) + b"\n")


def batch_open_set(path: Path, as_of: str, work: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    out = work / "batch-violations.jsonl"
    subprocess.run([sys.executable, __file__, "--child", str(path), as_of, str(out)], check=True)
    found = {}
    with out.open("rb") as fh:
        for line in fh:
            v = orjson.loads(line)
            found[(v["dossier_id"], v["rule_id"], v["event_id"] or "")] = v
    return found


# --- the run ------------------------------------------------------------------------------------------------
#: The workers this bench started (killed at the end if a failure left them running).
_CHILDREN: list[subprocess.Popen[bytes]] = []


def worker(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "dossier_audit", "worker", *args],
        env=env, stdout=subprocess.PIPE, stderr=log.open("ab"),
    )  # fmt: skip
    _CHILDREN.append(process)
    return process


def stop(process: subprocess.Popen[bytes], timeout: float = 120) -> dict[str, Any]:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=timeout)
    lines = out.decode().strip().splitlines()
    return orjson.loads(lines[-1]) if lines else {}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="~60 k events instead of ~3.1 M")
    parser.add_argument("--events", type=int, default=None, help="about this many events")
    parser.add_argument("--lateness", type=int, default=3600, help="allowed lateness, seconds (default 3600)")
    parser.add_argument("--late", type=int, default=20, help="late events injected for evicted dossiers")
    parser.add_argument("--workdir", type=lambda text: Path(text).resolve(), default=None)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_audit(Path(args.child[0]), args.child[1], Path(args.child[2]))
        return
    target = args.events or (60_000 if args.quick else 3_100_000)
    import os

    from tests.warehouse.server import start_server  # the tests' throwaway server (free ports, own dir)

    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-soak-", dir=args.workdir) as tmp:
        work = Path(tmp)
        path, as_of = simulate_year(work, target)
        months, late, duplicates = split_by_month(path, work, args.late)
        full = work / "all.jsonl"
        with full.open("wb") as out, path.open("rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
            out.writelines(late)
        print(f"simulated {sum(1 for _ in path.open('rb')):,} events in 12 months "
              f"({time.monotonic() - began:.0f} s); as of {as_of}", flush=True)  # fmt: skip

        server = start_server(work / "clickhouse")
        server.admin_execute("CREATE DATABASE soak")
        url = server.url("soak")
        settings = load_settings(workdir=work, partitions=8)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_AUDIT_")}
        env.update({"DOSSIER_AUDIT_WORKDIR": str(work), "DOSSIER_AUDIT_PSEUDONYM_KEY": PSEUDONYM_KEY})
        # A shared 2-core machine: a long batch must not cost the detector its group membership (a rejoin
        # on tansu waits out the rebalance timeout), nor a slow rejoin the worker (exit 2).
        env["DOSSIER_AUDIT_GROUP_JOIN_TIMEOUT_SECONDS"] = "900"
        session = ["--session-timeout", "30"]
        figures: dict[str, Any] = {"benchmark": "streaming_soak"}
        try:
            with EmbeddedBroker(log_file=work / "broker.log") as broker:
                servers = broker.bootstrap_servers
                ensure_topics(broker.kafka, platform_topics(settings))
                platform = Platform(load_settings(workdir=work, pseudonym_key=PSEUDONYM_KEY))
                sink = worker(
                    ["sink", "--bootstrap-servers", servers, "--warehouse", url], env, work / "sink.log"
                )
                detector = worker(
                    ["detect", "--bootstrap-servers", servers, "--history-warehouse", url,
                     "--allowed-lateness", str(args.lateness), *session],
                    env, work / "detector.log",
                )  # fmt: skip
                rss: list[float] = []
                produced = 0
                for m, month in enumerate(months, 1):
                    t0 = time.monotonic()
                    lines: list[bytes] = []
                    with month.open("rb") as fh:
                        lines.extend(fh)
                    if m == 11:
                        lines.extend(late[: len(late) // 2])
                    elif m == 12:
                        lines.extend(late[len(late) // 2 :])
                        lines.extend(duplicates)
                    report = ingest_lines(broker.kafka, platform.topics, lines, month.name,
                                          pseudonymiser=platform.pseudonymiser, ensure=False)  # fmt: skip
                    produced += report.produced
                    waited = wait_caught_up(servers, settings.topic_events, detector, 3600)
                    rss.append(rss_mb(detector.pid))
                    print(f"month {m:2d}: {report.produced:>9,} events ({produced:>10,} in all)  "
                          f"detector RSS {rss[-1]:8.1f} MB  ({time.monotonic() - t0:6.1f} s, caught up "
                          f"{waited:5.1f} s after producing)", flush=True)  # fmt: skip
                final_rss = rss_mb(detector.pid)
                ratio = rss[-1] / rss[1]
                print(f"end:      detector RSS {final_rss:.1f} MB; last month / second month = {ratio:.3f} "
                      f"(bound 1.5)", flush=True)  # fmt: skip
                live = stop(detector)
                print(
                    f"detector: {live.get('events', 0):,} events, {live.get('evicted', 0):,} evicted, "
                    f"{live.get('dossiers_held', 0):,} held at the end, {live.get('reloaded', 0)} read back, "
                    f"{live.get('late_events_evicted', 0)} late events for evicted dossiers, "
                    f"{live.get('duplicates', 0):,} duplicates, "
                    f"{live.get('events_per_second', 0):,.0f} events/s",
                    flush=True,
                )

                t0 = time.monotonic()
                replay = worker(
                    ["detect", "--bootstrap-servers", servers, "--history-warehouse", url,
                     "--allowed-lateness", str(args.lateness), "--until-idle", "--as-of", as_of, *session],
                    env, work / "finalize.log",
                )  # fmt: skip
                stdout, _ = replay.communicate(timeout=7200)
                if replay.returncode != 0:
                    raise SystemExit(f"finalize failed ({replay.returncode}); see {work / 'finalize.log'}")
                final_stats = orjson.loads(stdout.decode().strip().splitlines()[-1])
                print(f"finalize: restart + --as-of {as_of} in {time.monotonic() - t0:.0f} s "
                      f"(restored {final_stats['restored_dossiers']:,} dossiers)", flush=True)  # fmt: skip
                detected = final_open_set(servers, settings.topic_violations)
                stop(sink)
        finally:
            for child in _CHILDREN:
                if child.poll() is None:
                    child.kill()
                    child.wait()
            server.stop()
            keep = (args.workdir or Path.cwd()) / "soak-logs"
            keep.mkdir(parents=True, exist_ok=True)
            for log in work.glob("*.log"):
                shutil.copy(log, keep / log.name)
        t0 = time.monotonic()
        batch = batch_open_set(full, as_of, work)
        equal = detected == batch
        print(f"batch audit ({time.monotonic() - t0:.0f} s): {len(batch):,} open violations; detector: "
              f"{len(detected):,}; equal: {equal}", flush=True)  # fmt: skip
        if not equal:
            missing, extra = set(batch) - set(detected), set(detected) - set(batch)
            differ = [k for k in set(batch) & set(detected) if batch[k] != detected[k]]
            print(f"  missing {len(missing)}, extra {len(extra)}, different JSON {len(differ)}: "
                  f"{sorted(missing)[:3]} {sorted(extra)[:3]} {differ[:3]}")  # fmt: skip
        figures.update({
            "events": produced,
            "months": 12,
            "rss_mb_per_month": [round(r, 1) for r in rss],
            "rss_mb_end": round(final_rss, 1),
            "rss_last_over_second_month": round(ratio, 3),
            "rss_bound": 1.5,
            "evicted": live.get("evicted"),
            "dossiers_held_end": live.get("dossiers_held"),
            "reloaded": live.get("reloaded"),
            "late_events_evicted": live.get("late_events_evicted"),
            "duplicates": live.get("duplicates"),
            "dead_letters": live.get("dead_letters"),
            "detector_events_per_s": live.get("events_per_second"),
            "open_violations": len(detected),
            "equal_to_batch_audit": equal,
            "seconds": round(time.monotonic() - began),
        })  # fmt: skip
        print(json.dumps(figures))
        if not equal or ratio > 1.5:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
