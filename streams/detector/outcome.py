"""What a step of the detector's core decides: the violation messages to publish (:class:`Change`, found by
:func:`diff_published`) and the :class:`Outcome` of the step. No I/O.

An :class:`Outcome` is a record of what the core has already done to its state (published sets replaced,
events taken in, timers set): each evaluation adds its changes in the same step as it replaces the
dossier's published set, so whatever an outcome holds must be published and persisted, even when the step
that filled it did not finish (see :mod:`streams.detector.guard`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from schemas.events import AnyEvent
from streams.detector.dossier import VKey

__all__ = ["Change", "Outcome", "diff_published", "replace_all"]

State = Literal["open", "retracted"]


@dataclass(frozen=True, slots=True)
class Change:
    """One message to publish: a violation opened (or re-opened with new JSON) or retracted."""

    state: State
    dossier_id: str
    key: VKey
    json: bytes

    def violation(self) -> dict[str, Any]:
        """The ``audit --json`` record of the violation (for a retraction: as last published)."""
        doc: dict[str, Any] = orjson.loads(self.json)
        return doc


def diff_published(
    dossier_id: str, published: Mapping[VKey, bytes], current: Mapping[VKey, bytes]
) -> list[Change]:
    """What turns ``published`` into ``current``: "open" for new keys and keys whose JSON changed,
    "retracted" (with the JSON last published) for keys that no longer hold. Ordered by key."""
    changes = [
        Change("open", dossier_id, key, doc) for key, doc in current.items() if published.get(key) != doc
    ]
    changes.extend(
        Change("retracted", dossier_id, key, doc) for key, doc in published.items() if key not in current
    )
    changes.sort(key=lambda c: c.key)
    return changes


def replace_all(dossier_id: str, published: Mapping[VKey, bytes], key: VKey, doc: bytes) -> list[Change]:
    """What turns ``published`` into the single violation ``{key: doc}`` (``AUDIT_ERROR``), as
    :func:`diff_published` would say it. Separate and minimal on purpose: it is what the core falls back
    on when anything in a dossier's evaluation raised, :func:`diff_published` included."""
    changes = [Change("retracted", dossier_id, k, d) for k, d in published.items() if k != key]
    if published.get(key) != doc:
        changes.append(Change("open", dossier_id, key, doc))
    changes.sort(key=lambda c: c.key)
    return changes


@dataclass(slots=True)
class Outcome:
    """What one step changed: messages to publish, dossiers whose stored state changed, evaluations."""

    changes: list[Change] = field(default_factory=list)
    dirty: set[str] = field(default_factory=set)
    evaluated: int = 0
    duplicates: int = 0
    conflicts: list[AnyEvent] = field(default_factory=list)
    watermark_moved: bool = False
    #: The instant the changes were computed at (the watermark, or the ``finalize`` instant).
    as_of_us: int | None = None
    #: Dossiers the rulebook could not judge, with the reason: ``AUDIT_ERROR`` is published for them in
    #: place of their violations (rulebook v2, amendment 12), and the stream goes on. Any exception in a
    #: dossier's evaluation counts, not only the rulebook's, as in the batch audit.
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: Dossiers for which not even ``AUDIT_ERROR`` could be built, with the reason: their verdict stays as
    #: last published (nothing of them changed) and their next event evaluates them again.
    unjudged: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, other: Outcome) -> None:
        self.changes.extend(other.changes)
        self.dirty |= other.dirty
        self.evaluated += other.evaluated
        self.duplicates += other.duplicates
        self.conflicts.extend(other.conflicts)
        self.errors.extend(other.errors)
        self.unjudged.extend(other.unjudged)
        self.watermark_moved = self.watermark_moved or other.watermark_moved
