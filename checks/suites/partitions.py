"""Suite ``partitions``: each dossier's events came through one partition of the events topic.

A detector judges the dossiers of its partitions, each from the events it reads there. A message keyed by
another dossier is refused (``key.mismatch``), but one without a key is accepted as the producer's choice
(a single partition, or routing of its own), and Kafka spreads keyless messages over the partitions: a
dossier whose receipt and processing came through two partitions was judged in two halves, and the half
with only the receipt was found late without an apology that the batch audit and the warehouse do not find
(review of the streaming seat). So were the dossiers open when partitions were added to the topic (a key's
partition changes). The events the sink stored say where each came from (``kafka:<topic>/<partition>``),
so this suite counts them per dossier. Events loaded from files are judged by the load, whole, and are not
counted. Blocking: the open violations of such a dossier may be wrong.
"""

from __future__ import annotations

from checks.check import DOSSIERS, Advice, Check, in_set
from checks.suite_run import SuiteRun

SUITE = "partitions"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = "Each dossier's streamed events came through one partition of the events topic (blocking)."
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Sự kiện của một hồ sơ đến qua nhiều phân vùng (partition) của chủ đề sự kiện: hệ thống gửi không "
        "đặt khóa tin nhắn (key) là mã hồ sơ, hoặc chủ đề đã được thêm phân vùng (danh sách hồ sơ có trong "
        "kết quả kiểm tra). Mỗi bộ phát hiện chỉ thấy một phần hồ sơ, nên vi phạm đang mở của các hồ sơ này "
        "có thể sai. Đề nghị hệ thống gửi đặt khóa là mã hồ sơ (lệnh dossier-audit ingest đã làm vậy), đánh "
        "giá lại các hồ sơ đó từ kho (xem mục 'Replay and backfill', phần Re-evaluate stored history, trong "
        "tài liệu tiếng Anh docs/operators-guide.md), rồi lập lại báo cáo của các tuần liên quan."
    ),
    en=(
        "A dossier's events came through more than one partition of the events topic: a producer sent them "
        "without the dossier_id as the message key, or partitions were added to the topic (the check's "
        "results list the dossiers). Each detector saw part of the dossier, so their open violations may be "
        "wrong. Have the producer key every message by its dossier_id (dossier-audit ingest does), judge "
        "those dossiers again from the warehouse (docs/operators-guide.md, 'Replay and backfill': "
        "Re-evaluate stored history), then build the weeks they touch again."
    ),
)


def run(suite: SuiteRun) -> None:
    suite.validate(
        suite.inputs.dossier_partitions,
        [
            Check(
                expectation="a dossier's streamed events came through one partition",
                column="partitions",
                blocking=True,
                build=in_set("partitions", [1]),
                fail_vi="Hồ sơ có sự kiện đến qua nhiều phân vùng của chủ đề sự kiện: {n}",
                fail_en="Dossiers whose events came through several partitions of the events topic: {n}",
                ok_vi="Sự kiện của mỗi hồ sơ đến qua một phân vùng ({total})",
                ok_en="Each dossier's events came through one partition ({total})",
            )
        ],
        DOSSIERS,
        id_columns=["dossier_id", "sources"],
    )
