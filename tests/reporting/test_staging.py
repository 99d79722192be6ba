"""Publishing a report's files is not atomic (one move per file): a writer killed there (SIGKILL, a power
cut) or failing (a full disk) left whole files of two runs that looked complete, and Ctrl-C or SIGTERM
there left the same mix, its clean-up deleting the files not moved yet (crash review). The signals are
held while the files move, and a file in the folder says it is incomplete until the last one is moved."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from reporting.staging import INCOMPLETE, left_incomplete, locked_staging, publish, publish_files, staged


def _staged_files(root: Path, names: list[str], text: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


NAMES = ["report.html", "report.pdf", "report.xlsx", "units/U1.html", "units/U1.xlsx"]


def test_a_publish_that_fails_half_way_leaves_the_folder_marked_until_a_whole_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "week"
    with locked_staging(dest, "report") as files:
        _staged_files(files, NAMES, "old")
        publish_files(files, dest, [])
    assert not left_incomplete(dest)
    moved = 0
    replace = os.replace

    def full_disk(src: object, dst: object) -> None:
        nonlocal moved
        if moved == 2:
            raise OSError(28, "No space left on device")
        moved += 1
        replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError), locked_staging(dest, "report") as files:
        _staged_files(files, NAMES, "new")
        publish_files(files, dest, [])
    monkeypatch.undo()
    texts = {name: (dest / name).read_text(encoding="utf-8") for name in NAMES}
    assert sorted(set(texts.values())) == ["new", "old"]  # a mix, every file whole
    assert left_incomplete(dest)
    said = (dest / INCOMPLETE).read_text(encoding="utf-8")
    assert "chưa được ghi xong" in said and "not written completely" in said
    with locked_staging(dest, "report") as files:
        _staged_files(files, NAMES, "again")
        publish_files(files, dest, [])
    assert not left_incomplete(dest) and {(dest / n).read_text(encoding="utf-8") for n in NAMES} == {"again"}


class _Stopped(Exception):
    pass


@pytest.mark.parametrize("publisher", ["report command", "dagster asset"])
def test_a_stop_while_publishing_waits_for_the_whole_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, publisher: str
) -> None:
    """Ctrl-C (SIGINT) arriving after the first file moved is delivered once all are, the marker gone."""

    def stop(signum: int, frame: object) -> None:
        raise _Stopped

    dest = tmp_path / "week"
    replace = os.replace
    sent: list[int] = []

    def interrupting(src: object, dst: object) -> None:
        replace(src, dst)  # type: ignore[arg-type]
        if not sent:
            sent.append(1)
            os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, stop)
    try:
        monkeypatch.setattr(os, "replace", interrupting)
        with pytest.raises(_Stopped):
            if publisher == "report command":
                with locked_staging(dest, "report") as files:
                    _staged_files(files, NAMES, "new")
                    publish_files(files, dest, [])
            else:
                dest.mkdir()
                with staged(dest, "packs") as files:
                    _staged_files(files, NAMES, "new")
                    publish(files, dest, [])
    finally:
        signal.signal(signal.SIGINT, previous)
    monkeypatch.undo()
    assert sent and all((dest / name).read_text(encoding="utf-8") == "new" for name in NAMES)
    assert not [p.name for p in dest.iterdir() if p.name.startswith("BAO-CAO-CHUA-HOAN-TAT")]


def test_a_stop_while_the_mark_is_written_waits_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mark was written before the signals were held: a stop then left it over a whole folder, and
    the next report said the folder was a mix (review of the diff)."""

    def stop(signum: int, frame: object) -> None:
        raise _Stopped

    fsync = os.fsync

    def interrupting(fd: int) -> None:
        fsync(fd)
        os.kill(os.getpid(), signal.SIGINT)

    dest = tmp_path / "week"
    previous = signal.signal(signal.SIGINT, stop)
    try:
        with pytest.raises(_Stopped), locked_staging(dest, "report") as files:
            _staged_files(files, NAMES, "new")
            monkeypatch.setattr(os, "fsync", interrupting)
            publish_files(files, dest, [])
    finally:
        signal.signal(signal.SIGINT, previous)
        monkeypatch.undo()
    assert left_incomplete(dest) == [] and all((dest / n).read_text(encoding="utf-8") == "new" for n in NAMES)


def test_a_dagster_assets_mark_is_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "week"
    dest.mkdir()

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError), staged(dest, "audit_packs") as files:
        _staged_files(files, NAMES, "new")
        monkeypatch.setattr(os, "replace", full_disk)
        publish(files, dest, [])
    monkeypatch.undo()
    assert [p.name for p in left_incomplete(dest)] == ["BAO-CAO-CHUA-HOAN-TAT-audit_packs.txt"]
