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
import multiprocessing
import os
import signal
import stat
import sys
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

import orjson

from dossier_audit.jobs.batch_options import (
    BatchOptions,
    Evaluate,
    EvaluateLines,
    EventSink,
    IngestStats,
    ProgressSink,
    RawKeeper,
    RejectionSink,
    default_workers,
    stats_dict,
    stats_from,
)
from dossier_audit.jobs.batch_results import JSON_LINES, PICKLE_FRAMES, ResultsCodec
from dossier_audit.jobs.batch_shard import ReadFailed, Shard
from dossier_audit.jobs.spool_dirs import BATCH_SPOOL, spool_directory
from schemas.validation import Rejection
from streams.lifetime import tie_to_parent

__all__ = [
    "JSON_LINES",
    "PICKLE_FRAMES",
    "BatchEngine",
    "BatchOptions",
    "Evaluate",
    "EvaluateLines",
    "EventSink",
    "IngestStats",
    "ProgressSink",
    "ReadFailed",
    "RejectionSink",
    "ResultsCodec",
    "WorkersFailed",
    "default_workers",
]


class WorkersFailed(RuntimeError):
    """Batch workers ended without their results (killed, e.g. by the kernel out of memory, or failed):
    the command stops, and its command line says so in one line (``cli.common.guarded``), not a traceback
    (review)."""

    def __init__(self, exitcodes: dict[int, int | None]) -> None:
        self.exitcodes = exitcodes
        super().__init__(
            "stopped: "
            + "; ".join(f"batch worker {k} {_ended(code)}" for k, code in sorted(exitcodes.items()))
        )


def _ended(exitcode: int | None) -> str:
    """How a worker ended, from its exit code (negative: the signal that killed it)."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory?)" if -exitcode == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"failed (exit code {exitcode}; its error is above)"


class BatchEngine:
    """Run ``evaluate`` once per dossier of a JSONL file, streaming; see the module docstring.

    ``evaluate_lines`` instead of ``evaluate``: the same, also given each event's line number. ``codec``:
    how results travel from the workers to this process (``batch_results``). ``on_progress`` is called in
    this process, with the position worker 0 has read to: every 0.2 s while forked workers run, every
    65,536 lines in-process, and with the file's size once every worker has read it. ``on_shard_done`` is
    called where a shard ran (a forked worker, or this process), once it has evaluated its last dossier:
    to write out what ``evaluate`` buffered, as a forked worker ends without running exit handlers."""

    def __init__(
        self,
        evaluate: Evaluate | None,
        *,
        options: BatchOptions | None = None,
        on_rejection: RejectionSink | None = None,
        on_progress: ProgressSink | None = None,
        on_event: EventSink | None = None,
        evaluate_lines: EvaluateLines | None = None,
        codec: ResultsCodec = JSON_LINES,
        on_shard_done: Callable[[], None] | None = None,
        rejected_raw: RawKeeper | None = None,
    ) -> None:
        if evaluate is not None and evaluate_lines is not None:
            raise ValueError("give evaluate or evaluate_lines, not both")
        self.evaluate = evaluate
        self.evaluate_lines = evaluate_lines
        self.codec = codec
        self.on_shard_done = on_shard_done
        self.rejected_raw = rejected_raw
        self.options = options or BatchOptions()
        if on_event is not None and self.options.workers != 1:
            raise ValueError("on_event needs an in-process engine (workers=1)")
        self.on_rejection = on_rejection
        self.on_progress = on_progress
        self.on_event = on_event
        self.stats = IngestStats()

    def run(self, path: Path) -> Iterator[Any]:
        """Yield every dossier's results (flattened), each dossier exactly once; ``stats`` is final after.

        ``path`` must be a regular file: every worker reads it whole, and pass 2 reads it again, so a pipe
        would be split between readers and lose lines (``dossier_audit.cli.inputs`` spools one first).
        """
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ValueError(
                f"{path} is not a regular file; the batch engine reads its input more than once "
                "(copy a pipe or standard input to a file first)"
            )
        workers = max(1, self.options.workers)
        with spool_directory(BATCH_SPOOL) as outdir:
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
            if self.on_progress is not None:
                self.on_progress(os.stat(path).st_size)  # every worker has read the whole file
            for shard in range(workers):
                yield from self._collect(outdir, shard)

    def _run_shard(self, path: Path, shard: int, workers: int, outdir: Path, progress: Any) -> None:
        worker = Shard(
            self.evaluate, self.options, shard, workers, self.on_event,
            evaluate_lines=self.evaluate_lines, codec=self.codec, rejected_raw=self.rejected_raw,
        )  # fmt: skip
        with (
            open(outdir / f"{shard}.results", "wb") as results,
            open(outdir / f"{shard}.rejections", "wb") as rej,
        ):
            redo = worker.run(path, results, rej, progress)
        if self.on_shard_done is not None:
            self.on_shard_done()
        (outdir / f"{shard}.meta").write_bytes(
            orjson.dumps({"stats": stats_dict(worker.stats), "redo": sorted(redo)})
        )

    def _run_forked(self, path: Path, workers: int, outdir: Path) -> None:
        ctx = multiprocessing.get_context("fork")
        position = ctx.Value("q", 0)

        def tick(pos: int) -> None:
            position.value = pos

        parent = os.getpid()
        procs = [
            ctx.Process(
                target=self._child,
                args=(path, k, workers, outdir, tick if k == 0 else None, parent),
                daemon=True,
            )
            for k in range(workers)
        ]
        try:
            for p in procs:  # inside: a failed start (EAGAIN, ENOMEM) still stops the ones already started
                p.start()
            running = {p.sentinel for p in procs}
            while running:
                if self.on_progress is not None:
                    self.on_progress(position.value)
                # Woken by a worker's end, not only by the progress tick: a fixed 0.2 s sleep made every
                # run of a small file wait for it (3.6 s of a 12.6 s warehouse test's 18 loads).
                running.difference_update(wait(list(running), timeout=0.2))
        except BaseException:  # e.g. a progress callback's error, Ctrl-C: the workers' work is lost anyway
            for p in procs:
                if p.is_alive():
                    p.terminate()
            raise
        finally:
            for p in procs:
                if p.pid is not None:  # started
                    p.join()
        failed = {k: p.exitcode for k, p in enumerate(procs) if p.exitcode != 0}
        for k in sorted(failed):  # a worker that could not read (or write) says why, in one line
            said = outdir / f"{k}.error"
            if said.exists():
                raise ReadFailed(said.read_text(encoding="utf-8", errors="replace"))
        if failed:
            raise WorkersFailed(failed)

    def _child(self, path: Path, shard: int, workers: int, outdir: Path, progress: Any, parent: int) -> None:
        # Its results go to that process only: a worker outliving it would read on for nothing.
        tie_to_parent(signal.SIGKILL, parent)
        # The parent alone answers a stop and ends its workers (``terminate``: SIGTERM). Forked, a worker
        # inherited the parent's handlers (``dossier_audit.interrupts``: SIGTERM raises KeyboardInterrupt),
        # so that each printed a traceback when stopped; and a terminal's Ctrl-C reaches every process of
        # its group, the workers too. A hang-up the command ignores (``nohup``) stays ignored: reset, it
        # ended the workers of a nohup'd audit when its terminal closed (review).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self._run_shard(path, shard, workers, outdir, progress)
        except ReadFailed as exc:  # the parent says it, once: each worker printed a traceback (review)
            (outdir / f"{shard}.error").write_text(str(exc) or f"{path}: unreadable", encoding="utf-8")
            sys.exit(3)

    def _collect(self, outdir: Path, shard: int) -> Iterator[Any]:
        meta = orjson.loads((outdir / f"{shard}.meta").read_bytes())
        part = stats_from(meta["stats"])
        if self.on_rejection is not None:
            with open(outdir / f"{shard}.rejections", "rb") as fh:
                for line in fh:
                    code, message, line_no, raw = orjson.loads(line)
                    self.on_rejection(Rejection(code, message, line_no, raw.encode("latin-1")))
        redo = set(meta["redo"])
        recomputed: dict[str, tuple[list[Any], int]] = {}
        dossiers = 0
        with open(outdir / f"{shard}.results", "rb") as fh:
            for dossier_id, results, n_events in self.codec.read(fh):
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
