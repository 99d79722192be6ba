"""What a province override, or a year file, may say about make-up days and removals: each one the calendar
could not honour is refused in one line naming the file (review: a ``lam_bu`` replacing a working day made
due dates a day early, one on a Tết Saturday counted as a make-up day though the holiday wins)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from inspections.files.calendar import (
    CalendarDataError,
    build_calendar,
    calendar_files,
    load_calendar,
    parse_calendar_data,
    read_calendar_file,
)
from tests.inspections.test_calendar import _lam_bu, _pattern, _swap

_SOURCE = "source: Quyết định của UBND tỉnh, confidence: C"


def _override(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hcm.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_year_files_make_up_day_must_replace_one_of_its_days_off() -> None:
    listed = [*_pattern(2025), _swap(date(2025, 5, 2))]
    fine = {"year": 2025, "holidays": listed, "lam_bu": [_lam_bu(date(2025, 4, 26), date(2025, 5, 2))]}
    assert parse_calendar_data(fine, "2025.yaml", year=2025).make_up_days[0].replaces == date(2025, 5, 2)
    # Fri 25/4/2025 is a working day: the make-up Saturday would add a working day and take none away.
    working = fine | {"lam_bu": [_lam_bu(date(2025, 4, 26), date(2025, 4, 25))]}
    with pytest.raises(CalendarDataError) as caught:
        parse_calendar_data(working, "2025.yaml", year=2025)
    assert str(caught.value) == (
        "2025.yaml: make-up day 2025-04-26 replaces 2025-04-25, which is not a day off of this file "
        "(none of its holidays): list that day off, or correct 'replaces'"
    )
    # A make-up day on a day off of its own file was already refused, as a date listed twice.
    on_a_holiday = fine | {"lam_bu": [_lam_bu(date(2025, 5, 1), date(2025, 5, 2))]}
    with pytest.raises(CalendarDataError, match="listed twice: 2025-05-01"):
        parse_calendar_data(on_a_holiday, "2025.yaml", year=2025)


def test_an_overrides_make_up_day_must_replace_a_day_off(tmp_path: Path) -> None:
    path = _override(tmp_path, f"lam_bu:\n  - {{date: 2026-03-14, replaces: 2026-03-10, {_SOURCE}}}\n")
    with pytest.raises(CalendarDataError) as caught:
        load_calendar(path)
    assert str(caught.value) == (
        f"{path}: make-up day 2026-03-14 replaces 2026-03-10, which is not a day off of the calendar nor of "
        "the override: add that day off, or correct 'replaces'"
    )
    # The base calendar's day off (Tết 2026), or the override's own, may be replaced.
    path.write_text(f"lam_bu:\n  - {{date: 2026-03-14, replaces: 2026-02-20, {_SOURCE}}}\n", encoding="utf-8")
    assert load_calendar(path).is_working_day(date(2026, 3, 14))


def test_an_overrides_make_up_day_must_not_be_a_day_off(tmp_path: Path) -> None:
    # Sat 10/2/2024 is the first day of Tết: the holiday wins, the make-up day would do nothing.
    path = _override(tmp_path, f"lam_bu:\n  - {{date: 2024-02-10, {_SOURCE}}}\n")
    with pytest.raises(CalendarDataError) as caught:
        load_calendar(path)
    assert str(caught.value) == (
        f"{path}: make-up day 2024-02-10 is a day off of the calendar (a holiday wins over a make-up day): "
        "remove that day off first, or drop the make-up day"
    )
    path.write_text(f"remove: [2024-02-10]\nlam_bu:\n  - {{date: 2024-02-10, {_SOURCE}}}\n", encoding="utf-8")
    assert load_calendar(path).is_working_day(date(2024, 2, 10))


def test_an_overrides_removal_of_nothing_is_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``remove: [2026-11-25]`` (a working day; 24/11 was meant) removes nothing: one warning, not an error
    (an error made ``remove: [2026-11-24]``, a day off marked unconfirmed, stop every command once a later
    data release drops it: review)."""
    path = _override(tmp_path, "remove: [2026-11-24, 2026-11-25]\n")
    with caplog.at_level(logging.WARNING, logger="inspections.files.calendar"):
        calendar = load_calendar(path)
    assert calendar.is_working_day(date(2026, 11, 24)) and calendar.is_working_day(date(2026, 11, 25))
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: remove: 2026-11-25 is not a day off of the calendar: nothing removed"
    ]
    caplog.clear()
    path.write_text("remove: [2026-11-24, 2026-11-24, 2026-11-26]\n", encoding="utf-8")  # nothing left
    with caplog.at_level(logging.WARNING, logger="inspections.files.calendar"):
        load_calendar(path)
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: remove: 2026-11-24, 2026-11-26 are not days off of the calendar: nothing removed"
    ]
    # A day off and a make-up day (Sat 10/1/2026) are both things to remove: no warning.
    caplog.clear()
    path.write_text("remove: [2026-11-24, 2026-01-10]\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="inspections.files.calendar"):
        assert not load_calendar(path).is_working_day(date(2026, 1, 10))
    assert not caplog.records
    # Given a list, build_calendar hands them back instead (``calendar check`` prints them).
    not_removed: list[date] = []
    years, lunar = calendar_files()
    override = read_calendar_file(_override(tmp_path, "remove: [2026-11-25]\n"), allow_remove=True)
    with caplog.at_level(logging.WARNING, logger="inspections.files.calendar"):
        build_calendar(years, lunar, override, not_removed=not_removed)
    assert not_removed == [date(2026, 11, 25)] and not caplog.records


def test_removing_a_swapped_day_off_removes_its_make_up_day_too(tmp_path: Path) -> None:
    """Fri 2/1/2026 is off, worked on Sat 10/1 instead: ``remove: [2026-01-02]`` alone made both working
    days, and due dates across them came a day early (review)."""
    path = _override(tmp_path, "remove: [2026-01-02]\n")
    with pytest.raises(CalendarDataError) as caught:
        load_calendar(path)
    assert str(caught.value) == (
        f"{path}: remove: 2026-01-02 is the day off that make-up day 2026-01-10 replaces: remove 2026-01-10 "
        "too (else both are working days), or keep 2026-01-02"
    )
    path.write_text("remove: [2026-01-02, 2026-01-10]\n", encoding="utf-8")
    swapped_back = load_calendar(path)
    assert swapped_back.is_working_day(date(2026, 1, 2))
    assert not swapped_back.is_working_day(date(2026, 1, 10))
    # The make-up day alone may go (the day off stays), and one an override adds may replace a day it adds.
    path.write_text("remove: [2026-01-10]\n", encoding="utf-8")
    assert not load_calendar(path).is_working_day(date(2026, 1, 10))
    path.write_text(
        "remove: [2026-01-02]\nholidays:\n  - {date: 2026-01-02, name_vi: a, name_en: b, kind: statutory, "
        f"{_SOURCE}}}\n",
        encoding="utf-8",
    )
    assert load_calendar(path).is_working_day(date(2026, 1, 10))


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        (
            f"holidays:\n  - {{date: 2051-03-10, name_vi: a, name_en: b, kind: statutory, {_SOURCE}}}",
            "day off",
        ),
        (
            f"holidays:\n  - {{date: 1999-03-10, name_vi: a, name_en: b, kind: statutory, {_SOURCE}}}",
            "day off",
        ),
        (f"lam_bu:\n  - {{date: 2051-03-11, {_SOURCE}}}", "make-up day"),
    ],
)
def test_an_overrides_days_outside_the_calendars_years_are_refused(
    tmp_path: Path, entry: str, said: str
) -> None:
    path = _override(tmp_path, entry + "\n")
    with pytest.raises(CalendarDataError) as caught:
        load_calendar(path)
    day = entry.split("date: ")[1][:10]
    assert str(caught.value) == f"{path}: {said} {day} is outside the calendar's years 2000–2050"
