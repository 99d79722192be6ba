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


def test_a_provisional_week_says_so_as_its_report_does(console_world: ConsoleWorld) -> None:
    """The report and the packs of a week whose data do not yet reach its end plus the maturity days say
    their figures are provisional; the dashboard showed the same figures as final (review). It says so
    now, with the report's reasons and the day they become final, and marks the week's bar in the trend."""
    newest = newest_event(console_world.wh)
    assert newest is not None
    client, _ = logged_in(console_world, "insp")
    current = Week.containing(newest)  # the data stop inside it
    page = client.get(f"/dashboard?week={current}&lang=vi").text
    box = re.search(r'<p class="notice warn" role="status" id="provisional">(.*?)</p>', page, re.S)
    assert box is not None and box[1].startswith("Số liệu tạm tính: "), page[:1500]
    assert "chính thức khi dữ liệu được nạp đủ và cập nhật đến ngày" in box[1]
    values = re.findall(r'<span class="value">(.*?)</span></li>', page, re.S)
    assert values[-1].endswith('<span aria-hidden="true">*</span><span class="sr"> (tạm tính)</span>')
    assert "*" not in "".join(values[:-1])
    assert '<p class="small" id="trend-note" aria-hidden="true">* Tạm' in page
    english = client.get(f"/dashboard?week={current}&lang=en").text
    assert 'id="provisional">Provisional figures: ' in english
    # A week all feeds have passed the end of by the maturity days (one feed of the conftest's stops on
    # 11/11, W46's Tuesday, and holds W45 and W46 back, as the report would: named in the reasons).
    lagging = client.get(f"/dashboard?week={current.previous(2)}&lang=vi").text
    assert 'id="provisional">Số liệu tạm tính: Dữ liệu mới cập nhật đến 11/11/2025' in lagging
    assert "(nguồn chậm nhất: &lt;script&gt;" in lagging  # named, and escaped
    final = client.get(f"/dashboard?week={current.previous(3)}&lang=vi").text
    assert 'id="provisional"' not in final and "tạm tính" not in final


def test_a_weeks_maturity_is_read_once_a_minute(console_world: ConsoleWorld, monkeypatch) -> None:
    """Diff review: judging the week provisional reads every stored event's source, and the dashboard did it
    at every view (the cases by state had just been made cheap for the same reason). It is kept as long as
    the week's figures are, per language."""
    import console.dashboard

    calls = []
    original = console.dashboard.figures_and_maturity  # type: ignore[attr-defined]

    def counted(*args, **kwargs):
        calls.append(args[4])
        return original(*args, **kwargs)

    monkeypatch.setattr(console.dashboard, "figures_and_maturity", counted)
    client, _ = logged_in(console_world, "insp")
    week = Week.parse("2025-W40")  # a week no other test reads: none of its maturity is kept yet
    for lang in ("vi", "vi", "en", "vi"):
        assert client.get(f"/dashboard?week={week}&lang={lang}").status_code == 200
    assert len(calls) == 2  # once in each language
