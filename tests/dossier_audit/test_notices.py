"""``warehouse load`` says when no pseudonymisation key is set, as ``import dvcqg`` and ``ingest`` did: a
team's first load of real data without one stores pseudonyms that no later load reproduces (the same
applicant loaded by two runs has two)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dossier_audit.cli import app

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
WARNING = "DOSSIER_AUDIT_PSEUDONYM_KEY is not set"


def test_warehouse_load_warns_without_a_key_and_not_with_one(tmp_path: Path, monkeypatch) -> None:
    runner = CliRunner()
    args = ["warehouse", "load", str(EXAMPLES), "--warehouse", f"chdb://{tmp_path / 'wh'}", "--as-of",
            "2025-11-20"]  # fmt: skip
    monkeypatch.delenv("DOSSIER_AUDIT_PSEUDONYM_KEY", raising=False)
    keyless = runner.invoke(app, args)
    assert keyless.exit_code == 0, keyless.stderr
    assert WARNING in " ".join(keyless.stderr.split()) and "two runs has two" in " ".join(
        keyless.stderr.split()
    )
    keyed = runner.invoke(app, args, env={"DOSSIER_AUDIT_PSEUDONYM_KEY": "a-key-of-sixteen-bytes-or-more"})
    assert keyed.exit_code == 0, keyed.stderr
    assert WARNING not in keyed.stderr


def test_a_load_of_stored_events_says_they_were_stored_already(tmp_path: Path) -> None:
    """A second load of one file said "stored 24 events" as the first did (review of 2026-12-04): it says
    which of them are of dossiers the warehouse held, stored again unchanged."""
    runner = CliRunner()
    args = ["warehouse", "load", str(EXAMPLES), "--warehouse", f"chdb://{tmp_path / 'wh'}", "--as-of",
            "2025-11-20"]  # fmt: skip
    env = {"DOSSIER_AUDIT_PSEUDONYM_KEY": "a-key-of-sixteen-bytes-or-more"}
    said = []
    for _ in range(2):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.stderr
        said.append(" ".join(result.stderr.split()))
    assert "stored 24 events and" in said[0] and "the warehouse already held" not in said[0]
    assert "stored 24 events (24 of them in dossiers the warehouse already held" in said[1]
    assert "written again, unchanged; the others are new)" in said[1]
