"""The chaos harness of issue 19: the stream path as an operator runs it, with workers killed at random.

A seeded run (:class:`ChaosConfig`) simulates a small province with ``dossier-audit simulate``, starts a
``worker sink`` (on a real ClickHouse server: chdb lets one process own a directory, so a sink and the
reading commands could not share one) and two ``worker detect`` as their own processes, and feeds the file
to ``dossier-audit ingest -`` through a pipe at a limited rate, so that the kills land during ingestion.
A plan drawn from ``random.Random(seed)`` SIGKILLs each worker (and, when asked, the ingest) at chosen
moments and restarts it after a chosen delay. Then every worker is stopped with SIGTERM and the stream is
drained as the runbook does: ``worker detect --until-idle --as-of T``, then ``worker sink --until-idle``.

The invariants (:meth:`ChaosRun.broken_invariants`), each reported by name with its evidence:

- ``ingest``: the file was delivered (the last ingest run exited 0);
- ``drain``: both ``--until-idle`` runs finished within their deadline and exited 0. Each runs with a
  ``--join-timeout`` shorter than its deadline; one that exits 2 with the stuck-group line is recovered as
  the operators' guide says ("A consumer group that never settles": the sink with ``--group-id NEW
  --from-group OLD``, the detector with a new ``--group-id``), at most ``drain_recoveries`` times per step,
  each run with its own deadline; the recoveries are counted in the report. A drain still stuck fails here;
- ``workers``: no worker exited by itself while it was meant to run;
- ``events``: the stored events (``events FINAL``) are exactly the file's valid events: same count, same
  event ids, none twice; and ``rejected_events`` holds exactly the file's bad lines (none, for a simulated
  file: a record the sink or a detector could not handle would show up there);
- ``violations``: the open violations stored (``dossier-audit violations --json``) are exactly the batch
  audit's (``dossier-audit audit FILE --as-of T --json``): the same keys (dossier, rule, triggering event)
  and the same content (times compared as instants: ``violations --json`` writes evidence times in UTC).

The report of a failing run carries the seed, the command that reproduces it, the timeline of kills and
restarts (and of the drain's recoveries), which side the violations went wrong on (what the detector
published on the violations topic against what the sink stored), and the tail of every process's log.

The harness is split by what it holds: ``chaos_plan`` (the configuration and the seeded plan),
``chaos_processes`` (the processes, the feeder and the timeline), ``chaos_checks`` (the observations and the
invariants) and this module (the run's phases and its report).
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.streams.chaos_checks import (
    Outcome,
    broken_invariants,
    by_key,
    describe_group,
    json_lines,
    parse_file,
    published_open_set,
)
from tests.streams.chaos_plan import INGEST, Action, ChaosConfig, plan_actions
from tests.streams.chaos_processes import Feeder, Process, Timeline, cli, summary_text
from warehouse import open_warehouse

#: The join deadline's setting (the detector takes it from the environment only).
JOIN_TIMEOUT_ENV = "DOSSIER_AUDIT_GROUP_JOIN_TIMEOUT_SECONDS"


class ChaosRun:
    """One seeded chaos run against a broker at ``bootstrap`` and a warehouse server at ``warehouse_url``."""

    def __init__(self, config: ChaosConfig, bootstrap: str, warehouse_url: str, directory: Path) -> None:
        self.config = config
        self.bootstrap = bootstrap
        self.url = warehouse_url
        self.dir = directory
        self.logs = directory / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.file = directory / "events.jsonl"
        self.timeline = Timeline()
        self.outcome = Outcome()
        self.actions: list[Action] = []
        self.seconds = 0.0
        self.processes: list[Process] = []
        self.aborted: str | None = None
        #: The workers between a planned kill and their restart.
        self.down: set[str] = set()
        st = self.session_args
        join = {JOIN_TIMEOUT_ENV: f"{config.worker_join_timeout:g}"}  # the sink's and the detectors'
        self.workers = {
            "sink": self._process("sink", "worker", "sink", "--warehouse", self.url, *st, env=join),
            "detect-a": self._process("detect-a", "worker", "detect", *st, env=join),
            "detect-b": self._process("detect-b", "worker", "detect", *st, env=join),
        }
        self.ingest = self._process(INGEST, "ingest", "-", stdin=True)

    @property
    def session_args(self) -> tuple[str, ...]:
        timeout = self.config.session_timeout
        return () if timeout is None else ("--session-timeout", f"{timeout:g}")

    def _process(
        self, name: str, *args: str, stdin: bool = False, env: dict[str, str] | None = None
    ) -> Process:
        kafka = ("--bootstrap-servers", self.bootstrap) if args[0] in {"worker", "ingest"} else ()
        work = self.dir / "work" / name
        process = Process(name, cli(*args, *kafka), work, self.logs, stdin=stdin, env=env)
        self.processes.append(process)
        return process

    # -- the phases -------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """The file, the warehouse schema and the batch audit (the expected answer)."""
        c = self.config
        self._run_once(
            "simulate", "simulate", "--out", str(self.file), "--seed", str(c.seed), "--dossiers",
            str(c.dossiers), "--start", c.start.isoformat(), "--weeks", str(c.weeks),
        )  # fmt: skip
        self._run_once("init", "warehouse", "init", "--warehouse", self.url)
        audit = self._run_once("audit", "audit", str(self.file), "--as-of", c.as_of, "--json")
        self.outcome.audit, twice = by_key(json_lines(audit))
        assert not twice, f"the batch audit lists {len(twice)} keys twice: {twice[:5]}"
        self.outcome.valid_ids, self.outcome.rejected_lines = parse_file(self.file)

    def _run_once(self, name: str, *args: str, timeout: float = 120.0) -> str:
        process = self._process(name, *args)
        process.start()
        code = process.wait(timeout)
        if code is None:
            process.kill()
        assert code == 0, f"`dossier-audit {' '.join(args[:2])}` failed ({code}):\n{process.tail()}"
        return process.output()

    def run(self) -> Outcome:
        """The chaos phase, the clean stop and the drain; then the observations. Every process is gone when
        this returns (or raises)."""
        started = time.monotonic()
        try:
            self.prepare()
            self._chaos()
            self._stop_workers()
            self._drain()
            self._observe()
        except Exception as exc:  # the harness itself failed: reported with the timeline so far
            self.aborted = "".join(traceback.format_exception(exc, limit=-4)).rstrip()
            self.timeline.note(f"HARNESS ERROR: {type(exc).__name__}: {exc}")
        finally:
            for process in self.processes:
                process.kill()
            self.seconds = time.monotonic() - started
        return self.outcome

    def _chaos(self) -> None:
        c = self.config
        lines = self.file.read_bytes().splitlines(keepends=True)
        ingest_seconds = len(lines) / c.rate
        self.actions = plan_actions(c, ingest_seconds)
        self.timeline = Timeline()
        self.timeline.note(f"plan: {len(lines)} lines at {c.rate:g}/s (~{ingest_seconds:.0f} s); "
                           f"{sum(a.kind == 'kill' for a in self.actions)} kills")  # fmt: skip
        for name, worker in self.workers.items():
            worker.start()
            self.timeline.note(f"start {name} (pid {worker.pid})")
        feeder = Feeder(lines, c.rate)
        self.ingest.start()
        self.timeline.note(f"start ingest (pid {self.ingest.pid}), feeding {c.rate:g} lines/s")
        pending = list(self.actions)
        t0 = self.timeline.t0  # the plan's moments count from here
        last = max((a.at for a in pending), default=0.0)
        deadline = t0 + ingest_seconds * (1 + c.ingest_kills) + last + c.ingest_grace
        ingest_down = False
        while True:
            now = time.monotonic() - t0
            while pending and pending[0].at <= now:
                action = pending.pop(0)
                ingest_down = self._act(action, feeder, ingest_down)
            self._watch()
            if not ingest_down:
                self._feed(feeder)
            if not pending and not ingest_down and self.ingest.returncode is not None:
                break
            if time.monotonic() > deadline:
                self.outcome.failures.append(
                    f"ingest: not finished {deadline - t0:.0f} s into the chaos phase "
                    f"(fed {feeder.position}/{len(lines)} lines of the current run)"
                )
                self.ingest.kill()
                self.timeline.note("chaos phase deadline passed: ingest killed")
                break
            time.sleep(0.05)
        code = self.ingest.wait(0)
        self.outcome.ingest_code = code
        summary = self.ingest.json_output()
        self.timeline.note(f"ingest run {self.ingest.runs} exited {code}: {summary}")
        if code != 0:
            self.outcome.failures.append(f"ingest: the last ingest run exited {code}")

    def _act(self, action: Action, feeder: Feeder, ingest_down: bool) -> bool:
        if action.target == INGEST:
            if action.kind == "kill":
                if self.ingest.returncode is not None:
                    self.timeline.note("ingest already finished: no kill")
                    return False
                pid = self.ingest.pid
                self.ingest.kill()
                self.timeline.note(
                    f"SIGKILL ingest (pid {pid}) after {feeder.position}/{len(feeder.lines)} lines fed"
                )
                return True
            if ingest_down:
                feeder.restart()
                self.ingest.start()
                self.timeline.note(f"restart ingest (pid {self.ingest.pid}): the whole file again")
            return False
        worker = self.workers[action.target]
        if action.kind == "kill":
            pid = worker.pid
            worker.kill()
            self.down.add(action.target)
            self.timeline.note(f"SIGKILL {action.target} (pid {pid}, run {worker.runs})")
        else:
            self.down.discard(action.target)
            worker.start()
            self.timeline.note(f"restart {action.target} (pid {worker.pid}, run {worker.runs})")
        return ingest_down

    def _watch(self) -> None:
        """A worker that exits by itself is a finding; it is restarted, as a restart policy would."""
        for name, worker in self.workers.items():
            code = worker.returncode
            if worker.runs and code is not None and name not in self.down:
                why = worker.last_error()
                self.outcome.unexpected_exits.append(
                    f"{name} run {worker.runs} exited by itself ({code})" + (f": {why}" if why else "")
                )
                self.timeline.note(f"{name} (pid {worker.pid}) EXITED BY ITSELF with {code}: restarted")
                worker.start()

    def _feed(self, feeder: Feeder) -> None:
        """Feed the ingest; close its input once the file is written. An ingest that died by itself is a
        finding; it is restarted on the whole file."""
        stdin = self.ingest.proc.stdin if self.ingest.proc is not None else None
        if stdin is None or stdin.closed:
            return
        try:
            feeder.feed(stdin)
            if feeder.done:
                stdin.close()
                self.timeline.note(f"ingest run {self.ingest.runs}: all {len(feeder.lines)} lines written")
        except (BrokenPipeError, OSError) as exc:
            code = self.ingest.wait(5)
            self.outcome.unexpected_exits.append(f"ingest run {self.ingest.runs} died ({code}, {exc})")
            self.timeline.note(f"ingest (pid {self.ingest.pid}) DIED with {code}: restarted, whole file")
            feeder.restart()
            self.ingest.start()

    def _stop_workers(self) -> None:
        """SIGTERM every worker, as an operator stops them before the drain."""
        for worker in self.workers.values():
            worker.terminate()
        self.timeline.note("SIGTERM to every worker")
        deadline = time.monotonic() + self.config.stop_timeout
        for name, worker in self.workers.items():
            code = worker.wait(max(0.0, deadline - time.monotonic()))
            if code is None:
                worker.kill()
                self.outcome.observations.append(
                    f"{name} did not stop within {self.config.stop_timeout:g} s of SIGTERM: killed"
                )
                self.timeline.note(
                    f"{name} still running {self.config.stop_timeout:g} s after SIGTERM: killed"
                )
            else:
                self.timeline.note(f"{name} stopped ({code}): {summary_text(worker.json_output())}")

    def _drain(self) -> None:
        """``worker detect --until-idle --as-of T``, then ``worker sink --until-idle``, each recovered from a
        stuck group as the operators' guide says ("A consumer group that never settles")."""
        c = self.config
        st = self.session_args
        detect = ("worker", "detect", "--until-idle", "--as-of", c.as_of, *st)
        sink = ("worker", "sink", "--warehouse", self.url, "--until-idle", *st)
        sink += ("--join-timeout", f"{c.drain_join_timeout:g}")
        self._drain_step("drain-detect", detect, "dossier-audit-detector")
        self._drain_step("drain-sink", sink, "dossier-audit-sink")

    def _drain_step(self, name: str, args: tuple[str, ...], group: str) -> None:
        """One ``--until-idle`` run, and up to ``drain_recoveries`` reruns in a new group while it exits 2
        with the stuck-group line; each run has its own deadline."""
        c = self.config
        kind = args[1]
        recovery: tuple[str, ...] = ()
        for attempt in range(c.drain_recoveries + 1):
            label = name if attempt == 0 else f"{name}-r{attempt}"
            self.timeline.note(describe_group(self.bootstrap, group))
            env = {JOIN_TIMEOUT_ENV: f"{c.drain_join_timeout:g}"}  # the detector has no --join-timeout
            process = self._process(label, *args, *recovery, env=env)
            process.start()
            command = " ".join(("worker", kind, "--until-idle", *recovery))
            self.timeline.note(f"{label}: `{command}` started (pid {process.pid})")
            code = process.wait(c.drain_timeout)
            self.outcome.drains[name] = code
            if code is None:
                self.timeline.note(f"{label}: STILL RUNNING after {c.drain_timeout:g} s; now "
                                   + describe_group(self.bootstrap, group))  # fmt: skip
                process.kill()
                self.timeline.note(f"{label}: killed")
                self.outcome.failures.append(
                    f"drain: `worker {kind} --until-idle` did not finish within {c.drain_timeout:g} s "
                    f"(a stuck group? see its log below){self._after_recoveries(attempt)}"
                )
                return
            self.timeline.note(f"{label}: exited {code}: {summary_text(process.json_output())}")
            stuck = process.stuck_group_line() if code == 2 else ""
            if not stuck:
                if code != 0:
                    self.outcome.failures.append(
                        f"drain: `worker {kind} --until-idle` exited {code}{self._after_recoveries(attempt)}"
                    )
                return
            if attempt == c.drain_recoveries:
                self.outcome.failures.append(
                    f"drain: `worker {kind} --until-idle` still in a stuck group after {attempt} "
                    f"recoveries: {stuck}"
                )
                return
            old, group = group, f"{group.removesuffix(f'-r{attempt}')}-r{attempt + 1}"
            recovery = ("--group-id", group, "--from-group", old) if kind == "sink" else ("--group-id", group)
            line = f"stuck group: recovery with {' '.join(recovery)}"
            self.timeline.note(f"{label}: {line}")
            self.outcome.recoveries.append(f"{label} {line}")

    @staticmethod
    def _after_recoveries(attempt: int) -> str:
        return f" (after {attempt} stuck-group recoveries)" if attempt else ""

    def _observe(self) -> None:
        o = self.outcome
        with open_warehouse(self.url) as wh:
            rows = wh.query("SELECT event_id, count() FROM events FINAL GROUP BY event_id")
            o.stored_ids = Counter({str(event_id): int(n) for event_id, n in rows})
            o.stored_final_count = int(wh.query("SELECT count() FROM events FINAL")[0][0])
            o.stored_rejected = int(wh.query("SELECT count() FROM rejected_events FINAL")[0][0])
        listed = self._run_once("violations", "violations", "--warehouse", self.url, "--json")
        o.stored_violations, o.stored_twice = by_key(json_lines(listed))
        try:
            o.published = published_open_set(self.bootstrap, "dossier-violations")
        except AssertionError as exc:
            o.observations.append(f"could not read the violations topic: {exc}")

    # -- the verdict ------------------------------------------------------------------------------------

    def broken_invariants(self) -> list[str]:
        return broken_invariants(self.outcome, self.aborted)

    def report(self, broken: Sequence[str], reproduce: str) -> str:
        o = self.outcome
        kills = sum(a.kind == "kill" for a in self.actions)
        head = [
            f"chaos run {self.config.describe()}: {'FAILED' if broken else 'passed'} in "
            f"{self.seconds:.0f} s, {len(o.recoveries)} stuck-group recoveries",
            f"reproduce: {reproduce}  (the seed fixes the file and the plan of kills; process timing varies)",
            f"{kills} kills; file {len(o.valid_ids)} valid events; stored {o.stored_final_count}; "
            f"open violations: audit {len(o.audit)}, stored {len(o.stored_violations)}, "
            f"published {len(o.published) if o.published is not None else '?'}",
        ]
        if broken:
            head.append("BROKEN INVARIANTS:")
            head += [f"- {b}" for b in broken]
        if o.observations:
            head.append("observations: " + "; ".join(o.observations))
        head.append(f"stuck-group recoveries of the drain: {len(o.recoveries)}")
        head += [f"- {line}" for line in o.recoveries]
        head.append("timeline (seconds since the chaos phase started):")
        head.append(self.timeline.render())
        if broken:
            head.append(f"logs: {self.logs}")
            head += [
                p.tail(30, head=10) if p.name.startswith("drain") else p.tail()
                for p in self.processes
                if p.runs and p.name not in _QUIET
            ]
        return "\n".join(head)


#: Set-up commands whose logs say nothing about a failure (they are checked where they run).
_QUIET = frozenset({"simulate", "init", "audit"})


@contextlib.contextmanager
def server_database(server: Any, name: str) -> Iterator[str]:
    """A fresh database on the test server ``server``; its URL (dropped afterwards)."""
    server.admin_execute(f"CREATE DATABASE {name}")
    try:
        yield server.url(name)
    finally:
        server.admin_execute(f"DROP DATABASE IF EXISTS {name}")
