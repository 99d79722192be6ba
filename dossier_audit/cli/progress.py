"""The progress bars of the commands that read large inputs: on a terminal only, one line each that fits an
80-column terminal, a file's name shown as written and never as markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Column

from dossier_audit.cli.common import err

#: Inputs smaller than this finish before a progress bar would help.
PROGRESS_BYTES = 8 * 1024 * 1024


#: The width of a progress bar: with its figures, a line fits an 80-column terminal.
BAR_WIDTH = 20
#: The fewest columns a description keeps, however narrow the terminal.
MIN_DESCRIPTION = 12
#: The columns of a file's progress line beside its description: the bar, "123.4/567.8 MB", "149.4 MB/s"
#: and "0:01:23", each with the space before it.
_FILE_FIGURES = 1 + BAR_WIDTH + 1 + 15 + 1 + 11 + 1 + 7


def description_column(console: Console, figures: int) -> TextColumn:
    """A progress line's description, on one line: cut short with an ellipsis where ``console`` leaves it
    less room than it needs beside the line's ``figures`` columns (the bar, counts, rate and time left, with
    their spaces), never wrapped onto a second line nor squeezing the figures out (a long file name)."""
    room = max(MIN_DESCRIPTION, console.width - figures)
    return TextColumn(
        "[progress.description]{task.description}",
        table_column=Column(no_wrap=True, overflow="ellipsis", max_width=room),
    )


def file_progress(path: Path) -> tuple[Progress | None, Any]:
    """A progress bar over ``path``'s bytes (on a terminal, for a large file): (the bar, a tick taking the
    bytes done), or (None, None)."""
    return bytes_progress(progress_name(path), path.stat().st_size)


def progress_name(path: Path) -> str:
    """A file's name as a progress line shows it: as it is written, never read as markup (``[bold]``), each
    character that is not printable (a line break, a tab, an escape) as its Python escape (``\\n``), so that
    no file name can break the line or restyle it."""
    name = path.name
    if not name.isprintable():
        name = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    return escape(name)


def bytes_progress(label: str, size: int) -> tuple[Progress | None, Any]:
    """A progress bar over ``size`` bytes of input with rate and time left (on a terminal, when it is large):
    (the bar, a tick taking the bytes done), or (None, None). ``label`` is markup (``progress_name`` for a
    file's name)."""
    if not err.is_terminal or size < PROGRESS_BYTES:
        return None, None
    progress = Progress(
        description_column(err, _FILE_FIGURES),
        BarColumn(bar_width=BAR_WIDTH),
        DownloadColumn(table_column=Column(no_wrap=True)),
        TransferSpeedColumn(table_column=Column(no_wrap=True)),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    task = progress.add_task(label, total=size)
    return progress, lambda pos: progress.update(task, completed=pos)
