"""The weekly report says when its due dates reach a year whose days off follow only the Labour Code's
pattern (no government notice in the calendar yet: 2027 on 2026-12-04), and which days off it counts are
unconfirmed (``reporting.calendar_note``), from the calendar stored with the catalogue; on both backends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import orjson
import yaml

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import init, load_file
from inspections.files.calendar import build_calendar, calendar_files, parse_calendar_data
from inspections.files.calendar_draft import draft_year
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting.calendar_note import CalendarNote, calendar_note
from reporting.model import build_report
from tests.reporting.test_average_weeks import _dossier
from warehouse.base import Warehouse

CULTURE_DAY = (date(2026, 11, 24), "Ngày Văn hóa Việt Nam", "Vietnamese Culture Day")


def _one_dossier(tmp_path: Path) -> Path:
    """A dossier received in 2026-W47 (Tuesday 17/11/2026) and resolved on time."""
    path = tmp_path / "events.jsonl"
    received = datetime(2026, 11, 17, 9, tzinfo=VN_TZ)
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in _dossier(1, received, late=False)))
    return path


def test_the_note_names_the_years_on_the_pattern_and_the_unconfirmed_days(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    platform = Platform(load_settings())
    init(platform, warehouse)
    assert calendar_note(warehouse, Week.parse("2025-W45")) == CalendarNote()  # notices for 2025 and 2026
    # 2026-W40 reaches 16/11/2026: before the culture day; W41 reaches it.
    assert calendar_note(warehouse, Week.parse("2026-W40")) == CalendarNote()
    assert calendar_note(warehouse, Week.parse("2026-W41")) == CalendarNote((), (CULTURE_DAY,))
    # 2026-W47 reaches into January 2027, whose days off follow the pattern (no 2027.yaml yet).
    assert calendar_note(warehouse, Week.parse("2026-W47")) == CalendarNote((2027,), (CULTURE_DAY,))
    assert calendar_note(warehouse, Week.parse("2027-W02")) == CalendarNote((2027,))
    report = build_report(platform.catalogue, platform.report_header("vi"), warehouse, Week.parse("2026-W47"))
    assert report.handling_lines() == [report.empty_note]  # no dossier, no due date to doubt
    load_file(platform, warehouse, _one_dossier(tmp_path), datetime(2026, 11, 30, tzinfo=VN_TZ))
    report = build_report(platform.catalogue, platform.report_header("vi"), warehouse, Week.parse("2026-W47"))
    assert report.handling_lines()[-2:] == [
        "Lịch ngày nghỉ năm 2027 đang tính theo quy định của Bộ luật Lao động, chưa theo thông báo nghỉ lễ, "
        "Tết của Chính phủ cho năm đó: hạn giải quyết rơi vào thời gian này, và các vi phạm về thời hạn, tỷ "
        "lệ đúng hạn tính theo đó, có thể thay đổi khi lịch được cập nhật.",
        "Được tính là ngày nghỉ nhưng chưa được xác nhận: 24/11/2026 (Ngày Văn hóa Việt Nam).",
    ]


def test_the_process_calendar_gives_the_same_note_and_a_notice_for_2027_clears_it(
    warehouse: Warehouse,
) -> None:
    """The report is built with the calendar its process judges with (a warehouse made by ``warehouse load``
    alone holds no snapshot); the note is the same as from the stored snapshot."""
    platform = Platform(load_settings())
    init(platform, warehouse)
    for week in ("2025-W45", "2026-W41", "2026-W47", "2027-W02"):
        assert calendar_note(warehouse, Week.parse(week), platform.calendar) == calendar_note(
            warehouse, Week.parse(week)
        )
    years, lunar = calendar_files()
    draft = yaml.safe_load(draft_year(2027))
    for day in draft["holidays"]:  # the notice read: its days cite it
        day["source"] = "Thông báo …/TB-BNV (2026)"
    noticed = build_calendar({**years, 2027: parse_calendar_data(draft, "2027.yaml", year=2027)}, lunar)
    assert calendar_note(warehouse, Week.parse("2026-W47"), noticed) == CalendarNote((), (CULTURE_DAY,))


def test_the_note_in_english_and_for_several_years() -> None:
    note = CalendarNote((2027, 2028), (CULTURE_DAY, (date(2027, 1, 2), "Ngày X", "Day X")))
    assert note.lines("en") == [
        "The days off of 2027, 2028 follow the Labour Code's pattern, not yet the government's notice for "
        "that year: due dates that fall then, and the time-limit violations and on-time rate counted from "
        "them, may change once the calendar is updated.",
        "Counted as days off but not confirmed: 2026-11-24 (Vietnamese Culture Day); 2027-01-02 (Day X).",
    ]
    assert note.lines("vi")[0].startswith("Lịch ngày nghỉ các năm 2027, 2028 đang tính")
    assert CalendarNote().lines("vi") == []


def test_the_report_command_words_it_from_the_calendar_it_judges_with(tmp_path: Path) -> None:
    """A warehouse that ``warehouse load`` made holds no calendar snapshot: the command passes its own."""
    from typer.testing import CliRunner

    from dossier_audit.cli import app

    url, out = f"chdb://{tmp_path / 'wh'}", tmp_path / "report"
    env = {"DOSSIER_AUDIT_PSEUDONYM_KEY": "calendar-note-key-0123456789"}
    loaded = CliRunner().invoke(
        app,
        ["warehouse", "load", str(_one_dossier(tmp_path)), "--warehouse", url, "--as-of", "2026-11-30"],
        env=env,
    )
    assert loaded.exit_code == 0, loaded.stderr
    made = CliRunner().invoke(
        app, ["report", "--warehouse", url, "--week", "2026-W47", "--out", str(out), "--no-packs"], env=env
    )
    assert made.exit_code == 0, made.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Lịch ngày nghỉ năm 2027 đang tính theo quy định của Bộ luật Lao động" in html
    assert "24/11/2026 (Ngày Văn hóa Việt Nam)" in html


def test_a_pack_says_so_too_and_what_to_check_on_site(warehouse: Warehouse, tmp_path: Path) -> None:
    """Review of New Year 2027: a pack listed firm time-limit violations counted on the Labour Code's pattern
    of Tết 2027 (the notice often moves it by a day) without a word; the report alone said so. A pack of a
    week whose due dates reach such a year says it, in the HTML and the workbook, and to check that year's
    notice before concluding; a week on notices throughout says nothing."""
    from openpyxl import load_workbook

    from reporting.api import write_audit_packs
    from reporting.i18n import Texts
    from reporting.packs import calendar_box

    platform = Platform(load_settings())
    init(platform, warehouse)
    load_file(platform, warehouse, _one_dossier(tmp_path), datetime(2026, 11, 30, tzinfo=VN_TZ))
    header = platform.report_header("vi")
    (html,) = [
        p
        for p in write_audit_packs(platform.catalogue, header, warehouse, Week.parse("2026-W47"), tmp_path)
        if p.suffix == ".html"
    ]
    text = " ".join(html.read_text(encoding="utf-8").split())
    assert 'id="days-off"' in text and "Lịch ngày nghỉ năm 2027 đang tính theo quy định" in text
    assert "đối chiếu với thông báo nghỉ lễ, Tết của năm đó" in text
    cells = [
        c for row in load_workbook(html.with_suffix(".xlsx")).active.iter_rows(values_only=True) for c in row
    ]
    assert any(isinstance(c, str) and "Lịch ngày nghỉ năm 2027" in c for c in cells)
    assert calendar_box(Texts("vi"), warehouse, Week.parse("2025-W45"), None) is None


def test_a_catalogue_with_long_limits_reaches_further(warehouse: Warehouse) -> None:
    """Review of New Year 2027: the note looked 45 days past the week (the sample's longest limit is 20
    working days), so a procedure of 60 working days received in October 2026, due in January 2027, had no
    note. The horizon follows the catalogue's longest limit, dated ones too; the sample's stays 45 days."""
    from inspections.catalogue import Catalogue, TimeLimit
    from inspections.timeunits import ProcessingTime, TimeUnit
    from reporting.calendar_note import HORIZON, horizon

    platform = Platform(load_settings())
    init(platform, warehouse)
    sample = platform.catalogue
    assert horizon(sample) == HORIZON == horizon(None)
    code = next(iter(sample.procedures))
    long = ProcessingTime(60, TimeUnit.WORKING_DAYS)
    later = TimeLimit(valid_from=date(2026, 1, 1), max_time=long)
    procedures = [
        p.model_copy(update={"time_limits": (later,)}) if p.code == code else p
        for p in sample.procedures.values()
    ]
    longer = Catalogue(procedures, sample.units.values(), sample.fields.values(), sample.meta)
    week = Week.parse("2026-W40")  # ends 04/10/2026; 60 working days on reach January 2027
    assert calendar_note(warehouse, week, catalogue=sample) == CalendarNote()
    assert calendar_note(warehouse, week, catalogue=longer).pattern_years == (2027,)
