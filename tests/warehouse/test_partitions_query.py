"""The ``partitions`` suite's query on both backends (ClickHouse 18.16 too): per dossier, the most partitions
of one events topic its streamed events came through, and their names; a load's events are not counted."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.checks.helpers import dossier
from warehouse import open_warehouse
from warehouse.event_rows import EVENT_COLUMNS, event_row
from warehouse.migrate import migrate
from warehouse.queries import load_sql


def test_the_partitions_of_each_dossiers_streamed_events(warehouse_url: str) -> None:
    split, keyed, renamed, loaded = (dossier(n, "2025-11-05") for n in (1, 2, 3, 4))
    sources = [
        (split[:1], "kafka:dossier-events/0"), (split[1:], "kafka:dossier-events/3"),
        (keyed, "kafka:dossier-events/2"),
        (renamed[:1], "kafka:dossier-events/1"), (renamed[1:], "kafka:hcm-dossier-events/1"),
        (loaded, "/data/history.jsonl"),
    ]  # fmt: skip
    at = datetime(2025, 11, 10, tzinfo=UTC)
    rows = [event_row(e, source, n, at) for events, source in sources for n, e in enumerate(events)]
    with open_warehouse(warehouse_url, create_database=True) as wh:
        migrate(wh)
        wh.insert("events", list(EVENT_COLUMNS), [list(c) for c in zip(*rows, strict=True)])
        params = {"whole": 1, "start": at, "end": at}
        found = {d: (int(n), s) for d, n, s in wh.query(load_sql("quality_dossier_partitions"), params)}
        week = {"whole": 0, "start": datetime(2025, 11, 3, tzinfo=UTC), "end": at}
        assert {d for d, *_ in wh.query(load_sql("quality_dossier_partitions"), week)} == set(found)
        empty = {"whole": 0, "start": at, "end": datetime(2025, 11, 17, tzinfo=UTC)}
        assert wh.query(load_sql("quality_dossier_partitions"), empty) == []
    assert found == {
        split[0].dossier_id: (2, "kafka:dossier-events/0 kafka:dossier-events/3"),
        keyed[0].dossier_id: (1, "kafka:dossier-events/2"),
        renamed[0].dossier_id: (1, "kafka:dossier-events/1 kafka:hcm-dossier-events/1"),
    }
