"""The suite run as a script's background job: started with SIGINT ignored (``cmd &`` in a script),
as CI scripts and unattended runs start it, its interrupt tests pass as from a terminal (tests/conftest.py
``pytest_configure``)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ignoring_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_the_interrupt_tests_pass_in_a_run_started_with_ctrl_c_ignored() -> None:
    test = "tests/dossier_audit/test_interrupts.py::test_stops_deferred_twice_are_delivered_once"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", test],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=_ignoring_ctrl_c,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
