"""The chaos run's processes: starting, killing and stopping them, feeding the ingest, and the timeline of
what happened when (issue 19; see ``tests/streams/chaos_support.py``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from streams.lifetime import tie_to_parent

PSEUDONYM_KEY = "k" * 32
#: Words of the line a worker logs when it gives up joining a stuck group (the sink's and the detector's).
STUCK_GROUP = "could not join consumer group"


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it if the test process dies."""
    tie_to_parent(signal.SIGKILL)


def cli(*args: str) -> list[str]:
    """A ``dossier-audit`` command line, run by this interpreter."""
    return [sys.executable, "-m", "dossier_audit", *args]


def cli_env(workdir: Path) -> dict[str, str]:
    """The environment of every process: none of the caller's settings, a fixed pseudonymisation key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_AUDIT_")}
    env.update({"DOSSIER_AUDIT_WORKDIR": str(workdir), "DOSSIER_AUDIT_PSEUDONYM_KEY": PSEUDONYM_KEY})
    return env


class Process:
    """One process of the run, in its own process group (a kill takes any child with it), its output in
    log files (no pipe to fill up); ``runs`` counts its starts, each with its own logs."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        workdir: Path,
        logs: Path,
        *,
        stdin: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.env = env or {}
        self.argv = list(argv)
        self.workdir = workdir
        self.logs = logs
        self.stdin = stdin
        self.runs = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def log_path(self, stream: str, run: int | None = None) -> Path:
        return self.logs / f"{self.name}.{run or self.runs}.{stream}"

    def start(self) -> None:
        assert not self.alive, f"{self.name} is already running"
        self.runs += 1
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path("out").open("wb") as out, self.log_path("err").open("wb") as err:
            self.proc = subprocess.Popen(
                self.argv,
                env=cli_env(self.workdir) | self.env,
                stdin=subprocess.PIPE if self.stdin else subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only calls prctl, safe before exec
            )
        if self.proc.stdin is not None:
            os.set_blocking(self.proc.stdin.fileno(), False)

    def kill(self) -> None:
        """SIGKILL its whole process group, and reap it."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    def terminate(self) -> None:
        if self.alive:
            assert self.proc is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it still runs after ``timeout`` seconds."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc is not None else None

    def output(self) -> str:
        path = self.log_path("out")
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def json_output(self) -> Any:
        """The last line of its standard output as JSON (the commands' summaries), or None."""
        lines = self.output().strip().splitlines()
        try:
            return orjson.loads(lines[-1]) if lines else None
        except orjson.JSONDecodeError:
            return None

    def errors(self) -> str:
        """The current run's stderr."""
        path = self.log_path("err")
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def last_error(self) -> str:
        """The last line of the current run's stderr that names an error (what made it exit), or ""."""
        found = [line.strip() for line in self.errors().splitlines() if "Error" in line or "error:" in line]
        return found[-1][:300] if found else ""

    def stuck_group_line(self) -> str:
        """The line of the current run's stderr saying it gave up joining its group (exit 2), or ""."""
        found = [line.strip() for line in self.errors().splitlines() if STUCK_GROUP in line]
        return found[-1][:400] if found else ""

    def tail(self, lines: int = 12, head: int = 0) -> str:
        """The last ``lines`` lines of each run's stderr (after its first ``head``), and of its stdout."""
        parts = []
        for run in range(1, self.runs + 1):
            for stream in ("out", "err"):
                path = self.log_path(stream, run)
                if not path.exists():
                    continue
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()
                if not text:
                    continue
                if stream == "out":
                    shown = text[-2:]
                elif len(text) > head + lines:
                    shown = [*text[:head], f"[… {len(text) - head - lines} lines …]", *text[-lines:]]
                else:
                    shown = text
                parts.append(f"  --- {self.name} run {run} ({stream}) ---")
                parts += [f"  {line[:400]}" for line in shown]
        return "\n".join(parts)


class Feeder:
    """Writes the file's lines to the ingest's standard input at ``rate`` lines per second, without ever
    blocking the caller (a stuck ingest stops taking bytes; the chaos phase's deadline catches it)."""

    def __init__(self, lines: Sequence[bytes], rate: float) -> None:
        self.lines = lines
        self.rate = rate
        self.position = 0
        self.pending = b""
        self.started = time.monotonic()

    def restart(self) -> None:
        """A new ingest run: the whole file again, from its first line."""
        self.position = 0
        self.pending = b""
        self.started = time.monotonic()

    @property
    def done(self) -> bool:
        return self.position >= len(self.lines) and not self.pending

    def feed(self, stdin: IO[bytes]) -> None:
        """Queue the lines now due and write what the pipe takes; BrokenPipeError if the reader died."""
        due = min(len(self.lines), int((time.monotonic() - self.started) * self.rate) + 1)
        if due > self.position:
            self.pending += b"".join(self.lines[self.position : due])
            self.position = due
        while self.pending:
            try:
                written = os.write(stdin.fileno(), self.pending)
            except BlockingIOError:
                return
            self.pending = self.pending[written:]


@dataclass
class Timeline:
    """What happened when, in seconds since the start of the run."""

    t0: float = field(default_factory=time.monotonic)
    entries: list[tuple[float, str]] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.entries.append((time.monotonic() - self.t0, text))

    def render(self) -> str:
        return "\n".join(f"  {t:7.2f} s  {text}" for t, text in self.entries)


def summary_text(summary: Any) -> str:
    """A worker's JSON summary (its last line of stdout), the counts that tell a run apart."""
    if not isinstance(summary, dict):
        return str(summary)
    keys = ("events", "duplicates", "messages", "violations", "opened", "retracted", "restored_partitions",
            "finalized_at", "batches", "retries")  # fmt: skip
    return ", ".join(f"{k}={summary[k]}" for k in keys if k in summary)
