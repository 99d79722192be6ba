"""The main job (``dossier-audit run``): audit a province and report its latest week.

Until the streaming issues land, this is the batch audit of the bundled sample province (generated on first
use, deterministically) or of the user's own events file.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from dossier_audit.assembly import Platform
from dossier_audit.config import load_settings
from dossier_audit.jobs import audit_file, outcomes_file
from inspections.metrics import ReportingForm, period_as_of
from inspections.rulebook import RULEBOOK_V1
from inspections.timeunits import VN_TZ

#: The bundled sample province: 12 weeks to Monday 2025-11-24, 20,000 dossiers, seed 7.
SAMPLE_START = date(2025, 9, 1)
SAMPLE_END = date(2025, 11, 24)
SAMPLE_DOSSIERS = 20_000
SAMPLE_SEED = 7


@dataclass(frozen=True)
class MainJobResult:
    """Where the files are and the headline figures."""

    events: Path
    violations: Path
    metrics: Path
    summary: Path
    week: tuple[date, date]
    on_time_rate: float | None
    violations_by_rule: dict[str, int]


def ensure_sample(workdir: Path, console: Console) -> tuple[Path, datetime]:
    """Generate the sample province once; later runs reuse it (same config → same bytes)."""
    from dossier_audit.simulator import SimulationConfig, simulate

    config = SimulationConfig(start=SAMPLE_START, end=SAMPLE_END, dossiers=SAMPLE_DOSSIERS, seed=SAMPLE_SEED)
    sample = workdir / "sample"
    events, truth, stamp = sample / "events.jsonl", sample / "truth.jsonl", sample / "config.json"
    fingerprint = orjson.dumps(
        {"start": str(config.start), "end": str(config.end), "dossiers": config.dossiers, "seed": config.seed}
    )
    if not (events.exists() and stamp.exists() and stamp.read_bytes() == fingerprint):
        sample.mkdir(parents=True, exist_ok=True)
        with console.status("Generating the sample province (20,000 dossiers, 12 weeks)…"):
            simulate(config, events, truth)
        stamp.write_bytes(fingerprint)
    return events, datetime.combine(SAMPLE_END, datetime.min.time(), tzinfo=VN_TZ)


def _last_full_week(as_of: datetime) -> tuple[date, date]:
    """Monday–Sunday of the last week that ended at or before ``as_of`` (local)."""
    today = as_of.astimezone(VN_TZ).date()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main_job(
    *,
    workdir: Path,
    events: Path | None,
    catalogue: Path | None,
    as_of: datetime | None,
    console: Console,
    reports: Path = Path("reports"),
) -> MainJobResult:
    """Audit the events (the sample by default) at ``as_of`` and write the reports."""
    platform = Platform(load_settings(catalogue=catalogue))
    if events is None:
        events, sample_as_of = ensure_sample(workdir, console)
        as_of = as_of or sample_as_of
    elif as_of is None:
        as_of = datetime.now(VN_TZ)
    reports.mkdir(parents=True, exist_ok=True)

    counts: Counter[str] = Counter()
    by_unit: Counter[str] = Counter()
    lines: list[bytes] = []
    with console.status(f"Auditing {events} at {as_of.isoformat()}…"):
        run = audit_file(platform, events, as_of)
        for v in run.violations:
            counts[v["rule_id"]] += 1
            if v["kind"] == "violation":
                by_unit[v["unit_code"]] += 1
            lines.append(orjson.dumps(v))
    violations_path = reports / "violations.jsonl"
    _atomic_write(violations_path, b"".join(line + b"\n" for line in lines))

    start, end = _last_full_week(as_of)
    province = ReportingForm(start, end)
    units: dict[str, ReportingForm] = {}
    with console.status(f"Reporting form for {start} → {end}…"):
        outcomes, _engine = outcomes_file(platform, events, period_as_of(end))
        for o in outcomes:
            province.add(o)
            units.setdefault(o.unit_code, ReportingForm(start, end)).add(o)
    metrics = {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "province": province.to_json_dict(),
        "units": {code: form.to_json_dict() for code, form in sorted(units.items())},
    }
    metrics_path = reports / "metrics.json"
    _atomic_write(metrics_path, orjson.dumps(metrics, option=orjson.OPT_INDENT_2))

    record = Console(record=True, width=110, file=io.StringIO())  # recorded for the file, not shown
    _summary(record, platform, run.stats.to_json_dict(), province, units, counts, by_unit, (start, end))
    summary_path = reports / "summary.txt"
    _atomic_write(summary_path, record.export_text().encode())
    _summary(console, platform, run.stats.to_json_dict(), province, units, counts, by_unit, (start, end))
    console.print(
        f"Files: {violations_path}, {metrics_path}, {summary_path}  (events: {events})", highlight=False
    )
    return MainJobResult(events, violations_path, metrics_path, summary_path, (start, end),
                         province.on_time_rate, dict(counts))  # fmt: skip


def _summary(
    console: Console,
    platform: Platform,
    stats: dict[str, Any],
    province: ReportingForm,
    units: dict[str, ReportingForm],
    counts: Counter[str],
    by_unit: Counter[str],
    week: tuple[date, date],
) -> None:
    rate = province.on_time_rate
    console.print(
        f"[bold]Tuần {week[0]:%d/%m/%Y} – {week[1] - timedelta(days=1):%d/%m/%Y}[/]: "
        f"tiếp nhận {province.received_total:,} hồ sơ, đã giải quyết {province.resolved_total:,}, "
        f"tỷ lệ đúng hạn (chỉ số 2.1) {'—' if rate is None else f'{rate:.2%}'}, "
        f"điểm 766 {'—' if rate is None else f'{20 * rate:.2f}/20'}  "
        f"(events: {stats['valid']:,} valid, {stats['rejected']:,} rejected)",
        highlight=False,
    )
    table = Table(title="Vi phạm theo quy tắc", title_justify="left")
    for col in ("quy tắc", "nội dung", "mức độ", "số vụ"):
        table.add_column(col, justify="right" if col == "số vụ" else "left")
    for rule in (*RULEBOOK_V1.rules, *RULEBOOK_V1.findings):
        if counts.get(rule.rule_id):
            table.add_row(rule.rule_id, rule.title_vi, rule.severity.value, f"{counts[rule.rule_id]:,}")
    console.print(table)

    worst = Table(title="Đơn vị có tỷ lệ đúng hạn thấp nhất trong tuần", title_justify="left")
    for col in ("đơn vị", "tên", "hồ sơ", "tỷ lệ đúng hạn", "vi phạm (cả kỳ)"):
        worst.add_column(col, justify="left" if col in ("đơn vị", "tên") else "right")
    ranked = sorted(
        ((f.on_time_rate, code, f) for code, f in units.items() if f.on_time_rate is not None),
        key=lambda item: (item[0], item[1]),
    )
    for rate_, code, form in ranked[:5]:
        unit = platform.catalogue.unit(code)
        worst.add_row(code, unit.name if unit else "?", f"{form.received_total:,}", f"{rate_:.2%}",
                      f"{by_unit.get(code, 0):,}")  # fmt: skip
    console.print(worst)
