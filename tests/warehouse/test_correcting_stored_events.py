"""The operator's guide's runbook 'Correcting stored events', run on both backends: a load never replaces a
stored event, so an id the source gave to two events is corrected by deleting the wrong copy (the guide's
own SQL) and loading the corrected events; the warehouse then holds what one load of the right file gives.

Review of 2026-12-04: the failed check's advice was "correct at the source and load again", which leaves the
wrong copy stored (a load compares an id only within its dossier, and keeps the stored version)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import orjson

from bootstrap.platform import Platform
from checks import run_checks
from dossier_audit.simulator import SimulationConfig, simulate
from tests.warehouse.province_loads import load, snapshot
from warehouse import open_warehouse
from warehouse.base import Warehouse

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "operators-guide.md"


def _runbook_sql() -> tuple[str, str]:
    """The deletion and the wait of the runbook, as the guide prints them."""
    section = (
        GUIDE.read_text(encoding="utf-8").split("## Correcting stored events", 1)[1].split("\n## ", 1)[0]
    )
    (delete,) = re.findall(r'--query "(ALTER TABLE events DELETE [^"]+)"', section)
    (pending,) = re.findall(r'--query "(SELECT count\(\) FROM system\.mutations [^"]+)"', section)
    return delete, pending


def _uniqueness_passes(platform: Platform, wh: Warehouse) -> bool:
    results = run_checks(platform.catalogue, platform.rulebooks, wh, None).results
    return all(r.success for r in results if r.suite == "uniqueness")


def test_the_runbook_removes_a_reused_id_and_leaves_what_one_right_load_gives(
    platform: Platform, two_warehouses: tuple[str, str], tmp_path: Path
) -> None:
    summary = simulate(
        SimulationConfig(dossiers=40, seed=4), tmp_path / "sim.jsonl", tmp_path / "truth.jsonl"
    )
    lines = (tmp_path / "sim.jsonl").read_bytes().splitlines()
    docs = [orjson.loads(line) for line in lines]
    by_dossier: dict[str, list[int]] = {}
    for n, doc in enumerate(docs):
        by_dossier.setdefault(doc["dossier_id"], []).append(n)
    wrong_dossier, other = [d for d, ns in by_dossier.items() if len(ns) >= 3][:2]
    reused = docs[by_dossier[other][0]]["event_id"]
    wrong = dict(docs[by_dossier[wrong_dossier][1]], event_id=reused)  # the source's mistake

    def write(name: str, chosen: list[bytes]) -> Path:
        path = tmp_path / name
        path.write_bytes(b"\n".join(chosen) + b"\n")
        return path

    rest = write("rest.jsonl", [line for line, doc in zip(lines, docs, strict=True)
                                if doc["dossier_id"] != wrong_dossier])  # fmt: skip
    mistaken = [orjson.dumps(wrong) if n == by_dossier[wrong_dossier][1] else lines[n]
                for n in by_dossier[wrong_dossier]]  # fmt: skip
    corrected = write("corrected.jsonl", [lines[by_dossier[wrong_dossier][1]]])  # the corrected one alone
    first, second = two_warehouses
    load(platform, first, rest, summary.as_of)
    load(platform, first, write("mistaken.jsonl", mistaken), summary.as_of)
    delete, pending = _runbook_sql()
    with open_warehouse(first) as wh:
        assert not _uniqueness_passes(platform, wh)  # a load of another dossier's id is stored: caught
        database = f"database = '{wh.database}'"
        wh.execute(delete.replace("'HS-…'", f"'{wrong_dossier}'").replace("'E-…'", f"'{reused}'"))
        for _ in range(600):  # the guide's wait: the deletion runs in the background
            ((left,),) = wh.query(pending.replace("database = 'dossier_audit'", database))
            if left == 0:
                break
            time.sleep(0.05)
        assert left == 0
    load(platform, first, corrected, summary.as_of)
    with open_warehouse(first) as wh:
        assert _uniqueness_passes(platform, wh)
        mended = snapshot(wh)
    load(platform, second, tmp_path / "sim.jsonl", summary.as_of)
    with open_warehouse(second) as wh:
        assert snapshot(wh) == mended
