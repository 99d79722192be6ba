"""Suite ``uniqueness``: one event per ``event_id``.

The events table is a ReplacingMergeTree ordered by (dossier_id, occurred_at, occurred_at_us, event_id), so
reading it FINAL removes exact re-deliveries but keeps the same ``event_id`` stored under another dossier or
another time (a conflicting re-send from a source system): that is what this suite catches. Blocking: such
an event is counted twice and may change a dossier's verdict.
"""

from __future__ import annotations

from checks.check import Check, Noun
from checks.suite_run import SuiteRun

EVENT_ROWS = Noun("bản ghi sự kiện", "event rows", "event row")

SUITE = "uniqueness"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = "event_id is unique across dossiers and times (blocking)."

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


def run(suite: SuiteRun) -> None:
    # In a week, the frame also holds the other copies of the week's event ids, wherever they are stored.
    suite.validate(
        suite.inputs.event_copies,
        [EVENT_ID_UNIQUE],
        EVENT_ROWS,
        id_columns=["event_id", "dossier_id", "occurred_at"],
    )
