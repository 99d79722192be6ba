"""Suite ``load_runs``: every recorded ``warehouse load`` completed (or was finished by a later load).

A load stores its events before it judges their dossiers: one killed in between (``kill -9``, a crash, a
full disk) leaves events and dossiers without their violations, and every other suite passes on such data.
So this one reads the load runs (``warehouse.load_runs``) and fails while any run is unfinished — neither
completed nor recovered by a later load, which re-judges what the interrupted one stored. A run still in
progress counts as unfinished too: a report built during a load may miss violations just the same.

Blocking: a report on this data may show too few violations. Whatever the week checked: an interrupted
load may have stored events of any week. No load recorded (events written by the stream sink, or a
warehouse from before load runs were recorded) passes.
"""

from __future__ import annotations

from checks.check import Check, Noun
from checks.suite_run import SuiteRun

LOAD_RUNS = Noun("lần nạp", "load runs", "load run")

SUITE = "load_runs"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = "Every warehouse load completed or was finished by a later load (blocking)."


def run(suite: SuiteRun) -> None:
    frame = suite.inputs.load_runs
    unfinished = frame[frame["state"] == "unfinished"]
    newest = unfinished.iloc[0] if len(unfinished) else None
    if newest is not None:
        last_vi = f"{newest['source']}, bắt đầu {newest['started_at']} (mã {newest['run_id']})"
        last_en = f"{newest['source']}, started {newest['started_at']} (run {newest['run_id']})"
    else:
        last_vi = last_en = "—"
    check = Check(
        expectation="load_runs: every load completed",
        column="state",
        blocking=True,
        build=lambda E: E.ExpectColumnValuesToBeInSet(column="state", value_set=["completed", "recovered"]),
        fail_vi=(
            "Lần nạp dữ liệu chưa hoàn tất (bị ngắt hoặc đang chạy): {n}, gần nhất {last}; vi phạm của các "
            "hồ sơ đã nạp có thể bị thiếu. Chạy lại `dossier-audit warehouse load` để hoàn tất"
        ),
        fail_en=(
            "Loads that did not complete (interrupted, or still running): {n}, newest {last}; violations of "
            "the dossiers they stored may be missing. Run `dossier-audit warehouse load` again to finish them"
        ),
        ok_vi="Mọi lần nạp dữ liệu đã hoàn tất ({total})",
        ok_en="Every load completed ({total})",
        values_vi={"last": last_vi},
        values_en={"last": last_en},
        params={"unfinished_runs": [str(run_id) for run_id in unfinished["run_id"][:10]]},
    )
    suite.validate(frame, [check], LOAD_RUNS, id_columns=["run_id", "source", "started_at"])
