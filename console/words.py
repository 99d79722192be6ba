"""A thin adapter over the audit packs' words (``reporting.evidence_words``, ``reporting.pack_texts``):
the console names an event's details, and prints a legal basis, exactly as a pack does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reporting.evidence_words import detail_text, label, legal_text
from reporting.pack_texts import pack_text


def detail(
    key: str,
    value: Any,
    lang: str,
    *,
    components: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """An event's data member as (its name in words, its value in words), as a pack's timeline gives it:
    enumerated values translated, documents by name (``components``: the dossier's procedure's), the unit a
    dossier went to by name (``units``), other codes and free text as they are (the templates escape
    them)."""
    return label(key, lang), detail_text(key, value, lang, components=components, units=units)


def legal_basis(basis: str) -> str:
    """The basis with its confidence marks ("[U]"…) dropped: the words beside them ("chưa xác nhận"…)
    say it, as in the packs."""
    return legal_text(basis)


def marks_note(lang: str) -> str:
    """What "đã xác nhận trong văn bản", "theo nguồn thứ cấp…" and "chưa xác nhận" mean."""
    return pack_text("marks_note", lang)
