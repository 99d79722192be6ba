"""Output written whole (``simulate``, ``export``): a regular file is replaced only once complete, and
what is not a regular file of its own — a symbolic link such as ``/dev/stdout``, a pipe, a device — is
written through, never renamed over.

Before (review of 58c0b40): ``os.stat`` followed links, so ``simulate --out /dev/stdout`` with standard
output redirected to a file renamed its temporary file over ``/dev/stdout`` itself (as root, for every
process of the machine) instead of writing to the redirection; ``export --out LINK`` replaced the link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dossier_audit import whole_files
from dossier_audit.cli import app
from dossier_audit.whole_files import replaceable, written_whole


def test_only_a_missing_path_or_a_regular_file_is_replaced(tmp_path: Path) -> None:
    regular = tmp_path / "events.jsonl"
    regular.write_bytes(b"")
    link = tmp_path / "link.jsonl"
    link.symlink_to(regular)
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    assert replaceable(tmp_path / "missing.jsonl") and replaceable(regular)
    assert not replaceable(link) and not replaceable(fifo) and not replaceable(Path("/dev/null"))
    assert not replaceable(Path("/dev/stdout"))  # a link to /proc/self/fd/1 (only looked at, never written)


def test_a_link_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    target = tmp_path / "target.jsonl"
    target.write_bytes(b"old\n")
    link = tmp_path / "out.jsonl"
    link.symlink_to(target)
    with written_whole(link) as out:
        out.write(b"new\n")
    assert link.is_symlink() and target.read_bytes() == b"new\n"


def test_a_failed_write_leaves_the_previous_file_and_nothing_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"previous\n")
    with pytest.raises(RuntimeError), written_whole(path) as out:
        out.write(b"half")
        raise RuntimeError("interrupted")
    assert path.read_bytes() == b"previous\n" and list(tmp_path.iterdir()) == [path]


def test_simulate_writes_through_a_link(tmp_path: Path) -> None:
    target = tmp_path / "kept" / "events.jsonl"
    target.parent.mkdir()
    link = tmp_path / "events.jsonl"
    link.symlink_to(target)
    args = ["simulate", "--out", str(link), "--truth", str(tmp_path / "t.jsonl"), "--dossiers", "3"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and target.read_bytes().count(b"\n") >= 3


def test_a_file_that_cannot_be_made_beside_is_named_as_the_file_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error names ``--out``, not the hidden file beside it (a read-only folder, a full disk)."""
    path = tmp_path / "e.jsonl"

    def refused(beside: Path, made: list[Path]) -> int:
        raise PermissionError(13, "Permission denied", str(tmp_path / ".e.jsonl.0123456789ab.part"))

    monkeypatch.setattr(whole_files, "_create_beside", refused)
    with pytest.raises(OSError) as caught, written_whole(path):
        pass
    assert (caught.value.filename, caught.value.strerror) == (str(path), "Permission denied")


def test_a_stop_just_after_the_part_file_is_made_still_deletes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGHUP raised as Ctrl-C between the part file's creation and the clean-up that deletes it left the
    file behind (CI, under load): its name is known before it exists."""
    import os

    made_it = os.open

    def interrupted(*args: object, **kw: object) -> int:
        made_it(*args, **kw)  # type: ignore[arg-type]
        raise KeyboardInterrupt  # as the signal handler raises it, right after the file exists

    monkeypatch.setattr(os, "open", interrupted)
    with pytest.raises(KeyboardInterrupt), written_whole(tmp_path / "e.jsonl"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_file_written_whole_without_overwriting_never_replaces_one(tmp_path: Path) -> None:
    """``overwrite=False`` (``catalogue import-national``, whose output is completed by hand): a file that
    takes the name meanwhile stays as it is, the new bytes go nowhere, no part file is left; a new name gets
    the file whole, with the mode any new file gets (the first version, mkstemp, made it 0600)."""
    taken = tmp_path / "catalogue.yaml"
    with pytest.raises(FileExistsError), written_whole(taken, overwrite=False) as out:
        out.write(b"new")
        taken.write_bytes(b"completed by hand")
    assert taken.read_bytes() == b"completed by hand" and sorted(tmp_path.iterdir()) == [taken]
    fresh = tmp_path / "fresh.yaml"
    with written_whole(fresh, overwrite=False) as out:
        out.write(b"new")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.read_bytes() == b"new" and fresh.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("name", ["a" * 251 + ".xes", "ạ" * 80 + ".xes", "b" * 236 + ".x"])
def test_a_name_as_long_as_the_file_system_takes_is_written(tmp_path: Path, name: str) -> None:
    """The CLI seat of 2026-12-07: the hidden file beside the target is its name plus 19 bytes, so a valid
    name of 237 to 255 bytes was refused ("File name too long"). The hidden one keeps what fits."""
    path = tmp_path / name
    assert len(os.fsencode(name)) <= 255
    with written_whole(path) as out:
        out.write(b"whole")
    assert path.read_bytes() == b"whole" and [p.name for p in tmp_path.iterdir()] == [name]
