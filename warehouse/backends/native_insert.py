"""An ``INSERT`` over clickhouse-driver's connection, its columns encoded by ``native.py``.

The steps are the driver's own ``Client.process_insert_query`` and ``BlockOutputStream.write`` (client
0.2.11), with the same revision checks, the same packets and the driver's compression stream; only the
column bodies differ. A column the NumPy encoders do not handle is encoded by the driver's
``write_column``, as ``Client.execute`` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from clickhouse_driver import defines  # type: ignore[import-untyped]
from clickhouse_driver.block import BlockInfo, ColumnOrientedBlock  # type: ignore[import-untyped]
from clickhouse_driver.columns.service import write_column  # type: ignore[import-untyped]
from clickhouse_driver.protocol import ClientPacketTypes  # type: ignore[import-untyped]
from clickhouse_driver.varint import write_varint  # type: ignore[import-untyped]
from clickhouse_driver.writer import write_binary_str, write_binary_uint8  # type: ignore[import-untyped]

from warehouse.backends.native import write_column as write_native_column


class ColumnMismatch(ValueError):
    """The server's columns for the INSERT are not the ones given."""


def insert_columns(
    client: Any,
    sql: str,
    columns: Sequence[str],
    data: Sequence[Sequence[Any]],
    encoding: AbstractContextManager[Any] | None = None,
) -> None:
    """Run ``sql`` (``INSERT INTO t (columns) VALUES``) with ``data`` (one sequence per column) as one block.

    ``encoding``, when given, is held while the block is encoded and sent: inserts on several connections
    sharing one lock encode one at a time, so each block reaches the server as early as it can instead of
    all of them at once at the end (they would share the GIL). Raises what the driver raises (the connection
    is closed on any error, as ``Client.execute`` does), and ``NativeValueError`` for a value its column
    cannot hold."""
    with client.disconnect_on_error(sql, None):
        connection = client.connection
        connection.send_query(sql)
        connection.send_external_tables(None)
        sample = client.receive_sample_block()
        names = [name for name, _ in sample.columns_with_types]
        if names != list(columns):
            raise ColumnMismatch(f"the server expects columns {names}, the insert gives {list(columns)}")
        with encoding or nullcontext():
            _send_block(connection, sample.columns_with_types, data)
        client.receive_profile_events()
        connection.send_data(ColumnOrientedBlock())  # an empty block ends the data
        client.receive_profile_events()
        client.receive_end_of_insert_query()


def _send_block(connection: Any, columns_with_types: Sequence[tuple[str, str]], data: Sequence[Any]) -> None:
    revision = connection.server_info.used_revision
    write_varint(ClientPacketTypes.DATA, connection.fout)
    if revision >= defines.DBMS_MIN_REVISION_WITH_TEMPORARY_TABLES:
        write_binary_str("", connection.fout)  # no table name: the data of the query's INSERT
    stream = connection.block_out
    out = stream.fout  # the compressing buffer when compression is on, else the socket's buffer
    if revision >= defines.DBMS_MIN_REVISION_WITH_BLOCK_INFO:
        BlockInfo().write(out)
    write_varint(len(columns_with_types), out)
    write_varint(len(data[0]) if data else 0, out)
    for (name, type_name), values in zip(columns_with_types, data, strict=True):
        write_binary_str(name, out)
        write_binary_str(type_name, out)
        if revision >= defines.DBMS_MIN_REVISION_WITH_CUSTOM_SERIALIZATION:
            write_binary_uint8(0, out)  # the plain serialization, no sparse columns
        if not write_native_column(out, name, type_name, values):
            write_column(connection.context, name, type_name, list(values), out)  # it rewrites lists
    stream.finalize()


__all__ = ["ColumnMismatch", "insert_columns"]
