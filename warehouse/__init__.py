"""The ClickHouse warehouse: one interface, two backends (embedded chdb; a server via clickhouse-driver).

This package module is the factory, :func:`open_warehouse`, and the only module that imports a backend:
the interface (``warehouse.base``) and the binding of parameters (``warehouse.binding``) sit below the
backends (``warehouse.backends``), which sit below this.
"""

from __future__ import annotations

import os

# In the product only this package's modules import clickhouse-driver, and a package's ``__init__`` runs
# before any of its modules: so before the driver is imported, its table of dates is set to be filled on use,
# not for every day of 1900-2299 at import. The driver documents the variable (misspelled so, "Supported
# types"); the table's values are the same either way, and an operator's own setting stays. The full table
# cost every process that imports the driver (every CLI command) some 0.13 s of CPU and 18 MB.
os.environ.setdefault("CLICKHOUSE_DRIVER_LASY_DATE_LUT", "1")

from pathlib import Path

from warehouse.base import Warehouse, WarehouseError, WarehouseUrl, not_initialised, parse_url, schema_behind
from warehouse.migrate import existing_tables, pending_migrations


def open_warehouse(
    url: str, *, create_database: bool | None = None, current_schema: bool = True
) -> Warehouse:
    """Open the backend the URL names (the assembly point's only way to get a warehouse).

    ``create_database``:

    - ``True``: create the URL's database when missing (init, load, the workers; on a server it needs a
      user allowed to).
    - ``False``: a reading session (the CLI's reading commands, Dagster): nothing is created, and a
      warehouse that was never initialised — no chdb directory, no database, no schema — raises
      ``WarehouseNotInitialised`` saying how to initialise it, instead of a raw engine error. A mistyped
      ``chdb:///typo`` must not leave a new directory behind. So does one whose schema lacks migrations
      this release has (a first load killed while it created the schema, or an older release's): its
      reads would fail on a missing column with the engine's error (review); ``current_schema=False``
      lets it open (``warehouse status``, which reports the pending migrations).
    - ``None`` (library callers, tests): the backend's habit — chdb creates its directory and database, a
      server creates nothing.
    """
    parsed = parse_url(url)
    reading = create_database is False
    if reading and parsed.scheme == "chdb":
        _require_chdb_database(parsed)
    warehouse = _open(parsed, create_database=bool(create_database))
    if reading:
        try:
            if "schema_migrations" not in existing_tables(warehouse):
                raise not_initialised(warehouse.url, "no schema")
            if current_schema:
                pending = pending_migrations(warehouse)
                if pending:
                    raise schema_behind(warehouse.url, [m.label for m in pending])
        except BaseException:
            warehouse.close()
            raise
    return warehouse


def _require_chdb_database(parsed: WarehouseUrl) -> None:
    """Refuse a chdb directory holding no database of that name, before chdb creates one there: chdb
    records each database as ``metadata/<name>.sql`` (Atomic) or ``metadata/<name>/`` (Ordinary)."""
    directory = Path(parsed.path).expanduser()
    metadata = directory / "metadata"
    if not directory.exists():
        raise not_initialised(parsed.redacted(), f"no directory {directory}")
    if not directory.is_dir():  # "create it with warehouse init", which cannot (CLI review)
        raise WarehouseError(f"{parsed.redacted()}: {directory} is a file, not a warehouse directory")
    if not metadata.is_dir():
        raise not_initialised(parsed.redacted(), f"{directory} holds no warehouse")
    if not ((metadata / f"{parsed.database}.sql").is_file() or (metadata / parsed.database).is_dir()):
        raise not_initialised(parsed.redacted(), f"no database {parsed.database} in {directory}")


def _open(parsed: WarehouseUrl, *, create_database: bool) -> Warehouse:
    # The backends are imported here, not at module level, because importing this package is what every
    # ``from warehouse.base import Warehouse`` pays: measured (2 CPUs, warm cache) the chdb backend costs
    # ~0.4 s and +289 MB peak RSS (chdb's engine library), the server backend ~0.25 s and +45 MB
    # (clickhouse-driver, NumPy), against ~16 ms for the interface alone; a process needs one of them.
    if parsed.scheme == "chdb":
        from warehouse.backends.chdb import ChdbWarehouse

        return ChdbWarehouse(parsed)
    from warehouse.backends.server import ServerWarehouse

    server = ServerWarehouse(parsed)
    if create_database:
        try:
            server.ensure_database()
        except BaseException:
            server.close()
            raise
    return server


__all__ = ["open_warehouse"]
