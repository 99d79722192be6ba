"""The embedded warehouse: the ClickHouse engine in this process through ``chdb`` (``chdb:///path/to/dir``).

One process owns a directory at a time (an exclusive ``flock`` on a lock file inside it, see ``chdb_lock``).
chdb itself hosts one engine per process, bound to one path: several warehouses of the same directory in one
process share the engine and the lock; opening a different directory while one is open is refused with a
clear error. Parameters are bound into the SQL text here (chdb has no pyformat binding of its own) by
``warehouse.binding``, the same escaper the server backend's driver uses; chdb's errors leave as
``WarehouseError``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from chdb.session import Session

from warehouse.backends.arrow_columns import build_column, strip_nullable, unwrap
from warehouse.backends.chdb_lock import acquire, release
from warehouse.base import Params, Row, WarehouseError, WarehouseUrl
from warehouse.binding import MAX_QUERY_BYTES, bind, check_database, check_insert

# An insert of more rows goes as sub-blocks of this many rows (see ChdbWarehouse.insert).
PIPELINE_ROWS = 50_000
_ENUM_MEMBER = re.compile(r"'((?:[^'\\]|\\.)*)'\s*=\s*(-?\d+)")
_ESCAPE = re.compile(r"\\(.)")
# Arrow output carries DateTime as uint32 and Enum as int8/int16; only then is the column type looked up.
_AMBIGUOUS = (pa.uint32(), pa.int8(), pa.int16())
# Columns are built by the one module that turns Python values into Arrow (inserts here, the load's workers).
_build_column, _strip_nullable, _unwrap = build_column, strip_nullable, unwrap


def _merge_free(keys: list[str] | None, batch: pa.Table) -> bool:
    """Whether a ReplacingMergeTree's merge on insert would leave ``batch`` as it is: no two of its rows
    share a sorting key (``keys``; ``None`` when the key cannot be judged). Then ``optimize_on_insert = 0``
    stores exactly the same rows, and skipping that merge takes ~30% off the engine's time for an ``events``
    batch (the check costs a fraction of that). The server backend (18.16) never merges on insert."""
    if keys is None:
        return False
    try:
        # A key column with no value repeated makes every key distinct; the last one (e.g. an event id)
        # is the likeliest, and one hash pass over it is ~2x cheaper than grouping by the whole key.
        if pc.count_distinct(batch.column(keys[-1]), mode="all").as_py() == batch.num_rows:
            return True
        distinct: int = batch.select(keys).group_by(keys).aggregate([]).num_rows
    except pa.ArrowException:  # a key type Arrow cannot group by (e.g. an Array)
        return False
    return distinct == int(batch.num_rows)


def _enum_members(ch_type: str) -> dict[int, str]:
    return {int(code): _ESCAPE.sub(r"\1", label) for label, code in _ENUM_MEMBER.findall(ch_type)}


def _datetimes(values: list[Any]) -> list[Any]:
    utc = dt.UTC
    from_ts = dt.datetime.fromtimestamp
    # Much faster than pyarrow's own tz-aware to_pylist.
    return [None if v is None else from_ts(v, utc) for v in values]


def _converter(ch_type: str) -> Callable[[pa.ChunkedArray | pa.Array], list[Any]] | None:
    """How to turn an Arrow result column of ``ch_type`` into Python values, when ``to_pylist`` is not it."""
    ch_type, _ = _strip_nullable(ch_type)
    inner = _unwrap(ch_type, "Array")
    if inner is not None:
        item = _converter(inner)
        if item is None:
            return None

        def convert_list(column: pa.ChunkedArray | pa.Array) -> list[Any]:
            out: list[Any] = []
            chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
            for chunk in chunks:
                flat = iter(item(chunk.flatten()))
                for length in chunk.value_lengths().to_pylist():
                    out.append(None if length is None else [next(flat) for _ in range(length)])
            return out

        return convert_list
    if ch_type == "DateTime" or ch_type.startswith("DateTime("):
        return lambda column: _datetimes(column.to_pylist())
    if ch_type.startswith(("Enum8(", "Enum16(")):
        members = _enum_members(ch_type)
        codes = pa.array(list(members), pa.int16())
        labels = pa.array(list(members.values()), pa.string())

        def convert_enum(column: pa.ChunkedArray | pa.Array) -> list[Any]:
            positions = pc.index_in(column.cast(pa.int16()), value_set=codes)
            return pc.take(labels, positions).to_pylist()  # type: ignore[no-any-return]

        return convert_enum
    return None


def _has_ambiguous(arrow_type: pa.DataType) -> bool:
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return _has_ambiguous(arrow_type.value_type)
    return arrow_type in _AMBIGUOUS


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM Python(_insert_batch)"


def _judged_keys(
    columns: Sequence[str], types: dict[str, str], sorting_key: list[str] | None
) -> list[str] | None:
    """The sorting key :func:`_merge_free` may judge: plain key columns given in the insert, no floats
    (-0.0 = 0.0 in ClickHouse, not in Arrow)."""
    if sorting_key is not None and all(key in columns and "Float" not in types[key] for key in sorting_key):
        return sorting_key
    return None


def _build_batch(columns: Sequence[str], types: dict[str, str], data: Sequence[Sequence[Any]]) -> pa.Table:
    """The Arrow table of an insert's columns."""
    arrays = [_build_column(name, types[name], values) for name, values in zip(columns, data, strict=True)]
    return pa.Table.from_arrays(arrays, names=list(columns))


def _settings(keys: list[str] | None, batch: pa.Table) -> str:
    """The settings to insert ``batch`` with."""
    return " SETTINGS optimize_on_insert = 0" if _merge_free(keys, batch) else ""


class _Prepared(list[Sequence[Any]]):
    """Column data (a list of the columns, as :meth:`ChdbWarehouse.insert` takes) with the Arrow table
    :meth:`ChdbWarehouse.prepare_insert` built of it, and what that was built for."""

    def __init__(
        self,
        data: Sequence[Sequence[Any]],
        table: str,
        columns: tuple[str, ...],
        types: dict[str, str],
        batch: pa.Table,
    ) -> None:
        super().__init__(data)
        self.table, self.columns, self.types, self.batch = table, columns, types, batch

    def fits(self, table: str, columns: Sequence[str], types: dict[str, str]) -> bool:
        """Built for this insert: the same table and columns, and the column types of the table as the
        warehouse knows them now (the same cached description: a statement since may have changed it)."""
        return table == self.table and tuple(columns) == self.columns and types is self.types


class ChdbWarehouse:
    """A ``Warehouse`` on an embedded chdb engine whose data lives in ``parsed.path``."""

    def __init__(self, parsed: WarehouseUrl) -> None:
        if parsed.scheme != "chdb":
            raise WarehouseError(f"ChdbWarehouse needs a chdb:// URL, not {parsed.redacted()}")
        self._url = parsed.redacted()
        self._database = check_database(parsed.database)
        self._schemas: dict[str, tuple[dict[str, str], list[str] | None]] = {}
        if "?" in parsed.path:
            # chdb would read everything after '?' as engine options.
            raise WarehouseError(f"{self._url}: a chdb directory path cannot contain '?'")
        directory = Path(parsed.path).expanduser()
        if directory.exists() and not directory.is_dir():  # "File exists" named no file (CLI review)
            raise WarehouseError(f"{self._url}: {directory} is a file, not a warehouse directory")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(
                f"cannot create the warehouse directory {directory}: {exc.strerror}"
            ) from None
        self._directory = directory.resolve()
        # chdb's Session is untyped; Any keeps mypy --strict quiet about its calls.
        self._session: Any = None
        self._holds_lock = False
        acquire(self._directory)
        self._holds_lock = True
        try:
            try:
                self._session = Session(str(self._directory))  # type: ignore[no-untyped-call]
            except RuntimeError as exc:
                raise WarehouseError(f"cannot open the embedded warehouse {self._directory}: {exc}") from None
            self.ensure_database()
            # USE and SET are per session in chdb and last for the session: unqualified names resolve to
            # the database, and date-time text (bound aware datetimes are written in the session time
            # zone) means UTC like the DateTime('UTC') columns, whatever the host's time zone; a query's
            # text may be as long as the server backend's (``binding.MAX_QUERY_BYTES``).
            self._run(f"USE {self._database}", "CSV")
            self._run("SET session_timezone = 'UTC'", "CSV")
            self._run(f"SET max_query_size = {MAX_QUERY_BYTES}", "CSV")  # a TextSet of many ids
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> ChdbWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self._url

    @property
    def database(self) -> str:
        return self._database

    @property
    def directory(self) -> Path:
        return self._directory

    def ensure_database(self) -> None:
        """Create the database if it does not exist (done on open; idempotent)."""
        self._run(f"CREATE DATABASE IF NOT EXISTS {self._database}", "CSV")

    def execute(self, sql: str, params: Params | None = None) -> None:
        self._schemas.clear()  # the statement may change a table (see _schema)
        self._run(bind(sql, params), "CSV")

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        bound = bind(sql, params)
        result = self._run(bound, "Arrow")
        if not len(result):
            return []
        table = pa.ipc.open_file(pa.py_buffer(result.get_memview().view())).read_all()
        if table.num_rows == 0:
            return []
        converters: list[Callable[[Any], list[Any]] | None] = [None] * table.num_columns
        if any(_has_ambiguous(field.type) for field in table.schema):
            described = self._run(f"DESCRIBE ({bound.rstrip().rstrip(';')})", "Arrow")
            types = pa.ipc.open_file(pa.py_buffer(described.get_memview().view())).read_all().column("type")
            converters = [_converter(t) for t in types.to_pylist()]
        columns = [
            convert(column) if convert else column.to_pylist()
            for convert, column in zip(converters, table.columns, strict=True)
        ]
        return list(zip(*columns, strict=True))

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        """Insert columns of rows. More than ``PIPELINE_ROWS`` rows go as several INSERTs, each sub-block's
        Arrow table built while the engine stores the one before, so a failed insert may have stored some
        sub-blocks: inserting the batch again is harmless, as every table is a ReplacingMergeTree.

        ``data`` may come from :meth:`prepare_insert`: its Arrow table, built then, is inserted as it is
        when nothing it was built from changed (the same table, columns and column types)."""
        count = check_insert(table, columns, data)
        if count == 0:
            return 0
        types, sorting_key = self._schema(table)
        keys = _judged_keys(columns, types, sorting_key)
        if type(data) is _Prepared and data.fits(table, columns, types):
            # Only the merge check is left: Arrow compute, mostly without the GIL.
            self._store(_insert_sql(table, columns), data.batch, _settings(keys, data.batch))
            return count
        for name in columns:
            if name not in types:
                raise WarehouseError(f"insert into {table}: no column {name}")
        sql = _insert_sql(table, columns)

        def build(start: int, stop: int) -> tuple[pa.Table, str]:
            whole = start == 0 and stop == count
            batch = _build_batch(columns, types, data if whole else [values[start:stop] for values in data])
            return batch, _settings(keys, batch)

        if count <= PIPELINE_ROWS:
            self._store(sql, *build(0, count))
            return count
        # The engine releases the GIL while it stores a sub-block: this thread builds the next one meanwhile.
        # Only the writer thread queries the session until the last sub-block is stored.
        # Leaving the pool waits for a write in flight, also when building a sub-block failed.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chdb-insert") as writer:
            stored: Future[None] | None = None
            for start in range(0, count, PIPELINE_ROWS):
                built = build(start, min(start + PIPELINE_ROWS, count))
                if stored is not None:
                    stored.result()
                stored = writer.submit(self._store, sql, *built)
            if stored is not None:
                stored.result()
        return count

    def insert_arrow(self, table: str, batch: pa.Table) -> int:
        """Insert an Arrow table built by ``warehouse.backends.arrow_columns`` (its column names are the
        insert's columns), as it is: no value passes through Python. Sub-blocks of ``PIPELINE_ROWS`` rows,
        as :meth:`insert` (a failed insert may have stored some; inserting again is harmless)."""
        columns = list(batch.column_names)
        check_insert(table, columns, [[]] * len(columns))
        if batch.num_rows == 0:
            return 0
        types, sorting_key = self._schema(table)
        for name, column in zip(columns, batch.columns, strict=True):
            if name not in types:
                raise WarehouseError(f"insert into {table}: no column {name}")
            if column.null_count and not _strip_nullable(types[name])[1]:
                raise WarehouseError(f"column {name} ({types[name]}) is not Nullable but a value is None")
        keys = _judged_keys(columns, types, sorting_key)
        sql = _insert_sql(table, columns)
        for start in range(0, batch.num_rows, PIPELINE_ROWS):
            part = batch.slice(start, PIPELINE_ROWS)
            self._store(sql, part, _settings(keys, part))
        return int(batch.num_rows)

    def prepare_insert(
        self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]
    ) -> Sequence[Sequence[Any]]:
        """The same column data, its Arrow table built ahead, in the calling thread, for a later
        :meth:`insert` of it into ``table`` (then only the engine's work is left). Nothing is built, and
        ``data`` is returned as it is, when that would need the session (the table's types not known yet: a
        thread may prepare while another one queries), for more than ``PIPELINE_ROWS`` rows, or when the
        data does not convert: :meth:`insert` then builds it, and raises what it raises."""
        cached = self._schemas.get(table)
        if cached is None or not 0 < len(data[0] if data else ()) <= PIPELINE_ROWS:
            return data
        types = cached[0]
        try:
            check_insert(table, columns, data)
            if any(name not in types for name in columns):
                return data
            batch = _build_batch(columns, types, data)
        except MemoryError:
            # Raised in the preparing thread (the sink's consumer thread, from its flush), not as a failed
            # write: it stops the sink as a MemoryError in the write would (the worker raises any error
            # that is not a WarehouseError), with nothing of the batch committed; it is read again on the
            # next run. The plain path would only try the same allocations again, in the writer's thread.
            raise
        except Exception:  # whatever it is, the insert meets it again, in the writer's thread
            return data
        return _Prepared(data, table, tuple(columns), types, batch)

    def _store(self, sql: str, _insert_batch: pa.Table, settings: str) -> None:
        # chdb's Python() table function finds ``_insert_batch`` by name among the caller's locals, and
        # reads its Arrow buffers without copying them.
        self._run(sql + settings, "CSV")

    def _schema(self, table: str) -> tuple[dict[str, str], list[str] | None]:
        """The column types of ``table``, and its sorting key's columns when it is a ReplacingMergeTree.

        Kept until the next ``execute`` (DDL goes through it; this process alone opens the directory), as
        the two catalogue queries cost ~17 ms per insert: a third of a sink batch's write."""
        cached = self._schemas.get(table)
        if cached is not None:
            return cached
        types: dict[str, str] = dict(
            self.query(
                "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = %(t)s",
                {"t": table},
            )
        )
        if not types:
            raise WarehouseError(f"insert into {table}: no such table in database {self._database}")
        found = self.query(
            "SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = %(t)s "
            "AND engine = 'ReplacingMergeTree'",
            {"t": table},
        )
        keys = [key.strip() for key in str(found[0][0]).split(",")] if found and found[0][0] else None
        self._schemas[table] = types, keys
        return types, keys

    def server_version(self) -> str:
        version: str = self.query("SELECT version()")[0][0]
        return version

    def close(self) -> None:
        """Close the session and release the directory (idempotent)."""
        session, self._session = self._session, None
        if session is not None:
            session.close()
        if self._holds_lock:
            self._holds_lock = False
            release(self._directory)

    def _run(self, sql: str, fmt: str) -> Any:
        if self._session is None:
            raise WarehouseError(f"the warehouse {self._url} is closed")
        try:
            return self._session.query(sql, fmt)
        except RuntimeError as exc:
            raise WarehouseError(f"chdb: {exc}") from None
