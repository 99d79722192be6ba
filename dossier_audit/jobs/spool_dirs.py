"""The private temporary directories a ``warehouse load`` spools its rows in, and the sweep of those whose
load died without deleting its own.

A load deletes its directory when it ends, failed or not; a load killed with SIGKILL (or by the kernel out
of memory, or with its machine) cannot, and its directory would stay in the temporary folder with every row
it had not stored yet: pseudonymised, but data, and up to hundreds of megabytes each. So each load holds an
exclusive ``flock`` on a lock file in its directory for as long as it lives (its forked workers share the
hold: a ``flock`` belongs to the open file), which the kernel releases however the process ends; and each
load, before it makes its own, deletes the directories of this user whose lock it can take: no live load
holds them. A directory without a lock file (being made this instant, or left by a version before this
one, whose load may still run) is left alone.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "dossier-audit-load-"
LOCK = "owner.lock"


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
            if path.is_symlink() or path.lstat().st_uid != uid:
                continue
            fd = os.open(path / LOCK, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:  # not a directory, not ours to open, or no lock file
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
