"""Everything that puts caller-supplied names and values into SQL text, in one place.

Values are bound, never formatted into SQL by hand: a statement names them ``%(name)s`` (clickhouse-driver's
pyformat style) and :func:`bind` renders each value as a ClickHouse literal with the driver's own escaper,
so both backends read the same SQL the same way. Names that cannot be bound (tables, columns, databases) go
into SQL only after :func:`check_identifier` accepts them.

%-formatting reads *every* ``%`` in a statement given parameters, also one in a comment or a ``LIKE``
pattern: a bare one (``50% of``) fails the whole statement, or worse, formats something. The guard
:func:`stray_percents` finds those before formatting, so the error names the offset instead of a cryptic
"unsupported format character"; the query-file test runs the same guard over ``warehouse/sql/``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from itertools import islice
from typing import Any, TypeVar

from clickhouse_driver.util.escape import (  # type: ignore[import-untyped]
    escape_chars_map,
    escape_param,
)

from warehouse.base import Params, WarehouseError

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What %-formatting with a mapping reads: '%%', a '%(name)s' parameter, or else a bare '%'.
_PERCENT = re.compile(r"%(?:(%)|\((\w+)\)s)?")
# Python types the driver's escaper renders as ClickHouse literals; anything else it would str() into the
# SQL (e.g. ``b'...'`` for bytes), so it is refused instead. Lists and tuples of these are accepted too.
BINDABLE_TYPES = (str, int, float, dt.date, dt.time, type(None))


#: The driver's escapes as one ``str.translate`` table: the same text as its per-character generator.
_ESCAPES = str.maketrans(escape_chars_map)
#: The same escapes as ``str.replace`` steps, the backslash first (the others add backslashes).
_REPLACEMENTS = sorted(escape_chars_map.items(), key=lambda item: item[0] != "\\")


def escaped(text: str) -> str:
    """``text.translate(_ESCAPES)``, by one ``str.replace`` per escaped character: a text of many short
    values joined by newlines (a :class:`TextSet`) has a replacement per value, which ``translate`` makes
    one at a time (some 3 µs a value), each scan here at memory speed."""
    for char, escape in _REPLACEMENTS:
        if char in text:
            text = text.replace(char, escape)
    return text


#: The longest query text either backend parses (``max_query_size``, set by each at connection; ClickHouse's
#: default, 256 KiB, holds some 8,000 dossier ids): room for a :class:`TextSet` of ``TEXTS_PER_QUERY``
#: values of up to 600 bytes each, escaped.
MAX_QUERY_BYTES = 64 << 20
#: How many values one :class:`TextSet` holds at most where a caller chunks by it: a look-up of new dossiers
#: reads the table once per query, so fewer, larger queries read it fewer times.
TEXTS_PER_QUERY = 100_000


_T = TypeVar("_T")


def chunked(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """``items`` in lists of ``size`` (the last one shorter), read as they are needed: an iterable of any
    length, never all in memory at once (the ids a :class:`TextSet` binds, a chunk per query)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class TextSet:
    """Text values for ``column IN %(name)s`` (e.g. the ids of a chunk of dossiers), bound as *one* string
    that SQL splits: ``(SELECT arrayJoin(splitByChar('\\n', '...')))``.

    Why: ClickHouse parses a literal tuple of 5,000 ids in some 30 ms and one string holding them in 2 ms,
    and a load asks such a question of every chunk of new dossiers. The set is the same: no value holds the
    separator (a newline), else the values are bound as the tuple literal they always were. The subquery
    is a set ``IN`` reads like the literal's, using the primary key the same way."""

    __slots__ = ("values",)

    def __init__(self, values: Iterable[str]) -> None:
        self.values = tuple(values)
        for value in self.values:
            if not isinstance(value, str):
                raise TypeError(f"a TextSet holds text, not {type(value).__name__}")

    def sql(self) -> str:
        """The SQL the set is bound as (what :func:`bind` and, via ``str``, the server's driver write)."""
        joined = "\n".join(self.values)
        if not self.values or joined.count("\n") != len(self.values) - 1:  # none, or one holds a newline
            return _text_literals(self.values)
        return f"(SELECT arrayJoin(splitByChar('\\n', '{escaped(joined)}')))"

    __str__ = sql  # clickhouse-driver writes a value of a type it does not know with ``%s``

    def __repr__(self) -> str:
        return f"TextSet({len(self.values)} values)"


def check_identifier(name: str, what: str = "identifier") -> str:
    """``name`` if it is a plain identifier (safe to put into SQL unquoted), else ``WarehouseError``."""
    if not _IDENTIFIER.fullmatch(name):  # not match + '$', which lets a trailing newline through
        raise WarehouseError(
            f"invalid {what} {name!r}: use letters, digits and '_' (not starting with a digit)"
        )
    return name


#: ClickHouse's own databases: the project's tables created in one of them (``system`` holds an ``events``
#: table of its own) made every later load fail with the server's error (warehouse seat of 2026-12-07).
#: ClickHouse's own databases: ``_temporary_and_external_tables`` holds the server's temporary tables (a
#: ``warehouse init`` into it failed with the server's "no such table").
RESERVED_DATABASES = frozenset({"system", "information_schema", "_temporary_and_external_tables"})


def check_database(name: str) -> str:
    """``name`` if it can hold the project's tables: a plain identifier (:func:`check_identifier`) that is
    none of ClickHouse's own databases (in any case); else ``WarehouseError``."""
    check_identifier(name, "database name")
    if name.lower() in RESERVED_DATABASES:
        raise WarehouseError(
            f"the database {name!r} is ClickHouse's own; name the project's (e.g. dossier_audit) in the URL"
        )
    return name


def check_insert(table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
    """Validate an insert's identifiers and shape; returns its row count."""
    check_identifier(table, "table name")
    for column in columns:
        check_identifier(column, "column name")
    if len(columns) != len(data):
        raise WarehouseError(f"insert into {table}: {len(columns)} column names but {len(data)} columns")
    lengths = {len(values) for values in data}
    if len(lengths) > 1:
        raise WarehouseError(f"insert into {table}: columns have different lengths {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def stray_percents(sql: str, *, allow_doubled: bool = True) -> list[int]:
    """Offsets of every ``%`` in ``sql`` that %-formatting would not read as a ``%(name)s`` parameter or,
    when ``allow_doubled``, as ``%%`` (a literal ``%``). Empty: the text formats cleanly.

    ``allow_doubled=False`` also reports ``%%``: text that is sometimes run without parameters (and so not
    %-formatted at all, e.g. a query file) would reach ClickHouse with the ``%%`` still doubled."""
    return [
        found.start()
        for found in _PERCENT.finditer(sql)
        if found.group(2) is None and not (allow_doubled and found.group(1))
    ]


def parameter_names(sql: str) -> set[str]:
    """The names of the ``%(name)s`` parameters ``sql`` uses; ``WarehouseError`` for a bare ``%``."""
    stray = stray_percents(sql)
    if stray:
        raise WarehouseError(
            f"cannot bind parameters: a bare '%' at offset {stray[0]} of the statement (write '%%' for a "
            "literal '%', and none in comments)"
        )
    return {found.group(2) for found in _PERCENT.finditer(sql) if found.group(2) is not None}


def check_statement(sql: str, params: Params | None) -> None:
    """Refuse, with ``WarehouseError``, what would make %-formatting ``sql`` with ``params`` fail or
    mangle it: a bare ``%``, a parameter not given, text that is not valid Unicode (a lone surrogate cannot
    be sent).

    The server backend calls it before handing both to the driver (which %-formats like :func:`bind`), so
    these errors are the same on both backends rather than the driver's ``KeyError``/``ValueError``."""
    if params is None:
        return  # like clickhouse-driver: only a statement given parameters is %-formatted
    missing = sorted(parameter_names(sql) - params.keys())
    if missing:
        raise WarehouseError(f"the statement uses parameter {missing[0]!r} but it was not given")
    for name, value in params.items():
        _check_text(name, value)


def check_params(params: Params) -> None:
    """Refuse a value of a type the escaper does not render as a literal (see ``BINDABLE_TYPES``)."""
    for name, value in params.items():
        _check_type(name, value)


def bind(sql: str, params: Params | None, timezone: str = "UTC") -> str:
    """``sql`` with each ``%(name)s`` replaced by the literal of ``params[name]`` (``None`` → ``NULL``, a
    tuple → ``(a, b)`` for ``IN``, a list → ``[a, b]``); ``sql`` unchanged when ``params`` is ``None``.

    Aware datetimes are written as wall-clock text in ``timezone``, the zone the session reads date-time
    text in; their microseconds are dropped (``DateTime`` has whole seconds)."""
    if params is None:
        return sql
    check_params(params)
    check_statement(sql, params)
    try:
        context = _escape_context(timezone)
        bound: str = sql % {name: _literal(value, context) for name, value in params.items()}
    except KeyError as exc:  # cannot happen after check_statement; kept as the last line of defence
        raise WarehouseError(f"the statement uses parameter {exc} but it was not given") from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise WarehouseError(f"cannot bind parameters: {exc}") from None
    return bound


def _literal(value: Any, context: _EscapeContext) -> Any:
    """The driver's ``escape_param(value, context)``, with text and collections of text escaped by
    ``str.translate`` instead of its generator over each character (some 4 µs per id of a
    ``dossier_id IN %(ids)s`` list; a load asks that of every new dossier). Anything else is the driver's.
    tests/warehouse/test_binding.py holds the two equal over any text."""
    if isinstance(value, str):
        return f"'{value.translate(_ESCAPES)}'"
    if isinstance(value, TextSet):
        return value.sql()
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return _text_literals(value)
    return escape_param(value, context)


def _text_literals(values: list[str] | tuple[str, ...]) -> str:
    """A list of text as the driver writes it (``['a', 'b']``), a tuple as ``('a', 'b')``."""
    items = ", ".join(f"'{value.translate(_ESCAPES)}'" for value in values)
    return f"[{items}]" if isinstance(values, list) else f"({items})"


class UtcInstant:
    """An instant as the server backend has clickhouse-driver bind it: ``toDateTime('<UTC>', 'UTC')``.

    Not the text alone: ClickHouse before 20.4 reads date-time text compared with a ``DateTime('UTC')``
    column in the *server's* time zone (ClickHouse#5206, fixed by #10515), so on an 18.16 server set to
    Asia/Ho_Chi_Minh every instant a query was given was read seven hours off: a week's data-quality checks
    looked at Sunday 17:00 to Sunday 17:00, a load's own events were not found by their ``ingested_at``
    (review of the time zones). The function names the zone, on every server; the driver writes an object
    of a type it does not know with ``%s``. A naive datetime is taken as UTC, as before on a UTC server."""

    __slots__ = ("text",)

    def __init__(self, at: dt.datetime) -> None:
        utc = at.astimezone(dt.UTC) if at.tzinfo is not None else at
        self.text = utc.replace(tzinfo=None, microsecond=0).isoformat(sep=" ")

    def __str__(self) -> str:
        return f"toDateTime('{self.text}', 'UTC')"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UtcInstant) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def server_params(params: Params | None) -> dict[str, Any] | None:
    """``params`` for clickhouse-driver's own binding (the server backend): datetimes become
    :class:`UtcInstant`, inside tuples and lists too. The driver would write an aware one as text in the
    server's zone, which a server before 20.4 then reads in its zone too: right only on a server in UTC."""
    if params is None:
        return None
    return {name: _utc_instants(value) for name, value in params.items()}


def _utc_instants(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return UtcInstant(value)
    if isinstance(value, list | tuple):
        return type(value)(_utc_instants(v) for v in value)
    return value


def _check_type(name: str, value: Any) -> None:
    if isinstance(value, TextSet):
        return
    if isinstance(value, list | tuple):
        if all(isinstance(item, str) for item in value):
            return
        for item in value:
            _check_type(name, item)
    elif not isinstance(value, BINDABLE_TYPES):
        raise WarehouseError(f"parameter {name!r}: unsupported type {type(value).__name__}")


def _check_text(name: str, value: Any) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise WarehouseError(f"parameter {name!r}: not valid Unicode text ({exc.reason})") from None
    elif isinstance(value, TextSet):
        _check_text(name, "".join(value.values))
    elif isinstance(value, list | tuple):
        if all(isinstance(item, str) for item in value):  # a list of ids: one encode of them all
            _check_text(name, "".join(value))
            return
        for item in value:
            _check_text(name, item)


class _ServerInfo:
    """The slice of clickhouse-driver's connection context its escaper reads (the server time zone)."""

    def __init__(self, timezone: str) -> None:
        self._timezone = timezone

    def get_timezone(self) -> str:
        return self._timezone


class _EscapeContext:
    """A stand-in for the driver's connection context, so its escaper can run without a connection."""

    def __init__(self, timezone: str) -> None:
        self.server_info = _ServerInfo(timezone)


@cache
def _escape_context(timezone: str) -> _EscapeContext:
    return _EscapeContext(timezone)


__all__ = [
    "BINDABLE_TYPES",
    "MAX_QUERY_BYTES",
    "TEXTS_PER_QUERY",
    "TextSet",
    "UtcInstant",
    "bind",
    "check_identifier",
    "check_insert",
    "check_params",
    "check_statement",
    "chunked",
    "parameter_names",
    "server_params",
    "stray_percents",
]
