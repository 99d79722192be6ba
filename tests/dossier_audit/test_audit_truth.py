"""End to end through the CLI: the audit finds exactly the injected violations, and the calibrated ward
scenario reproduces the 2023 report through `metrics`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from dossier_audit.cli import app

runner = CliRunner()


def _keys(lines: list[bytes]) -> set[tuple[str, str, str | None]]:
    return {
        (r["dossier_id"], r["rule_id"], r["event_id"]) for r in map(orjson.loads, lines) if "meta" not in r
    }


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    out = tmp_path_factory.mktemp("province") / "events.jsonl"
    result = runner.invoke(app, ["simulate", "--out", str(out), "--dossiers", "12000", "--seed", "3"])
    assert result.exit_code == 0, result.stderr
    truth = out.with_suffix(".truth.jsonl")
    meta = orjson.loads(truth.read_bytes().splitlines()[0])["meta"]
    return out, truth, meta["as_of"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_audit_finds_exactly_the_injected_violations(province, workers, monkeypatch, capsys):
    events, truth, as_of = province
    monkeypatch.setenv("DOSSIER_AUDIT_BATCH_WORKERS", workers)
    result = runner.invoke(app, ["audit", str(events), "--as-of", as_of, "--json"])
    assert result.exit_code == 0, result.stderr
    rows = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [r for r in rows if r["kind"] != "violation"] == []
    found = _keys(result.stdout.encode().splitlines())
    expected = _keys(truth.read_bytes().splitlines())
    hits = len(found & expected)
    precision, recall = hits / len(found), hits / len(expected)
    with capsys.disabled():
        print(f"\n[audit vs ground truth] workers={workers} violations={len(expected)} "
              f"precision={precision:.4f} recall={recall:.4f}")  # fmt: skip
    assert len(expected) > 2000
    # By rule, what the audit found beyond the truth and what it missed: a new rule the other scenarios trip,
    # or a scenario the rule does not see, named rather than two ratios.
    unexpected, missed = Counter(k[1] for k in found - expected), Counter(k[1] for k in expected - found)
    assert (precision, recall) == (1.0, 1.0), (
        f"found, not injected: {dict(unexpected)}; missed: {dict(missed)}"
    )


def test_calibrated_ward_reproduces_the_2023_report(tmp_path):
    out = tmp_path / "ward.jsonl"
    result = runner.invoke(app, ["simulate", "--out", str(out), "--calibrate", "ward-2023", "--seed", "1"])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(
        app,
        [
            "metrics",
            str(out),
            "--from",
            "2023-01-01",
            "--to",
            "2024-01-01",
            "--unit",
            "000.01.01.H99",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    figures = orjson.loads(result.stdout)
    assert figures["received"] == {
        "carried_over": 0,
        "new_online": 1433,
        "new_direct_postal": 1427,
        "total": 2860,
    }
    assert figures["resolved"] == {"total": 2851, "early": 2431, "on_time": 418, "late": 2}
    assert figures["in_progress"]["total"] == 9


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--dossiers", "200"], "--dossiers"),
        (["--weeks", "2", "--rule-rate", "LATE_NO_APOLOGY=0.1"], "--weeks, --rule-rate"),
        (["--start", "2025-01-06", "--rate", "0.05"], "--start, --rate"),
        (["--dossiers", "20000"], "--dossiers"),  # its default value, given: still refused
    ],
)
def test_a_calibration_preset_refuses_the_options_it_sets_itself(tmp_path, extra, named):
    """Review of 2026-12-06: ``--calibrate ward-2023 --dossiers 200 --weeks 2 --rule-rate ...`` wrote the
    preset's 2,860 dossiers of 2023 and no injected violation, exit 0, without a word."""
    out = tmp_path / "ward.jsonl"
    result = runner.invoke(app, ["simulate", "--out", str(out), "--calibrate", "ward-2023", *extra])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --calibrate ward-2023 sets the period, the volume and the rates itself (no violations "
        f"injected): drop {named}, or drop --calibrate"
    )
    assert not out.exists()
