"""Any string made safe for the export formats: XML 1.0 attribute values, and JSON through orjson.

Event fields are contract strings: JSON lets them hold any code point but lone surrogates (the parser
rejects those), so an event id or a unit code may carry ``\\u0000`` or ``\\uffff``. XML 1.0 has no way to
write those characters at all, not even as character references (``&#0;`` is not well-formed), and one of
them would make a whole XES file unreadable. So every character XML 1.0 forbids — the C0 controls but tab,
line feed and carriage return, surrogates, U+FFFE and U+FFFF — is written as U+FFFD, the replacement
character (visible, and never silently dropped), followed by its code in four hex digits: U+0001 is
written U+FFFD then "0001". A U+FFFD of the text is written U+FFFD then "FFFD" likewise, so that two strings
never read the same: the ids "D" + U+0001 and "D" + U+0002 were both "D" + U+FFFD, one case of two
dossiers (review of the exports). OCEL's JSON keeps every string exact.

Escaping uses ``xml.sax.saxutils.escape`` with the quote, and tab, line feed and carriage return as
character references: attribute-value normalisation would turn them into spaces otherwise.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

import orjson

#: What XML 1.0 (2.2 Characters) does not allow in a document, and the replacement character itself.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffd\ufffe\uffff]")
#: Anything that needs work in an attribute value: a fast path skips the common clean string.
_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffd\ufffe\uffff]')
_ENTITIES = {'"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
REPLACEMENT = "\ufffd"


def xml_attr(text: str) -> str:
    """``text`` as the content of a double-quoted XML 1.0 attribute value."""
    if _SPECIAL.search(text) is None:
        return text
    return escape(_NOT_XML.sub(_written, text), _ENTITIES)


def _written(match: re.Match[str]) -> str:
    return f"{REPLACEMENT}{ord(match.group(0)):04X}"


def json_bytes(value: Any) -> bytes:
    """``orjson.dumps(value)``; a string that cannot be UTF-8 (a lone surrogate, e.g. from a catalogue file)
    has each surrogate replaced by U+FFFD instead of failing the whole export."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return orjson.dumps(_replace_surrogates(value))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace_surrogates(v) for v in value]
    return value
