"""The pieces of ``warehouse load`` besides its orchestration (``dossier_audit.jobs.warehouse``): what a batch
worker computes for each dossier of the file, and the temporary files the load keeps until it judges.

A worker settles a dossier's lines into its valid events (the batch engine, exactly as for the audit),
pseudonymises them, hands their ``events`` rows (with their line numbers) to the writer as it goes (a frame of
rows at a time, ``row_frames``), and folds them (``warehouse.projection.fold_rows``: the dossier's
``dossiers`` row, outcome history and open violations), whose rows go to the fold frames under a token that
the engine returns as the dossier's result. That fold is the one the warehouse would compute from the stored
events, because it *is* the same function on the same events, the pseudonymised ones ``events.raw`` holds; but
it is the dossier's fold only if the warehouse held no event of it before the load. A dossier it held
(``warehouse.stored_dossiers``, known to the workers, which are forked after it is read) is folded too, and
its worker also returns what the load needs to keep that fold (:class:`StoredFold`): once the file is stored,
a dossier whose stored events are all, and only, the ones this load wrote (a file loaded again, the weeks so
far loaded each week) keeps it, with its earlier rows emptied or retracted as a re-fold would; any other is
folded from everything stored.
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, NamedTuple

import orjson

from dossier_audit.jobs.batch_options import EvaluateLines
from dossier_audit.jobs.row_frames import FoldFrames, RowFrames
from dossier_audit.jobs.spool_dirs import LOAD_SPOOL, SpoolDirectory
from inspections.rulebook import Auditor
from schemas.events import AnyEvent, to_json_dict
from schemas.pseudonym import Pseudonymiser
from warehouse.backends.arrow_columns import epoch_seconds
from warehouse.event_rows import EVENT_COLUMNS, EVENT_SECONDS, event_row
from warehouse.projection import fold_rows
from warehouse.store import (
    DOSSIER_COLUMNS,
    DOSSIER_KEYS,
    DOSSIER_RECEIVED_ON,
    OUTCOME_COLUMNS,
    OUTCOME_SECONDS,
    VIOLATION_COLUMNS,
)
from warehouse.stored_dossiers import StoredDossiers


def row_builder(
    auditor: Auditor,
    pseudonymiser: Pseudonymiser,
    spool: LoadSpool,
    stored_before: StoredDossiers,
    *,
    source: str,
    ingested_at: datetime,
    as_of: datetime,
    version: int,
) -> EvaluateLines:
    """The batch engine's ``evaluate_lines`` for a load. Adds the dossier's ``events`` rows to the spool's
    event frames (to its held ones for a dossier in ``stored_before``: ``load_conflicts``) and its fold to
    its fold frames; returns ``[(dossier_id, token, events)]``, the fold's token and the number of the
    dossier's events, and for a dossier in ``stored_before``
    ``[(dossier_id, token, events, received_on, keys, open)]``: what :class:`StoredFold` holds. Runs in
    the workers (forked: the closure's auditor, key and stored dossiers come along; only rows travel
    back)."""
    events_out, held_out, folds_out = spool.events, spool.held, spool.folds
    # The events' instants go to their frames as epoch seconds (``LoadSpool``): the ingestion time's is
    # converted once, as its column would.
    ingested = epoch_seconds(events_out.types["ingested_at"], ingested_at)
    if ingested is None:
        raise ValueError("a load's rows need the time they are ingested at")

    def build(dossier_id: str, events: list[AnyEvent], line_numbers: list[int]) -> list[Any]:
        # Personal data leaves ingestion pseudonymised: the rows *and* the fold see the stored events.
        stored = [pseudonymiser.apply(event) for event in events]
        held = dossier_id in stored_before  # its rows wait for the comparison with the stored ones
        (held_out if held else events_out).add(
            [
                event_row(event, source, line_no, ingested, seconds=True)
                for event, line_no in zip(stored, line_numbers, strict=True)
            ]
        )
        fold = fold_rows(auditor, dossier_id, stored, as_of, version, seconds=True)
        token = folds_out.add(fold.dossier, fold.outcomes, fold.violations)
        if not held:
            return [(dossier_id, token, len(stored))]
        row = fold.dossier
        received_on = row[DOSSIER_RECEIVED_ON] if row is not None else None
        return [(
            dossier_id, token, len(stored), received_on.toordinal() if received_on is not None else None,
            row[DOSSIER_KEYS] if row is not None else [], [[v[1], v[2]] for v in fold.violations],
        )]  # fmt: skip

    return build


class StoredFold(NamedTuple):
    """What a worker returns for a dossier the warehouse held before the load: its fold's token, how many
    events the load stored of it, and what the fold's rows say that the dossier's earlier rows are checked
    against (``warehouse.projection.stale_keys`` and ``retractions``): its history's receive day (an ordinal,
    ``None`` without history) and keys, and the keys ``(rule_id, event_id)`` of its open violations."""

    dossier_id: str
    token: int
    events: int
    received_on: int | None
    keys: list[int]
    open: list[list[str]]


#: Items per frame of the spool: one pickle per item would cost more than the items themselves.
_FRAME = 1_000


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
    on exit (``spool_dirs``: or by a later load, if this one is killed), with what the load keeps until it
    judges: the workers' event and fold frames, the dossiers the warehouse did not hold with their folds'
    tokens, and those it held with what :class:`StoredFold` keeps of their folds. ``types``: each table's
    column types (``arrow_columns.column_types``), read before the workers fork. Memory stays bounded by a
    frame, and a few integers per new dossier (its token, kept and sorted once the load judges), whatever
    the file's size."""

    def __init__(self, types: dict[str, dict[str, str]]) -> None:
        # Instants as epoch seconds where the load's row builders give them so (``row_builder``).
        tables = {
            "dossiers": (DOSSIER_COLUMNS, types["dossiers"]),
            "dossier_outcomes": (OUTCOME_COLUMNS, types["dossier_outcomes"]),
            "violations": (VIOLATION_COLUMNS, types["violations"]),
        }
        # Deleted by close(), or by a later command's sweep if this load is killed.
        self._dir = SpoolDirectory(LOAD_SPOOL)
        try:
            rows = self._dir.path / "rows"
            rows.mkdir()
            self.events = RowFrames(rows, "events", EVENT_COLUMNS, types["events"], seconds=EVENT_SECONDS)
            # The event rows of dossiers the warehouse held before the load: stored once compared with what
            # it holds (``load_conflicts``).
            self.held = RowFrames(rows, "held", EVENT_COLUMNS, types["events"], seconds=EVENT_SECONDS)
            self.folds = FoldFrames(rows, tables, seconds={"dossier_outcomes": OUTCOME_SECONDS})
            self._new = _Frames(self._dir.path / "new.pickle")
            self._stored = _Frames(self._dir.path / "stored.pickle")
        except BaseException:
            self._dir.close()
            raise
        self.tokens = array("q")

    def __enter__(self) -> LoadSpool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(write=kind is None)

    def flush(self) -> None:
        """Write the frames this process added (the engine's ``on_shard_done``)."""
        self.events.flush()
        self.held.flush()
        self.folds.flush()

    def add_new(self, dossier_id: str, token: int) -> None:
        """A dossier the warehouse held no event of, and its last settlement's fold token."""
        self._new.add(dossier_id)
        self.tokens.append(token)

    def add_stored(self, fold: StoredFold) -> None:
        """A dossier the warehouse held events of before the load, and its last settlement's fold."""
        self._stored.add(tuple(fold))

    @property
    def new(self) -> int:
        return int(self._new.count)

    @property
    def stored(self) -> int:
        return int(self._stored.count)

    def read_new(self) -> Iterator[tuple[str, int]]:
        """The new dossiers added, in order, with their tokens."""
        return zip(self._new, self.tokens, strict=True)

    def read_stored(self) -> Iterator[StoredFold]:
        """The stored dossiers added, in order, with their folds."""
        return (StoredFold(*item) for item in self._stored)

    def close(self, *, write: bool = True) -> None:
        """Close every file and delete the directory; ``write=False`` (the load failed) writes nothing
        more first."""
        try:
            self.events.close(write=write)
            self.held.close(write=write)
            self.folds.close(write=write)
            self._new.close()
            self._stored.close()
        finally:
            self._dir.close()


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
