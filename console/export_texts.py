"""The words of the console's list export (``console.exports``): its cut note and its filters sheet, in both
languages, part of the console's words (``console.texts``)."""

from __future__ import annotations

EXPORT_UI: dict[str, tuple[str, str]] = {
    # Under the rows of a list export cut at its row limit (``console.exports``): it stopped without a word.
    "export_cut": (
        "Chỉ xuất {n} dòng đầu trên tổng số {total} dòng khớp bộ lọc: hãy thu hẹp bộ lọc (tuần, đơn vị, quy "
        "tắc) để xuất phần còn lại.",
        "Only the first {n} of the {total} matching rows are exported: narrow the filters (week, unit, rule) "
        "to export the rest.",
    ),
    # The list export's second sheet: which filters made it, when and by whom (``console.exports``).
    "export_filters": ("Bộ lọc", "Filters"),
    "export_no_filter": (
        "không lọc: mọi vi phạm trong phạm vi của tài khoản",
        "none: every violation in scope",
    ),
    "export_unit_only": (
        "chỉ đơn vị này (và các đơn vị sáp nhập vào)",
        "this unit only (and units merged into it)",
    ),
    "exported_at": ("Xuất lúc", "Exported at"),
    "exported_by": ("Người xuất", "Exported by"),
    "export_rows": ("Số dòng", "Rows"),
}
