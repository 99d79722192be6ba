"""Which characters a reader does not see: the one answer the documents and console pages
(``reporting.visible``: ``[U+XXXX]``) and the CLI's violations table (``\\uXXXX``) share; the spotting of
"applicant" in a member name drops the printable blanks (``applicant_names``).

A reader does not see a control, a format character (bidirectional controls, zero-width ones, the soft
hyphen, the byte order mark), a line or paragraph separator, a private-use, unassigned or lone surrogate
code point, nor the characters printable by their category that show as nothing or as a blank: Unicode's
default-ignorable code points that are not format characters (the combining grapheme joiner, the Hangul
fillers, Khmer's inherent vowels, Mongolian's variation selectors, the variation selectors) and the braille
blank (reviews of 2026-12-05: two ids looked one with them, and "applicant" followed by U+3164 or U+2800
was stored in clear). Spaces of every width are seen (as spaces).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["BLANKS", "all_seen", "as_meant", "unseen"]

#: The categories of what a reader does not see, or what changes how other characters show.
_CATEGORIES = frozenset(("Cf", "Cc", "Zl", "Zp", "Co", "Cn", "Cs"))
#: Printable by their category, yet shown as nothing or as a blank (module docstring).
BLANKS = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0"
                    "\U000e0100-\U000e01ef]")  # fmt: skip


def unseen(char: str) -> bool:
    """Whether a reader does not see ``char`` (module docstring); a tab or a line break is a control too."""
    return unicodedata.category(char) in _CATEGORIES or BLANKS.match(char) is not None


def all_seen(text: str) -> bool:
    """Whether every character of ``text`` is seen, without a look at each (``str.isprintable`` and one
    search): the usual answer for Vietnamese text, which holds none of them. A tab or a line break is not."""
    return text.isprintable() and BLANKS.search(text) is None


def as_meant(text: str) -> str:
    """``text`` without the characters a reader does not see and without blanks at its ends: the code or id
    a value pasted from a spreadsheet or a chat was meant to be (the console's dossier search, the file's
    unit codes ``metrics`` warns of: review of real exports)."""
    return "".join(char for char in text if not unseen(char)).strip()
