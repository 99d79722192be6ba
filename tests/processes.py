"""Child processes in tests that stop a command by signal: its descendants and whether they live, and
starting one with the signals as a terminal leaves them (tests/dossier_audit/test_main_job.py,
test_interrupts.py)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The signals a terminal leaves at their default action, unblocked, to a command it starts.
TERMINAL_SIGNALS = {signal.SIGINT, signal.SIGHUP}


def children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def command_line(pid: int) -> str:
    """What a process runs, to name a stray one (its state too: a zombie is no stray)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "(gone)"
    return f"{command.strip()[:200]} [{state}]"


@contextmanager
def as_from_a_terminal() -> Iterator[None]:
    """While a child is started: SIGINT and SIGHUP as a shell leaves them to a command it starts, default
    and unblocked, whatever the test run's own state (an ignored disposition and the signal mask pass to
    the child, a handler does not: under ``nohup`` SIGHUP is ignored, and a CI run under it timed out).
    Restored after."""
    previous = {sig: signal.signal(sig, signal.SIG_DFL) for sig in TERMINAL_SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, TERMINAL_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
