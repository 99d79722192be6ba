"""The warehouse backends: ``chdb`` (the embedded engine) and ``server`` (a ClickHouse server), with the
server's Native-format insert path (``native``, ``native_insert``). Only ``warehouse.open_warehouse``
chooses between them; they depend on ``warehouse.base`` and ``warehouse.binding``, never on each other's
callers."""
