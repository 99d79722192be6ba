"""Writing a report's set of files whole: into a hidden folder beside the published ones first, then over
them once every file is written. A failed or interrupted writer (an exception, Ctrl-C, SIGTERM) leaves the
previous set as it was, never this run's HTML beside the last run's PDF (review: an interrupted ``report``
into a week's folder did).

:func:`staged` and :func:`publish` are the Dagster assets' (one run of an asset at a time writes a week's
folder, which is the platform's own: a re-published ``units/`` replaces the previous one, stale packs
included). :func:`locked_staging` and :func:`publish_files` are ``dossier-audit report``'s, which writes
into any folder its user names, any number of times at once: it only ever replaces the files it wrote (a
``units/`` folder of the user's own keeps its other files: review), and a staging folder left by a killed
run is swept by the next one, as the spool directories are.

Publishing moves the files one at a time, so it is not atomic: for its few milliseconds the signals that
stop a command (SIGINT, SIGTERM, SIGHUP) are held, and delivered once every file is in place, and a file
(:data:`INCOMPLETE`) stands in the folder until the last one is: a writer killed outright (SIGKILL, a power
cut) or failing (a full disk) there left a set of whole files, half of this run and half of the last, that
looked complete (crash review). The next report into the folder says so, and replaces them.

Before any file moves, the published files it replaces with other bytes (or takes away) are kept under the
folder's ``editions/`` (``reporting.editions``): what a unit head signed stays there.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from reporting.editions import files_under, keep_replaced

#: The lock file a command's staging folder holds for as long as its writer lives.
LOCK = "owner.lock"
#: A staging folder without its lock file is a dead writer's once untouched this long (seconds): it is
#: being made this instant otherwise.
STALE_AFTER = 86_400


#: The file in a folder whose report was being replaced when its writer stopped (ASCII: a name any share and
#: archive keeps); it says so in both languages.
INCOMPLETE = "BAO-CAO-CHUA-HOAN-TAT.txt"
_INCOMPLETE_TEXT = (
    "Báo cáo trong thư mục này chưa được ghi xong: lần lập báo cáo gần nhất đã dừng khi đang thay các tệp, "
    "nên các tệp ở đây có thể thuộc hai lần lập khác nhau. Không dùng các tệp này; lập lại báo cáo vào thư "
    "mục này (dossier-audit report --out <thư mục>, hoặc chạy lại tuần đó trên Dagster).\n"
    "The report in this folder was not written completely: its last run stopped while replacing the files, "
    "so they may come from two different runs. Do not use them; build the report into this folder again.\n"
)
#: The signals that stop a command, held while a set of files is published.
_HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StagingBusy(Exception):
    """Another live writer stages into the same folder."""


@contextmanager
def staged(dest: Path, kind: str) -> Iterator[Path]:
    """An empty directory beside the published files to write into before :func:`publish`; removed when
    the block ends, so a failed writer leaves nothing half-written behind."""
    staging = dest / f".{kind}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, dest: Path, written: Sequence[Path]) -> list[Path]:
    """Move every top-level entry of ``staging`` over its namesake in ``dest`` (a re-run leaves no stale
    files of a previous one) and return where ``written`` now are. Each asset's publishing has its own
    :data:`INCOMPLETE` file (two assets of a run may publish into one week's folder at once)."""
    kind = staging.name.removeprefix(".").removesuffix(".staging")
    entries = sorted(staging.iterdir())
    replaced = []  # each published file an entry replaces, and its new version (or none: it goes)
    for entry in entries:
        for old in files_under(dest / entry.name):
            new = staging / old.relative_to(dest)
            replaced.append((old, new if new.is_file() else None))
    with _replacing(dest, INCOMPLETE.replace(".txt", f"-{kind}.txt")):
        keep_replaced(dest, replaced)  # the previous edition's files, before any moves (``editions``)
        for entry in entries:
            target = dest / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            os.replace(entry, target)
    return _moved(staging, dest, written)


def publish_files(staging: Path, dest: Path, written: Sequence[Path]) -> list[Path]:
    """Move every file under ``staging`` to the same place under ``dest``, over a file of its name (making
    the folders it needs); nothing else of ``dest`` is touched. Returns where ``written`` now are."""
    files = sorted(p for p in staging.rglob("*") if not p.is_dir())
    with _replacing(dest, INCOMPLETE):
        keep_replaced(dest, [(dest / path.relative_to(staging), path) for path in files])  # ``editions``
        for path in files:
            target = dest / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    return _moved(staging, dest, written)


def _moved(staging: Path, dest: Path, written: Sequence[Path]) -> list[Path]:
    moved = []
    for path in written:
        try:
            moved.append(dest / Path(path).resolve().relative_to(staging.resolve()))
        except ValueError:
            moved.append(Path(path))  # written outside the staging directory: left where it is
    return moved


def left_incomplete(dest: Path) -> list[Path]:
    """The files saying ``dest``'s report was being replaced when its writer stopped: the report command's
    and each Dagster asset's (:func:`publish`)."""
    stem = INCOMPLETE.removesuffix(".txt")
    found = dest.glob(f"{stem}*.txt")
    return sorted(p for p in found if p.name == INCOMPLETE or p.name.startswith(f"{stem}-"))


@contextmanager
def _replacing(dest: Path, name: str) -> Iterator[None]:
    """While ``dest``'s files are replaced: the file ``name`` in it (:data:`INCOMPLETE`'s words, written to
    disk first), removed once the block ends well (a failure leaves it: the folder is a mix), and the
    stopping signals held (:func:`_held_signals`)."""
    marker = dest / name
    with _held_signals():  # the mark too: a stop between it and the moves left it over a whole folder
        with open(marker, "w", encoding="utf-8") as file:
            file.write(_INCOMPLETE_TEXT)
            file.flush()
            os.fsync(file.fileno())
        yield
        marker.unlink()


@contextmanager
def _held_signals() -> Iterator[None]:
    """The stopping signals noted, not acted on, while the block runs, then raised again in order of
    arrival, their handlers restored. By Python's own handlers (which run in the main thread, whichever
    thread the signal reaches: a mask on the main thread alone let the embedded warehouse's threads take
    it); elsewhere (a test runner's thread) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: arrived.append(signum)) for sig in _HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        for signum in dict.fromkeys(arrived):
            signal.raise_signal(signum)


@contextmanager
def locked_staging(dest: Path, kind: str) -> Iterator[Path]:
    """A new empty folder to write into before :func:`publish_files`, inside ``dest``'s hidden
    ``.{kind}.staging`` (``dest`` is made if missing), locked (``flock``) while this process lives and
    deleted when the block ends. One left by a writer that was killed (its lock free, or without one and
    untouched for :data:`STALE_AFTER`) is deleted first; one a live writer holds raises
    :class:`StagingBusy`."""
    staging = dest / f".{kind}.staging"
    dest.mkdir(parents=True, exist_ok=True)
    if staging.exists():
        _sweep(staging)
    try:
        staging.mkdir()
    except FileExistsError:  # another writer made it between the sweep and now
        raise StagingBusy(str(staging)) from None
    fd = -1
    try:
        fd, locking = tempfile.mkstemp(prefix=f"{LOCK}.", dir=staging)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(locking, staging / LOCK)  # seen by a sweep only once held
        files = staging / "files"
        files.mkdir()
        yield files
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if fd >= 0:
            os.close(fd)


def _sweep(staging: Path) -> None:
    """Delete a dead writer's staging folder; :class:`StagingBusy` if a live one holds it."""
    try:
        fd = os.open(staging / LOCK, os.O_RDONLY)
    except FileNotFoundError:
        if time.time() - staging.stat().st_mtime < STALE_AFTER:
            raise StagingBusy(str(staging)) from None  # being made this instant
        shutil.rmtree(staging, ignore_errors=True)
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StagingBusy(str(staging)) from None
        shutil.rmtree(staging, ignore_errors=True)
    finally:
        os.close(fd)
