"""The SQL the platform runs, kept in ``.sql`` files next to this module (``warehouse/sql/``)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_sql(name: str) -> str:
    """The text of ``warehouse/sql/<name>.sql`` (parameters in ``%(name)s`` style)."""
    return resources.files("warehouse").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
