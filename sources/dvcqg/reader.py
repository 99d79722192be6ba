"""Streaming DVCQG payload files: records one at a time from an open binary file, in bounded memory.

A payload file may hold one body or many (a log of bodies one after another, e.g. one per line), each
either ``{"service": ..., "data": [records]}`` (``data`` may also be a single record, or ``null``: no
record), a bare array of
records, or a bare record. Files reach hundreds of megabytes, so they are parsed incrementally with ijson
(yajl2's C parser) and only one record is ever built in memory: the ``data`` array itself never is.

Limits, each a counted :class:`ReadProblem` instead of an exception: a record nested deeper than
:data:`MAX_DEPTH` or made of more than :data:`MAX_RECORD_EVENTS` JSON tokens is skipped
(``record.too_deep``, ``record.too_large``), and so is one with a key given twice in one object
(``record.duplicate_key``: the last value would win silently); a body that is not an object or array is
``body.not_container``; text that stops being JSON (``json.invalid``) ends the file, after every record
read before it was yielded (in a JSON Lines file, ``.jsonl``, it ends only its line, and so it does in a
file that proves to be one body per line up to it: :func:`_rest_by_lines`); a file holding no
JSON at all is ``file.empty``. Parser messages are reduced to their first line: yajl quotes the text
around an error, which may be an applicant's data.

No path is opened here (the command line does that); this module only reads what it is given.
"""

from __future__ import annotations

import decimal
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import ijson  # type: ignore[import-untyped]  # no stubs; the calls here are few

from sources.dvcqg.byte_source import ByteSource, Line
from sources.dvcqg.notes import unreaching
from sources.dvcqg.parse_errors import first_line, not_json_numbers
from sources.dvcqg.times import shown_text

__all__ = ["MAX_DEPTH", "MAX_RECORD_EVENTS", "ReadProblem", "Record", "Service", "read_records"]

#: Deepest nesting inside one record (the record itself is level 1); real records need 3.
MAX_DEPTH = 32
#: Most JSON tokens in one record (a real one has a few hundred): bounds the memory of one record.
MAX_RECORD_EVENTS = 200_000
_SCALARS = frozenset({"string", "number", "boolean", "null"})
_STARTS = frozenset({"start_map", "start_array"})
_ENDS = frozenset({"end_map", "end_array"})
_Event = tuple[str, Any]


#: Members that make an object a record (a dossier's id), whatever else it holds: a body with ``data`` null
#: beside one is not an empty batch.
_RECORD_IDS = frozenset({"mahoso", "idhoso", "mahosokhac"})


@dataclass(frozen=True, slots=True)
class Record:
    """One record as parsed (normally an object); ``index`` counts records in the file from 1."""

    index: int
    value: Any


@dataclass(frozen=True, slots=True)
class Service:
    """A body's ``service`` name, as read (for the summary)."""

    name: str


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """Something in the file that is no record: ``index`` is the record number it stands in for."""

    index: int
    code: str
    message: str


Item = Record | Service | ReadProblem


class _TooBig(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


#: What ends the JSON of a file (or of a line): the parser's errors, and a string yajl lets through that is
#: no UTF-8 (an overlong or surrogate sequence, ``C0 90``), which ijson's decoding refuses; it escaped as a
#: traceback (found by the mutation property test, 2026-12-05).
#: An integer too long for Python to convert never reaches the parser (``byte_source.DigitsTooLong``, one of
#: ijson's errors).
#: ``decimal.InvalidOperation``: an exponent past the ``Decimal`` range (``1e99999999999999999999``), which
#: ijson raises as it converts it (the parser reads on after it, unlike after ``ValueError``: last read of
#: 2026-12-07).
_NOT_JSON = (ijson.JSONError, UnicodeDecodeError, decimal.InvalidOperation)


def read_records(
    fh: IO[bytes], *, on_bytes: Callable[[int], None] | None = None, lines: bool = False
) -> Iterator[Item]:
    """The records, service names and problems of an open payload file, in file order.

    ``on_bytes(n)`` is called with the bytes read so far after each chunk (for a progress bar). Raises only
    what reading ``fh`` raises (``OSError``); bad content is a :class:`ReadProblem`. ``lines``: the file
    is JSON Lines (a ``.jsonl`` log, one body per line), so a line that is not JSON is one problem and
    reading goes on at the next line (:func:`_read_lines`); else such text ends the file.
    """
    if lines:
        yield from _read_lines(ByteSource(fh, on_bytes))
        return
    source = ByteSource(fh, on_bytes)
    reader = _Reader(ijson.basic_parse(source, multiple_values=True))
    try:
        yield from reader.values()
    except _NOT_JSON as exc:
        if not source.content:
            yield ReadProblem(reader.index + 1, "file.empty", "the file holds no JSON")
            return
        rest = _rest_by_lines(fh, reader.index)
        if rest is not None:  # one body per line: the bad line is the problem, the lines after are read
            yield from rest
            return
        where = f"after record {reader.index}" if reader.index else "before its first record"
        why = first_line(exc).rstrip(".") + not_json_numbers(exc) + _utf16(fh)
        yield ReadProblem(
            reader.index + 1,
            "json.invalid",
            f"the file stops being JSON {where}: {why}; nothing after it is read (correct the file there and "
            "import it again)",
        )
        return
    if not source.content:
        yield ReadProblem(1, "file.empty", "the file holds no JSON")


def _rest_by_lines(fh: IO[bytes], done: int) -> Iterator[Item] | None:
    """After a JSON error past record ``done``: when the file is one body per line up to there (read again
    from its start as JSON Lines, every record before the error read alone from its line), the items after
    record ``done`` read so, the bad line a problem and every line after it read; else ``None`` (the error
    ends the file, as for a single body that breaks off). A file that cannot be read again (a pipe) gets
    ``None``. Without this, a payload log named ``.json`` lost every record after one bad line, uncounted."""
    try:
        if not fh.seekable():
            return None
        fh.seek(0)
    except (OSError, ValueError):
        return None
    items = _read_lines(ByteSource(fh, None))
    service: Service | None = None
    for item in items:
        if isinstance(item, Service):
            service = item
            continue
        if item.index <= done:
            if isinstance(item, ReadProblem):  # not one body per line before the error either
                return None
            service = None  # its body's: read already
            continue
        ahead = list(itertools.islice(items, _LOOKAHEAD))
        # A last line that breaks off is one text; so is a file whose first lines are none of them a body
        # (a pretty-printed body broken in its first record, a UTF-16 file): read by lines, each of its lines
        # was a problem of its own, the real one lost among them (review of a real import).
        no_body = not any(isinstance(a, Record | Service) for a in ahead)
        if isinstance(item, ReadProblem) and no_body and (done == 0 or not ahead):
            return None
        return _chain(service, item, ahead, items)
    return None


def _utf16(fh: IO[bytes]) -> str:
    """What to say of a file that starts with a UTF-16 byte-order mark (PowerShell's default encoding),
    whose every byte the parser refused as "invalid char"; else nothing."""
    try:
        fh.seek(0)
        start = fh.read(2)
    except (OSError, ValueError):
        return ""
    return " (the file is UTF-16: save it as UTF-8)" if start in (b"\xff\xfe", b"\xfe\xff") else ""


#: Lines read past a file's first bad line for a body, before the file is taken for one text, not a log.
_LOOKAHEAD = 3


def _chain(service: Service | None, first: Item, ahead: list[Item], rest: Iterator[Item]) -> Iterator[Item]:
    for item in (service, first, *ahead):
        if item is not None:
            yield item
    yield from rest


def _read_lines(source: ByteSource) -> Iterator[Item]:
    """:func:`read_records` of a JSON Lines file: each line parsed on its own, records numbered across the
    file; a line that is not JSON is a ``json.invalid`` problem and the next line is read."""
    index = 0
    number = 0
    while True:
        line = Line(source)
        number += 1
        reader = _Reader(ijson.basic_parse(line, multiple_values=True), index)
        try:
            yield from reader.values()
        except _NOT_JSON as exc:
            line.skip()
            if line.blank:  # an empty line (the parser finds no value in it): nothing lost
                index = reader.index
                if line.last:
                    break
                continue
            yield ReadProblem(
                reader.index + 1, "json.invalid", f"line {number} is not JSON: {first_line(exc)}"
            )
            reader.index += 1
        index = reader.index
        if line.last:
            break
    if not source.content:
        yield ReadProblem(1, "file.empty", "the file holds no JSON")


class _Reader:
    def __init__(self, events: Iterator[_Event], index: int = 0) -> None:
        self._events = events
        self.index = index  # records (and problems standing in for them) read so far

    def _next(self) -> _Event:
        try:
            return next(self._events)
        except StopIteration:  # ijson raises first; never a StopIteration leaking out of a generator
            raise ijson.IncompleteJSONError("parse error: premature EOF") from None

    def values(self) -> Iterator[Item]:
        for event, _ in self._events:
            if event == "start_map":
                yield from self._body()
            elif event == "start_array":
                yield from self._array()
            else:
                self.index += 1
                yield ReadProblem(
                    self.index,
                    "body.not_container",
                    f"a top-level JSON {_scalar(event)} is neither a body nor a record",
                )

    def _array(self) -> Iterator[Item]:
        """Records of an array whose ``start_array`` was read, up to its end."""
        while True:
            event, value = self._next()
            if event == "end_array":
                return
            yield self._record(event, value)

    def _record(self, event: str, value: Any) -> Item:
        # Counted once read whole: a file that breaks off inside a record reports "after" the one before.
        try:
            built = self._build(event, value)
        except _TooBig as exc:
            self.index += 1
            return ReadProblem(self.index, exc.code, exc.message)
        self.index += 1
        return Record(self.index, built)

    def _body(self) -> Iterator[Item]:
        """A top-level object whose ``start_map`` was read: a body's ``data`` records are streamed; an object
        without ``data`` is itself a record (built from its other members)."""
        members: dict[str, Any] = {}
        has_data = service = null_data = False
        too_big: _TooBig | None = None
        tokens = 0
        while True:
            event, key = self._next()
            if event == "end_map":
                break
            event, value = self._next()
            folded = str(key).casefold()
            if folded == "data" and event in ("start_array", "start_map"):
                has_data = True
                if event == "start_array":
                    yield from self._array()
                else:
                    yield self._record(event, value)
                continue
            if folded == "service" and event == "string":
                yield Service(value)
                service = True
            elif folded == "data" and event == "null":
                null_data = True
            try:
                built = self._build(event, value, depth=1)
                tokens += 1 if event in _SCALARS else 2
                if tokens > MAX_RECORD_EVENTS:
                    raise _TooBig("record.too_large", "the object has too many members")
                if key in members:
                    raise _TooBig("record.duplicate_key", _repeated(key))
                members[key] = built
            except _TooBig as exc:
                too_big = too_big or exc
        if has_data or (service and null_data and not any(str(k).casefold() in _RECORD_IDS for k in members)):
            # A body whose ``data`` is null (a service named: a bare record holds no ``service``): an empty
            # batch, as a .NET sender writes one. It was read as one record, the body itself, rejected as "a
            # whole payload body inside an array" (DVCQG review); a bare record with a null ``Data`` member is
            # a record still, and so is one that holds a dossier's id (review of the diff).
            return
        self.index += 1
        if too_big is not None:
            yield ReadProblem(self.index, too_big.code, too_big.message)
        else:
            yield Record(self.index, members)

    def _build(self, first: str, value: Any, depth: int = 0) -> Any:
        """The value that starts with (``first``, ``value``), read to its end; :class:`_TooBig` (after
        reading past it) when it nests deeper than :data:`MAX_DEPTH` or has too many tokens.

        The innermost loop of every import (one pass per JSON token), so it keeps the container being
        filled and its key in local variables."""
        if first in _SCALARS:
            if first != "number":
                return value
            try:
                return _number(value)
            except OverflowError:
                raise _TooBig("record.number_out_of_range", _HUGE) from None
        root: Any = {} if first == "start_map" else []
        # (container, whether it is an object, the key it waits for) of each open container but the top.
        stack: list[tuple[Any, bool, Any]] = []
        top: Any = root
        is_map = first == "start_map"
        key: Any = None
        deepest = MAX_DEPTH - depth - 1  # containers that may still open inside the root
        limit = MAX_RECORD_EVENTS
        repeated: Any = None  # the first key given twice in one object: the record is refused once read
        huge = False  # a number beyond a float's range: the record is refused once read
        for tokens, (event, token) in enumerate(self._events, 1):
            if event == "map_key":
                key = token
                if key in top and repeated is None:
                    repeated = key
            elif event in _ENDS:
                if not stack:
                    if repeated is not None:
                        raise _TooBig("record.duplicate_key", _repeated(repeated))
                    if huge:
                        raise _TooBig("record.number_out_of_range", _HUGE)
                    return root
                top, is_map, key = stack.pop()
            elif event in _STARTS:
                if len(stack) >= deepest:
                    self._skip(len(stack) + 2)
                    raise _TooBig("record.too_deep", f"the record nests more than {MAX_DEPTH} levels deep")
                item: Any = {} if event == "start_map" else []
                if is_map:
                    top[key] = item
                else:
                    top.append(item)
                stack.append((top, is_map, key))
                top, is_map, key = item, event == "start_map", None
            else:
                scalar = token
                if event == "number":
                    try:
                        scalar = _number(token)
                    except OverflowError:
                        huge = True
                if is_map:
                    top[key] = scalar
                else:
                    top.append(scalar)
            if tokens > limit:
                self._skip(len(stack) + 1)
                raise _TooBig(
                    "record.too_large", f"the record has more than {MAX_RECORD_EVENTS:,} JSON tokens"
                )
        raise ijson.IncompleteJSONError("parse error: premature EOF")

    def _skip(self, open_containers: int) -> None:
        """Read past the ends of ``open_containers`` containers."""
        depth = open_containers
        for event, _ in self._events:
            if event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
                if depth == 0:
                    return
        raise ijson.IncompleteJSONError("parse error: premature EOF")


#: The integers a record keeps as they are: JSON's writers (and ``orjson``, which writes a rejected record)
#: hold 64 bits.
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def _number(value: Any) -> Any:
    """A JSON number as a record holds it: an integer as it is within 64 bits, any other as a float. Read
    with ``use_float``, the parser stopped at an integer of more than 64 bits (a payment's transaction id
    of twenty digits) and the file with it, though it is JSON; read without it, a fraction is a
    ``Decimal``, which no writer of the records takes."""
    if type(value) is int and _INT_MIN <= value <= _INT_MAX:
        return value
    number = float(value)  # OverflowError for an integer beyond a float's range
    if math.isinf(number):  # a fraction or an exponent beyond it (``1e400``): no writer takes an infinity
        raise OverflowError(f"{value!s:.40} is beyond a float's range")
    return number


#: Why a record holding a number beyond a float's range is refused: its events could not be written.
_HUGE = "a number is beyond a float's range (about ±1.8 × 10³⁰⁸): no JSON writer keeps it"


def _repeated(key: Any) -> str:
    """Why a record with a key given twice in one object is refused: the last value won silently (a second
    ``MaHoSo`` made another dossier of it: review); the event path rejects it too (``json.duplicate_key``).
    The key quoted as a refused value is (``times.shown_text``): "Lê Văn Tám" was quoted in clear."""
    shown = unreaching(shown_text(str(key)))
    return f"the key {shown} is given twice in one object: which value the sender meant is a guess"


def _scalar(event: str) -> str:
    return {"string": "string", "number": "number", "boolean": "boolean", "null": "null"}.get(event, event)
