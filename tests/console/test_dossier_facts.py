"""A dossier's facts say whether it is still in progress (review of 2026-12-05): an open dossier past its
date read "Kết quả: Quá hạn", as a late result, and "Hạn trả" did not say it is the receipt's date (an
apology's new date is among the events)."""

from __future__ import annotations

import re
from urllib.parse import quote

from tests.console.conftest import ConsoleWorld, logged_in
from warehouse.store import DOSSIER_COLUMNS


def _status(html: str) -> str:
    found = re.search(r'<dd id="fact-status">(.*?)</dd>', html, re.S)
    assert found is not None
    return re.sub(r"<[^>]+>", "", found[1])


def test_the_facts_say_in_progress_or_how_it_ended(console_world: ConsoleWorld) -> None:
    ended, open_late = "000.10.01.H99-251103-0001", "000.10.02.H99-251105-0007"  # processed; made open
    # The examples' dossiers have all ended: one late dossier's newest row, open (this module's warehouse).
    columns = ", ".join(DOSSIER_COLUMNS)
    chosen = ", ".join({"end_type": "NULL", "end_at": "NULL", "version": "version + 1"}.get(c, c)
                       for c in DOSSIER_COLUMNS)  # fmt: skip
    console_world.wh.execute(
        f"INSERT INTO dossiers ({columns}) SELECT {chosen} FROM dossiers FINAL WHERE dossier_id = %(d)s",
        {"d": open_late},
    )
    client, _ = logged_in(console_world, "insp")
    page = client.get(f"/dossiers/{quote(open_late, safe='')}").text
    assert _status(page).startswith("Đang giải quyết, quá hạn (tính đến ")
    assert "Hạn trả (ghi trên giấy tiếp nhận)" in page
    shown = _status(client.get(f"/dossiers/{quote(ended, safe='')}").text)
    assert re.fullmatch(r"(Trước hạn|Đúng hạn|Quá hạn) · .+ \d\d/\d\d/\d{4} \d\d:\d\d", shown), shown


def test_the_facts_say_the_clock_stopped_for_a_supplement(console_world: ConsoleWorld) -> None:
    """ "Trước hạn" beside an end after the appointment read as a mistake: the time the clock stopped for
    the applicant's supplement is said; a dossier waiting for it reads so, not "trong hạn"."""
    paused, waiting = "000.10.02.H99-251104-0001", "000.10.01.H99-251106-0003"
    columns = ", ".join(DOSSIER_COLUMNS)
    rows = {
        paused: {"supplement_seconds": str(3 * 86_400), "status": "'early'"},
        waiting: {"end_type": "NULL", "end_at": "NULL", "waiting": "1", "status": "'on_time'"},
    }
    for dossier_id, changed in rows.items():
        chosen = ", ".join({**changed, "version": "version + 1"}.get(c, c) for c in DOSSIER_COLUMNS)
        console_world.wh.execute(
            f"INSERT INTO dossiers ({columns}) SELECT {chosen} FROM dossiers FINAL WHERE dossier_id = %(d)s",
            {"d": dossier_id},
        )
    client, _ = logged_in(console_world, "insp")
    shown = _status(client.get(f"/dossiers/{quote(paused, safe='')}").text)
    # A refusal: its end first, then the timing (review of 2026-12-06: "Trước hạn · Từ chối" read as a
    # good result).
    assert re.fullmatch(r"Từ chối \d\d/\d\d/\d{4} \d\d:\d\d · kết thúc trước hạn "
                        r"\(không tính 3 ngày chờ bổ sung\)", shown), shown  # fmt: skip
    shown = _status(client.get(f"/dossiers/{quote(waiting, safe='')}").text)
    # Waiting on its only supplement request: handled at the request, as the form counts it (review of the
    # statistician's seat: "in progress" beside a report counting it resolved).
    assert shown == "Chờ người nộp bổ sung: tính là đã giải quyết tại lúc yêu cầu bổ sung · Đúng hạn", shown


def test_a_dossier_refused_before_receipt_says_no_timing(console_world: ConsoleWorld) -> None:
    """Diff review of 2026-12-06: a dossier refused at reception has no outcome status ("none": never
    received, so no due date to be early or late against); its facts read "Từ chối … · kết thúc quá hạn"."""
    refused = "000.10.02.H99-251104-0001"
    columns = ", ".join(DOSSIER_COLUMNS)
    chosen = ", ".join({"status": "'none'", "version": "version + 2"}.get(c, c) for c in DOSSIER_COLUMNS)
    console_world.wh.execute(
        f"INSERT INTO dossiers ({columns}) SELECT {chosen} FROM dossiers FINAL WHERE dossier_id = %(d)s",
        {"d": refused},
    )
    client, _ = logged_in(console_world, "insp")
    shown = _status(client.get(f"/dossiers/{quote(refused, safe='')}").text)
    assert re.fullmatch(r"Từ chối \d\d/\d\d/\d{4} \d\d:\d\d", shown), shown
