"""A load that did not complete shows in the report: a warning on stderr from ``report``, and a note in a
box on page 1 of report.html and report.pdf (and the summary of report.xlsx), naming the source to load
again; gone once a later load has finished it — any load when it had stored its whole file, only a load
of its source when it had not."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from dossier_audit.cli import app
from tests.reporting.conftest import pdf_text
from tests.templates import WarehouseTemplates
from warehouse import open_warehouse
from warehouse.load_runs import new_run, record_start, record_stored, unfinished_runs

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
STARTED = datetime(2025, 11, 20, 1, 30, tzinfo=UTC)


def report(url: str, out: Path, lang: str) -> Result:
    args = ["--week", "2025-W45", "--out", str(out), "--no-packs", "--lang", lang]
    result = runner.invoke(app, ["report", "--warehouse", url, *args])
    assert result.exit_code == 0, result.stderr
    return result


def _killed_load(url: str) -> None:
    for args in (["warehouse", "init"], ["warehouse", "load", str(EXAMPLES), "--as-of", "2025-11-20"]):
        assert runner.invoke(app, [*args, "--warehouse", url]).exit_code == 0
    with open_warehouse(url) as wh:
        record_start(wh, new_run("/data/killed.jsonl", STARTED, STARTED))


@pytest.fixture
def url(tmp_path: Path, warehouse_templates: WarehouseTemplates) -> str:
    """A warehouse with the contract examples loaded, then a load that never completed (a copy of one built
    once per test process: ``tests.templates``)."""
    return warehouse_templates.copy("killed-load", _killed_load, tmp_path / "wh")


def test_report_warns_on_stderr_and_on_page_one(url: str, tmp_path: Path) -> None:
    out = tmp_path / "en"
    result = report(url, out, "en")
    stderr = " ".join(result.stderr.split())
    assert "warning: the load run " in stderr and "of /data/killed.jsonl" in stderr
    assert "did not complete" in stderr and "dossier-audit warehouse load" in stderr
    assert "load /data/killed.jsonl again" in stderr

    html = (out / "report.html").read_text(encoding="utf-8")
    box = re.search(r'<div class="warning" id="load-warning">([^<]*)</div>', html)
    assert box is not None and html.index('id="load-warning"') < html.index("<h1>")  # above the title
    assert "did not complete" in box.group(1) and "/data/killed.jsonl" in box.group(1)
    # Local time, as everywhere in the report (01:30 UTC is 08:30 in Asia/Ho_Chi_Minh).
    assert "2025-11-20 08:30 (UTC+07:00)" in box.group(1) and "load /data/killed.jsonl again" in box.group(1)
    assert html.count("/data/killed.jsonl") == 1  # lifted out of the summary, not shown twice

    first_page = " ".join(pdf_text(out / "report.pdf", first=1, last=1).split())
    assert "did not complete" in first_page and "/data/killed.jsonl" in first_page

    vi = tmp_path / "vi"
    report(url, vi, "vi")
    vi_html = (vi / "report.html").read_text(encoding="utf-8")
    assert "chưa hoàn tất" in vi_html and "nạp lại tệp /data/killed.jsonl" in vi_html
    assert "08:30 ngày 20/11/2025" in vi_html
    assert "chưa hoàn tất" in " ".join(pdf_text(vi / "report.pdf", first=1, last=1).split())


def load(url: str, events: Path) -> None:
    result = runner.invoke(
        app, ["warehouse", "load", str(events), "--warehouse", url, "--as-of", "2025-11-20"]
    )
    assert result.exit_code == 0, result.stderr


def test_no_note_once_a_later_load_finished_it(url: str, tmp_path: Path) -> None:
    with open_warehouse(url) as wh:
        (killed,) = unfinished_runs(wh)
        record_stored(wh, killed, {})  # it had stored its whole file: any later load finishes it
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    load(url, empty)
    result = report(url, tmp_path / "out", "en")
    assert "did not complete" not in result.stderr
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="load-warning"' not in html and "did not complete" not in html
    assert "did not complete" not in pdf_text(tmp_path / "out" / "report.pdf", first=1, last=1)


def test_a_load_killed_before_it_stored_its_file_stays_noted_until_its_source_is_loaded(
    url: str, tmp_path: Path
) -> None:
    source = tmp_path / "killed.jsonl"
    source.write_bytes(EXAMPLES.read_bytes())
    with open_warehouse(url) as wh:
        record_start(wh, new_run(str(source), STARTED.replace(hour=2), STARTED))  # no 'stored' row
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    load(url, empty)  # another file cannot make up what it did not store, nor finish /data/killed.jsonl
    result = report(url, tmp_path / "after-other", "en")
    stderr = " ".join(result.stderr.split())
    assert f"load {source} again" in stderr and "load /data/killed.jsonl again" in stderr
    html = (tmp_path / "after-other" / "report.html").read_text(encoding="utf-8")
    box = re.search(r'<div class="warning" id="load-warning">([^<]*)</div>', html)
    assert box is not None and "2 data load(s) did not complete" in box.group(1)
    assert f"load {source}, /data/killed.jsonl again" in box.group(1)  # newest first

    load(url, source)  # its source, loaded again and completed, supersedes it
    result = report(url, tmp_path / "after-same", "en")
    assert str(source) not in result.stderr and "load /data/killed.jsonl again" in " ".join(
        result.stderr.split()
    )
    html = (tmp_path / "after-same" / "report.html").read_text(encoding="utf-8")
    assert str(source) not in html and "1 data load(s) did not complete" in html
