"""The sink's events insert built ahead, in the consumer's thread (``ChdbWarehouse.prepare_insert``,
``BatchWriter.submit``), stores exactly what the insert built in the writer's thread stores.

- A prepared insert stores the rows a plain insert of the same column data stores, value for value.
- Nothing is prepared when it would need the session (the table's types not known yet), for an insert the
  backend splits in sub-blocks, or for data that does not convert: the insert then builds it, and raises
  what it raises without preparation.
- A prepared insert whose table changed since (a statement cleared the known types) is built again.
- The writer prepares in the submitting thread, writes what it prepared, and a prepared insert refused
  with a data error is isolated row by row like any other: the same rows stored, the same rejections.
- A batch keeps only what the warehouse did prepare (a batch not prepared at first is prepared once the
  table's types are known), and its prepared columns only until its events are stored.
- Prepared columns are used only while they hold the batch's rows as they are: rows converted into the
  batch after it was prepared are stored too (they would be passed over, yet committed, otherwise), and a
  new run of the worker starts without what a failed run left pending.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from kafka import TopicPartition

import streams.sink.worker as worker_module
import warehouse.backends.chdb as chdb_backend
from bootstrap.platform import Platform, kafka_config, sink_options
from bootstrap.settings import load_settings
from schemas.pseudonym import Pseudonymiser
from streams.observability import WorkerMetrics
from streams.sink.batch import SinkBatch, SinkStats
from streams.sink.isolate import UNSTORABLE
from streams.sink.poison import columns_of
from streams.sink.writer import BatchWriter, PreparesInserts
from tests.streams.poison_support import (
    KEY,
    TOPICS,
    FaultyWarehouse,
    converted,
    examples,
    record,
    renamed,
    write_as_the_worker_does,
)
from warehouse import open_warehouse
from warehouse.base import Warehouse, WarehouseError
from warehouse.event_rows import EVENT_COLUMNS
from warehouse.migrate import migrate
from warehouse.store import REJECTION_COLUMNS


def stored_events(wh: Warehouse) -> list[tuple[Any, ...]]:
    return sorted(wh.query(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events FINAL"), key=lambda r: r[0])


def batch_of(offset: int, names: Sequence[str] | None = None) -> SinkBatch:
    lines = examples()
    values = [renamed(line, name) for line, name in zip(lines, names, strict=False)] if names else lines
    return converted(*(record(value, offset + i) for i, value in enumerate(values)))


def test_a_prepared_insert_stores_the_rows_a_plain_insert_stores(tmp_path: Path) -> None:
    first, second = batch_of(0), batch_of(100, [f"p-{i:02}" for i in range(30)])
    with open_warehouse(f"chdb://{tmp_path}/plain") as wh:
        migrate(wh)
        for batch in (first, second):
            wh.insert("events", EVENT_COLUMNS, columns_of(batch.events))
        plain = stored_events(wh)
    with open_warehouse(f"chdb://{tmp_path}/prepared") as wh:
        assert isinstance(wh, chdb_backend.ChdbWarehouse)  # prepare_insert is its own
        migrate(wh)
        wh.insert("events", EVENT_COLUMNS, columns_of(first.events))  # the table's types are known now
        data = columns_of(second.events)
        prepared = wh.prepare_insert("events", EVENT_COLUMNS, data)
        assert prepared is not data and list(prepared) == data  # the same column data, prepared
        assert wh.insert("events", EVENT_COLUMNS, prepared) == len(second.events)
        assert stored_events(wh) == plain
    assert sorted(first.events + second.events) == plain  # and those are the rows as the sink built them


def test_nothing_is_prepared_that_would_need_the_session_or_sub_blocks_or_does_not_convert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = batch_of(0)
    data = columns_of(batch.events)
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        assert isinstance(wh, chdb_backend.ChdbWarehouse)  # prepare_insert is its own
        migrate(wh)  # its statements leave no table's types known
        assert wh.prepare_insert("events", EVENT_COLUMNS, data) is data
        wh.insert("events", EVENT_COLUMNS, [values[:1] for values in data])
        assert wh.prepare_insert("events", EVENT_COLUMNS, data) is not data
        monkeypatch.setattr(chdb_backend, "PIPELINE_ROWS", len(batch.events) - 1)
        assert wh.prepare_insert("events", EVENT_COLUMNS, data) is data
        monkeypatch.undo()
        broken = [list(values) for values in data]
        broken[EVENT_COLUMNS.index("dossier_id")][3] = None  # not Nullable
        assert wh.prepare_insert("events", EVENT_COLUMNS, broken) is broken
        with pytest.raises(WarehouseError, match="dossier_id"):
            wh.insert("events", EVENT_COLUMNS, broken)
        assert wh.prepare_insert("events", [*EVENT_COLUMNS[:-1], "nope"], data) is data
        assert wh.prepare_insert("rejected_events", REJECTION_COLUMNS, data) is data  # types unknown


def test_a_prepared_insert_whose_table_changed_since_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = batch_of(0)
    data = columns_of(batch.events)
    built: list[str] = []
    original = chdb_backend._build_column

    def build(name: str, ch_type: str, values: Sequence[Any]) -> Any:
        built.append(name)
        return original(name, ch_type, values)

    monkeypatch.setattr(chdb_backend, "_build_column", build)
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        assert isinstance(wh, chdb_backend.ChdbWarehouse)  # prepare_insert is its own
        migrate(wh)
        wh.insert("events", EVENT_COLUMNS, [values[:1] for values in data])
        prepared = wh.prepare_insert("events", EVENT_COLUMNS, data)
        built.clear()
        wh.execute("ALTER TABLE events ADD COLUMN IF NOT EXISTS note String DEFAULT ''")
        wh.insert("events", EVENT_COLUMNS, prepared)
        assert built == list(EVENT_COLUMNS)  # built again, for the table as it is now
        assert stored_events(wh) == sorted(batch.events)
        built.clear()
        again = wh.prepare_insert("events", EVENT_COLUMNS, data)
        wh.insert("events", EVENT_COLUMNS, again)
        assert built == list(EVENT_COLUMNS)  # once, ahead: the insert used it as it was


class Recording:
    """A warehouse that records which thread prepared, what it prepared, and what each events insert was
    given."""

    def __init__(self, wh: Any) -> None:
        self.wh = wh
        self.prepared_in: list[str] = []
        self.prepared: list[Sequence[Sequence[Any]]] = []
        self.inserted: list[tuple[str, Sequence[Sequence[Any]]]] = []

    def prepare_insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> Any:
        self.prepared_in.append(threading.current_thread().name)
        self.prepared.append(self.wh.prepare_insert(table, columns, data))
        return self.prepared[-1]

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        if table == "events":
            self.inserted.append((threading.current_thread().name, data))
        return int(self.wh.insert(table, columns, data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wh, name)


def writer_of(wh: Any) -> BatchWriter:
    return BatchWriter(wh, WorkerMetrics(), SinkStats(), scrub=Pseudonymiser(KEY).scrub_raw,
                       thread_name="test-writer")  # fmt: skip


def test_the_writer_prepares_in_the_submitting_thread_and_writes_what_it_prepared(tmp_path: Path) -> None:
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        wh = Recording(real)
        assert isinstance(wh, PreparesInserts)
        writer = writer_of(wh)
        try:
            first, second = batch_of(0), batch_of(100, [f"p-{i:02}" for i in range(30)])
            writer.submit(first).result()
            writer.submit(second).result()
        finally:
            writer.shutdown()
        here = threading.current_thread().name
        assert wh.prepared_in == [here, here]
        (thread_1, data_1), (thread_2, data_2) = wh.inserted
        assert "test-writer" in thread_1 and "test-writer" in thread_2
        assert type(wh.prepared[0]) is list  # the first: nothing known of the table yet, not prepared
        assert type(data_1) is list and data_1 is not wh.prepared[0]  # the plain path's own columns
        assert type(data_2) is not list and data_2 is wh.prepared[1]  # the second: prepared, written
        assert first.event_columns is None and second.event_columns is None  # not kept once stored
        assert stored_events(real) == sorted(first.events + second.events)


def test_a_batch_keeps_only_what_was_prepared_and_only_until_its_events_are_stored(tmp_path: Path) -> None:
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)  # no table's types known
        wh = Recording(real)
        writer = writer_of(wh)
        batch = batch_of(0)
        writer.prepare(batch)
        assert len(wh.prepared) == 1 and batch.event_columns is None  # nothing prepared: none kept
        real.insert("events", EVENT_COLUMNS, columns_of(batch.events[:1]))  # the types known now
        writer.prepare(batch)  # as a retry of the batch does
        assert len(wh.prepared) == 2 and batch.prepared_event_columns() is wh.prepared[1]
        assert type(wh.prepared[1]) is not list
        writer.prepare(batch)
        assert len(wh.prepared) == 2  # once per batch while its events are unchanged
        writer.write(batch)
        assert wh.inserted[-1][1] is wh.prepared[1]
        assert batch.event_columns is None and batch.prepared_event_columns() is None  # stored: dropped
        assert stored_events(real) == sorted(batch.events)


def test_rows_converted_into_a_batch_after_it_was_prepared_are_stored_too(tmp_path: Path) -> None:
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        writer_of(real).write(batch_of(200))  # the types known
        wh = Recording(real)
        writer = writer_of(wh)
        batch = batch_of(0, [f"a-{i:02}" for i in range(30)])
        writer.prepare(batch)
        prepared = batch.prepared_event_columns()
        assert prepared is not None and type(prepared) is not list
        more = batch_of(100, [f"b-{i:02}" for i in range(30)])
        batch.events.extend(more.events)  # as conversion goes on after a failed flush and a new run
        assert batch.prepared_event_columns() is None  # no longer the batch's rows
        writer.write(batch)  # without preparing again: the plain path
        assert type(wh.inserted[-1][1]) is list and len(wh.inserted[-1][1][0]) == len(batch.events)
        stored = {row[0] for row in stored_events(real)}
        assert {row[0] for row in batch.events} <= stored and len(batch.events) == 2 * len(more.events)
        again = batch_of(300, [f"c-{i:02}" for i in range(30)])
        writer.prepare(again)
        again.events = again.events[:3]  # a list replaced: prepared again, for those rows
        writer.prepare(again)
        latest = again.prepared_event_columns()
        assert latest is wh.prepared[-1] and len(latest[0]) == 3


def test_a_new_run_starts_without_what_a_failed_run_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_ = load_settings(workdir=tmp_path, pseudonym_key="k" * 32)
    worker = worker_module.SinkWorker(
        kafka_config(settings_, "localhost:9"), sink_options(settings_), Platform(settings_).pseudonymiser,
        None,  # type: ignore[arg-type]  # not written to
    )  # fmt: skip
    left = batch_of(0)  # converted, and perhaps prepared, by a run that failed before its flush ended
    left.set_event_columns(columns_of(left.events))
    worker._pending = left
    worker._backlog = [(TopicPartition(TOPICS.events, 0), [record(examples()[0], 99)])]
    seen: list[tuple[SinkBatch, list[Any]]] = []

    class Consumer:
        def __init__(self, **_: Any) -> None:
            pass

        def subscribe(self, *_: Any, **__: Any) -> None:
            pass

        def close(self, **_: Any) -> None:
            pass

    monkeypatch.setattr(worker_module, "ensure_topics", lambda *_: None)
    monkeypatch.setattr(worker_module, "KafkaConsumer", Consumer)
    monkeypatch.setattr(worker, "_loop", lambda *_: seen.append((worker._pending, worker._backlog)))
    worker._consume(True, threading.Event())
    ((pending, backlog),) = seen
    assert pending is not left and not pending and pending.events == [] and backlog == []


class PreparingFaulty(FaultyWarehouse):
    """:class:`FaultyWarehouse` refusing an events insert holding a refused event id, prepared or not."""

    def prepare_insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> Any:
        return self.wh.prepare_insert(table, columns, data)  # type: ignore[attr-defined]


@pytest.mark.parametrize("prepared", [False, True], ids=["rows", "prepared"])
def test_a_refused_prepared_insert_is_isolated_like_rows(tmp_path: Path, prepared: bool) -> None:
    lines = examples()
    values = [*lines[:5], renamed(lines[5], "poison-1"), *lines[5:12]]
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        writer_of(real).write(batch_of(200))  # a stored row of the table, and its types known
        wh = PreparingFaulty(real, {"poison-1"}, outage=False)
        batch = converted(*(record(value, i) for i, value in enumerate(values)))
        if prepared:
            batch.set_event_columns(wh.prepare_insert("events", EVENT_COLUMNS, columns_of(batch.events)))
            assert type(batch.prepared_event_columns()) is not list
        assert write_as_the_worker_does(writer_of(wh), batch) == 0
        assert batch.event_columns is None  # not prepared, or dropped with the refused row
        stored = {row[0] for row in stored_events(real)}
        assert {row[0] for row in batch.events} <= stored and "poison-1" not in stored
        assert real.query("SELECT source_offset, reason_code FROM rejected_events FINAL") == [(5, UNSTORABLE)]
    assert batch.poison == 1 and len(batch.events) == len(values) - 1
