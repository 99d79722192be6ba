"""Parse one raw event line into a contract event, or into a :class:`Rejection` with a specific reason.

The valid path is a single ``EVENT_ADAPTER.validate_json`` call, a count of the keys (a repeated key is
rejected, not "last one wins"), a scan of unknown fields if there are any (``schemas.limits``: nesting,
integer range, NaN and infinities) and a range check of the event's times; all diagnosis happens only after
a check fails, so rejected lines cost more than valid ones and nothing else does. Times outside the
calendar's years (``schemas.timerange``) are rejected here, at the door, because no dossier holding one can
be judged (rulebook v2, amendment 12). Input lines also have a length cap: :mod:`schemas.lines`.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pydantic_core
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from schemas.events import DATA_MODELS, EVENT_ADAPTER, AnyEvent, EventType, _Envelope
from schemas.limits import (
    BOM,
    INT_MAX,
    INT_MIN,
    MAX_DEPTH,
    count_members,
    repeated_key,
    scan,
)
from schemas.pseudonym import carries_applicant, is_applicant_key
from schemas.timerange import SUPPORTED, in_range


def _timestamp_fields(model: type[Any]) -> frozenset[str]:
    names = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        members = typing.get_args(annotation) if typing.get_origin(annotation) is not None else (annotation,)
        # ``Timestamp | None`` keeps the ``Annotated`` wrapper inside the union.
        if any(datetime in (m, *typing.get_args(m)) for m in members):
            names.add(name)
    return frozenset(names)


_ENVELOPE_TIMESTAMPS = _timestamp_fields(_Envelope)
#: Per event type, the ``data`` fields that hold times, in a fixed order (the first out of range is named).
_TIMES_OF: dict[str, tuple[str, ...]] = {
    kind: tuple(sorted(_timestamp_fields(model))) for kind, model in DATA_MODELS.items()
}
_DATA_TIMESTAMPS = frozenset().union(*_TIMES_OF.values())

#: Every code :func:`parse_event` (and the deduplicator) can produce. Codes are stable: consumers
#: (dead-letter reports, dashboards) group by them. ``<field>.missing`` also covers ``null`` where a
#: value is required.
CODES: frozenset[str] = frozenset(
    {
        "json.invalid",
        "json.not_object",
        "schema_version.missing",
        "schema_version.unsupported",
        "type.missing",
        "type.unknown",
        "event_id.missing",
        "event_id.empty",
        "event_id.too_long",
        "event_id.invalid",
        "event_id.conflict",
        "dossier_id.missing",
        "dossier_id.empty",
        "dossier_id.too_long",
        "dossier_id.invalid",
        "occurred_at.missing",
        "occurred_at.naive",
        "occurred_at.not_timestamp",
        "data.missing",
        "data.not_object",
        "field.missing",
        "field.invalid",
        "field.naive_timestamp",
        "field.not_timestamp",
        "occurred_at.out_of_range",
        *(f"data.{name}.out_of_range" for name in sorted(_DATA_TIMESTAMPS)),
        # Limits beyond the contract (``schemas.limits``, docs/input-limits.md).
        "line.too_long",
        "json.too_deep",
        "json.number_out_of_range",
        "json.not_finite",
        "json.duplicate_key",
    }
)

#: Codes of the stream workers for messages that are not events at all or not where they belong: a Kafka
#: key that is not the event's dossier, and unreadable dead-letter or violation messages.
TRANSPORT_CODES: frozenset[str] = frozenset({"key.mismatch", "dead_letter.invalid", "violation.invalid"})

_MAX_SHOWN = 60
_MAX_OTHERS = 3
#: Personal data: never echoed into a rejection message (messages are logged and published): not the value
#: of a field named ``applicant`` in any case, nor any shown value holding one at any depth (``_show``).
_REDACTED = "<redacted>"
#: A date-time that would be valid if it carried an offset (the contract's "naive timestamp").
_NAIVE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?")
_QUOTED = re.compile(r"'([^']*)'")
_TYPES = ", ".join(t.value for t in EventType)
_NOT_TIMESTAMP = "is not an RFC 3339 timestamp (date, 'T', time with seconds, 'Z' or ±hh:mm offset)"
_TYPE_VALUES = frozenset(t.value for t in EventType)
#: Envelope fields first, in the order a reader checks them; then ``data``; then anything else.
_RANK = {
    name: i for i, name in enumerate(("schema_version", "type", "event_id", "dossier_id", "occurred_at"))
}
_IDS = frozenset({"event_id", "dossier_id"})
#: The envelope's member names: an object with none of them is no event, maybe a piece of a split one.
_ENVELOPE = frozenset(
    {"schema_version", "event_id", "dossier_id", "type", "occurred_at", "unit_code", "data"}
)
_PHRASES = {
    "string_type": "is not a string",
    "list_type": "is not a list",
    "dict_type": "is not an object",
    "model_type": "is not an object",
    "model_attributes_type": "is not an object",
    "int_type": "is not an integer",
    "bool_type": "is not a boolean",
    "string_too_short": "is empty",
}


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one input line is not a valid event. ``raw`` is the line as received (may hold personal
    data: scrub it with :meth:`schemas.pseudonym.Pseudonymiser.scrub_raw` before storing)."""

    code: str
    message: str
    line_no: int | None
    raw: bytes


def parse_event(raw: bytes | str, *, line_no: int | None = None) -> AnyEvent | Rejection:
    """Validate one JSON line against the contract and the limits; never raises on bad input."""
    try:
        event = EVENT_ADAPTER.validate_json(raw)
    except ValidationError as exc:
        data = _bytes(raw)
        code, message = _diagnose(data, exc.errors(include_url=False))
        return Rejection(code, message, line_no, data)
    outside, time_colons = _times(event)
    outside = _beyond_limits(event, raw, time_colons) or outside  # a repeated key first: the rest is a guess
    if outside is None:
        return event
    return Rejection(*outside, line_no, _bytes(raw))


def _bytes(raw: bytes | str) -> bytes:
    return raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)


def _beyond_limits(event: AnyEvent, raw: bytes | str, time_colons: int) -> tuple[str, str] | None:
    """(code, message) when a contract-valid event is beyond ``schemas.limits``: a value in its unknown
    fields (the declared ones hold only strings, lists of strings, times and ``schema_version`` 1), or a
    key repeated anywhere (``time_colons``: how many colons the text of its times has at least)."""
    data = event.data
    members = len(event.__pydantic_fields_set__) + len(data.__pydantic_fields_set__)
    if event.__pydantic_extra__ or data.__pydantic_extra__:  # rare: most events have no unknown fields
        found = _extras_beyond_limits(event, members)
        if isinstance(found, tuple):
            return found
        members = found
    text = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    repeated = repeated_key(text, members, time_colons)
    if repeated is None:
        return None
    return "json.duplicate_key", _repeated_message(*repeated)


def _extras_beyond_limits(event: AnyEvent, members: int) -> tuple[str, str] | int:
    """The first value beyond the limits in the unknown fields, or the count of object members with those
    inside the unknown fields."""
    counted = [members]
    # Each extras dict stands for the object holding it (the event: level 1, ``data``: level 2); ``scan``
    # counts their members again, so they are taken out of the fields-set count first.
    for extra, level, where in (
        (event.__pydantic_extra__, 1, ()),
        (event.data.__pydantic_extra__, 2, ("data",)),
    ):
        if extra:
            counted[0] -= len(extra)
            problem = scan(extra, level, counted)
            if problem is not None:
                return problem.code, f"{_path((*where, *reversed(problem.loc)))}: {problem.detail}"
    return counted[0]


def _repeated_message(loc: list[int | str], key: str, *, redact: bool = False) -> str:
    # Under an applicant the repeated key is personal data too (see ``_path``).
    redact = redact or any(isinstance(part, str) and is_applicant_key(part) for part in loc)
    shown = _REDACTED if redact else _show(key)
    return (
        f"{_path(tuple(reversed(loc)))}: the key {shown} appears more than once in one object "
        "(which value counts would be a guess)"
    )


def _times(event: AnyEvent) -> tuple[tuple[str, str] | None, int]:
    """(code, message) for the first of the event's times outside the supported years, if any; and how
    many colons the text of its times has at least (``hh:mm:ss``, and ``±hh:mm`` unless the offset is
    zero, which may be written ``Z``), which :func:`schemas.limits.repeated_key` needs."""
    at = event.occurred_at
    outside = None if in_range(at) else ("occurred_at.out_of_range", _range_message("occurred_at", at))
    colons = _colons(at)
    data = event.data
    for name in _TIMES_OF[event.type]:
        value = getattr(data, name)
        if value is not None:
            colons += _colons(value)
            if outside is None and not in_range(value):
                outside = f"data.{name}.out_of_range", _range_message(f"data.{name}", value)
    return outside, colons


def _colons(at: datetime) -> int:
    # Parsed times carry a fixed offset, which ``utcoffset(None)`` gives without the datetime's own (slower)
    # call; a zone needing the instant answers None, counted as the ``Z`` spelling: a lower bound still.
    tz = at.tzinfo
    return 3 if tz is not None and tz.utcoffset(None) else 2


def _range_message(path: str, value: datetime) -> str:
    return f"{path}: {_show(value.isoformat())} is outside {SUPPORTED}"


def _diagnose(raw: bytes, errors: Sequence[ErrorDetails]) -> tuple[str, str]:
    if any(e["type"] == "json_invalid" for e in errors):
        return _not_json(raw, errors[0]["msg"].removeprefix("Invalid JSON: "))
    try:
        obj = _loads(raw)
    except ValueError as exc:  # the parsers' decode errors subclass ValueError
        return "json.invalid", f"the line is not valid JSON: {exc}"
    if not isinstance(obj, dict):
        return "json.not_object", f"the line is JSON {_kind(obj)}, not an object"
    # A repeated key first: which of its values the errors below are about is a guess. The other limits
    # are not looked for: the line is rejected anyway, and a field's own error says more.
    repeated = repeated_key(raw, count_members(obj))
    if repeated is not None:
        # A fragment of a split record (an object with no envelope name) may come from inside an
        # applicant: its keys are not quoted, as ``scrub_raw`` masks all of it.
        fragment = _ENVELOPE.isdisjoint(obj)
        return "json.duplicate_key", _repeated_message(*repeated, redact=fragment)
    envelope = _check_envelope(obj)
    if envelope is not None:
        return envelope
    tag = obj["type"]
    # Errors of a discriminated union are located under the tag: drop it to get the field path.
    located = [(_strip_tag(e["loc"], tag), e) for e in errors]
    located.sort(key=lambda item: _rank(item[0]))
    loc, first = located[0]
    code, message = _classify(loc, first)
    if len(located) > 1:
        others = [_path(other_loc) for other_loc, _ in located[1 : 1 + _MAX_OTHERS]]
        more = len(located) - 1
        message += f" (and {more} more error{'s' if more > 1 else ''}: {', '.join(others)}"
        message += ", ...)" if more > _MAX_OTHERS else ")"
    return code, message


def _not_json(raw: bytes, detail: str) -> tuple[str, str]:
    """The parser's own limits have their codes (it stops at about 200 levels and 4,300 digits)."""
    if "recursion limit exceeded" in detail:
        return "json.too_deep", f"the line nests arrays and objects more than {MAX_DEPTH} levels deep"
    if "number out of range" in detail:
        return "json.number_out_of_range", f"the line holds a number out of any storable range ({detail})"
    if raw.startswith(BOM):
        return "json.invalid", (
            "the line starts with a byte-order mark (U+FEFF): only the start of a file may carry one"
        )
    return "json.invalid", f"the line is not valid JSON: {detail}"


def _loads(raw: bytes) -> Any:
    # The parser of ``validate_json`` itself: it reads every number and depth that validation read.
    return pydantic_core.from_json(raw)


def _check_envelope(obj: dict[str, Any]) -> tuple[str, str] | None:
    """The two fields that decide how the rest is read: a bad one makes other errors meaningless."""
    version = obj.get("schema_version")
    if version is None:
        return "schema_version.missing", "schema_version: required field is missing"
    if type(version) is not int or version != 1:
        return "schema_version.unsupported", (
            f"schema_version: {_show(version)} is not supported; only the integer 1 is"
        )
    kind = obj.get("type")
    if kind is None:
        return "type.missing", "type: required field is missing"
    if not isinstance(kind, str) or kind not in _TYPE_VALUES:
        return "type.unknown", f"type: {_show(kind)} is not one of {_TYPES}"
    return None


def _strip_tag(loc: tuple[int | str, ...], tag: str) -> tuple[int | str, ...]:
    return loc[1:] if loc and loc[0] == tag else loc


def _rank(loc: tuple[int | str, ...]) -> int:
    if not loc:
        return -1
    head = loc[0]
    if head == "data":
        return 100 + len(loc)  # ``data`` itself (not an object) before its fields
    return _RANK.get(str(head), 50)


def _path(loc: tuple[int | str, ...]) -> str:
    """``loc`` as a path (``data.documents[2]``), cut after an ``applicant`` member: the keys inside one are
    personal data as much as its values (``data.x.applicant.…``)."""
    parts: list[str] = []
    for n, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(f".{item}" if parts else item)
            if n + 1 < len(loc) and is_applicant_key(item):
                parts.append(".…")
                break
    return "".join(parts) or "(event)"


def _classify(loc: tuple[int | str, ...], error: ErrorDetails) -> tuple[str, str]:
    path = _path(loc)
    kind = error["type"]
    value = error.get("input")
    absent = kind == "missing"
    shown = _REDACTED if any(is_applicant_key(str(part)) for part in loc) else _show(value)
    head = str(loc[0]) if loc else ""
    if absent or value is None:
        prefix = head if len(loc) == 1 and head in {*_IDS, "occurred_at", "data"} else "field"
        verb = "is missing" if absent else "is null"
        return f"{prefix}.missing", f"{path}: required field {verb}"
    if len(loc) == 1 and head in _IDS:
        suffix = {"string_too_short": "empty", "string_too_long": "too_long"}.get(kind, "invalid")
        if suffix == "too_long":
            limit = error.get("ctx", {}).get("max_length")
            return f"{head}.too_long", f"{path}: {len(value)} characters is longer than the {limit} allowed"
        return f"{head}.{suffix}", f"{path}: {shown} {_PHRASES.get(kind, 'is not a valid identifier')}"
    if loc == ("data",):
        return "data.not_object", f"data: {shown} is not an object"
    if _is_timestamp(loc):
        naive = isinstance(value, str) and _NAIVE.fullmatch(value) is not None
        reason = "has no UTC offset" if naive else _NOT_TIMESTAMP
        if head == "occurred_at":
            code = "occurred_at.naive" if naive else "occurred_at.not_timestamp"
        else:
            code = "field.naive_timestamp" if naive else "field.not_timestamp"
        return code, f"{path}: {shown} {reason}"
    if kind == "literal_error":
        allowed = _QUOTED.findall(str(error.get("ctx", {}).get("expected", "")))
        return "field.invalid", f"{path}: {shown} is not one of {', '.join(sorted(allowed))}"
    phrase = _PHRASES.get(kind) or f"is invalid ({error['msg']})"
    return "field.invalid", f"{path}: {shown} {phrase}"


def _is_timestamp(loc: tuple[int | str, ...]) -> bool:
    if len(loc) == 1:
        return loc[0] in _ENVELOPE_TIMESTAMPS
    return len(loc) == 2 and loc[0] == "data" and loc[1] in _DATA_TIMESTAMPS


def _show(value: Any) -> str:
    """A short, unambiguous rendering of an offending value: strings quoted, JSON literals as JSON."""
    if isinstance(value, dict | list) and carries_applicant(value):  # personal data: see _REDACTED
        return _REDACTED
    if isinstance(value, str):
        return repr(value) if len(value) <= _MAX_SHOWN else f"{repr(value[:_MAX_SHOWN])[:-1]}...'"
    if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
        return f"an integer of {value.bit_length()} bits"  # str() of a huge integer raises
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    try:
        text = orjson.dumps(value, default=str).decode()
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, or nesting beyond orjson's limit
        return _kind(value)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "..."


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
