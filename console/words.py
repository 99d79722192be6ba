"""A thin adapter over the audit packs' words (``reporting.evidence_words``, ``reporting.pack_texts``):
the console names an event's details, and prints a legal basis, exactly as a pack does."""

from __future__ import annotations

from typing import Any

from reporting.evidence_words import field_text, label, legal_text
from reporting.pack_texts import pack_text


def detail(key: str, value: Any, lang: str) -> tuple[str, str]:
    """An event's data member as (its name in words, its value in words): enumerated values translated,
    codes and free text as they are (the templates escape them)."""
    return label(key, lang), field_text(key, value, lang)


def legal_basis(basis: str) -> str:
    """The basis with its confidence marks ("[U]"…) dropped: the words beside them ("chưa xác nhận"…)
    say it, as in the packs."""
    return legal_text(basis)


def marks_note(lang: str) -> str:
    """What "đã xác nhận trong văn bản", "theo nguồn thứ cấp…" and "chưa xác nhận" mean."""
    return pack_text("marks_note", lang)
