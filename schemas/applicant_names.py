"""Which member names name the applicant: the one test every privacy path asks (``schemas.pseudonym``
pseudonymises what it finds; ``schemas.diagnosis`` keeps such values out of rejection messages).

Apart from the pseudonymiser because it is a question of spelling, not of keys: ``applicant`` in any case,
full width, with look-alike letters of other scripts or invisible characters inside (reviews of
2026-12-05). A name that only may be it counts: pseudonymising a member that held no applicant costs
nothing, storing one in clear does.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from schemas.unseen import BLANKS

__all__ = ["APPLICANT", "carries_applicant", "is_applicant_key"]

APPLICANT = "applicant"

#: The ASCII letters and signs that read as "l" (a capital I, once casefolded, a one, a bar), folded to it
#: with "l" itself (review: "appIicant" was stored in clear). Letters of other scripts need no table: see
#: :func:`is_applicant_key`.
_LOOK_ALIKE = str.maketrans(dict.fromkeys("i|1l", "l"))
_APPLICANT_SKELETON = APPLICANT.translate(_LOOK_ALIKE)
#: Characters that show as nothing, as a blank or as a mark on a letter: controls, format characters,
#: separators, the combining marks decomposition leaves (enclosing ones too: U+20DD) and punctuation, as
#: the ASCII spellings drop all but letters and digits; and the printable blanks (``schemas.unseen``).
#: Private-use and unassigned code points stay: each may stand for a letter (they show as a box).
_DROPPED = frozenset(("Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"))


def is_applicant_key(name: str) -> bool:
    """Whether an (unescaped) member name names the applicant, or may: ``applicant`` in any case, with
    spaces or punctuation around or inside it, ``l`` written ``I``, ``1`` or ``|``, and any spelling that
    reads as it once compatibility-decomposed (full-width ``ａｐｐｌｉｃａｎｔ``, ``applİcant``), without what
    shows as nothing or a blank (a zero-width space, a NUL, a Hangul filler, the braille blank) and with
    **every other non-ASCII character taken for the letter it stands in place of**.

    That last part is the fail-safe: Unicode's confusables are thousands (Cyrillic ``а``, Greek ``Ν``,
    small capitals ``ᴀᴘᴘʟɪᴄᴀɴᴛ``...), and a hand-kept list of them missed one per review (2026-12-05: three
    times). A name of nine letters whose ASCII ones are those of ``applicant`` in their places counts,
    whatever stands in the others, as does any name of nine letters none of them ASCII (``заявитель``
    too). Pseudonymising a member that held no applicant costs nothing (an unknown member only: no other
    member the contract declares is such a name), storing one in clear does."""
    if name.isascii():
        if name.strip().lower() == APPLICANT:  # the usual spellings, without building anything
            return True
        if len(name) < len(APPLICANT):
            return False
        bare = "".join(c for c in name if c.isalnum() or c == "|").lower()
        return bare.translate(_LOOK_ALIKE) == _APPLICANT_SKELETON
    bare = "".join(
        c
        for c in unicodedata.normalize("NFKD", name)
        if unicodedata.category(c) not in _DROPPED
        and BLANKS.match(c) is None  # a Hangul filler, the braille blank
        and (c.isalnum() or c == "|" or not c.isascii())  # ASCII signs dropped, as the ASCII path drops them
    ).casefold()
    if len(bare) != len(APPLICANT):
        return False
    pairs = zip(bare.translate(_LOOK_ALIKE), _APPLICANT_SKELETON, strict=True)
    return all(c == s or not c.isascii() for c, s in pairs)


def carries_applicant(value: Any) -> bool:
    """Whether a parsed JSON value has a member naming the applicant at any depth (iterative: a rejected
    line's value may be nested deeper than the stack allows). For messages that would show the value."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(is_applicant_key(str(name)) for name in node):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False
