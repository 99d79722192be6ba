"""A dossier whose rules fail but whose outcome stands (review of 2026-12-04): the audit reports
``AUDIT_ERROR`` for it (amendment 12) on every path, and both reporting forms count it, the file's
(``metrics FILE``) and the warehouse's (SQL over the stored history). The load emptied its history on any
failure, so the SQL form left it out while the file's counted it. Here a legal due date seven working days
after a receipt two days before the calendar's last day fails, not the dossier's outcome. Both backends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import orjson

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.files import audit_file, metrics_file
from dossier_audit.jobs.warehouse import load_file, metrics_warehouse
from warehouse.base import Warehouse
from warehouse.projection import audit_warehouse

AS_OF = datetime.fromisoformat("2050-12-31T12:00:00+07:00")
RECEIVED = {
    "schema_version": 1, "event_id": "x3r", "dossier_id": "X3", "type": "received",
    "occurred_at": "2050-12-29T09:00:00+07:00", "unit_code": "000.10.01.H99",
    "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": "2050-12-30T17:00:00+07:00",
             "documents": []},
}  # fmt: skip


def test_a_dossier_whose_rules_fail_is_counted_alike_in_both_forms(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    events = tmp_path / "x3.jsonl"
    events.write_bytes(orjson.dumps(RECEIVED) + b"\n")
    platform = Platform(load_settings())
    audited = [(v["dossier_id"], v["rule_id"]) for v in audit_file(platform, events, AS_OF).violations]
    assert audited == [("X3", "AUDIT_ERROR")]
    on_file = metrics_file(platform, events, date(2050, 12, 1), date(2051, 1, 1))
    assert on_file.failures == [] and on_file.form.received_total == 1
    load_file(platform, warehouse, events, AS_OF)
    stored = metrics_warehouse(platform, warehouse, date(2050, 12, 1), date(2051, 1, 1))
    # Counted in both (its standing within the calendar's last month is another matter: the stored history
    # looks at the dossier's future from 1/12/2050 on, which this receipt is after).
    assert (stored.received_total, stored.in_progress_total) == (1, 1) == (
        on_file.form.received_total, on_file.form.in_progress_total)  # fmt: skip
    assert [(v["dossier_id"], v["rule_id"]) for v in audit_warehouse(platform.auditor, warehouse, AS_OF)] == [
        ("X3", "AUDIT_ERROR")
    ]
    ((rule, state),) = warehouse.query("SELECT rule_id, state FROM violations FINAL")
    assert (rule, state) == ("AUDIT_ERROR", "open")
