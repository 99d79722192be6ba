"""Weekly partitions: Monday–Sunday in Asia/Ho_Chi_Minh, keyed by the Monday's date (``2025-11-03``)."""

from __future__ import annotations

import re
from datetime import date

from dagster import WeeklyPartitionsDefinition

from inspections.weeks import Week, WeekError, supported_week
from schemas.timerange import END

#: Where the partitions begin (backfills before it are refused): the first week of the first year the
#: platform's calendar ships (2019: ``inspections/calendars/vn``). It was 2024, and a province replaying its
#: 2023 history could not backfill those weeks' reports in Dagster (Dagster seat of 2026-12-08).
DEFAULT_START = date(2019, 1, 1)
TIMEZONE = "Asia/Ho_Chi_Minh"
KEY_FORMAT = "%Y-%m-%d"
_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PartitionKeyError(ValueError):
    """A partition key that is not the Monday of a week."""


def weekly_partitions(start: date = DEFAULT_START, *, end_offset: int = 0) -> WeeklyPartitionsDefinition:
    """Weeks from the Monday on or before ``start``; a week's partition exists once it has ended (next
    Monday 00:00 local), or ``end_offset`` weeks earlier; none past the supported years (the calendar knows
    no working day after them: a report there could only be wrong, and the commands refuse such a week)."""
    monday = Week.of(start).start
    return WeeklyPartitionsDefinition(
        start_date=monday.strftime(KEY_FORMAT),
        end_date=END.date().strftime(KEY_FORMAT),
        day_offset=1,
        timezone=TIMEZONE,
        fmt=KEY_FORMAT,
        end_offset=end_offset,
    )


def week_of_key(key: str) -> Week:
    """The week a partition key names (the key is its Monday, ``YYYY-MM-DD``)."""
    try:
        if not _KEY.match(key):
            raise ValueError(key)  # fromisoformat would also take 2025-W44 or 20251027
        day = date.fromisoformat(key)
    except ValueError:
        raise PartitionKeyError(
            f"{key!r} is not a weekly partition key; write the Monday, e.g. 2025-11-03"
        ) from None
    if day.weekday() != 0:
        raise PartitionKeyError(f"{key!r} is a {day:%A}, not the Monday that names a week")
    week = Week.of(day)
    try:
        return supported_week(str(week))  # as the commands read a week (review of 2026-12-04)
    except WeekError as exc:
        raise PartitionKeyError(f"{key!r}: {exc}") from None


def key_of_week(week: Week) -> str:
    """The partition key of ``week``."""
    return week.start.strftime(KEY_FORMAT)
