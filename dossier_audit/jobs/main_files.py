"""The files the main job writes itself, beside those its Dagster run writes: the week folder's
``INCOMPLETE.txt`` note while a run writes it, ``violations.jsonl`` and ``summary.txt`` (each replaced whole,
never left half-written)."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from pathlib import Path

import orjson

from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from warehouse.base import Warehouse


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` whole: a reader sees the old file or the new one."""
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


#: Left in a week's report folder while a run writes it, removed once the run has written every file.
INCOMPLETE = "INCOMPLETE.txt"


def mark_incomplete(week_dir: Path, week: Week) -> Path:
    """Write the week folder's :data:`INCOMPLETE` note before a run writes the week's files (each asset
    writes its own as it finishes): if the run fails part-way, the folder holds this run's files beside an
    earlier run's, and the note says so to whoever opens it, until a run completes."""
    week_dir.mkdir(parents=True, exist_ok=True)
    marker = week_dir / INCOMPLETE
    now = datetime.now(VN_TZ)
    vi = (
        f"Báo cáo tuần {week} CHƯA HOÀN THÀNH: lần chạy `dossier-audit run` bắt đầu lúc {now:%H:%M %d/%m/%Y} "
        "đã dừng giữa chừng, nên các tệp trong thư mục này có thể thuộc hai lần chạy khác nhau. Hãy chạy "
        "lại; tệp này tự mất khi một lần chạy hoàn thành."
    )
    en = (
        f"The report of week {week} is INCOMPLETE: the `dossier-audit run` started at {now:%Y-%m-%d %H:%M} "
        "stopped part-way, so the files in this folder may come from two runs. Run it again; this file goes "
        "away when a run completes."
    )
    atomic_write(marker, f"{vi}\n{en}\n".encode())
    return marker


def export_violations(wh: Warehouse, reports: Path) -> tuple[Path, Counter[str], Counter[str]]:
    """The detector's open violations as ``audit --json`` lines (sorted like the audit)."""
    from warehouse.projection import stored_violations

    reports.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    by_unit: Counter[str] = Counter()
    lines: list[bytes] = []
    for v in stored_violations(wh):
        doc = orjson.loads(v.detail)
        if doc.get("kind") != "not_checkable":  # a rule its source could not feed: not a violation
            counts[v.rule_id] += 1
        if doc.get("kind") == "violation":
            by_unit[v.unit_code] += 1
        lines.append(v.detail.encode())
    path = reports / "violations.jsonl"
    atomic_write(path, b"".join(line + b"\n" for line in lines))
    return path, counts, by_unit
