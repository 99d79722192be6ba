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


def _stopped_warehouse(tmp_path: Path) -> str:
    """A warehouse (its URL) loaded at 12/11/2025 with two dossiers of a feed that stopped on 28/10/2025
    (W44): one due 4/11 (W45) with no result."""
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
    return url


def test_a_week_no_data_reach_has_no_audit_packs(tmp_path: Path) -> None:
    """The feeds stopped on 28/10 (W44); a dossier due 4/11 has no result in the warehouse, and the load at
    12/11 found it late in W45. W45's report has no figures and asks for the feeds to be checked; its pack
    listed "late 5 working days, no apology" for the ward (the last read of 2026-12-07): none is written.
    W44, which the data reach, keeps its pack."""
    url = _stopped_warehouse(tmp_path)
    for week, packs in (("2025-W45", 0), ("2025-W44", 1)):
        out = tmp_path / week
        result = runner.invoke(app, ["report", "--warehouse", url, "--week", week, "--out", str(out)])
        assert result.exit_code == 0, result.stderr + result.stdout
        written = sorted(p.name for p in (out / "units").glob("*.html")) if (out / "units").exists() else []
        assert len(written) == packs, (week, written)
        assert f"audit packs: {packs} units" in result.stderr


def test_publishing_a_week_no_data_reach_takes_earlier_packs_away(tmp_path: Path) -> None:
    """Dagster's asset publishes what its staging folder holds: with no packs written, an earlier run's
    packs of the week (the misleading ones) stayed beside a report saying the week has no data (last read
    of the session). The empty units folder replaces them; the files replaced are kept under editions."""
    from inspections.weeks import Week
    from reporting.packs import write_packs
    from reporting.staging import publish, staged
    from warehouse import open_warehouse

    url = _stopped_warehouse(tmp_path)
    week_dir = tmp_path / "2025-W45"
    earlier = week_dir / "units" / f"{UNIT}.html"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("late 5 working days", encoding="utf-8")
    from bootstrap.platform import Platform
    from bootstrap.settings import load_settings

    platform = Platform(load_settings())
    header = platform.report_header()
    with open_warehouse(url) as wh, staged(week_dir, "audit_packs") as staging:
        written = write_packs(platform.catalogue, header, wh, Week.parse("2025-W45"), staging, 0)
        assert written == []
        publish(staging, week_dir, written)
    assert not earlier.exists() and not list((week_dir / "units").iterdir())
    assert any(p.name == earlier.name for p in (week_dir / "editions").rglob("*.html"))
