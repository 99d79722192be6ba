"""The batch CLI on the contract files: validate, audit, metrics; bad input never gives a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from dossier_audit.cli import app

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
INVALID = CONTRACT / "invalid.jsonl"

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_validate_examples_ok():
    result = invoke("validate", str(EXAMPLES), "--json")
    assert result.exit_code == 0
    stats = orjson.loads(result.stdout.splitlines()[0])
    assert stats["valid"] == 24 and stats["rejected"] == 0 and stats["dossiers"] == 6


def test_validate_invalid_exits_1_with_reasons():
    result = invoke("validate", str(INVALID), "--json")
    assert result.exit_code == 1
    stats = orjson.loads(result.stdout.splitlines()[0])
    assert stats["rejected"] == 14 and stats["valid"] == 0
    assert stats["rejected_by_reason"]["occurred_at.naive"] == 1
    assert "occurred_at: '2025-11-03T09:00:00' has no UTC offset" in result.stderr
    # Ten listed, and a word of the other four: where they are (CLI review: no word of them).
    said = " ".join(result.stderr.split())
    assert len(re_lines(said)) == 10
    assert "… and 4 more rejected lines (--show-rejected 14 lists them all)" in said
    every = " ".join(invoke("validate", str(INVALID), "--show-rejected", "14").stderr.split())
    assert len(re_lines(every)) == 14 and "more rejected lines" not in every
    none = " ".join(invoke("validate", str(INVALID), "--show-rejected", "0").stderr.split())
    assert len(re_lines(none)) == 0 and "… and 14 more" in none


def re_lines(said: str) -> list[str]:
    """The rejected lines a summary lists ("line 3: …")."""
    import re

    return re.findall(r"\bline (\d+):", said)


def test_validate_counts_duplicates_and_conflicts(tmp_path):
    lines = EXAMPLES.read_bytes().splitlines()
    changed = orjson.loads(lines[0])
    changed["actor"] = "other"
    path = tmp_path / "dups.jsonl"
    path.write_bytes(b"\n".join([*lines, lines[1], lines[2], orjson.dumps(changed)]) + b"\n")
    result = invoke("validate", str(path), "--json")
    stats = orjson.loads(result.stdout.splitlines()[0])
    assert (stats["valid"], stats["duplicates"], stats["rejected_by_reason"]) == (
        24,
        2,
        {"event_id.conflict": 1},
    )
    assert result.exit_code == 1


EXPECTED_EXAMPLE_VIOLATIONS = {
    ("000.10.01.H99-251103-0002", "LATE_NO_APOLOGY", None),
    ("000.10.01.H99-251103-0002", "EXCESS_DOCUMENTS", "ex-006"),
    ("000.10.02.H99-251104-0001", "LATE_NO_APOLOGY", None),
    ("000.10.02.H99-251104-0001", "SUPPLEMENT_UNWRITTEN", "ex-010"),
    ("000.10.02.H99-251104-0001", "REPEATED_SUPPLEMENT", "ex-012"),
    ("000.10.02.H99-251104-0001", "REFUSAL_UNWRITTEN", "ex-013"),
    ("000.10.02.H99-251104-0001", "REFUSAL_NO_REASON", "ex-013"),
    ("000.10.02.H99-251105-0007", "MISSED_NEW_DUE_DATE", "ex-017"),
    ("000.10.01.H99-251106-0003", "NO_APPOINTMENT", "ex-022"),
}


def test_audit_examples_json():
    result = invoke("audit", str(EXAMPLES), "--as-of", "2025-11-20T00:00:00+07:00", "--json")
    assert result.exit_code == 0
    rows = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert {(r["dossier_id"], r["rule_id"], r["event_id"]) for r in rows} == EXPECTED_EXAMPLE_VIOLATIONS
    for r in rows:
        assert {"dossier_id", "rule_id", "severity", "unit_code", "occurred_at", "evidence"} <= r.keys()
    assert "Vi phạm theo quy tắc" in result.stderr


def test_audit_keeps_going_past_broken_lines(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(INVALID.read_bytes() + EXAMPLES.read_bytes())
    result = invoke("audit", str(path), "--as-of", "2025-11-20", "--json")
    assert result.exit_code == 0
    rows = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert {(r["dossier_id"], r["rule_id"], r["event_id"]) for r in rows} == EXPECTED_EXAMPLE_VIOLATIONS
    assert "rejected 14" in result.stderr


def test_audit_reports_unknown_procedure(tmp_path):
    line = orjson.loads(EXAMPLES.read_bytes().splitlines()[5])
    line["data"]["procedure_code"] = "9.999999"
    path = tmp_path / "unknown.jsonl"
    path.write_bytes(orjson.dumps(line) + b"\n")
    result = invoke("audit", str(path), "--as-of", "2025-11-04", "--json")
    rules = [orjson.loads(x)["rule_id"] for x in result.stdout.splitlines()]
    assert rules == ["UNKNOWN_PROCEDURE"]


def test_metrics_examples_json():
    result = invoke("metrics", str(EXAMPLES), "--from", "2025-11-03", "--to", "2025-11-10", "--json")
    assert result.exit_code == 0
    figures = orjson.loads(result.stdout)
    for key in ("carried_over", "new_online", "new_direct_postal", "total"):
        assert key in figures["received"]
    assert figures["received"]["total"] == 6
    assert figures["received"]["new_online"] == 1
    # Early: returned 7/11 (due 12/11), suspended 6/11 (due 7/11); on time: withdrawn after its 1-day maximum.
    assert figures["resolved"] == {"total": 3, "early": 2, "on_time": 1, "late": 0}
    # Overdue at 9/11: due 6/11 and the repeated-supplement dossier; within time: due 10/11.
    assert figures["in_progress"] == {"total": 3, "within_time": 1, "overdue": 2}
    assert figures["on_time_rate"] == pytest.approx(4 / 6, abs=1e-6)
    assert figures["progress_points_766"] == 13.33
    assert set(figures) >= {"on_time_rate", "progress_points_766", "resolved", "in_progress"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["audit", "/nonexistent.jsonl", "--as-of", "2025-11-20"],
            "cannot read /nonexistent.jsonl: no such file",
        ),
        (["audit", str(EXAMPLES), "--as-of", "2025-11-20T00:00:00"], "has no UTC offset"),
        (["audit", str(EXAMPLES), "--as-of", "soon"], "is not a date"),
        (["metrics", str(EXAMPLES), "--from", "2025-11-10", "--to", "2025-11-03"], "must be after --from"),
        (
            ["audit", str(EXAMPLES), "--as-of", "2025-11-20", "--catalogue", "/nope.yaml"],
            "cannot read catalogue",
        ),
    ],
)
def test_bad_arguments_give_one_clear_line(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_catalogue_reports_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("catalogue:\n  name: x\nprocedures: [\n", encoding="utf-8")
    result = runner.invoke(app, ["audit", str(EXAMPLES), "--as-of", "2025-11-20", "--catalogue", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "dossier_audit", "validate", str(EXAMPLES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "valid 24" in result.stderr


def test_applicants_never_appear_in_any_output(tmp_path):
    clear = ["079201001234", "Nguyễn Văn A"]  # the applicants in examples.jsonl
    broken = b'{"schema_version": 1, "event_id": "x", "data": {"applicant": "079201001234", "channel": "fax"'
    # A document that repeats the applicant (review of 2026-12-06): quoted by EXCESS_DOCUMENTS' evidence.
    echoed = orjson.dumps({
        "schema_version": 1, "event_id": "echo-1", "dossier_id": "000.00.01.H99-251103-0099",
        "type": "received", "occurred_at": "2025-11-03T08:00:00+07:00", "unit_code": "000.00.01.H99",
        "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": "2025-11-10T17:00:00+07:00",
                 "documents": ["CT01", f"{clear[1]} {clear[0]}"], "applicant": f"{clear[1]} {clear[0]}"},
    })  # fmt: skip
    path = tmp_path / "with-applicants.jsonl"
    path.write_bytes(EXAMPLES.read_bytes() + echoed + b"\n" + broken + b"\n")
    outputs = [
        invoke("validate", str(path), "--json"),
        invoke("audit", str(path), "--as-of", "2025-11-20", "--json"),
        invoke("metrics", str(path), "--from", "2025-11-03", "--to", "2025-11-10", "--json"),
    ]
    for result in outputs:
        for value in clear:
            assert value not in result.stdout
            assert value not in result.stderr
    assert '"excess":["hmac-sha256:' in outputs[1].stdout
    # Under a one-off key (none configured) that pseudonym differs from run to run: said (the diff review).
    keyless = runner.invoke(
        app, ["audit", str(path), "--as-of", "2025-11-20"], env={"DOSSIER_AUDIT_PSEUDONYM_KEY": None}
    )
    said = " ".join(keyless.stderr.split())
    assert "is not set" in said and "a document repeating an applicant reads otherwise next run" in said
    quiet = runner.invoke(
        app, ["audit", str(EXAMPLES), "--as-of", "2025-11-20"], env={"DOSSIER_AUDIT_PSEUDONYM_KEY": None}
    )
    assert "is not set" not in quiet.stderr  # nothing shown under a pseudonym: nothing to say


def test_metrics_by_field_sums_to_the_whole():
    result = invoke(
        "metrics", str(EXAMPLES), "--from", "2025-11-03", "--to", "2025-11-10", "--by", "field", "--json"
    )
    assert result.exit_code == 0, result.stderr
    figures = orjson.loads(result.stdout)
    forms = figures["groups"]["forms"]
    assert figures["groups"]["by"] == "field" and len(forms) >= 2
    assert sum(f["received"]["total"] for f in forms.values()) == figures["received"]["total"]
    bad = runner.invoke(
        app, ["metrics", str(EXAMPLES), "--from", "2025-11-03", "--to", "2025-11-10", "--by", "x"]
    )
    assert bad.exit_code == 2 and "choose one of unit, field, procedure" in bad.stderr


def test_simulate_rates_per_rule(tmp_path):
    out = tmp_path / "one-rule.jsonl"
    args = ["simulate", "--out", str(out), "--dossiers", "400", "--rate", "0"]
    result = runner.invoke(app, [*args, "--rule-rate", "EXCESS_DOCUMENTS=0.5"])
    assert result.exit_code == 0, result.stderr
    meta = orjson.loads(out.with_suffix(".truth.jsonl").read_bytes().splitlines()[0])["meta"]
    assert {k for k, v in meta["violations"].items() if v} == {"EXCESS_DOCUMENTS"}
    # What it wrote, for a person: not the summary's repr ("SimulationSummary(seed=7, start=datetime...").
    said = result.stderr.replace("\n", " ")
    assert "SimulationSummary" not in said and "datetime" not in said
    assert "events of 400 dossiers" in said and f"--as-of {meta['as_of']}" in said
    assert f"injected violations (EXCESS_DOCUMENTS {meta['violations']['EXCESS_DOCUMENTS']:,})" in said
    # The truth is not written over the events; --weeks counts from the default start without --start.
    same = runner.invoke(app, ["simulate", "--out", str(out), "--truth", str(out), "--dossiers", "3"])
    assert same.exit_code == 2 and "is the --out file" in same.stderr
    assert orjson.loads(out.with_suffix(".truth.jsonl").read_bytes().splitlines()[0])["meta"] == meta
    one = runner.invoke(app, ["simulate", "--out", str(out), "--dossiers", "3", "--weeks", "1"])
    assert one.exit_code == 0 and "2025-06-09 to 2025-06-16" in one.stderr
    none = runner.invoke(app, ["simulate", "--out", str(out), "--dossiers", "3", "--weeks", "0"])
    assert none.exit_code == 2 and "--weeks 0" in none.stderr
    bad = runner.invoke(app, [*args, "--rule-rate", "NOPE"])
    assert bad.exit_code == 2 and "RULE_ID=RATE" in bad.stderr
    unknown = runner.invoke(app, [*args, "--rule-rate", "NOPE=0.1"])
    # With the option and the ids it takes ("unknown rule ids in violation_rates: ['NOPE']": CLI review).
    said = " ".join(unknown.stderr.split())
    assert unknown.exit_code == 2 and "--rule-rate 'NOPE=0.1': no rule 'NOPE' is simulated; choose" in said
    assert "LATE_NO_APOLOGY" in said
    negative = runner.invoke(app, ["simulate", "--out", str(out), "--dossiers", "-5"])
    assert negative.exit_code == 2 and "--dossiers -5: give a number of dossiers, 0 or" in negative.stderr
