"""`violations --json` after the stream path prints what `audit --json` prints for the same events (issue
19, item 4c): the README promises the same shape, times included — evidence times in local time
(+07:00) on both paths, where the detector's evaluation instant (its watermark, in UTC) once leaked
into the evidence. A simulated province with every rule injected covers every rule's evidence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from dossier_audit.cli import app

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2025-11-03"
KEY = {"DOSSIER_AUDIT_PSEUDONYM_KEY": "k" * 32}

runner = CliRunner()


def cli(*args: str) -> bytes:
    result = runner.invoke(app, list(args), env=KEY)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def sort_key(line: bytes) -> tuple[str, str, str]:
    v = orjson.loads(line)
    return v["dossier_id"], v["rule_id"], v["event_id"] or ""


@pytest.mark.slow(20)
def test_violations_from_the_detector_equal_the_audit_byte_for_byte(broker, tmp_path):
    servers = broker.bootstrap_servers
    events = tmp_path / "events.jsonl"
    cli("simulate", "--out", str(events), "--dossiers", "200", "--seed", "3", "--rate", "0.05",
        "--start", "2025-09-01", "--weeks", "8")  # fmt: skip
    cli("ingest", str(events), "--bootstrap-servers", servers)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_AUDIT_")}
    env.update({"DOSSIER_AUDIT_WORKDIR": str(tmp_path / "work"), **KEY})
    detect = subprocess.run(
        [sys.executable, "-m", "dossier_audit", "worker", "detect", "--bootstrap-servers", servers,
         "--until-idle", "--as-of", AS_OF, "--session-timeout", "3"],
        cwd=ROOT, env=env, capture_output=True, timeout=240, check=False,
    )  # fmt: skip
    assert detect.returncode == 0, detect.stderr.decode()[-2000:]
    url = f"chdb://{tmp_path}/wh"
    cli("worker", "sink", "--bootstrap-servers", servers, "--warehouse", url, "--until-idle",
        "--session-timeout", "3")  # fmt: skip
    listed = cli("violations", "--warehouse", url, "--json").splitlines()
    audited = sorted(cli("audit", str(events), "--as-of", AS_OF, "--json").splitlines(), key=sort_key)
    assert len({orjson.loads(line)["rule_id"] for line in audited}) >= 12
    assert listed == audited
    times = [value for line in listed for value in orjson.loads(line)["evidence"].values()
             if isinstance(value, str) and value[:4].isdigit() and "T" in value]  # fmt: skip
    assert times and all(t.endswith("+07:00") for t in times)
