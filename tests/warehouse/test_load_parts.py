"""The parts of the streaming ``warehouse load`` that carry no warehouse semantics of their own: batches
filled column-wise (``Batch.extend``), the stored dossiers a load reads back (``warehouse.stored_dossiers``),
the chdb lock in forked workers, the load's progress (the job's stages, the command's display), and its
Arrow writes (``dossier_audit.jobs.load_writes``: events sorted by dossier, folds of the kept tokens)."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import dossier_audit.cli.warehouse as command
import warehouse.stored_dossiers as stored
from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs import load_stored, load_writes
from dossier_audit.jobs.load_writes import ArrowBatch, write_folds
from dossier_audit.jobs.row_frames import FoldFrames
from dossier_audit.jobs.warehouse import load_file
from tests.depth import examples
from warehouse import open_warehouse
from warehouse.backends.arrow_columns import build_column
from warehouse.backends.chdb_lock import LOCK_FILE
from warehouse.base import Warehouse, WarehouseLocked
from warehouse.event_rows import EVENT_COLUMNS
from warehouse.migrate import migrate
from warehouse.store import Batch

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
AS_OF = datetime(2025, 11, 20, tzinfo=timezone(timedelta(hours=7)))


# -- Batch.extend ------------------------------------------------------------------------------------------
class _Recorder:
    """A warehouse that records the row count of every insert."""

    def __init__(self) -> None:
        self.inserts: list[list[list[Any]]] = []

    def insert(self, table: str, columns: Any, data: Any) -> int:
        self.inserts.append([list(column) for column in data])
        return len(data[0])


@settings(max_examples=examples(100), deadline=None)
@given(size=st.integers(1, 7), groups=st.lists(st.integers(0, 12), max_size=10))
def test_extend_flushes_exactly_where_add_would(size: int, groups: list[int]) -> None:
    by_rows, by_columns = _Recorder(), _Recorder()
    rows_batch = Batch(by_rows, "t", ["a", "b"], size)  # type: ignore[arg-type]
    columns_batch = Batch(by_columns, "t", ["a", "b"], size)  # type: ignore[arg-type]
    n = 0
    for count in groups:
        values = list(range(n, n + count))
        n += count
        for v in values:
            rows_batch.add(v, -v)
        columns_batch.extend([values, [-v for v in values]])
        assert columns_batch.data == rows_batch.data and columns_batch.written == rows_batch.written
    rows_batch.flush()
    columns_batch.flush()
    assert by_columns.inserts == by_rows.inserts
    assert columns_batch.written == n


# -- stored dossiers ---------------------------------------------------------------------------------------
def _store_events(wh: Warehouse, dossiers: int, events_each: int = 3) -> set[str]:
    migrate(wh)
    ids = [f"D{i:05d}" for i in range(dossiers) for _ in range(events_each)]
    at = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        (f"e{n}", dossier, "received", 1, at, 0, "U", None, None, "{}", "{}", "", "s", n, at)
        for n, dossier in enumerate(ids)
    ]
    wh.insert("events", EVENT_COLUMNS, [list(column) for column in zip(*rows, strict=True)])
    return set(ids)


def test_an_empty_warehouse_holds_no_dossier(warehouse: Warehouse) -> None:
    migrate(warehouse)
    found = stored.StoredDossiers(warehouse)
    assert found.events == 0 and found.exact and "D00001" not in found


@pytest.mark.parametrize("exact_up_to", [10_000, 50])
def test_every_stored_dossier_is_found_slice_by_slice(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch, exact_up_to: int
) -> None:
    """Read in several slices; kept exactly while few (no false positive), in a Bloom filter beyond (no
    false negative, and few false positives)."""
    ids = _store_events(warehouse, 300)
    monkeypatch.setattr(stored, "EVENTS_PER_SLICE", 200)  # 900 events: 5 slices
    monkeypatch.setattr(stored, "EXACT_UP_TO", exact_up_to)
    queries: list[str] = []
    original = warehouse.query

    def spy(sql: str, params: Any = None) -> Any:
        queries.append(sql)
        return original(sql, params)

    monkeypatch.setattr(warehouse, "query", spy)
    found = stored.StoredDossiers(warehouse)
    assert sum("modulo(cityHash64" in sql for sql in queries) == 5
    assert found.events == 900 and found.exact == (exact_up_to > 300)
    assert all(dossier in found for dossier in ids)
    others = [f"X{i}" for i in range(2_000)]
    wrong = sum(other in found for other in others)
    assert wrong == 0 if found.exact else wrong < 20


# -- the chdb lock in forked workers -----------------------------------------------------------------------
def test_a_forked_child_does_not_keep_the_embedded_warehouse_locked(tmp_path: Path) -> None:
    """A load's workers are forked while it has its chdb directory open; killed with the load (SIGKILL),
    one still running must not keep the directory locked for the next load."""
    url = f"chdb://{tmp_path}/wh"
    ready, told = os.pipe()
    with open_warehouse(url, create_database=True):
        child = os.fork()
        if child == 0:  # the worker: outlives the parent's session
            os.write(told, b"x")  # its fork handlers have run (before fork() returned here)
            time.sleep(3)
            os._exit(0)
    # A worker is forked long before its parent could die; without this wait the parent reopened the
    # directory before the child had run a single instruction (CI, on a loaded machine).
    assert os.read(ready, 1) == b"x"
    os.close(ready)
    os.close(told)
    try:
        with open_warehouse(url):  # the parent closed it; the child still runs, holding no lock
            pass
    except WarehouseLocked as exc:  # pragma: no cover - the failure this test is about
        pytest.fail(f"the forked child kept {LOCK_FILE} locked: {exc}")
    finally:
        os.waitpid(child, 0)


# -- progress ----------------------------------------------------------------------------------------------
def test_a_load_reports_each_stage_to_its_end(warehouse: Warehouse, tmp_path: Path) -> None:
    """Reading (bytes of the file), storing (bytes of the workers' results), reading back (dossiers stored
    before), checking (new dossiers), judging (bytes of the folds) and re-judging open (dossiers earlier
    loads left open, judged before this ``as_of``), each ending at done = total."""
    platform = Platform(load_settings())
    seen: dict[str, list[tuple[int, int]]] = {}

    def tick(stage: str, done: int, total: int) -> None:
        seen.setdefault(stage, []).append((done, total))

    load_file(platform, warehouse, EXAMPLES, AS_OF, on_progress=tick)
    assert set(seen) == {"reading", "storing", "reading back", "checking", "judging", "re-judging open"}
    assert seen["reading"][-1] == (EXAMPLES.stat().st_size,) * 2
    for stage, reports in seen.items():
        done, total = reports[-1]
        assert done == total, stage
    assert seen["judging"][-1][0] > 0 and seen["reading back"][-1] == (0, 0)  # bytes of the six folds
    assert seen["checking"][-1] == (6, 6)
    judged = seen["judging"][-1]
    seen.clear()
    # Again: all six were stored before, so they are looked up (reading back) and, holding only the file's
    # events, keep the workers' folds (judging: the same folds as the first time).
    load_file(platform, warehouse, EXAMPLES, AS_OF, on_progress=tick)
    assert seen["reading back"][-1] == (6, 6) and seen["judging"][-1] == judged
    assert seen["checking"][-1] == (0, 0) and seen["re-judging open"][-1] == (0, 0)  # judged at AS_OF already


def test_reading_back_moves_as_the_stored_dossiers_are_judged(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Who stored the stored dossiers' events is looked up many at a time, but they are judged a chunk at a
    time: the stage reports each chunk as it is done, not the whole look-up at once (a province's millions
    would stall on 100,000)."""
    platform = Platform(load_settings())
    load_file(platform, warehouse, EXAMPLES, AS_OF)
    monkeypatch.setattr(load_stored, "LOOKUP", 2)
    seen: list[tuple[int, int]] = []

    def tick(stage: str, done: int, total: int) -> None:
        if stage == "reading back":
            seen.append((done, total))

    load_file(platform, warehouse, EXAMPLES, AS_OF, on_progress=tick)
    assert seen == [(0, 6), (2, 6), (4, 6), (6, 6), (6, 6)]


def test_the_command_shows_a_progress_line_per_stage_on_a_terminal_for_a_large_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    large = tmp_path / "large.jsonl"
    large.write_bytes(b"\n" * (9 * 1024 * 1024))
    small = tmp_path / "small.jsonl"
    small.write_bytes(b"\n")
    screen = io.StringIO()
    monkeypatch.setattr(command, "err", Console(file=screen, force_terminal=True, width=120))
    assert command.load_progress(small) == (None, None)
    progress, tick = command.load_progress(large)
    assert progress is not None and tick is not None
    with progress:
        tick("reading", 4 * 1024 * 1024, 9 * 1024 * 1024)
        time.sleep(0.2)
        tick("reading", 9 * 1024 * 1024, 9 * 1024 * 1024)
        tick("judging", 10, 10)
        descriptions = [task.description for task in progress.tasks]
        assert descriptions == ["judging large.jsonl", "storing dossiers"]
        assert all(task.finished for task in progress.tasks)
    monkeypatch.setattr(command, "err", Console(file=io.StringIO(), force_terminal=False))
    assert command.load_progress(large) == (None, None)  # not a terminal: no bar


# -- the Arrow writes ----------------------------------------------------------------------------------------
class _ArrowRecorder:
    """A warehouse that records every Arrow insert's rows."""

    def __init__(self) -> None:
        self.inserts: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []

    def insert_arrow(self, table: str, batch: pa.Table) -> int:
        rows = list(zip(*(column.to_pylist() for column in batch.columns), strict=True))
        self.inserts.append((table, list(batch.column_names), rows))
        return len(rows)


@settings(max_examples=examples(100), deadline=None)
@given(
    size=st.integers(1, 9),
    chunks=st.lists(st.lists(st.sampled_from(["D3", "D1", "D2"]), max_size=8), max_size=8),
)
def test_an_arrow_batch_inserts_each_chunk_sorted_by_dossier_at_most_size_rows_at_a_time(
    size: int, chunks: list[list[str]]
) -> None:
    recorder = _ArrowRecorder()
    batch = ArrowBatch(recorder, "events", by_dossier=True, size=size)  # type: ignore[arg-type]
    expected: list[tuple[Any, ...]] = []
    n = 0
    for dossiers in chunks:
        rows = [(dossier, n + i) for i, dossier in enumerate(dossiers)]
        n += len(rows)
        expected += sorted(rows, key=lambda row: row[0])  # stable: a dossier's rows keep their order
        batch.add(
            pa.table({"dossier_id": [r[0] for r in rows], "n": pa.array([r[1] for r in rows], pa.int64())})
        )
        assert sum(len(rows) for _, _, rows in recorder.inserts) == batch.written
    batch.flush()
    assert [row for _, _, rows in recorder.inserts for row in rows] == expected
    assert all(0 < len(rows) <= size for _, _, rows in recorder.inserts) and batch.written == n


def test_folds_are_written_for_the_kept_tokens_only_without_the_token_and_in_bounded_inserts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last settlement of each dossier (its token kept) is written, a void one is not; inserts of at
    most ``ROWS`` rows whatever the rows per dossier; open violations counted without not_checkable."""
    monkeypatch.setattr(load_writes, "ROWS", 4)
    types = {"dossier_id": "String", "kind": "String", "n": "Int64"}
    columns = ("dossier_id", "kind", "n")
    folds = FoldFrames(
        tmp_path, dict.fromkeys(("dossiers", "dossier_outcomes", "violations"), (columns, types))
    )
    void = folds.add(("A", "", 0), [("A", "", 1)], [("A", "violation", 2)])  # settled again below
    kept = [
        folds.add(("A", "", 0), [("A", "", 1)] * 3, [("A", "violation", 2), ("A", "not_checkable", 3)]),
        folds.add(None, [], [("B", "finding", 4)]),  # could not be judged: no dossier row
        folds.add(("C", "", 0), [("C", "", 1)] * 7, [("C", "violation", 5)] * 5),
    ]
    folds.flush()
    recorder = _ArrowRecorder()
    seen: list[tuple[int, int]] = []
    opened = write_folds(recorder, folds, np.array(kept, np.int64), lambda _s, d, t: seen.append((d, t)))  # type: ignore[arg-type]
    assert opened == 1 + 1 + 5
    written: dict[str, list[tuple[Any, ...]]] = {}
    for table, names, rows in recorder.inserts:
        assert names == list(columns) and 0 < len(rows) <= 4
        written.setdefault(table, []).extend(rows)
    assert written["dossiers"] == [("A", "", 0), ("C", "", 0)]
    assert written["dossier_outcomes"] == [("A", "", 1)] * 3 + [("C", "", 1)] * 7
    assert (
        written["violations"]
        == [("A", "violation", 2), ("A", "not_checkable", 3), ("B", "finding", 4)]
        + [("C", "violation", 5)] * 5
    )
    assert void not in kept and seen[-1][0] == seen[-1][1] > 0


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(st.integers(-(2**40), 2**40), max_size=30), st.lists(st.integers(-(2**40), 2**40), max_size=30)
)
def test_a_fold_is_kept_exactly_when_its_token_is(kept: list[int], tokens: list[int]) -> None:
    found = load_writes._kept(
        pa.chunked_array([pa.array(tokens, pa.int64())]), np.sort(np.array(kept, np.int64))
    )
    assert found.tolist() == [token in set(kept) for token in tokens]


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(
        st.none()
        | st.datetimes(
            min_value=datetime(1901, 12, 14), max_value=datetime(2105, 1, 1), timezones=st.just(UTC)
        ),
        min_size=1,
        max_size=8,
    )
)
def test_a_nullable_instant_column_floors_every_instant_to_its_second(values: list[datetime | None]) -> None:
    """With or without a NULL among them, an instant becomes the second it falls in (floored, before 1970
    too), as the server's driver stores it."""
    column = build_column("at", "Nullable(DateTime('UTC'))", values).cast(pa.int64()).to_pylist()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert column == [None if v is None else (v - epoch) // timedelta(seconds=1) for v in values]
