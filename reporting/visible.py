"""Text from the departments' systems as a document or a page shows it: every character a reader would not
see written as ``[U+XXXX]``.

Dossier and event ids, actors, reasons and notice numbers are any text the contract allows, and some
characters show as nothing or change how the rest shows: a right-to-left override (U+202E) makes ``D``,
U+202E, ``1-gnol`` read ``Dlong-1``, a zero-width space makes two different ids look one. In a pack an
inspector signs, or on the page they decide a case from, what they read must be what is stored (review:
the CLI's violations table already showed such characters, the documents and the console did not). Which
characters those are is ``schemas.unseen``'s answer, but for tabs and line breaks: a reason's are text.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from schemas.unseen import all_seen, unseen

__all__ = ["visible", "visible_value"]

#: Kept as they are: a reason's line breaks and tabs are text (HTML shows them as spaces, a cell as breaks).
_KEPT = frozenset("\t\n\r")


def visible(text: str) -> str:
    """``text`` with each character a reader would not see written as ``[U+XXXX]`` (module docstring)."""
    if all_seen(text):
        return text
    return "".join(f"[U+{ord(c):04X}]" if c not in _KEPT and unseen(c) else c for c in text)


def visible_value(value: Any) -> Any:
    """For a template's ``finalize``: a ``str`` through :func:`visible`, anything else (numbers, ``None``,
    markup the code built) as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value
