"""How a batch shard spools its per-dossier results for the parent process to collect.

A shard writes one record per settled dossier, ``[dossier_id, results, number of valid events]``, to a
temporary file; the parent reads them back once every shard is done (``BatchEngine._collect``). Two
encodings, because the jobs' results differ:

- :data:`JSON_LINES`: one orjson line per record. The audit's violations and the metrics' outcome rows are
  JSON-ready values already, and JSON is what they are printed as.
- :data:`PICKLE_FRAMES`: one pickle per record, for results JSON cannot carry (an export's rendered
  dossiers: bytes, and the objects they are built from). The files live in the engine's
  private temporary directory and are read only by the process that forked their writer, so nothing
  untrusted is ever unpickled.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import IO, Any, Protocol

import orjson

Record = list[Any]
"""``[dossier_id, results, number of valid events]``."""


class ResultsCodec(Protocol):
    """Writes records to a shard's results file, and reads them back in the order written."""

    def write(self, fh: IO[bytes], record: Record) -> None: ...

    def read(self, fh: IO[bytes]) -> Iterator[Record]: ...


class _JsonLines:
    def write(self, fh: IO[bytes], record: Record) -> None:
        fh.write(orjson.dumps(record))
        fh.write(b"\n")

    def read(self, fh: IO[bytes]) -> Iterator[Record]:
        for line in fh:
            record: Record = orjson.loads(line)
            yield record


class _PickleFrames:
    def write(self, fh: IO[bytes], record: Record) -> None:
        fh.write(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))

    def read(self, fh: IO[bytes]) -> Iterator[Record]:
        # A new unpickler per frame: one kept across frames would keep the previous frame's memo, and
        # each frame numbers its memo from zero (a back-reference would fetch an object of another record).
        while True:
            try:
                record: Record = pickle.load(fh)
            except EOFError:
                return
            yield record


JSON_LINES: ResultsCodec = _JsonLines()
PICKLE_FRAMES: ResultsCodec = _PickleFrames()

__all__ = ["JSON_LINES", "PICKLE_FRAMES", "Record", "ResultsCodec"]
