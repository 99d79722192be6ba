"""Output files written whole or not at all: a command writes to a new hidden file beside its target and
renames it over the target once complete, so that a failed or interrupted run leaves the previous file as
it was (or none), never a truncated one. Used by ``export``, ``simulate`` and ``import dvcqg --out``."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

#: Of the target's name, the bytes the hidden file's keeps: 255 less a dot, a dot and 12 hex digits, ".part".
_KEPT = 255 - 19


def _create_beside(path: Path, made: list[Path]) -> int:
    """A new hidden file beside ``path``, created with the mode any new file gets (0666 less the umask;
    ``tempfile.mkstemp`` would make it 0600, and reading the umask means changing it, which races with
    the embedded engine's threads). Its name is in ``made`` before it exists: a Ctrl-C (or a SIGTERM or
    SIGHUP raised as one) just after it is created still finds it to delete (a part file stayed behind
    when the signal came between its creation and the caller's clean-up: seen under load)."""
    # A name is at most 255 bytes on the file systems we meet: the target's own, less what the hidden one
    # adds, or a valid long --out name was refused as "File name too long" (CLI seat of 2026-12-07).
    stem = os.fsencode(path.name)[:_KEPT]
    for _ in range(100):
        made.append(path.parent / os.fsdecode(b"." + stem + b"." + secrets.token_hex(6).encode() + b".part"))
        try:
            return os.open(made[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # another's file: never ours to delete
            made.pop()
    raise FileExistsError(f"cannot create a temporary file beside {path}")


def replaceable(path: Path) -> bool:
    """Whether ``path`` may be replaced by renaming a new file over it: it does not exist, or is a regular
    file itself. A symbolic link (``/dev/stdout`` is one, to wherever standard output goes: a terminal, a
    pipe, a file) is written through, and so are a pipe and a device: renaming over them would replace the
    link or the device node (as root, ``/dev/stdout`` for every process), not write where they lead."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return True


@contextmanager
def written_whole(path: Path, *, buffering: int = -1, overwrite: bool = True) -> Iterator[IO[bytes]]:
    """``path`` opened for writing (``buffering`` as ``open`` takes it): the bytes go to a file beside it,
    renamed over it when the block ends without an exception (deleted when it raises). A path that is not
    :func:`replaceable` is written directly. ``OSError`` when it cannot be written.

    ``overwrite=False``: the file beside it is linked to ``path`` instead, which raises
    ``FileExistsError`` if a file has that name by then (``catalogue import-national``, whose output is
    completed by hand, never writes over one)."""
    if overwrite and not replaceable(path):
        with open(path, "wb", buffering=buffering) as direct:
            yield direct
        return
    made: list[Path] = []
    try:
        try:
            fd = _create_beside(path, made)
        except OSError as exc:  # named for the file asked for, not the hidden one beside it
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        with os.fdopen(fd, "wb", buffering=buffering) as out:
            yield out
        if overwrite:
            os.replace(made[-1], path)
        else:
            os.link(made[-1], path)
    finally:
        for part in made:
            part.unlink(missing_ok=True)
