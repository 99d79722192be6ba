"""A load that did not complete shows in the report: a warning on stderr from ``report``, and a note in a
box on page 1 of report.html and report.pdf (and the summary of report.xlsx), gone once a later load has
finished it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from dossier_audit.cli import app
from tests.reporting.conftest import pdf_text
from warehouse import open_warehouse
from warehouse.load_runs import COUNTS, new_run, record_completion, record_start, unfinished_runs

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
STARTED = datetime(2025, 11, 20, 1, 30, tzinfo=UTC)


def report(url: str, out: Path, lang: str) -> Result:
    args = ["--week", "2025-W45", "--out", str(out), "--no-packs", "--lang", lang]
    result = runner.invoke(app, ["report", "--warehouse", url, *args])
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A warehouse with the contract examples loaded, then a load that never completed."""
    url = f"chdb://{tmp_path}/wh"
    for args in (["warehouse", "init"], ["warehouse", "load", str(EXAMPLES), "--as-of", "2025-11-20"]):
        assert runner.invoke(app, [*args, "--warehouse", url]).exit_code == 0
    with open_warehouse(url) as wh:
        record_start(wh, new_run("/data/killed.jsonl", STARTED, STARTED))
    return url


def test_report_warns_on_stderr_and_on_page_one(url: str, tmp_path: Path) -> None:
    out = tmp_path / "en"
    result = report(url, out, "en")
    stderr = " ".join(result.stderr.split())
    assert "warning: the load run " in stderr and "of /data/killed.jsonl" in stderr
    assert "did not complete" in stderr and "dossier-audit warehouse load" in stderr

    html = (out / "report.html").read_text(encoding="utf-8")
    box = re.search(r'<div class="warning" id="load-warning">([^<]*)</div>', html)
    assert box is not None and html.index('id="load-warning"') < html.index("<h1>")  # above the title
    assert "did not complete" in box.group(1) and "/data/killed.jsonl" in box.group(1)
    assert "2025-11-20 01:30 UTC" in box.group(1)
    assert html.count("/data/killed.jsonl") == 1  # lifted out of the summary, not shown twice

    first_page = " ".join(pdf_text(out / "report.pdf", first=1, last=1).split())
    assert "did not complete" in first_page and "/data/killed.jsonl" in first_page

    vi = tmp_path / "vi"
    report(url, vi, "vi")
    assert "chưa hoàn tất" in (vi / "report.html").read_text(encoding="utf-8")
    assert "chưa hoàn tất" in " ".join(pdf_text(vi / "report.pdf", first=1, last=1).split())


def test_no_note_once_a_later_load_finished_it(url: str, tmp_path: Path) -> None:
    with open_warehouse(url) as wh:
        (killed,) = unfinished_runs(wh)
        later = new_run("/data/next.jsonl", STARTED.replace(hour=2), STARTED)
        record_start(wh, later)
        record_completion(wh, later, dict.fromkeys(COUNTS, 0), [killed])
    result = report(url, tmp_path / "out", "en")
    assert "did not complete" not in result.stderr
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="load-warning"' not in html and "did not complete" not in html
    assert "did not complete" not in pdf_text(tmp_path / "out" / "report.pdf", first=1, last=1)
