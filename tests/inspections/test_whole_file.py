"""The catalogue and calendar loaders read a regular file of a bounded size, nothing else (review:
``catalogue check /dev/zero`` read until the kernel killed it at 24 GB). The paths tested are refused before
a byte is read: a device, a sparse file past the bound."""

from __future__ import annotations

import errno
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


def test_a_catalogue_or_calendar_that_is_no_regular_file_is_not_read() -> None:
    """A device here (a FIFO, whose opening would wait for a writer, is tested in a process of its own:
    tests/dossier_audit/test_data_file_paths.py)."""
    path = Path("/dev/null")
    for load in (load_catalogue, load_calendar):
        with pytest.raises(OSError, match="not a regular file") as caught:
            load(path)
        assert caught.value.errno == errno.EINVAL and caught.value.filename == str(path)


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
