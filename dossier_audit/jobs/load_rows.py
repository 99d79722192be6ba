"""The pieces of ``warehouse load`` besides its orchestration (``dossier_audit.jobs.warehouse``): what a batch
worker computes for each dossier of the file, and the temporary files the load keeps until it judges.

A worker settles a dossier's lines into its valid events (the batch engine, exactly as for the audit),
pseudonymises them, hands their ``events`` rows (with their line numbers) to the writer at once
(``event_frames``), and folds them (``warehouse.projection.fold_rows``: the dossier's ``dossiers`` row,
outcome history and open violations). That fold is the one the warehouse would compute from the stored
events, because it *is* the same function on the same events, the pseudonymised ones ``events.raw`` holds;
but it is the dossier's fold only if the warehouse held no event of it before the load. A dossier it held
(``warehouse.stored_dossiers``, known to the workers, which are forked after it is read) is not folded by
its worker: the load folds it from everything stored, once its file is.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson

from dossier_audit.jobs.batch_options import EvaluateLines
from dossier_audit.jobs.event_frames import EventFrames
from inspections.rulebook import Auditor
from schemas.events import AnyEvent, to_json_dict
from schemas.pseudonym import Pseudonymiser
from warehouse.projection import FoldColumns, fold_rows
from warehouse.row_packing import pack, pack_fold, unpack_fold
from warehouse.store import event_row
from warehouse.stored_dossiers import StoredDossiers

#: Items per frame of the spool: one pickle per item would cost more than the items themselves.
_FRAME = 1_000


def row_builder(
    auditor: Auditor,
    pseudonymiser: Pseudonymiser,
    frames: EventFrames,
    stored_before: StoredDossiers,
    *,
    source: str,
    ingested_at: datetime,
    as_of: datetime,
    version: int,
) -> EvaluateLines:
    """The batch engine's ``evaluate_lines`` for a load. Writes the dossier's ``events`` rows to ``frames``
    and returns ``[(dossier_id, fold)]``: its fold packed and pickled (``warehouse.row_packing``), or
    ``None`` for a dossier in ``stored_before``. Runs in the workers (forked: the closure's auditor, key and
    stored dossiers come along; only rows travel back)."""

    def build(dossier_id: str, events: list[AnyEvent], line_numbers: list[int]) -> list[Any]:
        # Personal data leaves ingestion pseudonymised: the rows *and* the fold see the stored events.
        stored = [pseudonymiser.apply(event) for event in events]
        rows = [
            event_row(event, source, line_no, ingested_at)
            for event, line_no in zip(stored, line_numbers, strict=True)
        ]
        frames.write(dossier_id, pack("events", rows))
        if dossier_id in stored_before:
            return [(dossier_id, None)]
        fold = pack_fold(fold_rows(auditor, dossier_id, stored, as_of, version))
        return [(dossier_id, pickle.dumps(fold, pickle.HIGHEST_PROTOCOL))]

    return build


class _Frames:
    """A temporary file of items pickled a frame at a time, read back in order (any number of times)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._out: IO[bytes] | None = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._frame: list[Any] = []
        self.count = 0

    def add(self, item: Any) -> None:
        self._frame.append(item)
        self.count += 1
        if len(self._frame) >= _FRAME:
            self._dump()

    def close(self) -> None:
        if self._out is not None:
            self._dump()
            self._out.close()
            self._out = None

    def __iter__(self) -> Iterator[Any]:
        self.close()
        with open(self.path, "rb") as fh:
            while True:
                try:
                    frame: list[Any] = pickle.load(fh)
                except EOFError:
                    return
                yield from frame

    def _dump(self) -> None:
        if self._frame and self._out is not None:
            self._out.write(pickle.dumps(self._frame, protocol=pickle.HIGHEST_PROTOCOL))
            self._frame = []


class LoadSpool:
    """A private temporary directory (mode 0700: the rows hold pseudonyms, never clear applicants), deleted
    on exit, with what the load keeps until it judges: the folds of the dossiers the warehouse did not hold
    (as their workers pickled them), the ids of those it held, and the workers' event frames. Memory stays
    bounded by a frame whatever the file's size."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="dossier-audit-load-")
        folder = Path(self._dir.name)
        self._folds = _Frames(folder / "folds.pickle")
        self._stored = _Frames(folder / "stored.pickle")
        (folder / "events").mkdir()
        self.frames = EventFrames(folder / "events")

    def __enter__(self) -> LoadSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_fold(self, fold: bytes) -> None:
        """A new dossier's fold, as its worker pickled it."""
        self._folds.add(fold)

    def add_stored(self, dossier_id: str) -> None:
        """A dossier the warehouse held events of before the load."""
        self._stored.add(dossier_id)

    @property
    def folds(self) -> int:
        return int(self._folds.count)

    @property
    def stored(self) -> int:
        return int(self._stored.count)

    def read_folds(self) -> Iterator[FoldColumns]:
        """The folds added, in order, unpacked (nothing can be added after reading starts)."""
        for fold in self._folds:
            yield unpack_fold(pickle.loads(fold))

    def read_stored(self) -> Iterator[str]:
        """The stored dossiers added, in order."""
        return iter(self._stored)

    def close(self) -> None:
        self.frames.close()
        self._folds.close()
        self._stored.close()
        self._dir.cleanup()


def spool_lines(lines: Iterable[bytes | AnyEvent], path: Path) -> Path:
    """Write ``lines`` to ``path`` as JSONL: bytes as they are (a line break added when missing), an event
    as its contract JSON, unknown fields included. Returns ``path``."""
    with open(path, "wb") as out:
        for line in lines:
            if isinstance(line, bytes | bytearray | memoryview):
                data = bytes(line)
                out.write(data if data.endswith(b"\n") else data + b"\n")
            else:
                out.write(orjson.dumps(to_json_dict(line)) + b"\n")
    return path


def without(judge_at: dict[str, datetime], dossier_ids: Iterable[str]) -> dict[str, datetime]:
    """``judge_at`` less ``dossier_ids`` (streamed: the ids need not fit in memory)."""
    for dossier_id in dossier_ids:
        judge_at.pop(dossier_id, None)
    return judge_at
