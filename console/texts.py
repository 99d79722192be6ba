"""The console's words, Vietnamese by default and English on request. Domain words (rule titles, event
types, severities, numbers and dates) come from the reports' own texts (``reporting.i18n.Texts``), so a
rule is named the same in a pack and on screen."""

from __future__ import annotations

from console.case_texts import CASE_UI
from console.error_texts import ERRORS
from console.export_texts import EXPORT_UI
from inspections.cases import DISMISS_REASONS
from reporting.i18n import Texts
from reporting.pack_tables import case_words
from reporting.pack_texts import pack_text

LANGS = ("vi", "en")

_UI: dict[str, tuple[str, str]] = {
    "app": ("Bảng điều khiển kiểm tra", "Inspector's console"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "user": ("Tên đăng nhập", "Login"),
    "password": ("Mật khẩu", "Password"),
    "bad_login": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong login or password."),
    # A provisional week's dashboard says so, as its report and packs do (``reach.week_maturity``).
    "provisional": (
        "Số liệu tạm tính: {reasons} Số liệu của tuần, nhất là vi phạm về thời hạn, có thể còn thay đổi; "
        "số liệu là chính thức khi dữ liệu được nạp đủ và cập nhật đến ngày {final_day}.",
        "Provisional figures: {reasons} The week's figures, time-limit violations above all, may still "
        "change; they are final once the data are fully loaded and reach {final_day}.",
    ),
    "provisional_bar": ("Tạm tính (xem ghi chú đầu trang).", "Provisional (see the note at the top)."),
    "logged_out": (
        "Bạn đã đăng xuất. Nếu dùng máy tính chung, hãy đóng trình duyệt.",
        "You have logged out. On a shared computer, close the browser.",
    ),
    # A page asked without a session showed the bare login form (review).
    "printed": ("In lúc {at}, tài khoản {login}, trang {page}", "Printed {at} by {login}, page {page}"),
    "session_needed": (
        "Bạn chưa đăng nhập hoặc phiên làm việc đã hết hạn. Hãy đăng nhập để tiếp tục trang đã mở.",
        "You are not logged in, or your session has expired. Log in to go on to the page you opened.",
    ),
    "throttled": (
        "Quá nhiều lần đăng nhập sai với tên đăng nhập này hoặc từ máy này. "
        "Vui lòng thử lại sau {minutes} phút.",
        "Too many failed logins for this login or from this computer. Please try again in {minutes} min.",
    ),
    "dashboard": ("Tổng quan tuần", "Week overview"),
    "violations": ("Vi phạm", "Violations"),
    # Counted apart on the list: a data finding is no violation (RULES.md v2, amendment 5; console seat).
    "data_findings": ("Phát hiện dữ liệu", "Data findings"),
    "accounts": ("Tài khoản", "Accounts"),
    "week": ("Tuần", "Week"),
    # The week fields' hint (a pattern mismatch said only "Please match the requested format": review).
    "week_format_hint": ("Ví dụ {example} hoặc {short}", "E.g. {example} or {short}"),
    "main_menu": ("Trình đơn chính", "Main menu"),
    "unit": ("Đơn vị", "Unit"),
    "with_below": ("Kể cả đơn vị trực thuộc", "Including the units below it"),
    "rule": ("Quy tắc", "Rule"),
    "severity": ("Mức độ", "Severity"),
    "case_state": ("Tình trạng xử lý", "Case state"),
    "dossier": ("Hồ sơ", "Dossier"),
    # It matches any part of the id, in any case: the label says so (review of 2026-12-04).
    "search_dossier": ("Tìm mã hồ sơ (một phần của mã)", "Find dossier id (any part of it)"),
    "sort": ("Sắp xếp", "Sort"),
    "filter": ("Lọc", "Filter"),
    "all": ("Tất cả", "All"),
    "occurred": ("Thời điểm", "When"),
    # A violation's instant: when it arose (a deadline's lapse is a computed instant, often 00:00 after the
    # due day), not an event's time; "Thời điểm" beside the triggering event's id read as that event's time
    # (review of 2026-12-06).
    "violation_at": ("Thời điểm phát sinh vi phạm", "When the violation arose"),
    # How a dossier that got no result ended against its due date: its end first, then the timing, which
    # the reporting form counts; "Trước hạn · Từ chối" read as a good result (review of 2026-12-06).
    "ended_before_due": ("kết thúc trước hạn", "ended before the due date"),
    "ended_on_due": ("kết thúc đúng hạn", "ended on time"),
    "ended_after_due": ("kết thúc quá hạn", "ended after the due date"),
    "triggered_by": ("sự kiện", "event"),
    "export_xlsx": ("Xuất danh sách (XLSX)", "Export list (XLSX)"),
    "audit_pack": ("Hồ sơ kiểm tra của đơn vị (XLSX)", "Unit's audit pack (XLSX)"),
    "page": ("Trang", "Page"),
    "previous": ("Trang trước", "Previous"),
    "next": ("Trang sau", "Next"),
    "none_found": ("Không có vi phạm nào khớp bộ lọc.", "No violation matches the filters."),
    # A dossier page has no filters: it read "khớp bộ lọc" (review).
    "no_violation": ("Hồ sơ không có vi phạm nào.", "The audit found no violation in this dossier."),
    # A page past the last one said "no violation matches" under "97 vi phạm" (review of 2026-12-04).
    "past_the_end": (
        "Trang này vượt quá số trang của danh sách. Trang cuối:",
        "This page is past the list's end. Last page:",
    ),
    "received": ("Tiếp nhận", "Received"),
    # The form's total to handle (carried over and new), as the report names it: "Tiếp nhận 2.821" read as
    # the week's new dossiers, of which there were 1.706 (review).
    "to_handle": ("Tổng số phải giải quyết", "Total to handle"),
    # A week after the newest event showed the dossiers left open as if it were a week of work (review).
    "after_the_data": (
        "Không có sự kiện nào từ đầu tuần này: dữ liệu mới nhất là lúc {newest}. Các số liệu dưới đây "
        "chỉ gồm những hồ sơ còn đang giải quyết từ trước, không phải kết quả làm việc của tuần.",
        "No event since this week began: the newest data is from {newest}. The figures below are only the "
        "dossiers still in progress from before, not a week of work.",
    ),
    "no_data": ("Kho dữ liệu chưa có sự kiện nào.", "The warehouse holds no event yet."),
    "on_time_rate": ("Tỷ lệ đúng hạn (chỉ số 2.1)", "On-time rate (indicator 2.1)"),
    "resolved": ("Đã giải quyết", "Resolved"),
    "overdue": ("Đang giải quyết, quá hạn", "In progress, overdue"),
    "trend": ("Xu hướng chỉ số 2.1", "Indicator 2.1 trend"),
    "worst_units": ("Đơn vị có tỷ lệ đúng hạn thấp nhất", "Units with the lowest on-time rate"),
    "by_rule": ("Vi phạm theo quy tắc", "Violations by rule"),
    "by_unit": ("Vi phạm theo đơn vị", "Violations by unit"),
    "count": ("Số lượng", "Count"),
    "cases": ("Tình trạng xử lý vi phạm", "Case states"),
    "upheld": ("Vi phạm được xác nhận (kể cả đã kết luận)", "Upheld (confirmed or concluded)"),
    "timeline": ("Diễn biến hồ sơ", "Evidence timeline"),
    "event": ("Sự kiện", "Event"),
    # "Ngày làm việc thứ 0" on the day of receipt read oddly (review): the count of days used.
    "working_day": ("Số ngày làm việc đã dùng", "Working days used"),
    # The due date classification judges timeliness by (the on-time index's): not the rescheduling rules'
    # date in force, which the events' details show (review of 2026-12-04).
    "due_in_force": ("Hạn trả dùng để đánh giá đúng hạn", "Due date judged against"),
    "details": ("Chi tiết", "Details"),
    "paused": ("tạm dừng tính thời gian", "clock paused"),
    # Each verdict named with its kind: a data finding read as "căn cứ của vi phạm" (review).
    "triggered": ("là căn cứ của", "evidence of"),
    # A data finding is no violation (RULES.md v2, amendment 5), and said so on its card as the packs do.
    "finding_note": ("Phát hiện về dữ liệu, không tính là vi phạm.", "A data finding, not a violation."),
    "facts": ("Thông tin hồ sơ", "Dossier facts"),
    "procedure": ("Thủ tục", "Procedure"),
    "channel": ("Kênh nộp", "Channel"),
    "status": ("Kết quả", "Status"),
    # The receipt's appointment: an apology's new date showed under "Hạn trả" as if it had not moved it
    # (review); the events below show each change.
    "due_at": ("Hạn trả (ghi trên giấy tiếp nhận)", "Due (on the receipt)"),
    # A dossier still in progress read "Quá hạn", as a late result (review).
    "open_late": ("Đang giải quyết, quá hạn", "In progress, overdue"),
    "open_in_time": ("Đang giải quyết, trong hạn", "In progress, within time"),
    "open_waiting": (
        "Chờ người nộp bổ sung: tính là đã giải quyết tại lúc yêu cầu bổ sung",
        "Waiting for the applicant's supplement: counted as handled at the request",
    ),
    "as_of": ("tính đến", "as of"),
    "evidence": ("Chứng cứ", "Evidence"),
    "actor": ("Người thực hiện", "Actor"),
    "legal_basis": ("Căn cứ pháp lý", "Legal basis"),
    "plain_law": ("Nội dung quy định", "What the law asks"),
    "verify": ("Cần xác minh tại chỗ", "Verify on site"),
    # The pack's column of the same list ("Cần yêu cầu xuất trình tại chỗ").
    "papers": ("Cần yêu cầu xuất trình", "Ask for"),
    "history": ("Lịch sử xử lý", "Case history"),
    "no_personal_data": (
        "Không ghi thông tin cá nhân của người nộp hồ sơ (họ tên, số định danh, số điện thoại) vào ghi chú "
        "và giải trình: chúng được đưa vào hồ sơ kiểm tra.",
        "Write no applicant's personal data (name, id number, phone) in notes and explanations: they go into "
        "the audit packs.",
    ),
    "reason": ("Lý do", "Reason"),
    "note": ("Ghi chú", "Note"),
    "notice_number": ("Số văn bản", "Notice number"),
    "explanation": ("Giải trình của đơn vị", "The unit's explanation"),
    "submit": ("Ghi nhận", "Record"),
    "reads": ("Người đã xem hồ sơ", "Who read this dossier"),
    "role": ("Vai trò", "Role"),
    "disabled": ("Đã khóa", "Disabled"),
    "active": ("Đang hoạt động", "Active"),
    "disable": ("Khóa tài khoản", "Disable"),
    "enable": ("Mở khóa", "Enable"),
    "account_state": ("Trạng thái", "State"),
    "unit_of_officer": ("Đơn vị (chỉ với cán bộ đơn vị)", "Unit (unit officers only)"),
    "account_added": ("Đã thêm tài khoản {login}.", "Account {login} added."),
    "account_replaced": (
        "Đã thay tài khoản {login}: vai trò, đơn vị và mật khẩu mới; các phiên đăng nhập cũ đã kết thúc "
        "(tài khoản đang khóa vẫn khóa).",
        "Account {login} replaced: a new role, unit and password; its earlier sessions are over (a locked "
        "account stays locked).",
    ),
    "replace_account": (
        "Thay tài khoản đã có cùng tên đăng nhập (vai trò, đơn vị và mật khẩu mới)",
        "Replace the account of this login (a new role, unit and password)",
    ),
    "account_disabled": ("Đã khóa tài khoản {login}.", "Account {login} disabled."),
    "account_enabled": ("Đã mở khóa tài khoản {login}.", "Account {login} enabled."),
    "add_user": ("Thêm tài khoản", "Add account"),
    "forbidden": ("Bạn không có quyền xem trang này.", "You may not see this page."),
    "not_found": ("Không tìm thấy.", "Not found."),
    "language": ("English", "Tiếng Việt"),
    "skip": ("Bỏ qua, tới nội dung chính", "Skip to content"),
    "retracted": ("đã rút lại", "retracted"),
    "done": ("Đã ghi nhận.", "Recorded."),
    # Said of a violation or a data finding alike (a confirmed finding read "Đã xác nhận vi phạm": review).
    "done_confirm": ("Đã xác nhận.", "Confirmed."),
    "done_dismiss": ("Đã bác bỏ.", "Dismissed."),
    "done_request_explanation": ("Đã gửi yêu cầu giải trình tới đơn vị.", "The unit is asked to explain."),
    "done_explain": ("Đã gửi giải trình.", "The explanation is sent."),
    "done_conclude": ("Đã kết luận vụ việc.", "The case is concluded."),
    "back_to_list": ("Quay lại danh sách vi phạm", "Back to the list of violations"),
    "awaiting_answer": (
        "Có {n} vi phạm đang chờ đơn vị giải trình.",
        "Violations waiting for your unit's explanation: {n}.",
    ),
    "show_them": ("Xem các vi phạm này", "Show them"),
    "read_only": ("Chỉ xem", "Read only"),
    "no_week_data": ("Tuần này chưa có dữ liệu.", "No data for this week."),
    "busy": ("Hệ thống đang bận, vui lòng thử lại sau giây lát.", "Busy: please try again in a moment."),
    "unsaved_note": (
        "Phiên làm việc đã hết hạn nên ghi chú vừa viết chưa được lưu. Hãy sao chép ghi chú dưới đây, đăng "
        "nhập lại, mở lại hồ sơ rồi ghi lại.",
        "Your session expired, so the note you just wrote was not saved. Copy it from below, log in again, "
        "open the dossier again and enter it there.",
    ),
    "unsaved_note_label": ("Ghi chú chưa lưu", "Unsaved note"),
    "unsaved_decision": (
        "Ghi chú vừa viết chưa được lưu: hãy sao chép dưới đây trước khi quay lại hồ sơ.",
        "The note you wrote was not saved: copy it from below before going back to the dossier.",
    ),
    "login_expired": (
        "Trang đăng nhập đã hết hạn, vui lòng đăng nhập lại.",
        "The login page expired: please log in again.",
    ),
    "back": ("Quay lại", "Go back"),
    # An error page's heading is its status code: a screen reader read "404" alone (review).
    "error_heading": ("Lỗi", "Error"),
    "choose_reason": ("— Chọn lý do —", "— Choose a reason —"),
    # Required with "Lý do khác", which a 400 page said only after submitting (review).
    "dismiss_note": (
        "Ghi chú về việc bác bỏ (bắt buộc khi chọn “Lý do khác”)",
        "Note on the dismissal (required with “Other reason”)",
    ),
    "request_note": ("Nội dung yêu cầu đơn vị giải trình", "What the unit must explain"),
    "conclude_note": ("Ghi chú kết luận", "Conclusion note"),
    "conclude_final": (
        "Tôi xác nhận kết luận này là cuối cùng (không sửa được sau khi kết luận)",
        "I confirm this conclusion is final (it cannot be changed afterwards)",
    ),
    "confirm_note": ("Ghi chú xác nhận", "Confirmation note"),
    # On a case waiting for its unit's explanation (the example says why an inspector confirms it then).
    "confirm_note_awaiting": (
        "Ghi chú xác nhận (ví dụ: đơn vị không giải trình, hoặc giải trình bằng văn bản giấy)",
        "Note on the confirmation (e.g. the unit gave no explanation, or explained on paper)",
    ),
    "ignored": (
        "không áp dụng: thao tác không hợp lệ ở trạng thái này",
        "not applied: not allowed in that state",
    ),
    "standing": ("Đánh giá tại thời điểm này", "Standing at this point"),
    "paused_for": ("thời gian tạm dừng đã trừ", "time paused, not counted"),
    "event_id": ("Mã sự kiện", "Event id"),
    "kind": ("Loại", "Kind"),
    **EXPORT_UI,
    **CASE_UI,
}

#: The standing of a dossier at an event (the auditor's classification) and its basis.
_STANDINGS = {
    "early": ("Trước hạn", "Early"),
    "on_time": ("Đúng hạn", "On time"),
    # The reporting form's word, as the facts above it and the packs say it ("Trễ hạn" beside "Quá hạn"
    # named one standing twice on one page: review).
    "late": ("Quá hạn", "Late"),
}
_BASES = {
    "due_at": ("theo ngày hẹn trả", "by the appointment date"),
    "max_time": ("theo thời hạn giải quyết của thủ tục", "by the procedure's time limit"),
    "restart": ("tính lại từ khi bổ sung xong hồ sơ", "counted again from the completed supplement"),
    "repeated_supplement": ("yêu cầu bổ sung quá một lần", "supplement requested more than once"),
    "no_limit": ("thủ tục không quy định thời hạn", "no time limit"),
}

#: The states no audit pack names; the handled ones are the packs' words (``reporting.pack_texts``, one list
#: for both: the pack said "đang chờ đơn vị giải trình" where the console said "Chờ giải trình").
_STATES = {
    "open": ("Chưa xử lý", "Open"),
    "closed": ("Đã đóng (vi phạm được rút lại)", "Closed (violation retracted)"),
}
_HANDLED = frozenset({"confirmed", "dismissed", "awaiting_explanation", "explained", "concluded"})
_ACTIONS = {
    "confirm": ("Xác nhận vi phạm", "Confirm"),
    # Confirming a data finding confirms the finding, not a violation (review).
    "confirm_finding": ("Xác nhận phát hiện", "Confirm the finding"),
    "dismiss": ("Bác bỏ", "Dismiss"),
    "request_explanation": ("Yêu cầu đơn vị giải trình", "Request an explanation"),
    "explain": ("Gửi giải trình", "Send explanation"),
    "conclude": ("Kết luận", "Conclude"),
    "close_retracted": ("Tự động đóng", "Closed automatically"),
    "reopen": ("Tự động mở lại", "Reopened automatically"),
}
#: A case's history says what was done, not the buttons' verbs ("insp (Inspector): Request an explanation"
#: read as an instruction: review).
_RECORDED = {
    "confirm": ("Đã xác nhận vi phạm", "Confirmed"),
    "confirm_finding": ("Đã xác nhận phát hiện", "Confirmed the finding"),
    "dismiss": ("Đã bác bỏ", "Dismissed"),
    "request_explanation": ("Đã yêu cầu đơn vị giải trình", "Requested an explanation"),
    "explain": ("Đã gửi giải trình", "Sent an explanation"),
    "conclude": ("Đã kết luận", "Concluded"),
}
_ROLES = {
    "inspector": ("Thành viên đoàn kiểm tra", "Inspector"),
    "unit": ("Cán bộ đơn vị", "Unit officer"),
    "leader": ("Lãnh đạo", "Leader"),
    "admin": ("Quản trị", "Administrator"),
    "system": ("Hệ thống", "System"),
}
_SORTS = {
    "newest": ("Mới nhất", "Newest"),
    "oldest": ("Cũ nhất", "Oldest"),
    "severity": ("Mức độ", "Severity"),
    "unit": ("Đơn vị", "Unit"),
    "rule": ("Quy tắc", "Rule"),
    "dossier": ("Mã hồ sơ", "Dossier id"),
}


class ConsoleTexts(Texts):
    """The reports' texts plus the console's own words (``ui``, ``state``, ``action``, ``reason``...)."""

    def __init__(self, lang: str) -> None:
        super().__init__(lang if lang in LANGS else "vi")
        self.i = 1 if self.lang == "en" else 0

    def ui(self, key: str) -> str:
        return _UI[key][self.i]

    def state(self, code: str, kind: str = "violation") -> str:
        """A case state in words; of a data finding, without calling it a violation ("Đã xác nhận vi phạm"
        read under "không tính là vi phạm": review)."""
        if code in _HANDLED:
            return _capitalised(case_words(code, kind, self.lang))
        return _STATES.get(code, (code, code))[self.i]

    def action(self, code: str) -> str:
        return _ACTIONS.get(code, (code, code))[self.i]

    def recorded(self, code: str, kind: str = "violation") -> str:
        """An action in a case's history: what was done (the system's own, as :meth:`action` words them)."""
        if code == "confirm" and kind == "finding":
            code = "confirm_finding"
        return _RECORDED[code][self.i] if code in _RECORDED else self.action(code)

    def reason(self, code: str) -> str:
        """A dismissal reason in words: the audit packs' (one word list for both), capitalised."""
        if code not in DISMISS_REASONS:
            return code
        return _capitalised(pack_text(f"reason_{code}", self.lang))

    def role(self, code: str) -> str:
        return _ROLES.get(code, (code, code))[self.i]

    def sort(self, code: str) -> str:
        return _SORTS.get(code, (code, code))[self.i]

    def error(self, code: str) -> str:
        """An error in words by its code (``state`` is a case-state conflict); unknown: a generic one."""
        code = "state_conflict" if code == "state" else code
        return ERRORS.get(code, ERRORS["400"])[self.i]

    def standing(self, code: str) -> str:
        return _STANDINGS.get(code, (code, code))[self.i]

    def basis(self, code: str) -> str:
        return _BASES.get(code, (code, code))[self.i]

    def note(self, text: str, system_code: str | None) -> str:
        """A case event's note: the system's own notes in the reader's language."""
        return self.ui(f"system_{system_code}") if system_code else text

    def paused(self, span: object) -> str:
        """A paused time in days and hours ("1 ngày 18 giờ", "20 giờ", "2 ngày"), in minutes under an hour:
        it read "0 ngày 20 giờ" and "0 ngày 0 giờ" (review)."""
        seconds = max(0, int(getattr(span, "total_seconds", lambda: 0)()))
        days, hours = seconds // 86_400, seconds % 86_400 // 3600
        vi = self.i == 0
        if not days and not hours:
            minutes = max(1, seconds // 60)
            return f"{minutes} phút" if vi else f"{minutes} minute{'s' * (minutes != 1)}"
        parts = []
        if days:
            parts.append(f"{days} ngày" if vi else f"{days} day{'s' * (days != 1)}")
        if hours:
            parts.append(f"{hours} giờ" if vi else f"{hours} hour{'s' * (hours != 1)}")
        return " ".join(parts)


#: The list's case-state filter, in the order a case goes: every state (the list offered only "open" and
#: "closed", so the cases awaiting a unit's explanation could not be listed but by typing the URL: review).
STATES = ("open", "awaiting_explanation", "explained", "confirmed", "dismissed", "concluded", "closed")


def _capitalised(words: str) -> str:
    """The packs' words (in a sentence) as a label: its first letter capitalised."""
    return words[:1].upper() + words[1:]
