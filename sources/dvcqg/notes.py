"""The free texts of DVCQG records that become a ``reason`` (a history row's ``NoiDungXuLy``, a dossier's
``GhiChu``, a supplement's ``NoiDungBoSung``), and those of rejected records: an official's note may name
the applicant, or someone else, or hold a number or an address that reaches them. Such a text keeps only
the phrase the vocabulary recognises in it, the rest withheld as "[…]" (:func:`passed_on`).

"May name" is read from the text alone, so that a row's reason is the same whatever else an import holds:
two capitalised words in a row ("Nguyễn Văn An", "ông NGUYỄN VĂN AN"), a common Vietnamese surname that is
no everyday word followed by another word in any case ("của nguyễn thị bích ngọc", "Nguyen thi"), eight
digits or more (an identity number, a phone), an e-mail address. Pseudonyms the scrubbing has put in place
of the record's own applicant values are no name (their hex may hold digits). Review of 2026-12-04: an
e-mail address, a name in lower case and a name without its accents were passed on in clear.
"""

from __future__ import annotations

import re
import unicodedata

from schemas.pseudonym import without_pseudonyms
from sources.dvcqg.vocabulary import PHRASES, STATUS_NAMES, fold

__all__ = ["WITHHELD", "may_name", "passed_on", "withheld"]

#: What stands for the part of a text that is not passed on (:func:`withheld`).
WITHHELD = "[…]"

#: Eight digits or more with at most one space, dot or hyphen between them (an identity number, a phone).
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-]?\d){7,}")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
#: Surnames that start a name even in lower case: the most common ones that are no word of an official's
#: note ("phạm" is in "vi phạm", "lý" in "lý do", "đoàn" an inspection team, "dương" the solar calendar,
#: "đinh"/"dinh" in "quy định" written without accents, "dang" is "đang"), with and without accents.
_SURNAMES = frozenset({
    "nguyễn", "trần", "lê", "hoàng", "huỳnh", "vũ", "võ", "đặng", "bùi", "đỗ", "ngô", "trương", "trịnh",
    "nguyen", "tran", "hoang", "huynh", "bui",
})  # fmt: skip


def may_name(text: str) -> bool:
    """Whether a text may name someone or reach them (module docstring)."""
    text = without_pseudonyms(unicodedata.normalize("NFC", text))
    if _LONG_NUMBER.search(text) or _EMAIL.search(text):
        return True
    previous_capital = previous_surname = False
    for word in text.split():
        letters = "".join(c for c in word if c.isalpha())
        if not letters:
            previous_capital = previous_surname = False
            continue
        capital = letters[0].isupper()
        if (capital and previous_capital) or previous_surname:
            return True
        previous_capital, previous_surname = capital, letters.casefold() in _SURNAMES
    return False


def withheld(text: str) -> str:
    """A text that may name someone: the text itself if it is no more than a status name or a phrase of the
    vocabulary, else the first recognised phrase in it followed by :data:`WITHHELD`, else :data:`WITHHELD`
    alone (never empty when the text was not: a reason was given)."""
    folded = fold(text)
    if not folded or folded in _STANDARD_TEXTS:
        return text
    for phrase in PHRASES:
        if phrase.folded in folded:
            return f"{phrase.text} {WITHHELD}"
    return WITHHELD


def passed_on(text: str) -> str:
    """What of a free text goes on: :func:`withheld` when it :func:`may_name` someone, else the text."""
    return withheld(text) if may_name(text) else text


#: The texts that name nobody: the status names and the vocabulary's phrases, folded.
_STANDARD_TEXTS = frozenset(fold(t) for t in (*STATUS_NAMES.values(), *(p.text for p in PHRASES)))
