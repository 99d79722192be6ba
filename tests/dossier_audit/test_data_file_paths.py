"""A catalogue or calendar path that names a directory or a device is one ``error:`` line and exit 2, refused
before it is read (review: ``catalogue check /dev/zero`` was killed by the kernel at 24 GB; ``readable``
refused a missing path and a directory only). A stream — ``<(cat f)``, ``cat f | ... /dev/stdin``, a FIFO
with a writer — is read as a file is, up to the same bound (a later review: they worked before the check of
devices and were refused with them). Each stream is run in a process of its own with a timeout, and a FIFO's
writer is a process killed at the end: a reader or a writer left waiting would hang the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from tests.dossier_audit.test_clear_errors import EXAMPLES, cli, one_error_line

_DEVICE = "it is a device, not a file or a stream"


@pytest.mark.parametrize("command", ["catalogue", "calendar"])
def test_check_of_a_device_is_one_line(command: str) -> None:
    assert one_error_line(cli(command, "check", "/dev/null")) == f"error: cannot read /dev/null: {_DEVICE}"


def test_a_device_as_the_catalogue_or_the_calendar_override_is_one_line() -> None:
    audit = ("audit", str(EXAMPLES), "--as-of", "2025-11-20")
    line = one_error_line(cli(*audit, "--catalogue", "/dev/null"))
    assert line == f"error: cannot read catalogue /dev/null: {_DEVICE}"
    line = one_error_line(cli(*audit, env={"DOSSIER_AUDIT_CALENDAR_OVERRIDE": "/dev/null"}))
    assert line == f"error: cannot read calendar override /dev/null: {_DEVICE}"


SAMPLE_FILE = Path(str(resources.files("inspections").joinpath("data", "sample_province.yaml")))
NATIONAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "national_procedures.json"
_OVERRIDE = "remove: [2026-11-24]\n"


def _run(
    *args: str, pass_fds: tuple[int, ...] = (), stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dossier_audit", *args],
        capture_output=True,
        input=None if stdin is None else stdin.decode("utf-8"),
        text=True,
        timeout=120,
        check=False,
        pass_fds=pass_fds,
    )


def _pipe(data: bytes) -> int:
    """The reading end of a pipe holding ``data`` and its end (what ``<(cat f)`` hands a command)."""
    read, write = os.pipe()
    assert len(data) < 65536  # the pipe's buffer: written whole without a reader
    os.write(write, data)
    os.close(write)
    return read


@pytest.mark.parametrize(
    ("args", "data", "said"),
    [
        (("catalogue", "check"), SAMPLE_FILE.read_bytes(), ": ok — 47 procedures"),
        (("calendar", "check"), _OVERRIDE.encode(), ": ok — province override: 0 days off added"),
    ],
)
def test_a_pipe_is_read_as_a_file(args: tuple[str, ...], data: bytes, said: str) -> None:
    """``catalogue check <(cat f)`` and ``cat f | catalogue check /dev/stdin`` exited 0 before devices were
    refused, and "not a regular file" after (review)."""
    fd = _pipe(data)
    try:
        done = _run(*args, f"/dev/fd/{fd}", pass_fds=(fd,))
    finally:
        os.close(fd)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"/dev/fd/{fd}{said}"), done.stderr
    done = _run(*args, "/dev/stdin", stdin=data)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"/dev/stdin{said}"), done.stderr


def test_the_national_list_is_imported_from_a_pipe(tmp_path: Path) -> None:
    read, write = os.pipe()
    writer = subprocess.Popen(["cat", str(NATIONAL)], stdout=write)  # larger than a pipe's buffer
    os.close(write)
    try:
        done = _run("catalogue", "import-national", f"/dev/fd/{read}", "--out", str(tmp_path / "c.yaml"),
                    pass_fds=(read,))  # fmt: skip
    finally:
        os.close(read)
        writer.kill()
        writer.wait(timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"wrote {tmp_path / 'c.yaml'}: 2395 procedures")


@pytest.mark.parametrize(
    "args",
    [
        ("catalogue", "check", "{fifo}"),
        ("calendar", "check", "{fifo}"),
        ("audit", str(EXAMPLES), "--as-of", "2025-11-20", "--catalogue", "{fifo}"),
    ],
)
def test_a_fifo_with_a_writer_is_read(tmp_path: Path, args: tuple[str, ...]) -> None:
    fifo = tmp_path / "catalogue.yaml"
    os.mkfifo(fifo)
    source = tmp_path / "source.yaml"
    source.write_bytes(_OVERRIDE.encode() if args[0] == "calendar" else SAMPLE_FILE.read_bytes())
    # Its opening of the FIFO waits for the command's: killed at the end if the command never opens it.
    writer = subprocess.Popen(["cp", str(source), str(fifo)])
    try:
        done = _run(*(a.format(fifo=fifo) for a in args))
    finally:
        writer.kill()
        writer.wait(timeout=60)
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr


def test_a_stream_past_the_bound_is_refused() -> None:
    """A stream is bounded as a file is: ``head -c 40M /dev/zero | catalogue check /dev/stdin``."""
    read, write = os.pipe()
    writer = subprocess.Popen(["head", "-c", str(33 * 1024 * 1024), "/dev/zero"], stdout=write)
    os.close(write)
    try:
        done = _run("catalogue", "check", f"/dev/fd/{read}", pass_fds=(read,))
    finally:
        os.close(read)
        writer.kill()
        writer.wait(timeout=60)
    assert done.returncode == 2
    assert (
        done.stderr
        == f"error: cannot read /dev/fd/{read}: it is larger than 32 MiB, the most a catalogue may be\n"
    )


def test_a_catalogue_larger_than_any_is_one_line(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(33 * 1024 * 1024)  # sparse: nothing is written
    line = one_error_line(cli("catalogue", "check", str(big)))
    assert line == f"error: cannot read {big}: it is larger than 32 MiB, the most a catalogue may be"
