"""Which week the dashboard opens on, and what it says of a week without data (review of 2026-12-05): it
opened on the week before the one leadership got a report for (the last week complete at the newest event,
a Friday), and a week after the data showed the dossiers left open as if they were a week of work. Its
first figure is the form's total to handle, named as the report names it (it read "Tiếp nhận")."""

from __future__ import annotations

import re

from inspections.weeks import Week
from pipelines.report_runs import record_run
from reporting.gather import newest_event
from tests.console.conftest import ConsoleWorld, logged_in


def _week_shown(html: str) -> str:
    """The week the page shows: its heading says it as the report does ("45/2025 (03/11/2025 – …)"), the
    week field holds its ISO name."""
    field = re.search(r'<input id="week" name="week" value="(\d{4}-W\d{2})"', html)
    heading = re.search(r"<h1>[^<]*? (\d{2})/(\d{4}) <small>\((\d\d/\d\d/\d{4}) – ", html)
    assert field is not None and heading is not None, html[:800]
    week = Week.parse(field[1])
    shown = (int(heading[1]), int(heading[2]), heading[3])
    assert shown == (week.number, week.year, f"{week.start:%d/%m/%Y}")
    return field[1]


def test_the_dashboard_opens_on_the_latest_reported_week_and_flags_weeks_after_the_data(
    console_world: ConsoleWorld,
) -> None:
    newest = newest_event(console_world.wh)
    assert newest is not None
    complete = Week.last_complete(newest)
    client, _ = logged_in(console_world, "insp")

    page = client.get("/dashboard")
    assert page.status_code == 200 and _week_shown(page.text) == str(complete)
    assert "Tổng số phải giải quyết" in page.text and ">Tiếp nhận<" not in page.text

    # A report written for the week of the newest event (its Friday): the dashboard opens there.
    reported = Week.containing(newest)
    wh = console_world.wh
    with record_run(wh, "test-run/leadership_report", "leadership_report", {"week": str(reported)}):
        pass
    with record_run(wh, "test-run/audit_packs", "audit_packs", {"week": "2030-W01"}):
        pass  # another asset's week is no report of its own
    assert _week_shown(client.get("/dashboard").text) == str(reported)
    assert 'id="after-the-data"' not in client.get(f"/dashboard?week={reported}").text

    later = client.get(f"/dashboard?week={reported.next(10)}")
    assert later.status_code == 200 and 'id="after-the-data"' in later.text
    assert "Không có sự kiện nào từ đầu tuần này" in later.text
