"""Reading a data file whole, only when it is a regular file of a bounded size.

The catalogue and calendar loaders read a file whole before parsing it. Given a device or a pipe
(``catalogue check /dev/zero``, ``DOSSIER_AUDIT_CATALOGUE=/dev/zero``) they read without end, until the
kernel killed the process at 24 GB (review); a FIFO blocked until a writer came. So the path must name a
regular file, and no more than a stated number of bytes is read: a file larger is refused rather than
parsed into gigabytes of YAML nodes. Both problems are an ``OSError`` whose ``strerror`` says what is wrong
in a few words, which the command line prints as ``cannot read PATH: ...`` like any unreadable file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["MIB", "read_whole"]

MIB = 1024 * 1024


def read_whole(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes; else ``OSError``. ``what`` names
    the kind of file in the message on size (``"a catalogue"``)."""
    if not stat.S_ISREG(os.stat(path).st_mode):  # before opening: opening a FIFO waits for a writer
        raise OSError(errno.EINVAL, "it is not a regular file (a device, a pipe or a socket?)", str(path))
    with path.open("rb") as fh:
        data = fh.read(limit + 1)  # at most this much, whatever the size said before (a file still growing)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"it is larger than {limit // MIB} MiB, the most {what} may be", str(path))
    return data
