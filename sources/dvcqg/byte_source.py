"""A payload file's bytes as the JSON parser reads them (``reader``): the whole file (:class:`ByteSource`),
or one line of it at a time for a JSON Lines log (:class:`Line`)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import IO

import ijson  # type: ignore[import-untyped]

_BOM = b"\xef\xbb\xbf"
_NEWLINE_BOM = b"\n" + _BOM
WHITESPACE = b" \t\r\n"
#: The longest run of digits the parser is given: Python refuses to convert a longer integer
#: (``sys.get_int_max_str_digits``, 4,300 unless set otherwise), and ijson's C parser, converting one, raised
#: that ``ValueError`` and left it set: the next record raised ``SystemError`` or crashed the process (DVCQG
#: seat, 2026-12-07). No real value, number or string, holds such a run. The lower of this and Python's limit
#: (its 0, no limit, keeps this one: a longer integer costs quadratic time to convert).
MAX_DIGITS = 4_300
_DIGITS = b"0123456789"


def digit_limit() -> int:
    """The longest run of digits a read may hold: :data:`MAX_DIGITS`, or Python's limit when lower."""
    limit = sys.get_int_max_str_digits()
    return min(limit, MAX_DIGITS) if limit else MAX_DIGITS


class DigitsTooLong(ijson.JSONError):  # type: ignore[misc]
    """A run of more than :func:`digit_limit` digits, found before the parser reads it."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"a run of more than {limit:,} digits, a number too long to read (or a string holding one)"
        )


class DigitRuns:
    """The reads as the parser gets them: each up to the start of a run of more than :func:`digit_limit`
    digits (a run may span reads), and :class:`DigitsTooLong` on the read after, so the records before the run
    are read (a whole 64 KiB read refused lost them: last read of 2026-12-07). One search per read, for a run
    that starts after a non-digit (without the look-behind, a page of digits cost quadratic time)."""

    def __init__(self) -> None:
        self.limit = digit_limit()
        self._long = re.compile(rb"(?<![0-9])[0-9]{%d}" % (self.limit + 1))
        self._carried = 0  # digits at the end of the reads so far
        self._refused = False

    def passed(self, chunk: bytes) -> bytes:
        """``chunk``, or its part before a run too long (raising when it starts with one)."""
        if self._refused:
            raise DigitsTooLong(self.limit)
        leading = len(chunk) - len(chunk.lstrip(_DIGITS))
        found = self._long.search(chunk, leading)
        if self._carried + leading > self.limit or (found is not None and found.start() == 0):
            self._refused = True
            raise DigitsTooLong(self.limit)
        if found is not None:
            self._refused = True
            return chunk[: found.start()]
        trailing = len(chunk) - len(chunk.rstrip(_DIGITS))
        self._carried = self._carried + leading if leading == len(chunk) else trailing
        return chunk


class ByteSource:
    """The file as ijson reads it: byte-order marks skipped, bytes counted for progress, and whether
    anything but whitespace was seen (an empty file is its own problem).

    A mark is skipped at the file's start and at the start of every line: files a .NET sender wrote, one
    body each, concatenated into one log, hold one per body, and the second one made its line not JSON (a
    lost body, or the rest of a ``.json`` file unread: review). After a newline a mark can only stand
    between two values (JSON strings hold no raw newline), so nothing of a value is taken."""

    def __init__(self, fh: IO[bytes], on_bytes: Callable[[int], None] | None) -> None:
        self._fh = fh
        self._on_bytes = on_bytes
        self._line_start = True  # the next byte starts the file or a line
        self.read_bytes = 0
        self.content = False
        self._digits = DigitRuns()

    def read(self, size: int = -1) -> bytes:
        # The whole file's reads: :class:`Line` checks a line's.
        return self._digits.passed(self._took(self._fh.read(size), self._fh.read))

    def readline(self, size: int = -1) -> bytes:
        return self._took(self._fh.readline(size), self._fh.readline)

    def _took(self, chunk: bytes, more: Callable[[int], bytes]) -> bytes:
        if not chunk:  # the end, or ijson's first read of 0 bytes to learn the file's type
            return chunk
        self.read_bytes += len(chunk)
        while self._undecided(chunk):  # a mark perhaps cut off by the read: a few bytes more decide
            extra = more(len(_BOM))
            if not extra:
                break
            self.read_bytes += len(extra)
            chunk += extra
        if self._line_start:  # one mark per line's start, however the reads cut it (diff review)
            chunk = chunk.removeprefix(_BOM)
            self._line_start = False
        if _NEWLINE_BOM in chunk:
            chunk = chunk.replace(_NEWLINE_BOM, b"\n")
        if chunk:
            self._line_start = chunk.endswith(b"\n")
        if not self.content and chunk.strip(WHITESPACE):
            self.content = True
        if self._on_bytes is not None:
            self._on_bytes(self.read_bytes)
        return chunk or self._took(more(1 << 16), more)  # only the mark: never an empty read mid-file

    def _undecided(self, chunk: bytes) -> bool:
        """Whether ``chunk`` ends where a mark may start but not all of it was read."""
        if self._line_start and len(chunk) < len(_BOM) and _BOM.startswith(chunk):
            return True
        return chunk.endswith((_NEWLINE_BOM[:2], _NEWLINE_BOM[:3]))


class Line:
    """One line of ``source`` as ijson reads it: its bytes up to its newline, then the end. ijson reads in
    chunks, so a line of any length streams through and is never held whole."""

    def __init__(self, source: ByteSource) -> None:
        self._source = source
        self.ended = False  # its newline, or the file's end, was read
        self.last = False  # the file ended in it
        self.blank = True  # nothing but whitespace read so far
        self._digits = DigitRuns()

    def read(self, size: int = -1) -> bytes:
        return self._digits.passed(self._next(size))

    def _next(self, size: int) -> bytes:
        if self.ended or size == 0:  # ijson first reads 0 bytes to learn the file's type
            return b""
        chunk = self._source.readline(size)
        if not chunk:  # only an empty read says the file ended: a short one may be a pipe's
            self.last = self.ended = True
        elif chunk.endswith(b"\n"):
            self.ended = True
        if self.blank and chunk.strip(WHITESPACE):
            self.blank = False
        return chunk

    def skip(self) -> None:
        """Read past the rest of the line."""
        while not self.ended:
            self._next(1 << 16)
