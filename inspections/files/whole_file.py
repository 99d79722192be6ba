"""Reading a data file whole, up to a bounded size, from a file or a stream, never from a device.

The catalogue and calendar loaders (and the national list's importer) read a file whole before parsing it.
Given a device (``catalogue check /dev/zero``, ``DOSSIER_AUDIT_CATALOGUE=/dev/zero``) they read without end,
until the kernel killed the process at 24 GB (review). So a directory or a device (character or block) is
refused before it is opened, and whatever else is read — a regular file, a pipe or FIFO (``<(cat f)``,
``cat f | ... /dev/stdin``), a socket — is read up to a stated number of bytes plus one: more is refused
rather than parsed into gigabytes of YAML nodes, a stream as a file. A FIFO's opening waits for a writer, as
``cat`` does. Each refusal is an ``OSError`` whose ``strerror`` says what is wrong in a few words, which
the command line prints as ``cannot read PATH: ...`` like any unreadable file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["DEVICE", "MIB", "never_read", "read_whole"]

MIB = 1024 * 1024

#: Why a device is not read: ``/dev/zero`` has no end, ``/dev/null`` and a terminal are no data file.
DEVICE = "it is a device, not a file or a stream"


def never_read(mode: int) -> str | None:
    """Why a path of this ``st_mode`` is never read as a data file (a directory, a device), or None."""
    if stat.S_ISDIR(mode):
        return "it is a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return DEVICE
    return None


def read_whole(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path`` — a regular file, a pipe or a socket — when at most ``limit``; else ``OSError``
    (a directory or a device is refused before it is opened). ``what`` names the kind of file in the
    message on size (``"a catalogue"``)."""
    why = never_read(os.stat(path).st_mode)
    if why is not None:
        raise OSError(errno.EISDIR if why != DEVICE else errno.EINVAL, why, str(path))
    with path.open("rb") as fh:
        data = fh.read(limit + 1)  # at most this much, whatever the size said (a file growing, a stream)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"it is larger than {limit // MIB} MiB, the most {what} may be", str(path))
    return data
