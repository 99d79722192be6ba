"""The applicant's value where an event repeats it: its ``documents``.

A sender that writes component codes as free text may put the applicant in one ("Mạc Văn Tài 079201123456",
or the id number alone), and a document the procedure does not list is quoted in clear in the evidence of
EXCESS_DOCUMENTS, in the warehouse and in the packs (review of 2026-12-06). The pseudonymiser replaces, in
the same event's ``documents``, the applicant's whole value and each identity number in it (a run of 8 or
more digits) by their pseudonyms. A name alone is not searched word by word: "Văn" or "An" would take any
code holding them for the applicant.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["documents_without"]

#: Shorter values are no identifier and would match inside ordinary codes ("GT", "CT01").
_SHORTEST = 6
_NUMBER = re.compile(r"\d{8,}")


def documents_without(
    documents: object, applicant: str, pseudonymise: Callable[[str], str]
) -> list[str] | None:
    """``documents`` with the applicant's value (``applicant``, in clear) and each identity number in it
    replaced by their pseudonyms, the longest first; ``None`` when no item holds any (or ``documents`` is no
    list of strings)."""
    if not isinstance(documents, list) or not documents:
        return None
    value = applicant.strip()
    echoes = {value} if len(value) >= _SHORTEST else set()
    echoes.update(_NUMBER.findall(value))
    found = [echo for echo in echoes if any(isinstance(item, str) and echo in item for item in documents)]
    if not found:
        return None
    found.sort(key=lambda echo: (-len(echo), echo))
    pseudonyms = [(echo, pseudonymise(echo)) for echo in found]
    replaced: list[str] = []
    for item in documents:
        text = item
        if isinstance(text, str):
            for echo, pseudonym in pseudonyms:
                text = text.replace(echo, pseudonym)
        replaced.append(text)
    return replaced
