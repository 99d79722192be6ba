"""Times in the DVCQG format: ``yyyyMMddHHmmss`` or ISO 8601 without an offset, both local time in
Asia/Ho_Chi_Minh (DOMAIN.md §9).

The contract needs instants with an offset, so a local time is read as Vietnam's (UTC+07:00: no daylight
saving since 1975, so the zone is a fixed offset for every year the calendar supports). An ISO time that
does carry an offset (``Z``, ``+07:00``) is taken as the instant it names. Output is always ``+07:00``.

What counts as *absent* rather than wrong: ``null``, an empty or blank string, the .NET empty date (year 1,
``0001-01-01T00:00:00`` / ``00010101000000``) that the .NET sender writes for "no date", and SQL Server's
zero ``datetime`` (``1900-01-01T00:00:00`` / ``19000101000000``, what an empty value cast to ``datetime``
becomes in the database a sender reads: a record of status 4 holding it as ``NgayTra`` was rejected whole,
its receipt with it: DVCQG review of 2026-12-07). Either stands for no date only at midnight exactly, with
no offset; no dossier event of the supported years can be at either. Anything
else that is not one of the two formats, is not a real date, or falls outside the calendar's supported
years (``schemas.timerange``) is a :class:`TimeProblem`: the caller rejects the record with its reason,
because guessing (dropping a due date, say) would change a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from schemas.timerange import FIRST_YEAR as _FIRST_YEAR
from schemas.timerange import LAST_YEAR as _LAST_YEAR
from schemas.timerange import SUPPORTED, in_range
from sources.dvcqg.notes import WITHHELD, names_someone

__all__ = ["VN", "TimeProblem", "format_instant", "json_kind", "parse_time", "shown_text"]

#: SQL Server's zero ``datetime``, midnight of 1 January 1900: "no date" (module docstring).
_SQL_SERVER_ZERO = ("1900", "01", "01", "00", "00", "00")
_SQL_SERVER_ZERO_COMPACT = "".join(_SQL_SERVER_ZERO)
#: Asia/Ho_Chi_Minh for the supported years: a fixed UTC+07:00 (cheaper than a ZoneInfo, same instants).
VN = timezone(timedelta(hours=7))

_COMPACT = re.compile(r"[0-9]{14}")
#: An offset is ``+07:00`` or, as Java's ``SimpleDateFormat`` writes it (``Z``), ``+0700``: a sender in Java
#: had every time with an offset refused (review of a first real import).
_ISO = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,9}))?(?P<offset>[Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)
_FORMATS = "yyyyMMddHHmmss or ISO 8601 (yyyy-MM-ddTHH:mm:ss, optional fraction and offset)"
_MAX_SHOWN = 40


@dataclass(frozen=True, slots=True)
class TimeProblem:
    """Why a time field cannot be read: ``kind`` is ``invalid`` or ``out_of_range`` (the reason code is
    ``<field>.<kind>``), ``message`` says what was found."""

    kind: str
    message: str


def parse_time(value: object) -> datetime | TimeProblem | None:
    """A DVCQG time as an aware instant in UTC+07:00; ``None`` when absent; else a :class:`TimeProblem`.

    Never raises, whatever ``value`` is (any parsed JSON value).
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**14:
        value = f"{value:014d}"  # a sender writing the compact form as a JSON number
    if not isinstance(value, str):
        return TimeProblem("invalid", f"is {json_kind(value)}, not a time ({_FORMATS})")
    if value == _SQL_SERVER_ZERO_COMPACT:
        return None
    if len(value) == 14 and value.isdigit() and value.isascii() and value[0] != "0":  # the usual case
        try:
            at = datetime(int(value[0:4]), int(value[4:6]), int(value[6:8]), int(value[8:10]),
                          int(value[10:12]), int(value[12:14]), tzinfo=VN)  # fmt: skip
        except ValueError:
            return TimeProblem("invalid", f"{shown_text(value)} is not a real date and time")
        return at if _FIRST_YEAR <= at.year <= _LAST_YEAR else _outside(value)
    text = value.strip()
    if not text:
        return None
    if _COMPACT.fullmatch(text):
        parts = (text[0:4], text[4:6], text[6:8], text[8:10], text[10:12], text[12:14])
        fraction, offset = "", None
    else:
        match = _ISO.fullmatch(text)
        if match is None:
            return TimeProblem("invalid", f"{shown_text(text)} is not {_FORMATS}")
        year, month, day = match["date"].split("-")
        hour, minute, second = match["time"].split(":")
        parts = (year, month, day, hour, minute, second)
        fraction, offset = match["fraction"] or "", match["offset"]
    if parts[0] == "0001" and parts[1:3] == ("01", "01"):
        return None  # .NET's DateTime.MinValue: the sender's "no date"
    if parts == _SQL_SERVER_ZERO and offset is None and not fraction.strip("0"):
        return None  # SQL Server's zero datetime: an empty value the sender's database cast
    try:
        year, month, day, hour, minute, second = (int(p) for p in parts)
        local = datetime(year, month, day, hour, minute, second, int(fraction[:6].ljust(6, "0")))
    except ValueError:
        return TimeProblem("invalid", f"{shown_text(text)} is not a real date and time")
    if offset is None:
        at = local.replace(tzinfo=VN)
    else:
        try:
            at = local.replace(tzinfo=_offset(offset)).astimezone(VN)
        except (ValueError, OverflowError):
            return TimeProblem("invalid", f"{shown_text(text)} has an impossible offset")
    if not in_range(at):
        return _outside(text)
    return at


def _outside(text: str) -> TimeProblem:
    return TimeProblem("out_of_range", f"{shown_text(text)} is outside {SUPPORTED}")


def format_instant(at: datetime) -> str:
    """The contract's RFC 3339 text of an instant, in UTC+07:00 (``2025-11-03T09:15:00+07:00``)."""
    return (at if at.tzinfo is VN else at.astimezone(VN)).isoformat()


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[-2:])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))  # ValueError beyond ±24 h


def shown_text(text: str) -> str:
    """A refused text as a reason quotes it (a time here, any field's in ``fields``): its first 40
    characters; one that may name someone withheld (a sender's mapping that put a name in ``TrangThai``
    or in a time had it quoted in clear: review of the first real import)."""
    if names_someone(text):
        return WITHHELD
    return repr(text) if len(text) <= _MAX_SHOWN else repr(text[:_MAX_SHOWN])[:-1] + "...'"


def json_kind(value: object) -> str:
    """What kind of JSON value ``value`` is, for a rejection reason ("a number", "an object", ...)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "null"
