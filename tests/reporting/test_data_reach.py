"""Finding 7 of the issue-15 review: how far the data reach is judged per feed — an event's source system, or
its unit when it names none — as the lowest of the feeds' newest events, leaving out events after the as-of
instant. On chdb and on ClickHouse 18.16 alike (``warehouse/sql/report_feed_newest.sql``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from tests.reporting.conftest import load_province, simulate_province
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.feeds import feed_newest

AS_OF = datetime(2025, 11, 10, tzinfo=UTC)
SYSTEM_UNIT = "000.00.01.H99"  # its events name a source system: one feed "system:dvcqg"
FUTURE = datetime(2030, 1, 1, tzinfo=UTC)
FUTURE_UNIT = "000.10.01.H99"  # one of its events is dated far after the as-of instant


def feeds_file(events: Path, directory: Path) -> tuple[Path, dict[str, datetime]]:
    """The province's events with those of ``SYSTEM_UNIT`` from source system ``dvcqg``, and one event of
    another unit dated far after the as-of instant; with each feed's expected newest event."""
    lines = []
    newest: dict[str, datetime] = {}
    for raw in events.read_bytes().splitlines():
        event = orjson.loads(raw)
        at = datetime.fromisoformat(event["occurred_at"]).astimezone(UTC)
        if event["unit_code"] == SYSTEM_UNIT:
            event["source"] = {"system": "dvcqg", "record": event["event_id"]}
            feed = "system:dvcqg"
        else:
            feed = f"unit:{event['unit_code']}"
        newest[feed] = max(newest.get(feed, at), at)
        lines.append(orjson.dumps(event))
    future = next(
        orjson.loads(raw) for raw in events.read_bytes().splitlines() if FUTURE_UNIT.encode() in raw
    )
    future.update(event_id="FUTURE-01", dossier_id="FUTURE", occurred_at=FUTURE.isoformat())
    lines.append(orjson.dumps(future))
    path = directory / "feeds.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, newest


def check(wh: Warehouse, expected: dict[str, datetime]) -> None:
    found = feed_newest(wh, AS_OF)
    assert found == expected  # the future-dated event is left out of its unit's feed
    assert "system:dvcqg" in found and f"unit:{SYSTEM_UNIT}" not in found
    future_unit = f"unit:{FUTURE_UNIT}"
    assert feed_newest(wh, FUTURE)[future_unit] == FUTURE  # counted once the as-of instant passes it


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, datetime]]:
    """The simulated province's events (no warehouse of another module open: chdb allows one per process)."""
    directory = tmp_path_factory.mktemp("feeds")
    events, _as_of = simulate_province(directory)
    return feeds_file(events, directory)


def test_the_data_reach_as_far_as_the_feed_that_lags_most(feeds, tmp_path: Path) -> None:
    path, expected = feeds
    platform = Platform(load_settings())
    with open_warehouse(f"chdb://{tmp_path}/wh", create_database=True) as wh:
        load_province(platform, wh, path, AS_OF)
        check(wh, expected)
        assert feed_newest(wh, datetime(2000, 1, 1, tzinfo=UTC)) == {}  # nothing at or before then


def test_the_same_on_clickhouse_18(feeds, clickhouse_server) -> None:
    path, expected = feeds
    database = "reporting_feeds"
    clickhouse_server.admin_execute(f"CREATE DATABASE IF NOT EXISTS {database}")
    try:
        with open_warehouse(clickhouse_server.url(database)) as server:
            load_province(Platform(load_settings()), server, path, AS_OF)
            check(server, expected)
    finally:
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {database}")
