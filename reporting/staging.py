"""Writing a report's set of files whole: into a hidden folder beside the published ones first, then over
them once every file is written. A failed or interrupted writer (an exception, Ctrl-C, SIGTERM) leaves the
previous set as it was, never this run's HTML beside the last run's PDF (review: an interrupted ``report``
into a week's folder did). Used by the Dagster assets and ``dossier-audit report``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged(dest: Path, kind: str) -> Iterator[Path]:
    """An empty directory beside the published files to write into before :func:`publish`; removed when
    the block ends, so a failed writer leaves nothing half-written behind."""
    staging = dest / f".{kind}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, dest: Path, written: Sequence[Path]) -> list[Path]:
    """Move every top-level entry of ``staging`` over its namesake in ``dest`` (a re-run leaves no stale
    files of a previous one) and return where ``written`` now are."""
    for entry in sorted(staging.iterdir()):
        target = dest / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        os.replace(entry, target)
    moved = []
    for path in written:
        try:
            moved.append(dest / Path(path).resolve().relative_to(staging.resolve()))
        except ValueError:
            moved.append(Path(path))  # written outside the staging directory: left where it is
    return moved
