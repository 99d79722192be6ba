"""``dossier-audit simulate``: a realistic simulated province and its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dossier_audit.cli.app import app
from dossier_audit.cli.common import (
    UsageError,
    err,
    guarded,
    simulated_period,
)
from dossier_audit.simulator import SimulationConfig, default_violation_rates
from dossier_audit.simulator import simulate as run_simulation
from inspections.calendar import CalendarRangeError


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="Events JSONL to write.")] = Path("events.jsonl"),
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Ground-truth JSONL (default: <out>.truth.jsonl).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed → same file).")] = 7,
    dossiers: Annotated[int, typer.Option(help="Number of dossiers.")] = 20_000,
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD); default 2025-06-09.")] = None,
    weeks: Annotated[int, typer.Option(help="Number of weeks from --start.")] = 12,
    rate: Annotated[float | None, typer.Option(help="Injection rate for every rule (default 0.02).")] = None,
    rule_rate: Annotated[
        list[str] | None, typer.Option("--rule-rate", help="RULE_ID=RATE for one rule; repeatable.")
    ] = None,
    calibrate: Annotated[str | None, typer.Option(help="Calibration preset, e.g. ward-2023.")] = None,
) -> None:
    """Write a realistic simulated province (contract-valid JSONL) and its ground truth."""

    def go() -> Any:
        kwargs: dict[str, Any] = {"seed": seed, "dossiers": dossiers}
        if start is not None:
            first, end = simulated_period(start, weeks)
            kwargs |= {"start": first, "end": end}
        rates = dict(default_violation_rates(0.02 if rate is None else rate))
        for item in rule_rate or []:
            rule_id, sep, value = item.partition("=")
            try:
                if not sep:
                    raise ValueError
                rates[rule_id.strip()] = float(value)
            except ValueError:
                raise UsageError(
                    f"--rule-rate {item!r}: write RULE_ID=RATE, e.g. LATE_NO_APOLOGY=0.05"
                ) from None
        kwargs["violation_rates"] = rates
        if calibrate is not None:
            kwargs["calibrate"] = calibrate
        try:
            config = SimulationConfig(**kwargs)
        except (ValueError, TypeError) as exc:
            raise UsageError(str(exc)) from None
        truth_path = truth or out.with_suffix(".truth.jsonl")
        try:
            for target in (out, truth_path):
                target.parent.mkdir(parents=True, exist_ok=True)
            return run_simulation(config, out, truth_path), truth_path
        except OSError as exc:
            raise UsageError(f"cannot write {exc.filename}: {exc.strerror}") from None
        except CalendarRangeError as exc:  # the simulator's clock runs weeks past the period
            raise UsageError(f"--start {start} --weeks {weeks}: {exc}") from None

    summary, truth_path = guarded(go)
    err.print(f"wrote {out} and {truth_path}: {summary}", highlight=False)
