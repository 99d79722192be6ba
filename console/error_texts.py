"""The console's error messages by code, Vietnamese and English (``ConsoleTexts.error``): what a page
shows for a refused form, a request out of bounds, a conflict or a failure. The API keeps its own English
messages; a page never shows an exception's text.
"""

from __future__ import annotations

__all__ = ["ACCOUNT_ERRORS", "ERRORS"]

#: Errors a page shows, by code (the API keeps its English messages): 400, 409, accounts, statuses.
ERRORS: dict[str, tuple[str, str]] = {
    "week": ("Tuần không hợp lệ (ví dụ 2025-W45 hoặc 45/2025).", "Not a week (e.g. 2025-W45 or 45/2025)."),
    "pack_week": ("Hãy chọn một tuần (ví dụ 2025-W45).", "Choose a week (e.g. 2025-W45)."),
    "pack_empty": (
        "Đơn vị không có hồ sơ nào trong tuần này, nên chưa có hồ sơ kiểm tra của đơn vị cho tuần này.",
        "The unit had no dossier that week: there is no audit pack.",
    ),
    "severity": ("Mức độ không hợp lệ.", "Not a severity."),
    "unit": ("Mã đơn vị không có trong danh mục.", "No unit of the catalogue has this code."),
    "unit_scope": (
        "Đơn vị này nằm ngoài phạm vi của tài khoản.",
        "This unit is outside the units of the account.",
    ),
    "below": ("Lựa chọn đơn vị trực thuộc không hợp lệ.", "Not a choice of the units below."),
    "rule": ("Quy tắc không có trong bộ quy tắc.", "No rule of the rulebook has this id."),
    "sort": ("Cách sắp xếp không hợp lệ.", "Not a sort order."),
    "case_state": ("Tình trạng xử lý không hợp lệ.", "Not a case state."),
    "page": ("Số trang không hợp lệ.", "Not a page number."),
    "action": ("Thao tác không hợp lệ.", "Not an action."),
    "too_long": ("Ghi chú, số văn bản hoặc lý do quá dài.", "Note, notice number or reason too long."),
    "control": (
        "Ghi chú hoặc số văn bản chứa ký tự điều khiển không hợp lệ.",
        "The note or notice number holds a control character.",
    ),
    "personal": (
        "Ghi chú hoặc số văn bản có một dãy 12 chữ số, như số định danh cá nhân: không ghi thông tin cá nhân "
        "của người nộp hồ sơ (số định danh, họ tên, số điện thoại) vào việc xử lý vi phạm; hãy ghi mã hồ sơ.",
        "The note or notice number holds twelve digits, as a citizen id: write no applicant's personal data "
        "(id number, name, phone) in a case; write the dossier's code instead.",
    ),
    "reason_only_dismiss": ("Lý do chỉ dùng khi bác bỏ.", "A reason goes with a dismissal only."),
    "notice_only_explain": (
        "Số văn bản chỉ dùng khi gửi giải trình.",
        "A notice number goes with an explanation only.",
    ),
    "role": ("Vai trò của bạn không được thực hiện thao tác này.", "Your role may not do this."),
    "reason": ("Hãy chọn lý do bác bỏ.", "Choose the reason for the dismissal."),
    "text": ("Hãy nhập nội dung giải trình.", "Write the explanation."),
    "final": (
        "Kết luận là bước cuối, không sửa được: hãy đánh dấu ô xác nhận trước khi kết luận.",
        "A conclusion is final and cannot be changed: tick the box to confirm before concluding.",
    ),
    "other_note": (
        "Bác bỏ vì lý do khác: hãy ghi rõ lý do vào ghi chú.",
        "A dismissal for another reason: write that reason in the note.",
    ),
    "retracted": (
        "Vi phạm đã được rút lại: việc xử lý vi phạm đã đóng.",
        "The detector retracted this violation: its case is closed.",
    ),
    "changed": (
        "Vi phạm này đã được cập nhật sau khi trang được mở (bởi người khác, hoặc từ một trang hay lần gửi "
        "khác của chính anh/chị), nên thao tác chưa được ghi. Hãy mở lại hồ sơ, xem trạng thái mới rồi quyết "
        "định lại.",
        "This case was updated after the page was opened (by someone else, or from another page or an "
        "earlier submission of yours), so your action was not recorded. Open the dossier again, see its new "
        "state, then decide again.",
    ),
    "state_conflict": (
        "Tình trạng xử lý của vi phạm không cho phép thao tác này (có thể người khác vừa cập nhật).",
        "The case's state does not allow this (someone may have just changed it).",
    ),
    "unknown_login": ("Không có tài khoản này.", "No such account."),
    "bad_login_name": (
        "Tên đăng nhập gồm 1–64 chữ cái không dấu, chữ số hoặc . _ - @.",
        "A login is 1-64 ASCII letters, digits or . _ - @.",
    ),
    "new_login_start": (
        "Tên đăng nhập mới bắt đầu bằng chữ cái hoặc chữ số.",
        "A new login starts with a letter or digit.",
    ),
    "login_case_clash": (
        "Đã có tài khoản cùng tên đăng nhập, chỉ khác chữ hoa, chữ thường.",
        "Another account has this login in other letter case.",
    ),
    "login_exists": (
        "Đã có tài khoản với tên đăng nhập này. Để đổi vai trò, đơn vị hoặc mật khẩu của tài khoản này, "
        "đánh dấu \u201cThay tài khoản đã có\u201d rồi gửi lại.",
        "An account has this login. To change its role, unit or password, tick \u201cReplace the "
        "account\u201d and send again.",
    ),
    "bad_role": ("Vai trò không hợp lệ.", "Not a role."),
    "unit_needed": ("Cán bộ đơn vị cần có mã đơn vị.", "A unit officer needs a unit code."),
    "unknown_unit": ("Mã đơn vị không có trong danh mục.", "Not a unit of the catalogue."),
    "unit_only_for_officers": (
        "Chỉ tài khoản cán bộ đơn vị mới gắn với một đơn vị (các vai trò khác xem mọi đơn vị).",
        "Only a unit officer's account has a unit (the other roles see every unit).",
    ),
    "password_short": ("Mật khẩu cần ít nhất 10 ký tự.", "The password needs at least 10 characters."),
    "password_spaces": (
        "Mật khẩu không được bắt đầu, kết thúc bằng dấu cách hoặc chứa xuống dòng.",
        "The password must not start or end with spaces nor hold a line break.",
    ),
    "400": ("Yêu cầu không hợp lệ.", "Bad request."),
    "403": (
        "Bạn không có quyền xem trang này hoặc thực hiện thao tác này.",
        "You may not see this page or take this action.",
    ),
    "cross_site": (
        "Yêu cầu đăng nhập được gửi từ một trang web khác nên đã bị từ chối. Hãy tự mở trang đăng nhập của "
        "hệ thống (gõ địa chỉ hoặc dùng dấu trang) rồi đăng nhập lại.",
        "The login was sent from another website and was refused. Open the console's login page yourself "
        "(type its address or use a bookmark) and log in again.",
    ),
    "csrf": (
        "Biểu mẫu đã hết hạn (trang được mở trước lần đăng nhập gần nhất). Hãy tải lại trang rồi thao tác "
        "lại.",
        "The form has expired (the page was opened before your last login). Reload the page and try again.",
    ),
    "404": ("Không tìm thấy.", "Not found."),
    "409": (
        "Tình trạng xử lý của vi phạm không cho phép thao tác này.",
        "The case's state does not allow this.",
    ),
    "413": (
        "Nội dung gửi lên quá lớn (quá 1 MB). Nếu đang gửi ghi chú, hãy rút ngắn rồi gửi lại.",
        "What was sent is too large (over 1 MB). If it held a note, shorten the note and send it again.",
    ),
    "415": ("Yêu cầu không hợp lệ.", "Bad request."),
    "429": ("Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau.", "Too many failed logins."),
    "500": ("Đã có lỗi. Vui lòng thử lại.", "Something went wrong. Please try again."),
    "503": ("Hệ thống đang bận, vui lòng thử lại sau giây lát.", "Busy: please try again in a moment."),
}
ACCOUNT_ERRORS = frozenset({"unknown_login", "bad_login_name", "new_login_start", "login_case_clash",
                            "login_exists", "bad_role",
                            "unit_needed",
                            "unit_only_for_officers",
                            "unknown_unit", "password_short", "password_spaces"})  # fmt: skip
