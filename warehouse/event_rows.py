"""The ``events`` rows of a load's Arrow frames (``dossier_audit.jobs.row_frames``): the values of
``warehouse.store.event_row``, with ``occurred_at`` and ``ingested_at`` as whole epoch seconds (what
``arrow_columns.build_column`` stores for those datetimes; the frames take them with ``seconds=True``), built
with less work per event, since the load writes one row for each event of its file.

``store.event_row``'s fast path builds ``raw`` from the models' ``__dict__`` (less unset members) and then,
for the fingerprint, copies them all again (less ``None`` members, times in UTC). Here the fingerprint's
members are ``raw``'s own dicts, changed in place once ``raw`` is written: the same members when no unset
member holds a value (:func:`_set`), which is what validation leaves. Everything else is what ``event_row``
does; an event it would not take its fast path for, or that holds an unset member with a value, gets
``event_row`` itself (its instants converted as the frames would).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel

from schemas.dedup import BLAKE2B_16, Shape, event_shape, fingerprint_default
from schemas.events import AnyEvent
from warehouse.store import event_row

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: How the ``data`` member starts in ``raw`` (``store._DATA_MEMBER``): the last member of every event.
_DATA_MEMBER = ',"data":'
_SKIP = len(_DATA_MEMBER)
_OCCURRED_AT, _INGESTED_AT = 4, 14
#: The columns :func:`event_rows` gives as epoch seconds (``arrow_columns.build_column(seconds=True)``).
SECONDS = ("occurred_at", "ingested_at")


def event_rows(
    events: Sequence[AnyEvent], source: str, offsets: Sequence[int], ingested_at: int
) -> list[tuple[Any, ...]]:
    """The ``events`` rows of ``events`` (``offsets``: the line of each), ``ingested_at`` in epoch seconds
    (``arrow_columns.epoch_seconds`` of the load's ingestion time): ``store.event_row``'s rows with
    ``occurred_at`` and ``ingested_at`` as epoch seconds."""
    return [_row(event, source, offset, ingested_at) for event, offset in zip(events, offsets, strict=True)]


def _seconds(at: datetime) -> int:
    """The epoch seconds of an aware ``datetime`` of whole seconds: what ``build_column`` stores for it
    (the floor of its float timestamp, which is exact: far below 2**53)."""
    delta = at - _EPOCH
    return delta.days * 86_400 + delta.seconds


def _general(event: AnyEvent, source: str, offset: int, ingested_at: int) -> tuple[Any, ...]:
    """``store.event_row``, its ``occurred_at`` (a UTC ``datetime`` of whole seconds) as epoch seconds."""
    row = event_row(event, source, offset, _EPOCH)
    occurred_at = _seconds(row[_OCCURRED_AT])
    return (*row[:_OCCURRED_AT], occurred_at, *row[_OCCURRED_AT + 1 : _INGESTED_AT], ingested_at)


class _Plan(NamedTuple):
    """What :func:`_row` reads of an event class's shapes (``schemas.dedup.EventShape``), unpacked at once."""

    data: type[BaseModel]
    source: type[BaseModel]
    optional: tuple[str, ...]
    nullable: tuple[str, ...]
    times: tuple[str, ...]
    data_optional: tuple[str, ...]
    data_nullable: tuple[str, ...]
    data_times: tuple[str, ...]
    outer: Shape


_PLANS: dict[type, _Plan | None] = {}


def _plan(model: type) -> _Plan | None:
    shapes = event_shape(model)
    found = _PLANS[model] = None if shapes is None else _Plan(
        shapes.data, shapes.source, shapes.envelope.optional, shapes.envelope.nullable, shapes.envelope.times,
        shapes.inner.optional, shapes.inner.nullable, shapes.inner.times, shapes.outer,
    )  # fmt: skip
    return found


def _row(event: AnyEvent, source: str, offset: int, ingested_at: int) -> tuple[Any, ...]:
    """:func:`_general`, the same values, for an event without unknown members.

    The checks are ``event_row``'s: no unknown member (``has_unknown_members``), ``data`` and ``source`` of
    the classes the event's shape was read from and ``occurred_at`` set (``EventShape.fits``), an offset in
    whole minutes (``occurred_at``'s seconds and microseconds those of its UTC instant; the others in
    :func:`_set`), ``data`` a set member and not the first (``raw`` then ends with it). ``raw`` and ``data``
    are ``event_row``'s bytes (``store._known_fields_row``): the envelope's and ``data``'s ``__dict__``
    less their unset members (:func:`_set`, inlined for them). The fingerprint's JSON is
    ``schemas.dedup.known_fields_json``'s: its ``content`` is each model's ``__dict__`` less its nullable
    members holding ``None``, its times in UTC; here each is ``raw``'s dict, the ``__dict__`` less its
    unset members, which all hold ``None`` (else :func:`_set` declines) and are nullable (a field with a
    default is), so less the nullable members holding ``None`` it is the same dict (:func:`_content`,
    inlined); key order does not matter (``OPT_SORT_KEYS``). ``occurred_at``: the whole seconds of its UTC
    instant (:func:`_seconds` of what ``event_row`` stores, that instant less its microseconds).
    """
    values = event.__dict__
    cls = type(event)
    plan = _PLANS[cls] if cls in _PLANS else _plan(cls)
    data: Any = values.get("data")
    provenance: Any = values.get("source", values)  # ``values``: absent (``event.source`` would raise)
    local = values.get("occurred_at")
    if (
        plan is None
        or local is None
        or type(data) is not plan.data
        or event.__pydantic_extra__
        or data.__pydantic_extra__
        or (provenance is not None and (type(provenance) is not plan.source or provenance.__pydantic_extra__))
    ):
        return _general(event, source, offset, ingested_at)
    at = local.astimezone(UTC)
    if at.second != local.second or at.microsecond != local.microsecond:  # an offset not in whole minutes
        return _general(event, source, offset, ingested_at)
    _, _, optional, nullable, times, data_optional, data_nullable, data_times, outer = plan
    doc = values.copy()  # _set(values, event.__pydantic_fields_set__, envelope)
    fields_set = event.__pydantic_fields_set__
    for name in optional:
        if name not in fields_set and doc.pop(name, None) is not None:
            return _general(event, source, offset, ingested_at)
    data_values = data.__dict__
    members = data_values.copy()  # _set(data_values, data.__pydantic_fields_set__, inner)
    data_set = data.__pydantic_fields_set__
    for name in data_optional:
        if name not in data_set and members.pop(name, None) is not None:
            return _general(event, source, offset, ingested_at)
    if (
        not doc.keys() <= fields_set
        or not members.keys() <= data_set
        or (times and not _whole_minutes(doc, times))
        or (data_times and not _whole_minutes(members, data_times))
        or "data" not in doc
    ):
        return _general(event, source, offset, ingested_at)
    doc["data"] = members
    provenance_doc = None
    if provenance is not None and "source" in doc:
        provenance_doc = doc["source"] = _set(provenance.__dict__, provenance.__pydantic_fields_set__, outer)
        if provenance_doc is None:
            return _general(event, source, offset, ingested_at)
    raw = orjson.dumps(doc, option=orjson.OPT_UTC_Z).decode()
    cut = raw.find(_DATA_MEMBER)
    if cut < 0:  # ``data`` the first member: only in a model built without validation
        return _general(event, source, offset, ingested_at)
    for name in nullable:  # _content(doc, envelope)
        if doc.get(name, doc) is None:  # ``doc``: absent
            del doc[name]
    if times:
        _in_utc(doc, times)
    doc["occurred_at"] = at
    for name in data_nullable:  # _content(members, inner)
        if members.get(name, members) is None:
            del members[name]
    if data_times:
        _in_utc(members, data_times)
    if provenance_doc is not None:
        _content(provenance_doc, outer)
    hasher = BLAKE2B_16.copy()
    hasher.update(orjson.dumps(doc, default=fingerprint_default, option=orjson.OPT_SORT_KEYS))
    since = at - _EPOCH
    return (
        values["event_id"], values["dossier_id"], values["type"]._value_, values["schema_version"],
        since.days * 86_400 + since.seconds, at.microsecond, values["unit_code"], values["actor"],
        data_values.get("procedure_code"), raw[cut + _SKIP : -1], raw, hasher.hexdigest(), source, offset,
        ingested_at,
    )  # fmt: skip


def _set(values: dict[str, Any], fields_set: set[str], shape: Shape) -> dict[str, Any] | None:
    """``store._set_members``: a model's ``__dict__`` less its unset members, or ``None`` when one of its
    ``times`` has an offset that is not whole minutes (or none); ``None`` too when an unset member holds a
    value (never after validation, which leaves a field unset only at its default, ``None`` for every field
    of the contract): its fingerprint then takes ``event_row``'s way."""
    members = values.copy()
    for name in shape.optional:
        if name not in fields_set and members.pop(name, None) is not None:
            return None
    if not members.keys() <= fields_set or not _whole_minutes(members, shape.times):
        return None
    return members


def _whole_minutes(members: dict[str, Any], times: tuple[str, ...]) -> bool:
    """Whether each of ``times`` in ``members`` is ``None`` or has an offset of whole minutes (what orjson
    writes as pydantic does: ``store._set_members``)."""
    for name in times:
        value = members.get(name)
        if value is not None:
            shift = value.utcoffset()
            if shift is None or shift.seconds % 60 or shift.microseconds:
                return False
    return True


def _content(members: dict[str, Any], shape: Shape) -> None:
    """``raw``'s dict of a model made its fingerprint content in place (``schemas.dedup._not_none``): less
    its nullable members holding ``None``, its times in UTC."""
    for name in shape.nullable:
        if members.get(name, members) is None:  # ``members``: absent
            del members[name]
    _in_utc(members, shape.times)


def _in_utc(members: dict[str, Any], times: tuple[str, ...]) -> None:
    for name in times:
        value = members.get(name)
        if value is not None:
            members[name] = value.astimezone(UTC)
