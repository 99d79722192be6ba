"""The instants and days of evidence facts (stored as ISO text): read (:func:`parse_time`), and the local day
a lateness is counted to (:func:`local_day`, :func:`last_day_begun`). Apart from ``evidence_words``, which
writes them as words.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from inspections.timeunits import VN_TZ

__all__ = ["last_day_begun", "local_day", "parse_time"]

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def parse_time(value: Any) -> datetime | date | None:
    """An ISO date or instant (as the evidence stores them) as a ``date`` or an aware ``datetime``."""
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if _ISO_DAY.match(text):
            return date.fromisoformat(text)
        if _ISO_INSTANT.match(text):
            parsed = datetime.fromisoformat(text)
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=VN_TZ)
    except ValueError:
        return None
    return None


def local_day(value: Any) -> date | None:
    parsed = parse_time(value)
    if isinstance(parsed, datetime):
        return parsed.astimezone(VN_TZ).date()
    return parsed


def last_day_begun(value: Any) -> date | None:
    """The last local day an instant has reached into: its day, but the day before at midnight exactly, when
    its day has not begun. An open dossier judged at Monday 00:00 was "trễ 3 ngày làm việc" past a
    Wednesday due date: Thursday, Friday and a Monday not started yet (onboarding review)."""
    parsed = parse_time(value)
    if isinstance(parsed, datetime):
        local = parsed.astimezone(VN_TZ)
        midnight = (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
        return local.date() - timedelta(days=1) if midnight else local.date()
    return parsed
