"""Which process owns an embedded warehouse directory: an exclusive ``flock`` on a lock file inside it.

chdb hosts one engine per process, bound to one path, so the hold is per process too: warehouses of the
same directory in one process share it (counted), a second directory is refused while one is open, and
another process is refused with the owner's PID. Kept apart from ``chdb`` as it touches only the file
system, not the engine.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from warehouse.base import WarehouseError, WarehouseLocked

LOCK_FILE = ".dossier-audit.lock"


@dataclass
class _Owner:
    """This process's hold on one warehouse directory: the locked file and how many warehouses use it."""

    directory: Path
    fd: int
    users: int


_owner: _Owner | None = None
_owner_guard = threading.Lock()


def acquire(directory: Path) -> None:
    """Take (or share, within this process) the directory's lock; refuse a second directory."""
    global _owner  # noqa: PLW0603 - chdb's engine is per process, so the owner record is too
    with _owner_guard:
        if _owner is not None:
            if _owner.directory == directory:
                _owner.users += 1
                return
            raise WarehouseError(
                f"cannot open the embedded warehouse {directory}: this process already has "
                f"{_owner.directory} open, and chdb runs one embedded engine per process bound to one "
                "directory; close that warehouse first"
            )
        path = directory / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise WarehouseError(f"cannot open the lock file {path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_pid(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise WarehouseError(f"cannot lock {path}: {exc.strerror}") from None
            who = f"another process (PID {holder})" if holder else "another process"
            raise WarehouseLocked(
                f"the embedded warehouse directory {directory} is in use by {who}. The embedded (chdb) "
                "topology runs everything in one process: stop the other process, or give every process "
                "a clickhouse:// server URL instead"
            ) from None
        # Recorded only to name the owner in the refusal above; the lock itself is the flock.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        _owner = _Owner(directory, fd, 1)


def release(directory: Path) -> None:
    """Drop one use of the directory's lock; the last one closes the lock file, releasing it."""
    global _owner  # noqa: PLW0603
    with _owner_guard:
        if _owner is None or _owner.directory != directory:
            return
        _owner.users -= 1
        if _owner.users == 0:
            os.close(_owner.fd)  # closing the descriptor drops the flock
            _owner = None


def _forget_in_child() -> None:
    """In a forked child (the batch engine's workers, forked by a ``warehouse load`` that has the directory
    open): close the inherited copy of the lock file and drop the hold. The child never uses the engine, and
    a child outliving its parent (killed with SIGKILL) must not keep the directory locked: the next load
    would be refused in the name of a process that is gone. Closing this copy leaves the parent's lock held
    (a ``flock`` belongs to the open file, which the parent's descriptor still holds)."""
    global _owner
    owner, _owner = _owner, None
    if owner is not None:
        with contextlib.suppress(OSError):
            os.close(owner.fd)


os.register_at_fork(after_in_child=_forget_in_child)


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


__all__ = ["LOCK_FILE", "acquire", "release"]
