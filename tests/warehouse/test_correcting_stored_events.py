"""The operator's guide's runbook 'Correcting stored events', run on both backends: a load never replaces a
stored event, so a wrong one is deleted (the guide's own SQL) and the dossier loaded again, with its
corrected event or, when nothing replaces it, with its remaining events; the warehouse then holds what one
load of the right file gives: facts, outcome history, and the wrong event's violations retracted.

Review of 2026-12-04: the failed check's advice was "correct at the source and load again", which leaves the
wrong copy stored (a load compares an id only within its dossier, and keeps the stored version)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from bootstrap.platform import Platform
from checks import run_checks
from dossier_audit.simulator import SimulationConfig, simulate
from tests.warehouse.province_loads import load, snapshot
from warehouse import open_warehouse
from warehouse.base import Warehouse

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "operators-guide.md"


def _runbook_sql() -> tuple[str, str, str]:
    """The deletion, the wait and the dossier's export of the runbook, as the guide prints them (the export
    without its ``FORMAT``, which clickhouse-client applies)."""
    section = (
        GUIDE.read_text(encoding="utf-8").split("## Correcting stored events", 1)[1].split("\n## ", 1)[0]
    )
    (delete,) = re.findall(r'--query "(ALTER TABLE events DELETE [^"]+)"', section)
    (pending,) = re.findall(r'--query "(SELECT count\(\) FROM system\.mutations [^"]+)"', section)
    (export,) = re.findall(
        r'--query "(SELECT raw FROM events FINAL WHERE dossier_id [^"]+) FORMAT TSVRaw"', section
    )
    return delete, pending, export


def _uniqueness_passes(platform: Platform, wh: Warehouse) -> bool:
    results = run_checks(platform.catalogue, platform.rulebooks, wh, None).results
    return all(r.success for r in results if r.suite == "uniqueness")


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _open_violations(wh: Warehouse, dossier_id: str) -> set[tuple[str, str]]:
    sql = "SELECT rule_id, event_id FROM violations FINAL WHERE dossier_id = %(d)s AND state = 'open'"
    rows = wh.query(sql, {"d": dossier_id})
    return {(rule, event or "") for rule, event in rows}


@pytest.mark.parametrize("mistake", ["replaced", "spurious"])
def test_the_runbook_mends_a_reused_id_as_one_right_load_has_it(
    platform: Platform, two_warehouses: tuple[str, str], tmp_path: Path, mistake: str
) -> None:
    """``replaced``: the source sent one of the dossier's events under another dossier's event id; the
    corrected event replaces it. ``spurious``: it sent another dossier's event to this one as well; nothing
    replaces it, and the dossier's remaining events are loaded again."""
    summary = simulate(
        SimulationConfig(dossiers=60, seed=4), tmp_path / "sim.jsonl", tmp_path / "truth.jsonl"
    )
    lines = (tmp_path / "sim.jsonl").read_bytes().splitlines()
    docs: list[dict[str, Any]] = [orjson.loads(line) for line in lines]
    first, second = two_warehouses
    load(platform, second, tmp_path / "sim.jsonl", summary.as_of)  # the right file, once
    with open_warehouse(second) as wh:
        right = snapshot(wh)
        flagged = wh.query("SELECT dossier_id, event_id FROM violations FINAL WHERE state = 'open' "
                           "AND event_id != '' ORDER BY dossier_id, event_id")  # fmt: skip
    # The dossier of the mistake: one whose violation an event of it opened (so a wrong id shows).
    by_id = {doc["event_id"]: n for n, doc in enumerate(docs)}
    dossier, flagged_event = next((d, e) for d, e in flagged if e in by_id)
    other = next(doc for doc in docs if doc["dossier_id"] != dossier and doc["type"] == "received")
    reused = other["event_id"]
    if mistake == "replaced":  # the flagged event, sent under the other dossier's id
        wrong = [orjson.dumps(dict(docs[by_id[flagged_event]], event_id=reused))]
        kept = [line for line, doc in zip(lines, docs, strict=True)
                if doc["dossier_id"] == dossier and doc["event_id"] != flagged_event]  # fmt: skip
    else:  # the other dossier's reception, sent to this dossier too
        wrong = [orjson.dumps(dict(other, dossier_id=dossier))]
        kept = [line for line, doc in zip(lines, docs, strict=True) if doc["dossier_id"] == dossier]
    rest = [line for line, doc in zip(lines, docs, strict=True) if doc["dossier_id"] != dossier]
    load(platform, first, _write(tmp_path / "rest.jsonl", rest), summary.as_of)
    load(platform, first, _write(tmp_path / "mistaken.jsonl", kept + wrong), summary.as_of)
    delete, pending, export = _runbook_sql()
    for sql, placeholders in ((delete, ("'HS-…'", "'E-…'")), (pending, ("database = 'dossier_audit'",)),
                              (export, ("'HS-…'",))):  # fmt: skip
        assert all(p in sql for p in placeholders), sql  # a reworded guide must not skip a step silently
    with open_warehouse(first) as wh:
        assert not _uniqueness_passes(platform, wh)  # another dossier's id, stored by a later load: caught
        before = _open_violations(wh, dossier)
        wh.execute(delete.replace("'HS-…'", f"'{dossier}'").replace("'E-…'", f"'{reused}'"))
        for _ in range(2400):  # the guide's wait: the deletion runs in the background (up to 2 min)
            ((left,),) = wh.query(
                pending.replace("database = 'dossier_audit'", f"database = '{wh.database}'")
            )
            if left == 0:
                break
            time.sleep(0.05)
        assert left == 0
        remaining = [raw.encode() for (raw,) in wh.query(export.replace("'HS-…'", f"'{dossier}'"))]
    if mistake == "replaced":
        again = _write(tmp_path / "corrected.jsonl", [lines[by_id[flagged_event]]])  # the corrected one alone
    else:
        again = _write(tmp_path / "remaining.jsonl", remaining)  # exported, as the guide says
    load(platform, first, again, summary.as_of)
    with open_warehouse(first) as wh:
        assert _uniqueness_passes(platform, wh)
        after = _open_violations(wh, dossier)
        assert snapshot(wh) == right
    assert after != before  # the wrong event's verdicts were there, and are retracted
