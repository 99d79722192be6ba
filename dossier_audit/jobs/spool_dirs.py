"""The private temporary directories a ``warehouse load`` spools its rows in, and the sweep of those whose
load died without deleting its own.

A load deletes its directory when it ends, failed or not; a load killed with SIGKILL (or by the kernel out
of memory, or with its machine) cannot, and its directory would stay in the temporary folder with every row
it had not stored yet: pseudonymised, but data, and up to hundreds of megabytes each. So each load holds an
exclusive ``flock`` on a lock file in its directory for as long as it lives (its forked workers share the
hold: a ``flock`` belongs to the open file), which the kernel releases however the process ends; and each
load, before it makes its own, deletes the directories of this user whose lock it can take: no live load
holds them. A directory without a lock file is being made this instant, or was left by a version before
this one: it is deleted only once nothing in it has changed for a day (``STALE_AFTER``), which no running
load goes without (its workers write frames as they read, its writer reads and deletes them).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "dossier-audit-load-"
LOCK = "owner.lock"
#: A spool without a lock file is a dead load's once nothing in it has changed for this long (seconds).
STALE_AFTER = 86_400


class SpoolDirectory:
    """A new private temporary directory (mode 0700), locked by this process (and the workers it forks)
    until :meth:`close` deletes it. Dead loads' directories are swept first (:func:`sweep_dead`)."""

    def __init__(self) -> None:
        sweep_dead()
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX))
        try:
            self._fd: int | None = os.open(self.path / LOCK, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    def close(self) -> None:
        """Delete the directory, then let go of its lock (once; later calls do nothing)."""
        if self._fd is None:
            return
        try:
            shutil.rmtree(self.path, ignore_errors=True)
        finally:
            os.close(self._fd)
            self._fd = None


def sweep_dead(root: Path | None = None) -> int:
    """Delete the spool directories in ``root`` (the temporary folder by default) that belong to this user
    and whose lock no process holds; returns how many."""
    folder = Path(tempfile.gettempdir()) if root is None else root
    uid = os.getuid()
    swept = 0
    for path in folder.glob(PREFIX + "*"):
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
