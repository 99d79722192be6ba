"""A thin adapter over the audit packs' words (``reporting.evidence_words``, ``reporting.pack_texts``):
the console names an event's details, and prints a legal basis, exactly as a pack does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from reporting.evidence import sentence
from reporting.evidence_words import ALWAYS_YEAR, WorkingDays, detail_text, label
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
    them); every date with its year, as the page's evidence sentences (a pack gives it only to dates
    outside its week's year)."""
    return label(key, lang), detail_text(key, value, lang, ALWAYS_YEAR, components=components, units=units)


def legal_basis(rule_id: str, basis: str, lang: str, facts: Mapping[str, Any] | None = None) -> str:
    """The basis as a pack prints it (``pack_tables.legal_cell``): its confidence marks ("[U]"…) said in
    words, and for a dossier under Decree 118/2025 the Decree 61/2018 clause of its verdict's case as a
    reference (the page gave only "điều khoản tương ứng chưa xác nhận": review). ``facts``: the verdict's
    evidence (:func:`evidence_of`), which says its case."""
    return legal_cell(rule_id, basis, lang, facts).text


def evidence(
    rule_id: str,
    kind: str,
    facts: Mapping[str, Any] | None,
    lang: str,
    *,
    working_days: WorkingDays | None = None,
    forms: str | None = None,
    components: Mapping[str, str] | None = None,
) -> str:
    """The verdict's evidence in one sentence, as its pack prints it ("Hẹn trả 14/11/2025 17:00; trả kết
    quả 20/11/2025 16:50 — trễ 4 ngày làm việc; không có Phiếu xin lỗi (mẫu 04)"): the page gave the rule,
    the law and what to verify, but not what the audit found, which the inspector had to read out of the
    timeline (review). ``facts``: the verdict's evidence (:func:`evidence_of`); ``forms``: whose forms the
    dossier is handled with (``reporting.pack_tables.forms_for``); ``components``: its procedure's documents
    by name. Every date with its year: the page is no one week's, as a pack is."""
    return sentence(rule_id, kind, facts or {}, lang, working_days, ALWAYS_YEAR, forms, components)


def evidence_case(facts: Mapping[str, Any] | None) -> str | None:
    """The case a verdict's evidence says it is of (its ``event_type``: a receipt or a request of excess
    documents), as its legal basis reads it (``inspections.rules.legal.EXCESS_CASES``)."""
    case = (facts or {}).get("event_type")
    return case if isinstance(case, str) else None


def evidence_of(detail: str) -> dict[str, Any] | None:
    """The ``evidence`` of a verdict's stored JSON (``None``: none, or not an object)."""
    try:
        found = orjson.loads(detail).get("evidence") if detail else None
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return found if isinstance(found, dict) else None


def marks_note(lang: str) -> str:
    """What "đã xác nhận trong văn bản", "theo nguồn thứ cấp…" and "chưa xác nhận" mean."""
    return pack_text("marks_note", lang)
