"""The ``events`` rows: one per stored event, ``raw`` the whole (already pseudonymised) event.

Every path that stores events builds its rows here: the load (its workers, for its Arrow frames), the stream
sink's general path, the tests' warehouses. An event without unknown members (the common case) takes a
fast way, from its models' ``__dict__`` and their classes' shapes (``schemas.dedup.Shape``), byte for byte
the general row (pydantic serialising the event, ``schemas.dedup.fingerprint`` hashing it), which stays the
reference the fast one is tested against (tests/schemas/test_event_row_fast.py,
tests/warehouse/test_load_rows_fast.py).

The load asks for the instants as epoch seconds (``seconds=True``): what its frames store for a
``DateTime`` (``arrow_columns.build_column(seconds=True)``), computed without building a ``datetime``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from schemas.dedup import BLAKE2B_16, Shape, event_shape, fingerprint, fingerprint_default, in_content
from schemas.events import AnyEvent, has_unknown_members, to_json_dict

__all__ = ["EVENT_COLUMNS", "EVENT_SECONDS", "event_row"]

EVENT_COLUMNS = (
    "event_id", "dossier_id", "type", "schema_version", "occurred_at", "occurred_at_us", "unit_code", "actor",
    "procedure_code", "data", "raw", "fingerprint", "source", "source_offset", "ingested_at",
)  # fmt: skip
#: The columns :func:`event_row` gives as epoch seconds with ``seconds=True`` (``ingested_at`` as its
#: caller gives it).
EVENT_SECONDS = ("occurred_at", "ingested_at")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: How the ``data`` member starts in an event's JSON: ``data`` is every event model's last field.
_DATA_MEMBER = ',"data":'
_SKIP = len(_DATA_MEMBER)


def event_row(
    event: AnyEvent, source: str, offset: int, ingested_at: Any, *, seconds: bool = False
) -> tuple[Any, ...]:
    """One ``events`` row; ``raw`` is the whole (already pseudonymised) event, unknown fields included.

    ``raw`` is ``orjson.dumps(to_json_dict(event))``, ``data`` the same of its ``data`` and ``fingerprint``
    :func:`schemas.dedup.fingerprint`; ``occurred_at`` is its UTC instant less its microseconds (a
    ``datetime``, or with ``seconds`` its whole epoch seconds), ``ingested_at`` stored as given (a
    ``datetime``, or with ``seconds`` epoch seconds). See :func:`_known_fields_row` for the fast way.
    """
    if has_unknown_members(event):  # envelope, data or source: the fast row knows only declared members
        return _general_event_row(event, source, offset, ingested_at, seconds)
    return _known_fields_row(event, source, offset, ingested_at, seconds)


def _epoch_seconds(at: datetime) -> int:
    """The whole epoch seconds of an aware ``datetime`` (floored, exactly: no float)."""
    delta = at - _EPOCH
    return delta.days * 86_400 + delta.seconds


def _general_event_row(
    event: AnyEvent, source: str, offset: int, ingested_at: Any, seconds: bool = False
) -> tuple[Any, ...]:
    doc = to_json_dict(event)
    procedure = getattr(event.data, "procedure_code", None)
    at = event.occurred_at.astimezone(UTC)
    return (
        event.event_id, event.dossier_id, event.type.value, event.schema_version,
        _epoch_seconds(at) if seconds else at.replace(microsecond=0), at.microsecond, event.unit_code,
        event.actor, procedure, orjson.dumps(doc["data"]).decode(), orjson.dumps(doc).decode(),
        fingerprint(event).hex(), source, offset, ingested_at,
    )  # fmt: skip


def _known_fields_row(
    event: AnyEvent, source: str, offset: int, ingested_at: Any, seconds: bool = False
) -> tuple[Any, ...]:
    """:func:`_general_event_row` for an event without unknown fields, faster and byte for byte the same.

    - ``raw``: :func:`_set_members` builds ``to_json_dict(event)`` but for its datetimes, which stay
      ``datetime`` objects, and its enum members, which stay members; orjson writes each such member as its
      value and, with ``OPT_UTC_Z``, each datetime whose offset is whole minutes (every RFC 3339 timestamp)
      as pydantic writes it (tests/schemas/test_event_row_fast.py checks every offset). All else is the
      same objects written by the same orjson: the same bytes. An event with a time whose offset is not
      whole minutes (never from validation), or with an unset member that holds a value (never after
      validation, which leaves a field unset only at its default, ``None`` for every field of the contract)
      takes the general row; for ``occurred_at``, that is when its seconds or microseconds differ from its
      UTC instant's.
    - ``data``: the last member of ``raw``. No member name but the envelope's is ``data`` (no unknown
      fields), and ``,"`` cannot occur inside a JSON string (a quote in it is escaped), so the first
      ``,"data":`` is that member's.
    - ``fingerprint``: the JSON of ``schemas.dedup.known_fields_json``, whose ``content`` is each model's
      ``__dict__`` less its nullable members holding ``None``, its times in UTC. ``raw``'s dicts, once
      written, are made that in place (``schemas.dedup.in_content``): each is its ``__dict__`` less its
      unset members, which all hold ``None`` (else the general row) and are nullable (a field with a
      default is), so less its nullable members holding ``None`` it is the same dict; key order does not
      matter (``OPT_SORT_KEYS``). The check for unknown members is the one :func:`event_row` made.
    - ``occurred_at``: converted to UTC once, for its two columns and the fingerprint; without microseconds
      it is its own ``replace(microsecond=0)``.
    - The other columns: declared fields live in the model's ``__dict__`` (what attribute access returns
      for them, which costs more on a pydantic model); the type's value is the enum member's ``_value_``
      (what ``.value`` returns, without the descriptor).
    """
    values = event.__dict__
    shapes = event_shape(type(event))
    if shapes is None or not shapes.fits(values):
        return _general_event_row(event, source, offset, ingested_at, seconds)
    local = values["occurred_at"]
    at = local.astimezone(UTC)
    data = values["data"]
    data_values = data.__dict__
    doc = members = provenance = None
    if at.second == local.second and at.microsecond == local.microsecond:  # an offset in whole minutes
        doc = _set_members(values, event.__pydantic_fields_set__, shapes.envelope)
        members = _set_members(data_values, data.__pydantic_fields_set__, shapes.inner)
    if doc is None or members is None or "data" not in doc:
        return _general_event_row(event, source, offset, ingested_at, seconds)
    doc["data"] = members
    given = doc.get("source")
    if given is not None:
        provenance = doc["source"] = _set_members(given.__dict__, given.__pydantic_fields_set__, shapes.outer)
        if provenance is None:
            return _general_event_row(event, source, offset, ingested_at, seconds)
    raw = orjson.dumps(doc, option=orjson.OPT_UTC_Z).decode()
    cut = raw.find(_DATA_MEMBER)
    if cut < 0:  # ``data`` the first member: only in a model built without validation
        return _general_event_row(event, source, offset, ingested_at, seconds)
    # ``raw`` is written: its dicts become the fingerprint's content.
    in_content(doc, shapes.envelope)
    doc["occurred_at"] = at
    in_content(members, shapes.inner)
    if provenance is not None:
        in_content(provenance, shapes.outer)
    hasher = BLAKE2B_16.copy()
    hasher.update(orjson.dumps(doc, default=fingerprint_default, option=orjson.OPT_SORT_KEYS))
    micro = at.microsecond
    if seconds:
        occurred: Any = _epoch_seconds(at)
    else:
        occurred = at.replace(microsecond=0) if micro else at
    return (
        values["event_id"], values["dossier_id"], values["type"]._value_, values["schema_version"], occurred,
        micro, values["unit_code"], values["actor"], data_values.get("procedure_code"), raw[cut + _SKIP : -1],
        raw, hasher.hexdigest(), source, offset, ingested_at,
    )  # fmt: skip


def _set_members(values: dict[str, Any], fields_set: set[str], shape: Shape) -> dict[str, Any] | None:
    """A model's ``__dict__`` (``values``) less the members not in its fields set (``fields_set``), in
    order: what ``model_dump(exclude_unset=True)`` keeps of it (pydantic-core walks ``__dict__``, skipping
    unset names), its models not dumped yet. ``None`` if one of the shape's ``times`` holds a datetime
    whose offset is not whole minutes, or none (naive): then orjson might not write it as pydantic does;
    ``None`` too if an unset member holds a value (then the fingerprint's content, which keeps it, is not
    this dict: :func:`_known_fields_row`)."""
    members = values.copy()
    for name in shape.optional:  # the only fields validation leaves unset ...
        if name not in fields_set and members.pop(name, None) is not None:
            return None
    if not members.keys() <= fields_set:  # ... and then the others are all set
        return None
    for name in shape.times:
        value = members.get(name)
        if value is not None:
            shift = value.utcoffset()
            if shift is None or shift.seconds % 60 or shift.microseconds:
                return None
    return members
