"""The rules of rulebooks v1 and v2 (RULES.md), one small check each, with their metadata.

v2 keeps every rule of v1 (``RULES_V2`` is ``RULES_V1``: ids, titles, severities): its amendments change
what the facts are and how some checks read them, which the checks take from the facts' ``semantics``. It
adds two findings.
"""

from __future__ import annotations

from inspections.rules import apology, due_date, findings, lateness, legal, reception, refusal, supplement
from inspections.rules.base import Hit, Rule, RuleInput
from inspections.semantics import RuleParams
from inspections.violations import Severity

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW
APOLOGIES, CHANGES = "apologies", "due_date_changes"  # what several checks read (``Rule.reads``)

RULES_V1: tuple[Rule, ...] = (
    Rule("LATE_NO_APOLOGY", "Trễ hạn không có phiếu xin lỗi", "Late without apology",
         H, "C", legal.APOLOGY, lateness.late_no_apology, triggered_by_time=True),
    Rule("APOLOGY_TOO_LATE", "Xin lỗi muộn", "Apology too late",
         M, "U", legal.APOLOGY_LEAD, lateness.apology_too_late, reads=APOLOGIES, triggered_by_time=True),
    Rule("APOLOGY_INCOMPLETE", "Phiếu xin lỗi không đầy đủ", "Incomplete apology",
         M, "C", legal.APOLOGY, apology.apology_incomplete, reads=APOLOGIES),
    Rule("MISSED_NEW_DUE_DATE", "Trễ cả ngày hẹn lại", "Late again after rescheduling",
         H, "C", legal.MISSED_PROMISE, lateness.missed_new_due_date, reads=APOLOGIES,
         triggered_by_time=True),
    Rule("RESCHEDULED_MORE_THAN_ONCE", "Hẹn lại nhiều lần", "Rescheduled more than once",
         M, "U", legal.RESCHEDULE, apology.rescheduled_more_than_once, reads=APOLOGIES),
    Rule("REFUSAL_UNWRITTEN", "Từ chối không bằng văn bản", "Refusal not in writing",
         H, "S", legal.REFUSAL, refusal.refusal_unwritten, reads="refusals", case_bases=legal.REFUSAL_CASES),
    Rule("REFUSAL_NO_REASON", "Từ chối không nêu rõ lý do", "Refusal without reason",
         H, "S", legal.REFUSAL, refusal.refusal_no_reason, reads="refusals", case_bases=legal.REFUSAL_CASES),
    Rule("SUPPLEMENT_UNWRITTEN", "Yêu cầu bổ sung không bằng văn bản", "Supplement request not in writing",
         M, "C", legal.SUPPLEMENT, supplement.supplement_unwritten, reads="all_supplement_requests"),
    Rule("REPEATED_SUPPLEMENT", "Yêu cầu bổ sung quá một lần", "Supplement requested more than once",
         H, "C", legal.SUPPLEMENT, supplement.repeated_supplement, reads="supplement_requests"),
    Rule("EXCESS_DOCUMENTS", "Nhận dư / yêu cầu ngoài thành phần hồ sơ", "Excess documents",
         M, "U", legal.EXCESS, reception.excess_documents, needs_catalogue=True,
         case_bases=legal.EXCESS_CASES),
    Rule("UNPUBLISHED_PROCEDURE", "TTHC chưa được công khai", "Procedure not published",
         M, "S", legal.PUBLISHED, reception.unpublished_procedure, needs_catalogue=True),
    Rule("NO_APPOINTMENT", "Tiếp nhận không hẹn trả", "Received without appointment date",
         M, "C", legal.RECEIPT, reception.no_appointment, needs_catalogue=True),
    Rule("DUE_DATE_OVERSTATED", "Hẹn trả vượt thời hạn quy định", "Appointment beyond the legal time",
         H, "S", legal.LEGAL_TIME, reception.due_date_overstated, needs_catalogue=True),
    Rule("DUE_DATE_CHANGED", "Sửa ngày hẹn trả không có xin lỗi", "Due date moved without apology",
         H, "S", legal.DUE_DATE, due_date.due_date_changed, reads=CHANGES),
)  # fmt: skip

FINDINGS: tuple[Rule, ...] = (
    Rule("UNKNOWN_PROCEDURE", "Mã TTHC không có trong danh mục", "Procedure unknown to the catalogue",
         L, "C", legal.DATA_QUALITY, findings.unknown_procedure, kind="finding"),
    Rule("EVENT_AFTER_RETURN", "Sự kiện sau khi đã trả kết quả", "Event after the result was returned",
         L, "C", legal.DATA_QUALITY, findings.event_after_return, kind="finding", reads="after_return"),
)  # fmt: skip

#: v2's rules are v1's: the amended semantics come with the facts (``DossierFacts.semantics``).
RULES_V2: tuple[Rule, ...] = RULES_V1

FINDINGS_V2: tuple[Rule, ...] = (
    *FINDINGS,
    Rule("OLD_DUE_DATE_MISMATCH", "Ngày hẹn cũ không khớp ngày hẹn đang có hiệu lực",
         "Old due date differs from the due date in force",
         M, "S", legal.DUE_DATE_RECORD, due_date.old_due_date_mismatch, kind="finding", reads=CHANGES),
    Rule("EVENT_AFTER_END", "Sự kiện kết thúc khác sau khi hồ sơ đã kết thúc",
         "Another end event after the dossier ended",
         L, "C", legal.DATA_QUALITY, findings.event_after_end, kind="finding", reads="conflicting_ends"),
)  # fmt: skip

__all__ = [
    "FINDINGS", "FINDINGS_V2", "RULES_V1", "RULES_V2",
    "Hit", "Rule", "RuleInput", "RuleParams",
]  # fmt: skip
