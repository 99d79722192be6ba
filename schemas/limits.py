"""Limits on input beyond the contract: what a line may hold so that every later step can store and read it.

The contract (``EVENTS.md``) keeps unknown fields "as received", but some JSON the parser accepts cannot be
kept faithfully: a 400-digit integer has no column or Kafka encoding (orjson refuses integers beyond 64
bits), ``NaN``/``Infinity`` are not JSON at all and came out as ``null``, a 10,000-deep array stopped the
batch engine's router with a ``RecursionError``, and with a repeated key the last value silently won. Each
of these is rejected at validation with its own reason code instead (``docs/input-limits.md``).

The checks are built so that the valid path stays cheap: nothing here runs on a contract-valid event
without unknown fields except :func:`repeated_key`'s count of colons; the exact (slower) checks run only
when a cheap test says they might find something.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

#: The longest input line, in bytes without its line ending. Real events are a few hundred bytes; the cap
#: bounds what one line costs in memory and keeps every encoding the platform makes of a line (the event
#: re-encoded and pseudonymised, a dead letter with the raw line escaped) under Kafka's default 1 MiB
#: message limit (worst case about six times the line).
MAX_LINE_BYTES = 128 * 1024
#: How much of an over-long line a rejection keeps: enough to find it in the source, not the whole line.
KEPT_OF_LONG_LINE = 1024
#: The deepest nesting of arrays and objects, the event object itself being level 1 (the contract's own
#: fields need 3: the event, ``data``, a list of document codes).
MAX_DEPTH = 32
#: Integers are within signed 64 bits: orjson, which writes every stored and published event, has no
#: encoding beyond 64 bits, and signed is what every reader downstream takes (ClickHouse's JSON functions).
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
#: The UTF-8 byte-order mark some editors write at the start of a file.
BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class Problem:
    """Why a parsed value is beyond the limits: a reason code, what was found, and where (built on the way
    back up, innermost key first, so a path is only assembled for the one value that is reported)."""

    code: str
    detail: str
    loc: list[int | str] = field(default_factory=list)


def skip_bom(fh: IO[bytes]) -> None:
    """Position a seekable file after a leading UTF-8 byte-order mark, if it has one."""
    if fh.read(len(BOM)) != BOM:
        fh.seek(0)


def without_bom(first_line: bytes) -> bytes:
    """The first line of a stream without a leading byte-order mark (a :class:`LongLine` stays one)."""
    if not first_line.startswith(BOM):
        return first_line
    if type(first_line) is LongLine:
        return LongLine.of(first_line[len(BOM) :], first_line.length - len(BOM))
    return first_line[len(BOM) :]


class LongLine(bytes):
    """The beginning (:data:`KEPT_OF_LONG_LINE` bytes) of a line longer than :data:`MAX_LINE_BYTES`, as
    :func:`bounded_lines` gives it, with the whole line's ``length`` (without its line ending)."""

    length: int

    @classmethod
    def of(cls, beginning: bytes, length: int) -> LongLine:
        line = cls(beginning[:KEPT_OF_LONG_LINE])
        line.length = length
        return line


#: What :func:`bounded_lines` reads of a line at once: the longest line allowed, with a CR LF.
_READ_CAP = MAX_LINE_BYTES + 2
_SKIP_CHUNK = 1 << 20


def bounded_lines(fh: IO[bytes]) -> Iterator[bytes]:
    """The lines of ``fh`` (with their line endings), a line longer than :data:`MAX_LINE_BYTES` as a
    :class:`LongLine`: its beginning only, the rest read past in 1 MiB chunks. Iterating a file holds each
    line whole: a 200 MB file without a newline took 480 MB in every batch worker, where one counted
    rejection was due (review of 2026-12-04)."""
    readline = fh.readline
    while line := readline(_READ_CAP):
        if len(line) < _READ_CAP or line[-1:] == b"\n":
            yield line
            continue
        length, tail = len(line), line[-2:]
        while tail[-1:] != b"\n" and (chunk := readline(_SKIP_CHUNK)):
            length += len(chunk)
            tail = (tail + chunk)[-2:]
        if tail[-1:] == b"\n":  # its line ending is not part of its length
            length -= 2 if tail == b"\r\n" else 1
        yield LongLine.of(line, length)


def too_long(raw: bytes | str) -> bool:
    """Whether a line, without its line ending, is longer than :data:`MAX_LINE_BYTES` (a :class:`LongLine`
    always is)."""
    if len(raw) <= MAX_LINE_BYTES:  # the common case: one length comparison
        return type(raw) is LongLine
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return len(data.rstrip(b"\r\n")) > MAX_LINE_BYTES


def scan(value: Any, depth: int, members: list[int]) -> Problem | None:
    """The first value beyond the limits in ``value`` (a container at nesting level ``depth``), depth first.

    Adds the number of object members seen to ``members[0]`` (for :func:`repeated_key`). Strings, booleans
    and ``null`` are skipped without a call: they are most of any document.
    """
    kind = type(value)
    if kind is dict or kind is list:
        if depth > MAX_DEPTH:
            return Problem("json.too_deep", f"arrays and objects nest more than {MAX_DEPTH} levels deep")
        if kind is dict:
            members[0] += len(value)
            items: Any = value.items()
        else:
            items = enumerate(value)
        for key, item in items:
            if item is None or type(item) is str or type(item) is bool:
                continue
            found = scan(item, depth + 1, members)
            if found is not None:
                found.loc.append(key)
                return found
        return None
    if kind is int:
        if INT_MIN <= value <= INT_MAX:
            return None
        return Problem("json.number_out_of_range", f"{_size(value)} is outside the signed 64-bit range")
    if kind is float and not math.isfinite(value):
        if math.isnan(value):
            return Problem("json.not_finite", "NaN is not a number JSON has, nor one the platform can store")
        sign = "-" if value < 0 else ""
        return Problem(
            "json.not_finite",
            f"an infinite number ({sign}Infinity, or beyond ±1.8e308 such as {sign}1e400) cannot be stored",
        )
    return None


def count_members(value: Any) -> int:
    """How many object members ``value`` holds at any depth (what :func:`repeated_key` compares with)."""
    kind = type(value)
    if kind is dict:
        return len(value) + sum(count_members(item) for item in value.values() if type(item) in _NESTED)
    if kind is list:
        return sum(count_members(item) for item in value if type(item) in _NESTED)
    return 0


_NESTED = (dict, list)


def _size(value: int) -> str:
    # Its size, never its digits: an unknown field may hold personal data (a citizen id as a number).
    try:
        digits = len(str(abs(value)))
    except ValueError:  # str() of an integer beyond 4,300 digits raises: tell its size from its bits
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    return f"an integer of {digits:,} digits"


#: The end of an object key: its closing quote and the colon, possibly with blanks between them. Inside a
#: string the same bytes can only follow an escaped quote, so counting them never undercounts the keys.
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
_SPACED_KEY_END = re.compile(rb'"[ \t\r\n]+:')


def repeated_key(raw: bytes, members: int, string_colons: int = 0) -> tuple[list[int | str], str] | None:
    """Where a key is repeated in one object of the JSON text ``raw``, given how many members its parse
    kept (a repeated key keeps one) and how many colons its strings certainly hold (an event's times):
    (the object's location, the key), or None.

    Every key is followed by a colon, so the text has at least ``members + string_colons`` colons, and
    more only if a key repeats or a string holds more colons: one byte count clears the common case.
    Then the key ends are counted (a string can only hold one after an escaped quote), and only if there
    are more of them than members is the text parsed again, exactly.
    """
    if raw.count(b":") - string_colons <= members:
        return None
    # Keys written with blanks before their colon are not in the first count (json.dumps never writes them).
    if raw.count(b'":') <= members and (
        _SPACED_KEY_END.search(raw) is None or len(_KEY_END.findall(raw)) <= members
    ):
        return None
    return _first_repeat(raw)


class _Pairs(list[tuple[str, Any]]):
    """An object as its members in text order (``object_pairs_hook``), repeated keys included."""


def _ignore(_text: str) -> None:
    return None


def _first_repeat(raw: bytes) -> tuple[list[int | str], str] | None:
    try:
        # Numbers are not converted: only keys matter here, and a huge integer would raise.
        doc = json.loads(raw, object_pairs_hook=_Pairs, parse_int=_ignore, parse_float=_ignore,
                         parse_constant=_ignore)  # fmt: skip
    except (ValueError, RecursionError):
        return None
    return _repeat_in(doc)


def _repeat_in(value: Any) -> tuple[list[int | str], str] | None:
    items: Any
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        for key, _item in value:
            if key in seen:
                return [], key
            seen.add(key)
        items = value
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _repeat_in(item)
        if found is not None:
            found[0].append(key)
            return found
    return None
