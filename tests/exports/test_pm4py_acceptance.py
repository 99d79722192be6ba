"""Issue 14, "PM4Py reads the exports", on both warehouse backends: ``pm4py.read_xes`` gives as many traces
and events as the warehouse holds dossiers and events, and the directly-follows graph it discovers holds
received → processed → returned; ``pm4py.read_ocel2_json`` gives the events and, per type, the objects
counted independently from the events file; and an events file exports as the warehouse loaded from it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from lxml import etree  # type: ignore[import-untyped]

from reporting.exports.model import activity_names
from tests.exports.conftest import AS_OF, Loaded, cli, ok, read_ocel, read_xes
from warehouse import open_warehouse

NAMES = activity_names("vi")
RECEIVED, PROCESSED, RETURNED = NAMES["received"], NAMES["processed"], NAMES["returned"]


def stored_counts(url: str) -> tuple[int, int]:
    """(events, dossiers) as the warehouse counts them."""
    with open_warehouse(url) as wh:
        ((events, dossiers),) = wh.query("SELECT count(), uniqExact(dossier_id) FROM events FINAL")
    return int(events), int(dossiers)


def expected_objects(events_file: Path) -> dict[str, int]:
    """The OCEL objects the export must hold, counted from the events file itself: every dossier; the units
    events happened in or were transferred to; the procedures of submissions and receipts; one notice per
    notice id named in a dossier."""
    dossiers, units, procedures, notices = set(), set(), set(), set()
    for line in events_file.read_bytes().splitlines():
        event = orjson.loads(line)
        data = event["data"]
        dossiers.add(event["dossier_id"])
        units.add(event["unit_code"])
        if event["type"] == "transferred":
            units.add(data["to_unit_code"])
        if event["type"] in ("submitted", "received"):
            procedures.add(data["procedure_code"])
        if data.get("notice_id") is not None:
            notices.add((event["dossier_id"], data["notice_id"]))
    return {
        "dossier": len(dossiers),
        "unit": len(units),
        "procedure": len(procedures),
        "notice": len(notices),
    }


def test_pm4py_reads_the_xes_export_with_the_warehouse_counts_and_the_lifecycle(
    loaded: Loaded, tmp_path: Path
) -> None:
    out = tmp_path / "log.xes"
    ok(cli("export", "xes", "--warehouse", loaded.url, "--out", str(out)))
    log = read_xes(out)
    events, dossiers = stored_counts(loaded.url)
    assert dossiers > 250 and events > 1_000
    assert log["case:concept:name"].nunique() == dossiers
    assert len(log) == events

    import pm4py  # type: ignore[import-untyped]

    dfg, _start, _end = pm4py.discover_dfg(log)
    assert dfg[(RECEIVED, PROCESSED)] > 0
    assert dfg[(PROCESSED, RETURNED)] > 0
    # The verdicts travel as trace attributes.
    assert set(log["case:classification"].dropna()) >= {"early", "late"}
    assert log.loc[log["case:violations_count"] > 0, "case:violations"].str.len().min() > 0


def test_pm4py_reads_the_ocel_export_with_the_expected_objects_and_events(
    loaded: Loaded, province: Path, tmp_path: Path
) -> None:
    out = tmp_path / "log.jsonocel"
    ok(cli("export", "ocel", "--warehouse", loaded.url, "--out", str(out)))
    ocel = read_ocel(out)
    events, _dossiers = stored_counts(loaded.url)
    assert len(ocel.events) == events
    expected = expected_objects(province)
    assert expected["notice"] > 50 and expected["unit"] > 5
    assert ocel.objects["ocel:type"].value_counts().to_dict() == expected
    assert len(ocel.objects) == sum(expected.values())
    # Each event is related to its dossier and to a unit (PM4Py keeps one qualifier per event and object:
    # a transfer within its own unit relates to it as "unit" and as "to unit").
    relations = ocel.relations
    assert Counter(relations["ocel:qualifier"])["dossier"] == events
    assert relations.loc[relations["ocel:type"] == "unit", "ocel:eid"].nunique() == events


def test_an_events_file_exports_as_the_warehouse_loaded_from_it(
    loaded: Loaded, province: Path, tmp_path: Path
) -> None:
    for fmt, read in (("xes", xes_traces), ("ocel", ocel_items)):
        from_file, from_warehouse = tmp_path / f"file.{fmt}", tmp_path / f"warehouse.{fmt}"
        ok(cli("export", fmt, str(province), "--as-of", AS_OF, "--out", str(from_file)))
        ok(cli("export", fmt, "--warehouse", loaded.url, "--out", str(from_warehouse)))
        assert read(from_file) == read(from_warehouse), fmt


def xes_traces(path: Path) -> list[str]:
    """Every trace of an XES file as canonical text, in dossier order (the sources list them differently)."""
    root = etree.parse(str(path)).getroot()
    traces = []
    for trace in root:
        if trace.tag.endswith("trace"):
            for element in trace.iter():
                element.tail = None
            traces.append(etree.tostring(trace, method="c14n").decode())
    assert traces
    return sorted(traces)


def ocel_items(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_bytes())
    return {
        key: sorted(json.dumps(item, sort_keys=True, ensure_ascii=False) for item in value)
        if key in ("events", "objects")
        else value
        for key, value in document.items()
    }
