"""Column encoders for ClickHouse's Native format, vectorised with NumPy.

``clickhouse-driver`` encodes an insert value by value in Python (Enum names, DateTime conversions, the null
map of every Nullable column), which made the client, not the server, the bottleneck of an ``events`` batch.
These encoders write the same column bodies from whole columns at once, for the types the warehouse uses;
strings go through the driver's own writer, which is compiled (Cython) and as fast as it gets. The module
does no I/O: it writes to whatever ``ColumnWriter`` it is given (``native_insert.py`` gives the
driver's connection buffer; ``BytesColumnWriter`` collects bytes).

A type or a value these encoders do not handle (a naive datetime, an ``Array``…) makes ``write_column``
return ``False`` before it writes anything, and the caller lets the driver encode that column as usual, so
an unusual batch is slower, never wrong. A value its column cannot hold raises ``NativeValueError`` naming
the column, the type and the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import repeat
from operator import attrgetter, is_
from typing import Any, Protocol, cast

import numpy as np

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DAY = date(1970, 1, 1)
_SECOND = timedelta(seconds=1)

_INTEGERS: dict[str, tuple[str, int, int]] = {
    f"{'U' if unsigned else ''}Int{bits}": (
        f"<{'u' if unsigned else 'i'}{bits // 8}",
        0 if unsigned else -(2 ** (bits - 1)),
        2**bits - 1 if unsigned else 2 ** (bits - 1) - 1,
    )
    for bits in (8, 16, 32, 64)
    for unsigned in (False, True)
}
_FLOATS = {"Float32": "<f4", "Float64": "<f8"}
_ENUM = re.compile(r"^Enum(8|16)\((.*)\)$", re.DOTALL)
_ENUM_ITEM = re.compile(r"\s*'((?:[^'\\]|\\.)*)'\s*=\s*(-?\d+)\s*(?:,|$)")
_TZINFO = attrgetter("tzinfo")
_NONE_FOUND = object()
_NULL_ENUM = object()  # stands for a null in a Nullable(Enum) column (0 is no valid Enum value)
_DATETIME = re.compile(r"^DateTime(\('[^']*'\))?$")


class NativeValueError(ValueError):
    """A value that its column's type cannot hold."""


class ColumnWriter(Protocol):
    """Where a column body goes: the driver's buffered writers have these two methods."""

    def write(self, data: bytes) -> None: ...

    def write_strings(self, items: list[str], encoding: str = "utf-8") -> None: ...


class BytesColumnWriter:
    """A ``ColumnWriter`` collecting the bytes in memory (the tests compare them with the driver's)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def write(self, data: bytes) -> None:
        self.buffer += data

    def write_strings(self, items: list[str], encoding: str = "utf-8") -> None:
        for item in items:
            data = item.encode(encoding)
            self.buffer += _varint(len(data))
            self.buffer += data


class _Unsupported(Exception):
    """This encoder does not handle these values; the driver should encode the column."""


# Values to the column body; raises _Unsupported (before anything is written) or NativeValueError.
_Encoder = Callable[[Sequence[Any]], bytes]


def write_column(out: ColumnWriter, name: str, type_name: str, values: Sequence[Any]) -> bool:
    """Write the Native-format body of one column (without its name and type) to ``out``; ``False``, with
    nothing written, when these encoders do not handle the type or the values."""
    nullable, inner = type_name.startswith("Nullable(") and type_name.endswith(")"), type_name
    if nullable:
        inner = type_name[len("Nullable(") : -1]
    strings = inner == "String"
    encoder = None if strings else _encoder(inner, nullable)
    if encoder is None and not strings:
        return False
    try:
        if nullable:
            placeholder = "" if strings else _NULL_ENUM if _ENUM.match(inner) else 0
            nulls, values = _nulls(values, placeholder)
        body = None if encoder is None else encoder(values)
    except _Unsupported:
        return False
    except NativeValueError as exc:
        raise NativeValueError(f"column {name} ({type_name}): {exc}") from None
    if nullable:
        out.write(nulls)
    if body is None:
        # The driver's writer raises on a value that is not a str (and then the connection is dropped).
        out.write_strings(values if isinstance(values, list) else list(values), encoding="utf-8")
    else:
        out.write(body)
    return True


def handles(type_name: str) -> bool:
    """Whether ``write_column`` encodes columns of this type itself (given values it handles)."""
    inner = type_name[len("Nullable(") : -1] if type_name.startswith("Nullable(") else type_name
    return inner == "String" or _encoder(inner, inner != type_name) is not None


def _nulls(values: Sequence[Any], null_value: Any) -> tuple[bytes, Sequence[Any]]:
    """A Nullable column's null map, and its values with each ``None`` replaced by the type's default."""
    if None not in values:
        return bytes(len(values)), values
    nulls = bytes(map(is_, values, repeat(None)))  # C-level: ~3x a comprehension
    filled = list(values)
    for i in np.flatnonzero(np.frombuffer(nulls, dtype=np.uint8)).tolist():
        filled[i] = null_value
    return nulls, filled


@cache
def _encoder(type_name: str, nullable: bool) -> _Encoder | None:
    if type_name in _INTEGERS:
        return _integers(*_INTEGERS[type_name])
    if type_name in _FLOATS:
        return _floats(_FLOATS[type_name])
    if _DATETIME.match(type_name):
        return _datetimes
    if type_name == "Date":
        return _dates
    enum = _ENUM.match(type_name)
    if enum:
        return _enum(int(enum.group(1)), enum.group(2), nullable)
    return None


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _integers(dtype: str, low: int, high: int) -> _Encoder:
    def encode(values: Sequence[Any]) -> bytes:
        array = _numbers(values, whole=True)
        if array is None or int(array.min()) < low or int(array.max()) > high:
            # Python ints beyond int64 (NumPy cannot hold them as one array) or out of range: check exactly.
            bad = next((v for v in values if not low <= v <= high), _NONE_FOUND)
            if bad is not _NONE_FOUND:
                raise NativeValueError(f"{bad!r} is out of range [{low}, {high}]")
            array = np.array(values, dtype=dtype)
        return bytes(array.astype(dtype).tobytes())

    return encode


def _floats(dtype: str) -> _Encoder:
    def encode(values: Sequence[Any]) -> bytes:
        array = _numbers(values, whole=False)
        if array is None:
            raise NativeValueError(f"{max(values, key=abs)!r} is out of range for {dtype}")
        return bytes(array.astype(dtype).tobytes())

    return encode


def _numbers(values: Sequence[Any], *, whole: bool) -> np.ndarray[Any, Any] | None:
    """The values as a NumPy array, or ``None`` when they are all numbers but too large for one."""
    accepted: type | tuple[type, ...] = int if whole else (int, float)
    try:
        array = np.asarray(values)
    except OverflowError:  # Python ints beyond 64 bits
        return None
    if array.ndim == 1 and array.dtype.kind in ("biu" if whole else "biuf"):
        return array
    bad = next((v for v in values if not isinstance(v, accepted)), _NONE_FOUND)
    if bad is _NONE_FOUND:
        return None
    raise NativeValueError(f"{bad!r} is not a {'whole number' if whole else 'number'}")


def _datetimes(values: Sequence[Any]) -> bytes:
    """Aware datetimes or epoch seconds as UInt32 seconds (naive datetimes are left to the driver, whose
    reading of them depends on the server's time zone)."""
    first = values[0]
    if values.count(first) == len(values):  # one value repeated (e.g. a load's ingestion time)
        seconds: Sequence[int] = [_epoch_seconds(first)] * len(values)
    elif (array := aware_epoch_seconds(values)) is not None:
        return _integers("<u4", 0, 2**32 - 1)(cast(Sequence[int], array))
    else:
        seconds = [_epoch_seconds(v) for v in values]
    return _integers("<u4", 0, 2**32 - 1)(seconds)


def aware_epoch_seconds(values: Sequence[Any]) -> np.ndarray[Any, np.dtype[np.int64]] | None:
    """Whole epoch seconds (floored) of aware datetimes, or ``None`` unless every value is one.

    C-level ``timestamp()`` is ~5x cheaper than datetime arithmetic in Python. It divides exact integer
    microseconds once, so below 2**32 s the rounding error (< 0.5 µs) cannot carry ``x.999999`` over to the
    next second: the floor is the second ClickHouse stores."""
    try:
        if None in set(map(_TZINFO, values)):  # naive ones
            return None
        stamps = np.fromiter(map(datetime.timestamp, values), np.float64, len(values))
    except (AttributeError, TypeError):  # not all datetimes
        return None
    return np.floor(stamps).astype(np.int64)


def _epoch_seconds(value: Any) -> int:
    if type(value) is int:
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise _Unsupported
        return (value - _EPOCH) // _SECOND
    raise NativeValueError(f"{value!r} is not a datetime")


def _dates(values: Sequence[Any]) -> bytes:
    days = []
    for value in values:
        if type(value) is not date:  # a datetime is a date too, but the driver would drop its time
            raise _Unsupported
        days.append((value - _EPOCH_DAY).days)
    return _integers("<u2", 0, 2**16 - 1)(days)


def _enum(bits: int, items: str, nullable: bool) -> _Encoder | None:
    codes: dict[Any, int] = {}
    position = 0
    while position < len(items):
        found = _ENUM_ITEM.match(items, position)
        if found is None:
            return None  # a spelling this parser does not know: the driver parses it
        name = found.group(1).replace("\\'", "'").replace("\\\\", "\\")
        codes[name] = int(found.group(2))
        position = found.end()
    codes |= {code: code for code in list(codes.values())}
    if nullable:
        codes[_NULL_ENUM] = 0  # under a null, as the driver writes it
    dtype = "<i1" if bits == 8 else "<i2"
    lookup = codes.__getitem__

    def encode(values: Sequence[Any]) -> bytes:
        try:
            numbers = list(map(lookup, values))
        except (KeyError, TypeError):
            bad = next(
                v for v in values if v is not _NULL_ENUM and (not isinstance(v, str | int) or v not in codes)
            )
            known = ", ".join(repr(name) for name in codes if isinstance(name, str))
            raise NativeValueError(f"unknown value {bad!r}; known: {known}") from None
        return bytes(np.array(numbers, dtype=dtype).tobytes())

    return encode


__all__ = [
    "BytesColumnWriter",
    "ColumnWriter",
    "NativeValueError",
    "aware_epoch_seconds",
    "handles",
    "write_column",
]
