"""Rejected lines read as records: every member in order, duplicates included, for the pseudonymiser's
``scrub_raw`` (``schemas.pseudonym``), which re-serialises such a line with its applicants replaced and
everything else as it was read.

Apart from the pseudonymiser because it is a question of JSON, not of keys or applicants.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["Members", "dump", "parse_record", "plain"]

#: A rejected object is taken for a record (not a fragment of one) when it has one of these at the top.
ENVELOPE_NAMES = frozenset({"schema_version", "event_id", "dossier_id", "occurred_at", "unit_code"})


class Members(list[tuple[str, Any]]):
    """A parsed JSON object as all of its members in order, duplicate names included."""


def parse_record(raw: bytes) -> Members | None:
    """The line's members if it is an event-shaped JSON object (``schemas.pseudonym``'s docstring), else
    ``None``."""
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
        obj = json.loads(text, object_pairs_hook=Members)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    if isinstance(obj, Members) and any(name in ENVELOPE_NAMES for name, _ in obj):
        return obj
    return None


def plain(node: Any) -> Any:
    """A parsed value as plain JSON data (objects as dicts, last duplicate wins), as the event parser and
    :meth:`Pseudonymiser.apply` see it: so that one applicant gets one pseudonym on both paths."""
    if isinstance(node, Members):
        return {name: plain(value) for name, value in node}
    if isinstance(node, list):
        return [plain(item) for item in node]
    return node


def dump(node: Any) -> str:
    """Compact JSON of a parsed tree, every duplicate member kept in its place."""
    if isinstance(node, Members):
        return "{" + ",".join(f"{_string(name)}:{dump(value)}" for name, value in node) + "}"
    if isinstance(node, list):
        return "[" + ",".join(dump(item) for item in node) + "]"
    if isinstance(node, str):
        return _string(node)
    return json.dumps(node)  # numbers beyond 64 bits, NaN and infinities as they were read


def _string(value: str) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # a lone surrogate, which the JSON text may escape: escape it again
        return json.dumps(value)
