"""Progress lines on a terminal (`warehouse load`'s stages, a large file's bar for `audit`, `ingest`,
`export`): one line per stage whatever the terminal's width and the file's name, the figures whole on an
80-column terminal, a name shown as it is written.

Before: at 80 columns the load's stage labels (up to 49 characters) and a 40-column bar left the rate no room,
so it wrapped onto a second line ("149.4" above "MB/s"); a long file name squeezed the bar, the percentage
and the rate out of the line; a name with a line break broke the line in two; a name like ``[bold]x.jsonl``
lost its brackets (read as markup) on the file bar.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

import dossier_audit.cli.warehouse as command
from dossier_audit.cli import progress as progress_lines
from tests.depth import examples

_SIZE = 100_000_000
_STAGES = ("reading", "storing", "finishing", "reading back", "checking", "judging", "re-judging open")
#: A file name: any character a file system takes in one (no slash, no NUL), wide ones and markup too.
_NAMES = st.text(
    st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]), min_size=1, max_size=60
).filter(lambda name: name not in {".", ".."} and len(name.encode()) <= 200)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("progress")


def _large(folder: Path, name: str) -> Path:
    """A sparse file of ``_SIZE`` bytes named ``name`` (large enough for a progress display)."""
    path = folder / name
    with open(path, "wb") as fh:
        fh.truncate(_SIZE)
    return path


def _screen(width: int) -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=width)


def _lines(progress: Any, width: int) -> list[str]:
    """The progress display as a terminal of ``width`` columns shows it, line by line."""
    out = Console(width=width, record=True, file=io.StringIO(), force_terminal=True)
    out.print(progress.get_renderable())
    return out.export_text().splitlines()


def _load_lines(path: Path, width: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every stage of a load shown, each partly done, the reading with a rate."""
    monkeypatch.setattr(command, "err", _screen(width))
    progress, tick = command.load_progress(path)
    assert progress is not None and tick is not None
    with progress:
        tick("reading", _SIZE // 10, _SIZE)
        time.sleep(0.05)
        tick("reading", _SIZE // 2, _SIZE)
        for stage in _STAGES[1:]:
            tick(stage, 1, 3)
        return _lines(progress, width)


def _file_lines(path: Path, width: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr(progress_lines, "err", _screen(width))
    progress, tick = progress_lines.file_progress(path)
    assert progress is not None and tick is not None
    with progress:
        tick(_SIZE // 10)
        time.sleep(0.05)
        tick(_SIZE // 2)
        return _lines(progress, width)


_Shown = Callable[[Path, int, pytest.MonkeyPatch], list[str]]
_KINDS: list[tuple[_Shown, int]] = [(_load_lines, len(_STAGES)), (_file_lines, 1)]


@settings(
    max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=_NAMES, width=st.integers(40, 200))
def test_each_stage_is_one_line_within_the_terminal_whatever_the_name(
    folder: Path, monkeypatch: pytest.MonkeyPatch, name: str, width: int
) -> None:
    path = _large(folder, name)
    try:
        for shown, count in _KINDS:
            lines = shown(path, width, monkeypatch)
            assert len(lines) == count, lines
            assert all(cell_len(line) <= width for line in lines), lines
    finally:
        path.unlink()


@pytest.mark.parametrize(
    "name", ["big.jsonl", "tinh-bac-ninh-ho-so-mot-cua-2019-2024-toan-bo-cac-so-nganh.jsonl"]
)
def test_on_80_columns_the_bar_rate_and_time_left_are_whole(
    folder: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    path = _large(folder, name)
    reading, *others = _load_lines(path, 80, monkeypatch)
    assert re.search(r"[━╸╺]{20} +\d+% +[\d,]+\.\d MB/s +(\d:\d\d:\d\d|-:--:--)$", reading), reading
    assert reading.startswith("judging ") and name[:12] in reading
    labels = [
        "storing last events",
        "finishing earlier loads",
        "re-judging stored",
        "checking other writers",
        "storing dossiers",
        "re-judging open",
    ]
    assert [line.split(" ━")[0].rstrip() for line in others] == labels  # whole, however long the name
    [line] = _file_lines(path, 80, monkeypatch)
    assert re.search(r"[━╸╺]{20} \d+\.\d/\d+\.\d MB [\d,]+\.\d MB/s \d:\d\d:\d\d$", line), line


def test_a_name_is_shown_as_written_and_on_one_line(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _large(folder, "[bold]a\nb\tc\x1b.jsonl")
    [line] = _file_lines(path, 120, monkeypatch)
    assert line.startswith("[bold]a\\nb\\tc\\x1b.jsonl ")
    assert _load_lines(path, 120, monkeypatch)[0].startswith("judging [bold]a\\nb\\tc\\x1b.jsonl ")


_RATES = [
    (950, "950"), (9_999, "9,999"), (9_999.7, "10.0k"), (12_345, "12.3k"), (999_960, "1.0M"), (45e5, "4.5M"),
]  # fmt: skip


@pytest.mark.parametrize(("rate", "shown"), _RATES)
def test_a_count_rate_stays_short(rate: float, shown: str) -> None:
    assert command._compact(rate) == shown
