"""The console's words for what the system does to a case (its notes, in the reader's language) and for a
conclusion to look at again (``inspections.cases``), part of the console's words (``console.texts``)."""

from __future__ import annotations

from inspections.cases import (
    FOUND_AGAIN_AFTER_CONCLUSION_NOTE,
    REOPENED_NOTE,
    RETRACTED_AFTER_CONCLUSION_NOTE,
    RETRACTED_NOTE,
)

CASE_UI: dict[str, tuple[str, str]] = {
    # A concluded case's system events change no state ("Tự động đóng" or "mở lại" would say they did).
    "system_marked": ("Hệ thống ghi nhận", "Noted by the system"),
    "system_retracted": (RETRACTED_NOTE, "The detector retracted this violation (newer data shows none)."),
    "system_reopened": (REOPENED_NOTE, "The detector found this violation again: the case is reopened."),
    "system_found_again_after_conclusion": (
        FOUND_AGAIN_AFTER_CONCLUSION_NOTE,
        "The detector found this violation again: the team's conclusion need not be looked at again.",
    ),
    "system_retracted_after_conclusion": (
        RETRACTED_AFTER_CONCLUSION_NOTE,
        "The detector retracted this violation after the team concluded (newer data shows none): look at the "
        "conclusion again.",
    ),
    "to_review_short": ("vi phạm đã rút lại: cần xem lại", "violation retracted: look again"),
    "to_review_row": ("— trong đó vi phạm đã rút lại, cần xem lại", "— of which retracted since: look again"),
    "to_review": (
        "Cần xem lại kết luận: dữ liệu về sau cho thấy không còn vi phạm này (bộ phát hiện đã rút lại sau "
        "khi đoàn kết luận). Kết luận vẫn giữ nguyên trên hệ thống; nếu cần, đoàn ban hành văn bản đính "
        "chính.",
        "Look at this conclusion again: newer data no longer shows the violation (the detector retracted it "
        "after the team concluded). The conclusion stands in the system; issue a correcting document if "
        "needed.",
    ),
}
