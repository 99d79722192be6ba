"""The audit packs of a week no feed's data reach into (``WeeklyReport.unreached``): none, as the week's
report has no figures. Its own module: the embedded engine serves one directory per process, and the
reports' modules keep their simulated province open."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from dossier_audit.cli import app

runner = CliRunner()
UNIT = "000.10.01.H99"


def test_a_week_no_data_reach_has_no_audit_packs(tmp_path: Path) -> None:
    """The feeds stopped on 28/10 (W44); a dossier due 4/11 has no result in the warehouse, and the load at
    12/11 found it late in W45. W45's report has no figures and asks for the feeds to be checked; its pack
    listed "late 5 working days, no apology" for the ward (the last read of 2026-12-07): none is written.
    W44, which the data reach, keeps its pack."""
    common = {"schema_version": 1, "unit_code": UNIT, "actor": "cb-014"}
    lines = [
        {**common, "event_id": "u-1", "dossier_id": f"{UNIT}-251027-0001", "type": "received",
         "occurred_at": "2025-10-27T09:15:00+07:00",
         "data": {"procedure_code": "1.004222", "channel": "online", "due_at": "2025-11-04T17:00:00+07:00",
                  "documents": ["CT01"]}},
        {**common, "event_id": "u-2", "dossier_id": f"{UNIT}-251028-0002", "type": "received",
         "occurred_at": "2025-10-28T09:15:00+07:00",
         "data": {"procedure_code": "1.004222", "channel": "online", "due_at": "2025-10-30T17:00:00+07:00",
                  "documents": ["CT01"]}},
    ]  # fmt: skip
    path = tmp_path / "stopped.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    url = f"chdb://{tmp_path}/wh"
    for args in (["warehouse", "init"], ["warehouse", "load", str(path), "--as-of", "2025-11-12"]):
        done = runner.invoke(app, [*args, "--warehouse", url])
        assert done.exit_code == 0, done.stderr
    for week, packs in (("2025-W45", 0), ("2025-W44", 1)):
        out = tmp_path / week
        result = runner.invoke(app, ["report", "--warehouse", url, "--week", week, "--out", str(out)])
        assert result.exit_code == 0, result.stderr + result.stdout
        written = sorted(p.name for p in (out / "units").glob("*.html")) if (out / "units").exists() else []
        assert len(written) == packs, (week, written)
        assert f"audit packs: {packs} units" in result.stderr
