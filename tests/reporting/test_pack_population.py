"""What a pack reads from the warehouse about its dossiers, on both backends (review of the packs,
2026-12-07): the clean sample leaves out a dossier with an open finding, and a timeline lists events of one
instant in the order the rulebook reads them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import load_file
from inspections.weeks import Week
from reporting import gather
from warehouse.base import Warehouse

UNIT = "000.10.01.H99"
AS_OF = datetime.fromisoformat("2025-09-22T00:00:00+07:00")
WEEK = Week.parse("2025-W38")


def _event(event_id: str, dossier: str, kind: str, at: str, data: dict[str, Any]) -> bytes:
    return orjson.dumps({"schema_version": 1, "event_id": event_id, "dossier_id": dossier, "type": kind,
                         "occurred_at": f"2025-09-{at}+07:00", "unit_code": UNIT, "data": data})  # fmt: skip


def _received(dossier: str, due: str) -> bytes:
    data = {"procedure_code": "1.004222", "channel": "direct", "due_at": f"2025-09-{due}+07:00",
            "documents": ["CT01", "GT-CHO-O"]}  # fmt: skip
    return _event(f"{dossier}-r", dossier, "received", "15T09:00:00", data)


def test_the_sample_leaves_out_findings_and_a_timeline_reads_ties_as_the_rules(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    lines = [
        _received("CLEAN", "19T17:00:00"),
        _event("CLEAN-p", "CLEAN", "processed", "16T10:00:00", {"outcome": "granted"}),
        # A finding only (EVENT_AFTER_END): a result after the refusal. It was sampled beside section A.
        _received("AFTER", "19T17:00:00"),
        _event(
            "AFTER-f",
            "AFTER",
            "refused",
            "16T09:00:00",
            {"stage": "processing", "notice_id": "TB-7", "reason": "Thiếu giấy tờ"},
        ),
        _event("AFTER-p", "AFTER", "processed", "17T10:00:00", {"outcome": "granted"}),
        # The apology at the result's instant, its id after the result's: the rules read it first.
        _received("TIE", "18T17:00:00"),
        _event("TIE-a", "TIE", "processed", "19T10:00:00", {"outcome": "granted"}),
        _event(
            "TIE-z",
            "TIE",
            "apology_issued",
            "19T10:00:00",
            {"notice_id": "XL-1", "reason": "Chờ xác minh", "new_due_at": "2025-09-19T17:00:00+07:00"},
        ),
    ]
    events = tmp_path / "pack.jsonl"
    events.write_bytes(b"\n".join(lines) + b"\n")
    platform = Platform(load_settings())
    load_file(platform, warehouse, events, AS_OF)
    kinds = set(warehouse.query("SELECT dossier_id, kind FROM violations FINAL WHERE state = 'open'"))
    assert ("AFTER", "finding") in kinds and not any(d == "CLEAN" for d, _ in kinds)
    sample = gather.clean_dossiers(platform.catalogue, warehouse, WEEK)
    assert sorted(d for ids in sample.values() for d in ids) == ["CLEAN"]
    (tie,) = gather.timelines(warehouse, ["TIE"]).values()
    assert [e.type for e in tie] == ["received", "apology_issued", "processed"]
