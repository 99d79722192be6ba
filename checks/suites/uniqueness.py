"""Suite ``uniqueness``: one event per ``event_id``.

The events table is a ReplacingMergeTree ordered by (dossier_id, occurred_at, occurred_at_us, event_id), so
reading it FINAL removes exact re-deliveries but keeps the same ``event_id`` stored under another dossier or
another time (a conflicting re-send from a source system): that is what this suite catches. Blocking: such
an event is counted twice and may change a dossier's verdict. FINAL also merges two rows of one sorting key
whose contents differ (another type, unit or fingerprint under the same dossier, time and id, written by
hand or by a producer that skipped the conflict check) into one of them, whichever the merges keep: the
second check reads the raw rows for an id stored with two fingerprints (review: such a copy passed).
"""

from __future__ import annotations

from checks.check import CORRECTING, CORRECTING_VI, Advice, Check, Noun
from checks.suite_run import SuiteRun

EVENT_ROWS = Noun("bản ghi sự kiện", "event rows", "event row")
EVENT_IDS = Noun("mã sự kiện", "event ids", "event id")

SUITE = "uniqueness"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = (
    "event_id is unique across dossiers and times, and stored with one content (fingerprint) (blocking)."
)
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Hệ thống nguồn đã dùng một mã sự kiện cho hai sự kiện (danh sách cụ thể có trong kết quả kiểm "
        "tra). Nạp lại dữ liệu không ghi đè được sự kiện đã lưu, nên nạp lại tệp đã sửa là không đủ: đề "
        "nghị đơn vị quản lý hệ thống nguồn cấp mã mới cho sự kiện bị trùng mã, xóa bản ghi đã lưu của sự "
        f"kiện đó ({CORRECTING_VI}), nạp các sự kiện đã sửa của hồ sơ, rồi lập lại báo cáo của các tuần "
        "liên quan."
    ),
    en=(
        "The source gave one event_id to two events (the check's results list them). A load never "
        "replaces a stored event, so loading a corrected file again is not enough: have the source give "
        f"the wrong event an id of its own, delete its stored copy ({CORRECTING}), load the corrected "
        "events of its dossier, then build the weeks it touched again."
    ),
)

EVENT_ID_UNIQUE = Check(
    expectation="events.event_id is unique",
    column="event_id",
    blocking=True,
    build=lambda E: E.ExpectColumnValuesToBeUnique(column="event_id"),
    fail_vi="Mã sự kiện (event_id) bị trùng ở hồ sơ hoặc thời điểm khác nhau: {n}",
    fail_en="event_id repeated under different dossiers or times: {n}",
    ok_vi="Mã sự kiện không trùng ({total})",
    ok_en="event_id is unique ({total})",
)

EVENT_ID_ONE_CONTENT = Check(
    expectation="events.event_id is stored with one content",
    column="fingerprint",
    blocking=True,
    # The frame holds only the ids with two contents or more: every row of it fails.
    build=lambda E: E.ExpectColumnValuesToBeBetween(column="versions", max_value=1),
    fail_vi="Mã sự kiện (event_id) được lưu với nội dung khác nhau: {n}",
    fail_en="event_id stored with different contents: {n}",
    ok_vi="Không mã sự kiện nào được lưu với hai nội dung khác nhau",
    ok_en="No event_id is stored with two contents",
)


def run(suite: SuiteRun) -> None:
    # In a week, the frame also holds the other copies of the week's event ids, wherever they are stored.
    suite.validate(
        suite.inputs.event_copies,
        [EVENT_ID_UNIQUE],
        EVENT_ROWS,
        id_columns=["event_id", "dossier_id", "occurred_at"],
    )
    suite.validate(
        suite.inputs.event_versions,
        [EVENT_ID_ONE_CONTENT],
        EVENT_IDS,
        id_columns=["event_id", "dossier_id", "occurred_at", "versions"],
    )
