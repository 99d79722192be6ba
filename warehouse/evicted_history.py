"""The detector's history port on the warehouse side: the stored rows of evicted dossiers.

The stream detector evicts ended dossiers from memory and, when an event comes for one later, reads its
events back through :class:`streams.detector.history.DossierHistory`; this implements it on a warehouse
the sink stores into. A warehouse *server* only: an embedded chdb directory is owned by one process (the
sink's), so a detector could not open it while the sink runs (the composition root refuses it).

Synchronous, like every warehouse session: the detector calls it from a thread. One session, opened on
first use and reopened after a failure (the caller retries).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warehouse.base import Warehouse
from warehouse.binding import TextSet
from warehouse.queries import load_sql

__all__ = ["WarehouseHistory"]


class WarehouseHistory:
    """Stored rows of dossiers, from the warehouse ``connect`` opens (a reading session)."""

    def __init__(self, connect: Callable[[], Warehouse], shown_url: str) -> None:
        self._connect = connect
        self._shown = shown_url
        self._wh: Warehouse | None = None

    def describe(self) -> str:
        return self._shown

    def stored_rows(self, source: str, dossier_ids: Sequence[str]) -> list[tuple[str, str, int, str, str]]:
        """(dossier id, event id, source offset, raw JSON, content fingerprint) of every stored row of the
        dossiers from ``source`` (``kafka:<topic>/<partition>``)."""
        if not dossier_ids:
            return []
        if self._wh is None:
            self._wh = self._connect()
        try:
            rows = self._wh.query(
                load_sql("evicted_dossier_rows"), {"ids": TextSet(dossier_ids), "source": source}
            )
        except BaseException:
            wh, self._wh = self._wh, None
            wh.close()
            raise
        return [(str(d), str(e), int(o), str(raw), str(fp)) for d, e, o, raw, fp in rows]

    def close(self) -> None:
        """Close the session (idempotent; a later read opens a new one)."""
        if self._wh is not None:
            wh, self._wh = self._wh, None
            wh.close()
