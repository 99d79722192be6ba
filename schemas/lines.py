"""Input lines, as files and standard input deliver them: a length cap before the validator, and a
byte-order mark allowed at the start of a file only.

Kept apart from :mod:`schemas.validation` because only input lines have these rules: an event the platform
encodes itself (a Kafka message, a stored ``raw``) may be longer than the line it came from, and must
still parse.
"""

from __future__ import annotations

from schemas.events import AnyEvent
from schemas.limits import (
    BOM,
    KEPT_OF_LONG_LINE,
    MAX_LINE_BYTES,
    LongLine,
    bounded_lines,
    skip_bom,
    too_long,
    without_bom,
)  # fmt: skip
from schemas.validation import Rejection, parse_event

__all__ = [
    "BOM", "MAX_LINE_BYTES", "LongLine", "bounded_lines", "is_blank_line", "parse_line", "skip_bom",
    "without_bom",
]  # fmt: skip

#: JSON's whitespace (RFC 8259 §2).
_JSON_WHITESPACE = b" \t\r\n"


def is_blank_line(raw: bytes) -> bool:
    """Whether an input line holds nothing but JSON's whitespace: skipped, not rejected. ``bytes.strip()``
    strips a vertical tab and a form feed too, which are not JSON: a line of them was skipped without a word
    where any other line that is not JSON is rejected (contract review of 2026-12-07)."""
    return not raw.strip(_JSON_WHITESPACE)


def parse_line(raw: bytes, *, line_no: int | None = None) -> AnyEvent | Rejection:
    """:func:`schemas.validation.parse_event` for a line read from a file or a stream, with the length cap.

    An over-long line is not parsed at all, and its rejection keeps only its beginning (it is stored and
    published like any rejected line, in a Kafka message the whole line might not fit in).
    """
    if too_long(raw):
        length = raw.length if isinstance(raw, LongLine) else len(raw.rstrip(b"\r\n"))
        message = (
            f"the line is {length:,} bytes, longer than the {MAX_LINE_BYTES:,} allowed "
            f"(its first {KEPT_OF_LONG_LINE:,} bytes are kept)"
        )
        return Rejection("line.too_long", message, line_no, bytes(raw[:KEPT_OF_LONG_LINE]))
    return parse_event(raw, line_no=line_no)
