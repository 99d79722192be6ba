"""The catalogue and calendar loaders read a file or a stream of a bounded size, never a device nor a
directory (review: ``catalogue check /dev/zero`` read until the kernel killed it at 24 GB). A device is
refused before it is opened; a sparse file, or a stream, past the bound after the bound's bytes and one."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from inspections.files.calendar import load_calendar
from inspections.files.catalogue import load_catalogue

MIB = 1024 * 1024


def _sparse(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def test_a_device_or_a_directory_is_not_read(tmp_path: Path) -> None:
    """Refused before opening (a stream, and a FIFO with a writer, are read: tests in
    tests/dossier_audit/test_data_file_paths.py, each command in a process of its own)."""
    for path, said, code in (
        (Path("/dev/null"), "it is a device", errno.EINVAL),
        (tmp_path, "a directory", errno.EISDIR),
    ):
        for load in (load_catalogue, load_calendar):
            with pytest.raises(OSError, match=said) as caught:
                load(path)
            assert caught.value.errno == code and caught.value.filename == str(path)


def test_a_pipe_is_read_up_to_the_bound() -> None:
    from inspections.files.whole_file import read_whole

    for size, limit in ((10, 10), (70_000, 100_000), (70_000, 69_999)):
        read, write = os.pipe()
        # A writer thread: 70,000 bytes is more than a pipe's buffer holds.
        writer = threading.Thread(target=_write_all, args=(write, b"x" * size), daemon=True)
        writer.start()
        try:
            if size <= limit:
                assert read_whole(Path(f"/dev/fd/{read}"), limit, "a test file") == b"x" * size
            else:
                with pytest.raises(OSError, match="larger than 0 MiB") as caught:
                    read_whole(Path(f"/dev/fd/{read}"), limit, "a test file")
                assert caught.value.errno == errno.EFBIG
        finally:
            os.close(read)
            writer.join(timeout=30)


def _write_all(fd: int, data: bytes) -> None:
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BrokenPipeError:  # the reader stopped at its bound and closed
        pass


def test_a_catalogue_past_its_bound_is_not_read(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="larger than 32 MiB, the most a catalogue may be") as caught:
        load_catalogue(_sparse(tmp_path, 32 * MIB + 1))
    assert caught.value.errno == errno.EFBIG


def test_a_calendar_file_past_its_bound_is_not_read(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="larger than 1 MiB, the most a calendar file may be"):
        load_calendar(_sparse(tmp_path, MIB + 1))


def test_a_file_up_to_the_bound_is_read_whole(tmp_path: Path) -> None:
    from inspections.files.whole_file import read_whole

    path = tmp_path / "f.yaml"
    path.write_bytes(b"x" * 10)
    assert read_whole(path, 10, "a test file") == b"x" * 10
    with pytest.raises(OSError, match="larger than 0 MiB"):
        read_whole(path, 9, "a test file")
