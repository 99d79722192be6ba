"""Amendment 12 on the warehouse load, on both backends: a dossier whose judging fails is stored with the
finding AUDIT_ERROR (its earlier violations retracted, its projection rows skipped and its outcome history
emptied, so the SQL form leaves it out as the file-based one does); every other dossier is folded as usual;
once it can be judged again, a reload restores it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from dossier_audit.cli import app
from tests.poison import MESSAGE, poison

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
POISONED = "000.10.02.H99-251104-0001"
AS_OF = "2025-11-20T00:00:00+07:00"
PERIODS = [("2025-11-03", "2025-11-10"), ("2025-11-01", "2025-12-01")]


def cli(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


def audit(*source: str) -> list[str]:
    return sorted(cli("audit", *source, "--as-of", AS_OF, "--json").stdout.splitlines())


def load(url: str, path: Path = EXAMPLES) -> dict:
    doc: dict = orjson.loads(cli("warehouse", "load", str(path), "--warehouse", url, "--as-of", AS_OF).stdout)
    return doc


def same_figures(url: str) -> None:
    """The SQL reporting form equals the file-based one (both leave a failing dossier out)."""
    for start, end in PERIODS:
        args = ["metrics", "--from", start, "--to", end, "--json"]
        assert orjson.loads(cli(*args, "--warehouse", url).stdout) == orjson.loads(
            cli(*args, str(EXAMPLES)).stdout
        ), (start, end)


def open_rules(url: str) -> dict[str, set[str]]:
    rows = cli("violations", "--warehouse", url, "--json").stdout.splitlines()
    found: dict[str, set[str]] = {}
    for row in map(orjson.loads, rows):
        found.setdefault(row["dossier_id"], set()).add(row["rule_id"])
    return found


def test_a_poisoned_dossier_is_stored_as_an_audit_error_and_the_rest_is_folded(
    warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(warehouse_url)
    healthy = open_rules(warehouse_url)
    assert len(healthy[POISONED]) >= 3 and len(healthy) >= 4

    poison(monkeypatch, POISONED)
    stats = load(warehouse_url)
    assert stats["dossiers_folded"] == 6
    assert stats["violations_retracted"] == len(healthy[POISONED])
    now = open_rules(warehouse_url)
    assert now == {**healthy, POISONED: {"AUDIT_ERROR"}}
    assert audit("--warehouse", warehouse_url) == audit(str(EXAMPLES))  # the same finding, the same JSON
    same_figures(warehouse_url)
    listed = cli("violations", "--warehouse", warehouse_url, "--rule", "AUDIT_ERROR", "--json")
    (row,) = map(orjson.loads, listed.stdout.splitlines())
    assert (row["dossier_id"], row["evidence"]["message"]) == (POISONED, MESSAGE)

    monkeypatch.undo()  # the dossier can be judged again: a reload restores it
    load(warehouse_url)
    assert open_rules(warehouse_url) == healthy
    assert audit("--warehouse", warehouse_url) == audit(str(EXAMPLES))
    same_figures(warehouse_url)


def test_a_first_load_with_a_poisoned_dossier(warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    poison(monkeypatch, POISONED)
    load(warehouse_url)
    assert open_rules(warehouse_url)[POISONED] == {"AUDIT_ERROR"}
    assert audit("--warehouse", warehouse_url) == audit(str(EXAMPLES))
    same_figures(warehouse_url)


def test_an_event_dated_1999_is_a_rejected_line_and_the_rest_is_loaded(
    warehouse_url: str, tmp_path: Path
) -> None:
    lines = EXAMPLES.read_bytes().splitlines()
    old = orjson.loads(lines[0])
    old.update(event_id="old-1", dossier_id="OLD-1999", occurred_at="1999-06-01T09:00:00+07:00")
    path = tmp_path / "with-1999.jsonl"
    path.write_bytes(b"\n".join([*lines, orjson.dumps(old)]) + b"\n")
    stats = load(warehouse_url, path)
    assert stats["rejected_by_reason"] == {"occurred_at.out_of_range": 1} and stats["dossiers_folded"] == 6
    assert audit("--warehouse", warehouse_url) == audit(str(EXAMPLES))
