"""Which dossiers a sink folds again because time alone changed their standing (``streams.sink.refresh``).

The sink folds a dossier when an event of it arrives, at that time. An open dossier that then turns late
with no new event kept its fold's "in progress, within time" in the ``dossiers`` table, so the console and
the packs showed it so beside the detector's open LATE violation (stream review). The form was right: the
outcome history of an open dossier holds the instant it turns late, a change point ahead of its fold. So
the dossiers to fold again are those open when folded with such a key passed since: a question of the
``dossiers`` table alone, and of the events of those few.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from warehouse.base import Warehouse
from warehouse.queries import load_sql
from warehouse.store import epoch_us

__all__ = ["stream_dossiers_due"]


def stream_dossiers_due(wh: Warehouse, now: datetime, sources: Collection[str], limit: int) -> list[str]:
    """The dossiers fed only by the stream, from one of ``sources`` (``kafka:<topic>/<partition>``: the
    events partitions a sink owns), open when last folded, whose outcome history changed between that fold
    and ``now``: the first ``limit`` in id order (a sink folds that many a write, and asks again for the
    rest, which its folds have taken out of the answer). None without sources."""
    if not sources:
        return []
    params = {
        "now": now.replace(microsecond=0),
        "now_us": epoch_us(now),
        "sources": tuple(sorted(sources)),
        "limit": limit,
    }
    return [d for (d,) in wh.query(load_sql("stream_dossiers_due"), params)]
