"""Versioned, idempotent schema migrations from the ``.sql`` files in ``warehouse/migrations/``.

File names are ``NNNN_name.sql``; ``0000`` creates the ``schema_migrations`` table that records what ran.
Every statement is idempotent (``IF NOT EXISTS``; an ``ALTER TABLE t ADD COLUMN c`` is skipped when ``t``
has ``c``, since 18.16 has no ``ADD COLUMN IF NOT EXISTS``), so a migration interrupted half-way, or killed
after its statements but before its record, is simply run again.
A migration whose file changed after it was applied is refused: write a new migration instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from warehouse.base import Warehouse, WarehouseError

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_COMMENT = re.compile(r"--[^\n]*")
#: A statement adding columns, which a server refuses if one is there ("DUPLICATE_COLUMN"): its table, and
#: each ``ADD COLUMN`` clause's column (any layout, any type: ``DateTime64(3, 'UTC')`` holds a comma).
_ALTER_TABLE = re.compile(r"\s*ALTER\s+TABLE\s+(\w+)\s", re.IGNORECASE)
_ADD_COLUMN = re.compile(r"\bADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        """``NNNN_name``, as its file and ``warehouse status`` name it."""
        return f"{self.version:04d}_{self.name}"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]

    def statements(self) -> list[str]:
        """The file's statements (our DDL has no ';' inside literals or comments)."""
        text = _COMMENT.sub("", self.sql)
        return [s.strip() for s in text.split(";") if s.strip()]


def discover() -> list[Migration]:
    """The bundled migrations, in version order."""
    found = []
    for entry in resources.files("warehouse").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(len(found))):
        raise WarehouseError(f"migrations are not numbered 0000..: {[m.version for m in found]}")
    return found


def existing_tables(wh: Warehouse) -> set[str]:
    """The tables of the warehouse's database (a read: what the read-only user may ask)."""
    rows = wh.query("SELECT name FROM system.tables WHERE database = currentDatabase()")
    return {str(name) for (name,) in rows}


def applied(wh: Warehouse) -> dict[int, str]:
    """Version → checksum of what has run; empty when nothing has (no tracking table).

    Read-only, so that ``warehouse status`` runs as the read-only ``reports`` user (it once created the
    tracking table here, which that user may not)."""
    if "schema_migrations" not in existing_tables(wh):
        return {}
    rows = wh.query("SELECT version, checksum FROM schema_migrations FINAL ORDER BY version")
    return {int(v): str(c) for v, c in rows}


def pending_migrations(wh: Warehouse) -> list[Migration]:
    """The bundled migrations not applied yet (read-only, as :func:`applied`)."""
    done = applied(wh)
    return [m for m in discover() if m.version not in done]


def schema_version(wh: Warehouse) -> int:
    done = applied(wh)
    return max(done) if done else 0


def migrate(wh: Warehouse) -> list[Migration]:
    """Apply what has not run yet; returns the migrations applied now (empty when up to date)."""
    for statement in discover()[0].statements():  # the tracking table, first
        wh.execute(statement)
    done = applied(wh)
    now: list[Migration] = []
    for migration in discover():
        known = done.get(migration.version)
        if known is not None:
            if migration.version and known != migration.checksum:
                raise WarehouseError(
                    f"migration {migration.version:04d}_{migration.name} changed after it was applied "
                    f"(checksum {known} → {migration.checksum}); add a new migration instead"
                )
            continue
        for statement in migration.statements():
            if not _added_already(wh, statement):
                try:
                    wh.execute(statement)
                except WarehouseError:
                    # Another process migrating at once added the columns between the look and the ALTER
                    # (review of concurrent operators: one of two `init`s failed, "column already exists").
                    if not _added_already(wh, statement):
                        raise
        wh.insert(
            "schema_migrations",
            ["version", "name", "checksum", "applied_at"],
            [[migration.version], [migration.name], [migration.checksum], [datetime.now(UTC)]],
        )
        now.append(migration)
    return now


def added_columns(statement: str) -> tuple[str, list[str]] | None:
    """The table and columns ``statement`` adds, if it is an ``ALTER TABLE`` adding columns."""
    table = _ALTER_TABLE.match(statement)
    columns = _ADD_COLUMN.findall(statement)
    return (table[1], columns) if table is not None and columns else None


def _added_already(wh: Warehouse, statement: str) -> bool:
    """Whether ``statement`` adds columns its table has, all of them (a run killed after it, before its
    record: ClickHouse applies one ALTER's clauses together)."""
    added = added_columns(statement)
    if added is None:
        return False
    table, columns = added
    rows = wh.query(
        "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = %(t)s "
        "AND name IN %(c)s",
        {"t": table, "c": tuple(columns)},
    )
    return int(rows[0][0]) == len(set(columns))
