"""The editions a week's folder has published: every file a new run replaces with other bytes, or takes away,
is kept first under ``editions/<when it was built>/`` in the same folder, at its own relative path.

A unit head signs a printed pack; a re-run of the week (late events, a correction, the final figures) wrote
over it in place, and nobody could show again what was signed (review of the signed documents). The files
are kept by a hard link made before any file moves (no bytes copied, and a writer stopped half-way still
leaves the previous edition whole there); a file system without hard links gets a copy. A file the run
writes again byte for byte is not kept: a re-run on the same data leaves no edition. Each document prints
its edition code (``edition_code``) on every page, so the kept file of a printed page is found by it.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from inspections.timeunits import VN_TZ

#: The folder of a week's folder that holds its earlier editions.
EDITIONS = "editions"


def edition_code(text: str) -> str:
    """A document's edition code: eight hex digits of the SHA-256 of its content as rendered without the
    code, as ``3f9a-2c71`` (read aloud and compared by eye). The same content gives the same code; any
    change gives another (2⁻³² for two contents to share one)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{digest[:4]}-{digest[4:8]}"


def keep_replaced(dest: Path, replaced: Iterable[tuple[Path, Path | None]]) -> Path | None:
    """Keep each published file of ``dest`` that is about to be replaced by other bytes or removed:
    ``replaced`` pairs a published file with what replaces it (``None``: nothing, it goes). Linked under
    ``dest/editions/<built>/`` at its path relative to ``dest``, ``<built>`` the newest modification time of
    the files kept, in Vietnam's time (when that edition was written). Returns that folder, or ``None``
    when nothing changes. A file already under ``editions/`` is never kept again."""
    kept = [
        old
        for old, new in replaced
        if old.is_file()
        and not old.is_symlink()
        and EDITIONS not in old.relative_to(dest).parts[:1]
        and (new is None or not filecmp.cmp(old, new, shallow=False))
    ]
    if not kept:
        return None
    built = max(path.stat().st_mtime for path in kept)
    stamp = datetime.fromtimestamp(built, VN_TZ).strftime("%Y-%m-%d_%H%M%S")
    folder = _free_folder(dest / EDITIONS, stamp, [p.relative_to(dest) for p in kept])
    for old in kept:
        target = folder / old.relative_to(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(old, target)
        except OSError:  # no hard links here (some shares): a copy, its times kept
            shutil.copy2(old, target)
    return folder


def files_under(root: Path) -> list[Path]:
    """Every file under ``root`` (``root`` itself if it is one), in a stable order."""
    if root.is_file() or root.is_symlink():
        return [root]
    return sorted(path for path in root.rglob("*") if not path.is_dir())


def _free_folder(editions: Path, stamp: str, paths: list[Path]) -> Path:
    """``editions/<stamp>``, or ``<stamp>-2``, ``-3`` ... when one of ``paths`` is taken there already (two
    editions written in one second)."""
    folder, n = editions / stamp, 1
    while any((folder / path).exists() for path in paths):
        n += 1
        folder = editions / f"{stamp}-{n}"
    return folder
