"""A blank text field is read by the exports as the rules read it (rulebook v2, amendment 7:
``inspections.semantics.is_blank``): a blank ``notice_id`` is no written notice — no ``notice_id``
attribute, no OCEL notice object — while the verdict says ``SUPPLEMENT_UNWRITTEN``/``REFUSAL_UNWRITTEN``
(review of the exports: the logs showed a notice ``notice:<dossier>/`` the audit said was never written);
and ``reason_given`` says whether a reason is there as the rules' blank reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from lxml import etree  # type: ignore[import-untyped]

from tests.exports.conftest import AS_OF, cli, ok

XES = "{http://www.xes-standard.org/}"
UNIT, PROCEDURE = "000.00.01.H99", "2.001610"
RECEIVED = {"procedure_code": PROCEDURE, "channel": "direct", "due_at": "2025-09-10T17:00:00+07:00",
            "documents": []}  # fmt: skip


def _events(path: Path, dossier_id: str, *steps: tuple[str, str, dict[str, Any]]) -> Path:
    lines = [{"schema_version": 1, "event_id": f"{dossier_id}-{i}", "dossier_id": dossier_id, "type": kind,
              "occurred_at": at, "unit_code": UNIT, "data": data}
             for i, (kind, at, data) in enumerate(steps)]  # fmt: skip
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def _xes(events: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The trace's attributes and each event's, by event id, of the XES export of ``events``."""
    xes = ok(cli("export", "xes", str(events), "--as-of", AS_OF, "--out", "-")).stdout_bytes
    (trace,) = etree.fromstring(xes).iter(f"{XES}trace")
    own = {a.get("key"): a.get("value") for a in trace if not a.tag.endswith("event")}
    found = {}
    for event in trace.iter(f"{XES}event"):
        values = {a.get("key"): a.get("value") for a in event}
        found[values["event_id"]] = values
    return own, found


def _ocel(events: Path) -> Any:
    return json.loads(ok(cli("export", "ocel", str(events), "--as-of", AS_OF, "--out", "-")).stdout_bytes)


def test_a_blank_notice_id_is_no_notice_in_either_format(tmp_path: Path) -> None:
    events = _events(
        tmp_path / "events.jsonl", "BL",
        ("received", "2025-09-05T08:00:00+07:00", RECEIVED),
        ("supplement_requested", "2025-09-06T08:00:00+07:00",
         {"notice_id": "", "reason": "thiếu giấy", "requested_documents": ["x"]}),
        ("supplement_completed", "2025-09-07T08:00:00+07:00", {"documents": ["x"]}),
        ("refused", "2025-09-08T08:00:00+07:00",
         {"stage": "processing", "notice_id": "\u3000 ", "reason": "r"}),
    )  # fmt: skip
    trace, found = _xes(events)
    violations = trace["violations"].split(",")
    assert "SUPPLEMENT_UNWRITTEN" in violations and "REFUSAL_UNWRITTEN" in violations
    assert all("notice_id" not in found[e] for e in ("BL-1", "BL-3"))
    assert found["BL-1"]["reason_given"] == "true"  # the rest of the event is exported as before

    ocel = _ocel(events)
    assert not [o for o in ocel["objects"] if o["type"] == "notice"]
    for event in ocel["events"]:
        assert "notice_id" not in {a["name"] for a in event["attributes"]}
        assert "notice" not in {r["qualifier"] for r in event["relationships"]}
    (dossier,) = [o for o in ocel["objects"] if o["type"] == "dossier"]
    assert "notice" not in {r["qualifier"] for r in dossier["relationships"]}


def test_reason_given_is_the_rules_reading_of_a_blank_reason(tmp_path: Path) -> None:
    """``str.strip()`` also strips the information separators U+001C–U+001F, which the rules' blank does
    not: a refusal whose reason was U+001F was exported ``reason_given=false`` with no
    ``REFUSAL_NO_REASON``. Now the export says ``true``, as the verdict reads it; a whitespace reason is
    still ``false`` with the violation."""
    events = _events(
        tmp_path / "events.jsonl", "SEP",
        ("received", "2025-09-05T08:00:00+07:00", RECEIVED),
        ("refused", "2025-09-08T08:00:00+07:00",
         {"stage": "processing", "notice_id": "TB-01", "reason": "\u001f"}),
    )  # fmt: skip
    trace, found = _xes(events)
    assert "REFUSAL_NO_REASON" not in trace["violations"].split(",")
    assert found["SEP-1"]["reason_given"] == "true"
    ocel = _ocel(events)
    (refused,) = [e for e in ocel["events"] if e["id"] == "SEP-1"]
    assert {a["name"]: a["value"] for a in refused["attributes"]}["reason_given"] == "true"

    blank = _events(
        tmp_path / "blank.jsonl", "WS",
        ("received", "2025-09-05T08:00:00+07:00", RECEIVED),
        ("refused", "2025-09-08T08:00:00+07:00",
         {"stage": "processing", "notice_id": "TB-01", "reason": "\u3000"}),
    )  # fmt: skip
    trace, found = _xes(blank)
    assert "REFUSAL_NO_REASON" in trace["violations"].split(",") and found["WS-1"]["reason_given"] == "false"


def test_under_rulebook_v1_a_blank_notice_id_is_a_notice_as_its_verdict_counts_it(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Amendment 7 is v2's: v1 reads only a missing notice as none, and its verdict has no
    SUPPLEMENT_UNWRITTEN for a blank one; the export dropped it all the same (last read of the session).
    From a file and from the warehouse alike."""
    monkeypatch.setenv("DOSSIER_AUDIT_RULEBOOK_VERSION", "1")
    events = _events(
        tmp_path / "events.jsonl", "V1",
        ("received", "2025-09-05T08:00:00+07:00", RECEIVED),
        ("supplement_requested", "2025-09-06T08:00:00+07:00",
         {"notice_id": "", "reason": "thiếu giấy", "requested_documents": ["x"]}),
        ("supplement_completed", "2025-09-07T08:00:00+07:00", {"documents": ["x"]}),
    )  # fmt: skip
    trace, found = _xes(events)
    assert "SUPPLEMENT_UNWRITTEN" not in trace.get("violations", "").split(",")
    assert found["V1-1"]["notice_id"] == ""
    url = f"chdb://{tmp_path}/wh"
    for args in (["warehouse", "init"], ["warehouse", "load", str(events), "--as-of", AS_OF]):
        ok(cli(*args, "--warehouse", url))
    stored = json.loads(ok(cli("export", "ocel", "--warehouse", url, "--out", "-")).stdout_bytes)
    for ocel in (_ocel(events), stored):
        (event,) = [e for e in ocel["events"] if e["id"] == "V1-1"]
        assert {a["name"]: a["value"] for a in event["attributes"]}["notice_id"] == ""
        assert [o for o in ocel["objects"] if o["type"] == "notice"]
