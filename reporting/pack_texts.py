"""The audit pack's own wording (Vietnamese, and English as an option): the columns an inspector fills in,
the on-site checklist, the open-dossier standing and the notes of the printed pack. Kept here rather than
in :mod:`reporting.i18n` (the weekly report's), which the pack also reads for the words they share."""

from __future__ import annotations

from typing import Final

_TEXTS: Final[dict[str, tuple[str, str]]] = {
    "h_kind_severity": ("Loại – mức độ", "Kind – severity"),
    "h_onsite": ("Cần yêu cầu xuất trình tại chỗ", "Ask for on site"),
    "h_finding": ("Kết quả xác minh của đoàn", "Inspector's finding"),
    "h_signoff": ("Người xác minh ký", "Verified by (signature)"),
    "h_raw_evidence": ("Chứng cứ gốc (dữ liệu kiểm tra)", "Raw evidence (audit data)"),
    "h_event_id": ("Mã sự kiện", "Event id"),
    "h_dossiers": ("Số lượng hồ sơ", "Dossiers"),  # "Số hồ sơ" reads as a dossier number (XLSX review)
    "h_arose": ("Thời điểm phát sinh", "Arose at"),
    "h_end_at": ("Thời điểm kết thúc", "Ended at"),
    "open_within": ("Đang giải quyết (trong hạn)", "In progress (within time)"),
    "open_overdue": ("Đang giải quyết (quá hạn)", "In progress (overdue)"),
    # Waiting for the applicant after the only supplement request: the form counts it handled at the request
    # (RULES.md), by its judgement; "in progress" beside a report counting it resolved read as a mistake.
    "open_waiting": (
        "Chờ người nộp bổ sung: tính là đã giải quyết ({status}) tại lúc yêu cầu bổ sung",
        "Waiting for the applicant's supplement: counted as handled ({status}) at the request",
    ),
    "paused": (" (không tính {time} chờ bổ sung)", " (not counting {time} waiting for the supplement)"),
    "as_of": (", tính đến {at}", ", as of {at}"),
    "day": ("{n} ngày", "{n} day"),
    "days": ("{n} ngày", "{n} days"),
    "hour": ("{n} giờ", "{n} hour"),
    "hours": ("{n} giờ", "{n} hours"),
    "minute": ("{n} phút", "{n} minute"),
    "minutes": ("{n} phút", "{n} minutes"),
    "page": ("Trang", "Page"),
    #: At the foot of every page: which kept edition (``reporting/editions.py``) a printed page is of.
    "edition": ("Mã bản in: {code}", "Edition: {code}"),
    # At the top of every printed page but the first (whose letterhead says it): a page copied alone.
    "page_head": (
        "Hồ sơ kiểm tra tuần {number}/{year} — {unit}",
        "Audit pack, week {number}/{year} — {unit}",
    ),
    "s_onsite": ("D. Những gì cần kiểm tra tại chỗ", "D. What to verify on site"),
    "sheet_onsite": ("Kiểm tra tại chỗ", "On site"),
    # The forms' sentence is the pack's dossiers' (``packs.onsite_note``): a pack whose dossiers were all
    # received before 15/9/2025 names no Circular 03/2025 (dated before it, it cited a text not yet issued).
    "onsite_note_01/2018": (
        "Với mỗi hồ sơ ở mục A, đề nghị đơn vị xuất trình các giấy tờ, sổ sách dưới đây; ghi kết quả đối "
        "chiếu vào cột “Kết quả xác minh của đoàn” và ký xác nhận. Số mẫu theo Thông tư 01/2018/TT-VPCP.",
        "For each dossier of section A, ask the unit for the records below; write what you found in the "
        "“Inspector's finding” column and sign. Form numbers of Circular 01/2018/TT-VPCP.",
    ),
    "onsite_note_2025": (
        "Với mỗi hồ sơ ở mục A, đề nghị đơn vị xuất trình các giấy tờ, sổ sách dưới đây; ghi kết quả đối "
        "chiếu vào cột “Kết quả xác minh của đoàn” và ký xác nhận. Số mẫu theo Thông tư 03/2025/TT-VPCP "
        "(ban hành ngày 15/9/2025; ngày có hiệu lực chưa xác nhận).",
        "For each dossier of section A, ask the unit for the records below; write what you found in the "
        "“Inspector's finding” column and sign. Form numbers of Circular 03/2025/TT-VPCP (dated 15/9/2025; "
        "its entry into force unconfirmed).",
    ),
    "onsite_note": (
        "Với mỗi hồ sơ ở mục A, đề nghị đơn vị xuất trình các giấy tờ, sổ sách dưới đây; ghi kết quả đối "
        "chiếu vào cột “Kết quả xác minh của đoàn” và ký xác nhận. Số mẫu theo Thông tư 01/2018/TT-VPCP; "
        "hồ sơ tiếp nhận từ 15/9/2025, ngày ban hành Thông tư 03/2025/TT-VPCP, dùng mẫu theo Thông tư này "
        "(số mẫu ghi kèm khi khác). Ngày Thông tư có hiệu lực chưa xác nhận; hồ sơ tiếp nhận từ 01/7/2025 "
        "đến 14/9/2025 được coi là dùng mẫu theo Thông tư 01/2018/TT-VPCP.",
        "For each dossier of section A, ask the unit for the records below; write what you found in the "
        "“Inspector's finding” column and sign. Form numbers of Circular 01/2018/TT-VPCP; dossiers received "
        "from 15/9/2025, the date of Circular 03/2025/TT-VPCP, use its forms (numbers alongside where they "
        "differ). Its entry into force is unconfirmed; dossiers received from 1/7/2025 to 14/9/2025 are "
        "taken to use the forms of Circular 01/2018/TT-VPCP.",
    ),
    "sample_onsite": (
        "Với hồ sơ trong mẫu, đối chiếu: {items}.",
        "For the sampled dossiers, compare with: {items}.",
    ),
    "sample_status_note": (
        "Hồ sơ chưa kết thúc được ghi “Đang giải quyết (trong hạn / quá hạn)” tính đến thời điểm hồ sơ "
        "được đánh giá lần cuối (lần nạp dữ liệu gần nhất), ghi kèm; số liệu của báo cáo tuần tính tại thời"
        " điểm kết thúc tuần, nên có thể khác. Hồ sơ đang chờ người nộp bổ sung sau lần yêu cầu bổ sung "
        "duy nhất được tính là đã giải quyết tại lúc yêu cầu. Với hồ sơ có yêu cầu bổ sung, "
        "thời gian chờ người nộp bổ sung được trừ theo cách tính chỉ số 766 (hoặc thời hạn được tính lại "
        "từ khi nhận đủ hồ sơ bổ sung, khi bộ quy tắc tính theo khoản 4 Điều 19 Nghị định 61/2018), nên "
        "hồ sơ kết thúc sau ngày hẹn vẫn có thể trước hạn hoặc đúng hạn.",
        "Dossiers not ended yet read “In progress (within time / overdue)” as of the time they were last "
        "judged (the latest data load), given beside it; the weekly report counts them at the week's end, "
        "so it may differ. A dossier waiting for the applicant after its only supplement request counts as "
        "handled at the request. For a dossier asked for a supplement, the time "
        "spent waiting for it is subtracted by the 766 index's counting (or the time limit counts again "
        "from the completed supplement, when the rulebook counts by Decree 61/2018, Art. 19(4)), so a "
        "dossier ended after its appointment may still be early or on time.",
    ),
    # A pack of a provisional week (``reach.week_maturity``) says so above its tables, and every printed
    # page of its workbook: a team on site read a pack of incomplete data as the week's (review).
    "provisional_box": (
        "SỐ LIỆU TẠM TÍNH: {reasons} Danh sách vi phạm về thời hạn giải quyết của tuần này có thể chưa "
        "đầy đủ, và hồ sơ trong mẫu kiểm tra có thể phát sinh vi phạm khi dữ liệu được cập nhật (mẫu chọn "
        "lại khi đó có thể khác); số liệu là chính thức khi dữ liệu được nạp đủ và cập nhật đến ngày "
        "{final_day}. Trước khi kết luận, đối chiếu với tài liệu lập lại sau ngày đó.",
        "PROVISIONAL FIGURES: {reasons} This week's time-limit violations may not all be listed yet, and "
        "a dossier of the sample may still turn out to violate one as the data are updated (a sample drawn "
        "again then may differ); the figures are final once the data are fully loaded and reach "
        "{final_day}. Before concluding, compare with the pack made again after that day.",
    ),
    # The week's own data may be incomplete (``Maturity.incomplete``): any violation may be missing.
    "provisional_box_incomplete": (
        "SỐ LIỆU TẠM TÍNH: {reasons} Dữ liệu của tuần này có thể chưa về đủ: vi phạm và hồ sơ của tuần có "
        "thể chưa có hết trong tài liệu, và hồ sơ trong mẫu kiểm tra có thể phát sinh vi phạm khi dữ liệu "
        "được cập nhật (mẫu chọn lại khi đó có thể khác); số liệu là chính thức khi dữ liệu được nạp đủ và "
        "cập nhật đến ngày {final_day}. Trước khi kết luận, đối chiếu với tài liệu lập lại khi đó.",
        "PROVISIONAL FIGURES: {reasons} This week's data may not all be in: violations and dossiers of "
        "the week may be missing from this pack, and a dossier of the sample may still turn out to violate "
        "a rule as the data are updated (a sample drawn again then may differ); the figures are final once "
        "the data are fully loaded and reach {final_day}. Before concluding, compare with the pack made "
        "again then.",
    ),
    "marks_note": (
        "Căn cứ pháp lý ghi kèm mức độ tin cậy: “đã xác nhận trong văn bản” — đã đọc trong văn bản gốc; "
        "“theo nguồn thứ cấp hoặc cách đọc kết hợp nhiều điều khoản” — cần đối chiếu thêm; “chưa xác "
        "nhận” — chưa tìm thấy điều khoản, không dùng làm căn cứ kết luận khi chưa kiểm tra lại.",
        "Each legal basis states how sure it is: “confirmed in the text”; “secondary source or a reading of "
        "several clauses” — check further; “not confirmed” — no clause found, not a basis for a conclusion "
        "until checked.",
    ),
    # Section A's bases, each once (``pack_legend``): the column names one by its number.
    "basis_ref": ("({n})", "({n})"),
    "bases_heading": (
        "Căn cứ pháp lý của bảng trên (theo số ghi ở cột “Căn cứ pháp lý”)",
        "Legal bases of the table above (by the number in its “Legal basis” column)",
    ),
    "h_basis_number": ("Số", "No."),
    "h_basis_rules": ("Nội dung vi phạm (số dòng ở bảng trên)", "Rule (rows above)"),
    "basis_rule": ("{rule} ({n})", "{rule} ({n})"),
    "violations_count": (
        "{n} vi phạm tại {d} hồ sơ{others}. Bấm mã hồ sơ để xem diễn biến; mục D liệt kê giấy tờ, sổ "
        "sách cần đề nghị đơn vị xuất trình.",
        "{n} violations in {d} dossiers{others}. Click a dossier id for its timeline; section D lists the "
        "records to ask for.",
    ),
    "others": (
        "; ngoài ra {n} phát hiện dữ liệu hoặc quy tắc không kiểm tra được (không tính là vi phạm)",
        "; also {n} data findings or rules not checkable (not violations)",
    ),
    "cases_note": (
        " Với vi phạm đã được xử lý trên hệ thống, tình trạng xử lý tại thời điểm lập tài liệu được ghi "
        "sẵn ở cột “Kết quả xác minh của đoàn” để đoàn xác nhận hoặc sửa lại.",
        " A violation already handled in the console says how, as it stood when this pack was made, in the "
        "“Inspector's finding” column, for the team to confirm or correct.",
    ),
    "calendar_check": (
        " Trước khi kết luận một vi phạm về thời hạn (trễ hạn, xin lỗi muộn, hẹn trả vượt thời hạn…) có hạn "
        "rơi vào những ngày này, đối chiếu với thông báo nghỉ lễ, Tết của năm đó.",
        " Before concluding on a time-limit violation (late, apology too late, appointment beyond the legal "
        "time…) whose dates fall on these days, check them against that year's notice of days off.",
    ),
    "to_review": (
        "Cần xem lại {n} kết luận: đoàn đã kết luận có vi phạm, nhưng dữ liệu về sau cho thấy không còn vi "
        "phạm (không còn trong bảng trên). Đối chiếu lại trước khi dùng kết luận; nếu cần, ban hành văn bản "
        "đính chính.",
        "{n} conclusion(s) to look at again: the team concluded a violation that newer data no longer shows "
        "(not in the table above). Check again before relying on it; issue a correcting document if needed.",
    ),
    "concluded_on": ("kết luận ngày {day}", "concluded on {day}"),
    "case": ("Trên hệ thống: {state}", "In the console: {state}"),
    "case_confirmed": ("đã xác nhận vi phạm", "confirmed"),
    "case_dismissed": ("đã bác bỏ", "dismissed"),
    "case_awaiting_explanation": ("đang chờ đơn vị giải trình", "awaiting the unit's explanation"),
    "case_explained": ("đơn vị đã giải trình", "explained by the unit"),
    "case_concluded": ("đã kết luận có vi phạm", "concluded: a violation"),
    "case_confirmed_finding": ("đã xác nhận phát hiện", "finding confirmed"),
    "case_concluded_finding": ("đã kết luận về phát hiện", "finding concluded"),
    "reason_data_error": ("sai sót dữ liệu", "data error"),
    "reason_lawful_exception": ("ngoại lệ hợp pháp", "lawful exception"),
    "reason_duplicate": ("trùng lặp", "duplicate"),
    "reason_other": ("lý do khác", "other reason"),
    "back_to_list": ("↑ về danh sách", "↑ back to the list"),
    "to_timeline": ("diễn biến ↓", "timeline ↓"),
    "trigger_note": (
        "▶ (dòng tô màu): sự kiện là căn cứ của vi phạm hoặc phát hiện ghi ở mục A; với vi phạm không gắn "
        "với sự kiện nào (quá hạn), dòng “Phát sinh vi phạm” ghi thời điểm vi phạm phát sinh.",
        "▶ (tinted row): the event a violation or finding of section A rests on; for one that rests on no "
        "event (a lapsed deadline), the row “Violation arises” gives the instant it arose.",
    ),
    "arose_row": ("Phát sinh vi phạm", "Violation arises"),
    # The team the letterhead names (``Letterhead.team``: "TỔ KIỂM TRA ..." by default), in capitals: the
    # block said "ĐẠI DIỆN ĐOÀN KIỂM TRA" under a letterhead of a "TỔ", two bodies on one signed page.
    "sign_team": ("ĐẠI DIỆN {team}", "FOR THE {team}"),
    "sign_unit": ("ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA", "FOR THE INSPECTED UNIT"),
    "sign_hint": ("(Ký, ghi rõ họ tên, chức vụ)", "(Signature, full name, position)"),
    # Above the signatures: what the unit signs for, room for its own word, and when and where it signed
    # (two signature boxes alone said none of it: review of 2026-12-06).
    "sign_statement": (
        "Các nội dung trên đã được đối chiếu tại đơn vị được kiểm tra, với sự tham gia của đại diện đơn vị. "
        "Ý kiến của đơn vị được kiểm tra (nếu có):",
        "The above was checked at the inspected unit, with its representative. The inspected unit's "
        "comments (if any):",
    ),
    "sign_place_date": ("…………………, ngày …… tháng …… năm ……", "…………………, on …… / …… / ……"),
    "except": ("trừ trường hợp quy định tại {article}", "except as provided in {article}"),
    "legal_reference": (
        " (tham chiếu trước 01/7/2025: Nghị định 61/2018/NĐ-CP, {articles})",
        " (reference before 1/7/2025: Decree 61/2018/NĐ-CP, {articles})",
    ),
    "legal_reference_none": (
        " (trước 01/7/2025, theo Nghị định 61/2018/NĐ-CP: không có điều khoản cấm trực tiếp; căn cứ khi đó: "
        "{confidence})",
        " (before 1/7/2025, under Decree 61/2018/NĐ-CP: no clause forbids it directly; that basis: "
        "{confidence})",
    ),
    "legal_reference_marked": (
        " (tham chiếu trước 01/7/2025: Nghị định 61/2018/NĐ-CP, {articles}; căn cứ khi đó: {confidence})",
        " (reference before 1/7/2025: Decree 61/2018/NĐ-CP, {articles}; that basis: {confidence})",
    ),
}


def signing_team(team: str, lang: str) -> str:
    """The team's line of a pack's signature block: for the team the letterhead names, in capitals (as the
    block is set), on one line."""
    named = " ".join(team.split()).upper()
    if lang != "vi":  # "FOR THE THE … TEAM" (review of the diff)
        named = named.removeprefix("THE ")
    return pack_text("sign_team", lang, team=named)


def pack_text(key: str, lang: str, **values: object) -> str:
    vi, en = _TEXTS[key]
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text
