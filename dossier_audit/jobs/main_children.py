"""The main job's child processes (the detector): each in its own session, tied to the supervisor, and
stopped in order when the supervisor stops, even by a stop that comes while the child starts."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dossier_audit.interrupts import defer_stops
from streams.lifetime import tie_to_parent

__all__ = ["child_process"]


@contextmanager
def child_process(args: list[str], log_path: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A child process in its own session (a terminal's Ctrl-C reaches only the supervisor, which stops
    the children in order); always terminated, then killed, on exit.

    A Ctrl-C or SIGTERM while the child starts is handled once it has started (``defer_stops``): one that
    landed inside ``Popen``, after the fork, left no process to stop, and the detector outlived the run
    (``test_ctrl_c_stops_everything_cleanly``, a rare failure whose stray was the detector just started)."""
    process: subprocess.Popen[bytes] | None = None
    release = defer_stops(signal.SIGINT, signal.SIGTERM)
    try:
        with log_path.open("ab") as log:
            # Tied to this process (SIGTERM when it dies, however): a supervisor killed outright left its
            # detector running, orphaned (review of 2026-12-04).
            process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **env},
                preexec_fn=tie_to_parent,  # noqa: PLW1509 - only calls prctl, safe before exec
            )  # fmt: skip
        release()  # a stop that came meanwhile is raised here, with the process to stop
        yield process
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        release()
