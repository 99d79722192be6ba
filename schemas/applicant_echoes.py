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
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from schemas.applicant_names import is_applicant_key
from schemas.pseudonym_form import PSEUDONYM as _PSEUDONYM  # never searched, never cut
from schemas.raw_records import Members

__all__ = [
    "MAX_APPLICANTS", "MAX_ECHOES", "Echoes", "applicant_values", "as_text", "documents_without", "echoes_of",
]  # fmt: skip

#: Shorter values are no identifier and would match inside ordinary codes ("GT", "CT01").
_SHORTEST = 6
_NUMBER = re.compile(r"\d{8,}")
_SHORTEST_NUMBER = 8


def echoes_of(applicant: str) -> set[str]:
    """What of an applicant's clear value is hidden where a line repeats it: the whole value (from
    ``_SHORTEST`` characters) and each identity number in it; nothing for a pseudonym."""
    value = applicant.strip()
    if _PSEUDONYM.fullmatch(value):
        return set()
    echoes = {value} if len(value) >= _SHORTEST else set()
    echoes.update(_NUMBER.findall(_PSEUDONYM.sub(" ", value)))
    return echoes


#: Applicant values one record is searched for: a line naming more is hostile (3,000 made one rejected line
#: cost 50 s of searching: the diff review of 2026-12-07), and is hidden whole rather than searched.
MAX_APPLICANTS = 32
#: Echoes one record is searched for (each value and the ids in it): past them, it is hostile too (one
#: applicant string of thousands of ids made the search quadratic: the last read of 2026-12-07).
MAX_ECHOES = 64


def applicant_values(node: Any) -> list[str]:
    """The distinct applicant values of a parsed record or value (dicts, ``Members``, lists), at any depth,
    as text: strings, and numbers as JSON writes them (an id sent as a number); iterative, as a rejected line
    may nest deeper than the stack allows. Stops past :data:`MAX_APPLICANTS` distinct ones (:class:`Echoes`
    overflows): counted with repeats, 33 copies of one value hid the real applicant after them (the last
    read of 2026-12-07)."""
    found: dict[str, None] = {}
    stack = [node]
    while stack and len(found) <= MAX_APPLICANTS:
        item = stack.pop()
        pairs = item.items() if isinstance(item, dict) else item if isinstance(item, Members) else None
        if pairs is not None:
            for name, value in pairs:
                if not is_applicant_key(str(name)):
                    stack.append(value)
                    continue
                for text in _texts(value):  # an object or a list of them: each string in it
                    found[text.strip()] = None
                    if len(found) > MAX_APPLICANTS:
                        break
        elif isinstance(item, list):
            stack.extend(item)
    return list(found)


def _texts(value: Any) -> Iterator[str]:
    """The strings and numbers (:func:`as_text`) in a value, at any depth."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, Members):
            stack.extend(v for _, v in item)
        elif isinstance(item, list):
            stack.extend(item)
        elif (text := as_text(item)) is not None:
            yield text


def as_text(value: Any) -> str | None:
    """A string, or a number as JSON writes it (``None`` for a huge one, which is no identity number), that
    an echo may be searched in; ``None`` for anything else."""
    if isinstance(value, str):
        return value
    if type(value) is int:
        return str(value) if -_WHOLE < value < _WHOLE else None
    if type(value) is float:
        return repr(value)
    return None


#: Whole numbers beyond this are no identity number (and ``str`` of a huge one raises).
_WHOLE = 10**30


class Echoes:
    """The echoes of a record's clear applicants (:func:`echoes_of` of each), searched in one pass per text
    (one alternation, the longest first), outside the pseudonyms a text holds. ``overflow``: the record
    names more than :data:`MAX_APPLICANTS`, and its callers hide what they would have searched."""

    __slots__ = ("_pattern", "overflow")

    def __init__(self, applicants: Iterable[str]) -> None:
        values = set()
        for applicant in applicants:
            values.add(applicant.strip())
            if len(values) > MAX_APPLICANTS:
                break
        self.overflow = len(values) > MAX_APPLICANTS
        found = set().union(*(echoes_of(value) for value in values)) if not self.overflow else set()
        # An id with a leading zero sent as a number loses it ("079201123456" as 79201123456).
        found |= {e.lstrip("0") for e in found if e.isdigit() and len(e.lstrip("0")) >= _SHORTEST_NUMBER}
        if len(found) > MAX_ECHOES:  # one applicant holding thousands of ids: hostile as well
            self.overflow, found = True, set()
        ordered = sorted(found, key=lambda e: (-len(e), e))
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __bool__(self) -> bool:
        return self.overflow or self._pattern is not None

    def held_by(self, text: str) -> bool:
        """Whether ``text`` repeats an applicant (with ``overflow``: whether it holds a letter or digit)."""
        if self.overflow:
            return any(c.isalnum() for c in text)
        return self._pattern is not None and self._pattern.search(_PSEUDONYM.sub(" ", text)) is not None

    def replaced(self, text: str, pseudonymise: Callable[[str], str]) -> str:
        """``text`` with every echo replaced by its pseudonym, outside the pseudonyms it holds (with
        ``overflow``: the pseudonym of the whole text, if it holds a letter or digit); ``text`` itself when
        nothing is replaced."""
        if self.overflow:
            return pseudonymise(text) if self.held_by(text) else text
        pattern = self._pattern
        if pattern is None or pattern.search(_PSEUDONYM.sub(" ", text)) is None:
            return text
        return _between_pseudonyms(text, lambda piece: pattern.sub(lambda m: pseudonymise(m.group(0)), piece))


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

    def piece_replaced(piece: str) -> str:
        for echo, pseudonym in pairs:
            piece = piece.replace(echo, pseudonym)
        return piece

    return _between_pseudonyms(text, piece_replaced)


def _between_pseudonyms(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to each piece between the pseudonyms it holds, which stay as they
    are."""
    parts: list[str] = []
    done = 0
    for match in [*_PSEUDONYM.finditer(text), None]:
        end = match.start() if match is not None else len(text)
        parts.append(change(text[done:end]))
        if match is not None:
            parts.append(match.group(0))
            done = match.end()
    return "".join(parts)
