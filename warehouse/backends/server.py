"""The server backend: a real ClickHouse server over its native protocol through ``clickhouse-driver``.

Connecting is retried with exponential backoff (a server that is restarting comes back); statements are
not retried, because an ``INSERT`` cut off half-way may already have been applied. The driver opens its
connection lazily, so constructing a ``ServerWarehouse`` never touches the network.
"""

from __future__ import annotations

import math
import re
import struct
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clickhouse_driver import Client, errors  # type: ignore[import-untyped]

from warehouse.backends.arrow_columns import python_values
from warehouse.backends.native_insert import ColumnMismatch, insert_columns
from warehouse.base import (
    Params,
    Row,
    WarehouseError,
    WarehouseUnavailable,
    WarehouseUnreachable,
    WarehouseUrl,
    not_initialised,
    redact_password,
)
from warehouse.binding import (
    MAX_QUERY_BYTES,
    check_database,
    check_insert,
    check_statement,
    server_params,
)

_CONNECTION_ERRORS = (errors.NetworkError, errors.SocketTimeoutError, EOFError, OSError)
#: Of those, the ones a slow answer gives too (``_run``).
_TIMEOUTS = (errors.SocketTimeoutError, TimeoutError)
# What the driver raises while encoding a value that does not fit its column type.
_VALUE_ERRORS = (TypeError, ValueError, AttributeError, KeyError, struct.error, errors.TypeMismatchError)
#: What the driver raises, beside its own errors, reading an answer that is not its protocol (text in
#: invalid UTF-8, a truncated number), in the handshake or to a query: one clear error for every caller.
_GARBLED = (UnicodeDecodeError, struct.error, IndexError)
_OPTIONS = {"connect_timeout", "send_receive_timeout", "retries", "backoff", "verify", "compression"}
_T = TypeVar("_T")
# An insert of more rows is sent as sub-blocks of this many rows, as separate INSERTs over two connections:
# while the server sorts and writes one sub-block, this process encodes the next (the driver releases the
# GIL while it waits on the socket). Measured on ``events`` batches of 200k rows with the column encoders of
# backends/native.py: ~330k events/s against ~260k for one 200k-row INSERT; 20k-100k-row sub-blocks and
# three or four connections were within the run-to-run noise (±10%).
PIPELINE_ROWS = 50_000
PIPELINE_CONNECTIONS = 2
# The server's code for a database that does not exist (sent in reply to the handshake naming it).
_UNKNOWN_DATABASE = 81


#: ``?verify=``: whether to check the server's TLS certificate.
_VERIFY = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _option(
    parsed: WarehouseUrl,
    options: dict[str, str],
    name: str,
    default: float,
    low: float,
    high: float,
    *,
    integer: bool = False,
    zero: bool = False,
) -> float:
    """The URL option ``name`` as a number in its range (``low`` itself only with ``zero`` or
    ``integer``), else a one-line ``WarehouseError``: a negative or NaN timeout reached the socket, and a
    huge retry count waited out an ever-doubling backoff."""
    text = options.get(name)
    if text is None:
        return default
    kind = "a whole number" if integer else "a number of seconds"
    bounds = f"from {low:g} to {high:g}" if integer or zero else f"above {low:g} and at most {high:g}"
    try:
        value = float(int(text)) if integer else float(text)
    except ValueError:
        value = math.nan
    if not (low <= value <= high and (integer or zero or value > low)):  # NaN fails every comparison
        raise WarehouseError(f"{parsed.redacted()}: option {name}={text[:40]!r}: must be {kind} {bounds}")
    return value


def _server_message(exc: Exception) -> str:
    """The server's own message, without the C++ stack trace 18.16 appends."""
    message = getattr(exc, "message", None) or str(exc)
    message = message.split("Stack trace:", 1)[0].strip()
    code = getattr(exc, "code", None)
    return f"{message} (code {code})" if code is not None else message


_INSERT_VALUES = re.compile(r"^\s*INSERT\s+INTO\s+[^(]*?(\([^)]*\))?\s*VALUES\b", re.IGNORECASE)


class ServerWarehouse:
    """A ``Warehouse`` on a ClickHouse server (``clickhouse://`` or, over TLS, ``clickhouses://``).

    URL options (``?name=value``) override the keyword arguments: ``connect_timeout``,
    ``send_receive_timeout``, ``retries``, ``backoff``, ``compression`` (``lz4``, ``zstd``; off by default:
    on a LAN it costs more CPU than it saves) and ``verify`` (``0`` accepts a self-signed TLS certificate).
    """

    def __init__(
        self,
        parsed: WarehouseUrl,
        *,
        connect_timeout: float = 5,
        send_receive_timeout: float = 300,
        retries: int = 5,
        backoff: float = 0.5,
        settings: dict[str, Any] | None = None,
    ) -> None:
        if parsed.scheme not in ("clickhouse", "clickhouses"):
            raise WarehouseError(f"{parsed.redacted()}: not a clickhouse:// or clickhouses:// URL")
        options = dict(parsed.options)
        unknown = sorted(set(options) - _OPTIONS)
        if unknown:
            raise WarehouseError(
                f"{parsed.redacted()}: unknown option(s) {unknown}; known: {sorted(_OPTIONS)}"
            )
        connect_timeout = _option(parsed, options, "connect_timeout", connect_timeout, 0, 3600)
        send_receive_timeout = _option(
            parsed, options, "send_receive_timeout", send_receive_timeout, 0, 86_400
        )
        self._retries = int(_option(parsed, options, "retries", retries, 0, 100, integer=True))
        self._backoff = _option(parsed, options, "backoff", backoff, 0, 3600, zero=True)
        verify = options.get("verify", "1")
        if verify.lower() not in _VERIFY:
            raise WarehouseError(f"{parsed.redacted()}: option verify={verify!r}: write verify=1 or verify=0")
        self._parsed = parsed
        self._database = check_database(parsed.database)
        self._server_tz: tzinfo | None = None
        self._client_args: dict[str, Any] = {
            "host": parsed.host,
            "port": parsed.port,
            "user": parsed.user,
            "password": parsed.password,
            "secure": parsed.secure,
            "verify": _VERIFY[verify.lower()],
            "connect_timeout": connect_timeout,
            "send_receive_timeout": send_receive_timeout,
            "compression": options.get("compression", False),
            "client_name": "dossier-audit",
            "settings": {"max_query_size": MAX_QUERY_BYTES, **(settings or {})},  # with every query
        }
        self._client = self._new_client(self._database)
        self._helper_clients: list[Any] = []
        # Pipelined sub-blocks are encoded one at a time (see native_insert.insert_columns).
        self._encoding = threading.Lock()

    def _new_client(self, database: str) -> Any:
        try:
            return Client(database=database, **self._client_args)
        except errors.Error as exc:  # e.g. an unknown ``compression`` option value
            raise WarehouseError(f"{self._parsed.redacted()}: {_server_message(exc)}") from None

    # -- the Warehouse protocol --------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._parsed.redacted()

    @property
    def database(self) -> str:
        return self._database

    @property
    def secure(self) -> bool:
        """Whether the client talks TLS (``clickhouses://``)."""
        return bool(self._client.connection.secure_socket)

    def execute(self, sql: str, params: Params | None = None) -> None:
        if _INSERT_VALUES.search(sql):
            # The native protocol would wait for data blocks forever: rows go through insert().
            raise WarehouseError("INSERT ... VALUES goes through insert(table, columns, data), not execute()")
        bound = self._params(sql, params)
        self._run(self._client, lambda: self._client.execute(sql, bound))

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        bound = self._params(sql, params)
        rows, columns = self._run(
            self._client, lambda: self._client.execute(sql, bound, with_column_types=True)
        )
        datetime_columns = [i for i, (_, type_name) in enumerate(columns) if "DateTime" in type_name]
        if not datetime_columns:
            return [tuple(row) for row in rows]
        fix = self._to_utc
        out: list[Row] = []
        for row in rows:
            values = list(row)
            for i in datetime_columns:
                values[i] = fix(values[i])
            out.append(tuple(values))
        return out

    def insert_arrow(self, table: str, batch: Any) -> int:
        """Insert an Arrow table built by ``warehouse.backends.arrow_columns``: the driver encodes Python
        columns, so its columns become Python values here, its instants as epoch seconds (what the encoder
        takes for a ``DateTime`` without building a ``datetime`` each)."""
        data = [python_values(column) for column in batch.columns]
        return self.insert(table, list(batch.column_names), data)

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        """Insert columns of rows. More than ``PIPELINE_ROWS`` rows go as several INSERTs over two
        connections, so a failed insert may have stored some of its sub-blocks: inserting the batch again
        is harmless, as every table is a ReplacingMergeTree."""
        rows = check_insert(table, columns, data)
        if rows == 0:
            return 0
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES"
        if rows <= PIPELINE_ROWS:
            self._insert_part(self._client, sql, table, columns, data, 0, rows)
            return rows
        parts = iter(range(0, rows, PIPELINE_ROWS))
        guard = threading.Lock()
        failures: list[BaseException] = []

        def work(client: Any) -> None:
            while True:
                with guard:
                    start = None if failures else next(parts, None)
                if start is None:
                    return
                try:
                    self._insert_part(
                        client, sql, table, columns, data, start, min(start + PIPELINE_ROWS, rows)
                    )
                except BaseException as exc:  # re-raised in the calling thread below
                    with guard:
                        failures.append(exc)
                    return

        helpers = [
            threading.Thread(target=work, args=(client,), name="warehouse-insert", daemon=True)
            for client in self._helpers()
        ]
        for helper in helpers:
            helper.start()
        try:
            work(self._client)
        finally:
            for helper in helpers:
                helper.join()
        if failures:
            raise failures[0]
        return rows

    def _insert_part(
        self,
        client: Any,
        sql: str,
        table: str,
        columns: Sequence[str],
        data: Sequence[Sequence[Any]],
        start: int,
        stop: int,
    ) -> None:
        block = data if start == 0 and stop == len(data[0]) else [values[start:stop] for values in data]

        def send() -> None:
            try:
                insert_columns(client, sql, columns, block, self._encoding)
            except ColumnMismatch as exc:
                raise WarehouseError(f"insert into {table}: {exc}") from None
            except _VALUE_ERRORS as exc:
                message = self._redact(_server_message(exc))
                raise WarehouseError(
                    f"insert into {table}: a value does not fit its column: {message}"
                ) from None

        self._run(client, send)

    def _helpers(self) -> list[Any]:
        """The other connections of pipelined inserts (opened on first use)."""
        while len(self._helper_clients) < PIPELINE_CONNECTIONS - 1:
            self._helper_clients.append(self._new_client(self._database))
        return self._helper_clients

    def server_version(self) -> str:
        return str(self.query("SELECT version()")[0][0])

    def close(self) -> None:
        self._client.disconnect()
        for client in self._helper_clients:
            client.disconnect()

    def __enter__(self) -> ServerWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- beyond the protocol -----------------------------------------------------------------------

    def ensure_database(self) -> None:
        """``CREATE DATABASE IF NOT EXISTS`` this URL's database (connecting to ``default`` to do it)."""
        admin = self._new_client("default")
        try:
            self._run(admin, lambda: admin.execute(f"CREATE DATABASE IF NOT EXISTS {self._database}"))
        finally:
            admin.disconnect()

    # -- internals ---------------------------------------------------------------------------------

    def _params(self, sql: str, params: Params | None) -> dict[str, Any] | None:
        """The parameters as the driver binds them, after refusing what would make its %-formatting raise
        a bare ``KeyError``/``ValueError`` (a parameter not given, a stray ``%``) with ``WarehouseError``."""
        check_statement(sql, params)
        return server_params(params)

    def _run(self, client: Any, operation: Callable[[], _T]) -> _T:
        self._connect(client)
        try:
            return operation()
        except errors.ServerException as exc:
            raise WarehouseError(f"{self._where()}: {self._redact(_server_message(exc))}") from None
        except _CONNECTION_ERRORS as exc:
            # The server went away (refused, reset, closed): down or restarting, which trying again may mend;
            # a timeout may be a slow query, which would only time out again (``WarehouseUnreachable``).
            lost = WarehouseUnavailable if isinstance(exc, _TIMEOUTS) else WarehouseUnreachable
            raise lost(f"{self._where()}: connection lost: {self._redact(str(exc))}") from None
        except errors.Error as exc:
            raise WarehouseError(f"{self._where()}: {self._redact(_server_message(exc))}") from None
        except _GARBLED as exc:  # an answer to the query that is not ClickHouse's protocol
            raise WarehouseError(
                f"{self._where()}: the server's answer is not ClickHouse's native protocol "
                f"({type(exc).__name__}); check the host and port"
            ) from None

    def _connect(self, client: Any) -> None:
        """Open the connection if it is not open, retrying with exponential backoff."""
        connection = client.connection
        if connection.connected:
            return  # the driver pings before each query and reconnects once if the socket went stale
        delay = self._backoff
        attempts = max(self._retries, 0) + 1
        last = ""
        for attempt in range(attempts):
            try:
                connection.connect()
                return
            except errors.ServerException as exc:  # e.g. a wrong password: retrying will not help
                connection.disconnect()
                if getattr(exc, "code", None) == _UNKNOWN_DATABASE:
                    raise not_initialised(self.url, f"no database {self._database}") from None
                raise WarehouseError(f"{self._where()}: {self._redact(_server_message(exc))}") from None
            except _CONNECTION_ERRORS as exc:
                connection.disconnect()
                last = self._redact(str(exc))
                if attempt + 1 < attempts:
                    time.sleep(delay)
                    delay *= 2
            except errors.Error as exc:  # e.g. an unexpected packet in the handshake: not a network fault
                connection.disconnect()
                raise WarehouseError(f"{self._where()}: {self._redact(_server_message(exc))}") from None
            except _GARBLED as exc:  # something answers on that port, but not in ClickHouse's protocol
                connection.disconnect()
                raise WarehouseError(
                    f"{self._where()}: the server's answer is not ClickHouse's native protocol "
                    f"({type(exc).__name__}); check the host and port"
                ) from None
        raise WarehouseUnreachable(
            f"cannot connect to ClickHouse at {self._parsed.host}:{self._parsed.port} "
            f"after {attempts} attempt(s): {last}"
        )

    def _where(self) -> str:
        return f"ClickHouse {self._parsed.host}:{self._parsed.port}/{self._database}"

    def _redact(self, message: str) -> str:
        return redact_password(message, self._parsed.password)

    def _to_utc(self, value: Any) -> Any:
        """A DateTime value as an aware UTC datetime: the driver returns columns without an explicit
        time zone as naive datetimes in the server's zone."""
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=self._server_timezone())
            return value.astimezone(UTC)
        if isinstance(value, list | tuple):
            return type(value)(self._to_utc(v) for v in value)
        return value

    def _server_timezone(self) -> tzinfo:
        if self._server_tz is None:
            name = self._client.connection.server_info.get_timezone() or "UTC"
            try:
                self._server_tz = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                self._server_tz = UTC
        return self._server_tz


__all__ = ["ServerWarehouse"]
