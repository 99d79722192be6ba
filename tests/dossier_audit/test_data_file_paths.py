"""A catalogue or calendar path that names no regular file is one ``error:`` line and exit 2, refused before
it is read (review: ``catalogue check /dev/zero`` was killed by the kernel at 24 GB; ``readable`` refused a
missing path and a directory only). A FIFO with no writer is run in a process of its own with a timeout:
opening it for reading would wait for ever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dossier_audit.test_clear_errors import EXAMPLES, cli, one_error_line

_NOT_REGULAR = "it is not a regular file (a device, a pipe or a socket?)"


@pytest.mark.parametrize("command", ["catalogue", "calendar"])
def test_check_of_a_device_is_one_line(command: str) -> None:
    assert (
        one_error_line(cli(command, "check", "/dev/null")) == f"error: cannot read /dev/null: {_NOT_REGULAR}"
    )


def test_a_device_as_the_catalogue_or_the_calendar_override_is_one_line() -> None:
    audit = ("audit", str(EXAMPLES), "--as-of", "2025-11-20")
    line = one_error_line(cli(*audit, "--catalogue", "/dev/null"))
    assert line == f"error: cannot read catalogue /dev/null: {_NOT_REGULAR}"
    line = one_error_line(cli(*audit, env={"DOSSIER_AUDIT_CALENDAR_OVERRIDE": "/dev/null"}))
    assert line == f"error: cannot read calendar override /dev/null: {_NOT_REGULAR}"


@pytest.mark.parametrize(
    "args",
    [
        ("catalogue", "check", "{fifo}"),
        ("calendar", "check", "{fifo}"),
        ("audit", str(EXAMPLES), "--as-of", "2025-11-20", "--catalogue", "{fifo}"),
    ],
)
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path, args: tuple[str, ...]) -> None:
    fifo = tmp_path / "catalogue.yaml"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "dossier_audit", *(a.format(fifo=fifo) for a in args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("error: cannot read ") and done.stderr.strip().endswith(_NOT_REGULAR)


def test_a_catalogue_larger_than_any_is_one_line(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(33 * 1024 * 1024)  # sparse: nothing is written
    line = one_error_line(cli("catalogue", "check", str(big)))
    assert line == f"error: cannot read {big}: it is larger than 32 MiB, the most a catalogue may be"
