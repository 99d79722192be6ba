"""The private temporary directories the commands spool to (a load's rows, a stream copied to a file, the
batch engine's results), and the sweep of those whose process died without deleting its own.

A command deletes its directory when it ends, failed or not; one killed with SIGKILL (or by the kernel out
of memory, or with its machine) cannot, and its directory would stay in the temporary folder for good: a
load's rows not stored yet (pseudonymised, but data, up to hundreds of megabytes), a whole copy of its
input. So each holds an exclusive ``flock`` on a lock file in its directory for as long as it lives (its
forked workers share the hold: a ``flock`` belongs to the open file), which the kernel releases however
the process ends; and each, before it makes its own, deletes the directories of this user whose lock it
can take: no live process holds them. The lock file is locked under another name and then renamed, so a
sweep never finds it unheld in a live directory. A directory without one is being made this instant, or
was left by a version before this one: it is deleted only once nothing in it has changed for a day
(``STALE_AFTER``), which no running command goes without (a load's workers write frames as they read, its
writer reads and deletes them).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The kinds of spool directory, by name prefix: a load's rows, a stream copied for a load, the batch
#: engine's results, a command's copy of a pipe or standard input. The sweep looks for every one.
LOAD_SPOOL, LINES_SPOOL = "dossier-audit-load-", "dossier-audit-lines-"
BATCH_SPOOL, INPUT_SPOOL = "dossier-audit-batch-", "dossier-audit-input-"
PREFIXES = (LOAD_SPOOL, LINES_SPOOL, BATCH_SPOOL, INPUT_SPOOL)
LOCK = "owner.lock"
#: A spool without a lock file is a dead load's once nothing in it has changed for this long (seconds).
STALE_AFTER = 86_400


class SpoolDirectory:
    """A new private temporary directory (mode 0700) named ``prefix…`` (one of :data:`PREFIXES`), locked by
    this process (and the workers it forks) until :meth:`close` deletes it. Dead processes' directories are
    swept first (:func:`sweep_dead`)."""

    def __init__(self, prefix: str) -> None:
        if prefix not in PREFIXES:
            raise ValueError(f"{prefix!r} is not a spool prefix the sweep knows ({', '.join(PREFIXES)})")
        sweep_dead()
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        self._fd: int | None = None
        self._closed = False
        try:
            self._fd, locking = tempfile.mkstemp(prefix=f"{LOCK}.", dir=self.path)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            os.rename(locking, self.path / LOCK)  # seen by a sweep only once held
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Delete the directory, then let go of its lock (once; later calls do nothing)."""
        if self._closed:
            return
        self._closed = True
        try:
            shutil.rmtree(self.path, ignore_errors=True)
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


@contextmanager
def spool_directory(prefix: str) -> Iterator[Path]:
    """A :class:`SpoolDirectory`'s path for the block, deleted after."""
    spool = SpoolDirectory(prefix)
    try:
        yield spool.path
    finally:
        spool.close()


def sweep_dead(root: Path | None = None) -> int:
    """Delete the spool directories in ``root`` (the temporary folder by default) that belong to this user
    and whose lock no process holds (or, without a lock file, untouched for a day); returns how many."""
    folder = Path(tempfile.gettempdir()) if root is None else root
    uid = os.getuid()
    swept = 0
    for path in (found for prefix in PREFIXES for found in folder.glob(prefix + "*")):
        try:
            if path.is_symlink() or path.lstat().st_uid != uid or not path.is_dir():
                continue
            fd = os.open(path / LOCK, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:  # no lock file: being made, or an older version's
            if _untouched_since(path, time.time() - STALE_AFTER):
                shutil.rmtree(path, ignore_errors=True)
                swept += 1
            continue
        except OSError:  # not ours to open
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its load is alive
            os.close(fd)
            continue
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(fd)
        swept += 1
    return swept


def _untouched_since(path: Path, moment: float) -> bool:
    """Whether ``path`` and everything in it were last modified before ``moment`` (``False`` when any of it
    cannot be read, or is gone: then nothing is deleted)."""
    try:
        if path.lstat().st_mtime >= moment:
            return False
        for folder, names, files in os.walk(path, onerror=_raise):
            for name in (*names, *files):
                if os.lstat(os.path.join(folder, name)).st_mtime >= moment:
                    return False
    except OSError:
        return False
    return True


def _raise(error: OSError) -> None:
    raise error
