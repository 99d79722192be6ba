"""Deterministic event ids, and the events themselves with their ``source`` provenance.

**Same fact, same id, same bytes.** An event's id is a hash of what identifies the fact in the source, never
of when or in which run it was read:

- a fact read from a dossier record, or an end read from a history row: (system, ``MaHoSo``, event type)
  — a dossier is received once, ended once by each kind of end, whichever snapshot or row says so;
- a supplement request or completion, read from the record's supplement list, from a row or deduced from
  the rows: (system, ``MaHoSo``, event type, its instant) (:func:`fact_key`) — the record and a row may
  state the same one, in one import or in two;
- another fact read from a processing-history row: (system, ``MaHoSo``, the row's identity: its status,
  time, text, official, department and step deadline) — the same row resent in a later progress body is
  the same event;
- another deduced fact: (system, ``MaHoSo``, its type, what it was deduced from: the identity of the row
  it was read at, or the two due dates of a changed ``NgayHenTra``).

Every field of an event is a function of its identity and of its dossier's first snapshot, so re-importing
a payload yields byte-identical lines (duplicates downstream), and a later snapshot adds only the facts it
is the first to show (``docs/dvcqg-import.md``, "Snapshots"). A fact stated otherwise by another payload
(a return's channel a row had to assume, which a later snapshot gives) has the same id and other content:
a conflict downstream, the first version kept.

Ids are ``dvcqg-`` and 32 hex digits (128 bits of BLAKE2b): collisions are not a practical concern, and the
fixed length keeps them far below the contract's 128 characters.
"""

from __future__ import annotations

from datetime import datetime
from hashlib import blake2b
from typing import Any

from schemas.events import SCHEMA_VERSION
from sources.dvcqg.times import format_instant

__all__ = ["SYSTEM", "Provenance", "build_event", "digest", "event_id"]

#: ``source.system`` of every event this package makes.
SYSTEM = "dvcqg"
_SEPARATOR = "\x1f"  # the ASCII unit separator: cannot occur in a part that matters


def digest(*parts: str) -> bytes:
    """16 bytes identifying ``parts`` (order matters; no part can run into the next)."""
    text = _SEPARATOR.join(parts)
    if text.count(_SEPARATOR) != len(parts) - 1:  # a part holding the separator (never in real data)
        text = _SEPARATOR.join(p.replace(_SEPARATOR, " ") for p in parts)
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def fact_key(dossier_id: str, kind: str, *identity: str) -> bytes:
    """The key of a fact of a dossier that the record and a history row may both state (an end; a
    supplement request or completion, with its instant): one event id whichever states it, in whatever
    import (a row read in one week's import and a later snapshot stating the same fact would otherwise be
    two events)."""
    return digest(SYSTEM, dossier_id, kind, *identity)


def event_id(key: bytes) -> str:
    """The contract ``event_id`` of a fact whose identity digest is ``key``."""
    return f"{SYSTEM}-{key.hex()}"


class Provenance:
    """What an event's ``source`` says: the record it was read from, and, for a deduced event, that it was
    deduced and from what; ``unknown``: the ``data`` fields this format cannot carry (given as null)."""

    __slots__ = ("basis", "inferred", "record", "unknown")

    def __init__(
        self, record: str, *, inferred: bool = False, basis: str = "", unknown: tuple[str, ...] = ()
    ) -> None:
        self.record = record
        self.inferred = inferred
        self.basis = basis
        self.unknown = unknown

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"system": SYSTEM, "record": self.record}
        if self.inferred:
            out["inferred"] = True
            out["basis"] = self.basis
        if self.unknown:
            out["unknown"] = list(self.unknown)
        return out


def build_event(
    key: bytes,
    dossier_id: str,
    kind: str,
    occurred_at: datetime,
    unit_code: str,
    data: dict[str, Any],
    provenance: Provenance,
    *,
    actor: str = "",
) -> dict[str, Any]:
    """A contract event as a JSON-ready dict, members in a fixed order (so its bytes are stable).

    Fields named in ``provenance.unknown`` are set to null in ``data`` whatever the caller put there.
    """
    for name in provenance.unknown:
        data[name] = None
    event: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "event_id": event_id(key),
        "dossier_id": dossier_id,
        "type": kind,
        "occurred_at": format_instant(occurred_at),
        "unit_code": unit_code,
    }
    if actor:
        event["actor"] = actor
    event["data"] = data
    event["source"] = provenance.to_json()
    return event
