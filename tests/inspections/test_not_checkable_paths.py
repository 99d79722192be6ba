"""Issue 14 on the platform's three paths: a dossier whose source cannot provide some fields gives the same
``not_checkable`` records, kind unchanged, from ``audit FILE``, the stream detector and the warehouse load.

The warehouse stores ``violations.kind`` in an Enum8 column that migration 0005 extended with
``'not_checkable'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from inspections.audit import audit_events
from schemas.events import AnyEvent
from schemas.validation import Rejection, parse_event
from tests.rulebook_v2_cases import AS_OF, auditor
from tests.rulebook_v2_world import FRI, MON, THU, TUE, UNIT, WED, Spec, apo, chg, proc, rcv, ref, sup
from tests.three_paths import batch_path, stream_path, warehouse_path

DVCQG = {"system": "dvcqg", "inferred": True, "basis": "NoiDungXuLy"}


def _event(dossier: str, n: int, spec: Spec, unknown: tuple[str, ...] = ()) -> AnyEvent:
    kind, when, data = spec
    raw: dict[str, Any] = {
        "schema_version": 1,
        "event_id": f"{dossier}/{n}",
        "dossier_id": dossier,
        "type": kind,
        "occurred_at": f"{when.replace(' ', 'T')}:00+07:00",
        "unit_code": UNIT,
        "data": {**data, **dict.fromkeys(unknown)},
    }
    if unknown:
        raw["source"] = {**DVCQG, "record": f"{dossier}#{n}", "unknown": list(unknown)}
    event = parse_event(orjson.dumps(raw))
    assert not isinstance(event, Rejection), event
    return event


def dossiers() -> list[AnyEvent]:
    """A DVCQG-like province: what the national format cannot carry is unknown."""
    return [
        _event("NC-1", 1, rcv(f"{MON} 09:00", f"{WED} 17:00")),
        _event("NC-1", 2, sup(f"{TUE} 09:00", notice=None), ("notice_id",)),
        _event("NC-1", 3, ref(f"{WED} 09:00", notice=None, reason=""), ("notice_id",)),
        _event("NC-2", 1, rcv(f"{MON} 09:00", f"{TUE} 17:00")),
        _event("NC-2", 2, apo(f"{WED} 09:00", None, notice=None), ("notice_id", "new_due_at")),
        _event("NC-2", 3, chg(f"{WED} 10:00", f"{TUE} 17:00", f"{FRI} 17:00")),
        _event("NC-2", 4, proc(f"{THU} 10:00")),
        _event("NC-3", 1, rcv(f"{MON} 09:00", None), ("due_at",)),  # open: lateness unknown
    ]


def _not_checkable(verdicts: dict[tuple[str, str, str], dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {key for key, v in verdicts.items() if v["kind"] == "not_checkable"}


def test_the_batch_audit_and_the_detector_give_the_same_not_checkable_records(tmp_path: Path) -> None:
    events = dossiers()
    a = auditor("2")
    batch = batch_path(events, a, AS_OF, tmp_path)
    stream = stream_path(events, a, AS_OF)
    assert batch == stream
    assert batch == {
        (v.dossier_id, v.rule_id, v.event_id or ""): v.to_json_dict() for v in audit_events(events, a, AS_OF)
    }
    assert _not_checkable(batch) == {
        ("NC-1", "SUPPLEMENT_UNWRITTEN", "NC-1/2"),
        ("NC-1", "REFUSAL_UNWRITTEN", "NC-1/3"),
        ("NC-2", "APOLOGY_INCOMPLETE", "NC-2/2"),
        ("NC-2", "MISSED_NEW_DUE_DATE", "NC-2/2"),
        ("NC-2", "DUE_DATE_CHANGED", "NC-2/2"),
        ("NC-2", "OLD_DUE_DATE_MISMATCH", "NC-2/2"),
        ("NC-3", "LATE_NO_APOLOGY", "NC-3/1"),
        ("NC-3", "NO_APPOINTMENT", "NC-3/1"),
        ("NC-3", "DUE_DATE_OVERSTATED", "NC-3/1"),
    }
    # What the source could provide is still judged: a blank refusal reason is a violation.
    assert batch[("NC-1", "REFUSAL_NO_REASON", "NC-1/3")]["kind"] == "violation"


def test_the_warehouse_load_stores_the_same_not_checkable_records(warehouse_url: str, tmp_path: Path) -> None:
    """On both backends (migration 0005 adds the kind to the stored Enum)."""
    events = dossiers()
    a = auditor("2")
    assert warehouse_path(events, a, AS_OF, tmp_path, warehouse_url) == batch_path(events, a, AS_OF, tmp_path)


def test_the_load_counts_open_violations_without_the_not_checkable_records(tmp_path: Path) -> None:
    """``warehouse load``'s "N open violations" (and its --json) counts what the audit counts as violations
    and findings: the not_checkable records are stored, not counted."""
    from bootstrap.platform import Platform
    from bootstrap.settings import load_settings
    from dossier_audit.jobs.warehouse import load_lines
    from warehouse import open_warehouse
    from warehouse.migrate import migrate

    events = dossiers()
    platform = Platform(load_settings())
    with open_warehouse(f"chdb://{tmp_path / 'wh'}") as wh:
        migrate(wh)
        result = load_lines(platform, wh, events, AS_OF, source="not-checkable")
        ((stored,),) = wh.query(
            "SELECT countIf(kind = 'not_checkable') FROM violations FINAL WHERE state = 'open'"
        )
    verdicts = list(audit_events(events, platform.auditor, AS_OF))
    assert stored == sum(v.kind == "not_checkable" for v in verdicts) > 0
    assert result.violations_open == sum(v.kind != "not_checkable" for v in verdicts)
