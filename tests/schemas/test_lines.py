"""``schemas.lines.is_blank_line``: a line of JSON's whitespace only is blank; any other byte makes it a line
to parse (and reject, if it is not JSON)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.lines import is_blank_line, parse_line
from schemas.validation import Rejection
from tests.depth import examples

_JSON_WHITESPACE = b" \t\r\n"


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(max_size=12), st.binary(max_size=4).map(lambda b: bytes(c % 4 for c in b)))
def test_a_line_is_blank_when_it_holds_json_whitespace_only(line: bytes, spaces: bytes) -> None:
    padding = bytes(_JSON_WHITESPACE[c] for c in spaces)
    assert is_blank_line(padding)
    assert is_blank_line(line) is all(byte in _JSON_WHITESPACE for byte in line)
    if not is_blank_line(line):  # what is not blank is parsed: rejected, never dropped, unless it is an event
        assert isinstance(parse_line(padding + line + padding), Rejection)


def test_a_vertical_tab_or_form_feed_is_no_blank() -> None:
    """``bytes.strip()`` strips them, JSON does not (RFC 8259 §2): a line of them was skipped silently."""
    for line in (b"\x0b", b"\x0c", b" \x0b\r\n", b"\x1c", b"\x85"):
        assert not is_blank_line(line) and isinstance(parse_line(line), Rejection)
