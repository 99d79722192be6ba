"""A failed check's metadata in Dagster names the offending rows and says what to do (review of
2026-12-04: the quality results held the examples, and Dagster showed only counts)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from dagster import AssetKey

from checks import SUITES
from checks.results import CheckResult
from pipelines.asset_checks import _failures_table, check_results

ROOT = Path(__file__).resolve().parents[2]


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
    assert "BAD-UNIT-01; BAD-UNIT-02; " + "x" * 99 + "…" in row and "fourth" not in row
    # A recorded row names its ids first, so a cut keeps them (they were cut off behind a long time).
    dossier = result({"examples": [{"due_at": "2025-11-05T02:00:00+00:00", "dossier_id": "H99-251106-0001"}]})
    assert dossier.examples() == "dossier_id=H99-251106-0001 due_at=2025-11-05T02:00:00+00:00"
    # Without the epoch seconds an event's time is checked on: its digits filled the cut (ops review).
    event = result({"examples": [{"occurred_epoch": 2393218800, "occurred_at": "2045-11-03T02:00:00",
                                  "dossier_id": "D-1", "event_id": "E-1"}]})  # fmt: skip
    assert event.examples() == "dossier_id=D-1 event_id=E-1 occurred_at=2045-11-03T02:00:00"
    assert "Unit code \\| unknown" in row  # a pipe in a cell is escaped
    values = _failures_table([result({"unexpected_values": [{"value": "999.99.99.Z99", "count": 3}]})])
    assert "999.99.99.Z99 (3)" in values
    assert _failures_table([result({})]).splitlines()[2].endswith("| — |")


def test_a_failed_suite_says_its_own_remedy_and_the_guide_has_the_sections_it_cites() -> None:
    """Review of 2026-12-04: every failed check said "correct at the source and load again", which a load
    cannot do for a stored event (it keeps the stored version and rejects the new one as a conflict)."""
    failed = result({"examples": ["E-1"]})
    checks = check_results(AssetKey("q"), [replace(failed, suite="uniqueness")], week="2025-W45",
                           halt_on_blocking_failure=False)  # fmt: skip
    (unique,) = [c for c in checks if c.check_name == "uniqueness_suite"]
    step = str(unique.metadata["next_step"].value)
    assert "A load never replaces a stored event" in step and "Correcting stored events" in step
    assert all("next_step" not in c.metadata for c in checks if c is not unique)  # no results, no failure
    guide = (ROOT / "docs" / "operators-guide.md").read_text(encoding="utf-8")
    headings = {line.lstrip("#").strip() for line in guide.splitlines() if line.startswith("#")}
    for suite in SUITES:
        assert suite.next_step is not None, suite.name
        for text in (suite.next_step.vi, suite.next_step.en):
            for section in re.findall(r"'([A-Z][^']+)'", text):  # the guide's sections it cites exist
                assert section in headings or f"**{section}**" in guide, (suite.name, section)
            for path in re.findall(r"docs/[\w.-]+\.md", text):
                assert (ROOT / path).is_file(), path


def test_stored_values_in_the_failures_table_read_as_they_are() -> None:
    """The examples are stored values, any text the contract allows: ``![](http://…)`` in a dossier id loaded
    a remote image in the Dagster UI, ``[…](…)`` made a link (review of hostile text). Rendered by a
    CommonMark parser with tables (Dagster renders GitHub Markdown), the cell holds the text and no tag."""
    from markdown_it import MarkdownIt

    hostile = ["![x](http://e.vil/p.png)", "[here](javascript:alert(1))", "<img src=x onerror=y>"]
    message = "`code` *x* ~~y~~ _z_ a|b\\|c"
    table = _failures_table([replace(result({"examples": hostile}), message_en=message)])
    html = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(table)
    assert "<img" not in html and "<a " not in html and "<code>" not in html and "<em>" not in html
    assert "<s>" not in html and html.count("<td>") == 6
    cell = re.search(r"<td>(!\[x.*?)</td>", html)
    assert cell is not None
    shown = "![x](http://e.vil/p.png); [here](javascript:alert(1)); &lt;img src=x onerror=y&gt;"
    assert cell.group(1) == shown
    assert f"<td>{message}</td>" in html
