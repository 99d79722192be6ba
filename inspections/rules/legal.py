"""Legal bases, by the date they came into force (DOMAIN.md §4). Confidence marks as in DOMAIN.md."""

from __future__ import annotations

from datetime import date

DECREE_61 = date(2018, 6, 21)  # Nghị định 61/2018/NĐ-CP, in force 21/6/2018
DECREE_118 = date(2025, 7, 1)  # Nghị định 118/2025/NĐ-CP replaces it from 1/7/2025

_D61 = "Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP)"
_D118 = "Nghị định 118/2025/NĐ-CP"
_TT01 = "Thông tư 01/2018/TT-VPCP"


def basis(before_2025: str, from_2025: str | None = None) -> tuple[tuple[date, str], ...]:
    """Legal basis text under Decree 61 and, from 1/7/2025, under Decree 118."""
    return (
        (DECREE_61, f"{_D61}; {before_2025}"),
        (DECREE_118, f"{_D118}; {from_2025 or before_2025}"),
    )


APOLOGY = basis(f"phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04, {_TT01})")
APOLOGY_LEAD = basis(f"xin lỗi chậm nhất 01 ngày làm việc trước ngày hẹn trả (mẫu 04, {_TT01}) [U]")
RESCHEDULE = basis("hẹn lại ngày trả kết quả không quá một lần [U]")
REFUSAL = basis(f"từ chối tiếp nhận / giải quyết phải trả lời bằng văn bản, nêu rõ lý do (mẫu 03, {_TT01})")
SUPPLEMENT = basis(f"hướng dẫn bổ sung, hoàn thiện hồ sơ một lần, đầy đủ, bằng văn bản (mẫu 02, {_TT01})")
EXCESS = basis("không yêu cầu thành phần hồ sơ ngoài quy định đã công bố [U]")
PUBLISHED = basis("chỉ tiếp nhận hồ sơ thủ tục hành chính đã được công bố, công khai [S]")
RECEIPT = basis(f"giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01, {_TT01}); quy định cấp tỉnh [C]")
LEGAL_TIME = basis("thời hạn giải quyết theo quyết định công bố thủ tục hành chính [S]")
DUE_DATE = basis("mọi điều chỉnh ngày hẹn trả phải kèm phiếu xin lỗi và hẹn lại ngày trả kết quả [S]")
DATA_QUALITY = basis("kiểm tra chất lượng dữ liệu (không phải vi phạm)")
