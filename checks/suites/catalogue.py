"""Suite ``catalogue``: unit and procedure codes are known to the catalogue.

The catalogue is the newest snapshot stored in the warehouse (``catalogue_snapshots``); units are kept with
their validity and successors, so historical units stay known. Unknown unit codes on events are blocking:
per-unit reports, rankings and audit packs would lose or misplace those events. Unknown transfer targets and
unknown procedure codes are warnings: totals stay right, the audit already reports each such dossier as an
UNKNOWN_PROCEDURE finding, only its catalogue rules and field breakdown are missing.
"""

from __future__ import annotations

from checks.check import CORRECTING, CORRECTING_VI, DOSSIERS, EVENTS, Advice, Check, Noun, in_set
from checks.suite_run import SuiteRun

SUITE = "catalogue"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = (
    "Unit codes (blocking) and procedure codes (warning) are known to the newest catalogue snapshot."
)
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Có mã đơn vị hoặc mã thủ tục không có trong danh mục (danh sách cụ thể có trong kết quả kiểm "
        "tra). Thêm chúng vào tệp danh mục của tỉnh (docs/catalogue-format.md; trên bản triển khai: "
        "deploy/site/catalogue.yaml, khai báo qua biến môi trường DOSSIER_AUDIT_CATALOGUE), nạp danh mục "
        "vào kho dữ liệu (docker compose run --rm init, hoặc dossier-audit warehouse init --catalogue TỆP "
        "--warehouse URL), khởi động lại bộ phát hiện vi phạm (detect), đánh giá lại toàn bộ sự kiện đã "
        "lưu với danh mục đó (xem mục 'Re-evaluate stored history' trong tài liệu tiếng Anh "
        "docs/operators-guide.md), rồi lập lại báo cáo của các tuần liên quan. Nếu mã sai ở nguồn, xử lý "
        f"như sự kiện sai ({CORRECTING_VI})."
    ),
    en=(
        "Unit or procedure codes are missing from the catalogue (the check's results list them). Add them "
        "to the province's catalogue file (docs/catalogue-format.md; deployed: "
        "deploy/site/catalogue.yaml, named by DOSSIER_AUDIT_CATALOGUE), store it in the warehouse (docker "
        "compose run --rm init, or dossier-audit warehouse init --catalogue FILE --warehouse URL), "
        "restart the detectors, re-evaluate stored history with it (docs/operators-guide.md, 'Re-evaluate "
        "stored history'), then build the weeks they touch again. A code that is wrong at the source is a "
        f"wrong stored event ({CORRECTING})."
    ),
)

TRANSFERS = Noun("sự kiện chuyển xử lý", "transfers", "transfer")


def run(suite: SuiteRun) -> None:
    inputs = suite.inputs
    cat = inputs.catalogue_codes
    params = {"catalogue": cat.source}
    events = inputs.events
    suite.validate(
        events,
        [
            Check(
                expectation="events.unit_code is in the catalogue",
                column="unit_code",
                blocking=True,
                build=in_set("unit_code", cat.units),
                fail_vi="Mã đơn vị không có trong danh mục: {n}",
                fail_en="Unit code not in the catalogue: {n}",
                ok_vi="Mã đơn vị đều có trong danh mục ({total})",
                ok_en="All unit codes are in the catalogue ({total})",
                params=params,
            )
        ],
        EVENTS,
        id_columns=["event_id", "dossier_id"],
    )
    transfers = events[events["type"] == "transferred"].reset_index(drop=True)
    suite.validate(
        transfers,
        [
            Check(
                expectation="events.data.to_unit_code is in the catalogue",
                column="to_unit_code",
                blocking=False,
                build=in_set("to_unit_code", cat.units),
                fail_vi="Đơn vị nhận chuyển xử lý không có trong danh mục: {n}",
                fail_en="Transfer target unit not in the catalogue: {n}",
                ok_vi="Đơn vị nhận chuyển xử lý đều có trong danh mục ({total})",
                ok_en="All transfer target units are in the catalogue ({total})",
                params=params,
            )
        ],
        TRANSFERS,
        id_columns=["event_id", "dossier_id"],
    )
    suite.validate(
        inputs.dossiers,
        [
            # A week's events are those that occurred in it; a dossier carried over into it (received the
            # week before, its only event then) under an unknown unit passed the week's check, while its
            # report counted the dossier under that unit (review of the checks).
            Check(
                expectation="dossiers.unit_code is in the catalogue",
                column="unit_code",
                blocking=True,
                build=in_set("unit_code", cat.units),
                fail_vi="Mã đơn vị của hồ sơ không có trong danh mục: {n}",
                fail_en="Dossier's unit code not in the catalogue: {n}",
                ok_vi="Mã đơn vị của hồ sơ đều có trong danh mục ({total})",
                ok_en="All dossiers' unit codes are in the catalogue ({total})",
                params=params,
            ),
            Check(
                expectation="dossiers.procedure_code is in the catalogue",
                column="procedure_code",
                blocking=False,
                build=in_set("procedure_code", cat.procedures),
                fail_vi="Mã thủ tục không có trong danh mục: {n}",
                fail_en="Procedure code not in the catalogue: {n}",
                ok_vi="Mã thủ tục đều có trong danh mục ({total})",
                ok_en="All procedure codes are in the catalogue ({total})",
                params=params,
            ),
        ],
        DOSSIERS,
        id_columns=["dossier_id"],
    )
