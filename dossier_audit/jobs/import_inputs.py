"""The first two steps of ``import dvcqg`` (``dossier_audit.jobs.importer``): the payload files the PATHs
name (:func:`collect_inputs`), and the order they are read in (:func:`order_inputs`)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from sources.dvcqg import read_records
from sources.dvcqg.bodies import RecordKind, recognise
from sources.dvcqg.fields import Fields
from sources.dvcqg.reader import Record, Service
from sources.dvcqg.vocabulary import DOSSIER_SERVICE, PROGRESS_SERVICE

__all__ = ["PAYLOAD_SUFFIXES", "ImportInputError", "collect_inputs", "is_json_lines", "order_inputs"]

#: What a folder is searched for (case-insensitively); a file named on the command line is read whatever
#: its name.
PAYLOAD_SUFFIXES = (".json", ".jsonl")
#: How many items of a file are looked at to tell its kind.
_PEEK_ITEMS = 8


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
            if _regular(file):
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
                and _regular(Path(root) / name)
            )
    except OSError as exc:
        raise ImportInputError(f"cannot read folder {exc.filename or folder}: {exc.strerror}") from None
    return files


def _regular(file: Path) -> bool:
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


def order_inputs(files: list[Path]) -> list[Path]:
    """Dossier-sync files first, then files of unknown kind, then progress files; stable otherwise."""
    rank = {RecordKind.DOSSIER: 0, None: 1, RecordKind.HISTORY: 2}
    return sorted(files, key=lambda f: rank[_kind_of(f)])


def _kind_of(file: Path) -> RecordKind | None:
    """A file's kind from its first body's service or its first recognisable record (``None``: unknown;
    also for a pipe or FIFO, which can be read only once)."""
    if not _regular(file):
        return None
    try:
        with file.open("rb") as fh:
            for n, item in enumerate(read_records(fh, lines=is_json_lines(file))):
                if n >= _PEEK_ITEMS:
                    break
                if isinstance(item, Service):
                    if item.name == DOSSIER_SERVICE:
                        return RecordKind.DOSSIER
                    if item.name == PROGRESS_SERVICE:
                        return RecordKind.HISTORY
                elif isinstance(item, Record) and isinstance(item.value, dict):
                    kind = recognise(Fields(item.value))
                    if kind is not None:
                        return kind
    except OSError:
        return None  # reported when the file is read for real
    return None


def is_json_lines(file: Path) -> bool:
    """Whether ``file`` is read as JSON Lines (one body per line: a line that is not JSON loses only
    itself), by its name: ``.jsonl``."""
    return file.suffix.casefold() == ".jsonl"
