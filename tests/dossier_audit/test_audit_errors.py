"""Amendment 12 on the batch path: one bad dossier never stops `audit` or `metrics`. A dossier whose
judging fails is reported as AUDIT_ERROR (audit) or left out and listed (metrics); every other verdict is
unchanged; an event time outside the supported years is a rejected line, not a crash."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from dossier_audit.cli import app
from tests.poison import MESSAGE, poison

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
POISONED = "000.10.02.H99-251104-0001"  # five violations when judged
AS_OF = "2025-11-20T00:00:00+07:00"
PERIOD = ("--from", "2025-11-03", "--to", "2025-11-10")

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def audit_rows(path: Path) -> list[dict]:
    result = invoke("audit", str(path), "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.stderr
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def metrics(path: Path, *args: str) -> tuple[dict, str]:
    result = invoke("metrics", str(path), *PERIOD, *args, "--json")
    assert result.exit_code == 0, result.stderr
    return orjson.loads(result.stdout), result.stderr


def without(dossier_id: str, tmp_path: Path) -> Path:
    """The examples without one dossier's lines."""
    lines = [x for x in EXAMPLES.read_bytes().splitlines() if orjson.loads(x)["dossier_id"] != dossier_id]
    path = tmp_path / "without.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture(params=["1", "2"], ids=["in-process", "forked"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DOSSIER_AUDIT_BATCH_WORKERS", request.param)
    return str(request.param)


def test_a_poisoned_dossier_is_an_audit_error_and_every_other_verdict_is_unchanged(
    workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy = audit_rows(EXAMPLES)
    assert {r["dossier_id"] for r in healthy} > {POISONED}
    poison(monkeypatch, POISONED)
    result = invoke("audit", str(EXAMPLES), "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.stderr
    rows = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [r for r in rows if r["dossier_id"] != POISONED] == [
        r for r in healthy if r["dossier_id"] != POISONED
    ]
    (error,) = [r for r in rows if r["dossier_id"] == POISONED]
    assert error["rule_id"] == "AUDIT_ERROR" and error["kind"] == "finding" and error["severity"] == "low"
    assert error["evidence"] == {"error": "Poisoned", "message": MESSAGE}
    assert (error["unit_code"], error["procedure_code"], error["event_id"]) == (
        "000.10.02.H99", "2.000635", None
    )  # fmt: skip
    assert "AUDIT_ERROR" in result.stderr and "Lỗi khi đánh giá hồ sơ" in result.stderr  # the summary


def test_metrics_leave_a_poisoned_dossier_out_and_say_so(
    workers: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    expected, _ = metrics(without(POISONED, tmp_path), "--by", "unit")
    poison(monkeypatch, POISONED)
    figures, stderr = metrics(EXAMPLES, "--by", "unit")
    assert figures == expected
    assert "1 dossier(s) left out" in stderr and POISONED in stderr and MESSAGE in stderr
    # A unit filter that does not cover the dossier does not list it.
    _, other = metrics(EXAMPLES, "--unit", "000.10.01.H99")
    assert "left out" not in other


def test_an_event_dated_1999_is_rejected_and_the_rest_is_still_audited(tmp_path: Path) -> None:
    """The regression: a contract-valid event dated 1999 made `audit` and `metrics` exit 1 with a calendar
    range error, no verdict for anyone, while `validate` accepted it."""
    lines = EXAMPLES.read_bytes().splitlines()
    old = orjson.loads(lines[0])
    old.update(event_id="old-1", dossier_id="OLD-1999", occurred_at="1999-06-01T09:00:00+07:00")
    moved = orjson.loads(lines[0])  # an existing dossier's extra event with an appointment in 2051
    moved.update(event_id="moved-1", type="apology_issued")
    moved["data"] = {"notice_id": "XL-9", "reason": "r", "new_due_at": "2051-01-02T17:00:00+07:00"}
    path = tmp_path / "with-1999.jsonl"
    path.write_bytes(b"\n".join([*lines, orjson.dumps(old), orjson.dumps(moved)]) + b"\n")

    checked = invoke("validate", str(path), "--json")
    assert checked.exit_code == 1  # as documented: any rejected line
    stats = orjson.loads(checked.stdout)
    assert stats["rejected_by_reason"] == {"occurred_at.out_of_range": 1, "data.new_due_at.out_of_range": 1}
    assert "occurred_at: '1999-06-01T09:00:00+07:00' is outside the supported years 2000–2050" in (
        checked.stderr
    )

    result = invoke("audit", str(path), "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.stderr  # rejected lines are counted; the valid rest is audited
    assert [orjson.loads(x) for x in result.stdout.splitlines()] == audit_rows(EXAMPLES)
    assert "rejected 2" in result.stderr

    figures, stderr = metrics(path)
    assert figures == metrics(EXAMPLES)[0] and "rejected 2" in stderr


def test_violations_accepts_audit_error_as_a_rule() -> None:
    result = runner.invoke(app, ["violations", "--warehouse", "chdb:///nonexistent/x", "--rule", "NOPE"])
    assert result.exit_code == 2 and "AUDIT_ERROR" in result.stderr  # listed among the known ids


def test_as_recorded_needs_by_unit() -> None:
    result = runner.invoke(app, ["metrics", str(EXAMPLES), *PERIOD, "--as-recorded"])
    assert result.exit_code == 2 and "--as-recorded only applies to --by unit" in result.stderr
    result = runner.invoke(app, ["metrics", "--warehouse", "chdb:///nonexistent/x", *PERIOD, "--by", "unit"])
    assert result.exit_code == 2 and "--by is not available with --warehouse" in result.stderr
