"""A fast path for the stream workers' hot loop: a contract event decoded with msgspec, for messages that are
already in *canonical form* — byte for byte the JSON the contract's pydantic models serialise the event to.

Why: the sink validated each message with pydantic (``schemas.validation.parse_event``, ~5 µs), serialised
the event back for its ``raw`` column (~4 µs) and fingerprinted it from the model (~3 µs). The platform's own
producer writes every event in canonical form (``streams.messages.encode_event``), so nearly every message on
the events topic is that serialisation already: decoded here (~3 µs, measured), its row needs no second
serialisation and its fingerprint no pydantic event (``streams.sink.batch.canonical_row``): the conversion
costs half of what it did. The detector needs the pydantic event itself, and building one
(:meth:`Canonical.event`) brings the total back to about what validation costs: it keeps ``parse_event``.

The pydantic contract stays the authority. :func:`decode_canonical` returns ``None`` — "not decided here" —
for anything it is not sure of, and the caller then runs :func:`schemas.validation.parse_event` on the
message, so every rejection and its reason are pydantic's by construction. It returns an event only when:

- msgspec decodes the envelope and the type's ``data`` with the declared field types (strict: no coercion,
  required fields required, closed vocabularies closed, no unknown member, no ``source``), and re-encoding
  each gives back the input bytes: then the input has no whitespace, no repeated key, no escape other than
  those both encoders write alike, and its members are in the models' declaration order;
- every timestamp is an aware date-time whose text is exactly pydantic's for the parsed value (``isoformat``,
  ``Z`` for a zero offset), within the calendar's years (``schemas.timerange``), and ``schema_version`` is 1,
  ``event_id`` and ``dossier_id`` within their lengths;
- the input holds no ``\\u`` escape (where the two JSON libraries might not read or write alike).

The event is then built without a second validation: the same model classes, the same ``__dict__`` (declared
fields in declaration order, unset ones at their defaults), the same fields set, the same timezone class
(pydantic-core's ``TzInfo``) as validation builds. tests/schemas/test_fast_decode.py proves it differentially:
on the contract's examples, simulated provinces, generated events and mutations of them, whatever this
accepts, ``parse_event`` accepts as an equal event whose serialisation is the input; what it declines is
left to ``parse_event`` whole.

The msgspec structs it decodes into are :mod:`schemas.fast_structs`; its timestamps are read by
:mod:`schemas.fast_instants`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import blake2b
from typing import Any

import msgspec
import orjson
from pydantic import BaseModel
from pydantic_core import TzInfo

from schemas.events import AnyEvent, EventType
from schemas.fast_instants import _instant, _utc_instant
from schemas.fast_structs import STRUCTS, UNSET, Unset, _Envelope, _Kind

__all__ = ["Canonical", "Parts", "decode_canonical", "decode_parts", "fingerprint_hex", "fingerprint_json"]

_decode_envelope = msgspec.json.Decoder(_Envelope).decode
_encode = msgspec.json.Encoder().encode
_ENVELOPE_SET = frozenset(
    {"schema_version", "event_id", "dossier_id", "occurred_at", "unit_code", "type", "data"}
)

_KINDS: dict[str, _Kind] = {kind: _Kind(kind, *entry) for kind, entry in STRUCTS.items()}
_TZ: dict[int, TzInfo] = {}
#: A fresh 16-byte blake2b, copied for each digest (cheaper than a new one from its keyword arguments).
_BLAKE2B_16 = blake2b(digest_size=16)


#: What :func:`decode_parts` returns for a message in canonical form: the message as text, its type, its
#: envelope, ``occurred_at`` in UTC, the ``data`` members set (in sorted order; instants aware, with their
#: own offsets) and the fingerprint's ``data`` member (those that are not ``None``, in sorted order, instants
#: in UTC: ``data`` itself when that is all of them and none is an instant).
Parts = tuple[str, _Kind, _Envelope, datetime, dict[str, Any], dict[str, Any]]


class Canonical:
    """A message in canonical form, decoded: its members as read (``data`` with its timestamps as aware
    instants, unset optional members absent), what :meth:`event` builds the pydantic event from."""

    __slots__ = ("_env", "data", "kind", "members", "occurred_utc", "text")

    def __init__(
        self,
        text: str,
        kind: _Kind,
        env: _Envelope,
        occurred_utc: datetime,
        data: dict[str, Any],
        members: dict[str, Any],
    ) -> None:
        #: The message as text: the event's canonical JSON.
        self.text = text
        self.kind = kind
        self._env = env
        #: ``occurred_at`` in UTC.
        self.occurred_utc = occurred_utc
        #: The ``data`` members set, in sorted order.
        self.data = data
        #: The fingerprint's ``data`` member (:data:`Parts`).
        self.members = members

    @property
    def event_id(self) -> str:
        return self._env.event_id

    @property
    def dossier_id(self) -> str:
        return self._env.dossier_id

    @property
    def unit_code(self) -> str:
        return self._env.unit_code

    @property
    def actor(self) -> str | Unset | None:
        return self._env.actor

    @property
    def occurred_at(self) -> datetime:
        """``occurred_at`` with its own offset, as validation reads it."""
        value = _instant(self._env.occurred_at)
        assert value is not None  # decoded from this very text
        return value

    @property
    def type(self) -> EventType:
        return self.kind.type

    def event(self) -> AnyEvent:
        """The pydantic event, with the state validation gives it (module doc)."""
        kind = self.kind
        data = self.data
        data_values = {name: data.get(name) for name in kind.data_fields}
        for name in kind.times:
            value = data_values[name]
            if value is not None:
                data_values[name] = _pydantic_tz(value)
        event_set = set(_ENVELOPE_SET)
        actor = self.actor
        if actor is UNSET:
            actor = None
        else:
            event_set.add("actor")
        event_values = {
            "schema_version": 1, "event_id": self.event_id, "dossier_id": self.dossier_id,
            "occurred_at": _pydantic_tz(self.occurred_at), "unit_code": self.unit_code, "actor": actor,
            "source": None,
            "type": kind.type, "data": _model(kind.data_model, data_values, set(data)),
        }  # fmt: skip
        return _model(kind.event_model, event_values, event_set)  # type: ignore[return-value]

    @property
    def applicant(self) -> str | None:
        value: str | None = self.data.get("applicant")
        return value

    def fingerprint(self) -> bytes:
        """:func:`schemas.dedup.fingerprint` of :meth:`event`, the same bytes, without building it
        (:func:`fingerprint_json`)."""
        hasher = _BLAKE2B_16.copy()
        hasher.update(fingerprint_json(self.kind, self._env, self.occurred_utc, self.members))
        return hasher.digest()


def fingerprint_json(kind: _Kind, env: _Envelope, occurred_utc: datetime, members: dict[str, Any]) -> bytes:
    """The JSON :func:`schemas.dedup.fingerprint` hashes for the event of a canonical message's parts
    (:data:`Parts`): ``orjson.dumps(..., OPT_SORT_KEYS)`` of the declared members that are not ``None``,
    instants in UTC (orjson writes a UTC datetime as ``isoformat`` does, as ``fingerprint``'s ``default``
    does). Built in sorted key order, so written without sorting, the same bytes; the type as its string value
    (what orjson writes for the enum member)."""
    actor = env.actor
    if actor is None or actor is UNSET:
        content: dict[str, Any] = {
            "data": members, "dossier_id": env.dossier_id, "event_id": env.event_id,
            "occurred_at": occurred_utc, "schema_version": 1, "type": kind.name, "unit_code": env.unit_code,
        }  # fmt: skip
    else:
        content = {
            "actor": actor, "data": members, "dossier_id": env.dossier_id, "event_id": env.event_id,
            "occurred_at": occurred_utc, "schema_version": 1, "type": kind.name, "unit_code": env.unit_code,
        }  # fmt: skip
    return orjson.dumps(content)


def fingerprint_hex(kind: _Kind, env: _Envelope, occurred_utc: datetime, members: dict[str, Any]) -> str:
    """The fingerprint (:func:`fingerprint_json`) as hexadecimal text, as the ``events`` table holds it."""
    hasher = _BLAKE2B_16.copy()
    hasher.update(fingerprint_json(kind, env, occurred_utc, members))
    return hasher.hexdigest()


def decode_canonical(raw: bytes) -> Canonical | None:
    """The message ``raw`` decoded if it is an event's canonical JSON (module doc), else ``None``: not
    decided here, for :func:`schemas.validation.parse_event` to decide. Never raises on any input."""
    parts = decode_parts(raw)
    return None if parts is None else Canonical(*parts)


def decode_parts(raw: bytes) -> Parts | None:
    """:func:`decode_canonical`'s decision and what it read, without the :class:`Canonical` (the sink's hot
    path builds rows from these)."""
    if raw.find(b"\\") >= 0 and b"\\u" in raw:  # most messages hold no escape at all: one cheap scan
        return None
    try:
        env = _decode_envelope(raw)
        kind = _KINDS.get(env.type)
        if kind is None or env.schema_version != 1 or _encode(env) != raw:
            return None
        data_raw = env.data
        data = kind.decode(data_raw)
        if _encode(data) != bytes(data_raw):
            return None
        text = raw.decode()
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeError, RecursionError):
        return None
    if not (0 < len(env.event_id) <= 128 and 0 < len(env.dossier_id) <= 64):
        return None
    occurred = _utc_instant(env.occurred_at)
    if occurred is None:
        return None
    values: dict[str, Any] = {}
    members: dict[str, Any] | None = None  # the fingerprint's, once it differs from ``values``
    times = kind.times
    for name in kind.sorted_fields:
        value = getattr(data, name)
        if value is UNSET:
            continue
        if value is None:
            if members is None:
                members = values.copy()
        elif name in times:
            value = _instant(value)
            if value is None:
                return None
            if members is None:
                members = values.copy()
            members[name] = value.astimezone(UTC)
        elif members is not None:
            members[name] = value
        values[name] = value
    return text, kind, env, occurred, values, values if members is None else members


def _pydantic_tz(at: datetime) -> datetime:
    """``at`` with pydantic-core's ``TzInfo`` for its offset, as validation gives it."""
    offset = at.utcoffset()
    assert offset is not None
    seconds = offset.days * 86_400 + offset.seconds
    tz = _TZ.get(seconds)
    if tz is None:
        tz = _TZ[seconds] = TzInfo(seconds)
    return at.replace(tzinfo=tz)


def _model(cls: type[BaseModel], values: dict[str, Any], fields_set: set[str]) -> BaseModel:
    """An instance of ``cls`` with the state validation gives it (``values`` already checked)."""
    model = cls.__new__(cls)
    setattr_ = object.__setattr__
    setattr_(model, "__dict__", values)
    setattr_(model, "__pydantic_fields_set__", fields_set)
    setattr_(model, "__pydantic_extra__", {})
    setattr_(model, "__pydantic_private__", None)
    return model
