"""The parts of the streaming ``warehouse load`` that carry no warehouse semantics of their own: rows packed
for the trip from a worker (``warehouse.row_packing``), batches filled column-wise (``Batch.extend``), the
stored dossiers a load reads back (``warehouse.stored_dossiers``), the chdb lock in forked workers, and
the load's progress (the job's stages, the command's display)."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import dossier_audit.cli.warehouse as command
import warehouse.stored_dossiers as stored
from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import load_file
from warehouse import open_warehouse, projection
from warehouse.backends.chdb_lock import LOCK_FILE
from warehouse.base import Warehouse, WarehouseLocked
from warehouse.migrate import migrate
from warehouse.row_packing import COLUMNS, pack, unpack
from warehouse.store import DOSSIER_COLUMNS, EVENT_COLUMNS, OUTCOME_COLUMNS, VIOLATION_COLUMNS, Batch

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
AS_OF = datetime(2025, 11, 20, tzinfo=timezone(timedelta(hours=7)))

# -- row packing ------------------------------------------------------------------------------------------
_INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2106, 1, 1), timezones=st.sampled_from([UTC])
)
_OTHER = st.one_of(st.none(), st.text(max_size=8), st.integers(-(2**63), 2**64 - 1), st.lists(st.integers()))


def _value(table: str, column: str) -> st.SearchStrategy[Any]:
    kinds = {
        "occurred_at": _INSTANTS, "ingested_at": _INSTANTS, "received_at": st.none() | _INSTANTS,
        "due_at": st.none() | _INSTANTS, "end_at": st.none() | _INSTANTS, "last_event_at": _INSTANTS,
        "as_of": _INSTANTS, "valid_from": _INSTANTS, "outcome_received_on": st.none() | st.dates(),
        "received_on": st.dates(), "ended_on": st.none() | st.dates(),
    }  # fmt: skip
    return kinds.get(column, _OTHER)


@st.composite
def _rows(draw: st.DrawFn) -> tuple[str, list[tuple[Any, ...]]]:
    table = draw(st.sampled_from(sorted(COLUMNS)))
    row = st.tuples(*(_value(table, column) for column in COLUMNS[table]))
    return table, draw(st.lists(row, max_size=6))


@settings(max_examples=300, deadline=None)
@given(_rows())
def test_rows_packed_and_unpacked_are_the_rows_as_columns(case: tuple[str, list[tuple[Any, ...]]]) -> None:
    """Exact: the same values, the same types (a datetime stays aware UTC, a date stays a date), None
    kept, microseconds kept; and the packed form holds no datetime or date (what makes it cheap to pickle)."""
    table, rows = case
    packed = pack(table, rows)
    assert not any(isinstance(v, datetime | date) for column in packed for v in column)
    columns = unpack(table, packed)
    expected = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in COLUMNS[table]]
    assert columns == expected
    for got, want in zip(columns, expected, strict=True):
        for g, w in zip(got, want, strict=True):
            assert type(g) is type(w)
            if isinstance(g, datetime):
                assert g.tzinfo is UTC and g.microsecond == w.microsecond


def test_an_instant_at_another_offset_is_packed_as_the_same_instant() -> None:
    ict = datetime(2025, 11, 3, 9, 15, 0, 250, tzinfo=timezone(timedelta(hours=7)))
    row = tuple(ict if c in ("occurred_at", "ingested_at") else None for c in EVENT_COLUMNS)
    (value,) = unpack("events", pack("events", [row]))[EVENT_COLUMNS.index("occurred_at")]
    assert value == ict and value.tzinfo is UTC


# -- Batch.extend ------------------------------------------------------------------------------------------
class _Recorder:
    """A warehouse that records the row count of every insert."""

    def __init__(self) -> None:
        self.inserts: list[list[list[Any]]] = []

    def insert(self, table: str, columns: Any, data: Any) -> int:
        self.inserts.append([list(column) for column in data])
        return len(data[0])


@settings(max_examples=200, deadline=None)
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
    before) and judging (new dossiers' folds), each ending at done = total."""
    platform = Platform(load_settings())
    seen: dict[str, list[tuple[int, int]]] = {}

    def tick(stage: str, done: int, total: int) -> None:
        seen.setdefault(stage, []).append((done, total))

    load_file(platform, warehouse, EXAMPLES, AS_OF, on_progress=tick)
    assert set(seen) == {"reading", "storing", "reading back", "judging"}
    assert seen["reading"][-1] == (EXAMPLES.stat().st_size,) * 2
    for stage, reports in seen.items():
        done, total = reports[-1]
        assert done == total, stage
    assert seen["judging"][-1] == (6, 6) and seen["reading back"][-1] == (0, 0)
    seen.clear()
    load_file(platform, warehouse, EXAMPLES, AS_OF, on_progress=tick)  # again: all six are read back
    assert seen["reading back"][-1] == (6, 6) and seen["judging"][-1] == (0, 0)


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
        assert descriptions == ["reading and judging large.jsonl", "storing dossiers and violations"]
        assert all(task.finished for task in progress.tasks)
    monkeypatch.setattr(command, "err", Console(file=io.StringIO(), force_terminal=False))
    assert command.load_progress(large) == (None, None)  # not a terminal: no bar


# -- writing the folds -------------------------------------------------------------------------------------
def test_folds_are_written_a_bounded_number_of_dossiers_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory is bounded by dossiers, not by one table's row count: a file with many violations per
    dossier must not pile them up until a 50,000-row batch fills."""
    monkeypatch.setattr(projection, "FOLDS_PER_BATCH", 3)
    recorder = _Recorder()
    dossier = [[v] for v in range(len(DOSSIER_COLUMNS))]
    history = [[v, v] for v in range(len(OUTCOME_COLUMNS))]
    violations = [[v] * 4 for v in range(len(VIOLATION_COLUMNS))]
    folded, opened = projection.write_folds(recorder, [(dossier, history, violations)] * 7)  # type: ignore[arg-type]
    assert (folded, opened) == (7, 28)
    rows = [len(insert[0]) for insert in recorder.inserts]
    assert rows == [3, 6, 12, 3, 6, 12, 1, 2, 4]  # dossiers, outcomes, violations of 3, 3 and 1 dossiers
