"""Duplicate and conflict detection by ``event_id`` with a content fingerprint.

Sources resend events (at-least-once delivery, replays): an identical resend is a duplicate, counted and
ignored; the same ``event_id`` with different content is a conflict, rejected, and the first-seen version
wins so a verdict never depends on which copy arrived last.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from hashlib import blake2b
from typing import Any, Literal

import orjson
from pydantic import BaseModel

from schemas.events import AnyEvent, has_unknown_members
from schemas.validation import Rejection

Outcome = Literal["new", "duplicate", "conflict"]


def _utc(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"unexpected {type(value).__name__} in an event")


def fingerprint(event: AnyEvent) -> bytes:
    """16-byte blake2b digest of the event's canonical JSON.

    Canonical: keys sorted at every level, no whitespace, timestamps as UTC instants (``+07:00`` and the
    same instant in ``Z`` are one content), and ``null`` equal to an absent field. Key order and
    formatting of the source line therefore never make a resend look like a conflict.
    """
    content = event.model_dump(exclude_none=True)
    canonical = orjson.dumps(
        content, default=_utc, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    )
    return blake2b(canonical, digest_size=16).digest()


@cache
def _declared(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(model.__pydantic_fields__)


def _not_none_fields(model: BaseModel) -> dict[str, Any]:
    """The model's declared fields that are not ``None``; datetimes as UTC instants."""
    values = model.__dict__
    return {
        name: value.astimezone(UTC) if isinstance(value, datetime) else value
        for name in _declared(type(model))
        if (value := values.get(name)) is not None
    }


def fast_fingerprint(event: AnyEvent) -> bytes:
    """:func:`fingerprint`, the same bytes, faster, for an event whose fields hold values of their
    declared types (any event built by validation, or copied from one with such values).

    Without unknown fields, ``model_dump(exclude_none=True)`` of such an event is its declared fields
    that are not ``None``, ``data`` and ``source`` dumped likewise, with values (strings, ints, booleans, the
    type enum, lists of strings, datetimes) returned as they are (a list as an equal copy). Its datetimes are
    exactly those top-level values; here each is converted to UTC and left to orjson, whose text for a UTC
    datetime is ``isoformat()``'s (tests/streams/test_sink_speed_paths.py), which is what
    :func:`fingerprint`'s ``default`` produces. An event with unknown fields (any JSON, any depth, in the
    envelope, ``data`` or ``source``) takes :func:`fingerprint`.
    """
    if not isinstance(event.data, BaseModel) or has_unknown_members(event):
        return fingerprint(event)
    return known_fields_fingerprint(event)


def known_fields_fingerprint(event: AnyEvent) -> bytes:
    """:func:`fast_fingerprint` of an event the caller has checked already: ``data`` a model, and no
    unknown members (``has_unknown_members`` false), which this does not check again."""
    data = event.data
    content = _not_none_fields(event)
    content["data"] = _not_none_fields(data)
    source = content.get("source")
    if source is not None:  # its declared fields hold strings, a boolean, a list of strings: dumped as is
        content["source"] = _not_none_fields(source)
    # ``default``: anything orjson cannot serialise fails like in ``fingerprint``.
    return blake2b(orjson.dumps(content, default=_utc, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()


class Deduplicator:
    """Remembers the fingerprint of the first event seen for each ``event_id`` (in memory)."""

    __slots__ = ("_seen", "conflicts", "duplicates")

    def __init__(self) -> None:
        self._seen: dict[str, bytes] = {}
        self.duplicates = 0
        self.conflicts = 0

    def observe(self, event: AnyEvent, *, digest: bytes | None = None) -> Outcome:
        """Classify ``event`` against those seen before; ``digest`` skips recomputing its fingerprint."""
        digest = fingerprint(event) if digest is None else digest
        first = self._seen.setdefault(event.event_id, digest)
        if first is digest:
            return "new"
        if first == digest:
            self.duplicates += 1
            return "duplicate"
        self.conflicts += 1
        return "conflict"

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._seen


def conflict_rejection(event: AnyEvent, *, raw: bytes, line_no: int | None = None) -> Rejection:
    """The rejection recorded for an event whose ``event_id`` was first seen with other content."""
    return Rejection(
        code="event_id.conflict",
        message=(
            f"event_id: {event.event_id!r} was already seen with different content "
            f"(dossier {event.dossier_id!r}); the first version is kept"
        ),
        line_no=line_no,
        raw=raw,
    )
