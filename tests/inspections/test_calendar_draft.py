"""A year's draft is the statutory pattern written as a year file, and a file's check names what it changes
of the pattern (``inspections.files.calendar_draft``, the yearly runbook in docs/calendar.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from inspections.calendar import FIRST_YEAR, LAST_YEAR
from inspections.files.calendar import (
    CalendarDataError,
    build_calendar,
    calendar_files,
    parse_calendar_data,
)
from inspections.files.calendar_draft import check_file, draft_year

SHIPPED = Path(__file__).parents[2] / "inspections" / "calendars" / "vn"
YEARS, LUNAR = calendar_files()
PATTERN = build_calendar({}, LUNAR)
SHIPPED_CALENDAR = build_calendar(YEARS, LUNAR)


def _of_year(days: dict[date, object], year: int) -> dict[date, object]:
    return {d: v for d, v in days.items() if d.year == year}


@pytest.mark.parametrize("year", range(FIRST_YEAR, LAST_YEAR + 1))
def test_a_draft_loads_as_the_calendar_its_year_has_without_a_file(year: int) -> None:
    data = parse_calendar_data(yaml.safe_load(draft_year(year)), f"{year}.yaml", year=year)
    drafted = build_calendar({year: data}, LUNAR, first_year=year, last_year=year)  # fixed days checked
    assert _of_year(dict(drafted.holidays), year) == _of_year(dict(PATTERN.holidays), year)
    assert not data.make_up_days and not _of_year(dict(PATTERN.make_up_days), year)


def test_a_draft_says_it_is_one_and_how_to_finish_it() -> None:
    text = draft_year(2027)
    assert text.startswith("# Civil servants' holidays and make-up working days for 2027: a DRAFT")
    assert "dossier-audit calendar check" in text and "docs/calendar.md" in text
    assert yaml.safe_load(text)["notes"].startswith("DRAFT")


@pytest.mark.parametrize("year", [FIRST_YEAR - 1, LAST_YEAR + 1])
def test_no_draft_outside_the_lunar_table(year: int) -> None:
    said = rf"no lunar dates for {year}: the calendar covers 2000–2050$"
    with pytest.raises(CalendarDataError, match=said):
        draft_year(year)


@pytest.mark.parametrize("year", sorted(YEARS))
def test_a_shipped_year_file_checks_with_what_it_changes_of_the_pattern(year: int) -> None:
    checked = check_file(SHIPPED / f"{year}.yaml")
    assert checked.year == year and checked.data == YEARS[year]
    shipped, pattern = _of_year(dict(SHIPPED_CALENDAR.holidays), year), _of_year(dict(PATTERN.holidays), year)
    added = {h.date for h in checked.added}
    in_year = {d for d in shipped if d not in pattern} - _cross_year(year)
    assert {d for d in added if d.year == year} == in_year
    beyond = {h.date for h in YEARS[year].holidays if h.date.year != year}  # a swap across New Year
    assert {d for d in added if d.year != year} == beyond
    assert {h.date for h in checked.dropped} == {d for d in pattern if d not in shipped}
    assert [h.date for h in checked.added] == sorted(h.date for h in checked.added)


def _cross_year(year: int) -> set[date]:
    """Days of ``year`` that a neighbouring year's file gives off (31/12/2018 in 2019.yaml)."""
    return {h.date for y, data in YEARS.items() if y != year for h in data.holidays if h.date.year == year}


def test_2026_adds_its_swaps_and_the_culture_day() -> None:
    added = {h.date for h in check_file(SHIPPED / "2026.yaml").added}
    assert added == {date(2026, 1, 2), date(2026, 8, 31), date(2026, 11, 24)}


def test_a_year_file_is_checked_with_the_others(tmp_path: Path) -> None:
    """The loader's checks across files run: a day off 2019.yaml already gives the year before."""
    doc = yaml.safe_load(draft_year(2018))
    doc["holidays"].append({"date": date(2018, 12, 31), "name_vi": "x", "name_en": "x", "kind": "statutory",
                            "source": "x", "confidence": "U"})  # fmt: skip
    path = tmp_path / "2018.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CalendarDataError, match=r"2019\.yaml: swapped day 2018-12-31 is already a holiday"):
        check_file(path)


def test_a_year_file_without_its_tet_is_refused(tmp_path: Path) -> None:
    doc = yaml.safe_load(draft_year(2027))
    doc["holidays"] = [h for h in doc["holidays"] if h["date"] != date(2027, 2, 6)]
    path = tmp_path / "2027.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CalendarDataError, match=r"2027.yaml lacks .* 2027-02-06 \(Tết \(1/1 âm lịch\)\)"):
        check_file(path)


def test_a_year_outside_the_calendar_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "2051.yaml"
    path.write_text("year: 2051\n", encoding="utf-8")
    with pytest.raises(CalendarDataError, match=r"2051\.yaml: the calendar covers 2000–2050, not 2051"):
        check_file(path)


def test_any_other_name_is_a_province_override(tmp_path: Path) -> None:
    path = tmp_path / "hcm.yaml"
    path.write_text("remove: [2026-11-24]\n", encoding="utf-8")
    checked = check_file(path)
    assert checked.year is None and checked.data.remove == (date(2026, 11, 24),)
    path.write_text("removes: [2026-11-24]\n", encoding="utf-8")
    with pytest.raises(CalendarDataError, match=r"unknown keys \['removes'\]"):
        check_file(path)
    # A year file under another name (draft-2027.yaml) is no override (it read "ok — 14 days off added").
    (tmp_path / "draft-2027.yaml").write_text(draft_year(2027), encoding="utf-8")
    with pytest.raises(CalendarDataError, match="a province override has no 'year'; a year's file is named"):
        check_file(tmp_path / "draft-2027.yaml")


@pytest.mark.parametrize("name", ["02027.yaml", "٢٠٢٧.yaml", "²⁰²⁷.yaml", "2027.yml", "2027.yaml.bak"])
def test_only_four_ascii_digits_name_a_year_file(tmp_path: Path, name: str) -> None:
    """``str.isdigit`` took ``02027`` and ``٢٠٢٧`` for 2027 (one could replace the other in a data folder) and
    ``²⁰²⁷`` broke ``int()``: any other name is a province override."""
    path = tmp_path / name
    path.write_text("remove: [2026-11-24]\n", encoding="utf-8")
    assert check_file(path).year is None
