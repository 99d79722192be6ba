"""An exported verdict says which rulebook produced it (RULES.md: "the rulebook version that produced a
verdict is stored with it"): ``rulebook_version`` and, under v2, ``supplement_clock`` (amendment 13), in
XES and OCEL, from an events file and from the warehouse alike — as the verdict's violations record them
(the warehouse stores the version with each violation only). Review of the exports: one dossier was late
with ``LATE_NO_APOLOGY`` under v1 and early under v2, and neither log said which it was judged by."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from lxml import etree  # type: ignore[import-untyped]

from tests.exports.conftest import AS_OF, cli, ok

XES = "{http://www.xes-standard.org/}"
UNIT, PROCEDURE = "000.00.01.H99", "2.001610"
RECEIVED = {"procedure_code": PROCEDURE, "channel": "direct", "due_at": "2025-09-10T17:00:00+07:00",
            "documents": []}  # fmt: skip
#: W: a supplement request ended by a withdrawal (late without apology under v1, waiting under v2:
#: amendment 2); M: two apologies, the result after the first's new date (a violation under either).
STEPS = [
    ("W", "received", "2025-09-05T08:00:00+07:00", RECEIVED),
    ("W", "supplement_requested", "2025-09-08T08:00:00+07:00",
     {"notice_id": "N1", "reason": "r", "requested_documents": []}),
    ("W", "withdrawn", "2025-09-20T08:00:00+07:00", {}),
    ("M", "received", "2025-09-05T08:00:00+07:00", RECEIVED),
    ("M", "apology_issued", "2025-09-09T08:00:00+07:00",
     {"notice_id": "A1", "reason": "r", "new_due_at": "2025-09-12T17:00:00+07:00"}),
    ("M", "processed", "2025-09-15T08:00:00+07:00", {}),
    ("M", "apology_issued", "2025-09-16T08:00:00+07:00",
     {"notice_id": "A2", "reason": "r", "new_due_at": "2025-09-20T17:00:00+07:00"}),
    ("M", "returned", "2025-09-16T09:00:00+07:00", {"channel": "direct"}),
]  # fmt: skip


def _verdicts(fmt: str, source: list[str]) -> dict[str, dict[str, Any]]:
    """Each dossier's verdict attributes (XES trace or OCEL dossier object) of an export of ``source``."""
    out = ok(cli("export", fmt, *source, "--out", "-")).stdout_bytes
    if fmt == "xes":
        return {
            t.find(f"{XES}string[@key='concept:name']").get("value"): {
                a.get("key"): a.get("value") for a in t if not a.tag.endswith("event")
            }
            for t in etree.fromstring(out).iter(f"{XES}trace")
        }
    objects = json.loads(out)["objects"]
    return {
        o["id"].removeprefix("dossier:"): {a["name"]: a["value"] for a in o["attributes"]}
        for o in objects
        if o["type"] == "dossier"
    }


@pytest.mark.parametrize("version", ["1", "2"])
def test_each_verdict_names_its_rulebook_from_a_file_and_from_the_warehouse(
    version: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_AUDIT_RULEBOOK_VERSION", version)
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"".join(
        orjson.dumps({"schema_version": 1, "event_id": f"{d}{i}", "dossier_id": d, "type": kind,
                      "occurred_at": at, "unit_code": UNIT, "data": data}) + b"\n"
        for i, (d, kind, at, data) in enumerate(STEPS)
    ))  # fmt: skip
    url = f"chdb://{tmp_path / 'wh'}"
    ok(cli("warehouse", "init", "--warehouse", url))
    ok(cli("warehouse", "load", str(events), "--warehouse", url, "--as-of", AS_OF))
    clock = {"1": None, "2": "pause"}[version]
    for fmt in ("xes", "ocel"):
        from_file = _verdicts(fmt, [str(events), "--as-of", AS_OF])
        assert from_file == _verdicts(fmt, ["--warehouse", url]), fmt
        judged = from_file["M"]
        assert judged["violations"] and judged["rulebook_version"] == version, fmt
        assert judged.get("supplement_clock") == clock, fmt
        if version == "1":
            assert from_file["W"]["violations"] == "LATE_NO_APOLOGY"
            assert from_file["W"]["rulebook_version"] == "1", fmt
        else:  # found clean: no violation records a version (the warehouse stores none for the dossier)
            assert from_file["W"]["violations"] == "" and "rulebook_version" not in from_file["W"], fmt
