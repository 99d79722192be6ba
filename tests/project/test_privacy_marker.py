"""Issue 13, item 6, end to end: a marker applicant in every position reaches no table, topic, output or
report.

One file (``tests/privacy_corpus.py``'s cross product: every position × spelling × value shape, valid and
rejected, escaped, pretty-printed, cut and split over lines) goes through the real command line, each
command in its own process so that its logs are on its stderr: ``validate`` and ``audit``;
``warehouse load`` into chdb, then every column of every table is searched, then ``report`` for the week;
``ingest`` to the embedded broker, both topics read back (keys and values), and ``worker sink`` from them
into a second warehouse, searched the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from streams.broker import EmbeddedBroker
from tests.privacy_corpus import corpus, leaks
from tests.streams.conftest import read_topic
from warehouse import open_warehouse

ENV = {**os.environ, "DOSSIER_AUDIT_PSEUDONYM_KEY": "privacy-e2e-key-0123456789abcdef"}
AS_OF = "2025-11-20"


def run(cwd: Path, *args: str, codes: tuple[int, ...] = (0,)) -> str:
    """Run ``dossier-audit args`` in its own process; its stdout and stderr together."""
    result = subprocess.run(
        [sys.executable, "-m", "dossier_audit", *args],
        capture_output=True, cwd=cwd, env=ENV, timeout=600, check=False,
    )  # fmt: skip
    out = result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")
    assert result.returncode in codes, out[-3000:]
    return out


def every_value(url: str) -> list[tuple[str, str]]:
    """(table, value) of every column of every row of every table of the warehouse at ``url``."""
    found: list[tuple[str, str]] = []
    with open_warehouse(url) as wh:
        tables = [row[0] for row in wh.query("SHOW TABLES")]
        assert {"events", "rejected_events", "dossiers", "violations"} <= set(tables)
        for table, least in (("events", 150), ("rejected_events", 1000)):  # ~200 valid, ~3,700 rejected
            assert wh.query(f"SELECT count() FROM {table}")[0][0] > least, table
        for table in tables:
            for row in wh.query(f"SELECT * FROM `{table}`"):
                found += [(table, str(value)) for value in row]
    return found


def assert_clean(where: str, text: str | bytes) -> None:
    found = leaks(text)
    assert not found, f"{where}: {found} in {text[:2000]!r}"


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("privacy") / "marker.jsonl"
    path.write_text("\n".join(corpus()) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow(22)
def test_marker_in_no_cli_output_table_or_report(events_file: Path, tmp_path: Path) -> None:
    assert_clean("validate", run(tmp_path, "validate", str(events_file), "--json", codes=(1,)))
    assert_clean("audit", run(tmp_path, "audit", str(events_file), "--as-of", AS_OF, "--json"))
    url = f"chdb://{tmp_path}/wh"
    run(tmp_path, "warehouse", "init", "--warehouse", url)
    assert_clean("load", run(tmp_path, "warehouse", "load", str(events_file), "--warehouse", url,
                             "--as-of", AS_OF))  # fmt: skip
    values = every_value(url)
    tables = {table for table, _ in values}
    assert {"events", "rejected_events"} <= tables  # both were written
    for table, value in values:
        assert_clean(table, value)
    out = tmp_path / "reports"
    assert_clean("report", run(tmp_path, "report", "--warehouse", url, "--week", "2025-W45",
                               "--out", str(out), "--sample-size", "50"))  # fmt: skip
    files = [f for f in out.rglob("*") if f.is_file()]
    assert files
    for f in files:  # the HTML as text; the XLSX and PDF are compressed, checked in their own tests
        if f.suffix in {".html", ".json", ".csv", ".txt"}:
            assert_clean(str(f), f.read_bytes())


@pytest.mark.slow(21)
def test_marker_in_no_topic_and_not_in_the_sink_warehouse(events_file: Path, tmp_path: Path) -> None:
    with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        servers = broker.bootstrap_servers
        assert_clean("ingest", run(tmp_path, "ingest", str(events_file), "--bootstrap-servers", servers))
        counts = {}
        for topic in ("dossier-events", "dossier-dead-letters"):
            records = read_topic(servers, topic)
            counts[topic] = len(records)
            for r in records:
                assert_clean(f"{topic} key", r.key or b"")
                assert_clean(f"{topic} value", r.value or b"")
        assert counts["dossier-events"] > 100 and counts["dossier-dead-letters"] > 100, counts
        url = f"chdb://{tmp_path}/sink-wh"
        assert_clean("sink", run(tmp_path, "worker", "sink", "--bootstrap-servers", servers,
                                 "--warehouse", url, "--until-idle"))  # fmt: skip
    for table, value in every_value(url):
        assert_clean(table, value)
