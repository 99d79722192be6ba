"""Issue 14: ``audit`` on events whose source cannot provide some fields. The records of kind
``not_checkable`` come out with ``--json`` like any other (their kind says what they are), and the summary on
stderr counts them per rule in a column of their own, never as violations."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
from typer.testing import CliRunner

from dossier_audit.cli import app

runner = CliRunner()
CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
UNIT = "000.10.01.H99"


def _event(n: int, kind: str, when: str, data: dict, unknown: tuple[str, ...] = ()) -> bytes:
    doc = {
        "schema_version": 1,
        "event_id": f"nc-{n}",
        "dossier_id": "000.10.01.H99-251103-0777",
        "type": kind,
        "occurred_at": f"2025-11-{when}+07:00",
        "unit_code": UNIT,
        "data": {**data, **dict.fromkeys(unknown)},
    }
    if unknown:
        doc["source"] = {"system": "dvcqg", "record": f"R-{n}", "unknown": list(unknown)}
    return orjson.dumps(doc) + b"\n"


def events_file(tmp_path: Path) -> Path:
    """The contract's examples, and one dossier read from the national format: the notice numbers of its
    two supplement requests and of its refusal cannot be provided."""
    received = {"procedure_code": "1.001612", "channel": "direct", "due_at": "2025-11-10T17:00:00+07:00",
                "documents": ["GIAY-DE-NGHI"]}  # fmt: skip
    request = {"reason": "Thiếu giấy tờ", "requested_documents": []}
    path = tmp_path / "events.jsonl"
    path.write_bytes(
        (CONTRACT / "examples.jsonl").read_bytes()
        + _event(1, "received", "03T09:00:00", received)
        + _event(2, "supplement_requested", "04T09:00:00", request, ("notice_id",))
        + _event(3, "supplement_completed", "05T09:00:00", {"documents": []})
        + _event(4, "supplement_requested", "05T10:00:00", request, ("notice_id",))
        + _event(
            5,
            "refused",
            "06T09:00:00",
            {"stage": "processing", "reason": "Không đủ điều kiện"},
            ("notice_id",),
        )
    )
    return path


def test_audit_reports_not_checkable_records_and_counts_them_apart(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["audit", str(events_file(tmp_path)), "--as-of", "2025-11-20", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    rows = [orjson.loads(line) for line in result.stdout.splitlines()]
    kinds = Counter((r["rule_id"], r["kind"]) for r in rows if r["dossier_id"].endswith("0777"))
    assert kinds[("SUPPLEMENT_UNWRITTEN", "not_checkable")] == 2
    assert kinds[("REFUSAL_UNWRITTEN", "not_checkable")] == 1
    assert kinds[("SUPPLEMENT_UNWRITTEN", "violation")] == kinds[("REFUSAL_UNWRITTEN", "violation")] == 0
    assert kinds[("REPEATED_SUPPLEMENT", "violation")] == 1  # reads no field: still judged
    record = next(r for r in rows if r["rule_id"] == "REFUSAL_UNWRITTEN" and r["kind"] == "not_checkable")
    assert record["event_id"] == "nc-5" and record["severity"] == "high"
    assert record["evidence"] == {"unknown": ["notice_id"], "event_type": "refused", "source_system": "dvcqg",
                                  "source_record": "R-5"}  # fmt: skip
    # The summary: violations as before (the examples' REFUSAL_UNWRITTEN), the records not checkable in a
    # column of their own, and in the total row.
    # (in the report language, Vietnamese by default)
    assert "không kiểm tra được" in result.stderr
    refusal = _cells(next(line for line in result.stderr.splitlines() if "REFUSAL_UNWRITTEN" in line))
    assert refusal[-2:] == ["1", "1"]
    total = _cells(next(line for line in result.stderr.splitlines() if "tổng" in line))
    assert total[-2:] == [f"{sum(1 for r in rows if r['kind'] != 'not_checkable'):,}".replace(",", "."), "3"]
    assert "không kiểm tra được: 3" in result.stderr


def test_without_such_records_the_summary_is_unchanged() -> None:
    result = runner.invoke(
        app, ["audit", str(CONTRACT / "examples.jsonl"), "--as-of", "2025-11-20"], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert "Vi phạm theo quy tắc" in result.stderr and "không kiểm tra được" not in result.stderr


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("│")][1:-1]
