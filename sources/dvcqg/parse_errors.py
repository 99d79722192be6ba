"""What the JSON parser's errors are reduced to in a problem's message: its first line, and a hint when it
stopped at a number JSON does not have. yajl quotes the text around an error, which may be an applicant's
data: nothing of that quote is ever passed on."""

from __future__ import annotations

import decimal
import re

__all__ = ["first_line", "not_json_numbers"]

#: Numbers some JSON writers produce that JSON has not (Python's ``json.dumps`` writes them by default).
_NOT_JSON_NUMBERS = re.compile(r"(?<![\w\"])-?(?:NaN|Infinity)(?![\w\"])")


def not_json_numbers(exc: BaseException) -> str:
    """A hint when the parser stopped at NaN or Infinity: yajl quotes the text around its error and marks
    the spot with a caret on the next line (just before the token it could not read); said, never quoted
    (the text may be an applicant's data). A NaN elsewhere in the quote (inside a string) is not it."""
    text = exc.args[0] if exc.args else ""
    lines = (text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)).split("\n")
    if len(lines) < 3 or "^" not in lines[2]:
        return ""
    spot = lines[2].index("^")
    for found in _NOT_JSON_NUMBERS.finditer(lines[1]):
        if spot - 2 <= found.start() <= spot:
            return " (NaN and Infinity are not JSON numbers)"
    return ""


def first_line(exc: BaseException) -> str:
    """The parser's message, its first line only; a string that is no UTF-8 by the byte at fault."""
    if isinstance(exc, UnicodeDecodeError):
        return f"a string is not UTF-8 text (byte 0x{exc.object[exc.start]:02X})"
    if isinstance(exc, decimal.InvalidOperation):  # its text is "[<class 'decimal.InvalidOperation'>]"
        return "a number's exponent is beyond any decimal's range (1e99999999999999999999)"
    text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    line = str(text).strip().splitlines()
    return line[0].strip() if line else type(exc).__name__
