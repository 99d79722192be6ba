"""Which member names name the applicant: the one test every privacy path asks (``schemas.pseudonym``
pseudonymises what it finds; ``schemas.diagnosis`` keeps such values out of rejection messages).

Apart from the pseudonymiser because it is a question of spelling, not of keys: ``applicant`` in any case,
full width, with look-alike letters of other scripts or invisible characters inside (reviews of
2026-12-05). A name that only looks like it counts: pseudonymising a member that held no applicant costs
nothing, storing one in clear does.
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["APPLICANT", "carries_applicant", "is_applicant_key"]

APPLICANT = "applicant"

#: Letters of other scripts that read as those of "applicant" (Unicode TR39 confusables: Cyrillic, Greek,
#: IPA and Armenian), and the ASCII ones that read as "l" (a capital I, a one, a bar): each folded to the
#: letter it reads as, "i" and "l" to one (review: Cyrillic "а", dotless "ı", Latin alpha "ɑ", "appIicant"
#: were stored in clear).
_LOOK_ALIKE = str.maketrans(
    {
        **dict.fromkeys("аɑα", "a"),  # Cyrillic a, Latin alpha, Greek alpha
        **dict.fromkeys("рρ", "p"),  # Cyrillic er, Greek rho
        **dict.fromkeys("iіıɪιɩӏǀ|1l", "l"),  # i and l, and what reads as either
        **dict.fromkeys("сϲᴄ", "c"),  # Cyrillic es, Greek lunate sigma, small capital C
        **dict.fromkeys("ո", "n"),  # Armenian vo
        **dict.fromkeys("тτ", "t"),  # Cyrillic te, Greek tau
    }
)
_APPLICANT_SKELETON = APPLICANT.translate(_LOOK_ALIKE)
#: Characters that show as nothing or as a blank: controls, format characters, separators, the combining
#: marks left by decomposition, and the Hangul fillers (review: "applicant" followed by U+3164).
_UNSEEN = frozenset(("Cc", "Cf", "Mn", "Zs", "Zl", "Zp"))
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def is_applicant_key(name: str) -> bool:
    """Whether an (unescaped) member name names the applicant: ``applicant`` in any case, with spaces
    around it, and any spelling that reads as it once compatibility-decomposed (full-width
    ``ａｐｐｌｉｃａｎｔ``, ``applİcant``), without what shows as nothing or a blank (a zero-width space, a
    NUL, a space inside, a Hangul filler) and with look-alike letters folded (:data:`_LOOK_ALIKE`: Cyrillic
    ``аpplicant``, ``appIicant``). A name that only looks like it counts too: pseudonymising a member that
    held no applicant costs nothing, storing one in clear does (reviews of 2026-12-05)."""
    if name.isascii():
        if name.strip().lower() == APPLICANT:  # the usual spellings, without building anything
            return True
        if len(name) < len(APPLICANT):
            return False
        bare = "".join(c for c in name if c.isalnum() or c == "|").lower()
    else:
        bare = "".join(
            c
            for c in unicodedata.normalize("NFKD", name)
            if unicodedata.category(c) not in _UNSEEN and c not in _FILLERS
        ).casefold()
    return bare.translate(_LOOK_ALIKE) == _APPLICANT_SKELETON


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
