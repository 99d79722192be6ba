"""Benchmark of the batch audit: events/s against the raw orjson parse rate of the same file, and peak memory.

    python bench/batch_audit.py --quick      # 1 million events; memory shown on 0.25 M vs 1 M events
    python bench/batch_audit.py              # 5 million events; memory shown on 1 M vs 5 M events

Files are simulated with a constant weekly volume, so a larger file covers more weeks while the number of
dossiers open at any moment stays the same: peak memory must stay flat as the file grows. Each audit runs
in a fresh process so its peak RSS is its own. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import orjson

# The repository first: run as `python bench/batch_audit.py`, this folder is first on the path and its
# warehouse.py would shadow the warehouse package (the platform imports it since the restructure).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EVENTS_PER_DOSSIER = 4.5  # measured on the simulator's default mix
DOSSIERS_PER_WEEK = 20_000
START = date(2024, 1, 1)


def simulate(path: Path, events: int, seed: int = 11) -> tuple[Path, str]:
    from dossier_audit.simulator import SimulationConfig
    from dossier_audit.simulator import simulate as run

    weeks = max(1, round(events / EVENTS_PER_DOSSIER / DOSSIERS_PER_WEEK))
    config = SimulationConfig(
        start=START, end=START + timedelta(weeks=weeks), dossiers_per_week=DOSSIERS_PER_WEEK, seed=seed
    )
    summary = run(config, path, path.with_suffix(".truth.jsonl"))
    return path, summary.as_of.isoformat()


def parse_rate(path: Path) -> tuple[int, float]:
    """Baseline: orjson.loads on every line of the file."""
    loads = orjson.loads
    n = 0
    started = time.perf_counter()
    with path.open("rb") as fh:
        for line in fh:
            loads(line)
            n += 1
    return n, time.perf_counter() - started


def child_audit(path: Path, as_of: str) -> None:
    """Run in a fresh process: the audit of ``path``; prints events, seconds and peak RSS."""
    from datetime import datetime

    from bootstrap.platform import Platform
    from bootstrap.settings import load_settings
    from dossier_audit.jobs.files import audit_file

    platform = Platform(load_settings())
    _ = platform.auditor  # load catalogue and calendar before the clock starts
    started = time.perf_counter()
    run = audit_file(platform, path, datetime.fromisoformat(as_of))
    violations = sum(1 for _ in run.violations)
    seconds = time.perf_counter() - started
    # The engine forks one worker per core: the peak is the largest of this process and its workers.
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(json.dumps({"events": run.stats.valid, "violations": violations, "seconds": seconds,
                      "peak_rss_mb": round(peak_kb / 1024, 1), "dossiers": run.stats.dossiers,
                      "second_pass_dossiers": run.stats.second_pass_dossiers}))  # fmt: skip


def audit_in_child(path: Path, as_of: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), as_of], capture_output=True, text=True, check=True
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 M events instead of 5 M")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "AS_OF"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=lambda text: Path(text).resolve(), default=None)
    args = parser.parse_args()
    if args.child:
        child_audit(Path(args.child[0]), args.child[1])
        return

    big_n, small_n = (1_000_000, 250_000) if args.quick else (5_000_000, 1_000_000)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        t0 = time.perf_counter()
        big, big_as_of = simulate(Path(tmp) / "big.jsonl", big_n)
        small, small_as_of = simulate(Path(tmp) / "small.jsonl", small_n)
        print(f"simulated {big_n:,} + {small_n:,} events in {time.perf_counter() - t0:.1f} s", flush=True)

        lines, parse_s = parse_rate(big)
        baseline = lines / parse_s
        print(f"baseline  orjson parse      {baseline:>12,.0f} lines/s  ({lines:,} lines)", flush=True)
        result = audit_in_child(big, big_as_of)
        rate = result["events"] / result["seconds"]
        print(f"audit     events/s          {rate:>12,.0f}          ratio to baseline {rate / baseline:.3f}")
        print(f"          peak RSS          {result['peak_rss_mb']:>12,.1f} MB       "
              f"({result['dossiers']:,} dossiers, {result['violations']:,} violations)")  # fmt: skip
        small_result = audit_in_child(small, small_as_of)
        growth = result["peak_rss_mb"] / small_result["peak_rss_mb"]
        print(
            f"memory    {small_n:,} events → {small_result['peak_rss_mb']:.1f} MB; {big_n:,} events → "
            f"{result['peak_rss_mb']:.1f} MB (×{big_n / small_n:.0f} file, ×{growth:.2f} memory)"
        )
        figures = {
            "benchmark": "batch_audit",
            "events": result["events"],
            "audit_events_per_s": round(rate),
            "baseline_orjson_lines_per_s": round(baseline),
            "ratio_to_baseline": round(rate / baseline, 4),
            "peak_rss_mb": result["peak_rss_mb"],
            "small_events": small_result["events"],
            "small_peak_rss_mb": small_result["peak_rss_mb"],
            "memory_growth_for_file_growth": [round(growth, 3), round(big_n / small_n, 1)],
            "target_events_per_s": 100_000,
        }
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
