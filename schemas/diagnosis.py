"""Why a line is not a contract event: the reason code and message of a failed validation.

Only rejected lines come here (:func:`schemas.validation.parse_event` validates with pydantic first and
diagnoses only when that fails), so nothing in this module is on the valid path. A message names the first
error by its path (envelope fields first, in the order a reader checks them, then ``source``, then
``data``), shows the offending value short and never shows an applicant's (personal data: messages are
logged and published).
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import pydantic_core
from pydantic_core import ErrorDetails

from schemas.applicant_echoes import Echoes, applicant_values, as_text
from schemas.applicant_names import carries_applicant, is_applicant_key
from schemas.events import DATA_MODELS, EventType, Source, _Envelope
from schemas.limits import BOM, INT_MAX, INT_MIN, MAX_DEPTH, count_members, repeated_key
from schemas.raw_records import parse_record

__all__ = [
    "DATA_TIMESTAMPS",
    "GZIP_MAGIC",
    "TIMES_OF",
    "diagnose",
    "loc_path",
    "record_echoes",
    "repeated_message",
    "show_value",
]


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
TIMES_OF: dict[str, tuple[str, ...]] = {
    kind: tuple(sorted(_timestamp_fields(model))) for kind, model in DATA_MODELS.items()
}
DATA_TIMESTAMPS = frozenset().union(*TIMES_OF.values())

_MAX_SHOWN = 60
_MAX_OTHERS = 3
#: Personal data: never echoed into a rejection message (messages are logged and published): not the value
#: of a field named ``applicant`` in any case, nor any shown value holding one at any depth
#: (:func:`show_value`).
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


def repeated_message(
    loc: list[int | str], key: str, *, redact: bool = False, echoes: Echoes | None = None
) -> str:
    """The message for a key repeated in one object at ``loc`` (innermost last-first, as found); the key and
    the names on its path redacted where they repeat an applicant (``echoes``: :func:`record_echoes`)."""
    # Under an applicant the repeated key is personal data too (see :func:`loc_path`).
    redact = redact or any(isinstance(part, str) and is_applicant_key(part) for part in loc)
    shown = _REDACTED if redact or _repeats(key, echoes) else show_value(key)
    return (
        f"{_path(tuple(reversed(loc)), echoes)}: the key {shown} appears more than once in one object "
        "(which value counts would be a guess)"
    )


def record_echoes(raw: bytes, parsed: Any = None) -> Echoes:
    """The echoes of a line's applicants, every copy of a repeated member included (``parse_record``; a
    parser keeping the last of repeated keys hid an earlier applicant: the last read of 2026-12-07), else
    of ``parsed``."""
    members = parse_record(raw)
    return Echoes(applicant_values(members if members is not None else parsed))


def diagnose(raw: bytes, errors: Sequence[ErrorDetails]) -> tuple[str, str]:
    """(code, message) for a line that failed validation with ``errors``."""
    if any(e["type"] == "json_invalid" for e in errors):
        return _not_json(raw, errors[0]["msg"].removeprefix("Invalid JSON: "))
    try:
        obj = _loads(raw)
    except ValueError as exc:  # the parsers' decode errors subclass ValueError
        return "json.invalid", f"the line is not valid JSON: {exc}"
    if not isinstance(obj, dict):
        return "json.not_object", f"the line is JSON {_kind(obj)}, not an object"
    # A value repeating the line's applicant is never shown (reviews of 2026-12-07: the id sent where a list,
    # a time, a type was due was quoted in the message, published and stored).
    echoes = record_echoes(raw, obj)
    # A repeated key first: which of its values the errors below are about is a guess. The other limits
    # are not looked for: the line is rejected anyway, and a field's own error says more.
    repeated = repeated_key(raw, count_members(obj))
    if repeated is not None:
        # A fragment of a split record (an object with no envelope name) may come from inside an
        # applicant: its keys are not quoted, as ``scrub_raw`` masks all of it.
        fragment = _ENVELOPE.isdisjoint(obj)
        return "json.duplicate_key", repeated_message(*repeated, redact=fragment, echoes=echoes)
    envelope = _check_envelope(obj, echoes)
    if envelope is not None:
        return envelope
    tag = obj["type"]
    # Errors of a discriminated union are located under the tag: drop it to get the field path.
    located = [(_strip_tag(e["loc"], tag), e) for e in errors]
    located.sort(key=lambda item: _rank(item[0]))
    loc, first = located[0]
    code, message = _classify(loc, first, echoes)
    if len(located) > 1:
        others = [_path(other_loc, echoes) for other_loc, _ in located[1 : 1 + _MAX_OTHERS]]
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
    return "json.invalid", f"the line is not valid JSON: {_why_not_json(raw, detail) or detail}"


#: The two bytes every gzip stream starts with.
GZIP_MAGIC = b"\x1f\x8b"
#: Control bytes no text line holds (tab, LF and CR aside): a line holding one is binary data.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A CR inside a line that another record follows: two records joined by a lone CR.
_JOINED = re.compile(rb"\r\s*[{\[]")


def _why_not_json(raw: bytes, detail: str) -> str | None:
    """What a whole file's mistake looks like from one of its lines, said so (the parser's own words
    named a position only: "expected value at line 1 column 1" for a gzip file, "invalid unicode code
    point" for a Latin-1 one, "trailing characters" for two records joined by a lone CR; review of
    2026-12-04). ``None``: nothing recognised, the parser's words stand. Nothing of the line is quoted."""
    if raw.startswith(GZIP_MAGIC):
        return "it is gzip-compressed data: decompress the file first (gunzip -c FILE)"
    body = raw.rstrip(b"\r\n")
    if body.count(0) * 3 >= len(body) > 0:  # every other byte NUL: ASCII in UTF-16
        return "it holds NUL bytes (UTF-16 text?): an events file is UTF-8, one JSON object per line"
    if _CONTROL.search(body):  # the rest of a compressed or binary file (its lines past the first)
        return "it holds binary data (a compressed or non-text file?): an events file is UTF-8 text"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            f"it is not UTF-8 text (byte 0x{body[exc.start]:02X} at byte {exc.start + 1}): an events file "
            "is UTF-8; convert it first (e.g. iconv -f CP1258 -t UTF-8)"
        )
    if _JOINED.search(body):
        return (
            "it holds a carriage return (CR) followed by another record: lines end with LF or CR LF, and a "
            "CR alone (old Mac line endings) joins records"
        )
    if detail.startswith("EOF while parsing"):  # "at line 2 column 0" of a one-line record: its newline
        return "it ends before its JSON value does (cut off, or a record spread over several lines?)"
    if ("hex escape" in detail or "surrogate" in detail) and _SURROGATE_ESCAPE.search(body):
        # "unexpected end of hex escape", "lone leading surrogate": the parser's words for half a character
        return (
            "it holds a \\uD800-\\uDFFF escape without its other half (a lone surrogate), which is no "
            "character: half of one such as an emoji, cut where the line was written?"
        )
    return None


#: A JSON escape of a UTF-16 surrogate, half of a character beyond U+FFFF.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _loads(raw: bytes) -> Any:
    # The parser of ``validate_json`` itself: it reads every number and depth that validation read.
    return pydantic_core.from_json(raw)


def _check_envelope(obj: dict[str, Any], echoes: Echoes) -> tuple[str, str] | None:
    """The two fields that decide how the rest is read: a bad one makes other errors meaningless."""
    version = obj.get("schema_version")
    if version is None:
        return "schema_version.missing", "schema_version: required field is missing"
    if type(version) is not int or version != 1:
        shown = _REDACTED if _repeats(version, echoes) else show_value(version)
        return "schema_version.unsupported", (
            f"schema_version: {shown} is not supported; only the integer 1 is"
        )
    kind = obj.get("type")
    if kind is None:
        return "type.missing", "type: required field is missing"
    if not isinstance(kind, str) or kind not in _TYPE_VALUES:
        shown = _REDACTED if _repeats(kind, echoes) else show_value(kind)
        return "type.unknown", f"type: {shown} is not one of {_TYPES}"
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


def loc_path(loc: tuple[int | str, ...]) -> str:
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


def _classify(
    loc: tuple[int | str, ...], error: ErrorDetails, echoes: Echoes | None = None
) -> tuple[str, str]:
    """``echoes``: of the record's applicants; a shown value, or a member name on the path, repeating one
    is redacted too (a ``documents`` that is the applicant's id rather than a list: reviews of 2026-12-07)."""
    path = _path(loc, echoes)
    kind = error["type"]
    value = error.get("input")
    absent = kind == "missing"
    redact = any(is_applicant_key(str(part)) for part in loc) or _repeats(value, echoes)
    shown = _REDACTED if redact else show_value(value)
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


def _repeats(value: Any, echoes: Echoes | None) -> bool:
    """Whether a string, number or member name in ``value`` (at any depth) repeats an applicant."""
    if not echoes:
        return False
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif (text := as_text(node)) is not None and echoes.held_by(text):
            return True
    return False


def _path(loc: tuple[int | str, ...], echoes: Echoes | None) -> str:
    """:func:`loc_path`, a member name repeating an applicant redacted; in a hostile line's overflow (not
    searched), every name but the contract's own."""
    if echoes and echoes.overflow:
        loc = tuple(_REDACTED if isinstance(p, str) and p not in _CONTRACT_NAMES else p for p in loc)
    elif echoes:
        loc = tuple(_REDACTED if isinstance(p, str) and echoes.held_by(p) else p for p in loc)
    return loc_path(loc)


#: The member names the contract declares (envelope, ``source``, every type's ``data``): never personal data.
_CONTRACT_NAMES = frozenset(
    {"type", "data", *_Envelope.model_fields, *Source.model_fields}.union(
        *(m.model_fields for m in DATA_MODELS.values())
    )
)


def _is_timestamp(loc: tuple[int | str, ...]) -> bool:
    if len(loc) == 1:
        return loc[0] in _ENVELOPE_TIMESTAMPS
    return len(loc) == 2 and loc[0] == "data" and loc[1] in DATA_TIMESTAMPS


def show_value(value: Any) -> str:
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
