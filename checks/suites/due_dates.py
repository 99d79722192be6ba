"""Suite ``due_dates``: the appointment date (``due_at``) is not before the reception (``received_at``).

Blocking: such a dossier is late the moment it is received, which corrupts the on-time rate and raises
false lateness violations. Dossiers without an appointment date are left to the NO_APPOINTMENT rule.
"""

from __future__ import annotations

from checks.check import DOSSIERS, Advice, Check
from checks.suite_run import SuiteRun

SUITE = "due_dates"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = "due_at is not before received_at in the dossier projection (blocking)."
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Hạn trả kết quả của hồ sơ sớm hơn lúc tiếp nhận (các hồ sơ ở mục ví dụ), thường do sự kiện tiếp "
        "nhận hoặc điều chỉnh hạn ghi sai ngày. Đề nghị nguồn gửi một sự kiện due_date_changed (mã sự "
        "kiện mới) ghi đúng hạn, nạp sự kiện đó, rồi lập lại báo cáo của tuần."
    ),
    en=(
        "A dossier's due date is before its reception (the dossiers under the examples), usually a "
        "received or due_date_changed event with a wrong date. Have the source send a due_date_changed "
        "event (a new event_id) with the right date, load it, then build the week again."
    ),
)

DUE_NOT_BEFORE_RECEIVED = Check(
    expectation="dossiers.due_at is not before received_at",
    column="due_at",
    blocking=True,
    build=lambda E: E.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="due_at", column_B="received_at", or_equal=True, ignore_row_if="either_value_is_missing"
    ),
    fail_vi="Ngày hẹn trả trước ngày tiếp nhận: {n}",
    fail_en="Appointment date before the reception: {n}",
    ok_vi="Ngày hẹn trả không trước ngày tiếp nhận ({total})",
    ok_en="No appointment date before its reception ({total})",
)


def run(suite: SuiteRun) -> None:
    suite.validate(suite.inputs.dossiers, [DUE_NOT_BEFORE_RECEIVED], DOSSIERS, id_columns=["dossier_id"])
