"""Benchmark of the warehouse: ``warehouse load`` against the batch audit, insert throughput on both
backends, and the weekly reporting-form query.

    python bench/warehouse.py --quick     # load: 25k and 100k dossiers; inserts and query: 1 M events
    python bench/warehouse.py             # load: 50k and 200k dossiers; inserts and query: 3 M events
    python bench/warehouse.py --load-only --load-dossiers 25000

The load (``bench/load_vs_audit.py``) is timed end to end next to the batch audit of the same file, each in
a fresh process, with the peak memory of both on a file and on one four times larger (same weekly volume).

Insert throughput is the columnar ``Warehouse.insert`` of ``events`` rows in batches of 200k (parsing and
row building are done before the clock starts). Its baseline, measured in the same run on the same backend,
is ClickHouse generating and inserting the same number of rows of the same shape itself: ``INSERT ...
SELECT FROM numbers(N)``. The server backend encodes whole columns with NumPy
(warehouse/backends/native.py) and sends a batch as 50k-row sub-blocks over two connections, encoding one
while the server writes another; chdb skips the merge on insert when a batch repeats no sorting key
(warehouse/backends/*.py explain). Both are CPU-bound: on a 2-core machine other load lowers them
directly, so the core count and load average are printed with the figures.

The reporting-form query runs on the embedded backend (chdb) over the outcome histories of the simulated
province, replicated under new dossier ids until it stands for at least 10 million events. The last line
printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load_vs_audit
from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import metrics_warehouse
from dossier_audit.simulator import SimulationConfig, simulate
from schemas.validation import Rejection, parse_event
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.event_rows import EVENT_COLUMNS, event_row
from warehouse.migrate import migrate
from warehouse.projection import fold_dossiers

BATCH = 200_000
_LOAD_TARGETS = {
    "load_time_ratio_to_audit": load_vs_audit.TARGET_TIME_RATIO,
    "load_memory_growth_for_4x_file": load_vs_audit.TARGET_MEMORY_GROWTH,
}
START = date(2024, 1, 1)

_BASELINE = """
INSERT INTO events_baseline
SELECT
    concat('0000.00.01.H99-240101-', toString(modulo(number, 1000000)), '-', toString(number)) AS event_id,
    concat('0000.00.01.H99-240101-', toString(modulo(number, 1000000))) AS dossier_id,
    toUInt8(modulo(number, 14) + 1) AS type,
    toUInt8(1) AS schema_version,
    toDateTime(1704067200 + modulo(number, 8000000), 'UTC') AS occurred_at,
    toUInt32(0) AS occurred_at_us,
    '000.00.01.H99' AS unit_code,
    'cb-014' AS actor,
    '1.004222' AS procedure_code,
    concat('{"procedure_code":"1.004222","channel":"online","documents":["CT01"],"n":', toString(number), '}')
        AS data,
    concat('{"schema_version":1,"event_id":"', toString(number),
           '","type":"received","data":{"procedure_code":',
           '"1.004222","channel":"online","due_at":"2025-11-12T17:00:00+07:00","documents":["CT01","GT"]}}')
        AS raw,
    hex(toString(number)) AS fingerprint,
    '/bench/events.jsonl' AS source,
    toInt64(number) AS source_offset,
    toDateTime(1704067200, 'UTC') AS ingested_at
FROM numbers(%(n)s)
"""


def simulate_province(directory: Path, events: int) -> tuple[Path, datetime]:
    weeks = max(1, round(events / 4.5 / 20_000))
    config = SimulationConfig(
        start=START, end=START + timedelta(weeks=weeks), dossiers_per_week=20_000, seed=5
    )
    path = directory / "events.jsonl"
    summary = simulate(config, path, directory / "truth.jsonl")
    return path, summary.as_of


def event_columns(path: Path) -> tuple[list[list[Any]], set[str]]:
    """The events of the file as ``events`` table columns (pseudonymised as a load would)."""
    platform = Platform(load_settings())
    pseudo = platform.pseudonymiser
    ingested = datetime.now(UTC).replace(microsecond=0)
    columns: list[list[Any]] = [[] for _ in EVENT_COLUMNS]
    dossiers: set[str] = set()
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, 1):
            event = parse_event(raw, line_no=line_no)
            if isinstance(event, Rejection):
                continue
            dossiers.add(event.dossier_id)
            for column, value in zip(
                columns, event_row(pseudo.apply(event), str(path), line_no, ingested), strict=True
            ):
                column.append(value)
    return columns, dossiers


def timed_insert(wh: Warehouse, columns: list[list[Any]]) -> float:
    n = len(columns[0])
    # Warm the engine and the connection (first-insert costs are not throughput); the rows are re-inserted
    # below, which the ReplacingMergeTree collapses.
    wh.insert("events", EVENT_COLUMNS, [c[:10_000] for c in columns])
    # The batches are cut before the clock, like the rows are built: a load or the sink fills its batches
    # as it reads, it does not slice them out of one list of the whole file (~10% of the time here).
    batches = [[c[start : start + BATCH] for c in columns] for start in range(0, n, BATCH)]
    started = time.perf_counter()
    for batch in batches:
        wh.insert("events", EVENT_COLUMNS, batch)
    return n / (time.perf_counter() - started)


def baseline_insert(wh: Warehouse, n: int) -> float:
    wh.execute("DROP TABLE IF EXISTS events_baseline")
    wh.execute("CREATE TABLE events_baseline AS events")
    started = time.perf_counter()
    wh.execute(_BASELINE, {"n": n})
    rate = n / (time.perf_counter() - started)
    wh.execute("DROP TABLE IF EXISTS events_baseline")
    return rate


def measure_inserts(wh: Warehouse, label: str, columns: list[list[Any]]) -> dict[str, Any]:
    """Insert throughput and its same-run baseline on one backend (migrating its database first)."""
    migrate(wh)
    n = len(columns[0])
    rate = timed_insert(wh, columns)
    base = baseline_insert(wh, n)
    version = wh.server_version()
    print(
        f"{label:<6} {version:>8}  insert {rate:>12,.0f} events/s   baseline INSERT SELECT "
        f"{base:>12,.0f} rows/s   ratio {rate / base:.3f}",
        flush=True,
    )
    return {
        f"{label}_insert_events_per_s": round(rate),
        f"{label}_baseline_rows_per_s": round(base),
        f"{label}_ratio": round(rate / base, 3),
        f"{label}_version": version,
    }


def replicate_outcomes(wh: Warehouse, copies: int) -> None:
    """Stand the province in for a larger one: copies of every outcome row under new dossier ids."""
    wh.execute(
        "INSERT INTO dossier_outcomes SELECT concat(o.dossier_id, '#', toString(c.number + 1)), "
        "o.generation, o.valid_from, o.valid_from_key, o.valid_to_key, o.unit_code, o.procedure_code, "
        "o.field_code, "
        "o.received_on, o.channel, "
        "o.ended_on, o.status, o.working_days, o.returned_channel "
        "FROM dossier_outcomes AS o CROSS JOIN numbers(%(copies)s) AS c "
        "WHERE position(o.dossier_id, '#') = 0",
        {"copies": copies},
    )


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--load-dossiers", type=int, default=None, help="dossiers of the smaller load file")
    parser.add_argument("--load-only", action="store_true", help="only the load against the audit")
    parser.add_argument(
        "--repeat", type=_at_least_one, default=3,
        help="runs of each audit and load against the audit, in turn (medians reported); with --quick too",
    )  # fmt: skip
    parser.add_argument("--workdir", type=lambda text: Path(text).resolve(), default=None)
    parser.add_argument("--child", nargs=4, metavar=("KIND", "FILE", "AS_OF", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        load_vs_audit.child(args.child[0], Path(args.child[1]), args.child[2], Path(args.child[3]))
        return
    events_n, copies = (1_000_000, 9) if args.quick else (3_000_000, 3)
    load_dossiers = args.load_dossiers or (25_000 if args.quick else 50_000)

    if args.workdir is not None:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)  # a new --workdir is made, not a traceback
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        print(f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}", flush=True)
        loads = load_vs_audit.measure(Path(__file__).resolve(), work, load_dossiers, args.repeat)
        if args.load_only:
            print(json.dumps({"benchmark": "warehouse_load", "cpus": os.cpu_count(), **loads,
                              "targets": _LOAD_TARGETS}))  # fmt: skip
            return
        t0 = time.perf_counter()
        path, as_of = simulate_province(work, events_n)
        columns, dossiers = event_columns(path)
        n = len(columns[0])
        print(
            f"simulated and parsed {n:,} events ({len(dossiers):,} dossiers) "
            f"in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )

        load = os.getloadavg()[0]
        print(f"{os.cpu_count()} CPU(s), load average {load:.2f} before the inserts", flush=True)
        figures: dict[str, Any] = {
            "benchmark": "warehouse",
            "events": n,
            "cpus": os.cpu_count(),
            "load_average_1m": round(load, 2),
            **loads,
        }
        from tests.warehouse.server import start_server

        server = start_server(work / "server")
        try:
            server.admin_execute("CREATE DATABASE bench")
            with open_warehouse(server.url("bench"), create_database=True) as wh:
                figures |= measure_inserts(wh, "server", columns)
        finally:
            server.stop()

        with open_warehouse(f"chdb://{work}/chdb") as wh:
            figures |= measure_inserts(wh, "chdb", columns)

            platform = Platform(load_settings())
            t1 = time.perf_counter()
            fold_dossiers(platform.auditor, wh, sorted(dossiers), as_of)
            fold_s = time.perf_counter() - t1
            replicate_outcomes(wh, copies)
            represented = n * (copies + 1)
            week_end = as_of.date() - timedelta(days=as_of.date().weekday())
            week = (week_end - timedelta(days=7), week_end)
            metrics_warehouse(platform, wh, *week)  # warm-up
            latencies = []
            for _ in range(5):
                t2 = time.perf_counter()
                metrics_warehouse(platform, wh, *week)
                latencies.append(time.perf_counter() - t2)
            latency = statistics.median(latencies)
            figures |= {
                "fold_dossiers_per_s": round(len(dossiers) / fold_s),
                "metrics_query_events_represented": represented,
                "metrics_query_weekly_s_median": round(latency, 3),
            }
            print(
                f"fold {len(dossiers) / fold_s:,.0f} dossiers/s; "
                f"weekly reporting form on {represented:,} events "
                f"(×{copies + 1} replica): median {latency:.3f} s of 5",
                flush=True,
            )
        figures["targets"] = {"insert_events_per_s": 300_000, "metrics_query_s": 1.0, **_LOAD_TARGETS}
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
