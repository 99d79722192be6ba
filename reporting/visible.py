"""Text from the departments' systems as a document or a page shows it: every character a reader would not
see written as ``[U+XXXX]``.

Dossier and event ids, actors, reasons and notice numbers are any text the contract allows, and some
characters show as nothing or change how the rest shows: a right-to-left override (U+202E) makes ``D``,
U+202E, ``1-gnol`` read ``Dlong-1``, a zero-width space makes two different ids look one. In a pack an
inspector signs, or on the page they decide a case from, what they read must be what is stored (review:
the CLI's violations table already showed such characters, the documents and the console did not). Format
characters (bidirectional controls, zero-width ones, the soft hyphen, the byte order mark), controls other
than tab and line breaks, line and paragraph separators, private-use and unassigned code points and lone
surrogates are written so; every other character is itself (spaces of every width too). Vietnamese text
holds none of them, and is returned as it is without a look at each character (``str.isprintable``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from markupsafe import Markup

__all__ = ["visible", "visible_value"]

#: Kept as they are: a reason's line breaks and tabs are text (HTML shows them as spaces, a cell as breaks).
_KEPT = frozenset("\t\n\r")
#: Categories a reader would not see, or that change how other characters show.
_UNSEEN = frozenset(("Cf", "Cc", "Zl", "Zp", "Co", "Cn", "Cs"))


def visible(text: str) -> str:
    """``text`` with each character a reader would not see written as ``[U+XXXX]`` (module docstring)."""
    if text.isprintable():
        return text
    return "".join(_shown(char) for char in text)


def _shown(char: str) -> str:
    if char not in _KEPT and unicodedata.category(char) in _UNSEEN:
        return f"[U+{ord(char):04X}]"
    return char


def visible_value(value: Any) -> Any:
    """For a template's ``finalize``: a ``str`` through :func:`visible`, anything else (numbers, ``None``,
    markup the code built) as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value
