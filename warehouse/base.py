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


class WarehouseLocked(WarehouseError):
    """An embedded (chdb) warehouse directory is owned by another process."""


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


def parse_url(url: str) -> WarehouseUrl:
    """Parse and check a warehouse URL; a bad one raises ``WarehouseError`` saying what is wrong."""
    parts = urlsplit(url)
    query = tuple((k, v[-1]) for k, v in parse_qs(parts.query).items())
    options = dict(query)
    if parts.scheme == "chdb":
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise WarehouseError(f"{url!r}: a chdb URL names a directory, e.g. chdb:///var/lib/dossier-audit")
        return WarehouseUrl(
            "chdb", path=path, database=options.get("database", DEFAULT_DATABASE), options=query
        )
    if parts.scheme in ("clickhouse", "clickhouses"):
        if not parts.hostname:
            raise WarehouseError(f"{url!r}: no host; write clickhouse://user:password@host:9000/database")
        database = parts.path.lstrip("/") or DEFAULT_DATABASE
        default_port = 9440 if parts.scheme == "clickhouses" else 9000
        return WarehouseUrl(
            parts.scheme,
            host=parts.hostname,
            port=parts.port or default_port,
            user=unquote(parts.username or "default"),
            password=unquote(parts.password or ""),
            database=database,
            options=query,
        )
    raise WarehouseError(
        f"{url!r}: unknown scheme {parts.scheme!r}; use chdb://, clickhouse:// or clickhouses://"
    )
