"""A re-run of a week wrote over the pack a unit head had signed, and kept nothing: nobody could show again
what was signed (review of the signed documents). Every file a run replaces with other bytes, or takes
away, is kept under the week's ``editions/<when it was built>/`` first; a run on the same data keeps
nothing; a writer stopped half-way still leaves the previous edition whole there."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import CheckResult
from pipelines.assets.common import withhold
from reporting.editions import EDITIONS, edition_code
from reporting.staging import locked_staging, publish, publish_files, staged


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _report(dest: Path, files: dict[str, str]) -> None:
    with locked_staging(dest, "report") as staging:
        _write(staging, files)
        publish_files(staging, dest, [])


def _kept(dest: Path) -> dict[str, dict[str, str]]:
    """Each kept edition's files and texts, by folder name."""
    editions = dest / EDITIONS
    if not editions.exists():
        return {}
    kept = {}
    for folder in sorted(editions.iterdir()):
        files = (p for p in folder.rglob("*") if p.is_file())
        kept[folder.name] = {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in files}
    return kept


def test_a_rerun_keeps_the_files_it_changes_and_only_those(tmp_path: Path) -> None:
    dest = tmp_path / "2025-W47"
    _report(dest, {"report.pdf": "A", "units/U1.html": "signed", "units/U2.html": "same"})
    os.utime(dest / "units" / "U1.html", (1764000000, 1764000000))  # built 2025-11-24 23:00:00 +07
    _report(dest, {"report.pdf": "A", "units/U1.html": "after late events", "units/U2.html": "same"})
    assert _kept(dest) == {"2025-11-24_230000": {"units/U1.html": "signed"}}
    assert (dest / "units" / "U1.html").read_text(encoding="utf-8") == "after late events"
    _report(dest, {"report.pdf": "A", "units/U1.html": "after late events", "units/U2.html": "same"})
    assert len(_kept(dest)) == 1  # the same data again: no edition


def test_the_dagster_publish_keeps_the_packs_of_units_it_no_longer_writes(tmp_path: Path) -> None:
    dest = tmp_path / "2025-W47"
    for files in ({"units/U1.html": "1", "units/U2.html": "2"}, {"units/U1.html": "1"}):
        with staged(dest, "audit_packs") as staging:
            _write(staging, files)
            publish(staging, dest, [])
    (only,) = _kept(dest).values()
    assert only == {"units/U2.html": "2"} and not (dest / "units" / "U2.html").exists()


def test_two_editions_in_one_second_are_both_kept(tmp_path: Path) -> None:
    dest = tmp_path / "w"
    for text in ("1", "2", "3"):
        _report(dest, {"report.pdf": text})
        os.utime(dest / "report.pdf", (1764000000, 1764000000))
    assert sorted(edition["report.pdf"] for edition in _kept(dest).values()) == ["1", "2"]


def test_a_publish_stopped_half_way_leaves_the_previous_edition_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "w"
    names = ["report.html", "report.pdf", "units/U1.html", "units/U1.xlsx"]
    _report(dest, dict.fromkeys(names, "signed"))
    replace, moved = os.replace, list[str]()

    def full_disk(src: str, dst: str) -> None:
        if len(moved) == 1:
            raise OSError(28, "No space left on device")
        moved.append(dst)
        replace(src, dst)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        _report(dest, dict.fromkeys(names, "new"))
    monkeypatch.undo()
    (edition,) = _kept(dest).values()
    assert edition == dict.fromkeys(names, "signed")


def test_withheld_reports_are_kept_before_they_are_taken_away(tmp_path: Path) -> None:
    dest = tmp_path / "w"
    _write(dest, {"report.pdf": "signed", "units/U1.html": "pack", "quality.json": "{}"})
    failure = CheckResult(
        "events",
        "event_id is unique",
        "event_id",
        False,
        True,
        1,
        10,
        "sai",
        "wrong",
        datetime.now(UTC),
        None,
    )
    withhold(dest, [failure])
    assert not (dest / "report.pdf").exists()
    (edition,) = _kept(dest).values()
    assert edition == {"report.pdf": "signed", "units/U1.html": "pack"}


@given(st.text())
def test_an_edition_code_is_the_content_s(text: str) -> None:
    code = edition_code(text)
    assert len(code) == 9 and code[4] == "-" and code == edition_code(text)
    assert edition_code(text + " ") != code and edition_code(text.upper() + "x") != code
