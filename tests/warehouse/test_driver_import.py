"""clickhouse-driver is imported with its date table filled on use (warehouse/__init__.py): a process that
imports any warehouse module pays neither the 0.13 s nor the 18 MB of a table of every day of 1900-2299, an
operator's own setting of the driver's variable is kept, and the dates the driver reads and writes are the
same as with the full table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = "CLICKHOUSE_DRIVER_LASY_DATE_LUT"
PROBE = (
    "import warehouse.binding\n"
    "from clickhouse_driver.columns import datecolumn\n"
    "print(type(datecolumn.DateColumn.date_lut).__name__, len(datecolumn.DateColumn.date_lut))\n"
)


def _probe(**env: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if k != VARIABLE} | env
    done = subprocess.run(
        [sys.executable, "-c", PROBE], check=False, cwd=ROOT, capture_output=True, text=True, env=environment
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_warehouse_module_imports_the_driver_with_an_empty_date_table() -> None:
    assert _probe() == ["LazyLUT", "0"]


def test_an_operators_own_setting_of_the_variable_is_kept() -> None:
    assert _probe(**{VARIABLE: "2025-01-01:2025-01-31"}) == ["LazyLUT", "31"]


def test_the_table_filled_on_use_holds_the_full_tables_dates() -> None:
    """In a process of its own (the test runner's may have imported the driver before ``warehouse``): every
    17th day of 1900-2299 and the range's ends read and written through the lazy table as the full table
    would, each day and its number both ways."""
    probe = (
        "import warehouse\n"
        "from datetime import date, timedelta\n"
        "from clickhouse_driver.columns.datecolumn import DateColumn\n"
        "assert type(DateColumn.date_lut).__name__ == 'LazyLUT'\n"
        "epoch, first, last = date(1970, 1, 1), date(1900, 1, 1), date(2299, 12, 31)\n"
        "days = [first + timedelta(days=n) for n in range(0, (last - first).days + 1, 17)] + [first, last]\n"
        "for day in days:\n"
        "    number = (day - epoch).days\n"
        "    assert DateColumn.date_lut[number] == epoch + timedelta(days=number) == day, day\n"
        "    assert DateColumn.date_lut_reverse[day] == number, day\n"
        "print(len(days))\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != VARIABLE}
    done = subprocess.run(
        [sys.executable, "-c", probe], check=False, cwd=ROOT, capture_output=True, text=True, env=environment
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 8_000
