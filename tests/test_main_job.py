"""The README's main job and the catalogue commands, exercised as a user runs them."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from dossier_audit.cli import app

runner = CliRunner()
SHARED = Path(__file__).resolve().parents[2] / "shared"


def test_main_job_writes_reports_equal_to_the_batch_audit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 0, result.stderr
    reports = tmp_path / "reports"
    violations = (reports / "violations.jsonl").read_bytes().splitlines()
    metrics = orjson.loads((reports / "metrics.json").read_bytes())
    assert "Vi phạm theo quy tắc" in (reports / "summary.txt").read_text(encoding="utf-8")
    events = tmp_path / ".dossier-audit" / "sample" / "events.jsonl"
    audit = runner.invoke(app, ["audit", str(events), "--as-of", "2025-11-24", "--json"])
    assert sorted(violations) == sorted(audit.stdout.encode().splitlines())
    week = metrics["period"]
    direct = runner.invoke(
        app, ["metrics", str(events), "--from", week["from"], "--to", week["to"], "--json"]
    )
    assert orjson.loads(direct.stdout) == metrics["province"]
    assert metrics["province"]["received"]["total"] > 1000

    # A second run reuses the generated province and writes the same reports.
    again = runner.invoke(app, ["run"])
    assert again.exit_code == 0
    assert sorted((reports / "violations.jsonl").read_bytes().splitlines()) == sorted(violations)


def test_catalogue_check_and_national_import(tmp_path):
    out = tmp_path / "national.yaml"
    result = runner.invoke(
        app,
        [
            "catalogue", "import-national", str(SHARED / "data" / "national_procedures.json"),
            "--fields", str(SHARED / "data" / "national_fields.json"), "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "2395 procedures" in result.stderr or "2,395" in result.stderr
    check = runner.invoke(app, ["catalogue", "check", str(out)])
    assert check.exit_code == 0, check.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "catalogue: {name: x}\nprocedures:\n  - code: '1.0'\n    max_time: 3 weeks\n", encoding="utf-8"
    )
    check = runner.invoke(app, ["catalogue", "check", str(bad)])
    assert check.exit_code == 2
    assert "bad.yaml:4:" in check.stderr
