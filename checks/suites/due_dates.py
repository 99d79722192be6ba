"""Suite ``due_dates``: the appointment date (``due_at``) is not before the reception (``received_at``).

Blocking: such a dossier is late the moment it is received, which corrupts the on-time rate and raises
false lateness violations. Dossiers without an appointment date are left to the NO_APPOINTMENT rule.

Compared as dates in Vietnam's time, as the rulebook compares them: a same-day procedure is due on the
day of its reception (RULES.md v2, amendment 4), and a source that sends the appointment as that date
(00:00) for a dossier received at 08:37 is right; compared as instants, it failed the week's data
(Dagster seat of 2026-12-07).
"""

from __future__ import annotations

from checks.check import CORRECTING, CORRECTING_VI, DOSSIERS, Advice, Check
from checks.suite_run import SuiteRun

SUITE = "due_dates"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = "due_at's date is not before received_at's (in Vietnam's time) in the dossiers (blocking)."
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Một số hồ sơ có ngày hẹn trả kết quả sớm hơn ngày tiếp nhận (danh sách cụ thể có trong kết "
        "quả kiểm tra): sự kiện tiếp nhận (received) ghi sai ngày hẹn trả hoặc sai thời điểm tiếp nhận. "
        "Ngày hẹn này lấy từ sự kiện tiếp nhận; một sự kiện điều chỉnh ngày hẹn trả (due_date_changed) "
        "không những không sửa được ngày hẹn này mà còn làm phát sinh vi phạm. Xử lý như sự kiện sai: xóa "
        f"bản ghi sự kiện tiếp nhận đã lưu ({CORRECTING_VI}), nạp sự kiện tiếp nhận đã sửa, rồi lập lại "
        "báo cáo của các tuần liên quan."
    ),
    en=(
        "A dossier's due date is before the day of its reception (the check's results list them): its "
        "received event has a wrong due date or time. That date comes from the received event; a "
        "due_date_changed event does not correct it, and would count as a violation. Treat it as a wrong "
        f"stored event: delete the stored received event ({CORRECTING}), load the corrected one, then "
        "build the weeks it touches again."
    ),
)

DUE_NOT_BEFORE_RECEIVED = Check(
    expectation="dossiers.due_at is not before received_at",
    column="due_at",
    blocking=True,
    build=lambda E: E.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="due_on", column_B="received_on", or_equal=True, ignore_row_if="either_value_is_missing"
    ),
    fail_vi="Ngày hẹn trả trước ngày tiếp nhận: {n}",
    fail_en="Appointment date before the reception: {n}",
    ok_vi="Ngày hẹn trả không trước ngày tiếp nhận ({total})",
    ok_en="No appointment date before its reception ({total})",
)


def run(suite: SuiteRun) -> None:
    suite.validate(suite.inputs.dossiers, [DUE_NOT_BEFORE_RECEIVED], DOSSIERS, id_columns=["dossier_id"])
