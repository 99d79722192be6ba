"""Suite ``event_time``: ``occurred_at`` not in the future (blocking) and not before the platform's
earliest plausible data (a warning).

An event dated after the moment of checking (a wrong clock, a day/month swap) moves dossiers between weeks
and flips on-time verdicts: blocking. One dated before 2015 is suspect but valid (the contract takes the
years 2000–2050, and a province may load older history), so it warns without blocking the week's reports.
Both check every event of the dossiers in scope (``Inputs.dossier_events``), wherever its time falls: a
week's own events never hold the stray dates, which lie outside it. A third check takes every stored event
dated after the clock in the other dossiers, whatever the scope (``Inputs.events_after``, bounded): a dossier
dated wholly in the future is in no week checked before its dates, and no longer in the future once they have
passed, so only the weekly runs made meanwhile can name it (review: a W41 dossier moved to December passed W41
and W42). It warns without blocking: those events change no figure of the week checked, and blocking there
marked every weekly report "built on failed data", and withheld it under ``halt_on_blocking_failure``, for
as long as one mistyped year stayed stored (last read of the session); a run of the whole warehouse, or of
a week whose dossiers include theirs, blocks on them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from checks.check import CORRECTING, CORRECTING_VI, EVENTS, Advice, Check
from checks.formatting import local_time
from checks.suite_run import SuiteRun

SUITE = "event_time"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = (
    "occurred_at not in the future (blocking; in other dossiers, a warning) and on or after 2015-01-01 "
    "(a warning)."
)
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Có sự kiện mang thời điểm trong tương lai (lỗi thuộc kiểm tra bắt buộc) hoặc trước năm 2015 "
        "(cảnh báo), thường do đồng hồ hoặc múi giờ của hệ thống nguồn sai (danh sách cụ thể có trong kết "
        "quả kiểm tra). Nạp lại dữ liệu không ghi đè được sự kiện đã lưu: đề nghị đơn vị quản lý hệ thống "
        f"nguồn sửa thời điểm, xóa các bản ghi đã lưu ({CORRECTING_VI}), nạp các sự kiện đã sửa, rồi lập "
        "lại báo cáo của các tuần liên quan."
    ),
    en=(
        "Events are dated in the future (blocking) or before 2015 (a warning), usually a source's wrong "
        "clock or time zone (the check's results list them). A load never replaces a stored event: have "
        f"the source correct the times, delete the stored events ({CORRECTING}), load the corrected ones, "
        "then build the weeks they touch again."
    ),
)

#: No one-stop system fed the platform before this (the decree era starts in 2018; margin for back-loads).
EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
#: Clock skew between source systems and the checker that is not yet "the future".
FUTURE_TOLERANCE = timedelta(minutes=5)


def checks(now: datetime) -> list[Check]:
    """The two checks of the scope's events at ``now``."""
    latest = now + FUTURE_TOLERANCE
    # On the epoch-seconds column (fast); the checks still report on occurred_at.
    earliest_s, latest_s = int(EARLIEST.timestamp()), int(latest.timestamp())
    return [
        Check(
            expectation="events.occurred_at is not before 2015-01-01",
            column="occurred_at",
            blocking=False,  # valid by the contract (2000–2050): suspect, not wrong
            build=lambda E: E.ExpectColumnValuesToBeBetween(column="occurred_epoch", min_value=earliest_s),
            fail_vi="Thời điểm sự kiện trước {limit} (sai đồng hồ hoặc sai định dạng): {n}",
            fail_en="Event time before {limit} (wrong clock or format): {n}",
            ok_vi="Thời điểm sự kiện không trước {limit} ({total})",
            ok_en="No event time before {limit} ({total})",
            values_vi={"limit": "01/01/2015"},
            values_en={"limit": "2015-01-01"},
            params={"earliest": EARLIEST.isoformat()},
        ),
        Check(
            expectation="events.occurred_at is not in the future",
            column="occurred_at",
            blocking=True,
            build=lambda E: E.ExpectColumnValuesToBeBetween(column="occurred_epoch", max_value=latest_s),
            fail_vi="Thời điểm sự kiện ở tương lai (sau {limit}): {n}",
            fail_en="Event time in the future (after {limit}): {n}",
            ok_vi="Không có sự kiện ở tương lai ({total})",
            ok_en="No event in the future ({total})",
            values_vi={"limit": local_time(latest, "vi")},
            values_en={"limit": local_time(latest, "en")},
            params={"now": now.isoformat(), "tolerance_seconds": FUTURE_TOLERANCE.total_seconds()},
        ),
    ]


def elsewhere(now: datetime, total: int) -> Check:
    """The check of the events dated after ``now`` (and the skew) in dossiers outside the scope; ``total``:
    how many there are in the whole warehouse (at most ``inputs.FUTURE_EXAMPLES`` are read)."""
    latest = now + FUTURE_TOLERANCE
    latest_s = int(latest.timestamp())
    return Check(
        expectation="events.occurred_at is not in the future, in any other dossier",
        column="occurred_at",
        blocking=False,  # changes no figure of the week checked (blocking in a run whose scope holds it)
        build=lambda E: E.ExpectColumnValuesToBeBetween(column="occurred_epoch", max_value=latest_s),
        fail_vi="Sự kiện của hồ sơ khác mang thời điểm ở tương lai (sau {limit}): {n}",
        fail_en="Events of other dossiers dated in the future (after {limit}): {n}",
        ok_vi="Không có sự kiện của hồ sơ khác ở tương lai ({total})",
        ok_en="No event of another dossier in the future ({total})",
        values_vi={"limit": local_time(latest, "vi")},
        values_en={"limit": local_time(latest, "en")},
        params={"now": now.isoformat(), "future_in_warehouse": total},
    )


def run(suite: SuiteRun) -> None:
    inputs = suite.inputs
    ids = ["event_id", "dossier_id", "occurred_at"]
    suite.validate(inputs.dossier_events, checks(inputs.now), EVENTS, id_columns=ids)
    future, total = inputs.events_after(inputs.now + FUTURE_TOLERANCE)
    # Those of the other dossiers: the scope's dossiers (every event of them) are the blocking check's.
    other = future[~future["dossier_id"].isin(inputs.dossier_events["dossier_id"])]
    suite.validate(other.reset_index(drop=True), [elsewhere(inputs.now, total)], EVENTS, id_columns=ids)
