"""A dead letter's texts as the sink stores them: whoever produced it, its reason, code and source may hold
anything (an applicant's name, a foreign producer's file path), so they are masked as the platform's own
error messages are (:func:`streams.messages.describe_error`) before they reach ``rejected_events``.
"""

from __future__ import annotations

import re
import unicodedata

from schemas.pseudonym import Pseudonymiser
from streams.messages import describe_error

__all__ = ["letter_source", "scrub_text"]

# An ``applicant`` token in free text (after NFKC: full-width letters too): what follows may be its value.
_APPLICANT = re.compile("applicant", re.IGNORECASE)


class _ForeignText(Exception):
    """Carries a producer's text through :func:`describe_error`'s masking."""


def scrub_text(text: str) -> str:
    """A dead letter's free text (reason, source, code) safe to store: everything after an ``applicant``
    token cut, then quoted text and numbers of four or more characters masked and the text cut to a
    readable length, as :func:`streams.messages.describe_error` does (module doc)."""
    text = unicodedata.normalize("NFKC", text)
    if (found := _APPLICANT.search(text)) is not None:
        text = text[: found.end()] + " …"
    described = describe_error(_ForeignText(text))
    return described.removeprefix(_ForeignText.__name__).removeprefix(": ")


def letter_source(source: str, pseudonymiser: Pseudonymiser) -> str:
    """A dead letter's source as stored: masked as its texts are and, when masking changed it, followed by
    a keyed digest of the original. ``source`` is part of ``rejected_events``' key: masked alone,
    "events-2025-11-03.jsonl" and "events-2025-11-04.jsonl" became one source, and the same bad line of two
    daily files one row (review of 2026-12-04)."""
    masked = scrub_text(source)
    if masked == source:
        return source
    digest = pseudonymiser.pseudonymise(source).rsplit(":", 1)[-1][:12]
    return f"{masked} #{digest}"
