"""``warehouse.cases.violation_states`` on both backends: the detector's state of each case key, the keys
bound as their texts and their dossiers (one string each, not a tuple literal), exact whatever the ids hold
and across chunks, a key without a violation absent, the newest version of a row winning."""

from __future__ import annotations

from datetime import UTC, datetime

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import init
from warehouse import cases
from warehouse.base import Warehouse
from warehouse.cases import CaseKey, violation_states
from warehouse.store import VIOLATION_COLUMNS, violation_row

AS_OF = datetime(2025, 11, 20, tzinfo=UTC)
#: Ids a key's text must keep apart: a quote, a backslash, a newline, a separator, digits and ':' that
#: could pass for a length, Vietnamese.
IDS = ["D-1", "D'2", "D\\3", "D\n4", "D|5", "12:D6", "Hồ sơ 7", "D-1|x"]


def add(wh: Warehouse, key: CaseKey, state: str, version: int, unit: str = "U1") -> None:
    v = {
        "dossier_id": key.dossier_id, "rule_id": key.rule_id, "event_id": key.event_id, "kind": "violation",
        "severity": "high", "unit_code": unit, "procedure_code": "1.001", "occurred_at": AS_OF.isoformat(),
        "legal_basis": "x", "rulebook_version": "2", "evidence": {},
    }  # fmt: skip
    row = violation_row(v, state, AS_OF, "test", version)
    wh.insert("violations", VIOLATION_COLUMNS, [[value] for value in row])


def test_each_keys_state_whatever_its_ids_hold(warehouse: Warehouse, monkeypatch) -> None:
    init(Platform(load_settings()), warehouse)
    keys = [CaseKey(d, rule, e) for d in IDS for rule, e in (("LATE_NO_APOLOGY", ""), ("EXCESS_DOCS", "e|1"))]
    expected = {}
    for i, key in enumerate(keys):
        add(warehouse, key, "open", 1, unit=f"U{i}")
        if i % 3 == 0:  # retracted later: the newest version wins
            add(warehouse, key, "retracted", 2, unit=f"U{i}")
        expected[key] = ("retracted" if i % 3 == 0 else "open", "2", f"U{i}")
    # Keys one text apart from a stored one, which must not match it.
    strangers = [
        CaseKey("D-1", "LATE_NO_APOLOG", "Y"),
        CaseKey("D", "-1", ""),
        CaseKey("D-1|x", "EXCESS", "_DOCSe|1"),
    ]
    monkeypatch.setattr(cases, "CHUNK", 5)  # several questions, a dossier's keys split across two
    assert violation_states(warehouse, [*keys, *strangers]) == expected
    assert violation_states(warehouse, []) == {}
