"""Suite ``load_runs``: every recorded ``warehouse load`` completed (or was finished by a later load).

A load stores its events before it judges their dossiers: one killed in between (``kill -9``, a crash, a
full disk) leaves events and dossiers without their violations, and every other suite passes on such data;
one killed before it had stored its whole file leaves events missing too. So this one reads the load runs
(``warehouse.load_runs``) and fails while any run is unfinished — neither completed, nor recovered (it had
stored its whole file, and a later load re-judged what it stored), nor superseded (a later load of the
same source completed). Loading the source of each unfinished run again finishes it, which the message
says. A run still in progress counts as unfinished too: a report built during a load may miss violations
just the same.

Blocking: a report on this data may show too few violations. Whatever the week checked: an interrupted
load may have stored events of any week. No load recorded (events written by the stream sink, or a
warehouse from before load runs were recorded) passes.
"""

from __future__ import annotations

from checks.check import Advice, Check, Noun
from checks.suite_run import SuiteRun

LOAD_RUNS = Noun("lần nạp", "load runs", "load run")

SUITE = "load_runs"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = "Every warehouse load completed or was finished by a later load (blocking)."
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Có lần nạp chưa hoàn tất (danh sách cụ thể có trong kết quả kiểm tra, kèm tệp nguồn). Nạp lại "
        "đúng tệp nguồn đó, ở đúng đường dẫn đã ghi (trên bản triển khai: gắn tệp vào container ở đường "
        "dẫn ấy), bằng dossier-audit warehouse load TỆP --warehouse URL (lần nạp mới hoàn tất lần bị gián "
        "đoạn; tệp đã được bổ sung thêm dữ liệu vào cuối cũng được), rồi lập lại báo cáo của các tuần liên "
        "quan. Nếu tệp đó không còn hoặc đã bị sửa, thêm --supersede MÃ_LẦN_NẠP vào lệnh nạp để chấp nhận "
        "các sự kiện lần nạp ấy đã lưu."
    ),
    en=(
        "Loads did not finish (the check's results list them, with their source files). Load each such "
        "file again, at the path recorded (deployed: mount it into the container at that path), with "
        "dossier-audit warehouse load FILE --warehouse URL (which finishes the interrupted run; the file "
        "grown since will do too), then build the weeks it touched again. If that file is gone or was "
        "changed, add --supersede RUN_ID to a load to accept the events the run stored."
    ),
)
#: How many sources to load again the message names (the metadata lists up to ten runs).
SOURCES_NAMED = 5


def run(suite: SuiteRun) -> None:
    frame = suite.inputs.load_runs
    unfinished = frame[frame["state"] == "unfinished"]
    newest = unfinished.iloc[0] if len(unfinished) else None
    if newest is not None:
        last_vi = f"{newest['source']}, bắt đầu {newest['started_at']} (mã {newest['run_id']})"
        last_en = f"{newest['source']}, started {newest['started_at']} (run {newest['run_id']})"
    else:
        last_vi = last_en = "—"
    sources = list(dict.fromkeys(str(source) for source in unfinished["source"]))  # newest first, once each
    named = ", ".join(sources[:SOURCES_NAMED]) + (", …" if len(sources) > SOURCES_NAMED else "")
    if len(frame):
        ok_vi, ok_en = "Mọi lần nạp dữ liệu đã hoàn tất ({total})", "Every load completed ({total})"
    else:  # none at all: "every load completed (0 loads)" read as data missing beside a week of events
        # Without the command's name: this sentence is printed in the signed report too (review).
        ok_vi = "Chưa có lần nạp dữ liệu từ tệp nào: dữ liệu, nếu có, đến qua luồng sự kiện"
        ok_en = "No data loaded from a file yet: any data came through the event stream"
    check = Check(
        expectation="load_runs: every load completed",
        column="state",
        blocking=True,
        build=lambda E: E.ExpectColumnValuesToBeInSet(
            column="state", value_set=["completed", "recovered", "superseded"]
        ),
        fail_vi=(
            "Lần nạp dữ liệu chưa hoàn tất (bị ngắt hoặc đang chạy): {n}, gần nhất {last}; sự kiện và vi "
            "phạm của các hồ sơ có thể bị thiếu. Nạp lại {sources} (`dossier-audit warehouse load TỆP`) để "
            "hoàn tất"
        ),
        fail_en=(
            "Loads that did not complete (interrupted, or still running): {n}, newest {last}; events, and "
            "violations of the dossiers they stored, may be missing. Load {sources} again "
            "(`dossier-audit warehouse load FILE`) to finish them"
        ),
        ok_vi=ok_vi,
        ok_en=ok_en,
        values_vi={"last": last_vi, "sources": named},
        values_en={"last": last_en, "sources": named},
        params={"unfinished_runs": [str(run_id) for run_id in unfinished["run_id"][:10]]},
    )
    suite.validate(frame, [check], LOAD_RUNS, id_columns=["run_id", "source", "started_at"])
