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
"""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import blake2b
from typing import Any, Literal

import msgspec
import orjson
from pydantic import BaseModel
from pydantic_core import TzInfo

from schemas.diagnosis import TIMES_OF
from schemas.events import (
    AnyEvent,
    ApologyIssued,
    ApologyIssuedData,
    DueDateChanged,
    DueDateChangedData,
    EmptyData,
    EventType,
    FinancialObligationFulfilled,
    FinancialObligationRequested,
    FinancialObligationRequestedData,
    Processed,
    ProcessedData,
    Received,
    ReceivedData,
    Refused,
    RefusedData,
    Returned,
    ReturnedData,
    Submitted,
    SubmittedData,
    SupplementCompleted,
    SupplementCompletedData,
    SupplementRequested,
    SupplementRequestedData,
    Suspended,
    SuspendedData,
    Transferred,
    TransferredData,
    Withdrawn,
    WithdrawnData,
)
from schemas.timerange import in_range

__all__ = ["STRUCTS", "UNSET", "Canonical", "decode_canonical"]

UNSET = msgspec.UNSET
Unset = msgspec.UnsetType
_Channel = Literal["direct", "online", "postal"]


class _Struct(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True, gc=False):
    """Members in the pydantic model's declaration order; an optional member absent from the input is
    ``UNSET`` (left out when encoded, as pydantic's ``exclude_unset`` leaves it out)."""


class _Envelope(_Struct, kw_only=True):
    schema_version: int
    event_id: str
    dossier_id: str
    occurred_at: str
    unit_code: str
    actor: str | Unset | None = UNSET
    type: str  # kw_only: members in the pydantic model's declaration order
    data: msgspec.Raw


class _Submitted(_Struct):
    procedure_code: str
    channel: Literal["online"]
    applicant: str | Unset | None = UNSET


class _Received(_Struct):
    procedure_code: str
    channel: _Channel
    due_at: str | None
    documents: list[str]
    applicant: str | Unset | None = UNSET


class _Transferred(_Struct):
    to_unit_code: str
    step: str | Unset | None = UNSET
    step_due_at: str | Unset | None = UNSET


class _SupplementRequested(_Struct):
    notice_id: str | None
    reason: str
    requested_documents: list[str]


class _SupplementCompleted(_Struct):
    documents: list[str]


class _FinancialObligationRequested(_Struct):
    notice_id: str | None


class _Empty(_Struct):
    pass


class _ApologyIssued(_Struct):
    notice_id: str | None
    reason: str
    new_due_at: str | None


class _DueDateChanged(_Struct):
    old_due_at: str
    new_due_at: str
    reason: str


class _Refused(_Struct):
    stage: Literal["reception", "processing"]
    notice_id: str | None
    reason: str


class _Suspended(_Struct):
    notice_id: str | None
    reason: str


class _Withdrawn(_Struct):
    reason: str | Unset | None = UNSET


class _Processed(_Struct):
    outcome: Literal["granted", "denied"] | Unset | None = UNSET


class _Returned(_Struct):
    channel: _Channel


#: Per type: (the msgspec struct of its ``data``, the pydantic event model, the pydantic ``data`` model).
STRUCTS: dict[str, tuple[type[_Struct], type[BaseModel], type[BaseModel]]] = {
    EventType.SUBMITTED: (_Submitted, Submitted, SubmittedData),
    EventType.RECEIVED: (_Received, Received, ReceivedData),
    EventType.TRANSFERRED: (_Transferred, Transferred, TransferredData),
    EventType.SUPPLEMENT_REQUESTED: (_SupplementRequested, SupplementRequested, SupplementRequestedData),
    EventType.SUPPLEMENT_COMPLETED: (_SupplementCompleted, SupplementCompleted, SupplementCompletedData),
    EventType.FINANCIAL_OBLIGATION_REQUESTED: (
        _FinancialObligationRequested, FinancialObligationRequested, FinancialObligationRequestedData,
    ),
    EventType.FINANCIAL_OBLIGATION_FULFILLED: (_Empty, FinancialObligationFulfilled, EmptyData),
    EventType.APOLOGY_ISSUED: (_ApologyIssued, ApologyIssued, ApologyIssuedData),
    EventType.DUE_DATE_CHANGED: (_DueDateChanged, DueDateChanged, DueDateChangedData),
    EventType.REFUSED: (_Refused, Refused, RefusedData),
    EventType.SUSPENDED: (_Suspended, Suspended, SuspendedData),
    EventType.WITHDRAWN: (_Withdrawn, Withdrawn, WithdrawnData),
    EventType.PROCESSED: (_Processed, Processed, ProcessedData),
    EventType.RETURNED: (_Returned, Returned, ReturnedData),
}  # fmt: skip

_decode_envelope = msgspec.json.Decoder(_Envelope).decode
_encode = msgspec.json.Encoder().encode
_ENVELOPE_SET = frozenset(
    {"schema_version", "event_id", "dossier_id", "occurred_at", "unit_code", "type", "data"}
)


class _Kind:
    """What building one type's event needs, precomputed once per type."""

    __slots__ = ("data_fields", "data_model", "decode", "event_model", "times", "type")

    def __init__(
        self, kind: str, struct: type[_Struct], event_model: type[BaseModel], data_model: type[BaseModel]
    ) -> None:
        self.type = EventType(kind)
        self.decode = msgspec.json.Decoder(struct).decode
        self.event_model = event_model
        self.data_model = data_model
        self.data_fields = tuple(data_model.__pydantic_fields__)
        self.times = frozenset(TIMES_OF[kind])


_KINDS: dict[str, _Kind] = {kind: _Kind(kind, *entry) for kind, entry in STRUCTS.items()}
_TZ: dict[int, TzInfo] = {}


class Canonical:
    """A message in canonical form, decoded: its members as read (``data`` with its timestamps as aware
    instants, unset optional members absent), what :meth:`event` builds the pydantic event from."""

    __slots__ = ("actor", "data", "dossier_id", "event_id", "kind", "occurred_at", "text", "unit_code")

    def __init__(
        self, text: str, kind: _Kind, env: _Envelope, occurred_at: datetime, data: dict[str, Any]
    ) -> None:
        #: The message as text: the event's canonical JSON.
        self.text = text
        self.kind = kind
        self.event_id = env.event_id
        self.dossier_id = env.dossier_id
        self.occurred_at = occurred_at
        self.unit_code = env.unit_code
        self.actor = env.actor
        self.data = data

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

    def fingerprint(self, occurred_utc: datetime | None = None) -> bytes:
        """:func:`schemas.dedup.fingerprint` of :meth:`event`, the same bytes, without building it: the
        declared members that are not ``None``, keys sorted, instants in UTC (orjson writes a UTC datetime
        as ``isoformat`` does, as ``fingerprint``'s ``default`` does). ``occurred_utc``: ``occurred_at`` in
        UTC, if the caller has it already."""
        content: dict[str, Any] = {
            "schema_version": 1, "event_id": self.event_id, "dossier_id": self.dossier_id,
            "occurred_at": occurred_utc or self.occurred_at.astimezone(UTC), "unit_code": self.unit_code,
            "type": self.kind.type,
            "data": {
                name: value.astimezone(UTC) if isinstance(value, datetime) else value
                for name, value in self.data.items()
                if value is not None
            },
        }  # fmt: skip
        if self.actor is not None and self.actor is not UNSET:
            content["actor"] = self.actor
        return blake2b(orjson.dumps(content, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()


def decode_canonical(raw: bytes) -> Canonical | None:
    """The message ``raw`` decoded if it is an event's canonical JSON (module doc), else ``None``: not
    decided here, for :func:`schemas.validation.parse_event` to decide. Never raises on any input."""
    if b"\\u" in raw:
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
    occurred_at = _instant(env.occurred_at)
    if occurred_at is None:
        return None
    values: dict[str, Any] = {}
    times = kind.times
    for name in kind.data_fields:
        value = getattr(data, name)
        if value is not UNSET:
            if value is not None and name in times:
                value = _instant(value)
                if value is None:
                    return None
            values[name] = value
    return Canonical(text, kind, env, occurred_at, values)


def _instant(text: str) -> datetime | None:
    """The aware instant of a timestamp written exactly as pydantic writes it (``YYYY-MM-DDTHH:MM:SS``, a
    six-digit fraction only when it is not zero, ``Z`` for a zero offset and only then, else ``±HH:MM``),
    within the supported years; else None. Its ``tzinfo`` is the standard library's: :meth:`Canonical.event`
    gives it pydantic-core's."""
    size = len(text)
    if size in {25, 32}:  # ±HH:MM
        if text[-6] not in "+-" or text[-3] != ":":
            return None
    elif size not in {20, 27} or text[-1] != "Z":
        return None
    if text[4] != "-" or text[7] != "-" or text[10] != "T" or text[13] != ":" or text[16] != ":":
        return None
    if size > 25 and text[19] != ".":
        return None
    try:  # given the separators above, it takes only ASCII digits between them
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if (size > 25) != (parsed.microsecond != 0):  # a fraction exactly when it is not zero
        return None
    offset = parsed.utcoffset()
    if offset is None or (not offset) != (text[-1] == "Z"):  # every zero offset is Z, and only those
        return None
    return parsed if in_range(parsed) else None


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
