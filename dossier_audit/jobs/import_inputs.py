"""The first step of ``import dvcqg`` (``dossier_audit.jobs.importer``): the payload files the PATHs name
(:func:`collect_inputs`), and what the reading tells apart (a history row, a file read once only)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from sources.dvcqg.bodies import RecordKind, recognise
from sources.dvcqg.fields import Fields

__all__ = [
    "PAYLOAD_SUFFIXES", "ImportInputError", "collect_inputs", "is_history", "is_json_lines", "is_regular",
]  # fmt: skip

#: What a folder is searched for (case-insensitively); a file named on the command line is read whatever
#: its name.
PAYLOAD_SUFFIXES = (".json", ".jsonl")


class ImportInputError(ValueError):
    """A PATH, the --units file or an output cannot be used: one line for the user (exit 2)."""


def collect_inputs(paths: Iterable[Path]) -> list[Path]:
    """The payload files the PATHs name, each once, in order (module docstring)."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if str(path) == "-":
            raise ImportInputError("import dvcqg reads files and folders, not standard input; pass a path")
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists()
        except OSError as exc:
            raise ImportInputError(f"cannot read {path}: {exc.strerror}") from None
        if not exists:
            raise ImportInputError(f"cannot read {path}: no such file or folder")
        files = _walk(path) if is_dir else [path]
        if is_dir and not files:
            raise ImportInputError(f"{path} holds no payload file ({' or '.join(PAYLOAD_SUFFIXES)})")
        for file in files:
            key = file.resolve()
            if key in seen:
                continue
            seen.add(key)
            if is_dir:  # what a folder holds is read as it is: a file that cannot be is file.unreadable
                found.append(file)
                continue
            if is_regular(file):
                _openable(file)  # a pipe or FIFO is not opened to check it: that would consume it
            found.append(file)
    if not found:
        raise ImportInputError("give at least one payload file or folder")
    return found


def _walk(folder: Path) -> list[Path]:
    files: list[Path] = []
    try:
        for root, dirs, names in os.walk(folder, onerror=_raise):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            files.extend(
                Path(root) / name
                for name in sorted(names)
                if not name.startswith(".")
                and name.lower().endswith(PAYLOAD_SUFFIXES)
                and is_regular(Path(root) / name)
            )
    except OSError as exc:
        raise ImportInputError(f"cannot read folder {exc.filename or folder}: {exc.strerror}") from None
    return files


def is_regular(file: Path) -> bool:
    """Whether ``file`` is a regular file, or cannot be looked at (a link leading nowhere: opening it says
    what is wrong, and in a folder that is one ``file.unreadable`` with the other files read). A FIFO, a
    socket or a device in a folder is no payload: reading one waited for a writer for ever (review)."""
    try:
        return stat.S_ISREG(os.stat(file).st_mode)
    except OSError:
        return True


def _raise(exc: OSError) -> None:
    raise exc


def _openable(file: Path) -> None:
    try:
        with file.open("rb"):
            pass
    except IsADirectoryError:
        raise ImportInputError(f"cannot read {file}: it is a directory") from None
    except OSError as exc:
        raise ImportInputError(f"cannot read {file}: {exc.strerror}") from None


def is_history(value: object) -> bool:
    """Whether a record read is a history row (``sources.dvcqg.bodies.recognise``): ``import_outputs``
    reads them after every dossier record."""
    return isinstance(value, dict) and recognise(Fields(value)) is RecordKind.HISTORY


def is_json_lines(file: Path) -> bool:
    """Whether ``file`` is read as JSON Lines (one body per line: a line that is not JSON loses only
    itself), by its name: ``.jsonl``."""
    return file.suffix.casefold() == ".jsonl"
