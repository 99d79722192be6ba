"""The warehouse interface every backend implements, its errors, and the URL that selects a backend.

SQL is written once, in the dialect both ClickHouse 18.16 (Debian's server package) and 26.x (chdb)
accept. Values are always bound parameters in the ``%(name)s`` style of clickhouse-driver (escaped by the
library, see ``warehouse.binding``; nothing is formatted into SQL by hand). Table names are unqualified: a
backend's session uses its database.

This module is the interface only and imports no backend, so code that merely uses a ``Warehouse`` (and
the backends themselves) depends on it without loading chdb or clickhouse-driver; ``warehouse``'s
``open_warehouse`` picks the backend.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_DATABASE = "dossier_audit"
Params = Mapping[str, Any]
Row = tuple[Any, ...]


class WarehouseError(Exception):
    """A warehouse operation failed; the message says which and why, without credentials."""


class WarehouseUnavailable(WarehouseError):
    """The server cannot be reached (after the configured retries)."""


class WarehouseUnreachable(WarehouseUnavailable):
    """The server is down or restarting: no connection could be opened after the configured attempts, or
    one was refused, reset or closed in a query. Trying again later may mend it, unlike a connection that
    timed out, which a slow query gives too."""


class WarehouseLocked(WarehouseError):
    """An embedded (chdb) warehouse directory is owned by another process."""


class WarehouseNotInitialised(WarehouseError):
    """A reading command found no warehouse at the URL: no chdb directory, no database, or no schema.

    Raised instead of the engine's own error (a missing table, with a page of SQL), and before anything is
    created: a mistyped URL must not leave a new empty warehouse behind."""


def init_command(redacted_url: str) -> str:
    """The command that creates or brings up to date the warehouse at ``redacted_url``, as every message
    that asks for it writes it (with who may run it on a server)."""
    who = "" if redacted_url.startswith("chdb:") else " (as a user allowed to create tables)"
    return f"`dossier-audit warehouse init --warehouse {redacted_url}`{who}"


def not_initialised(redacted_url: str, why: str) -> WarehouseNotInitialised:
    """The one wording of "not initialised", with the command that initialises it."""
    return WarehouseNotInitialised(
        f"the warehouse {redacted_url} is not initialised ({why}); check the URL, or create it with "
        f"{init_command(redacted_url)}"
    )


def schema_behind(redacted_url: str, pending: list[str]) -> WarehouseNotInitialised:
    """A schema this release's migrations are not all applied to, and the command that applies them."""
    return WarehouseNotInitialised(
        f"the warehouse {redacted_url} is not up to date: its schema lacks {', '.join(pending)} (a first "
        "load stopped while it created the schema, or an older release made it); bring it up to date with "
        f"{init_command(redacted_url)}"
    )


@runtime_checkable
class Warehouse(Protocol):
    """A ClickHouse database session.

    ``query`` returns rows as tuples of Python values, the same on every backend: ``int``, ``float``,
    ``str`` (also for Enum columns), ``None`` for NULL, ``datetime.date`` for Date and timezone-aware UTC
    ``datetime.datetime`` for ``DateTime('UTC')``, ``list`` for Array.
    """

    @property
    def url(self) -> str:
        """The URL with any password masked (safe to log)."""

    @property
    def database(self) -> str: ...

    def execute(self, sql: str, params: Params | None = None) -> None:
        """Run a statement that returns nothing (DDL, ``INSERT ... SELECT``, ...)."""

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        """Run a ``SELECT`` and return its rows."""

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        """Insert column-oriented data (``data[i]`` holds the values of ``columns[i]``); returns the rows.

        Accepts the same Python types ``query`` returns (aware datetimes for DateTime columns).
        """

    def insert_arrow(self, table: str, batch: Any) -> int:
        """Insert a ``pyarrow.Table`` built by ``warehouse.backends.arrow_columns`` for ``table`` (its column
        names are the insert's columns); returns the rows. The same rows as :meth:`insert` of its values."""

    def server_version(self) -> str: ...

    def close(self) -> None: ...

    def __enter__(self) -> Warehouse: ...

    def __exit__(self, *exc: object) -> None:
        """Closes the warehouse."""


@dataclass(frozen=True, slots=True)
class WarehouseUrl:
    """A parsed warehouse URL: ``chdb:///path/to/dir[?database=NAME]``, or
    ``clickhouse://user:password@host:9000/database`` (``clickhouses://`` for TLS)."""

    scheme: str
    path: str = ""
    host: str = "localhost"
    port: int = 9000
    user: str = "default"
    password: str = ""
    database: str = DEFAULT_DATABASE
    options: tuple[tuple[str, str], ...] = ()

    @property
    def secure(self) -> bool:
        return self.scheme == "clickhouses"

    def redacted(self) -> str:
        if self.scheme == "chdb":
            return f"chdb://{self.path}"
        auth = f"{self.user}:***@" if self.password else f"{self.user}@"
        return f"{self.scheme}://{auth}{self.host}:{self.port}/{self.database}"


#: The wire compression methods clickhouse-driver implements (any other name makes it import a module that
#: does not exist, logging a ModuleNotFoundError traceback before its error).
COMPRESSION_METHODS = ("lz4", "lz4hc", "zstd")


def redact_url(url: str) -> str:
    """``url`` with everything that could be a password masked, however malformed the URL is.

    Messages about a bad URL quote it, and a mistyped scheme or a missing host must not print the
    password: so this does not parse. A password sits after the first ``:`` of the userinfo and before the
    last ``@``; everything between those two is masked (too much for an odd URL, never too little). Without
    an ``@``, see :func:`_redact_netloc`.
    """
    at = url.rfind("@")
    if at < 0:
        return _redact_netloc(url)
    scheme_end = url.find("://")
    start = scheme_end + 3 if 0 <= scheme_end < at else 0
    colon = url.find(":", start, at)
    if colon < 0:
        return url
    return f"{url[: colon + 1]}***{url[at:]}"


#: A scheme and its ``//``, where a host part follows.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _is_port(text: str) -> bool:
    """Whether ``text`` is a TCP port: 1 to 5 ASCII digits, at most 65535."""
    return text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535


def _port_or_none(host_part: str) -> bool:
    """Whether ``host_part`` is a host alone or a host and a port that is one (``host:9000``)."""
    host, colon, port = host_part.rpartition(":") if ":" in host_part else (host_part, "", "")
    if not colon or "]" in port:  # no port, or the colon is an IPv6 address's
        return True
    return bool(host) and _is_port(port)


def _redact_netloc(url: str) -> str:
    """A URL without ``@``: ``user:password`` (``clickhouse://writer:s3cr3t/db``) looks like ``host:port``
    with a port that is not one, so what follows the first ``:`` of the host part is masked unless it is a
    port (``clickhouse://writer:***/db``); a URL without ``//`` has no host part, and all that follows its
    scheme is masked. A chdb URL's directory (``chdb:///path``, no host part) has nothing masked; one that
    has a host part is a server's URL under the wrong scheme, masked alike."""
    scheme = _SCHEME.match(url)
    if scheme is None:
        colon = url.find(":")
        return url if colon < 0 or colon + 1 == len(url) else f"{url[: colon + 1]}***"
    start = scheme.end()
    # The host part ends at a "/", or at a "?" or "#" after a host and a port that is one: ended there
    # whatever came before, a password holding one showed its rest ("u:pa#ss/db" as "u:***#ss/db": review).
    end = url.find("/", start) if "/" in url[start:] else len(url)
    netloc = url[start:end]
    marks = [i for i in (netloc.find("?"), netloc.find("#")) if i >= 0]
    if marks and _port_or_none(netloc[: min(marks)]):
        end = start + min(marks)
        netloc = url[start:end]
    bracket = netloc.find("]") + 1 if netloc.startswith("[") else 0
    if netloc.startswith("[") and not bracket:  # an unclosed IPv6 address: no port, nothing else
        return url
    colon = netloc.find(":", bracket)
    if colon < 0:
        return url
    port = netloc[colon + 1 :]
    if port == "" or _is_port(port):
        return url
    return f"{url[: start + colon + 1]}***{url[end:]}"


def parse_url(url: str) -> WarehouseUrl:
    """Parse and check a warehouse URL; a bad one raises ``WarehouseError`` saying what is wrong.

    Every message quotes the URL through :func:`redact_url`, built before any check runs: a URL is often
    mistyped, and the message must not print its password.
    """
    shown = repr(redact_url(url))
    if "#" in url:  # a fragment was dropped: chdb:///dir#x opened /dir (CLI review); a password's # cut it
        raise WarehouseError(f"{shown}: a # ends a URL there; write it as %23 in a password or a directory")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port could not be cast to integer value as 'x'"
        raise WarehouseError(f"{shown}: {_url_problem(exc)}") from None
    query = tuple((k, v[-1]) for k, v in parse_qs(parts.query).items())
    options = dict(query)
    if parts.scheme == "chdb":
        if "@" in parts.netloc or ":" in parts.netloc:  # a server's URL under the embedded scheme
            raise WarehouseError(
                f"{shown}: a chdb URL names a directory (chdb:///var/lib/dossier-audit), not a user, "
                "password or port; for a ClickHouse server write clickhouse://user:password@host:9000/database"
            )  # refused: it made a directory named after the password (review of 2026-12-04)
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise WarehouseError(f"{shown}: a chdb URL names a directory, e.g. chdb:///var/lib/dossier-audit")
        if parts.netloc not in ("", ".", ".."):  # chdb://tmp/x: a slash short of chdb:///tmp/x
            raise WarehouseError(
                f"{shown}: a directory relative to the current one ({path}); write chdb:///{path} for "
                f"/{path}, or chdb://./{path} for the relative one"
            )  # it made ./tmp/x beside the work and said nothing (review of 2026-12-04)
        if "\x00" in path:
            raise WarehouseError(f"{shown}: the directory name holds a NUL character")
        given = parse_qs(parts.query, keep_blank_values=True)  # ``?x`` and ``?database=`` are given too
        unknown = sorted(set(given) - {"database"})
        if unknown:  # the embedded engine takes no other: a typo was dropped silently (review)
            raise WarehouseError(
                f"{shown}: unknown option {', '.join(unknown)}; a chdb URL takes only database=NAME"
            )
        if "database" in given and (len(given["database"]) > 1 or not given["database"][0]):
            raise WarehouseError(f"{shown}: give database=NAME once, with a name")
        return WarehouseUrl(
            "chdb", path=path, database=options.get("database", DEFAULT_DATABASE), options=query
        )
    if parts.scheme in ("clickhouse", "clickhouses"):
        if not parts.hostname:
            raise WarehouseError(f"{shown}: no host; write clickhouse://user:password@host:9000/database")
        if any(c.isspace() or not c.isprintable() for c in parts.hostname):
            raise WarehouseError(f"{shown}: the host name holds a space or a control character")
        if port == 0:
            raise WarehouseError(f"{shown}: port 0; a port is a number from 1 to 65535")
        compression = options.get("compression")
        if compression is not None and compression not in COMPRESSION_METHODS:
            choose = ", ".join(COMPRESSION_METHODS)
            raise WarehouseError(f"{shown}: Unknown compression method {compression!r} (choose {choose})")
        database = parts.path.lstrip("/") or DEFAULT_DATABASE
        default_port = 9440 if parts.scheme == "clickhouses" else 9000
        return WarehouseUrl(
            parts.scheme,
            host=parts.hostname,
            port=port or default_port,
            user=unquote(parts.username or "default"),
            password=unquote(parts.password or ""),
            database=database,
            options=query,
        )
    raise WarehouseError(
        f"{shown}: unknown scheme {parts.scheme!r}; use chdb://, clickhouse:// or clickhouses://"
    )


def _url_problem(exc: ValueError) -> str:
    """What ``urlsplit`` found wrong, in the words of the URL's format (its own messages quote no secret)."""
    text = str(exc)
    if "Port" in text:
        return "the port is not a number from 1 to 65535; write host:9000"
    if "IPv6" in text:
        return "an unclosed [ in the host; write an IPv6 address as [::1]:9000"
    return f"not a URL ({text})"


#: Below this length a password is masked only where it stands alone (not inside a word): a password "p"
#: turned the driver's "Unexpected packet" into "Unex***ected ***acket" (review of 2026-12-05).
_SHORT_PASSWORD = 8


def redact_password(message: str, password: str | None) -> str:
    """``message`` with ``password`` masked: everywhere, or for a short one wherever it is not inside a
    run of letters and digits."""
    if not password:
        return message
    if len(password) >= _SHORT_PASSWORD:
        return message.replace(password, "***")
    return re.sub(rf"(?<![^\W_]){re.escape(password)}(?![^\W_])", "***", message)
