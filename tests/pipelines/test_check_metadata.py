"""A failed check's metadata in Dagster names the offending rows and says what to do (review of
2026-12-04: the quality results held the examples, and Dagster showed only counts)."""

from __future__ import annotations

from datetime import UTC, datetime

from checks.results import CheckResult
from pipelines.asset_checks import NEXT_STEP, _failures_table


def result(details: dict[str, object]) -> CheckResult:
    return CheckResult(
        suite="events", expectation="events.unit_code is in the catalogue", column="unit_code", success=False,
        blocking=True, unexpected_count=2, element_count=1430, message_vi="x",
        message_en="Unit code | unknown", checked_at=datetime(2025, 11, 10, tzinfo=UTC), week="2025-W45",
        details=details,
    )  # fmt: skip


def test_the_failures_table_names_the_offending_rows() -> None:
    table = _failures_table([result({"examples": ["BAD-UNIT-01", "BAD-UNIT-02", "x" * 200, "fourth"]})])
    row = table.splitlines()[2]
    assert "BAD-UNIT-01, BAD-UNIT-02, " + "x" * 79 + "…" in row and "fourth" not in row
    assert "Unit code \\| unknown" in row  # a pipe in a cell is escaped
    values = _failures_table([result({"unexpected_values": [{"value": "999.99.99.Z99", "count": 3}]})])
    assert "999.99.99.Z99 (3)" in values
    assert _failures_table([result({})]).splitlines()[2].endswith("| — |")
    assert "warehouse load" in NEXT_STEP
