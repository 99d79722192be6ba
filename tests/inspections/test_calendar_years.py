"""The yearly calendar files 2019–2026: each loads, matches its notice, and keeps the Labour Code's count.

The exact facts are from docs/research/rulebook-v2-sources.md §1 (quotes and sources there); the docs
table (docs/calendar.md, "Sources by year") must list every shipped year and every document cited.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from inspections.calendar import WorkingCalendar
from inspections.calendar_days import Confidence, Holiday, HolidayKind, MakeUpDay
from inspections.files.calendar import (
    build_calendar,
    compensatory_days,
    load_calendar,
    parse_calendar_data,
    parse_lunar_table,
)

ROOT = Path(__file__).parents[2]
DATA = ROOT / "inspections" / "calendars" / "vn"
DOC = ROOT / "docs" / "calendar.md"
YEARS = sorted(int(p.stem) for p in DATA.glob("*.yaml") if p.stem.isdigit())
LUNAR = parse_lunar_table(yaml.safe_load((DATA / "lunar.yaml").read_text(encoding="utf-8")), "lunar.yaml")
#: A document number as the notices write it: 6519/VPCP-KGVX, 4544/TB-LĐTBXH, 9441/TB-BNV, …
DOC_NUMBER = re.compile(r"\b\d+/(?:VPCP|TB)-[A-ZĐ]+(?:-[A-ZĐ]+)?")
#: Holidays outside the Labour Code's list (art. 112(1)): Ngày Văn hóa Việt Nam, confidence U.
NOT_IN_THE_CODE = {date(2026, 11, 24)}


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return load_calendar()


def _doc(year: int) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((DATA / f"{year}.yaml").read_text(encoding="utf-8"))
    return doc


def _entries(year: int) -> list[Holiday | MakeUpDay]:
    data = parse_calendar_data(_doc(year), f"{year}.yaml", year=year)
    return [*data.holidays, *data.make_up_days]


def _off(cal: WorkingCalendar, *days: date) -> bool:
    return not any(cal.is_working_day(d) for d in days)


def _span(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def test_2019_to_2026_are_shipped_as_data() -> None:
    assert set(range(2019, 2027)) <= set(YEARS)


@pytest.mark.parametrize("year", YEARS)
def test_each_year_file_loads_with_sources_and_notes(year: int) -> None:
    doc = _doc(year)
    assert parse_calendar_data(doc, f"{year}.yaml", year=year).holidays
    assert isinstance(doc.get("notes"), str) and doc["notes"].strip()  # what was (not) found
    entries = _entries(year)
    for entry in entries:
        assert entry.source.strip() and entry.confidence in set(Confidence)
    cited = DOC_NUMBER.findall(" ".join(e.source for e in entries))
    if year != 2024:  # 2024's document numbers were not confirmed (docs/calendar.md)
        assert cited, f"{year}.yaml cites no notice number"


# --- exact facts per year ----------------------------------------------------------------------


def test_2019(cal: WorkingCalendar) -> None:
    assert _off(cal, *_span(date(2019, 2, 2), date(2019, 2, 10)))  # Tết: Mon 4/2 – Fri 8/2 + weekends
    assert cal.is_working_day(date(2019, 2, 1)) and cal.is_working_day(date(2019, 2, 11))
    # New Year: off Mon 31/12/2018 – Tue 1/1, Sat 5/1 worked; 30/4: Mon 29/4 off, Sat 4/5 worked.
    assert _off(cal, date(2018, 12, 31), date(2019, 1, 1)) and cal.is_working_day(date(2019, 1, 2))
    for sat, replaces in ((date(2019, 1, 5), date(2018, 12, 31)), (date(2019, 5, 4), date(2019, 4, 29))):
        m = cal.make_up_day(sat)
        assert cal.is_working_day(sat) and m is not None and m.replaces == replaces
        assert m.confidence is Confidence.C and "6519/VPCP-KGVX" in m.source
    assert _off(cal, *_span(date(2019, 4, 27), date(2019, 5, 1)))
    comp = cal.holiday(date(2019, 4, 15))  # Giỗ Tổ on Sunday 14/4
    assert comp is not None and comp.kind is HolidayKind.COMPENSATORY
    assert _off(cal, date(2019, 9, 2)) and cal.is_working_day(date(2019, 9, 3))  # one day under LC 2012


def test_2020(cal: WorkingCalendar) -> None:
    assert _off(cal, *_span(date(2020, 1, 23), date(2020, 1, 29)))  # 9087/VPCP-KGVX
    assert cal.is_working_day(date(2020, 1, 22)) and cal.is_working_day(date(2020, 1, 30))
    for d in (date(2020, 1, 28), date(2020, 1, 29)):  # mùng 1, mùng 2 on Sat/Sun
        h = cal.holiday(d)
        assert h is not None and h.kind is HolidayKind.COMPENSATORY
    assert _off(cal, date(2020, 4, 2), date(2020, 4, 30), date(2020, 5, 1), date(2020, 9, 2))
    assert cal.is_working_day(date(2020, 9, 3)) and cal.is_working_day(date(2020, 9, 1))
    assert not [d for d in cal.make_up_days if d.year == 2020]  # no swap in 2020


def test_2021(cal: WorkingCalendar) -> None:
    assert _off(cal, *_span(date(2021, 2, 10), date(2021, 2, 16)))  # 4875/TB-LĐTBXH
    assert cal.is_working_day(date(2021, 2, 9)) and cal.is_working_day(date(2021, 2, 17))
    assert _off(cal, date(2021, 4, 21), date(2021, 4, 30), date(2021, 5, 3))  # 1/5 Sat → Mon 3/5
    assert _off(cal, date(2021, 9, 2), date(2021, 9, 3))  # adjacent day after, not 1/9
    assert cal.is_working_day(date(2021, 9, 1)) and cal.is_working_day(date(2021, 9, 6))
    adjacent = cal.holiday(date(2021, 9, 3))
    assert adjacent is not None and adjacent.kind is HolidayKind.STATUTORY
    assert adjacent.confidence is Confidence.S and "4875/TB-LĐTBXH" in adjacent.source


def test_2022(cal: WorkingCalendar) -> None:
    assert _off(cal, date(2022, 1, 3), *_span(date(2022, 1, 29), date(2022, 2, 6)))  # 245/VPCP-KGVX
    assert cal.is_working_day(date(2022, 1, 28)) and cal.is_working_day(date(2022, 2, 7))
    assert _off(
        cal, date(2022, 4, 11), date(2022, 5, 2), date(2022, 5, 3), date(2022, 9, 1), date(2022, 9, 2)
    )
    # 2022 equals the Labour Code pattern; the file adds its sources.
    pattern = build_calendar({}, LUNAR, first_year=2022, last_year=2022)
    days = _span(date(2022, 1, 1), date(2022, 12, 31))
    assert [cal.is_working_day(d) for d in days] == [pattern.is_working_day(d) for d in days]


def test_2023(cal: WorkingCalendar) -> None:
    # Tết: Fri 20/1 – Thu 26/1 (8056/VPCP-KGVX, 5034/TB-LĐTBXH); Fri 27/1 is worked.
    assert _off(cal, date(2023, 1, 20), *_span(date(2023, 1, 23), date(2023, 1, 26)))
    assert cal.is_working_day(date(2023, 1, 19)) and cal.is_working_day(date(2023, 1, 27))
    assert _off(cal, date(2023, 1, 2), *_span(date(2023, 4, 29), date(2023, 5, 3)))
    assert cal.is_working_day(date(2023, 5, 4))
    assert _off(cal, date(2023, 9, 1), date(2023, 9, 4)) and cal.is_working_day(date(2023, 9, 5))


def test_2025_national_day(cal: WorkingCalendar) -> None:
    """Off Sat 30/8 – Tue 2/9 (Thông báo 6150/TB-BLĐTBXH, quoted by baodanang.vn: "từ thứ Bảy ngày
    30.8.2025 đến hết thứ Ba ngày 2.9.2025"); Wed 3/9 is worked. LEGAL.md §5's note "2025 Quốc khánh: off
    31/8 – 3/9 [S]" is 2024's schedule (Sat 31/8 – Tue 3/9/2024, tested below), not 2025's."""
    assert _off(cal, *_span(date(2025, 8, 30), date(2025, 9, 2))) and cal.is_working_day(date(2025, 9, 3))
    assert cal.is_working_day(date(2025, 8, 29))
    assert _off(cal, *_span(date(2024, 8, 31), date(2024, 9, 3))) and cal.is_working_day(date(2024, 9, 4))


def test_2026_national_day(cal: WorkingCalendar) -> None:
    assert _off(cal, *_span(date(2026, 8, 29), date(2026, 9, 2))) and cal.is_working_day(date(2026, 9, 3))
    swapped = cal.holiday(date(2026, 8, 31))
    assert swapped is not None and swapped.kind is HolidayKind.SWAPPED and "9441/TB-BNV" in swapped.source
    m = cal.make_up_day(date(2026, 8, 22))
    assert cal.is_working_day(date(2026, 8, 22)) and m is not None and m.replaces == date(2026, 8, 31)
    adjacent = cal.holiday(date(2026, 9, 1))
    assert adjacent is not None and adjacent.confidence is Confidence.S  # was U before the notice


# --- properties over every year ----------------------------------------------------------------


def _labour_code_days(year: int) -> int:
    # Labour Code 2012 art. 115(1): 1/1, Tết 5, 30/4, 1/5, 2/9, Giỗ Tổ = 10 days.
    # Labour Code 2019 art. 112(1), from 1/1/2021: Quốc khánh 2 days (2/9 and an adjacent day) = 11.
    return 10 if year <= 2020 else 11


def _of_year(cal: WorkingCalendar, year: int, kind: HolidayKind) -> list[Holiday]:
    return sorted(
        (h for d, h in cal.holidays.items() if d.year == year and h.kind is kind), key=lambda h: h.date
    )


@pytest.mark.parametrize("year", YEARS)  # every shipped year file, 2027.yaml when it comes
def test_each_year_keeps_the_labour_codes_holidays(cal: WorkingCalendar, year: int) -> None:
    statutory = _of_year(cal, year, HolidayKind.STATUTORY)
    in_code = [h for h in statutory if h.date not in NOT_IN_THE_CODE]
    assert len(in_code) == _labour_code_days(year)
    fixed = {date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2), LUNAR[year].hung_kings}
    assert fixed <= {h.date for h in in_code}
    # Tết: 5 consecutive days holding the last day of the lunar year and lunar 1/1.
    tet = sorted(h.date for h in in_code if h.name_vi.startswith("Tết Âm lịch"))
    assert len(tet) == 5 and tet == _span(tet[0], tet[-1])
    assert {LUNAR[year].tet - timedelta(days=1), LUNAR[year].tet} <= set(tet)
    # Quốc khánh: one adjacent day (1/9 or 3/9) from 2021, none before.
    adjacent = {h.date for h in in_code} & {date(year, 9, 1), date(year, 9, 3)}
    assert len(adjacent) == (0 if year <= 2020 else 1)
    # Compensatory days: exactly those the make-up rule gives for the statutory days on a weekend
    # (art. 111(3) / 115(3): the next day that is neither weekend nor holiday).
    comp = [h.date for h in _of_year(cal, year, HolidayKind.COMPENSATORY)]
    assert comp == sorted(h.date for h in compensatory_days(statutory))
    assert len(comp) == sum(h.date.weekday() >= 5 for h in statutory)


@pytest.mark.parametrize("year", YEARS)  # every shipped year file, 2027.yaml when it comes
def test_each_swap_has_its_make_up_day(cal: WorkingCalendar, year: int) -> None:
    make_up = {d: m for d, m in cal.make_up_days.items() if d.year == year}
    swapped = {h.date for h in cal.holidays.values() if h.kind is HolidayKind.SWAPPED}
    for d, m in make_up.items():
        assert d.weekday() >= 5 and m.replaces in swapped and m.replaces.weekday() < 5
    for d in (s for s in swapped if s.year == year):
        assert sum(m.replaces == d for m in cal.make_up_days.values()) == 1


# --- the docs table ----------------------------------------------------------------------------


def _docs_rows() -> dict[int, str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Sources by year", 1)[1].split("\n## ", 1)[0]
    return {int(m[1]): m[0] for m in re.finditer(r"^\| (\d{4}) \|.*$", section, re.M)}


@pytest.mark.parametrize("year", YEARS)
def test_docs_table_lists_each_year_with_its_documents(year: int) -> None:
    rows = _docs_rows()
    assert year in rows, f"docs/calendar.md 'Sources by year' has no row for {year}"
    row = rows[year]
    assert re.search(r"`[CSU]`", row), f"{year}: no overall confidence mark"
    for number in set(DOC_NUMBER.findall(" ".join(e.source for e in _entries(year)))):
        assert number in row, f"{year}: {number} is cited in {year}.yaml but not in the docs table"


def _write_year(directory: Path, year: int, holidays: list[tuple[date, str]]) -> None:
    (directory / "lunar.yaml").write_text((DATA / "lunar.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    entries = [
        {"date": d, "name_vi": name, "name_en": name, "kind": "statutory", "source": "test",
         "confidence": "U"}
        for d, name in holidays
    ]  # fmt: skip
    doc = {"year": year, "scope": "công chức", "holidays": entries}
    (directory / f"{year}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_a_year_file_with_only_a_new_day_off_is_refused(tmp_path: Path) -> None:
    """A year file replaces the pattern for its whole year: one holding only a newly declared day off (the
    natural first try for "a new day off in 2027") took Tết, 30/4, 1/5 and 2/9 away, silently. The loader
    names what is missing."""
    _write_year(tmp_path, 2027, [(date(2027, 11, 24), "Ngày Văn hóa Việt Nam")])
    with pytest.raises(
        ValueError, match=r"^2027\.yaml lacks days off the Labour Code gives every year: "
    ) as err:
        load_calendar(data_dir=tmp_path)
    message = str(err.value)
    for day in ("2027-01-01", LUNAR[2027].tet.isoformat(), LUNAR[2027].hung_kings.isoformat(), "2027-04-30",
                "2027-05-01", "2027-09-02"):  # fmt: skip
        assert day in message, message
    assert "docs/calendar.md" in message and "\n" not in message


def test_last_years_file_copied_for_a_new_year_is_refused(tmp_path: Path) -> None:
    """The runbook's old step 2 ("copy the previous year's file"): Tết and Giỗ Tổ move with the lunar
    calendar, so a copy with its dates moved a year on lacks the new year's; only those are named."""
    cal = build_calendar({}, LUNAR, first_year=2026, last_year=2026)
    moved = [(d.replace(year=2027), h.name_vi) for d, h in cal.holidays.items() if d.year == 2026]
    _write_year(tmp_path, 2027, moved)
    with pytest.raises(ValueError) as err:
        load_calendar(data_dir=tmp_path)
    missing = str(err.value).split(": ", 1)[1].split("; ")[0]
    tet, hung_kings = LUNAR[2027].tet.isoformat(), LUNAR[2027].hung_kings.isoformat()
    assert missing == f"{tet} (Tết (1/1 âm lịch)), {hung_kings} (Giỗ Tổ Hùng Vương (10/3 âm lịch))"


def test_the_pattern_written_as_a_year_file_loads(tmp_path: Path) -> None:
    """The check refuses only what lacks a fixed day: the statutory pattern of a year, written as its file,
    loads and gives that year's days off."""
    pattern = build_calendar({}, LUNAR, first_year=2027, last_year=2027)
    _write_year(tmp_path, 2027, [(d, h.name_vi) for d, h in pattern.holidays.items() if d.year == 2027])
    loaded = load_calendar(data_dir=tmp_path)
    assert {d for d in loaded.holidays if d.year == 2027} == {d for d in pattern.holidays if d.year == 2027}


def test_tet_days_are_named_by_their_lunar_day(cal: WorkingCalendar) -> None:
    """The calendar box of a report names each day off: 8/2/2024 is the 29th of the twelfth lunar month
    (Tết Giáp Thìn fell on 10/2/2024 after a month of 30 days), which the data called the 28th (legal-data
    seat of 2026-12-08); 27/1/2025 is the 28th (Tết Ất Tỵ on 29/1/2025, after a month of 29 days)."""
    for day, lunar in ((date(2024, 2, 8), "29"), (date(2025, 1, 27), "28")):
        named = cal.holiday(day)
        assert named is not None and f"({lunar} tháng Chạp)" in named.name_vi, (day, named)
