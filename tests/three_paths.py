"""One dossier set judged on the platform's three paths — the batch engine (``audit FILE``), the warehouse
load (events stored, dossiers folded by ``warehouse.projection``) and the stream detector's core — so a
table of rulebook cases can prove they agree to the letter, not just on the common path.

Each path returns the open verdicts at ``as_of`` as ``{(dossier, rule, trigger event or ""): JSON}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from dossier_audit.jobs.batch_engine import BatchEngine, BatchOptions
from inspections.rulebook import Auditor
from schemas.events import AnyEvent, to_json_dict
from streams.detector.core import DetectorCore
from streams.messages import encode_event
from streams.watermark import to_us
from warehouse import open_warehouse
from warehouse.event_rows import EVENT_COLUMNS, event_row
from warehouse.migrate import migrate
from warehouse.projection import fold_dossiers, stored_violations
from warehouse.store import Batch

Verdicts = dict[tuple[str, str, str], dict[str, Any]]


def _key(v: dict[str, Any]) -> tuple[str, str, str]:
    return (v["dossier_id"], v["rule_id"], v["event_id"] or "")


def batch_path(events: Iterable[AnyEvent], auditor: Auditor, as_of: datetime, tmp: Path) -> Verdicts:
    """``audit FILE``: the events as a JSONL file through the streaming batch engine."""
    path = tmp / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(to_json_dict(e)) + b"\n" for e in events))

    def evaluate(dossier_id: str, group: list[AnyEvent]) -> list[Any]:
        return [v.to_json_dict() for v in auditor.evaluate(dossier_id, group, as_of, presorted=True)]

    engine = BatchEngine(evaluate, options=BatchOptions(workers=1, horizon=as_of))
    return {_key(v): v for v in engine.run(path)}


def warehouse_path(
    events: Iterable[AnyEvent], auditor: Auditor, as_of: datetime, tmp: Path, url: str | None = None
) -> Verdicts:
    """``warehouse load``: events stored in a warehouse (an embedded one unless ``url``), every dossier folded
    and judged there."""
    events = list(events)
    ingested = datetime(2026, 1, 1, tzinfo=UTC)
    with open_warehouse(url or f"chdb://{tmp / 'wh'}") as wh:
        migrate(wh)
        rows = Batch(wh, "events", EVENT_COLUMNS)
        for n, event in enumerate(events, 1):
            rows.add(*event_row(event, "three-paths", n, ingested))
        rows.flush()
        fold_dossiers(auditor, wh, sorted({e.dossier_id for e in events}), as_of)
        stored = stored_violations(wh)
    return {_key(v): v for v in (orjson.loads(s.detail) for s in stored)}


def stream_path(events: Iterable[AnyEvent], auditor: Auditor, as_of: datetime) -> Verdicts:
    """``worker detect``: the detector's core fed the events in arrival order, finalized at ``as_of``."""
    core = DetectorCore(auditor, timedelta(hours=1))
    core.apply(0, [(e, encode_event(e)) for e in events])
    core.partition(0).finalize(to_us(as_of))
    return dict(core.open_violations())


def three_paths(
    events: Iterable[AnyEvent], auditor: Auditor, as_of: datetime, tmp: Path
) -> tuple[Verdicts, Verdicts, Verdicts]:
    """(batch, warehouse, stream) verdicts of the same events."""
    events = list(events)
    tmp.mkdir(parents=True, exist_ok=True)
    return (
        batch_path(events, auditor, as_of, tmp),
        warehouse_path(events, auditor, as_of, tmp),
        stream_path(events, auditor, as_of),
    )
