"""The deduplicated event set of one dossier, as events arrive (re-exported by ``timeline``)."""

from __future__ import annotations

from typing import Literal

from schemas.dedup import same_content
from schemas.events import AnyEvent, event_sort_key

Observation = Literal["new", "duplicate", "conflict"]


class DossierEvents:
    """The deduplicated event set of one dossier (mutable accumulator; cheap to add to)."""

    __slots__ = ("_by_id", "dossier_id")

    def __init__(self, dossier_id: str) -> None:
        self.dossier_id = dossier_id
        self._by_id: dict[str, AnyEvent] = {}

    def add(self, event: AnyEvent) -> Observation:
        """Add an event: ``duplicate`` when already present with the same content (``same_content``: its
        fingerprint), ``conflict`` (kept out) when present with different content."""
        known = self._by_id.get(event.event_id)
        if known is None:
            self._by_id[event.event_id] = event
            return "new"
        return "duplicate" if same_content(known, event) else "conflict"

    def __len__(self) -> int:
        return len(self._by_id)

    def sorted_events(self) -> list[AnyEvent]:
        return sorted(self._by_id.values(), key=event_sort_key)
