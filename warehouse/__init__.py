"""The ClickHouse warehouse: one interface, two backends (embedded chdb; a server via clickhouse-driver).

This package module is the factory, :func:`open_warehouse`, and the only module that imports a backend:
the interface (``warehouse.base``) and the binding of parameters (``warehouse.binding``) sit below the
backends (``warehouse.backends``), which sit below this.
"""

from __future__ import annotations

from warehouse.base import Warehouse, parse_url


def open_warehouse(url: str, *, create_database: bool = False) -> Warehouse:
    """Open the backend the URL names (the assembly point's only way to get a warehouse).

    ``create_database``: create the URL's database when missing (the embedded backend always does; on a
    server it needs a user allowed to, so read-only commands leave it off).
    """
    parsed = parse_url(url)
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
