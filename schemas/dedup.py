"""Duplicate and conflict detection by ``event_id`` with a content fingerprint.

Sources resend events (at-least-once delivery, replays): an identical resend is a duplicate, counted and
ignored; the same ``event_id`` with different content is a conflict, rejected, and the first-seen version
wins so a verdict never depends on which copy arrived last.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from hashlib import blake2b
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import orjson
from pydantic import BaseModel

from schemas.events import AnyEvent, has_unknown_members
from schemas.validation import Rejection

Outcome = Literal["new", "duplicate", "conflict"]


def fingerprint_default(value: object) -> str:
    """The fingerprint's JSON of a value orjson leaves to its ``default``: a datetime as its UTC instant."""
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
        content, default=fingerprint_default, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    )
    return blake2b(canonical, digest_size=16).digest()


#: A fresh 16-byte blake2b, copied for each digest (cheaper than a new one from its keyword arguments).
BLAKE2B_16 = blake2b(digest_size=16)


@dataclass(frozen=True, slots=True)  # slots: attribute reads the interpreter specialises (hot paths)
class Shape:
    """What the fast paths (here and in ``warehouse.store``) need to know of a model class, read once from
    its fields, so that no value is inspected for its type per event.

    Only a class whose declared fields are all *plain* (annotated ``str``, ``int``, ``bool``, a ``Literal``
    of strings or integers, enum members among them, a list of plain values, or one of those or ``None``),
    *times* (``datetime``, or it or ``None``) or *models* (a model class, or it or ``None``) has a shape,
    and only if nothing changes how pydantic serialises it (no alias, ``exclude``, computed field or custom
    serialiser). ``model_dump`` of an instance holding values of those types then returns the members of
    its ``__dict__`` (in that order) with plain values as they are (a list as an equal copy), datetimes as
    they are, models dumped likewise; JSON mode turns only the datetimes into text and the enum members into
    their values (what orjson writes for them).
    """

    #: The time fields, in declaration order.
    times: tuple[str, ...]
    #: The fields that may hold ``None``: those whose annotation admits it, and those with a default
    #: (pydantic does not validate defaults). A required field annotated without ``None`` holds a value.
    nullable: tuple[str, ...]
    #: The fields with a default: the only ones validation may leave unset (not in the fields set).
    optional: tuple[str, ...]
    #: The model fields.
    models: frozenset[str]


@dataclass(frozen=True, slots=True)
class EventShape:
    """The shapes of an event class (:func:`event_shape`) and of its ``data`` and ``source`` classes."""

    #: The event class's shape, its ``times`` less ``occurred_at`` (which callers convert once and share).
    envelope: Shape
    #: The class ``data`` is declared with, and its shape (without models).
    data: type[BaseModel]
    inner: Shape
    #: The class ``source`` is declared with, and its shape (without models).
    source: type[BaseModel]
    outer: Shape

    def fits(self, values: dict[str, Any]) -> bool:
        """Whether the fast paths apply to an event of this class whose ``__dict__`` is ``values``: its
        ``occurred_at`` set, its ``data`` of the declared class, its ``source`` too or ``None``."""
        source = values.get("source")
        return (
            values.get("occurred_at") is not None
            and type(values.get("data")) is self.data
            and (source is None or type(source) is self.source)
        )


_SHAPES: dict[type[BaseModel], Shape | None] = {}
_EVENT_SHAPES: dict[type[BaseModel], EventShape | None] = {}


def shape(model: type[BaseModel]) -> Shape | None:
    """The :class:`Shape` of a model class, or ``None`` if it has none (the fast paths then do not apply)."""
    try:
        return _SHAPES[model]
    except KeyError:
        found = _SHAPES[model] = _describe(model)
        return found


def event_shape(model: type[BaseModel]) -> EventShape | None:
    """The shapes of an event class whose only models are ``data`` and ``source`` (each declared with one
    class, or it or ``None``, that has a shape without models), and whose ``occurred_at`` is a time; else
    ``None``. The fast paths apply to its events whose ``data`` and ``source`` are of those very classes."""
    try:
        return _EVENT_SHAPES[model]
    except KeyError:
        pass
    found = shape(model)
    fields = model.__pydantic_fields__
    data, source = (
        _model_class(fields[name].annotation) if name in fields else None for name in ("data", "source")
    )
    inner = None if data is None else shape(data)
    outer = None if source is None else shape(source)
    described = None
    if (
        found is not None
        and found.models == _MODELS
        and "occurred_at" in found.times
        and data is not None
        and source is not None
        and inner is not None
        and outer is not None
        and not inner.models
        and not outer.models
    ):
        envelope = replace(found, times=tuple(name for name in found.times if name != "occurred_at"))
        described = EventShape(envelope, data, inner, source, outer)
    _EVENT_SHAPES[model] = described
    return described


#: The event's model fields, which the fast paths dump themselves.
_MODELS = frozenset({"data", "source"})


def _model_class(annotation: Any) -> type[BaseModel] | None:
    """The model class of a field annotated with one (or it or ``None``)."""
    if get_origin(annotation) is Annotated:
        return _model_class(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        classes = [_model_class(arg) for arg in get_args(annotation) if arg is not NoneType]
        return classes[0] if len(classes) == 1 else None
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _describe(model: type[BaseModel]) -> Shape | None:
    config = model.model_config
    schema = model.__pydantic_core_schema__
    if (
        model.__pydantic_computed_fields__
        or config.get("serialize_by_alias")
        or config.get("json_encoders")
        or config.get("ser_json_temporal", "iso8601") != "iso8601"
        or not isinstance(schema, dict)  # not built yet
        or _serialises_itself(schema)
    ):
        return None
    times: list[str] = []
    nullable: list[str] = []
    optional: list[str] = []
    models: set[str] = set()
    for name, info in model.__pydantic_fields__.items():
        if info.alias or info.serialization_alias or info.exclude or info.exclude_if is not None:
            return None
        kind = _kind(info.annotation)
        if kind is None:
            return None
        if kind == "time":
            times.append(name)
        elif kind == "model":
            models.add(name)
        if not info.is_required():
            optional.append(name)
        if not info.is_required() or _admits_none(info.annotation):
            nullable.append(name)
    return Shape(tuple(times), tuple(nullable), tuple(optional), frozenset(models))


def _kind(annotation: Any) -> Literal["plain", "time", "model"] | None:
    """What values of a field annotated ``annotation`` are, for :class:`Shape`; ``None``: anything else."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _kind(args[0])
    if origin is Union or origin is UnionType:
        kinds = {_kind(arg) for arg in args if arg is not NoneType}
        return kinds.pop() if len(kinds) == 1 else None  # a mix (e.g. ``str | datetime``): no shape
    if origin is Literal:
        return "plain" if all(arg is None or isinstance(arg, str | int) for arg in args) else None
    if origin is list:
        return "plain" if len(args) == 1 and _kind(args[0]) == "plain" else None
    if annotation in _PLAIN:
        return "plain"
    if annotation is datetime:
        return "time"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model"
    return None


_PLAIN: tuple[type, ...] = (str, int, bool)


def _serialises_itself(schema: Any) -> bool:
    """Whether a core schema has a custom serialisation anywhere (``field_serializer``, ``model_serializer``,
    ``PlainSerializer`` and the like, in any field or nested model): pydantic then writes what it says."""
    if isinstance(schema, dict):
        return "serialization" in schema or any(_serialises_itself(value) for value in schema.values())
    if isinstance(schema, list | tuple):
        return any(_serialises_itself(value) for value in schema)
    return False


def _admits_none(annotation: Any) -> bool:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _admits_none(args[0])
    if origin is Union or origin is UnionType or origin is Literal:
        return any(arg is None or arg is NoneType or _admits_none(arg) for arg in args)
    return annotation is None or annotation is NoneType


def fast_fingerprint(event: AnyEvent) -> bytes:
    """:func:`fingerprint`, the same bytes, faster, for an event whose fields hold values of their
    declared types (any event built by validation, or copied from one with such values).

    An event with unknown fields (any JSON, any depth, in the envelope, ``data`` or ``source``) takes
    :func:`fingerprint`; any other, :func:`known_fields_fingerprint`.
    """
    if not isinstance(event.data, BaseModel) or has_unknown_members(event):
        return fingerprint(event)
    return known_fields_fingerprint(event)


def same_content(first: AnyEvent, other: AnyEvent) -> bool:
    """Whether two versions of an event id are one content (a duplicate) rather than a conflict: equal
    fingerprints, the warehouse's own test (``load_conflicts``). Not ``==``: pydantic compares Python
    values, and ``1 == True == 1.0`` made an unknown member ``"x": 1`` and ``"x": true`` one content in a
    file but a conflict against the warehouse (review of 2026-12-04)."""
    return fast_fingerprint(first) == fast_fingerprint(other)


def known_fields_fingerprint(event: AnyEvent, occurred_at: datetime | None = None) -> bytes:
    """:func:`fast_fingerprint` of an event the caller has checked already: ``data`` a model, and no
    unknown members (``has_unknown_members`` false), which this does not check again. ``occurred_at``:
    the event's ``occurred_at`` as a UTC instant, if the caller has it already (one conversion, not two).
    An event the fast path does not fit (:meth:`EventShape.fits`) takes :func:`fingerprint`."""
    values = event.__dict__
    shapes = event_shape(type(event))
    if shapes is None or not shapes.fits(values):
        return fingerprint(event)
    if occurred_at is None:
        occurred_at = values["occurred_at"].astimezone(UTC)
    hasher = BLAKE2B_16.copy()
    hasher.update(known_fields_json(shapes, values, occurred_at))
    return hasher.digest()


def known_fields_json(shapes: EventShape, values: dict[str, Any], occurred_at: datetime) -> bytes:
    """The JSON :func:`fingerprint` hashes, for an event without unknown members whose ``__dict__`` is
    ``values``, that ``shapes`` fits (:meth:`EventShape.fits`), and whose ``occurred_at`` is
    ``occurred_at`` in UTC.

    Why the bytes are the same: :func:`fingerprint`'s ``content``, ``model_dump(exclude_none=True)``, is for
    such an event the envelope's members that are not ``None``, with ``data`` and ``source`` dumped likewise
    (:class:`Shape`): here each model's ``__dict__`` less its ``nullable`` members that hold ``None`` (no
    other member can). Its datetimes are ``occurred_at`` and the values of the shapes' ``times``; here each
    is converted to UTC and left to orjson, whose text for a UTC datetime is ``isoformat()``'s
    (tests/streams/test_sink_speed_paths.py), which is what :func:`fingerprint`'s ``default`` writes for
    it. Key order does not matter (``OPT_SORT_KEYS``).
    """
    content = _not_none(values, shapes.envelope)
    content["occurred_at"] = occurred_at
    content["data"] = _not_none(values["data"].__dict__, shapes.inner)
    source = values.get("source")
    if source is not None:
        content["source"] = _not_none(source.__dict__, shapes.outer)
    # ``default``: anything orjson cannot serialise fails like in ``fingerprint``.
    return orjson.dumps(content, default=fingerprint_default, option=orjson.OPT_SORT_KEYS)


def _not_none(values: dict[str, Any], described: Shape) -> dict[str, Any]:
    """A model's ``__dict__`` less its members that are ``None``, with its ``times`` as UTC instants."""
    return in_content(values.copy(), described)


def in_content(members: dict[str, Any], described: Shape) -> dict[str, Any]:
    """``members`` (a copy of a model's ``__dict__``, maybe less some members holding ``None``) made its
    fingerprint content in place: less its nullable members holding ``None``, its ``times`` in UTC; returns
    it. ``warehouse.event_rows`` makes ``raw``'s dicts the content once ``raw`` is written."""
    for name in described.nullable:
        if members.get(name, members) is None:  # ``members``: absent (a model built without validation)
            del members[name]
    for name in described.times:
        value = members.get(name)
        if value is not None:
            members[name] = value.astimezone(UTC)
    return members


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
