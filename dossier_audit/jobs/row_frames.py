"""Table rows a load's workers hand to the writing process, as Arrow: its ``events`` rows while the workers
are still reading the file, and the folds' rows (``dossiers``, ``dossier_outcomes``, ``violations``) that
the load writes once it judges.

The batch engine returns a dossier's results once every worker is done (a dossier settled before the end of
the first pass may settle again in the second, and only the last settlement counts), which is right for the
folds but would hold every event back until the end. Events need no such care: whichever settlement
reports an event reports the same row (the winning version's line), so a worker appends each settlement's
rows here as it goes, and the writer inserts them as they come, while the workers read on. A dossier
settled twice has its rows inserted twice; every table is a ReplacingMergeTree, so the second insert
changes nothing. A fold's rows carry the *token* its worker returned through the engine for that
settlement (:class:`FoldFrames`): the writer keeps the rows of the tokens the engine reported, the last
settlements, and drops the others.

Why Arrow: a worker's rows used to travel pickled, column by column, and the writer unpickled, unpacked
and re-batched them in Python before building the insert's Arrow table anyway — more Python work per row
than the rest of the write. Here a worker builds the Arrow columns itself (``warehouse.backends
.arrow_columns``, in C but for the tuples' transposition) and writes them as Arrow IPC; the writer reads
them without a Python object per value and hands them to ``Warehouse.insert_arrow`` as they are (the
embedded engine reads their buffers; the server backend's driver takes Python columns, made there).

A file is a sequence of frames, each an 8-byte little-endian length and an Arrow IPC stream of one record
batch of up to ``FRAME_ROWS`` rows. A worker writes them ``FLUSH_BYTES`` at a time, and :meth:`RowFrames
.flush` writes the rest when its shard is done (the batch engine's ``on_shard_done``): a forked worker ends
without running any exit handler. The reader takes only whole frames, and the rest on its next call. A
worker starts a new file every ``ROTATE_BYTES``, and the reader deletes a file it has read whole once its
worker has moved on: the frames take the disk of what is not stored yet, not of the whole file's rows.
"""

from __future__ import annotations

import multiprocessing
import os
import struct
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from warehouse.backends.arrow_columns import build_table, holds_instants

_HEADER = struct.Struct("<Q")
#: A worker's file is closed and the next one started past this size.
ROTATE_BYTES = 64 << 20
#: A worker writes its frames once this many bytes of them are waiting.
FLUSH_BYTES = 256 << 10
#: Rows per frame: Arrow's fixed cost per column is paid once for that many rows.
FRAME_ROWS = 4_096

#: This process's id, kept current in a forked child (``os.register_at_fork``): the frames check it at
#: every ``add``, and ``os.getpid`` is a system call each time.
_PROCESS = [os.getpid()]
os.register_at_fork(after_in_child=lambda: _PROCESS.__setitem__(0, os.getpid()))


class WriterIds:
    """Numbers for the processes that write, unique among every process forked from the one that made
    this (a counter in shared memory): a process id would do while every writer lives, but a worker that
    ended frees its pid for another."""

    def __init__(self) -> None:
        self._last = multiprocessing.get_context("fork").Value("q", 0)

    def next(self) -> int:
        with self._last.get_lock():
            self._last.value += 1
            return int(self._last.value)


class RowFrames:
    """One table's frame files in a directory, one sequence of files per writing process: :meth:`add` in
    the workers, :meth:`read` in the process that forked them (or in the same process, with one in-process
    worker). ``types``: the ClickHouse type of each of ``columns`` (``arrow_columns.column_types``).
    ``seconds``: the ``DateTime`` columns whose values the rows hold as epoch seconds
    (``arrow_columns.build_column(seconds=True)``), which the load's row builders compute without a
    ``datetime`` to convert."""

    def __init__(
        self, directory: Path, name: str, columns: Sequence[str], types: dict[str, str],
        ids: WriterIds | None = None, *, seconds: Collection[str] = (),
    ) -> None:  # fmt: skip
        if "-" in name:
            raise ValueError(f"a frames name has no hyphen: {name!r}")
        missing = [column for column in columns if column not in types]
        if missing:  # found here, before any worker is forked, rather than in each of them
            raise ValueError(f"no type for the columns {missing} of {name}")
        odd = [column for column in seconds if column not in columns or not holds_instants(types[column])]
        if odd:
            raise ValueError(f"the columns {odd} of {name} hold no instants to give as seconds")
        self.directory, self.name = directory, name
        self.columns, self.types = tuple(columns), dict(types)
        self.seconds = frozenset(seconds)
        self._ids = ids or WriterIds()
        self._fd: int | None = None
        self._pid = 0
        self._writer = 0
        self._number = 0
        self._size = 0
        self._rows: list[Sequence[Any]] = []
        self._waiting = bytearray()
        self._offsets: dict[Path, int] = {}

    # -- in a worker ------------------------------------------------------------------------------------
    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        """Add rows (each in ``columns`` order) to this process's frames."""
        self._own()
        self._rows.extend(rows)
        if len(self._rows) >= FRAME_ROWS:
            self._frame()
            if len(self._waiting) >= FLUSH_BYTES:
                self._write()

    def flush(self) -> None:
        """Write every row this process added (whole frames only ever reach the file)."""
        if self._pid != _PROCESS[0]:
            return
        self._frame()
        self._write()

    def close(self, *, write: bool = True) -> None:
        """Write what is waiting (unless ``write`` is false: the load failed) and close this process's file,
        if it wrote one (the in-process worker's; a forked one's closes as its process ends)."""
        try:
            if write and self._pid == _PROCESS[0]:
                self.flush()
        finally:
            if self._pid == _PROCESS[0] and self._fd is not None:
                os.close(self._fd)
            self._fd, self._rows, self._waiting = None, [], bytearray()

    def _own(self) -> None:
        pid = _PROCESS[0]
        if self._pid != pid:  # first call in this (forked) process: its own files, nothing inherited
            self._fd, self._pid, self._number, self._size = None, pid, 0, 0
            self._rows, self._waiting = [], bytearray()
            self._writer = self._ids.next()

    def _frame(self) -> None:
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        batch = build_table(self.columns, self.types, list(zip(*rows, strict=True)), self.seconds)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_table(batch)
        payload = sink.getvalue()
        self._waiting += _HEADER.pack(payload.size)
        self._waiting += memoryview(payload)

    def _write(self) -> None:
        if not self._waiting:
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
        path = self.directory / f"{self.name}-{self._writer}-{self._number:06d}.frames"
        self._fd, self._size = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), 0

    # -- in the writer ----------------------------------------------------------------------------------
    def _paths(self) -> list[Path]:
        return sorted(self.directory.glob(f"{self.name}-*.frames"), key=_order)

    def pending(self) -> int:
        """Bytes written and not read yet (whole frames or not)."""
        return sum(path.stat().st_size - self._offsets.get(path, 0) for path in self._paths())

    def read(self, limit: int) -> list[pa.RecordBatch]:
        """The whole frames not read yet, in each file's order, stopping after about ``limit`` bytes; a file
        read whole that its writer has left for a newer one is deleted."""
        found: list[pa.RecordBatch] = []
        taken = 0
        paths = self._paths()
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
                    found.extend(pa.ipc.open_stream(pa.py_buffer(payload)).read_all().to_batches())
                    offset += _HEADER.size + size
                    taken += _HEADER.size + size
                whole = offset == os.fstat(fh.fileno()).st_size
            writer, number = _order(path)
            if whole and number < newest[writer]:  # complete: its writer writes to a newer file now
                path.unlink()
                self._offsets.pop(path, None)
            else:
                self._offsets[path] = offset
        return found


def _order(path: Path) -> tuple[int, int]:
    """(writer, file number) of ``NAME-WRITER-NUMBER.frames``."""
    _, writer, number = path.stem.split("-")
    return int(writer), int(number)


#: The column a fold's rows carry their settlement's token in, before the writer drops it (a name no table
#: of the schema uses: :class:`FoldFrames` checks).
TOKEN = "__settlement"
_FOLD_TABLES = ("dossiers", "dossier_outcomes", "violations")


class FoldFrames:
    """The rows of each settlement's fold (``warehouse.projection.FoldRows``), one :class:`RowFrames` per
    table, each row with the settlement's token first. :meth:`add` returns the token; the writer keeps the
    rows of the tokens the engine reported (the last settlement of each dossier) and drops the column.
    ``seconds``: each table's, as :class:`RowFrames`'s."""

    def __init__(
        self,
        directory: Path,
        tables: Mapping[str, tuple[Sequence[str], dict[str, str]]],
        *,
        seconds: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        seconds = seconds or {}
        unknown = sorted(set(seconds) - set(_FOLD_TABLES))
        if unknown:  # a misspelt table would leave its instants given as seconds read as microseconds
            raise ValueError(f"no fold table {unknown}: seconds are for {_FOLD_TABLES}")
        self._ids = WriterIds()
        self.tables: dict[str, RowFrames] = {}
        for name in _FOLD_TABLES:
            columns, types = tables[name]
            if TOKEN in columns:
                raise ValueError(f"{name} has a column named {TOKEN}")
            token_types = {TOKEN: "Int64", **types}
            self.tables[name] = RowFrames(
                directory, name, (TOKEN, *columns), token_types, self._ids,
                seconds=seconds.get(name, ()),
            )  # fmt: skip
        self._pid = 0
        self._writer = 0
        self._count = 0

    def add(self, dossier: Sequence[Any] | None, outcomes: list[Any], violations: list[Any]) -> int:
        """Add one settlement's fold; returns its token, unique among every process's settlements."""
        pid = _PROCESS[0]
        if self._pid != pid:
            self._pid, self._writer, self._count = pid, self._ids.next(), 0
        self._count += 1
        token = self._writer << 32 | self._count
        dossiers, history, found = self.tables.values()
        if dossier is not None:
            dossiers.add([(token, *dossier)])
        history.add([(token, *row) for row in outcomes])
        found.add([(token, *row) for row in violations])
        return token

    def flush(self) -> None:
        for frames in self.tables.values():
            frames.flush()

    def close(self, *, write: bool = True) -> None:
        for frames in self.tables.values():
            frames.close(write=write)
