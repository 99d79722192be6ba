"""The query files are bound with pyformat parameters (``%(name)s``): any other ``%`` in them, even in a
comment, breaks the binding of every query that loads the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from warehouse.binding import parameter_names, stray_percents

SQL_DIR = Path(__file__).resolve().parents[2] / "warehouse" / "sql"


@pytest.mark.parametrize("path", sorted(SQL_DIR.glob("*.sql")), ids=lambda p: p.name)
def test_a_query_file_has_no_percent_sign_but_its_parameters(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    # '%%' too: a file run without parameters is not %-formatted, so it would reach ClickHouse doubled.
    stray = stray_percents(text, allow_doubled=False)
    assert not stray, f"{path.name}: '%' at offsets {stray} (write 'percent' in comments)"
    odd = sorted(name for name in parameter_names(text) if not re.fullmatch(r"[a-z_]+", name))
    assert not odd, f"{path.name}: parameter names {odd} (use lower-case letters and '_')"
