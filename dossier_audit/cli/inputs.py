"""Where the commands read an events FILE from: a path, or ``-`` for standard input, and any readable stream
(a pipe, ``/dev/stdin``, ``<(…)`` process substitution, a FIFO) gives the same answer as the file would.

The batch engine reads its input more than once (every worker reads it whole, pass 2 reads it again), which
only a regular file allows: workers reading one pipe split its lines between them, and a FIFO opened twice
waits forever for a second writer. So any other stream is copied once, in chunks (bounded memory), to a
temporary file in a private directory (mode 0700: the events may hold personal data) that is deleted when
the command ends, also on an error or Ctrl-C. A stream read once from start to end (``ingest``) is opened
once and read as it comes, without a copy.

A non-regular FILE is never opened to "check" it first: opening a FIFO consumes its writer.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dossier_audit.cli.common import UsageError, err, readable
from dossier_audit.jobs.spool_dirs import INPUT_SPOOL, spool_directory

#: The FILE argument that means standard input.
STDIN = "-"
#: Copy in chunks of this size: the spool's memory does not grow with the input.
_CHUNK = 1 << 20
#: A long copy says how far it is every this many bytes: ``validate /dev/zero`` copied 4 GB in 6 s without a
#: word, towards the reserve of a large disk (CLI review).
_NOTE_EVERY = 1 << 30


@dataclass(frozen=True, slots=True)
class EventStream:
    """An events input opened for one sequential read: its bytes, what to call it (a path, or ``stdin``),
    and the path of a regular file (for a progress bar), if it is one."""

    lines: IO[bytes]
    source: str
    path: Path | None


@contextmanager
def event_file(file: Path) -> Iterator[Path]:
    """FILE as a regular file, for the batch engine: FILE itself when it is one, else a spooled copy of the
    stream (``-``: standard input), deleted on exit."""
    if str(file) == STDIN:
        with _spooled(_stdin(), "stdin", "standard input") as path:
            yield path
        return
    if stat.S_ISREG(_mode(file)):
        yield readable(file)
        return
    with _open(file) as fh, _spooled(fh, file.name or "input", str(file)) as path:
        yield path


@contextmanager
def event_stream(file: Path) -> Iterator[EventStream]:
    """FILE opened once for one sequential read (``-``: standard input, left open on exit)."""
    if str(file) == STDIN:
        yield EventStream(_stdin(), "stdin", None)
        return
    regular = stat.S_ISREG(_mode(file))
    with _open(file) as fh:
        yield EventStream(fh, source_of(file), file if regular else None)


def source_of(file: Path) -> str:
    """What to record as the source of FILE's events: ``stdin`` for ``-``, a regular file's real path, or a
    stream's path as given (its resolved path, e.g. ``/proc/…/pipe:[…]``, names nothing; a spooled
    copy's path names a file that is gone after the command)."""
    if str(file) == STDIN:
        return "stdin"
    try:
        regular = stat.S_ISREG(os.stat(file).st_mode)
    except OSError:
        regular = False
    return str(file.resolve()) if regular else str(file)


def _stdin() -> IO[bytes]:
    if sys.stdin is None:  # started without a standard input (closed, or a detached service)
        raise UsageError("no standard input to read events from; pass a file path instead of -")
    if sys.stdin.isatty():
        err.print("reading events from standard input (end with Ctrl-D)", highlight=False)
    return sys.stdin.buffer


def _mode(file: Path) -> int:
    """``stat`` of FILE, following links (``/dev/stdin`` is one), as a usage error when it fails."""
    try:
        mode = os.stat(file).st_mode
    except FileNotFoundError:
        raise UsageError(f"cannot read {file}: no such file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise UsageError(f"cannot read {file}: it is a directory")
    return mode


def _open(file: Path) -> IO[bytes]:
    # Opening a FIFO waits for its writer, as `cat FIFO` does.
    try:
        return open(file, "rb")  # the callers close it
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}") from None


@contextmanager
def _spooled(source: IO[bytes], name: str, what: str) -> Iterator[Path]:
    """A copy of ``source`` in a private temporary directory, deleted on exit. The copy stops before it
    leaves TMPDIR's file system less than :func:`_reserve` free: ``validate /dev/zero`` copied until the
    disk was full (44 GB in a minute, review of 2026-12-04), and the database, the other processes and the
    command's own spool files share that disk. That, or a copy that fails, is one usage error saying where
    and how much, and the partial copy is deleted with its directory before the error leaves."""
    with spool_directory(INPUT_SPOOL) as tmp:
        path = tmp / name
        copied = 0
        where = f"TMPDIR ({tempfile.gettempdir()})"
        reserve = _reserve(tmp)
        try:
            with _spool_writer(path) as out:
                while chunk := _read(source, what, copied):
                    free = _free_bytes(tmp)
                    if free - len(chunk) < reserve:
                        raise UsageError(
                            f"cannot copy {what} to a temporary file: {where} has {free:,} bytes free after "
                            f"{copied:,} bytes of the copy, which leaves {reserve:,} free (1 GiB, or 5% of a "
                            "smaller file system); set TMPDIR to a directory with more room"
                        )
                    out.write(chunk)
                    copied += len(chunk)
                    if copied // _NOTE_EVERY > (copied - len(chunk)) // _NOTE_EVERY:
                        err.print(
                            f"copied {copied:,} bytes of {what} to a temporary file so far (the engine reads "
                            f"its input more than once; Ctrl-C stops)",
                            highlight=False,
                            markup=False,
                        )
        except OSError as exc:
            problem = (
                f"no space left in {where}" if exc.errno == errno.ENOSPC else f"{exc.strerror} in {where}"
            )
            raise UsageError(_no_room(what, problem, copied)) from None
        yield path


def _no_room(what: str, problem: str, copied: int) -> str:
    return (
        f"cannot copy {what} to a temporary file: {problem} after {copied:,} bytes; the copy needs as much "
        "free space as the input (set TMPDIR to a directory with more)"
    )


#: What a spooled copy leaves free on its file system, at most: 1 GiB, or 5% of a smaller file system.
_RESERVE, _RESERVE_SHARE = 1 << 30, 0.05


def _reserve(folder: Path) -> int:
    fs = os.statvfs(folder)
    return min(_RESERVE, int(fs.f_blocks * fs.f_frsize * _RESERVE_SHARE))


def _free_bytes(folder: Path) -> int:
    """The bytes an unprivileged writer may still use on ``folder``'s file system (a seam for the tests)."""
    fs = os.statvfs(folder)
    return fs.f_bavail * fs.f_frsize


def _read(source: IO[bytes], what: str, copied: int) -> bytes:
    try:
        return source.read(_CHUNK)
    except OSError as exc:
        raise UsageError(f"cannot read {what}: {exc.strerror} after {copied:,} bytes") from None


def _spool_writer(path: Path) -> IO[bytes]:
    """Where a spooled copy is written (a seam for the tests' full disk)."""
    return path.open("wb")
