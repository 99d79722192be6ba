"""How a catalogue's names are read: composed, and a field's brackets spaced as reports print them.

The national portal's list writes 38 procedure names with their accents as separate combining marks (NFD):
printed so, a PDF font placed the marks beside their letters, and a search typed as usual (NFC) did not
find them (review of real exports). It also writes "Việc làm(Bộ Nội vụ)", which reports printed as it is.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

__all__ = ["Name", "composed", "spaced_brackets"]


def composed(text: str) -> str:
    """``text`` in Unicode's composed form (NFC)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


#: A name as people read and search it: composed.
Name = Annotated[str, Field(min_length=1), AfterValidator(composed)]

#: An opening bracket right after a word or a closing bracket.
_GLUED_BRACKET = re.compile(r"(?<=[^\s(\[{])\(")


def spaced_brackets(name: str) -> str:
    """``name`` with a space before each bracket that follows a word: "Việc làm (Bộ Nội vụ)"."""
    return _GLUED_BRACKET.sub(" (", name)
