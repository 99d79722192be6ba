"""Text from the departments' systems as a document or a page shows it: every character a reader would not
see written as ``[U+XXXX]``.

Dossier and event ids, actors, reasons and notice numbers are any text the contract allows, and some
characters show as nothing or change how the rest shows: a right-to-left override (U+202E) makes ``D``,
U+202E, ``1-gnol`` read ``Dlong-1``, a zero-width space makes two different ids look one. In a pack an
inspector signs, or on the page they decide a case from, what they read must be what is stored (review:
the CLI's violations table already showed such characters, the documents and the console did not). Format
characters (bidirectional controls, zero-width ones, the soft hyphen, the byte order mark), controls other
than tab and line breaks, line and paragraph separators, private-use and unassigned code points, lone
surrogates, and the other default-ignorable code points and blanks (Hangul fillers, the braille blank,
variation selectors) are written so; every other character is itself (spaces of every width too).
Vietnamese text holds none of them, and is returned as it is without a look at each character
(``str.isprintable`` and one search).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from markupsafe import Markup

__all__ = ["visible", "visible_value"]

#: Kept as they are: a reason's line breaks and tabs are text (HTML shows them as spaces, a cell as breaks).
_KEPT = frozenset("\t\n\r")
#: Categories a reader would not see, or that change how other characters show.
_UNSEEN = frozenset(("Cf", "Cc", "Zl", "Zp", "Co", "Cn", "Cs"))
#: Printable by their category, yet shown as nothing or as a blank: Unicode's default-ignorable code points
#: that are not format characters (the combining grapheme joiner, the Hangul fillers, Khmer's inherent
#: vowels, Mongolian's variation selectors, the variation selectors) and the braille blank (review: two ids
#: still looked one with them).
_BLANKS = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0"
                     "\U000e0100-\U000e01ef]")  # fmt: skip


def visible(text: str) -> str:
    """``text`` with each character a reader would not see written as ``[U+XXXX]`` (module docstring)."""
    if text.isprintable() and _BLANKS.search(text) is None:
        return text
    return "".join(_shown(char) for char in text)


def _shown(char: str) -> str:
    if char not in _KEPT and (unicodedata.category(char) in _UNSEEN or _BLANKS.match(char)):
        return f"[U+{ord(char):04X}]"
    return char


def visible_value(value: Any) -> Any:
    """For a template's ``finalize``: a ``str`` through :func:`visible`, anything else (numbers, ``None``,
    markup the code built) as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value
