"""A load's spool directory: locked while its load lives (and its forked workers), deleted when it ends, and
deleted by a later load when it was killed; one without a lock file (an older version's) once it has been
untouched for a day; nothing else in the temporary folder is touched (a live load's, a recent one without a
lock file, a file or link that happens to share the prefix).

Before: a load killed with SIGKILL left its spool (rows not stored yet) in the temporary folder for good;
the test suite alone left six at every run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from dossier_audit.jobs.spool_dirs import (
    BATCH_SPOOL,
    LOAD_SPOOL,
    LOCK,
    PREFIXES,
    STALE_AFTER,
    SpoolDirectory,
    spool_directory,
    sweep_dead,
)

_KILLED = """
import os, signal, sys
from dossier_audit.jobs.spool_dirs import LOAD_SPOOL, SpoolDirectory
spool = SpoolDirectory(*sys.argv[2:] or [LOAD_SPOOL])
(spool.path / "rows").mkdir()
(spool.path / "rows" / "events-1-000001.frames").write_bytes(b"x" * 1000)
if sys.argv[1] == "fork" and os.fork() == 0:  # a worker that outlives its load for a while
    sys.stdin.read()
    os._exit(0)
print(spool.path, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own temporary folder, for this process and the ones it starts."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return tmp_path


def _killed(mode: str, *prefix: str) -> tuple[Path, subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED, mode, *prefix],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    path = Path(child.stdout.readline().strip())
    assert child.wait(timeout=30) == -signal.SIGKILL
    return path, child


def test_a_spool_is_locked_while_open_and_deleted_on_close(folder: Path) -> None:
    spool = SpoolDirectory(LOAD_SPOOL)
    assert spool.path.parent == folder and spool.path.name.startswith(LOAD_SPOOL)
    assert (spool.path.stat().st_mode & 0o777) == 0o700 and (spool.path / LOCK).exists()
    assert sweep_dead() == 0 and spool.path.exists()  # alive: left alone
    spool.close()
    spool.close()
    assert not spool.path.exists()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_spool_of_a_killed_process_is_swept_by_the_next_one(folder: Path, prefix: str) -> None:
    """A load's rows, a stream's copy, the batch engine's results, a copy of standard input: whichever
    spool a killed command left, the next spool made (by any command) sweeps it."""
    dead, _ = _killed("alone", prefix)
    assert dead.name.startswith(prefix) and (dead / "rows" / "events-1-000001.frames").exists()
    with spool_directory(BATCH_SPOOL) as path:
        assert not dead.exists() and path.exists()
    assert list(folder.iterdir()) == []


def test_a_spool_of_a_kind_the_sweep_does_not_know_is_refused(folder: Path) -> None:
    with pytest.raises(ValueError, match="not a spool prefix"):
        SpoolDirectory("dossier-audit-other-")
    assert list(folder.iterdir()) == []


def test_a_spool_whose_worker_still_runs_is_kept_until_it_ends(folder: Path) -> None:
    held, child = _killed("fork")  # the load is gone; its forked worker holds the lock
    assert sweep_dead() == 0 and held.exists()
    assert child.stdin is not None
    child.stdin.close()  # the worker reads its end of input and exits
    deadline = time.monotonic() + 30
    while not sweep_dead():
        assert time.monotonic() < deadline, "the worker's end never let go of the spool"
        time.sleep(0.05)
    assert not held.exists()


def _aged(path: Path, seconds: float) -> Path:
    """``path`` and everything in it last modified ``seconds`` ago."""
    then = time.time() - seconds
    for inner in sorted(path.rglob("*"), reverse=True):
        os.utime(inner, (then, then), follow_symlinks=False)
    os.utime(path, (then, then))
    return path


def test_a_spool_without_a_lock_is_swept_once_nothing_in_it_changed_for_a_day(folder: Path) -> None:
    """What versions before the lock left (and a spool being made, for a moment): a day untouched is dead."""
    made: list[Path] = []
    for name in ("old", "recent", "old-with-a-recent-frame"):
        path = folder / f"{LOAD_SPOOL}{name}"
        (path / "rows").mkdir(parents=True)
        (path / "rows" / "events-1-000001.frames").write_bytes(b"x")
        made.append(path)
    old, recent, mixed = made
    _aged(old, STALE_AFTER + 60)
    _aged(recent, STALE_AFTER - 600)
    _aged(mixed, STALE_AFTER + 60)
    os.utime(mixed / "rows" / "events-1-000001.frames")  # written just now: a load still running
    assert sweep_dead() == 1
    assert not old.exists() and recent.exists() and mixed.exists()


def test_only_dead_spools_of_this_user_are_swept(folder: Path) -> None:
    lockless = folder / f"{LOAD_SPOOL}made-by-an-older-version"
    lockless.mkdir()
    (lockless / "rows").mkdir()
    named_file = folder / f"{LOAD_SPOOL}a-file"
    named_file.write_bytes(b"mine")
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / LOCK).write_bytes(b"")
    link = folder / f"{LOAD_SPOOL}a-link"
    link.symlink_to(elsewhere)
    dead, _ = _killed("alone")
    assert sweep_dead() == 1
    assert not dead.exists()
    assert lockless.exists() and named_file.exists() and link.is_symlink() and elsewhere.exists()
