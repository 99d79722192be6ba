"""Suite ``freshness``: the newest stored event is recent, and no unit fell silent.

The reference is ``now`` for the whole warehouse, and the week's end (or ``now`` while the week runs) for a
week: a week's report needs events up to its end. The newest event must be at most ``MAX_AGE`` older.
A unit that had events in each of four weeks of seven days in a row and none since, for the last seven days
up to the reference at least, and that no reform ended by then (the catalogue's ``valid_to``), fell silent:
its source stopped sending while the others went on, which the newest event of the whole warehouse never
showed (review of the checks), and a week's report then counts that unit with what little it holds. It is
named every week until it sends again, up to ``SILENT_WEEKS`` weeks of silence (the four weeks were those
before the last seven days only, so from its second silent week on it passed: review). Both
are warnings, not blocking: one-stop departments are closed at weekends and for up to nine days at Tết, so
silence is often legitimate; a stalled pipeline still shows up on every report's data-quality section.
"""

from __future__ import annotations

from datetime import timedelta

from checks.check import UNITS, Advice, Check
from checks.formatting import local_time, naive_utc
from checks.inputs import ACTIVE_WEEKS, SILENT_WEEKS
from checks.suite_run import SuiteRun
from inspections.timeunits import VN_TZ

SUITE = "freshness"
BLOCKING = False  # whether any of its expectations blocks reports
DESCRIPTION = (
    "The newest event is at most 3 days older than the reference time, and every unit with events in each "
    "of 4 weeks in a row has events in the last 7 days, named for up to 8 weeks of silence (warnings)."
)
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Sự kiện mới nhất đã cách đây hơn 3 ngày, hoặc có đơn vị (nêu ở trên) không có sự kiện nào trong 7 "
        "ngày dù trước khi ngừng có 4 tuần liền tuần nào cũng có (nêu mỗi tuần, tối đa 8 tuần). "
        "Có thể do ngày nghỉ (cuối tuần, lễ, Tết); nếu không, kiểm "
        "tra xem hệ thống nguồn (của đơn vị đó) còn gửi dữ liệu hay không (dossier-audit warehouse status "
        "--warehouse URL: sự kiện mới nhất và lần nạp cuối; chỉ số dossier_audit_events_in_total của tiến "
        "trình sink ngừng tăng khi không có dữ liệu đến), nạp hoặc đẩy lại vào luồng (ingest) các tệp còn "
        "thiếu, rồi lập lại báo cáo của các tuần liên quan."
    ),
    en=(
        "The newest event is more than 3 days old, or a unit (named above) has no event in 7 days though it "
        "had events in each of 4 weeks in a row before (named each week, for up to 8 weeks). Days off may "
        "explain it; otherwise see whether the "
        "source (that unit's) still sends (dossier-audit warehouse status --warehouse URL: the newest event "
        "and the last load; the sink's dossier_audit_events_in_total metric stops growing when nothing "
        "arrives), load or ingest the missing files, then build the weeks they touch again."
    ),
)

MAX_AGE = timedelta(days=3)
_SECOND = timedelta(seconds=1)
#: ``quality_newest_events`` gives a unit with no event by the reference the epoch: no event at all.
_EPOCH_YEAR = 1970


def run(suite: SuiteRun) -> None:
    # pandas is imported on use (~0.8 s measured, 2 CPUs, warm cache): see ``checks.formatting.jsonable``.
    import pandas as pd  # type: ignore[import-untyped]

    inputs = suite.inputs
    reference = inputs.now
    if inputs.scope.week is not None:
        reference = min(reference, inputs.scope.end)
    limit = reference - MAX_AGE
    frame = inputs.newest_events
    newest = frame["newest"].max() if len(frame) else None
    newest_dt = None if newest is None or pd.isna(newest) else newest.to_pydatetime()
    if newest_dt is not None and newest_dt.year <= _EPOCH_YEAR:  # the query's "none by the reference"
        newest_dt = None
    limit_ts = pd.Timestamp(naive_utc(limit))
    days = str(MAX_AGE.days)
    if newest_dt is None:  # it read "newest event at 1970-01-01 08:00" (review)
        fail_vi = "Dữ liệu chưa cập nhật: không có sự kiện nào đến {reference}"
        fail_en = "Data not fresh: no event up to {reference}"
    else:
        fail_vi = "Dữ liệu chưa cập nhật: sự kiện mới nhất lúc {newest}, cũ hơn {days} ngày so với "
        fail_vi += "{reference}"
        fail_en = "Data not fresh: newest event at {newest}, more than {days} days before {reference}"
    check = Check(
        expectation="events: the newest occurred_at is recent",
        column="occurred_at",
        blocking=False,
        build=lambda E: E.ExpectColumnMaxToBeBetween(column="newest", min_value=limit_ts),
        fail_vi=fail_vi,
        fail_en=fail_en,
        ok_vi="Dữ liệu cập nhật: sự kiện mới nhất lúc {newest}",
        ok_en="Data is fresh: newest event at {newest}",
        values_vi={
            "newest": local_time(newest_dt, "vi"),
            "days": days,
            "reference": local_time(reference, "vi"),
        },
        values_en={
            "newest": local_time(newest_dt, "en"),
            "days": days,
            "reference": local_time(reference, "en"),
        },
        params={"reference": reference.isoformat(), "max_age_seconds": MAX_AGE.total_seconds()},
    )
    suite.validate(frame, [check], UNITS)
    # A unit a reform ended by the reference is silent for that reason (the communes merged on 1/7/2025:
    # review of the diff). By the last day the check covers: a week's reference is its end, the Monday
    # after it, and a unit ended that Monday existed all week (review of the time zones).
    day = (reference - _SECOND).astimezone(VN_TZ).date()
    ended = {code for code, valid_to in inputs.catalogue_codes.ended.items() if valid_to <= day}
    weeks = frame["windows"].map(silent_weeks)
    active = frame.assign(silent_weeks=weeks)[
        frame["windows"].map(was_regular) & (weeks <= SILENT_WEEKS) & ~frame["unit_code"].isin(ended)
    ]
    active = active.reset_index(drop=True)
    values = {"vi": local_time(reference, "vi"), "en": local_time(reference, "en")}
    silent = Check(
        expectation="units with events in each of the 4 weeks before have events in the last 7 days",
        column="recent",
        blocking=False,
        build=lambda E: E.ExpectColumnValuesToBeBetween(column="recent", min_value=1),
        fail_vi="Đơn vị không có sự kiện nào trong 7 ngày đến {reference}, dù trước khi ngừng có 4 tuần liền "
        "tuần nào cũng có (nêu trong tối đa {weeks} tuần ngừng gửi): {n}",
        fail_en="Units with no event in the 7 days up to {reference}, though with events in each of 4 weeks "
        "in a row before they stopped (named for up to {weeks} silent weeks): {n}",
        ok_vi="Các đơn vị tuần nào trong 4 tuần trước cũng có sự kiện đều có sự kiện trong 7 ngày đến "
        "{reference} ({total})",
        ok_en="Every unit with events in each of the 4 weeks before has events in the 7 days up to "
        "{reference} ({total})",
        values_vi={"reference": values["vi"], "weeks": str(SILENT_WEEKS)},
        values_en={"reference": values["en"], "weeks": str(SILENT_WEEKS)},
        params={
            "reference": reference.isoformat(),
            "silent_days": 7,
            "active_weeks": ACTIVE_WEEKS,
            "silent_weeks_at_most": SILENT_WEEKS,
        },
    )
    suite.validate(active, [silent], UNITS, id_columns=["unit_code", "silent_weeks"])


def silent_weeks(windows: int) -> int:
    """How many weeks of 7 days up to the reference a unit has had no event in (``windows``: a bit per week
    counted back, ``Inputs.newest_events``); more than any bit when it has none in them."""
    windows = int(windows)
    return (windows & -windows).bit_length() - 1 if windows else 64


def was_regular(windows: int) -> bool:
    """Whether a unit had events in each of the ``ACTIVE_WEEKS`` weeks up to its silence (the weeks before
    the last 7 days when it is not silent): a unit that was never regular is not said to fall silent."""
    first = max(silent_weeks(windows), 1)
    run = ((1 << ACTIVE_WEEKS) - 1) << first
    return int(windows) & run == run
