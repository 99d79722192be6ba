"""The weekly report's judgements as an official document: the "Nhận định chính" sentences (page 1's box,
with its last line, what the report proposes) and the "Kiến nghị" recommendations (section III).

Apart from ``reporting.phrases`` (the document frame, the body, the provisional marks, the charts and the
tables), which ``reporting.i18n`` merges with these into ``Texts``; every key has a Vietnamese and an English
text.
"""

from __future__ import annotations

from typing import Final

FINDING_PHRASES: Final[dict[str, dict[str, str]]] = {
    # -- Nhận định chính ---------------------------------------------------------------------------------
    "f_worst": {
        "vi": "Đơn vị có tỷ lệ giải quyết đúng hạn thấp nhất là {unit} ({rate}{mark}, {change} so với tuần "
        "trước).",
        "en": "The unit with the lowest on-time rate is {unit} ({rate}{mark}, {change} on the previous "
        "week).",
    },
    "f_worst_new": {
        "vi": "Đơn vị có tỷ lệ giải quyết đúng hạn thấp nhất là {unit} ({rate}{mark}; tuần trước chưa có số "
        "liệu).",
        "en": "The unit with the lowest on-time rate is {unit} ({rate}{mark}; no figure the previous week).",
    },
    "f_worst_tied": {
        "vi": "Các đơn vị có tỷ lệ giải quyết đúng hạn thấp nhất là {units}, cùng {rate}{mark}.",
        "en": "The units with the lowest on-time rate are {units}, each {rate}{mark}.",
    },
    "f_of_few_dossiers": {"vi": ", tính trên {n} hồ sơ", "en": ", of {n} dossiers"},
    "f_few_dossiers": {"vi": "{n} hồ sơ", "en": "{n} dossiers"},
    "f_top_rule": {
        "vi": "Vi phạm nhiều nhất là “{rule}” với {count} trường hợp ({avg}){mark}.",
        "en": "The most frequent violation is “{rule}”, {count} cases ({avg}){mark}.",
    },
    "f_top_rules_tied": {
        "vi": "Vi phạm nhiều nhất là {rules}, cùng {count} trường hợp{mark}.",
        "en": "The most frequent violations are {rules}, {count} cases each{mark}.",
    },
    "f_top_rule_uncompared": {
        "vi": "Vi phạm nhiều nhất là “{rule}” với {count} trường hợp{mark}.",
        "en": "The most frequent violation is “{rule}”, {count} cases{mark}.",
    },
    "avg_n": {"vi": "bình quân {n} tuần trước: {avg}", "en": "average of the {n} weeks before: {avg}"},
    "f_no_violations": {
        "vi": "Không phát hiện vi phạm trong tuần.",
        "en": "No violations were found this week.",
    },
    "f_rate_trend": {
        "vi": "Tỷ lệ đúng hạn toàn tỉnh đạt {rate}{mark}, {change} so với bình quân {n} tuần trước ({avg}).",
        "en": "The province's on-time rate is {rate}{mark}, {change} on "
        "the average of the {n} weeks before ({avg}).",
    },
    "f_violation_trend": {
        "vi": "Số vi phạm {scope} là {count}, {change} bình quân {n} tuần trước ({avg}).",
        "en": "Violations {scope}: {count}, {change} the average of the {n} weeks before ({avg}).",
    },
    "f_violation_no_history": {
        "vi": "Số vi phạm {scope} là {count}; chưa có số liệu các tuần trước để so sánh.",
        "en": "Violations {scope}: {count}; no data for earlier weeks to compare with.",
    },
    "scope_all": {"vi": "trong tuần", "en": "this week"},
    "scope_instant": {
        "vi": "xác định ngay khi xảy ra (số liệu tạm tính)",
        "en": "fixed when they occur (provisional week)",
    },
    "f_attention_units": {
        "vi": "Cần chú ý: {units} có tỷ lệ đúng hạn dưới mức toàn tỉnh{overdue}.",
        "en": "Needs attention: {units} below the province's on-time rate{overdue}.",
    },
    "f_attention_overdue": {
        "vi": "Cần chú ý: {n} hồ sơ đang giải quyết đã quá hạn.",
        "en": "Needs attention: {n} dossiers in progress are overdue.",
    },
    "f_attention_none": {
        "vi": "Không có đơn vị nào có tỷ lệ đúng hạn dưới mức toàn tỉnh và không có hồ sơ đang quá hạn.",
        "en": "No unit is below the province's on-time rate and no dossier in progress is overdue.",
    },
    # The box's last line: what the report proposes, from its recommendations (section III), so that page 1
    # says what to act on (review of 2026-12-06: the chairman found the decisions on page 4 only).
    "f_propose": {"vi": "Đề nghị: {what} (mục III).", "en": "Proposed: {what} (section III)."},
    "f_propose_inspect": {"vi": "kiểm tra trực tiếp tại {units}", "en": "on-site inspection of {units}"},
    # An apology for each overdue dossier that has none, not for all of them: a dossier already apologised
    # for and given a new date was asked for a second (a second reschedule, "không quá một lần" under
    # Decree 61 Art. 19(9); review of the signed documents, 2026-12-07).
    "f_propose_overdue": {
        "vi": "các đơn vị giải quyết dứt điểm {n} hồ sơ đang quá hạn, gửi văn bản xin lỗi tổ chức, cá nhân "
        "đối với hồ sơ chưa có văn bản xin lỗi",
        "en": "the units to settle the {n} overdue dossiers in progress, sending the applicant an apology "
        "where none was sent",
    },
    "f_overdue_tail": {
        "vi": "; {n} hồ sơ đang giải quyết đã quá hạn",
        "en": "; {n} dossiers in progress are overdue",
    },
    "unit_ended": {
        "vi": "{name} (đã chấm dứt hoạt động từ ngày {day}{note})",
        "en": "{name} (no longer in force from {day}{note})",
    },
    # -- Kiến nghị ---------------------------------------------------------------------------------------
    "r_inspect": {
        "vi": "Kiểm tra trực tiếp tại: {units} — các đơn vị có tỷ lệ đúng hạn thấp nhất hoặc vi phạm tăng so "
        "với bình quân; sử dụng hồ sơ kiểm tra theo đơn vị kèm theo báo cáo này.",
        "en": "Inspect on site: {units} — the lowest on-time rates, or more violations than usual; use the "
        "per-unit audit packs that come with this report.",
    },
    "r_why": {
        "vi": "đúng hạn {rate}, {count} vi phạm, bình quân {n} tuần trước {avg}",
        "en": "on time {rate}, {count} violations, average of the {n} weeks before {avg}",
    },
    "r_why_provisional": {
        "vi": "đúng hạn {rate}, {count} vi phạm xác định ngay khi xảy ra, bình quân {n} tuần trước {avg}",
        "en": "on time {rate}, {count} violations fixed when they occur, average of the {n} weeks before "
        "{avg}",
    },
    "r_why_marked": {"vi": "{why}; số liệu tạm tính", "en": "{why}; provisional figures"},
    # A unit to inspect that a reform abolishes after the report's date (``findings.ending_on``).
    "r_unit_ending": {
        "vi": "; chấm dứt hoạt động từ ngày {day}, sau ngày đó kiểm tra tại {successor}",
        "en": "; no longer in force from {day}, after which inspect at {successor}",
    },
    "r_unit_ending_alone": {
        "vi": "; chấm dứt hoạt động từ ngày {day}, cần kiểm tra trước ngày đó",
        "en": "; no longer in force from {day}, so inspect before that day",
    },
    "r_why_no_history": {
        "vi": "đúng hạn {rate}, {count} vi phạm",
        "en": "on time {rate}, {count} violations",
    },
    "r_remind": {
        "vi": "Chấn chỉnh, nhắc nhở các đơn vị thực hiện đúng quy định về: {rules}.",
        "en": "Remind the units of the rules on: {rules}.",
    },
    "r_overdue": {
        "vi": "Yêu cầu các đơn vị có hồ sơ đang quá hạn ({n} hồ sơ) giải quyết dứt điểm: hồ sơ chưa có "
        "văn bản xin lỗi thì gửi văn bản xin lỗi cho người nộp hồ sơ (mẫu 04: Phiếu xin lỗi và hẹn lại ngày "
        "trả kết quả; với hồ sơ tiếp nhận từ 15/9/2025 — ngày ban hành Thông tư 03/2025/TT-VPCP, ngày hiệu "
        "lực chưa xác nhận — Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết theo Thông tư này); hồ "
        "sơ đã có văn bản xin lỗi và hẹn lại ngày trả kết quả thì trả kết quả đúng ngày đã hẹn lại; trường "
        "hợp đã quá ngày hẹn lại thì khẩn trương giải quyết, trả kết quả.",
        "en": "Have the units with overdue dossiers ({n}) finish them: send the applicant a written apology "
        "with a new date (form 04) where none was sent; where one was, return the result by the date it "
        "promised; where that date has passed, settle it and return the result without delay.",
    },
    # A report issued before Circular 03/2025 (15/9/2025) names its forms alone: it cited a text not issued.
    "r_overdue_01/2018": {
        "vi": "Yêu cầu các đơn vị có hồ sơ đang quá hạn ({n} hồ sơ) giải quyết dứt điểm: hồ sơ chưa có "
        "văn bản xin lỗi thì gửi văn bản xin lỗi cho người nộp hồ sơ (mẫu 04: Phiếu xin lỗi và hẹn lại ngày "
        "trả kết quả, Thông tư 01/2018/TT-VPCP); hồ sơ đã có văn bản xin lỗi và hẹn lại ngày trả kết quả "
        "thì trả kết quả đúng ngày đã hẹn lại; trường hợp đã quá ngày hẹn lại thì khẩn trương giải quyết, "
        "trả kết quả.",
        "en": "Have the units with overdue dossiers ({n}) finish them: send the applicant a written apology "
        "with a new date (form 04) where none was sent; where one was, return the result by the date it "
        "promised; where that date has passed, settle it and return the result without delay.",
    },
    "r_provisional": {
        "vi": "Lập lại báo cáo sau ngày {final_day} để có số liệu "
        "chính thức về vi phạm thời hạn của tuần này.",
        "en": "Rebuild this report after {final_day} for final figures on this week's time-limit violations.",
    },
    "r_quality": {
        "vi": "Rà soát, khắc phục dữ liệu nguồn không đạt kiểm tra chất lượng bắt buộc trước khi sử dụng số "
        "liệu của báo cáo này.",
        "en": "Review and fix the source data that failed "
        "blocking quality checks before using these figures.",
    },
    "r_no_data": {
        "vi": "Kiểm tra việc đồng bộ dữ liệu của các nguồn, nạp dữ liệu của tuần và lập lại báo cáo này.",
        "en": "Check the feeds' data synchronisation, load the week's data and make this report again.",
    },
    "r_keep": {
        "vi": "Duy trì việc theo dõi hằng tuần; chưa phát sinh nội dung cần xử lý.",
        "en": "Keep the weekly monitoring; nothing needs action.",
    },
}
