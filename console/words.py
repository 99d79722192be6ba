"""A thin adapter over the audit packs' words (``reporting.evidence_words``, ``reporting.pack_texts``):
the console names an event's details, and prints a legal basis, exactly as a pack does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from reporting.evidence_words import detail_text, label
from reporting.pack_tables import legal_cell
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


def legal_basis(rule_id: str, basis: str, lang: str, detail: str = "") -> str:
    """The basis as a pack prints it (``pack_tables.legal_cell``): its confidence marks ("[U]"…) said in
    words, and for a dossier under Decree 118/2025 the Decree 61/2018 clause of its verdict's case as a
    reference (the page gave only "điều khoản tương ứng chưa xác nhận": review). ``detail``: the verdict's
    stored JSON, whose evidence says its case."""
    try:
        evidence = orjson.loads(detail).get("evidence") if detail else None
    except orjson.JSONDecodeError:
        evidence = None
    return legal_cell(rule_id, basis, lang, evidence if isinstance(evidence, dict) else None).text


def marks_note(lang: str) -> str:
    """What "đã xác nhận trong văn bản", "theo nguồn thứ cấp…" and "chưa xác nhận" mean."""
    return pack_text("marks_note", lang)
