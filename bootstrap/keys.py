"""The pseudonymisation key of the embedded default, kept in the working directory.

With no ``DOSSIER_AUDIT_PSEUDONYM_KEY`` a process used to draw a random key, so two runs of ``dossier-audit
run`` on the same sample gave applicants different pseudonyms. The main job instead generates a key once,
stores it in ``<workdir>/pseudonym.key`` readable by its owner only (mode 0600), and uses it on every later
run, so the same input gives the same pseudonyms; what is tested byte for byte across two runs is the audit
packs, ``violations.jsonl`` and the console summary (``tests/dossier_audit/test_main_job_stable.py``). A
configured key always wins; the file is never read then.

The file appears complete or not at all: the key is written to a private temporary file in the same
directory, which is then hard-linked into place (``os.link`` fails when the name exists, so of two racing
runs one wins and the other reads the winner's key). An existing file is used only when it is a regular
file (not a symlink) owned by the current user, with no group or other permission bits, holding exactly
the 64 hexadecimal characters the generator writes; anything else is refused in one line saying how to fix
it. The key itself is never printed.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from pathlib import Path

KEY_FILE = "pseudonym.key"
KEY_HEX_CHARS = 64  # secrets.token_hex(32)
_KEY = re.compile(rf"[0-9a-f]{{{KEY_HEX_CHARS}}}")
# An empty file is retried for up to a second: earlier versions created the file before writing the key.
_EMPTY_RETRIES = 50
_EMPTY_PAUSE_S = 0.02
_FIX = (
    "delete the file to generate a new one (applicants then get new pseudonyms) or set "
    "DOSSIER_AUDIT_PSEUDONYM_KEY"
)


class KeyFileError(ValueError):
    """The stored key cannot be used (unreadable, not a private regular file, or not a key); the message
    says which file, why and how to fix it, in one line."""


def workdir_pseudonym_key(workdir: Path) -> tuple[str, Path, bool]:
    """The key stored in ``workdir`` (generated and written, mode 0600, when there is none yet): the key,
    its file, and whether it was generated now."""
    path = workdir / KEY_FILE
    workdir.mkdir(parents=True, exist_ok=True)
    if not os.path.lexists(path):
        key = secrets.token_hex(KEY_HEX_CHARS // 2)
        try:
            published = _publish(path, key)
        except OSError as exc:
            raise KeyFileError(f"cannot write the pseudonymisation key file {path}: {exc.strerror}") from None
        if published:
            return key, path, True
    return _read(path), path, False


def _publish(path: Path, key: str) -> bool:
    """Write ``key`` to a 0600 temporary file next to ``path`` and hard-link it to ``path``; False when
    ``path`` appeared meanwhile (another run's key, read by the caller)."""
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            os.write(fd, (key + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path, follow_symlinks=False)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path) -> str:
    for _ in range(_EMPTY_RETRIES):
        text = _read_private(path)
        if text.strip():
            break
        time.sleep(_EMPTY_PAUSE_S)
    key = text.strip()
    if not key:
        raise KeyFileError(f"the pseudonymisation key file {path} is empty: {_FIX}")
    if not _KEY.fullmatch(key):
        raise KeyFileError(
            f"the pseudonymisation key file {path} does not hold {KEY_HEX_CHARS} hexadecimal characters "
            f"(the form dossier-audit generates): {_FIX}"
        )
    return key


def _read_private(path: Path) -> str:
    """The text of ``path``, opened without following a symlink and checked to be a regular file of ours
    with no group/other permissions."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise KeyFileError(
                f"the pseudonymisation key file {path} is a symbolic link, which is not accepted: replace it "
                f"with the key file itself (mode 0600) or {_FIX}"
            ) from None
        raise KeyFileError(f"cannot read the pseudonymisation key file {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"the pseudonymisation key file {path} is not a regular file: {_FIX}")
        if info.st_uid != os.geteuid():
            raise KeyFileError(
                f"the pseudonymisation key file {path} belongs to another user (uid {info.st_uid}): run as "
                f"its owner, or {_FIX}"
            )
        if info.st_mode & 0o077:
            raise KeyFileError(
                f"the pseudonymisation key file {path} is readable or writable by others (mode "
                f"{stat.S_IMODE(info.st_mode):04o}): run chmod 600 {path}"
            )
        data = b""
        while chunk := os.read(fd, 4096):
            data += chunk
            if len(data) > 4096:
                break
    finally:
        os.close(fd)
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        return "\x00"  # not a key: refused by the caller as not hexadecimal
