"""Suite ``consistency``: the tables the reports read agree with the stored events.

The reports count open violations and the reporting form's outcome rows (``dossier_outcomes``), which every
load and the sink derive from the events. Nothing but a hand-made change breaks that agreement, and the
guide's own procedure for wrong stored events (``CORRECTING``) deletes rows by hand from these tables: an
open violation or an outcome row left behind when its dossier's events were deleted, or an outcome row whose
interval overlaps another of its dossier's, passed every check while the week's report counted it (review
of the checks). The form takes each dossier by its row in force at the week's last instant: a dossier the
week counts (received before its end, not ended before its start) with no row then, a gap in its history
(a row shortened by hand), was left out of the figures and every check passed (review). Blocking: the
figures are wrong until the rows are mended.
"""

from __future__ import annotations

from typing import Any

from checks.check import CORRECTING, CORRECTING_VI, DOSSIERS, VIOLATIONS, Advice, Check, in_set
from checks.formatting import local_time
from checks.suite_run import SuiteRun

SUITE = "consistency"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = (
    "Open violations and outcome rows belong to dossiers with stored events, a dossier's outcome "
    "intervals do not overlap, and each dossier the form counts has an outcome row in force at its end."
)
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Bảng vi phạm hoặc bảng kết quả giải quyết không khớp với các sự kiện đã lưu (thường do xóa bản ghi "
        "bằng tay chưa hết; danh sách hồ sơ có trong kết quả kiểm tra). Làm lại đủ các bước xóa cho những "
        f"hồ sơ đó ({CORRECTING_VI}), nạp lại các sự kiện đúng, rồi lập lại báo cáo của các tuần liên quan."
    ),
    en=(
        "The violations or the outcome rows disagree with the stored events (usually rows deleted by hand "
        "only in part; the check's results list the dossiers). Finish the deletion for those dossiers "
        f"({CORRECTING}), load the right events again, then build the weeks they touch again."
    ),
)


def run(suite: SuiteRun) -> None:
    inputs = suite.inputs
    suite.validate(
        inputs.violation_dossiers,
        [
            Check(
                expectation="open violations belong to dossiers with stored events",
                column="has_events",
                blocking=True,
                build=in_set("has_events", [1]),
                fail_vi="Vi phạm đang mở của hồ sơ không còn sự kiện nào trong kho: {n}",
                fail_en="Open violations of dossiers with no stored event: {n}",
                ok_vi="Vi phạm đang mở đều thuộc hồ sơ có sự kiện trong kho ({total})",
                ok_en="Every open violation's dossier has stored events ({total})",
            )
        ],
        VIOLATIONS,
        id_columns=["dossier_id", "rule_id", "event_id"],
    )
    suite.validate(
        per_dossier(inputs.outcome_spans),
        [
            Check(
                expectation="outcome rows belong to dossiers with stored events",
                column="has_events",
                blocking=True,
                build=in_set("has_events", [1]),
                fail_vi="Hồ sơ có kết quả giải quyết nhưng không còn sự kiện nào trong kho: {n}",
                fail_en="Dossiers with outcome rows but no stored event: {n}",
                ok_vi="Kết quả giải quyết đều thuộc hồ sơ có sự kiện trong kho ({total})",
                ok_en="Every dossier with outcome rows has stored events ({total})",
            ),
            Check(
                expectation="a dossier's outcome intervals do not overlap",
                column="overlapping",
                blocking=True,
                build=in_set("overlapping", [0]),
                fail_vi="Hồ sơ có hai kết quả giải quyết cùng hiệu lực tại một thời điểm: {n}",
                fail_en="Dossiers with two outcome rows in force at one instant: {n}",
                ok_vi="Mỗi hồ sơ có một kết quả giải quyết tại mỗi thời điểm ({total})",
                ok_en="Each dossier has one outcome row at any instant ({total})",
            ),
        ],
        DOSSIERS,
        id_columns=["dossier_id"],
    )
    instant = inputs.outcome_instant
    suite.validate(
        inputs.outcome_in_force,
        [
            Check(
                expectation="each dossier the form counts has an outcome row in force at its end",
                column="in_force",
                blocking=True,
                build=in_set("in_force", [1]),
                fail_vi="Hồ sơ thuộc kỳ không có kết quả giải quyết có hiệu lực lúc {instant}, nên không "
                "được tính vào biểu mẫu: {n}",
                fail_en="Dossiers of the period with no outcome row in force at {instant}, left out of the "
                "form: {n}",
                ok_vi="Hồ sơ thuộc kỳ đều có kết quả giải quyết có hiệu lực lúc {instant} ({total})",
                ok_en="Every dossier of the period has an outcome row in force at {instant} ({total})",
                values_vi={"instant": local_time(instant, "vi")},
                values_en={"instant": local_time(instant, "en")},
                params={"instant": instant.isoformat()},
            )
        ],
        DOSSIERS,
        id_columns=["dossier_id", "received_at", "end_at"],
    )


def per_dossier(spans: Any) -> Any:
    """One row per dossier: ``has_events``, and ``overlapping`` (1 when an interval starts before one that
    started earlier has ended)."""
    # Typed: an empty frame's columns are objects, and an open interval ends at the largest UInt64.
    spans = spans.astype({"valid_from_key": "uint64", "valid_to_key": "uint64", "has_events": "int64"})
    ordered = spans.sort_values(["dossier_id", "valid_from_key"], kind="stable")
    reach = ordered.groupby("dossier_id")["valid_to_key"].cummax()
    before = reach.groupby(ordered["dossier_id"]).shift()
    ordered = ordered.assign(overlapping=(ordered["valid_from_key"] < before).astype(int))
    grouped = ordered.groupby("dossier_id", as_index=False, sort=True)
    return grouped.agg(has_events=("has_events", "min"), overlapping=("overlapping", "max"))
