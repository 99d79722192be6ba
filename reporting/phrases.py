"""The weekly report's wording as an official document (Decree 30/2020/NĐ-CP): the document frame, the
body, the provisional-week marks, the charts and the annex headings ("Nhận định chính" and "Kiến nghị":
``reporting.phrases_findings``).

Apart from ``reporting.i18n`` (which merges these into ``Texts``) so that neither module outgrows a screen
of reading; every key has a Vietnamese and an English text.
"""

from __future__ import annotations

from typing import Final

PHRASES: Final[dict[str, dict[str, str]]] = {
    # -- the document frame ------------------------------------------------------------------------------
    "default_team_name": {
        "vi": "Tổ Kiểm tra cải cách hành chính",
        "en": "the Administrative Reform Inspection Team",
    },
    "default_addressee": {"vi": "Chủ tịch {province}", "en": "The Chairman of {province}"},
    "doc_type": {"vi": "BÁO CÁO", "en": "REPORT"},
    "addressee_label": {"vi": "Kính gửi:", "en": "To:"},
    "number_label": {"vi": "Số:", "en": "No.:"},
    "copies_label": {"vi": "Nơi nhận:", "en": "Recipients:"},
    "signer_placeholder": {"vi": "(Ký, ghi rõ họ tên)", "en": "(Signature and full name)"},
    "intro": {
        "vi": "Thực hiện nhiệm vụ theo dõi, kiểm tra việc giải quyết thủ "
        "tục hành chính tại Bộ phận Một cửa các "
        "cấp, {team} báo cáo tình hình tuần {number}/{year} như sau:",
        "en": "In its task of monitoring how one-stop departments handle administrative procedures, "
        "{team} reports on week {number}/{year} as follows:",
    },
    # The figures' reach, under the introduction: the report is dated no earlier (``header.letterhead``).
    "data_cutoff": {
        "vi": "Số liệu tính đến {time} ngày {day}.",
        "en": "Figures as of {time} on {day}.",
    },
    "unit_violations_provisional": {
        "vi": "Số liệu tuần này là tạm tính: số vi phạm của mỗi đơn vị gồm cả vi phạm phụ thuộc thời hạn "
        "giải quyết, chưa đủ số liệu, nên chưa so sánh với các tuần trước (—). Số vi phạm xác định ngay khi "
        "xảy ra của đơn vị, so sánh được, được nêu tại mục Kiến nghị đối với đơn vị cần kiểm tra trực tiếp.",
        "en": "Provisional week: each unit's violations include those that depend on time limits, whose data "
        "are not complete, so they are not compared with earlier weeks (—). A unit's comparable part (the "
        "violations fixed when they occur) is given in the recommendations when the unit is to be inspected.",
    },
    "quality_scopes": {
        "vi": "Mỗi kiểm tra đếm trên phạm vi của nó: sự kiện xảy ra trong tuần; với thời điểm sự kiện, mọi "
        "sự kiện của các hồ sơ có sự kiện hoặc đang giải quyết trong tuần, kể cả sự kiện ngoài tuần; hồ sơ "
        "báo cáo tuần tính đến (tồn kỳ trước chuyển sang, tiếp nhận, giải quyết hoặc đang giải quyết trong "
        "tuần); mọi bản ghi vi phạm phát sinh trong tuần, kể cả bản ghi đã rút lại và phát "
        "hiện không kiểm tra được (nên có thể nhiều hơn số vi phạm của báo cáo).",
        "en": "Each check counts its own scope: the events that occurred in the week; for event times, every "
        "event of the dossiers with an event in the week or open during it, also outside the week; the "
        "dossiers the week's form counts (carried over, received, resolved or in progress in it); every "
        "violation row arising in the week, retracted ones and rules "
        "not checkable included (so possibly more than the report's violations).",
    },
    # After the cut-off: the reach of the data is not the instant the week's dossiers are judged at. "Số liệu
    # tính đến 00 giờ 00 ngày 11/09" read as if a dossier processed on 8/9 counted as processed (review of
    # the statistician's seat), while the form takes every dossier as it stood at the week's end.
    "data_cutoff_judged": {
        "vi": "Hồ sơ được tính theo tình trạng lúc hết ngày {last} (ngày cuối của tuần báo cáo): hồ sơ giải "
        "quyết sau thời điểm đó vẫn tính là đang giải quyết trong tuần.",
        "en": "Dossiers are counted as they stood at the end of {last} (the week's last day): one handled "
        "after that counts as in progress in this week.",
    },
    "data_cutoff_ahead": {
        "vi": "Đây là thời điểm mọi nguồn dữ liệu đều đã cập nhật đến; sự kiện mới nhất xảy ra lúc {time} "
        "ngày {day}.",
        "en": "Every data source has reported up to then; the newest event occurred at {time} on {day}.",
    },
    "annex_title": {"vi": "PHỤ LỤC", "en": "ANNEX"},
    "annex_ref": {
        "vi": "(Kèm theo Báo cáo số {number_symbol} ngày {day} của {issuer})",
        "en": "(Attached to report no. {number_symbol} of {day}, {issuer})",
    },
    # -- body sections -----------------------------------------------------------------------------------
    "b_findings": {"vi": "NHẬN ĐỊNH CHÍNH", "en": "KEY FINDINGS"},
    "b_handling": {
        "vi": "I. TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ",
        "en": "I. DOSSIERS RECEIVED AND HANDLED",
    },
    "b_violations": {"vi": "II. VI PHẠM ĐƯỢC PHÁT HIỆN", "en": "II. VIOLATIONS FOUND"},
    "b_recommendations": {"vi": "III. KIẾN NGHỊ", "en": "III. RECOMMENDATIONS"},
    "a_form": {
        "vi": "Phụ lục I. Kết quả giải quyết hồ sơ theo đơn vị",
        "en": "Annex I. Dossier handling by unit",
    },
    "a_ranking": {
        "vi": "Phụ lục II. Xếp hạng đơn vị theo chỉ số 2.1",
        "en": "Annex II. Unit ranking by indicator 2.1",
    },
    "a_trend": {
        "vi": "Phụ lục III. Tỷ lệ giải quyết đúng hạn tuần này và 8 tuần trước",
        "en": "Annex III. On-time rate, this week and the 8 weeks before",
    },
    "a_violations": {
        "vi": "Phụ lục IV. Vi phạm theo quy tắc và theo đơn vị",
        "en": "Annex IV. Violations by rule and by unit",
    },
    "a_fields": {"vi": "Phụ lục V. Kết quả theo lĩnh vực", "en": "Annex V. By field"},
    "a_quality": {"vi": "Phụ lục VI. Chất lượng dữ liệu", "en": "Annex VI. Data quality"},
    # -- indicator 2.1, defined where it first appears ---------------------------------------------------
    "rate_definition": {
        "vi": "Tỷ lệ giải quyết đúng hạn (chỉ số 2.1, Quyết định 766/QĐ-TTg) là số hồ sơ giải quyết trước "
        "hạn, đúng hạn và đang giải quyết còn trong hạn chia cho tổng số hồ sơ đã giải quyết và đang giải "
        "quyết: ({early} + {on_time} + {within}) / ({resolved} + {in_progress}) = {rate}, tương ứng "
        "{points}/20 điểm.",
        "en": "The on-time rate (indicator 2.1, Decision 766/QĐ-TTg) is the dossiers resolved early or on "
        "time, or in progress and still within time, divided by all dossiers resolved or in progress: "
        "({early} + {on_time} + {within}) / ({resolved} + {in_progress}) = {rate}, i.e. {points}/20 points.",
    },
    # -- violations, compared like with like -------------------------------------------------------------
    "sum_violations_final": {
        "vi": "Phát hiện {total} vi phạm tại {dossiers} hồ sơ; bình quân {n} tuần trước: {avg} vi phạm/tuần "
        "({change}; tuần trước: {previous}).",
        "en": "{total} violations found in {dossiers} dossiers, {change} the average of the {n} weeks "
        "before ({avg} per week; previous week: {previous}).",
    },
    "sum_violations_no_history": {
        "vi": "Phát hiện {total} vi phạm tại {dossiers} hồ sơ; chưa có số liệu các tuần trước để so sánh.",
        "en": "{total} violations found in {dossiers} dossiers; no data for earlier weeks to compare with.",
    },
    "sum_violations_no_history_provisional": {
        "vi": "Phát hiện {total} vi phạm tại {dossiers} hồ sơ (số liệu tạm tính); chưa có số liệu các tuần "
        "trước để so sánh.",
        "en": "{total} violations found in {dossiers} dossiers (provisional); no data for earlier weeks to "
        "compare with.",
    },
    "sum_violations_provisional": {
        "vi": "Phát hiện {total} vi phạm tại {dossiers} hồ sơ (số liệu tạm tính, chưa so sánh với các tuần "
        "trước). Riêng số vi phạm xác định ngay khi xảy ra (không phụ thuộc thời hạn giải quyết) là "
        "{instant}, {change} bình quân {n} tuần trước ({avg}).",
        "en": "{total} violations found in {dossiers} dossiers (provisional, not compared with earlier "
        "weeks). The {instant} violations fixed when they occur (not depending on time limits) are {change} "
        "their average of the {n} weeks before ({avg}).",
    },
    "pct_up": {"vi": "cao hơn {pct}", "en": "{pct} higher than"},
    "pct_down": {"vi": "thấp hơn {pct}", "en": "{pct} lower than"},
    "pct_same": {"vi": "tương đương", "en": "about the same as"},
    # Before "bình quân …": "tương đương so với bình quân" read awkwardly (review).
    "vs_up": {"vi": "cao hơn {pct} so với", "en": "{pct} higher than"},
    "vs_down": {"vi": "thấp hơn {pct} so với", "en": "{pct} lower than"},
    "vs_same": {"vi": "tương đương", "en": "about the same as"},
    "vs_new": {"vi": "cao hơn", "en": "higher than"},
    "pct_new": {"vi": "cao hơn", "en": "higher than"},
    "pp_up": {"vi": "tăng {pp} điểm phần trăm", "en": "up {pp} percentage points"},
    "pp_down": {"vi": "giảm {pp} điểm phần trăm", "en": "down {pp} percentage points"},
    "pp_same": {"vi": "không đổi", "en": "unchanged"},
    # -- provisional week --------------------------------------------------------------------------------
    "provisional_box": {
        "vi": "SỐ LIỆU TẠM TÍNH: {reasons} Các vi phạm về thời hạn giải quyết của tuần này chưa đầy đủ, nên "
        "không so sánh với các tuần trước như số liệu chính thức; số liệu là chính thức khi dữ liệu được "
        "nạp đủ và cập nhật đến ngày {final_day}.",
        "en": "PROVISIONAL FIGURES: {reasons} This week's time-limit violations are not complete, so it is "
        "not compared with earlier weeks as if final; the figures are final once the data are fully loaded "
        "and reach {final_day}.",
    },
    "provisional_immature": {
        "vi": "dữ liệu mới cập nhật đến {through}, chưa đủ {days} ngày làm việc sau khi kết thúc tuần.",
        "en": "the data reach {through}, less than {days} working days after the week's end.",
    },
    "provisional_lagging": {
        "vi": "dữ liệu mới cập nhật đến {through} (nguồn chậm nhất: {feed}), chưa đủ {days} ngày làm việc "
        "sau khi kết thúc tuần.",
        "en": "the data reach {through} (the feed that lags most: {feed}), less than {days} working days "
        "after the week's end.",
    },
    "provisional_behind": {
        "vi": "chưa có dữ liệu của {feed} sau khi kết thúc tuần (mới cập nhật đến {through}).",
        "en": "no data from {feed} after the week's end yet (it reaches {through}).",
    },
    "provisional_no_data": {
        "vi": "chưa có dữ liệu sau khi kết thúc tuần.",
        "en": "no data after the week's end yet.",
    },
    "provisional_load": {
        "vi": "có lần nạp dữ liệu chưa hoàn tất.",
        "en": "a data load did not complete.",
    },
    "provisional_mark": {"vi": "tạm tính", "en": "provisional"},
    "and_more_units": {"vi": " và {n} đơn vị khác", "en": " and {n} other units"},
    "and_more_rules": {"vi": " và {n} quy định khác", "en": " and {n} other rules"},
    "list_and": {"vi": " và ", "en": " and "},
    "no_history": {
        "vi": "chưa có số liệu các tuần trước để so sánh",
        "en": "no data for earlier weeks to compare with",
    },
    # -- charts ------------------------------------------------------------------------------------------
    "c_trend_note": {
        "vi": "Đường liền, đậm: toàn tỉnh; đường mảnh (mỗi đơn vị một kiểu nét và dấu): {n} đơn vị có tỷ lệ "
        "thấp nhất tuần này; số liệu tại Phụ lục III. Trục dọc không bắt đầu từ 0 % để thấy rõ chênh lệch.",
        "en": "Thick solid line: the province; thin lines (each unit its own dashes and marker): the {n} "
        "units with the lowest rate this week; the figures are in Annex III. The vertical axis does not "
        "start at 0% so that differences show.",
    },
    "c_trend_provisional": {
        "vi": " Điểm rỗng của tuần cuối: số liệu tạm tính.",
        "en": " The last week's hollow point: provisional figures.",
    },
    "c_ranking_note": {
        "vi": "Cột gạch chéo (đỏ): đơn vị dưới mức toàn tỉnh; cột trơn (xanh): bằng hoặc trên mức toàn tỉnh; "
        "đường đứt nét: tỷ lệ toàn tỉnh; số liệu tại Phụ lục II. Trục ngang không bắt đầu từ 0 %.",
        "en": "Hatched (red) bars: units below the province; plain (blue) bars: at or above it; dashed line: "
        "the province's rate; the figures are in Annex II. The horizontal axis does not start at 0%.",
    },
    "c_below": {"vi": "Dưới mức toàn tỉnh", "en": "Below the province"},
    "c_above": {"vi": "Bằng hoặc trên mức toàn tỉnh", "en": "At or above the province"},
    "c_province_line": {"vi": "Tỷ lệ toàn tỉnh", "en": "Province rate"},
    # -- the inspectors' cases (the console) ---------------------------------------------------------------
    "b_cases": {"vi": "Kết quả xử lý của đoàn kiểm tra", "en": "What the inspectors did"},
    "cases_line": {
        "vi": "Đến hết tuần, trong số các vi phạm đã phát hiện, đoàn kiểm tra đã xác nhận {confirmed} trường "
        "hợp (trong đó {concluded} trường hợp đã kết luận), bác bỏ {dismissed} trường hợp; {awaiting} trường "
        "hợp đang chờ đơn vị giải trình, {explained} trường hợp đơn vị đã giải trình.",
        "en": "By the week's end, of the violations found, the inspectors had confirmed {confirmed} (of "
        "which {concluded} concluded) and dismissed {dismissed}; {awaiting} awaited the unit's explanation, "
        "{explained} had been explained.",
    },
    "cases_acted": {
        "vi": " Trong tuần, {acted} trường hợp được đoàn kiểm tra hoặc đơn vị xử lý.",
        "en": " In the week, the inspectors or the units acted on {acted}.",
    },
    "cases_none_acted": {
        "vi": " Trong tuần, không trường hợp nào được đoàn kiểm tra hoặc đơn vị xử lý.",
        "en": " In the week, neither the inspectors nor the units acted on any.",
    },
    "cases_closed": {
        "vi": " {closed} trường hợp đã đóng do vi phạm được rút lại.",
        "en": " {closed} were closed because the violation was retracted.",
    },
    "h_case_state": {"vi": "Tình trạng xử lý", "en": "State"},
    "h_cases": {"vi": "Số trường hợp", "en": "Cases"},
    "case_confirmed": {"vi": "Đã xác nhận vi phạm", "en": "Confirmed"},
    "case_concluded": {"vi": "Trong đó: đã kết luận", "en": "Of which concluded"},
    "case_dismissed": {"vi": "Đã bác bỏ", "en": "Dismissed"},
    "case_awaiting": {"vi": "Chờ đơn vị giải trình", "en": "Awaiting the unit's explanation"},
    "case_explained": {"vi": "Đơn vị đã giải trình", "en": "Explained by the unit"},
    "case_closed": {"vi": "Đã đóng (vi phạm được rút lại)", "en": "Closed (violation retracted)"},
    "case_acted": {"vi": "Được xử lý trong tuần", "en": "Acted on in the week"},
    # -- tables ------------------------------------------------------------------------------------------
    "h_suite_vi": {"vi": "Nhóm kiểm tra", "en": "Suite"},
    "h_check": {"vi": "Nội dung kiểm tra", "en": "Check"},
    "h_rules_body": {"vi": "Nội dung vi phạm", "en": "Violation"},
    "h_total_instant": {
        "vi": "Trong đó: vi phạm xác định ngay khi xảy ra (so sánh được)",
        "en": "Of which: violations fixed when they occur (comparable)",
    },
    "xlsx_from": {"vi": "Từ ngày", "en": "From"},
    "xlsx_to": {"vi": "Đến ngày", "en": "To"},
    "xlsx_through": {"vi": "Dữ liệu cập nhật đến", "en": "Data through"},
    "xlsx_status": {"vi": "Tình trạng số liệu", "en": "Status of the figures"},
    "status_final": {"vi": "chính thức", "en": "final"},
}

#: Vietnamese names of the data-quality suites (``CheckResult.suite``; unknown suites show as they are).
SUITE_NAMES: Final[dict[str, dict[str, str]]] = {
    "uniqueness": {"vi": "Tính duy nhất", "en": "Uniqueness"},
    "vocabulary": {"vi": "Giá trị hợp lệ", "en": "Vocabulary"},
    "event_time": {"vi": "Thời điểm sự kiện", "en": "Event time"},
    "due_dates": {"vi": "Ngày hẹn trả", "en": "Due dates"},
    "catalogue": {"vi": "Danh mục", "en": "Catalogue"},
    "consistency": {"vi": "Tính nhất quán", "en": "Consistency"},
    "partitions": {"vi": "Phân vùng luồng sự kiện", "en": "Stream partitions"},
    "lifecycle": {"vi": "Trình tự xử lý", "en": "Lifecycle"},
    "freshness": {"vi": "Độ cập nhật", "en": "Freshness"},
    "load_runs": {"vi": "Nạp dữ liệu", "en": "Load runs"},
}
