"""Each rule in plain words for the inspector: what the law asks, and what to verify on site.

The rulebook's ``legal_basis`` cites the instruments (and marks what is not confirmed yet with ``[U]``);
this is the working explanation beside it, in Vietnamese (English when the console is switched).
"""

from __future__ import annotations

from reporting.evidence_words import days_en

#: rule id → (plain meaning vi, what to verify vi, plain meaning en, what to verify en)
_GUIDE: dict[str, tuple[str, str, str, str]] = {
    "LATE_NO_APOLOGY": (
        "Hồ sơ trễ hạn thì cơ quan phải có văn bản xin lỗi và hẹn lại ngày trả kết quả trước khi hết hạn.",
        "Kiểm tra sổ theo dõi và bản lưu văn bản xin lỗi; hỏi Bộ phận Một cửa vì sao không phát hành.",
        "A late dossier requires a written apology with a new date, issued before the deadline.",
        "Check the register and the filed apologies; ask the desk why none was issued.",
    ),
    # The rule's lead (RULES.md: ``apology_lead_working_days``): "before the due date" made an inspector
    # dismiss an apology sent two minutes before it, which the rule finds late (review of 2026-12-04).
    "APOLOGY_TOO_LATE": (
        "Văn bản xin lỗi phải được gửi chậm nhất {lead} ngày làm việc trước ngày hẹn trả, không phải sát "
        "hạn hay sau khi đã trễ (khoản 9 Điều 19 Nghị định 61/2018 ghi “chậm nhất 01 ngày trước ngày hết "
        "hạn”; tính theo ngày làm việc là cách đọc của bộ quy tắc, chưa xác nhận).",
        "Đối chiếu ngày ký văn bản xin lỗi với ngày hẹn trả trên giấy tiếp nhận: phải sớm hơn ít nhất {lead} "
        "ngày làm việc.",
        "The apology must be sent at least {lead_en} before the due date, not at the last minute "
        "or after it has passed (Decree 61/2018 Art. 19(9) says “at least one day before the deadline”; "
        "reading it as working days is the rulebook's, not confirmed).",
        "Compare the apology's signing date with the due date on the receipt: at least {lead_en} earlier.",
    ),
    "APOLOGY_INCOMPLETE": (
        "Văn bản xin lỗi phải nêu lý do trễ và ngày hẹn trả mới.",
        "Xem bản lưu văn bản xin lỗi: có lý do và ngày hẹn mới không.",
        "The apology must state the reason for the delay and a new due date.",
        "Read the filed apology: does it give a reason and a new date?",
    ),
    "MISSED_NEW_DUE_DATE": (
        "Sau khi xin lỗi và hẹn lại, cơ quan vẫn trễ cả ngày hẹn mới.",
        "Kiểm tra ngày trả kết quả thực tế so với ngày hẹn lại.",
        "After apologising with a new date, the office missed that date too.",
        "Check the actual return date against the new date.",
    ),
    "RESCHEDULED_MORE_THAN_ONCE": (
        "Ngày hẹn trả chỉ được hẹn lại một lần (Nghị định 61/2018; với Nghị định 118/2025 chưa xác nhận).",
        "Đếm các văn bản xin lỗi và hẹn lại ngày trả kết quả trong hồ sơ giấy và trên hệ thống.",
        "A due date may be rescheduled only once (Decree 61/2018; under Decree 118/2025 unconfirmed).",
        "Count the rescheduling notices in the paper file and the system.",
    ),
    "REFUSAL_UNWRITTEN": (
        "Từ chối tiếp nhận hoặc giải quyết phải bằng văn bản gửi người nộp.",
        "Tìm bản lưu văn bản từ chối (hoặc thông báo dừng giải quyết) và số, ngày của văn bản.",
        "A refusal must be written and sent to the applicant.",
        "Find the filed refusal (or stop notice) and its number and date.",
    ),
    "REFUSAL_NO_REASON": (
        "Văn bản từ chối phải nêu rõ lý do.",
        "Đọc văn bản từ chối: lý do có cụ thể, có căn cứ không.",
        "A refusal must state its reason.",
        "Read the refusal: is the reason specific and grounded?",
    ),
    "SUPPLEMENT_UNWRITTEN": (
        "Yêu cầu bổ sung hồ sơ phải bằng văn bản (phiếu yêu cầu bổ sung), nêu đủ các thành phần cần bổ sung.",
        "Tìm phiếu yêu cầu bổ sung; đối chiếu thành phần yêu cầu với danh mục công bố.",
        "A supplement request must be a written notice listing what is needed.",
        "Find the supplement notice; compare what it asks with the published list.",
    ),
    "REPEATED_SUPPLEMENT": (
        "Chỉ được yêu cầu bổ sung một lần, nêu đủ mọi thành phần còn thiếu.",
        "Xem các lần yêu cầu bổ sung: lần sau có yêu cầu điều lẽ ra phải nêu từ lần đầu không.",
        "Supplements may be requested once, listing everything missing.",
        "Look at each request: did a later one ask for something the first should have?",
    ),
    "EXCESS_DOCUMENTS": (
        "Không được yêu cầu giấy tờ ngoài thành phần hồ sơ đã công bố.",
        "Đối chiếu giấy tờ đã nhận với thành phần hồ sơ công bố của thủ tục.",
        "No document beyond the published list may be required.",
        "Compare the documents taken with the procedure's published components.",
    ),
    "UNPUBLISHED_PROCEDURE": (
        "Chỉ được tiếp nhận theo thủ tục đã công bố cho đơn vị vào ngày tiếp nhận.",
        "Kiểm tra quyết định công bố thủ tục và thời điểm có hiệu lực.",
        "Dossiers may be received only under procedures published for the unit on that day.",
        "Check the publication decision and its effective date.",
    ),
    "NO_APPOINTMENT": (
        "Tiếp nhận hồ sơ phải cấp giấy tiếp nhận có ngày hẹn trả.",
        "Tìm giấy tiếp nhận và hẹn trả kết quả trong hồ sơ.",
        "A receipt with a due date must be issued on reception.",
        "Find the receipt with its due date in the file.",
    ),
    "DUE_DATE_OVERSTATED": (
        "Ngày hẹn trả không được dài hơn thời hạn giải quyết quy định.",
        "So sánh ngày hẹn trả với thời hạn công bố của thủ tục (theo ngày làm việc).",
        "The due date may not exceed the legal processing time.",
        "Compare the due date with the procedure's published time limit (working days).",
    ),
    "DUE_DATE_CHANGED": (
        "Ngày hẹn trả chỉ được đổi khi có văn bản xin lỗi và hẹn lại.",
        "Kiểm tra nhật ký sửa đổi trên hệ thống và văn bản xin lỗi tương ứng.",
        "A due date may be changed only with an apology and new date.",
        "Check the system's change log and the matching apology.",
    ),
    "OLD_DUE_DATE_MISMATCH": (
        "Ngày hẹn cũ khi sửa phải khớp ngày hẹn đang có hiệu lực: dữ liệu không được làm sai lệch.",
        "Đối chiếu lịch sử ngày hẹn trên hệ thống với giấy tờ.",
        "The old date in a correction must match the date in force: data must not be falsified.",
        "Compare the system's due-date history with the papers.",
    ),
}
#: EXCESS_DOCUMENTS by case (its evidence's ``event_type``, as its legal basis: ``legal.EXCESS_CASES``):
#: receiving papers outside the list, no text found forbids (LEGAL.md §1), where the rule's words said "không
#: được yêu cầu" beside the evidence of a receipt (review).
_EXCESS_RECEIVED = (
    "Giấy tờ ngoài thành phần hồ sơ đã công bố đã được nhận vào hồ sơ. Không có điều khoản cấm trực tiếp "
    "việc nhận (chỉ cấm tự ý yêu cầu); coi là vi phạm theo thực tiễn thanh tra.",
    "Đối chiếu giấy tờ đã nhận với thành phần hồ sơ công bố; hỏi đơn vị giấy tờ đó do người nộp tự đưa hay "
    "được yêu cầu nộp.",
    "Documents outside the published list were taken into the dossier. No text found forbids receiving them "
    "(only asking for them); inspection practice counts it.",
    "Compare the documents taken with the published list; ask whether the applicant offered them or was "
    "asked for them.",
)
_EXCESS_BY_CASE = {"received": _EXCESS_RECEIVED, "supplement_completed": _EXCESS_RECEIVED}
#: A finding (a data-quality anomaly) without words of its own.
_DATA_QUALITY = (
    "Đây là kiểm tra chất lượng dữ liệu, không phải vi phạm pháp luật.",
    "Kiểm tra việc nhập liệu trên hệ thống của đơn vị.",
    "A data-quality check, not a breach of the law.",
    "Check how the unit records data in its system.",
)
#: A rule of the rulebook without words here yet (every rule has them: tests/project/test_rule_tables.py):
#: never called a data-quality check, which told an inspector a breach of the law was not one.
_SEE_BASIS = (
    "Quy tắc của bộ quy tắc kiểm tra; nội dung pháp lý xem ở căn cứ pháp lý bên dưới.",
    "Đối chiếu hồ sơ giấy và sổ theo dõi với diễn biến trên hệ thống.",
    "A rule of the rulebook; what the law asks is in its legal basis below.",
    "Compare the paper file and the register with the system's timeline.",
)


def guide(
    rule_id: str, lang: str, *, kind: str = "violation", lead_days: int = 1, case: str | None = None
) -> tuple[str, str]:
    """(what the law asks, what to verify on site) for ``rule_id`` in ``lang``; ``kind``: the record's
    (``violation``, ``finding`` or ``not_checkable``), which decides the words of a rule without its own;
    ``lead_days``: the rulebook's ``apology_lead_working_days``, which the words of ``APOLOGY_TOO_LATE``
    give; ``case``: the verdict's evidence ``event_type``, which decides EXCESS_DOCUMENTS' words. No form
    number: the forms asked for are the dossier's circular's (``reporting.onsite.items``, beside these)."""
    fallback = _DATA_QUALITY if kind == "finding" else _SEE_BASIS
    words = _EXCESS_BY_CASE.get(case or "") if rule_id == "EXCESS_DOCUMENTS" else None
    vi_plain, vi_verify, en_plain, en_verify = words or _GUIDE.get(rule_id, fallback)
    plain, verify = (en_plain, en_verify) if lang == "en" else (vi_plain, vi_verify)
    lead = {"{lead}": str(lead_days), "{lead_en}": days_en(lead_days)}
    for name, value in lead.items():
        plain, verify = plain.replace(name, value), verify.replace(name, value)
    return plain, verify
