"""A sink folds again the open dossiers of its partitions that time alone changed (streams/sink/refresh.py):
an open dossier that turns late with no new event no longer keeps its "within time" row."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from kafka import TopicPartition

from bootstrap.platform import Platform, sink_options
from bootstrap.settings import load_settings
from schemas.events import EVENT_ADAPTER
from streams.observability import WorkerMetrics
from streams.sink import writer as writer_module
from streams.sink.batch import SinkBatch, SinkStats
from streams.sink.refresh import RefreshClock, owned_sources
from streams.sink.writer import BatchWriter
from tests.streams.poison_support import TOPICS, converted, examples, record
from tests.streams.test_sink import committed, ingest_examples, settings_of, sink
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.event_rows import EVENT_COLUMNS, event_row
from warehouse.migrate import migrate
from warehouse.projection import fold_dossiers
from warehouse.stream_refresh import stream_dossiers_due

#: The first fold, after every example event: the open dossiers are within time (received 24 November,
#: due 3 December 2025).
T0 = datetime(2025, 11, 25, tzinfo=UTC)
#: Later, still within time: nothing to fold again.
T_WITHIN = datetime(2025, 12, 3, 9, tzinfo=UTC)
#: After they turned late.
T_LATE = datetime(2025, 12, 10, tzinfo=UTC)
OWNED = f"kafka:{TOPICS.events}/0"


def opened(dossier_id: str) -> bytes:
    """A dossier received and nothing since: the examples' first receipt under another id, later."""
    doc = next(d for d in map(orjson.loads, examples()) if d["type"] == "received")
    data = {**doc["data"], "due_at": "2025-12-03T17:00:00+07:00"}
    return orjson.dumps({**doc, "dossier_id": dossier_id, "event_id": f"{dossier_id}-received",
                         "occurred_at": "2025-11-24T09:15:00+07:00", "data": data})  # fmt: skip


def transferred(dossier_id: str) -> bytes:
    """An event of ``dossier_id`` an hour after its receipt, one that neither ends nor changes its outcome."""
    doc = next(d for d in map(orjson.loads, examples()) if d["type"] == "transferred")
    return orjson.dumps({**doc, "dossier_id": dossier_id, "event_id": f"{dossier_id}-transferred",
                         "occurred_at": "2025-11-24T10:15:00+07:00"})  # fmt: skip


def rows(wh: Warehouse) -> dict[str, tuple[str, datetime]]:
    """Each dossier's status and the instant it was folded at."""
    found = wh.query("SELECT dossier_id, status, as_of FROM dossiers FINAL")
    return {d: (status, as_of.astimezone(UTC)) for d, status, as_of in found}


def test_a_refresh_folds_the_open_dossiers_of_its_partitions_that_turned_late(warehouse: Warehouse) -> None:
    migrate(warehouse)
    auditor = Platform(load_settings()).auditor
    stats, metrics = SinkStats(), WorkerMetrics()
    first = BatchWriter(warehouse, metrics, stats, auditor=auditor, fold_as_of=T0)
    lines = [opened("D-OWNED"), *examples()]
    first.write(converted(*(record(line, i) for i, line in enumerate(lines)), partition=0))
    first.write(converted(record(opened("D-OTHER"), 0), partition=1))  # a partition another sink owns
    # Dossiers a load stored events of, one with a stream event too: the loads judge them again, with their
    # violations (load_open.py).
    ids = ("D-LOADED", "D-MIXED")
    events = [EVENT_ADAPTER.validate_json(opened(d)) for d in ids]
    loaded = [event_row(event, "load.jsonl", i, T0) for i, event in enumerate(events)]
    warehouse.insert("events", EVENT_COLUMNS, [list(c) for c in zip(*loaded, strict=True)])
    first.write(converted(record(transferred("D-MIXED"), 1), partition=0))
    fold_dossiers(auditor, warehouse, ["D-LOADED", "D-MIXED"], T0)
    before = rows(warehouse)
    assert {before[d][0] for d in ("D-OWNED", "D-OTHER", "D-LOADED", "D-MIXED")} != {"late"}

    within = SinkBatch(refresh=frozenset({OWNED}))
    BatchWriter(warehouse, metrics, stats, auditor=auditor, fold_as_of=T_WITHIN).write(within)
    assert within.touched == set() and rows(warehouse) == before and stats.refreshed == 0

    late = SinkBatch(refresh=frozenset({OWNED}))
    later = BatchWriter(warehouse, metrics, stats, auditor=auditor, fold_as_of=T_LATE)
    later.write(late)
    after = rows(warehouse)
    assert late.touched == {"D-OWNED"} and after["D-OWNED"] == ("late", T_LATE)
    assert {d: after[d] for d in after if d != "D-OWNED"} == {d: before[d] for d in before if d != "D-OWNED"}
    assert stats.refreshed == 1 and metrics.sink_dossiers_refreshed._value.get() == 1
    assert stream_dossiers_due(warehouse, T_LATE, {OWNED}, 10) == []  # folded: not due again


def test_a_refresh_folds_so_many_dossiers_a_write_at_most(warehouse, monkeypatch) -> None:
    """The first refresh after a long stop found every open dossier that turned late meanwhile and folded
    them in one write, the partitions paused all along (review of the diff)."""
    monkeypatch.setattr(writer_module, "REFRESH_MOST", 2)
    migrate(warehouse)
    auditor = Platform(load_settings()).auditor
    stats, metrics = SinkStats(), WorkerMetrics()
    lines = [opened(f"D-{n}") for n in range(3)]
    BatchWriter(warehouse, metrics, stats, auditor=auditor, fold_as_of=T0).write(
        converted(*(record(line, i) for i, line in enumerate(lines)), partition=0)
    )
    later = BatchWriter(warehouse, metrics, stats, auditor=auditor, fold_as_of=T_LATE)
    folded = []
    for _ in range(3):
        batch = SinkBatch(refresh=frozenset({OWNED}))
        later.write(batch)
        folded.append((sorted(batch.touched), batch.refresh_more))
    assert folded == [(["D-0", "D-1"], True), (["D-2"], False), ([], False)]
    assert {status for status, _ in rows(warehouse).values()} == {"late"}


def test_a_sink_owning_no_events_partition_asks_nothing() -> None:
    class Refuses:
        def query(self, *args: object) -> None:
            raise AssertionError("queried")

    assert stream_dossiers_due(Refuses(), T_LATE, (), 10) == []  # type: ignore[arg-type]


def test_a_sink_started_later_folds_again_what_time_changed_and_commits_nothing(broker, tmp_path) -> None:
    """Through a real broker: a second run of the sink with nothing to read folds the open dossier at its
    assignment (the first refresh), as a sink restarted after the due date would; no offset moves."""
    settings = settings_of(broker, sink_refresh_seconds=600)
    ingest_examples(settings, [opened("D-OPEN")])
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        first = sink(settings, wh, fold=True, fold_as_of=T0).run(until_idle=True)
        assert first.folded == 7 and rows(wh)["D-OPEN"][0] != "late"
        offsets = committed(broker)
        again = sink(settings, wh, fold=True, fold_as_of=T_LATE).run(until_idle=True)
        assert (again.refreshed, again.folded, again.batches, again.discarded_batches) == (1, 1, 0, 0)
        assert rows(wh)["D-OPEN"] == ("late", T_LATE) and committed(broker) == offsets


def test_the_refresh_is_due_every_interval_and_after_each_rebalance_never_at_zero() -> None:
    clock = RefreshClock(600)
    assert clock.due(5.0)
    clock.started(5.0)
    assert not clock.due(604.9) and clock.due(605.0)
    clock.reset()
    assert clock.due(6.0)
    assert not RefreshClock(0).due(1e9)
    assert sink_options(load_settings(sink_refresh_seconds=0)).refresh_seconds == 0
    assert sink_options(load_settings()).refresh_seconds == 600


def test_the_sink_owns_the_sources_of_its_events_partitions_only() -> None:
    assigned = [TopicPartition(TOPICS.events, 1), TopicPartition(TOPICS.violations, 0)]
    assert owned_sources(assigned, TOPICS.events) == {f"kafka:{TOPICS.events}/1"}
