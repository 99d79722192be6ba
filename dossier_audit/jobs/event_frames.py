"""The ``events`` rows a load's workers hand to the writing process while they are still reading the file.

The batch engine returns a dossier's results once every worker is done (a dossier settled before the end of
the first pass may settle again in the second, and only the last settlement counts), which is right for the
folds but would hold every event back until the end. Events need no such care: whichever settlement
reports an event reports the same row (the winning version's line), so a worker appends each settlement's
rows to its own file here as it goes, and the writer inserts them as they come, while the workers read on.
A dossier settled twice has its rows inserted twice; every table is a ReplacingMergeTree, so the second
insert changes nothing.

A file is a sequence of frames, each an 8-byte little-endian length and a pickle of
``(dossier_id, packed event columns)``. A worker writes them ``FLUSH_BYTES`` at a time (one system call
per dossier cost more than its pickle), and :meth:`EventFrames.flush` writes the rest when its shard is
done (the batch engine's ``on_shard_done``): a forked worker ends without running any exit handler. The
reader takes only whole frames, and the rest on its next call. A worker starts a new file every
``ROTATE_BYTES``, and the reader deletes a file it has read whole once its worker has moved on: the frames
take the disk of what is not stored yet, not of the whole file's events.
"""

from __future__ import annotations

import os
import pickle
import struct
from pathlib import Path
from typing import Any

_HEADER = struct.Struct("<Q")
_PATTERN = "events-*.frames"
#: A worker's file is closed and the next one started past this size.
ROTATE_BYTES = 64 << 20
#: A worker writes its frames once this many bytes of them are waiting.
FLUSH_BYTES = 256 << 10


def _order(path: Path) -> tuple[int, int]:
    """(writer's PID, file number) of ``events-PID-NUMBER.frames``."""
    _, pid, number = path.stem.split("-")
    return int(pid), int(number)


class EventFrames:
    """One directory of frame files, one per writing process: :meth:`write` in the workers, :meth:`read` in
    the process that forked them (or in the same process, with one in-process worker)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._fd: int | None = None
        self._pid = 0
        self._number = 0
        self._size = 0
        self._waiting = bytearray()
        self._offsets: dict[Path, int] = {}

    # -- in a worker ------------------------------------------------------------------------------------
    def write(self, dossier_id: str, columns: list[list[Any]]) -> None:
        """Add one dossier's packed rows to this process's frames (written ``FLUSH_BYTES`` at a time)."""
        pid = os.getpid()
        if self._pid != pid:  # first call in this (forked) process: its own files, nothing inherited
            self._fd, self._pid, self._number, self._size, self._waiting = None, pid, 0, 0, bytearray()
        payload = pickle.dumps((dossier_id, columns), pickle.HIGHEST_PROTOCOL)
        self._waiting += _HEADER.pack(len(payload))
        self._waiting += payload
        if len(self._waiting) >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write this process's waiting frames (whole frames only ever reach the file)."""
        if not self._waiting or self._pid != os.getpid():
            return
        if self._fd is None or self._size >= ROTATE_BYTES:
            self._next_file()
        assert self._fd is not None
        data = memoryview(self._waiting)
        self._size += len(data)
        while data:
            data = data[os.write(self._fd, data) :]
        self._waiting = bytearray()

    def _next_file(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._number += 1
        path = self.directory / f"events-{self._pid}-{self._number:06d}.frames"
        self._fd, self._size = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), 0

    def close(self) -> None:
        """Write what is waiting and close this process's file, if it wrote one (the in-process worker's; a
        forked one's closes as its process ends)."""
        if self._pid == os.getpid():
            self.flush()
            if self._fd is not None:
                os.close(self._fd)
        self._fd = None

    # -- in the writer ----------------------------------------------------------------------------------
    def pending(self) -> int:
        """Bytes written and not read yet (whole frames or not)."""
        total = 0
        for path in self.directory.glob(_PATTERN):
            total += path.stat().st_size - self._offsets.get(path, 0)
        return total

    def read(self, limit: int) -> list[tuple[str, list[list[Any]]]]:
        """The whole frames not read yet, in each file's order, stopping after about ``limit`` bytes; a file
        read whole that its writer has left for a newer one is deleted."""
        found: list[tuple[str, list[list[Any]]]] = []
        taken = 0
        paths = sorted(self.directory.glob(_PATTERN), key=_order)
        newest = dict(map(_order, paths))  # sorted: the newest file of each writer wins
        for path in paths:
            if taken >= limit:
                break
            offset = self._offsets.get(path, 0)
            with open(path, "rb") as fh:
                fh.seek(offset)
                while taken < limit:
                    header = fh.read(_HEADER.size)
                    if len(header) < _HEADER.size:
                        break
                    (size,) = _HEADER.unpack(header)
                    payload = fh.read(size)
                    if len(payload) < size:  # still being written: the next call takes it
                        break
                    found.append(pickle.loads(payload))
                    offset += _HEADER.size + size
                    taken += _HEADER.size + size
                whole = offset == os.fstat(fh.fileno()).st_size
            pid, number = _order(path)
            if whole and number < newest[pid]:  # complete: its writer writes to a newer file now
                path.unlink()
                self._offsets.pop(path, None)
            else:
                self._offsets[path] = offset
        return found
