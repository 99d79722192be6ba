"""Suite ``lifecycle``: events after a dossier's end, flagged as anomalies (non-blocking).

A dossier ends at its first end event by priority (``dossiers.end_at``). After it, returning the result
(``returned``) and corrections (``apology_issued``, ``due_date_changed``) are normal; anything else — a second
decision, a transfer or a supplement request on a closed dossier — is an anomaly for the inspector to look
at (EVENTS.md: "anomalies to report, not errors to drop"). The verdicts stay computable, so it only warns.
Times compare at whole seconds (the projection stores ``end_at`` without microseconds): an anomaly in the
same second as the end goes unflagged.
"""

from __future__ import annotations

from checks.check import CORRECTING, CORRECTING_VI, EVENTS, Advice, Check
from checks.suite_run import SuiteRun
from schemas.events import EventType

SUITE = "lifecycle"
BLOCKING = False  # whether any of its expectations blocks reports
DESCRIPTION = "Events after a dossier's end are flagged as anomalies (warning)."
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Có sự kiện phát sinh sau khi hồ sơ đã kết thúc (danh sách cụ thể có trong kết quả kiểm tra); báo "
        "cáo nêu chúng là điểm bất thường và không cần nạp lại dữ liệu. Hỏi đơn vị vì sao hồ sơ còn được "
        "xử lý sau khi kết thúc; nếu chính sự kiện kết thúc bị ghi sai, xử lý như sự kiện sai "
        f"({CORRECTING_VI})."
    ),
    en=(
        "Events follow their dossier's end (the check's results list them); the reports list them as "
        "anomalies and nothing needs loading. Ask the unit why work went on after the end; if the end "
        f"itself was recorded wrongly, treat it as a wrong stored event ({CORRECTING})."
    ),
)

#: Event types that may follow a dossier's end.
AFTER_END_ALLOWED = frozenset({EventType.RETURNED, EventType.APOLOGY_ISSUED, EventType.DUE_DATE_CHANGED})

NOTHING_AFTER_END = Check(
    expectation="events.occurred_at is not after the dossier's end",
    column="occurred_at",
    blocking=False,
    # A is the dossier's end, where the event's type may not follow an end (else missing and ignored).
    build=lambda E: E.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="end_limit", column_B="occurred_at", or_equal=True, ignore_row_if="either_value_is_missing"
    ),
    fail_vi="Sự kiện phát sinh sau khi hồ sơ đã kết thúc (bất thường, cần xem xét): {n}",
    fail_en="Events after the dossier had ended (anomalies to look at): {n}",
    ok_vi="Không có sự kiện sau khi hồ sơ kết thúc ({total})",
    ok_en="No event after a dossier's end ({total})",
    params={"allowed_after_end": sorted(str(t) for t in AFTER_END_ALLOWED)},
)


def run(suite: SuiteRun) -> None:
    inputs = suite.inputs
    events = inputs.events[["event_id", "dossier_id", "type", "occurred_at"]]
    frame = events.merge(inputs.dossier_ends, on="dossier_id", how="left")
    restricted = ~frame["type"].isin([str(t) for t in AFTER_END_ALLOWED])
    frame["end_limit"] = frame["end_at"].where(restricted)
    suite.validate(
        frame, [NOTHING_AFTER_END], EVENTS, id_columns=["dossier_id", "event_id", "type", "end_type"]
    )
