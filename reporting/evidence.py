"""A violation's evidence as one sentence an inspector reads on site (issue 15, "the audit packs").

The audit keeps its evidence as facts (``received_at``, ``due_at``, ``end_type``, ``supplement_hours``…):
exact, and kept as they are in ``violations.jsonl`` and in the annex columns of the pack's XLSX. A printed
pack shows what those facts say, the way a clerk would write it: "Hẹn trả 14/11 17:00; trả kết quả 20/11
16:50 — trễ 4 ngày làm việc; không có Phiếu xin lỗi (mẫu 04) lập trước thời điểm đó".

One pure function per rule an audit can report (``inspections.audit_error.reported_rules``: the rules and
findings of every rulebook version in ``RULEBOOKS``, and ``AUDIT_ERROR``; tests/project/test_rule_tables.py
names one missing) and one for the records of kind ``not_checkable``: the rules about time in
:mod:`reporting.evidence_deadlines`, the others in :mod:`reporting.evidence_documents`. This module pairs
each rule with its function in :data:`RULES`, with the facts it reads; any other fact is added in words
(:func:`reporting.evidence_words.fallback`), so a fact a later rulebook adds is shown, never as a raw key. A
record whose facts have an unexpected shape (a number where a list belongs…) still gets a sentence: the
facts in words (:func:`sentence`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reporting.evidence_deadlines import (
    apology_too_late,
    due_date_changed,
    due_date_overstated,
    late_no_apology,
    missed_new_due_date,
    no_appointment,
    old_due_date_mismatch,
    rescheduled_more_than_once,
)
from reporting.evidence_documents import (
    apology_incomplete,
    audit_error,
    event_after_end,
    event_after_return,
    excess_documents,
    not_checkable,
    refusal_no_reason,
    refusal_unwritten,
    repeated_supplement,
    supplement_unwritten,
    unknown_procedure,
    unpublished_procedure,
)
from reporting.evidence_words import Ev, WorkingDays, fallback
from reporting.i18n import check_lang

Phrase = Callable[[Ev], str]

_LATENESS_KEYS = frozenset(
    {"received_at", "due_at", "due_date", "basis", "end_at", "end_type", "effective_end", "supplement_hours",
     "supplement_requests", "legal_due_at", "restart_at", "financial_hours", "supplement_clock", "waiting"}
)  # fmt: skip

NOT_CHECKABLE_KEYS = frozenset({"unknown", "event_type", "source_system", "source_record"})


def _keys(*names: str) -> frozenset[str]:
    return frozenset(names) | {"supplement_clock"}


_CHANGE_KEYS = _keys("old_due_at", "new_due_at", "reason", "due_at_in_force")

#: Rule id → (its sentence, the facts it reads or deliberately leaves to the annex, e.g. event ids).
RULES: dict[str, tuple[Phrase, frozenset[str]]] = {
    "LATE_NO_APOLOGY": (late_no_apology, _LATENESS_KEYS),
    "APOLOGY_TOO_LATE": (
        apology_too_late,
        _LATENESS_KEYS | {"apology_at", "apology_deadline", "lead_working_days"},
    ),
    "APOLOGY_INCOMPLETE": (apology_incomplete, _keys("missing", "notice_id")),
    "MISSED_NEW_DUE_DATE": (missed_new_due_date, _LATENESS_KEYS | {"new_due_at", "apology_event_id"}),
    "RESCHEDULED_MORE_THAN_ONCE": (
        rescheduled_more_than_once,
        _keys("apologies", "apology_event_ids", "new_due_dates"),
    ),
    "REFUSAL_UNWRITTEN": (refusal_unwritten, _keys("type", "reason")),
    "REFUSAL_NO_REASON": (refusal_no_reason, _keys("type", "notice_id")),
    "SUPPLEMENT_UNWRITTEN": (supplement_unwritten, _keys("reason", "requested_documents")),
    "REPEATED_SUPPLEMENT": (repeated_supplement, _keys("requests", "request_event_ids", "notice_ids")),
    "EXCESS_DOCUMENTS": (excess_documents, _keys("excess", "event_type", "allowed")),
    "UNPUBLISHED_PROCEDURE": (unpublished_procedure, _keys("procedure_code", "unit_code", "on")),
    "NO_APPOINTMENT": (no_appointment, _keys("max_time")),
    "DUE_DATE_OVERSTATED": (
        due_date_overstated,
        _keys("due_at", "legal_due_date", "max_time", "legal_due_at"),
    ),
    "DUE_DATE_CHANGED": (due_date_changed, _CHANGE_KEYS),
    "UNKNOWN_PROCEDURE": (unknown_procedure, _keys("procedure_code")),
    "EVENT_AFTER_RETURN": (event_after_return, _keys("event_type", "returned_at")),
    "OLD_DUE_DATE_MISMATCH": (old_due_date_mismatch, _CHANGE_KEYS),
    "EVENT_AFTER_END": (
        event_after_end,
        _keys("event_type", "first_end_type", "first_end_event_id", "first_end_at"),
    ),
    "AUDIT_ERROR": (audit_error, _keys("error", "message")),
}


def sentence(
    rule_id: str,
    kind: str,
    facts: Mapping[str, Any],
    lang: str = "vi",
    working_days: WorkingDays | None = None,
    year: int | None = None,
    forms: str | None = None,
    components: Mapping[str, str] | None = None,
) -> str:
    """The evidence of one record (``rule_id`` of ``kind``) as one sentence in ``lang``; ``working_days``
    counts the working days between two dates (the lateness is in calendar days without it); ``year``:
    the year dd/mm dates are read in (:func:`reporting.evidence_words.when`); ``forms``: the circular whose
    forms the dossier is handled with (``Ev.forms``); ``components``: its procedure's document names."""
    ev = Ev(facts, check_lang(lang), working_days, year, forms, components)
    nothing = ev.w("(không có chứng cứ ghi kèm)", "(no evidence recorded)")
    generic = fallback(facts, lang, year=year) or nothing
    try:
        if kind == "not_checkable":
            text, known = not_checkable(ev), NOT_CHECKABLE_KEYS
        elif rule_id in RULES:
            phrase, known = RULES[rule_id]
            text = phrase(ev)
        else:
            return generic
    except Exception:  # facts of an unexpected shape: one record, never the whole pack
        return generic
    rest = [k for k in facts if k not in known]
    return text + ("; " + fallback(facts, lang, rest, year) if rest else "")
