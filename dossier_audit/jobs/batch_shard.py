"""One shard of the batch engine: pass 1 over the file, eviction of settled dossiers, pass 2 for the
dossiers a Bloom filter could not clear, and the settling of a dossier's raw lines into valid events.

See ``dossier_audit.jobs.batch_engine`` for the whole design.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import msgspec
import orjson
from rbloom import Bloom

from dossier_audit.jobs.batch_options import (
    BatchOptions,
    Evaluate,
    EvaluateLines,
    EventSink,
    IngestStats,
    RawKeeper,
)
from dossier_audit.jobs.batch_results import JSON_LINES, ResultsCodec
from schemas.dedup import conflict_rejection, same_content
from schemas.events import END_TYPES, AnyEvent, event_sort_key
from schemas.lines import (
    MAX_LINE_BYTES,
    LongLine,
    bounded_lines,
    is_blank_line,
    parse_line,
    skip_bom,
)
from schemas.timerange import in_range
from schemas.validation import Rejection


class ReadFailed(RuntimeError):
    """The input could not be read (an I/O error): one line naming it and the system's reason, exit 2
    (``cli.common.guarded``), not a traceback per worker (review). Not an ``OSError``: an error writing the
    spool (a full disk) or a callback's is no input's, and stays a worker failure with its traceback."""


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    """The input, open and past a leading byte-order mark (at the start of the file only; elsewhere it is
    an error in the line)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
        skip_bom(fh)
    except OSError as exc:
        raise ReadFailed(f"{path}: {exc.strerror or exc}") from None
    with fh:
        yield fh


def _read_lines(fh: IO[bytes], path: Path) -> Iterator[bytes]:
    """The input's lines (``schemas.lines.bounded_lines``); a read that fails is :class:`ReadFailed`."""
    try:
        yield from bounded_lines(fh)
    except OSError as exc:
        raise ReadFailed(f"{path}: {exc.strerror or exc}") from None


def _shard_of(dossier_id: str, workers: int) -> int:
    """The worker a dossier goes to: the same in every run. ``hash`` (salted per interpreter, shared only by
    forked workers) sent dossiers to other workers at each run, and what comes back in shard order (a file
    export's traces) changed with it: two exports of one file differed (review)."""
    return zlib.crc32(dossier_id.encode("utf-8", "surrogatepass")) % workers if workers > 1 else 0


_FINISHING = frozenset(END_TYPES - {"processed"})


class _Resident:
    """An open dossier: its raw lines by event id, in file order; times as epoch seconds."""

    __slots__ = ("deadline", "ended", "finished", "last_at", "lines")

    def __init__(self) -> None:
        self.lines: dict[str, list[tuple[int, bytes]]] = {}
        self.last_at = float("-inf")
        self.ended = False  # any end event: processed, returned, refused, suspended, withdrawn
        self.finished = False  # an end event after which no result remains to be returned
        self.deadline = float("inf")


class _Routing(msgspec.Struct):
    """The envelope fields that route a line, decoded without building the whole event."""

    dossier_id: str
    event_id: str
    occurred_at: datetime
    type: Any = ""


_decode_routing = msgspec.json.Decoder(_Routing).decode


def _route(raw: bytes) -> tuple[str, str, datetime, str] | None:
    """(dossier_id, event_id, occurred_at, type) of a line, or None when it is not a valid event.

    The fast path decodes only those fields; a line it cannot read is fully validated instead, so a valid
    event in an unusual spelling is still routed, and anything else is left for shard 0 to reject. A time
    outside the supported years is such a line too: it is rejected anyway, and must not move the watermark.
    An over-long line is not decoded at all, and a line nested too deep for msgspec (``RecursionError``)
    is left to the validator, which rejects it with its reason.
    """
    if len(raw) > MAX_LINE_BYTES or type(raw) is LongLine:  # the beginning of a longer line: never routed
        return _route_parsed(raw)  # rejected unread, unless only its line ending is over the cap
    try:
        r = _decode_routing(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        pass
    else:
        if r.occurred_at.tzinfo is not None and in_range(r.occurred_at):
            return r.dossier_id, r.event_id, r.occurred_at, r.type if isinstance(r.type, str) else ""
    return _route_parsed(raw)


def _route_parsed(raw: bytes) -> tuple[str, str, datetime, str] | None:
    parsed = parse_line(raw)
    if isinstance(parsed, Rejection):
        return None
    return parsed.dossier_id, parsed.event_id, parsed.occurred_at, parsed.type.value


class Shard:
    """Pass 1, eviction, and pass 2 for the dossiers of one shard; writes results and rejections to files."""

    def __init__(
        self,
        evaluate: Evaluate | None,
        options: BatchOptions,
        shard: int,
        workers: int,
        on_event: EventSink | None = None,
        *,
        evaluate_lines: EvaluateLines | None = None,
        codec: ResultsCodec = JSON_LINES,
        rejected_raw: RawKeeper | None = None,
    ) -> None:
        self.evaluate = evaluate
        self.evaluate_lines = evaluate_lines
        self.codec = codec
        self.rejected_raw = rejected_raw
        self.on_event = on_event
        self.options = options
        self.shard = shard
        self.workers = workers
        self.stats = IngestStats()

    def mine(self, dossier_id: str) -> bool:
        return _shard_of(dossier_id, self.workers) == self.shard

    # -- settling one dossier's lines into valid events -----------------------------------------------
    def _settle(
        self, copies: dict[str, list[tuple[int, bytes]]], rejections: IO[bytes] | None
    ) -> tuple[list[AnyEvent], dict[str, int] | None]:
        """Validate a dossier's lines: the first valid copy of each event id wins (file order). Returns the
        events in event-time order and, for ``evaluate_lines``, the line number of each by event id.

        ``rejections=None`` settles lines that were already counted: nothing is counted or recorded.
        """
        counted = rejections is not None
        stats = self.stats if counted else IngestStats()
        events: list[AnyEvent] = []
        lines: dict[str, int] | None = {} if self.evaluate_lines is not None else None
        for versions in copies.values():
            if len(versions) == 1:  # the common case: one copy of the event
                line_no, raw = versions[0]
                parsed = parse_line(raw, line_no=line_no)
                if isinstance(parsed, Rejection):
                    if rejections is not None:
                        self._reject(parsed, rejections)
                else:
                    events.append(parsed)
                    stats.valid += 1
                    if lines is not None:
                        lines[parsed.event_id] = line_no
                    if self.on_event is not None:
                        self.on_event(parsed, line_no)
                continue
            first: AnyEvent | None = None
            first_raw = b""
            for line_no, raw in versions:
                if first is not None and raw == first_raw:
                    stats.duplicates += 1
                    continue
                parsed = parse_line(raw, line_no=line_no)
                if isinstance(parsed, Rejection):
                    if rejections is not None:
                        self._reject(parsed, rejections)
                elif first is None:
                    first, first_raw = parsed, raw
                    events.append(parsed)
                    stats.valid += 1
                    if lines is not None:
                        lines[parsed.event_id] = line_no
                    if self.on_event is not None:
                        self.on_event(parsed, line_no)
                elif same_content(parsed, first):
                    stats.duplicates += 1
                elif rejections is not None:
                    self._reject(conflict_rejection(parsed, raw=raw, line_no=line_no), rejections)
        events.sort(key=event_sort_key)
        if events:  # each settlement, counted or not: the earliest of all is the same
            self.stats.saw(events[0].occurred_at, events[-1].occurred_at)
        return events, lines

    def _reject(self, rejection: Rejection, rejections: IO[bytes]) -> None:
        """Count a rejection and write it to this shard's file, its line as ``rejected_raw`` keeps it (none
        without one): the file is on disk until the command ends, and after it if the command is killed,
        so a clear applicant never goes there (review: the load scrubbed each line in the parent, once
        read back from here). Its bytes travel as Latin-1 text, which any bytes are, exactly."""
        self.stats.rejected[rejection.code] += 1
        kept = b""
        if self.rejected_raw is not None:
            kept = self.rejected_raw(rejection.raw.decode("utf-8", "replace").encode())
        record = [rejection.code, rejection.message, rejection.line_no, kept.decode("latin-1")]
        rejections.write(orjson.dumps(record))
        rejections.write(b"\n")

    def _finalise(
        self, dossier_id: str, settled: tuple[list[AnyEvent], dict[str, int] | None], results: IO[bytes]
    ) -> None:
        # Written even without valid events: a pass-2 record must replace whatever pass 1 wrote.
        events, lines = settled
        out: list[Any] = []
        if events and self.evaluate_lines is not None and lines is not None:
            out = self.evaluate_lines(dossier_id, events, [lines[event.event_id] for event in events])
        elif events and self.evaluate is not None:
            out = self.evaluate(dossier_id, events)
        self.codec.write(results, [dossier_id, out, len(events)])

    # -- pass 1 -----------------------------------------------------------------------------------------
    def run(self, path: Path, results: IO[bytes], rejections: IO[bytes], progress: Any = None) -> set[str]:
        """Pass 1 and pass 2; returns the dossiers whose pass-1 results (already in ``results``) are void."""
        opts = self.options
        residents: dict[str, _Resident] = {}
        heap: list[tuple[float, str]] = []
        evicted = Bloom(opts.expected_dossiers, opts.bloom_error_rate)
        seen_ids = Bloom(opts.expected_events, opts.bloom_error_rate)
        stragglers: set[str] = set()
        suspects: dict[str, int] = {}  # event id -> line number where it became suspect
        recheck: set[str] = set()
        watermark = float("-inf")
        horizon = opts.horizon.timestamp() if opts.horizon is not None else float("inf")
        short = opts.lateness.total_seconds()
        long = opts.lateness_unreturned.total_seconds()
        stats = self.stats
        workers, shard = self.workers, self.shard

        with _opened(path) as fh:
            line_no = 0
            for line_no, raw in enumerate(_read_lines(fh, path), 1):
                if progress is not None and line_no & 0xFFFF == 0:
                    progress(fh.tell())
                routed = _route(raw)
                if routed is None:
                    if is_blank_line(raw):
                        continue  # blank lines are ignored, not rejected
                    if self.shard == 0:  # unroutable lines belong to shard 0, which explains why
                        parsed = parse_line(raw, line_no=line_no)
                        if isinstance(parsed, Rejection):
                            self._reject(parsed, rejections)
                    continue
                dossier_id, event_id, at, kind = routed
                if workers > 1 and _shard_of(dossier_id, workers) != shard:
                    seen_ids.add(event_id)  # other shards' ids, to see cross-dossier reuse
                    continue
                resident = residents.get(dossier_id)
                if resident is None:
                    resident = residents[dossier_id] = _Resident()
                    stats.peak_residents = max(stats.peak_residents, len(residents))
                    if dossier_id in evicted:
                        stragglers.add(dossier_id)
                copies = resident.lines.get(event_id)
                if copies is not None:
                    copies.append((line_no, raw))
                else:
                    if event_id in suspects or event_id in seen_ids:
                        # Seen before, not in this dossier: another dossier's id, or a false positive.
                        suspects.setdefault(event_id, line_no)
                        recheck.add(dossier_id)
                    resident.lines[event_id] = [(line_no, raw)]
                seen_ids.add(event_id)

                ts = at.timestamp()
                ts = min(ts, horizon)
                resident.last_at = max(resident.last_at, ts)
                if kind in END_TYPES:
                    resident.ended = True
                    if kind in _FINISHING:
                        resident.finished = True
                watermark = max(watermark, ts)
                if resident.ended:
                    deadline = resident.last_at + (short if resident.finished else long)
                    if deadline != resident.deadline:
                        resident.deadline = deadline
                        heapq.heappush(heap, (deadline, dossier_id))
                while heap and heap[0][0] < watermark:
                    deadline, candidate = heapq.heappop(heap)
                    cand = residents.get(candidate)
                    if cand is None or cand.deadline != deadline:
                        continue  # stale entry: the dossier moved on or was already evicted
                    del residents[candidate]
                    evicted.add(candidate)
                    self._finish(candidate, cand, results, rejections, suspects)

        stats.lines = line_no
        for dossier_id, resident in residents.items():
            self._finish(dossier_id, resident, results, rejections, suspects)
        residents.clear()

        redo = stragglers | recheck
        stats.second_pass_dossiers = len(redo)
        if redo or suspects:
            self._second_pass(path, redo, suspects, results, rejections)
        return redo

    def _finish(
        self, dossier_id: str, resident: _Resident, results: IO[bytes], rejections: IO[bytes],
        suspects: dict[str, int],
    ) -> None:  # fmt: skip
        copies = resident.lines
        if suspects:
            # Copies of a suspect id from the line it became suspect on are settled (and counted) in pass 2.
            copies = {}
            for eid, versions in resident.lines.items():
                flagged = suspects.get(eid)
                kept = versions if flagged is None else [(n, r) for n, r in versions if n < flagged]
                if kept:
                    copies[eid] = kept
        self._finalise(dossier_id, self._settle(copies, rejections), results)

    # -- pass 2 -----------------------------------------------------------------------------------------
    def _second_pass(
        self, path: Path, redo: set[str], suspects: dict[str, int], results: IO[bytes], rejections: IO[bytes]
    ) -> None:
        """Re-read the file for the dossiers that need it and settle suspect event ids exactly."""
        stats = self.stats
        winners: dict[str, AnyEvent] = {}  # first valid version of each suspect id, in any dossier
        collected: dict[str, dict[str, list[tuple[int, bytes]]]] = {d: {} for d in redo}
        with _opened(path) as fh:
            for line_no, raw in enumerate(_read_lines(fh, path), 1):
                routed = None if is_blank_line(raw) else _route(raw)
                if routed is None:
                    continue
                dossier_id, event_id, _at, _kind = routed
                flagged_at = suspects.get(event_id)
                target = collected.get(dossier_id)
                if flagged_at is None:
                    if target is not None:
                        target.setdefault(event_id, []).append((line_no, raw))
                    continue
                parsed = parse_line(raw, line_no=line_no)
                mine = self.mine(dossier_id)
                if isinstance(parsed, Rejection):
                    if mine and line_no >= flagged_at:
                        self._reject(parsed, rejections)
                    continue
                winner = winners.get(event_id)
                if winner is None:
                    winners[event_id] = parsed
                    if mine and line_no >= flagged_at:
                        stats.valid += 1
                    if target is not None:
                        target.setdefault(event_id, []).append((line_no, raw))
                elif same_content(parsed, winner):
                    if mine and line_no >= flagged_at:
                        stats.duplicates += 1
                elif mine and line_no >= flagged_at:
                    self._reject(conflict_rejection(parsed, raw=raw, line_no=line_no), rejections)
        # Every line was already counted (in pass 1, or above for suspect ids): settle without counting.
        for dossier_id, copies in collected.items():
            self._finalise(dossier_id, self._settle(copies, None), results)


# -- the engine -------------------------------------------------------------------------------------------
