"""The warehouse's event log read page by page (``warehouse.event_log``), on both backends: any page size
gives every dossier once, in id order, with all its events and its stored verdict; an empty warehouse
exports an empty, well-formed log."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]

from tests.exports.conftest import Loaded, cli, ok
from warehouse import open_warehouse
from warehouse.event_log import stored_event_log

SCHEMA = json.loads((Path(__file__).parent / "data" / "ocel20-schema-json.json").read_text())


def summary(url: str, page: int) -> list[tuple[str, list[str], str | None, int]]:
    with open_warehouse(url) as wh:
        return [
            (d.dossier_id, sorted(e.event_id for e in d.events), d.status, len(d.rules))
            for d in stored_event_log(wh, page=page)
        ]


def test_any_page_size_reads_every_dossier_once_with_its_events_and_verdict(loaded: Loaded) -> None:
    whole = summary(loaded.url, 10**9)
    ids = [d for d, *_ in whole]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) > 250
    with open_warehouse(loaded.url) as wh:
        ((events,),) = wh.query("SELECT count() FROM events FINAL")
        ((violations,),) = wh.query("SELECT count() FROM violations FINAL WHERE state = 'open'")
    assert sum(len(e) for _d, e, _s, _r in whole) == events
    assert sum(r for *_x, r in whole) == violations
    assert {s for _d, _e, s, _r in whole} >= {"early", "on_time", "late"}
    for page in (5, 400):
        assert summary(loaded.url, page) == whole, page


def test_an_empty_warehouse_exports_an_empty_well_formed_log(tmp_path: Path) -> None:
    url = f"chdb://{tmp_path}/wh"
    ok(cli("warehouse", "init", "--warehouse", url))
    xes, ocel = tmp_path / "log.xes", tmp_path / "log.json"
    ok(cli("export", "xes", "--warehouse", url, "--out", str(xes)))
    ok(cli("export", "ocel", "--warehouse", url, "--out", str(ocel)))
    assert not list(etree.parse(str(xes)).getroot().iter("{http://www.xes-standard.org/}trace"))
    document = json.loads(ocel.read_bytes())
    jsonschema.validate(document, SCHEMA)
    assert document["events"] == [] and document["objects"] == []


def test_an_event_stored_twice_with_another_time_is_listed_once() -> None:
    """``events FINAL`` keeps both rows when a later load stored an event id again with another time (the
    sort key holds the time); an event log lists each event once, the earliest."""
    from datetime import timedelta

    from tests.builders import processed, received
    from warehouse.event_log import _one_per_id

    first = received("2025-09-01 09:00", "2025-09-10 17:00", dossier="D", event_id="e1")
    moved = first.model_copy(update={"occurred_at": first.occurred_at + timedelta(hours=1)})
    end = processed("2025-09-05 09:00", dossier="D", event_id="e2")
    assert _one_per_id([first, moved, end]) == [first, end]
