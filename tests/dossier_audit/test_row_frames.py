"""The Arrow frames a load's workers write while the load stores them (``dossier_audit.jobs.row_frames``):
every row read exactly once, in each writer's order, whatever the reads' sizes and timing; a frame still
being written is left for the next read; rows waiting in a worker reach the file when it flushes; files read
whole are deleted once their writer moved on; a fold's rows carry a token unique across forked writers."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dossier_audit.jobs.row_frames as module
from dossier_audit.jobs.row_frames import TOKEN, FoldFrames, RowFrames
from tests.depth import examples

COLUMNS = ("dossier_id", "n")
TYPES = {"dossier_id": "String", "n": "Int64"}


def _rows(batches: list[pa.RecordBatch]) -> list[tuple[Any, ...]]:
    if not batches:
        return []
    table = pa.Table.from_batches(batches)
    return list(zip(*(table.column(name).to_pylist() for name in COLUMNS), strict=True))


@settings(max_examples=examples(60), deadline=None)
@given(
    steps=st.lists(st.one_of(st.integers(0, 5), st.integers(-4_000, -1)), max_size=40),
    rotate=st.integers(400, 4_000),
    flush=st.integers(1, 3_000),
    frame_rows=st.integers(1, 4),
)
def test_every_row_is_read_once_in_order(tmp_path_factory, steps, rotate, flush, frame_rows) -> None:
    """Positive steps add that many rows (one per call), zero flushes, negative ones read with that byte
    limit; frames hold ``frame_rows`` rows, files rotate, and frames wait in the writer until ``flush``
    bytes of them are."""
    folder = tmp_path_factory.mktemp("frames")
    original = module.ROTATE_BYTES, module.FLUSH_BYTES, module.FRAME_ROWS
    module.ROTATE_BYTES, module.FLUSH_BYTES, module.FRAME_ROWS = rotate, flush, frame_rows
    try:
        frames = RowFrames(folder, "events", COLUMNS, TYPES)
        written = 0
        got: list[pa.RecordBatch] = []
        for step in steps:
            if step == 0:
                frames.flush()
            elif step > 0:
                for _ in range(step):
                    frames.add([(f"D{written}", written)])
                    written += 1
            else:
                got += frames.read(-step)
                if frames.pending() == 0:  # all read: only the file being written is left
                    assert len(list(folder.iterdir())) <= 1
        frames.flush()  # what the engine's on_shard_done does
        while frames.pending():
            got += frames.read(1_000)
        assert _rows(got) == [(f"D{n}", n) for n in range(written)]
        frames.close()
        assert len(list(folder.iterdir())) <= 1  # only the file still open for writing when it ended
    finally:
        module.ROTATE_BYTES, module.FLUSH_BYTES, module.FRAME_ROWS = original


def test_a_frame_still_being_written_waits_for_the_next_read(tmp_path: Path) -> None:
    frames = RowFrames(tmp_path, "events", COLUMNS, TYPES)
    frames.add([("D1", 1)])
    assert list(tmp_path.iterdir()) == []  # waiting in the writer
    frames.flush()
    (path,) = tmp_path.iterdir()
    whole = path.read_bytes()
    frames.add([("D2", 2)])
    frames.flush()
    second = path.read_bytes()[len(whole) :]
    with open(path, "r+b") as fh:  # D2 cut short, as a reader may see a write in progress
        fh.truncate(len(whole) + len(second) - 3)
    assert _rows(frames.read(1 << 20)) == [("D1", 1)]
    assert frames.read(1 << 20) == []
    with open(path, "ab") as fh:
        fh.write(second[-3:])
    assert _rows(frames.read(1 << 20)) == [("D2", 2)] and frames.pending() == 0


def test_frames_of_two_tables_in_one_directory_are_read_apart(tmp_path: Path) -> None:
    events = RowFrames(tmp_path, "events", COLUMNS, TYPES)
    others = RowFrames(tmp_path, "dossier_outcomes", COLUMNS, TYPES)
    events.add([("E", 1)])
    others.add([("O", 2)])
    events.flush()
    others.flush()
    assert _rows(events.read(1 << 20)) == [("E", 1)] and _rows(others.read(1 << 20)) == [("O", 2)]
    with pytest.raises(ValueError, match="hyphen"):
        RowFrames(tmp_path, "a-b", COLUMNS, TYPES)


def test_forked_writers_each_write_their_own_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Like the load's workers: forked after the reader exists, writing while it reads."""
    monkeypatch.setattr(module, "ROTATE_BYTES", 4_000)
    monkeypatch.setattr(module, "FLUSH_BYTES", 600)
    monkeypatch.setattr(module, "FRAME_ROWS", 3)
    frames = RowFrames(tmp_path, "events", COLUMNS, TYPES)
    children = []
    for k in range(2):
        pid = os.fork()
        if pid == 0:
            for n in range(300):
                frames.add([(f"W{k}-{n}", n)])
                if n % 50 == 0:
                    time.sleep(0.01)
            frames.flush()
            os._exit(0)
        children.append(pid)
    got: list[pa.RecordBatch] = []
    running = set(children)
    while running:
        running = {pid for pid in running if os.waitpid(pid, os.WNOHANG) == (0, 0)}
        got += frames.read(5_000)
        time.sleep(0.005)
    while frames.pending():
        got += frames.read(5_000)
    rows = _rows(got)
    for k in range(2):
        mine = [dossier for dossier, _ in rows if dossier.startswith(f"W{k}-")]
        assert mine == [f"W{k}-{n}" for n in range(300)]
    assert len(rows) == 600
    assert len(list(tmp_path.iterdir())) <= 2  # the last file of each writer; the others were deleted


def test_fold_tokens_are_unique_across_forked_writers_and_carried_by_every_row(tmp_path: Path) -> None:
    tables = dict.fromkeys(("dossiers", "dossier_outcomes", "violations"), (COLUMNS, TYPES))
    folds = FoldFrames(tmp_path, tables)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        tokens = [folds.add(("C", 0), [("C", 1), ("C", 2)], [("C", 3)]) for _ in range(3)]
        folds.flush()
        os.write(write, ",".join(map(str, tokens)).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = [int(t) for t in os.read(read, 1 << 10).decode().split(",")]
    mine = [folds.add(None, [("P", 1)], []) for _ in range(3)]
    folds.flush()
    assert len(set(child + mine)) == 6
    by_table = {name: pa.Table.from_batches(frames.read(1 << 20)) for name, frames in folds.tables.items()}
    assert sorted(by_table["dossiers"][TOKEN].to_pylist()) == sorted(child)  # no dossier row: none written
    assert sorted(by_table["dossier_outcomes"][TOKEN].to_pylist()) == sorted(child * 2 + mine)
    assert sorted(by_table["violations"][TOKEN].to_pylist()) == sorted(child)
    os.close(read)
    os.close(write)


@pytest.mark.parametrize("start", ["os.fork", "multiprocessing"])
def test_a_child_forked_after_its_parent_added_rows_writes_only_its_own(tmp_path: Path, start: str) -> None:
    """The frames know the process they are in from a pid kept current at each fork (``_PROCESS``, for
    ``add``'s sake): a child forked while its parent holds rows and an open file starts afresh, and neither
    writes the other's rows nor its files."""
    import multiprocessing

    frames = RowFrames(tmp_path, "events", COLUMNS, TYPES)
    frames.add([("P-0", 0)])
    frames.flush()  # the parent's file is open
    frames.add([("P-1", 1)])  # and a row waits in it

    def child() -> None:
        frames.add([("C-0", 0)])
        frames.flush()

    if start == "os.fork":
        pid = os.fork()
        if pid == 0:
            try:
                child()
            finally:
                os._exit(0)
        assert os.waitpid(pid, 0)[1] == 0
    else:
        process = multiprocessing.get_context("fork").Process(target=child)
        process.start()
        process.join()
        assert process.exitcode == 0
    frames.add([("P-2", 2)])
    frames.flush()
    rows = _rows(frames.read(1 << 20))
    assert sorted(rows) == [("C-0", 0), ("P-0", 0), ("P-1", 1), ("P-2", 2)]
    assert [d for d, _ in rows if d.startswith("P")] == ["P-0", "P-1", "P-2"]
