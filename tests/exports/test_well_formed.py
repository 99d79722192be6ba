"""Any text in any field gives a well-formed export: XES parses as XML 1.0 (lxml and expat) with every value
as written, except the characters XML 1.0 cannot hold, which read as U+FFFD; OCEL parses as JSON, conforms
to the OCEL 2.0 JSON schema, and keeps every value exactly (a lone surrogate, which JSON text cannot carry
as UTF-8, reads as U+FFFD). Also end to end: hostile strings in an events file through the command line,
read back by lxml and PM4Py."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema  # type: ignore[import-untyped]
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from inspections.catalogue import Catalogue
from inspections.timeunits import VN_TZ
from reporting.exports.model import DossierLog, LogEvent, Verdict, local
from reporting.exports.ocel import write_ocel
from reporting.exports.text import REPLACEMENT, json_bytes, xml_attr
from reporting.exports.xes import write_xes
from schemas.events import TIMESTAMP_PATTERN
from schemas.timerange import FIRST_YEAR, LAST_YEAR
from tests.depth import examples
from tests.exports.conftest import cli, ok, read_ocel, read_xes

SCHEMA = json.loads((Path(__file__).parent / "data" / "ocel20-schema-json.json").read_text())
XES = "{http://www.xes-standard.org/}"
#: What XML 1.0 cannot hold (2.2 Characters).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffd\ufffe\uffff]")
SURROGATE = re.compile("[\ud800-\udfff]")
FAST = settings(max_examples=examples(75), deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Every code point, surrogates and controls included, and the characters markup cares about, often.
HOSTILE = st.text(
    st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from(list("\x00\x01\x08\x0b\x0c\x1f\x7f\x85\ufffe\uffff\ud800\udfff<>&\"'\t\n\r]%/:")),
    ),
    max_size=24,
)
T0 = datetime(2025, 9, 1, 8, tzinfo=VN_TZ)


@cache
def catalogue() -> Catalogue:
    return Platform(load_settings()).catalogue


def as_xml(text: str) -> str:
    return NOT_XML.sub(lambda m: f"{REPLACEMENT}{ord(m.group(0)):04X}", text)


def as_json(text: str) -> str:
    return SURROGATE.sub(REPLACEMENT, text)


def dossier(texts: list[str]) -> DossierLog:
    """A dossier whose every string field is hostile: id, unit, procedure, event ids, notice, step."""
    dossier_id, unit, procedure, notice, step, *event_ids = texts
    events = (
        LogEvent(event_ids[0], "received", T0, unit,
                 (("event_type", "received"), ("procedure_code", procedure), ("channel", "direct"),
                  ("due_at", T0 + timedelta(days=3)), ("documents_count", 2)), procedure_code=procedure),
        LogEvent(event_ids[1], "transferred", T0 + timedelta(hours=1), unit,
                 (("event_type", "transferred"), ("to_unit_code", step), ("step", step)), to_unit_code=step),
        LogEvent(event_ids[2], "supplement_requested", T0 + timedelta(hours=2), unit,
                 (("event_type", "supplement_requested"), ("notice_id", notice), ("reason_given", True)),
                 notice_id=notice),
    )  # fmt: skip
    verdict = Verdict(T0 + timedelta(days=30), "late", (procedure, "LATE_NO_APOLOGY"), (notice,))
    return DossierLog(dossier_id, unit, procedure, "direct", T0, None, T0.date(), events, verdict)


def xes_values(document: bytes) -> list[tuple[str, str]]:
    """(key, value) of every attribute of every trace and event, in order."""
    root = etree.fromstring(document)
    return [
        (element.get("key"), element.get("value"))
        for trace in root.iter(f"{XES}trace")
        for element in trace.iter()
        if element.get("key") is not None
    ]


@FAST
@given(st.lists(HOSTILE, min_size=8, max_size=8))
def test_xes_is_well_formed_and_keeps_every_value_xml_can_hold(texts: list[str]) -> None:
    log = dossier(texts)
    out = io.BytesIO()
    write_xes(out, [log], catalogue())
    document = out.getvalue()
    ElementTree.fromstring(document)  # expat agrees that it is well-formed
    dossier_id, unit, _procedure, notice, step, *event_ids = texts
    found = xes_values(document)  # lxml, in document order
    assert ("concept:name", as_xml(dossier_id)) == found[0]
    assert ("unit_code", as_xml(unit)) == found[1]
    assert ("org:resource", as_xml(unit)) in found
    for event_id in event_ids[:3]:
        assert ("event_id", as_xml(event_id)) in found
    assert ("notice_id", as_xml(notice)) in found
    assert ("step", as_xml(step)) in found
    assert ("violations", as_xml(",".join(log.verdict.violations))) in found  # type: ignore[union-attr]


@FAST
@given(st.lists(HOSTILE, min_size=8, max_size=8))
def test_ocel_is_valid_ocel2_json_and_keeps_every_value(texts: list[str]) -> None:
    out = io.BytesIO()
    write_ocel(out, [dossier(texts)], catalogue())
    document = json.loads(out.getvalue())
    jsonschema.validate(document, SCHEMA)
    dossier_id, unit, *_others, event_a, event_b, event_c = texts
    assert [e["id"] for e in document["events"]] == [as_json(e) for e in (event_a, event_b, event_c)]
    times = [e["time"] for e in document["events"]]
    times += [a["time"] for o in document["objects"] for a in o["attributes"]]
    assert all(re.match(TIMESTAMP_PATTERN, t) for t in times)
    ids = [o["id"] for o in document["objects"]]
    assert len(ids) == len(set(ids))  # each object once
    assert f"dossier:{as_json(dossier_id)}" in ids and f"unit:{as_json(unit)}" in ids
    related = {r["objectId"] for e in document["events"] for r in e["relationships"]}
    assert related == set(ids)  # every relation has its object, every object a relation
    declared = {t["name"]: {a["name"] for a in t["attributes"]} for t in document["eventTypes"]}
    for event in document["events"]:
        assert {a["name"] for a in event["attributes"]} <= declared[event["type"]]


def test_forbidden_characters_are_replaced_and_markup_escaped() -> None:
    assert xml_attr("a\x00b\x1fc\ufffe\ud800") == "a\ufffd0000b\ufffd001Fc\ufffdFFFE\ufffdD800"
    assert xml_attr("a\ufffdb") == "a\ufffdFFFDb"  # so that "a\ufffdb" is not what "a\x00b" is written as
    assert xml_attr('<&>"\t\n\r') == "&lt;&amp;&gt;&quot;&#9;&#10;&#13;"
    assert xml_attr("Tiếp nhận 'x' ]]>") == "Tiếp nhận 'x' ]]&gt;"
    assert orjson.loads(json_bytes({"k": "a\ud800b\x00"})) == {"k": "a\ufffdb\x00"}


def hostile_events() -> list[dict[str, Any]]:
    """Valid contract events whose ids, unit codes and notice ids hold markup and control characters."""
    dossier, unit, notice = 'HS<1>&"\x01\x00', "U&<\x1f>\ufffe", "TB\x0b/1%2F]]>"
    base = {"schema_version": 1, "dossier_id": dossier, "unit_code": unit}
    day = "2025-09-0{}T08:00:00+07:00".format
    received = {
        "procedure_code": "1.004222\x02",
        "channel": "direct",
        "due_at": day(5),
        "documents": ["<x/>"],
    }
    return [
        {**base, "event_id": "e<1>\x00", "type": "received", "occurred_at": day(1), "data": received},
        {**base, "event_id": "e2\t\n", "type": "supplement_requested", "occurred_at": day(2),
         "data": {"notice_id": notice, "reason": "\x00", "requested_documents": []}},
        {**base, "event_id": "e3\r", "type": "processed", "occurred_at": day(3), "data": {}},
        {**base, "event_id": "e4]]>", "type": "returned", "occurred_at": day(4),
         "data": {"channel": "postal"}},
    ]  # fmt: skip


def test_hostile_strings_from_a_file_give_files_lxml_and_pm4py_read(tmp_path: Path) -> None:
    events = tmp_path / "hostile.jsonl"
    events.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in hostile_events()))
    xes, ocel = tmp_path / "log.xes", tmp_path / "log.json"
    ok(cli("export", "xes", str(events), "--as-of", "2025-10-01", "--out", str(xes)))
    ok(cli("export", "ocel", str(events), "--as-of", "2025-10-01", "--out", str(ocel)))
    found = xes_values(xes.read_bytes())
    assert (
        "concept:name",
        f'HS<1>&"{REPLACEMENT}0001{REPLACEMENT}0000',
    ) in found
    assert ("event_id", "e2\t\n") in found and ("event_id", "e3\r") in found
    log = read_xes(xes)
    assert len(log) == 4 and log["case:concept:name"].nunique() == 1
    document = json.loads(ocel.read_bytes())
    jsonschema.validate(document, SCHEMA)
    assert {e["id"] for e in document["events"]} == {e["event_id"] for e in hostile_events()}
    assert len(read_ocel(ocel).events) == 4


def test_dossier_ids_differing_only_in_characters_xml_cannot_hold_stay_two_cases(tmp_path: Path) -> None:
    """Review of the exports: "D" + U+0001 and "D" + U+0002 were both written "D" + U+FFFD, which pm4py read
    as one case of two receipts (spurious rework); "D" + U+FFFD itself is a third dossier."""
    received = {"procedure_code": "1.004222", "channel": "direct", "due_at": "2025-09-05T08:00:00+07:00",
                "documents": []}  # fmt: skip
    ids = ("D\x01", "D\x02", f"D{REPLACEMENT}")
    events = tmp_path / "ids.jsonl"
    at = "2025-09-01T08:00:00+07:00"
    lines = [
        {"schema_version": 1, "dossier_id": d, "unit_code": "U", "event_id": f"e{n}", "type": "received",
         "occurred_at": at, "data": received}
        for n, d in enumerate(ids)
    ]  # fmt: skip
    events.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    xes = tmp_path / "log.xes"
    ok(cli("export", "xes", str(events), "--as-of", "2025-10-01", "--out", str(xes)))
    log = read_xes(xes)
    assert log["case:concept:name"].nunique() == 3 and len(log) == 3


def test_the_fixed_offset_is_asia_ho_chi_minh_in_every_supported_year() -> None:
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for month in (1, 4, 7, 10):
            instant = datetime(year, month, 1, 12, tzinfo=UTC)
            assert local(instant).isoformat() == instant.astimezone(VN_TZ).isoformat()
