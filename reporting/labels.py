"""The labels of the platform's codes in Vietnamese and English: severities, dossier standings, channels
and event types (``reporting.i18n.Texts`` words them; apart from it, which had grown past 400 lines)."""

from __future__ import annotations

from typing import Final

__all__ = ["CHANNEL", "EVENT_TYPES", "SEVERITY", "STATUS"]

SEVERITY: Final = {
    "high": {"vi": "Cao", "en": "High"},
    "medium": {"vi": "Trung bình", "en": "Medium"},
    "low": {"vi": "Thấp", "en": "Low"},
}

STATUS: Final = {
    "early": {"vi": "Trước hạn", "en": "Early"},
    "on_time": {"vi": "Đúng hạn", "en": "On time"},
    "late": {"vi": "Quá hạn", "en": "Late"},
    "none": {"vi": "—", "en": "—"},
}

CHANNEL: Final = {
    "online": {"vi": "Trực tuyến", "en": "Online"},
    "direct": {"vi": "Trực tiếp", "en": "Direct"},
    "postal": {"vi": "Bưu chính", "en": "Postal"},
}

EVENT_TYPES: Final = {
    "submitted": {"vi": "Nộp hồ sơ", "en": "Submitted"},
    "received": {"vi": "Tiếp nhận", "en": "Received"},
    "transferred": {"vi": "Chuyển xử lý", "en": "Transferred"},
    "supplement_requested": {"vi": "Yêu cầu bổ sung", "en": "Supplement requested"},
    "supplement_completed": {"vi": "Đã bổ sung", "en": "Supplement completed"},
    "financial_obligation_requested": {"vi": "Thông báo nghĩa vụ tài chính", "en": "Financial obligation"},
    "financial_obligation_fulfilled": {"vi": "Hoàn thành nghĩa vụ tài chính", "en": "Obligation fulfilled"},
    # Neither circular's name of form 04 (2018 "Phiếu xin lỗi và hẹn lại", 2025 "Văn bản xin lỗi và đề nghị
    # gia hạn"): every timeline row named the 2025 one, a 2018 dossier's too (signers' review).
    "apology_issued": {"vi": "Xin lỗi, hẹn lại", "en": "Apology issued"},
    "due_date_changed": {"vi": "Đổi ngày hẹn trả", "en": "Due date changed"},
    "refused": {"vi": "Từ chối", "en": "Refused"},
    "suspended": {"vi": "Dừng xử lý", "en": "Suspended"},
    "withdrawn": {"vi": "Rút hồ sơ", "en": "Withdrawn"},
    "processed": {"vi": "Có kết quả", "en": "Processed"},
    "returned": {"vi": "Trả kết quả", "en": "Returned"},
}
