"""``dossier-audit simulate``: a realistic simulated province and its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dossier_audit.cli.app import app
from dossier_audit.cli.common import UsageError, err, guarded, same_file
from dossier_audit.cli.instants import simulated_period
from dossier_audit.simulator import RULE_IDS, SimulationConfig, SimulationSummary, default_violation_rates
from dossier_audit.simulator import simulate as run_simulation
from dossier_audit.simulator.config import DEFAULT_START
from dossier_audit.simulator.world import NoReceivingUnit
from inspections.calendar import CalendarRangeError


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="Events JSONL to write.")] = Path("events.jsonl"),
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Ground-truth JSONL (default: <out>.truth.jsonl).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed → same file).")] = 7,
    dossiers: Annotated[int, typer.Option(help="Number of dossiers (at most 5,000,000).")] = 20_000,
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD); default 2025-06-09.")] = None,
    weeks: Annotated[int, typer.Option(help="Number of weeks from --start (or its default).")] = 12,
    rate: Annotated[float | None, typer.Option(help="Injection rate for every rule (default 0.02).")] = None,
    rule_rate: Annotated[
        list[str] | None, typer.Option("--rule-rate", help="RULE_ID=RATE for one rule; repeatable.")
    ] = None,
    calibrate: Annotated[
        str | None,
        typer.Option(
            help="Calibration preset, e.g. ward-2023: its own period, volume, channels and outcomes, no "
            "violations injected (not with --dossiers, --start, --weeks, --rate or --rule-rate)."
        ),
    ] = None,
    *,
    ctx: typer.Context,
) -> None:
    """Write a realistic simulated province (contract-valid JSONL) and its ground truth."""

    def go() -> Any:
        if calibrate is not None:  # the preset sets them itself: given as well, they were ignored silently
            also = [f"--{name.replace('_', '-')}" for name in _PRESET_SETS if _given(ctx, name)]
            if also:
                raise UsageError(
                    f"--calibrate {calibrate} sets the period, the volume and the rates itself (no "
                    f"violations injected): drop {', '.join(also)}, or drop --calibrate"
                )
        if not _SEED_MIN <= seed <= _SEED_MAX:  # the truth file's meta line holds it as a 64-bit integer
            raise UsageError(f"--seed {seed}: give an integer from {_SEED_MIN} to {_SEED_MAX}")
        kwargs: dict[str, Any] = {"seed": seed, "dossiers": dossiers}
        # --weeks counts from the default start too: it was ignored without --start (review of 2026-12-04).
        first, end = simulated_period(start if start is not None else DEFAULT_START.isoformat(), weeks)
        kwargs |= {"start": first, "end": end}
        rates = dict(default_violation_rates(0.02 if rate is None else _rate("--rate", rate)))
        for item in rule_rate or []:
            rule_id, sep, value = item.partition("=")
            try:
                if not sep:
                    raise ValueError
                rates[rule_id.strip()] = _rate(f"--rule-rate {item!r}", float(value))
            except ValueError:
                raise UsageError(
                    f"--rule-rate {item!r}: write RULE_ID=RATE, e.g. LATE_NO_APOLOGY=0.05"
                ) from None
            if rule_id.strip() not in RULE_IDS:  # said with the option, and the ids it takes (CLI review)
                raise UsageError(
                    f"--rule-rate {item!r}: no rule {rule_id.strip()!r} is simulated; choose one of "
                    + ", ".join(sorted(RULE_IDS))
                )
        if dossiers < 0:
            raise UsageError(f"--dossiers {dossiers}: give a number of dossiers, 0 or more")
        kwargs["violation_rates"] = rates
        if calibrate is not None:
            kwargs["calibrate"] = calibrate
        try:
            config = SimulationConfig(**kwargs)
        except (ValueError, TypeError) as exc:
            raise UsageError(str(exc)) from None
        for option, given in (("--out", out), ("--truth", truth)):
            if given is None:
                continue
            if str(given) == "-":  # not standard output: two files are written, and renamed into place
                raise UsageError(f"{option} -: the simulation writes files; give a path")
            if given.name in ("", "..") or given.is_dir():  # "" and "." are the same Path
                raise UsageError(f"cannot write {given}: it is a directory")
        truth_path = truth or out.with_suffix(".truth.jsonl")
        for target in (out, truth_path):  # a typo in a path must not make a directory tree
            if not target.parent.is_dir():
                raise UsageError(f"cannot write {target}: no directory {target.parent} (create it first)")
        if same_file(out, truth_path):  # the second file written would replace the first
            raise UsageError(f"--truth {truth_path} is the --out file: give the ground truth another file")
        try:
            return run_simulation(config, out, truth_path), truth_path
        except OSError as exc:  # a write error names no file (a full disk): the events are written first
            raise UsageError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from None
        except CalendarRangeError as exc:  # the simulator's clock runs weeks past the period
            raise UsageError(f"--start {first} --weeks {weeks}: {exc}") from None
        except NoReceivingUnit as exc:  # before the catalogue publishes anything, or a gap in its units
            advice = f": give a --start from {exc.first} on" if exc.too_early else ""
            raise UsageError(f"--start {first} --weeks {weeks}: {exc}{advice}") from None

    summary, truth_path = guarded(go)
    err.print(described(summary, out, truth_path), highlight=False, soft_wrap=True)


def described(summary: SimulationSummary, out: Path, truth: Path) -> str:
    """What a run wrote, in two lines a person reads (not the summary's repr): the events with their period
    and the ``--as-of`` to audit them at, then the truth file with the violations injected, by rule."""
    injected = sum(summary.violations.values())
    rules = ", ".join(f"{rule} {count:,}" for rule, count in sorted(summary.violations.items()) if count)
    return (
        f"wrote {out}: {summary.events:,} events of {summary.dossiers:,} dossiers, {summary.start} to "
        f"{summary.end} (audit them --as-of {summary.as_of.isoformat()})\n"
        f"wrote {truth}: {injected:,} injected violation{'' if injected == 1 else 's'}"
        + (f" ({rules})" if rules else "")
    )


#: The options a calibration preset sets itself (``SimulationConfig.calibrate``).
_PRESET_SETS = ("dossiers", "start", "weeks", "rate", "rule_rate")


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option named ``name`` was given (on the command line or by its environment variable),
    rather than left at its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


#: The seeds the truth file can record (its meta line is JSON with 64-bit integers).
_SEED_MIN, _SEED_MAX = -(2**63), 2**63 - 1


def _rate(option: str, value: float) -> float:
    """A share of dossiers: from 0 to 1 (``nan`` compares false with both bounds, so it is refused too)."""
    if not 0 <= value <= 1:
        raise UsageError(f"{option}: {value} is not a rate from 0 to 1")
    return value
