"""How check results read: numbers and instants as an inspector reads them in Vietnamese or English, and
Great Expectations' values made plain JSON for the stored details.

Kept apart from the check types and the engine because the messages, the suites and the CLI summary all
format the same way, and none of them should need Great Expectations to do it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from inspections.timeunits import VN_TZ


def number(n: int, lang: str) -> str:
    """``1.234`` in Vietnamese, ``1,234`` in English."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "vi" else text


def naive_utc(t: datetime) -> datetime:
    """The frames hold naive UTC times (Great Expectations mishandles time-zone-aware pandas columns)."""
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo is not None else t


def local_time(t: datetime | None, lang: str) -> str:
    """An instant (naive = UTC) as an inspector reads it: Vietnamese local time."""
    if t is None:
        return "không có" if lang == "vi" else "none"
    local = (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).astimezone(VN_TZ)
    return local.strftime("%H:%M %d/%m/%Y") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M (UTC+7)")


def jsonable(value: Any) -> Any:
    """Great Expectations results hold numpy and pandas scalars; make them plain JSON values."""
    # pandas is imported on use, not with the module: it costs ~0.8 s (measured, 2 CPUs, warm cache) and
    # the ``checks`` package is imported by every CLI command and every Dagster code-server load.
    import pandas as pd  # type: ignore[import-untyped]

    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalars and datetime64
    if callable(item):
        return jsonable(item())
    return str(value)
