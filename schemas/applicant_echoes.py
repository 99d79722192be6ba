"""The applicant's value where an event repeats it: its ``documents``.

A sender that writes component codes as free text may put the applicant in one ("Mạc Văn Tài 079201123456",
or the id number alone), and a document the procedure does not list is quoted in clear in the evidence of
EXCESS_DOCUMENTS, in the warehouse and in the packs (review of 2026-12-06). The pseudonymiser replaces, in
the same event's ``documents``, the applicant's whole value and each identity number in it (a run of 8 or
more digits) by their pseudonyms. A name alone is not searched word by word: "Văn" or "An" would take any
code holding them for the applicant.

Idempotent: an applicant that is a pseudonym already is nothing to hide, and a pseudonym inside a code is
never searched (its hex digits hold runs of 8 digits or more in about four pseudonyms in ten: replacing
those corrupted an already pseudonymised code, and the batch audit of an exported file differed from its
load: the diff review).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from schemas.pseudonym_form import PSEUDONYM as _PSEUDONYM  # never searched, never cut

__all__ = ["documents_without", "echoes_of", "holds_echo", "text_without"]

#: Shorter values are no identifier and would match inside ordinary codes ("GT", "CT01").
_SHORTEST = 6
_NUMBER = re.compile(r"\d{8,}")


def echoes_of(applicant: str) -> set[str]:
    """What of an applicant's clear value is hidden where a line repeats it: the whole value (from
    ``_SHORTEST`` characters) and each identity number in it; nothing for a pseudonym."""
    value = applicant.strip()
    if _PSEUDONYM.fullmatch(value):
        return set()
    echoes = {value} if len(value) >= _SHORTEST else set()
    echoes.update(_NUMBER.findall(_PSEUDONYM.sub(" ", value)))
    return echoes


def holds_echo(text: str, applicants: Iterable[str]) -> bool:
    """Whether ``text`` repeats one of the clear ``applicants`` (an echo outside the pseudonyms it holds)."""
    outside = _PSEUDONYM.sub(" ", text)
    return any(echo in outside for applicant in applicants for echo in echoes_of(applicant))


def text_without(text: str, applicants: Iterable[str], pseudonymise: Callable[[str], str]) -> str:
    """``text`` with every echo of the clear ``applicants`` replaced by its pseudonym, the longest first,
    outside the pseudonyms it holds; ``text`` itself when it holds none. For a rejected line, whose every
    string may repeat its applicant: a sender that put the id where a list was due (review of 2026-12-07)."""
    echoes = set().union(*(echoes_of(applicant) for applicant in applicants))
    outside = _PSEUDONYM.sub(" ", text)
    found = sorted((e for e in echoes if e in outside), key=lambda e: (-len(e), e))
    if not found:
        return text
    return _replaced(text, [(echo, pseudonymise(echo)) for echo in found])


def documents_without(
    documents: object, applicant: str, pseudonymise: Callable[[str], str]
) -> list[object] | None:
    """``documents`` with the applicant's value (``applicant``, in clear) and each identity number in it
    replaced by their pseudonyms, the longest first, outside the pseudonyms a code holds; ``None`` when no
    item holds any (or ``documents`` is no list, or the applicant is a pseudonym already)."""
    if not isinstance(documents, list) or not documents:
        return None
    echoes = echoes_of(applicant)
    texts = [_PSEUDONYM.sub(" ", item) for item in documents if isinstance(item, str)]
    found = sorted((e for e in echoes if any(e in text for text in texts)), key=lambda e: (-len(e), e))
    if not found:
        return None
    pairs = [(echo, pseudonymise(echo)) for echo in found]
    return [_replaced(item, pairs) if isinstance(item, str) else item for item in documents]


def _replaced(text: str, pairs: list[tuple[str, str]]) -> str:
    """``text`` with each echo replaced by its pseudonym, between the pseudonyms it holds."""
    parts: list[str] = []
    done = 0
    for match in [*_PSEUDONYM.finditer(text), None]:
        end = match.start() if match is not None else len(text)
        piece = text[done:end]
        for echo, pseudonym in pairs:
            piece = piece.replace(echo, pseudonym)
        parts.append(piece)
        if match is not None:
            parts.append(match.group(0))
            done = match.end()
    return "".join(parts)
