"""The event frames a load's workers write while the load stores them (``dossier_audit.jobs.event_frames``):
every frame read exactly once, in each writer's order, whatever the reads' sizes and timing; a frame still
being written is left for the next read; frames waiting in a worker reach the file when it flushes; files
read whole are deleted once their writer moved on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dossier_audit.jobs.event_frames as module
from dossier_audit.jobs.event_frames import EventFrames


def _columns(n: int) -> list[list[object]]:
    return [[f"e{n}"] * (n % 4 + 1), list(range(n % 4 + 1))]


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(st.one_of(st.integers(0, 5), st.integers(-400, -1)), max_size=40),
    rotate=st.integers(40, 400),
    flush=st.integers(1, 300),
)
def test_every_frame_is_read_once_in_order(tmp_path_factory, steps, rotate, flush) -> None:
    """Positive steps write that many frames, zero flushes, negative ones read with that byte limit; files
    rotate, and frames wait in the writer until ``flush`` bytes of them are."""
    folder = tmp_path_factory.mktemp("frames")
    original = module.ROTATE_BYTES, module.FLUSH_BYTES
    module.ROTATE_BYTES, module.FLUSH_BYTES = rotate, flush
    try:
        frames = EventFrames(folder)
        written = 0
        got: list[tuple[str, list[list[object]]]] = []
        for step in steps:
            if step == 0:
                frames.flush()
            elif step > 0:
                for _ in range(step):
                    frames.write(f"D{written}", _columns(written))
                    written += 1
            else:
                got += frames.read(-step)
                if frames.pending() == 0:  # all read: only the file being written is left
                    assert len(list(folder.iterdir())) <= 1
        frames.flush()  # what the engine's on_shard_done does
        while frames.pending():
            got += frames.read(100)
        assert got == [(f"D{n}", _columns(n)) for n in range(written)]
        frames.close()
        assert len(list(folder.iterdir())) <= 1  # only the file still open for writing when it ended
    finally:
        module.ROTATE_BYTES, module.FLUSH_BYTES = original


def test_a_frame_still_being_written_waits_for_the_next_read(tmp_path: Path) -> None:
    frames = EventFrames(tmp_path)
    frames.write("D1", [["a"]])
    assert list(tmp_path.iterdir()) == []  # waiting in the writer
    frames.flush()
    (path,) = tmp_path.iterdir()
    whole = path.read_bytes()
    frames.write("D2", [["b"]])
    frames.flush()
    second = path.read_bytes()[len(whole) :]
    with open(path, "r+b") as fh:  # D2 cut short, as a reader may see a write in progress
        fh.truncate(len(whole) + len(second) - 3)
    assert frames.read(1 << 20) == [("D1", [["a"]])]
    assert frames.read(1 << 20) == []
    with open(path, "ab") as fh:
        fh.write(second[-3:])
    assert frames.read(1 << 20) == [("D2", [["b"]])] and frames.pending() == 0


def test_forked_writers_each_write_their_own_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Like the load's workers: forked after the reader exists, writing while it reads."""
    monkeypatch.setattr(module, "ROTATE_BYTES", 2_000)
    monkeypatch.setattr(module, "FLUSH_BYTES", 300)
    frames = EventFrames(tmp_path)
    children = []
    for k in range(2):
        pid = os.fork()
        if pid == 0:
            for n in range(300):
                frames.write(f"W{k}-{n}", _columns(n))
                if n % 50 == 0:
                    time.sleep(0.01)
            frames.flush()
            os._exit(0)
        children.append(pid)
    got = []
    running = set(children)
    while running:
        running = {pid for pid in running if os.waitpid(pid, os.WNOHANG) == (0, 0)}
        got += frames.read(5_000)
        time.sleep(0.005)
    while frames.pending():
        got += frames.read(5_000)
    for k in range(2):
        mine = [dossier for dossier, _ in got if dossier.startswith(f"W{k}-")]
        assert mine == [f"W{k}-{n}" for n in range(300)]
    assert len(got) == 600
    assert len(list(tmp_path.iterdir())) <= 2  # the last file of each writer; the others were deleted
