"""Streaming batch engine: group a JSONL file's events by dossier, evaluate each dossier once, exactly.

Memory is bounded by the number of *open* dossiers, not by the file size:

- residents keep their events as the raw lines (bytes: small, and invisible to the cyclic garbage collector);
  a line is validated against the contract when its dossier is evaluated;
- a dossier that has ended and has seen no event for ``lateness`` of event time (the file's highest
  ``occurred_at`` so far) is evaluated and evicted; its results are spooled to a temporary file;
- fixed-size Bloom filters remember evicted dossiers and seen event ids. An event for an evicted dossier
  (a *straggler*) or an event id that may have been seen in another dossier (a *suspect*: a possible
  cross-dossier duplicate or conflict) is resolved exactly by a second read of the file, restricted to the
  dossiers concerned. Bloom false positives only cost that extra work, never a wrong answer.

With ``workers > 1`` the dossiers are split by a hash of their id across forked processes; every worker
reads the whole file (cheaply, to see every event id) but validates and evaluates only its own dossiers.

The results are identical to grouping the whole file in memory, whatever the file's order and the number
of workers: the first valid version of an ``event_id`` (in file order) wins; a later identical one is a
duplicate, a later different one a conflict (rejected).
"""

from __future__ import annotations

import gc
import heapq
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import msgspec
import orjson
from rbloom import Bloom

from schemas.dedup import conflict_rejection
from schemas.events import END_TYPES, AnyEvent, event_sort_key
from schemas.validation import Rejection, parse_event

Evaluate = Callable[[str, list[AnyEvent]], list[Any]]
"""Per-dossier evaluation: (dossier id, its deduplicated valid events in time order) → JSON-ready results."""

RejectionSink = Callable[[Rejection], None]
ProgressSink = Callable[[int], None]
EventSink = Callable[[AnyEvent, int], None]
"""Called with each accepted event and its line number (in-process engines only; a dossier settled twice
because of a second pass reports its events twice — sinks must be idempotent)."""


@dataclass(slots=True)
class IngestStats:
    """What reading the file found: valid, duplicate and rejected events (by reason code)."""

    lines: int = 0
    valid: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    dossiers: int = 0
    second_pass_dossiers: int = 0
    #: The most dossiers held in memory at once by one worker (the engine's memory bound).
    peak_residents: int = 0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def merge(self, other: IngestStats) -> None:
        self.lines = max(self.lines, other.lines)
        self.valid += other.valid
        self.duplicates += other.duplicates
        self.rejected.update(other.rejected)
        self.dossiers += other.dossiers
        self.second_pass_dossiers += other.second_pass_dossiers
        self.peak_residents = max(self.peak_residents, other.peak_residents)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "valid": self.valid,
            "duplicates": self.duplicates,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "dossiers": self.dossiers,
        }


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """Tuning of the engine; none of these change results, only memory and speed."""

    #: How long (event time) a finished dossier (returned, refused, suspended, withdrawn) stays in memory
    #: waiting for late events.
    lateness: timedelta = timedelta(days=2)
    #: The same for a processed dossier whose result has not been returned yet (the return may follow).
    lateness_unreturned: timedelta = timedelta(days=30)
    #: The watermark never passes this instant (e.g. the audit's ``as_of``): a typo far in the future
    #: must not evict every dossier.
    horizon: datetime | None = None
    workers: int = 1
    expected_events: int = 16_000_000
    expected_dossiers: int = 4_000_000
    bloom_error_rate: float = 0.01


def default_workers() -> int:
    """One worker per core, at most 4 (each reads the whole file)."""
    return max(1, min(4, os.cpu_count() or 1))


def _shard_of(dossier_id: str, workers: int) -> int:
    # str hashes are salted per interpreter, but forked workers share their parent's salt.
    return hash(dossier_id) % workers if workers > 1 else 0


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
    event in an unusual spelling is still routed, and anything else is left for shard 0 to reject.
    """
    try:
        r = _decode_routing(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass
    else:
        if r.occurred_at.tzinfo is not None:
            return r.dossier_id, r.event_id, r.occurred_at, r.type if isinstance(r.type, str) else ""
    parsed = parse_event(raw)
    if isinstance(parsed, Rejection):
        return None
    return parsed.dossier_id, parsed.event_id, parsed.occurred_at, parsed.type.value


class _Shard:
    """Pass 1, eviction, and pass 2 for the dossiers of one shard; writes results and rejections to files."""

    def __init__(
        self,
        evaluate: Evaluate | None,
        options: BatchOptions,
        shard: int,
        workers: int,
        on_event: EventSink | None = None,
    ) -> None:
        self.evaluate = evaluate
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
    ) -> list[AnyEvent]:
        """Validate a dossier's lines: the first valid copy of each event id wins (file order).

        ``rejections=None`` settles lines that were already counted: nothing is counted or recorded.
        """
        counted = rejections is not None
        stats = self.stats if counted else IngestStats()
        events: list[AnyEvent] = []
        for versions in copies.values():
            if len(versions) == 1:  # the common case: one copy of the event
                line_no, raw = versions[0]
                parsed = parse_event(raw, line_no=line_no)
                if isinstance(parsed, Rejection):
                    if rejections is not None:
                        self._reject(parsed, rejections)
                else:
                    events.append(parsed)
                    stats.valid += 1
                    if self.on_event is not None:
                        self.on_event(parsed, line_no)
                continue
            first: AnyEvent | None = None
            first_raw = b""
            for line_no, raw in versions:
                if first is not None and raw == first_raw:
                    stats.duplicates += 1
                    continue
                parsed = parse_event(raw, line_no=line_no)
                if isinstance(parsed, Rejection):
                    if rejections is not None:
                        self._reject(parsed, rejections)
                elif first is None:
                    first, first_raw = parsed, raw
                    events.append(parsed)
                    stats.valid += 1
                    if self.on_event is not None:
                        self.on_event(parsed, line_no)
                elif parsed == first:
                    stats.duplicates += 1
                elif rejections is not None:
                    self._reject(conflict_rejection(parsed, raw=raw, line_no=line_no), rejections)
        events.sort(key=event_sort_key)
        return events

    def _reject(self, rejection: Rejection, rejections: IO[bytes]) -> None:
        self.stats.rejected[rejection.code] += 1
        rejections.write(
            orjson.dumps(
                [
                    rejection.code,
                    rejection.message,
                    rejection.line_no,
                    rejection.raw.decode("utf-8", "replace"),
                ]
            )
        )
        rejections.write(b"\n")

    def _finalise(self, dossier_id: str, events: list[AnyEvent], results: IO[bytes]) -> None:
        # Written even without valid events: a pass-2 record must replace whatever pass 1 wrote.
        out = self.evaluate(dossier_id, events) if self.evaluate is not None and events else []
        results.write(orjson.dumps([dossier_id, out, len(events)]))
        results.write(b"\n")

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

        with open(path, "rb") as fh:
            line_no = 0
            for line_no, raw in enumerate(fh, 1):
                if progress is not None and line_no & 0xFFFF == 0:
                    progress(fh.tell())
                routed = _route(raw)
                if routed is None:
                    if not raw.strip():
                        continue  # blank lines are ignored, not rejected
                    if self.shard == 0:  # unroutable lines belong to shard 0, which explains why
                        parsed = parse_event(raw, line_no=line_no)
                        if isinstance(parsed, Rejection):
                            self._reject(parsed, rejections)
                    continue
                dossier_id, event_id, at, kind = routed
                if workers > 1 and hash(dossier_id) % workers != shard:
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
        events = self._settle(copies, rejections)
        self._finalise(dossier_id, events, results)

    # -- pass 2 -----------------------------------------------------------------------------------------
    def _second_pass(
        self, path: Path, redo: set[str], suspects: dict[str, int], results: IO[bytes], rejections: IO[bytes]
    ) -> None:
        """Re-read the file for the dossiers that need it and settle suspect event ids exactly."""
        stats = self.stats
        winners: dict[str, AnyEvent] = {}  # first valid version of each suspect id, in any dossier
        collected: dict[str, dict[str, list[tuple[int, bytes]]]] = {d: {} for d in redo}
        with open(path, "rb") as fh:
            for line_no, raw in enumerate(fh, 1):
                routed = _route(raw) if raw.strip() else None
                if routed is None:
                    continue
                dossier_id, event_id, _at, _kind = routed
                flagged_at = suspects.get(event_id)
                target = collected.get(dossier_id)
                if flagged_at is None:
                    if target is not None:
                        target.setdefault(event_id, []).append((line_no, raw))
                    continue
                parsed = parse_event(raw, line_no=line_no)
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
                elif parsed == winner:
                    if mine and line_no >= flagged_at:
                        stats.duplicates += 1
                elif mine and line_no >= flagged_at:
                    self._reject(conflict_rejection(parsed, raw=raw, line_no=line_no), rejections)
        # Every line was already counted (in pass 1, or above for suspect ids): settle without counting.
        for dossier_id, copies in collected.items():
            self._finalise(dossier_id, self._settle(copies, None), results)


# -- the engine -------------------------------------------------------------------------------------------
class BatchEngine:
    """Run ``evaluate`` once per dossier of a JSONL file, streaming; see the module docstring."""

    def __init__(
        self,
        evaluate: Evaluate | None,
        *,
        options: BatchOptions | None = None,
        on_rejection: RejectionSink | None = None,
        on_progress: ProgressSink | None = None,
        on_event: EventSink | None = None,
    ) -> None:
        self.evaluate = evaluate
        self.options = options or BatchOptions()
        if on_event is not None and self.options.workers != 1:
            raise ValueError("on_event needs an in-process engine (workers=1)")
        self.on_rejection = on_rejection
        self.on_progress = on_progress
        self.on_event = on_event
        self.stats = IngestStats()

    def run(self, path: Path) -> Iterator[Any]:
        """Yield every dossier's results (flattened), each dossier exactly once; ``stats`` is final after."""
        workers = max(1, self.options.workers)
        with tempfile.TemporaryDirectory(prefix="dossier-audit-batch-") as tmp:
            outdir = Path(tmp)
            # The residents hold no reference cycles; the cyclic collector would only rescan them.
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                if workers == 1:
                    self._run_shard(path, 0, 1, outdir, self.on_progress)
                else:
                    self._run_forked(path, workers, outdir)
            finally:
                if gc_was_enabled:
                    gc.enable()
            for shard in range(workers):
                yield from self._collect(outdir, shard)

    def _run_shard(self, path: Path, shard: int, workers: int, outdir: Path, progress: Any) -> None:
        worker = _Shard(self.evaluate, self.options, shard, workers, self.on_event)
        with (
            open(outdir / f"{shard}.results", "wb") as results,
            open(outdir / f"{shard}.rejections", "wb") as rej,
        ):
            redo = worker.run(path, results, rej, progress)
        (outdir / f"{shard}.meta").write_bytes(
            orjson.dumps({"stats": _stats_dict(worker.stats), "redo": sorted(redo)})
        )

    def _run_forked(self, path: Path, workers: int, outdir: Path) -> None:
        ctx = multiprocessing.get_context("fork")
        position = ctx.Value("q", 0)

        def tick(pos: int) -> None:
            position.value = pos

        procs = [
            ctx.Process(
                target=self._child, args=(path, k, workers, outdir, tick if k == 0 else None), daemon=True
            )
            for k in range(workers)
        ]
        for p in procs:
            p.start()
        try:
            while any(p.is_alive() for p in procs):
                if self.on_progress is not None:
                    self.on_progress(position.value)
                time.sleep(0.2)
        finally:
            for p in procs:
                p.join()
        failed = [k for k, p in enumerate(procs) if p.exitcode != 0]
        if failed:
            raise RuntimeError(f"batch worker(s) {failed} failed; see the error output above")

    def _child(self, path: Path, shard: int, workers: int, outdir: Path, progress: Any) -> None:
        self._run_shard(path, shard, workers, outdir, progress)

    def _collect(self, outdir: Path, shard: int) -> Iterator[Any]:
        meta = orjson.loads((outdir / f"{shard}.meta").read_bytes())
        part = _stats_from(meta["stats"])
        if self.on_rejection is not None:
            with open(outdir / f"{shard}.rejections", "rb") as fh:
                for line in fh:
                    code, message, line_no, raw = orjson.loads(line)
                    self.on_rejection(Rejection(code, message, line_no, raw.encode()))
        redo = set(meta["redo"])
        recomputed: dict[str, tuple[list[Any], int]] = {}
        dossiers = 0
        with open(outdir / f"{shard}.results", "rb") as fh:
            for record in fh:
                dossier_id, results, n_events = orjson.loads(record)
                if dossier_id in redo:
                    # Written by pass 1 (void) and again by pass 2 (final): the last one counts.
                    recomputed[dossier_id] = (results, n_events)
                    continue
                dossiers += n_events > 0
                yield from results
        for results, n_events in recomputed.values():
            dossiers += n_events > 0
            yield from results
        part.dossiers = dossiers
        self.stats.merge(part)


def _stats_dict(stats: IngestStats) -> dict[str, Any]:
    return {"lines": stats.lines, "valid": stats.valid, "duplicates": stats.duplicates,
            "rejected": dict(stats.rejected), "second_pass": stats.second_pass_dossiers,
            "peak_residents": stats.peak_residents}  # fmt: skip


def _stats_from(data: dict[str, Any]) -> IngestStats:
    return IngestStats(data["lines"], data["valid"], data["duplicates"], Counter(data["rejected"]), 0,
                       data["second_pass"], data["peak_residents"])  # fmt: skip
