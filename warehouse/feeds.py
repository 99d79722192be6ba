"""How far the stored data reach, feed by feed (SQL in ``warehouse/sql/report_feed_newest.sql``).

A *feed* is where events come from: the source system an event names (``source.system``) or, for an event
without a ``source``, the unit that recorded it. The data reach as far as the feed that lags most: its
newest event (``reporting.reach`` says which feeds a week waits for). Events after the as-of instant (a
clock error at a source, a test's future date) are left out, so one future-dated event does not make every
week look complete, and one up-to-date feed does not hide a lagging one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from warehouse.base import Warehouse
from warehouse.queries import load_sql


def feed_newest(wh: Warehouse, as_of: datetime) -> dict[str, datetime]:
    """Each feed's newest event time at or before ``as_of`` (``system:<name>`` or ``unit:<code>``), as aware
    UTC instants."""
    rows = wh.query(load_sql("report_feed_newest"), {"as_of_s": int(as_of.timestamp())})
    return {str(feed): _aware(newest) for feed, newest in rows}


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
