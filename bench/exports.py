"""Benchmark of the event-log exports: events/s and peak memory of XES and OCEL, from a file and from the
warehouse, on two sizes four times apart.

    python bench/exports.py --quick      # 4 weeks and 1 week of a province: ~330,000 and ~81,000 events
    python bench/exports.py              # 12 weeks and 3 weeks: ~1 million and ~250,000 events
    python bench/exports.py --no-warehouse   # the file exports only

Files are simulated with a constant weekly volume (as ``bench/batch_audit.py``), so the larger covers four
times the weeks with the same number of dossiers open at once: bounded memory means the peak stays flat
as the log grows. Each export runs in a fresh process (its own peak RSS: the largest of the process and
the batch engine's forked workers); the warehouse is the embedded chdb, whose engine runs in the exporting
process and counts in its memory. Baseline: ``orjson.loads`` of every line of the same file. The last line
printed is one JSON object with the figures.
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

# The repository first: run as `python bench/exports.py`, this folder is first on the path and its
# warehouse.py would shadow the warehouse package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DOSSIERS_PER_WEEK = 20_000
START = date(2024, 1, 1)
FORMATS = ("xes", "ocel")


def simulate(path: Path, weeks: int, seed: int = 11) -> str:
    """Write ``weeks`` weeks of a province (~81,000 events a week) to ``path``; returns the simulation's
    as-of instant."""
    from dossier_audit.simulator import SimulationConfig
    from dossier_audit.simulator import simulate as run

    config = SimulationConfig(
        start=START, end=START + timedelta(weeks=weeks), dossiers_per_week=DOSSIERS_PER_WEEK, seed=seed
    )
    return run(config, path, path.with_suffix(".truth.jsonl")).as_of.isoformat()


def parse_rate(path: Path) -> float:
    loads = orjson.loads
    started = time.perf_counter()
    with path.open("rb") as fh:
        n = sum(1 for line in fh if loads(line) is not None)
    return n / (time.perf_counter() - started)


def child(args: list[str]) -> None:
    """In a fresh process: ``dossier-audit export`` with ``args`` (``audit`` when they start with it);
    prints its figures as JSON."""
    from typer.testing import CliRunner

    from dossier_audit.cli.main import app

    command = args if args[0] == "audit" else ["export", *args, "--json"]
    started = time.perf_counter()
    result = CliRunner().invoke(app, command)
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"{command[0]} failed: {result.stderr}{result.stdout}")
    summary = {} if args[0] == "audit" else json.loads(result.stdout.strip().splitlines()[-1])
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(json.dumps({**summary, "seconds": seconds, "peak_rss_mb": round(peak_kb / 1024, 1)}))


def export(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def load(events: Path, url: str, as_of: str) -> float:
    started = time.perf_counter()
    init = ["warehouse", "init", "--warehouse", url]
    load = ["warehouse", "load", str(events), "--warehouse", url, "--as-of", as_of]
    for args in (init, load):
        command = [sys.executable, "-m", "dossier_audit", *args]
        done = subprocess.run(command, capture_output=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args[:2])} failed: {done.stderr.decode(errors='replace')[-3000:]}")
    return time.perf_counter() - started


def measure(tmp: Path, label: str, weeks: int, warehouse: bool) -> dict[str, dict[str, float]]:
    events = tmp / f"{label}.jsonl"
    as_of = simulate(events, weeks)
    results: dict[str, dict[str, float]] = {}
    for fmt in FORMATS:
        out = tmp / f"{label}.{fmt}"
        results[f"file-{fmt}"] = export(fmt, str(events), "--as-of", as_of, "--out", str(out))
        results[f"file-{fmt}"]["bytes"] = out.stat().st_size
    # The audit of the same file: what judging alone costs, measured in the same conditions.
    audit = export("audit", str(events), "--as-of", as_of)
    results["audit"] = {**audit, "events": results["file-xes"]["events"], "bytes": 0}
    if warehouse:
        url = f"chdb://{tmp}/{label}-wh"
        print(f"  loaded {label} into chdb in {load(events, url, as_of):.0f} s", flush=True)
        for fmt in FORMATS:
            out = tmp / f"{label}-wh.{fmt}"
            results[f"warehouse-{fmt}"] = export(fmt, "--warehouse", url, "--out", str(out))
            results[f"warehouse-{fmt}"]["bytes"] = out.stat().st_size
    for name, r in results.items():
        rate = r["events"] / r["seconds"]
        print(
            f"  {label:>5} {name:<15} {r['events']:>10,.0f} events {rate:>10,.0f} events/s "
            f"peak RSS {r['peak_rss_mb']:>7,.1f} MB  {r['bytes'] / 1e6:>8,.1f} MB written",
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="250 k and 62.5 k events instead of 1 M and 250 k"
    )
    parser.add_argument("--no-warehouse", action="store_true", help="only the exports from a file")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=lambda text: Path(text).resolve(), default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    big_weeks, small_weeks = (4, 1) if args.quick else (12, 3)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        small = measure(Path(tmp), "small", small_weeks, not args.no_warehouse)
        big = measure(Path(tmp), "big", big_weeks, not args.no_warehouse)
        baseline = parse_rate(Path(tmp) / "big.jsonl")
    audit_rate = big["audit"]["events"] / big["audit"]["seconds"]
    print(f"baseline orjson parse {baseline:,.0f} lines/s; audit of the same file {audit_rate:,.0f} events/s")
    figures: dict[str, object] = {
        "benchmark": "exports",
        "baseline_orjson_lines_per_s": round(baseline),
        "audit_events_per_s": round(audit_rate),
    }
    for name, r in big.items():
        s = small[name]
        rate = r["events"] / r["seconds"]
        growth = r["peak_rss_mb"] / s["peak_rss_mb"]
        print(
            f"{name:<15} {rate:>9,.0f} events/s (ratio {rate / baseline:.3f}, to the audit "
            f"{rate / audit_rate:.2f}); memory "
            f"{s['peak_rss_mb']:,.1f} MB → {r['peak_rss_mb']:,.1f} MB for ×{r['events'] / s['events']:.1f} "
            f"events (×{growth:.2f})"
        )
        figures[name] = {
            "events": r["events"], "events_per_s": round(rate), "ratio_to_audit": round(rate / audit_rate, 3),
            "peak_rss_mb": r["peak_rss_mb"],
            "small_events": s["events"], "small_peak_rss_mb": s["peak_rss_mb"],
            "memory_growth_for_log_growth": [round(growth, 3), round(r["events"] / s["events"], 1)],
        }  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
