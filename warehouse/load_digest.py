"""The digest of the file a load run reads (``warehouse.load_runs``): whether a later load reads the same
file, or one that starts with it. Keyed: the file is in clear (``Pseudonymiser.file_hasher``, privacy.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

#: The mark of a keyed digest (``file_digest`` with a hasher): one without it is an unkeyed digest of a
#: release before, which no keyed one can match; it is taken as unknown (``same_file``: the source alone).
KEYED = "k:"


def file_digest(path: Path, size: int | None = None, hasher: Callable[[], Any] | None = None) -> str:
    """The digest of a file's bytes, or of its first ``size`` bytes (``""`` if it has fewer): what a load
    run read (about 1 GB/s, read once more before the load; a province's year of 3 GB, some 3 s of a load
    of minutes). ``hasher`` makes a new keyed hash (``Pseudonymiser.file_hasher``): its digests are marked
    ``k:``. Without one, or when it makes none (no key configured), an unkeyed BLAKE2b (128 bits)."""
    keyed = None if hasher is None else hasher()
    make: Callable[[], Any] = keyed.copy if keyed is not None else partial(hashlib.blake2b, digest_size=16)
    mark = KEYED if keyed is not None else ""
    with open(path, "rb") as fh:
        if size is None:
            return mark + hashlib.file_digest(fh, make).hexdigest()
        digest, left = make(), size
        while left > 0:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                return ""
            digest.update(chunk)
            left -= len(chunk)
        return mark + str(digest.hexdigest())
