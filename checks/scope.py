"""What a run checks: one week (in local time, as the reports count it) or the whole warehouse.

A week's events are those that occurred in it and its dossiers those its reporting form counts: received
before its end and not ended before its start (carried over into it, received, resolved or still in progress
in it). A dossier received the week before with a wrong due date changes this week's figures when it ends
in it, and this week's checks judged only the dossiers received in it (review).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from inspections.timeunits import VN_TZ
from inspections.weeks import Week


@dataclass(frozen=True, slots=True)
class Scope:
    """A week (events that occurred in it, dossiers its form counts; local time) or the whole warehouse."""

    week: Week | None

    @property
    def name(self) -> str | None:
        return str(self.week) if self.week is not None else None

    @property
    def start(self) -> datetime:
        """The first instant of the week (UTC); the epoch for the whole warehouse."""
        return _local_midnight(self.week.start) if self.week else datetime(1970, 1, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the week (UTC); for the whole warehouse, 2105: ClickHouse 18.16 reads
        ``toDateTime('2106-01-01 00:00:00', 'UTC')`` (how the server backend binds it) as zero, its dates
        ending in 2105, and a query comparing with it without the ``whole`` guard found nothing (review)."""
        return _local_midnight(self.week.end) if self.week else datetime(2105, 1, 1, tzinfo=UTC)

    def params(self) -> dict[str, Any]:
        """Bound parameters of the scoped queries (``warehouse/sql/quality_*.sql``)."""
        return {"whole": int(self.week is None), "start": self.start, "end": self.end}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VN_TZ).astimezone(UTC)
