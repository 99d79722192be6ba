"""Tests for the working-day calendar (inspections.calendar, .calendar_days and .files.calendar)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.calendar import CalendarRangeError, WorkingCalendar
from inspections.calendar_days import CalendarDay, Confidence, HolidayKind, WorkingHours
from inspections.files.calendar import (
    CalendarDataError,
    build_calendar,
    load_calendar,
    parse_calendar_data,
    parse_lunar_table,
)
from inspections.timeunits import VN_TZ, ProcessingTime, TimeUnit
from tests.depth import examples

LUNAR_YAML = Path(__file__).parents[2] / "inspections" / "calendars" / "vn" / "lunar.yaml"


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return load_calendar()


CAL = load_calendar()  # for hypothesis tests (fixtures and @given mix poorly)


@pytest.fixture(scope="module")
def pattern() -> WorkingCalendar:
    """The Labour Code pattern alone, for every year (no yearly files)."""
    lunar = parse_lunar_table(yaml.safe_load(LUNAR_YAML.read_text(encoding="utf-8")), "lunar.yaml")
    return build_calendar({}, lunar)


def vn(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


# --- Hồ Ngọc Đức's lunar algorithm (dev-only check of the shipped lunar.yaml) ------------------
_INT = math.floor
_DR = math.pi / 180


def _jd_from_date(dd, mm, yy):
    a = (14 - mm) // 12
    y = yy + 4800 - a
    m = mm + 12 * a - 3
    return dd + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045


def _new_moon(k):
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * _DR)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * _DR) + 0.0021 * math.sin(2 * _DR * m)
    c1 = c1 - 0.4068 * math.sin(mpr * _DR) + 0.0161 * math.sin(_DR * 2 * mpr)
    c1 = c1 - 0.0004 * math.sin(_DR * 3 * mpr)
    c1 = c1 + 0.0104 * math.sin(_DR * 2 * f) - 0.0051 * math.sin(_DR * (m + mpr))
    c1 = c1 - 0.0074 * math.sin(_DR * (m - mpr)) + 0.0004 * math.sin(_DR * (2 * f + m))
    c1 = c1 - 0.0004 * math.sin(_DR * (2 * f - m)) - 0.0006 * math.sin(_DR * (2 * f + mpr))
    c1 = c1 + 0.0010 * math.sin(_DR * (2 * f - mpr)) + 0.0005 * math.sin(_DR * (2 * mpr + m))
    if t < -11:
        deltat = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        deltat = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - deltat


def _sun_longitude(jdn):
    t = (jdn - 2451545.0) / 36525
    t2 = t * t
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(_DR * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(_DR * 2 * m) + 0.000290 * math.sin(_DR * 3 * m)
    lon = (l0 + dl) * _DR
    return lon - math.pi * 2 * _INT(lon / (math.pi * 2))


def _sun_sector(day_number, tz):
    return _INT(_sun_longitude(day_number - 0.5 - tz / 24) / math.pi * 6)


def _new_moon_day(k, tz):
    return _INT(_new_moon(k) + 0.5 + tz / 24)


def _lunar_month11(yy, tz):
    off = _jd_from_date(31, 12, yy) - 2415021
    k = _INT(off / 29.530588853)
    nm = _new_moon_day(k, tz)
    if _sun_sector(nm, tz) >= 9:
        nm = _new_moon_day(k - 1, tz)
    return nm


def _leap_month_offset(a11, tz):
    k = _INT((a11 - 2415021.076998695) / 29.530588853 + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i, tz), tz)
        if not (arc != last and i < 14):
            break
    return i - 1


def lunar_to_solar(day, month, year, tz=7):
    """Hồ Ngọc Đức's algorithm (non-leap month), Vietnamese calendar at UTC+7."""
    if month < 11:
        a11, b11 = _lunar_month11(year - 1, tz), _lunar_month11(year, tz)
    else:
        a11, b11 = _lunar_month11(year, tz), _lunar_month11(year + 1, tz)
    k = _INT(0.5 + (a11 - 2415021.076998695) / 29.530588853)
    off = (month - 11) % 12
    if b11 - a11 > 365 and off >= _leap_month_offset(a11, tz):
        off += 1
    return date.fromordinal(_new_moon_day(k + off, tz) + day - 1 - 1721425)


def test_lunar_table_matches_ho_ngoc_duc_algorithm() -> None:
    table = parse_lunar_table(yaml.safe_load(LUNAR_YAML.read_text(encoding="utf-8")), "lunar.yaml")
    assert sorted(table) == list(range(2000, 2051))
    for year, row in table.items():
        assert row.tet == lunar_to_solar(1, 1, year), year
        assert row.hung_kings == lunar_to_solar(10, 3, year), year


def test_vietnamese_lunar_calendar_differs_from_chinese() -> None:
    # UTC+7 vs UTC+8: Tết 2007 was 17/2 in Vietnam, 18/2 in China.
    assert lunar_to_solar(1, 1, 2007) == date(2007, 2, 17)
    assert lunar_to_solar(1, 1, 2007, tz=8) == date(2007, 2, 18)
    assert lunar_to_solar(10, 3, 2023) == date(2023, 4, 29)  # leap 2nd month in 2023


# --- known facts -----------------------------------------------------------------------------


def test_tet_2026_civil_servants_14_to_22_february(cal: WorkingCalendar) -> None:
    h = cal.holiday(date(2026, 2, 16))
    assert h is not None and h.kind is HolidayKind.STATUTORY
    off = [date(2026, 2, 14) + timedelta(days=i) for i in range(9)]
    assert not any(cal.is_working_day(d) for d in off)
    assert cal.is_working_day(date(2026, 2, 13)) and cal.is_working_day(date(2026, 2, 23))


def test_tet_2025_and_the_30_april_swap(cal: WorkingCalendar) -> None:
    assert not any(cal.is_working_day(date(2025, 1, 25) + timedelta(days=i)) for i in range(9))
    assert cal.is_working_day(date(2025, 1, 24)) and cal.is_working_day(date(2025, 2, 3))
    assert cal.holiday(date(2025, 1, 29)) is not None
    # 2/5/2025 (Friday) swapped for Saturday 26/4/2025.
    swapped = cal.holiday(date(2025, 5, 2))
    assert swapped is not None and swapped.kind is HolidayKind.SWAPPED
    assert cal.is_working_day(date(2025, 4, 26))
    make_up = cal.make_up_day(date(2025, 4, 26))
    assert make_up is not None and make_up.replaces == date(2025, 5, 2)
    assert [cal.is_working_day(date(2025, 9, d)) for d in (1, 2, 3)] == [False, False, True]


def test_2024_and_2026_facts(cal: WorkingCalendar) -> None:
    week = "".join("W" if cal.is_working_day(date(2024, 2, d)) else "-" for d in range(7, 16))
    assert week == "W-------W"  # off 8/2–14/2/2024
    assert not cal.is_working_day(date(2024, 4, 29)) and cal.is_working_day(date(2024, 5, 4))
    assert not cal.is_working_day(date(2024, 9, 3))
    assert not cal.is_working_day(date(2026, 1, 2)) and cal.is_working_day(date(2026, 1, 10))
    assert not cal.is_working_day(date(2026, 4, 27))  # Hùng Kings on Sunday 26/4 → Monday off
    culture = cal.holiday(date(2026, 11, 24))
    assert culture is not None and culture.confidence is Confidence.U
    assert cal.is_working_day(date(2027, 11, 24)) or date(2027, 11, 24).weekday() >= 5


def test_every_shipped_entry_has_source_and_confidence(cal: WorkingCalendar) -> None:
    for h in cal.holidays.values():
        assert h.source and h.confidence in set(Confidence) and h.name_vi and h.name_en
    for m in cal.make_up_days.values():
        assert m.source and m.date.weekday() >= 5


# The pattern tests below use years that now have files (2019–2023; see test_calendar_years.py for
# the files' own facts) because their weekends and lunar dates exercise the pattern's rules.


def test_statutory_pattern_2019(pattern: WorkingCalendar) -> None:
    # Labour Code 2012: Tết 5 days (eve + 1–4), 2/9 a single day.
    for d in range(4, 9):
        assert not pattern.is_working_day(date(2019, 2, d))
    assert pattern.is_working_day(date(2019, 2, 11))
    assert pattern.holiday(date(2019, 4, 14)) is not None  # Hùng Kings on a Sunday ...
    comp = pattern.holiday(date(2019, 4, 15))
    assert comp is not None and comp.kind is HolidayKind.COMPENSATORY  # ... compensated on Monday
    assert "Điều 115(3)" in comp.source  # Labour Code 2012's make-up clause
    assert not pattern.is_working_day(date(2019, 9, 2)) and pattern.is_working_day(date(2019, 9, 3))
    # No swap in the pattern (the 2019 notice swapped 29/4 for Saturday 4/5).
    assert pattern.is_working_day(date(2019, 4, 29)) and not pattern.is_working_day(date(2019, 5, 1))
    assert not pattern.is_working_day(date(2019, 5, 4))


def test_statutory_pattern_2022(pattern: WorkingCalendar) -> None:
    assert pattern.holiday(date(2022, 1, 1)) is not None  # Saturday → Monday 3/1 off
    assert not pattern.is_working_day(date(2022, 1, 3)) and pattern.is_working_day(date(2022, 1, 4))
    assert all(not pattern.is_working_day(date(2022, 1, 31) + timedelta(days=i)) for i in range(5))
    # 30/4 Saturday and 1/5 Sunday → Monday 2/5 and Tuesday 3/5.
    assert [pattern.is_working_day(date(2022, 5, d)) for d in (2, 3, 4)] == [False, False, True]
    # Labour Code 2019: 2/9 plus the adjacent 1/9; the make-up clause is art. 111(3).
    assert not pattern.is_working_day(date(2022, 9, 1)) and not pattern.is_working_day(date(2022, 9, 2))
    comp = pattern.holiday(date(2022, 5, 2))
    assert comp is not None and "Điều 111(3)" in comp.source and "112(3)" not in comp.source


def test_tet_on_a_weekend_compensates_after_the_block(pattern: WorkingCalendar) -> None:
    # 2023: eve Sat 21/1, Tết Sun 22/1, Mon–Wed 23–25/1 → compensatory Thu 26/1, Fri 27/1.
    days = [pattern.is_working_day(date(2023, 1, d)) for d in (20, 26, 27, 30)]
    assert days == [True, False, False, True]


def test_year_files_override_the_pattern(cal: WorkingCalendar, pattern: WorkingCalendar) -> None:
    # The notices differ from the pattern around Tết 2020, 2021 and 2023 and at 2/9/2021.
    for d in (date(2020, 1, 23), date(2021, 2, 10), date(2021, 9, 3), date(2023, 1, 20)):
        assert pattern.is_working_day(d) and not cal.is_working_day(d), d
    for d in (date(2020, 1, 30), date(2021, 2, 17), date(2021, 9, 1), date(2023, 1, 27)):
        assert not pattern.is_working_day(d) and cal.is_working_day(d), d


# --- province override and data validation -----------------------------------------------------


def test_province_override_adds_and_removes_days(tmp_path: Path) -> None:
    override = tmp_path / "hcm.yaml"
    override.write_text(
        """
holidays:
  - {date: 2026-03-10, name_vi: Ngày lễ tỉnh, name_en: Province day, kind: statutory,
     source: Quyết định của UBND tỉnh, confidence: C}
lam_bu:
  - {date: 2026-03-14, replaces: 2026-03-10, source: Quyết định của UBND tỉnh, confidence: C}
remove: [2026-11-24, 2026-01-10]
""",
        encoding="utf-8",
    )
    base = load_calendar()
    prov = load_calendar(override)
    assert base.is_working_day(date(2026, 3, 10)) and not prov.is_working_day(date(2026, 3, 10))
    assert not base.is_working_day(date(2026, 3, 14)) and prov.is_working_day(date(2026, 3, 14))
    assert not base.is_working_day(date(2026, 11, 24)) and prov.is_working_day(date(2026, 11, 24))
    assert base.is_working_day(date(2026, 1, 10)) and not prov.is_working_day(date(2026, 1, 10))
    assert prov.holiday(date(2026, 11, 24)) is None


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"year": 2025, "holidays": [{"date": date(2025, 1, 1), "kind": "statutory"}]}, "name_vi"),
        ({"year": 2025, "bogus": 1}, "unknown keys"),
        # A mapping where a list belongs was read as its keys: "holidays[0]: expected a mapping" (review).
        ({"year": 2025, "holidays": {"a": 1}}, r"holidays: expected a list of entries"),
        ({"year": 2025, "lam_bu": "2025-04-26"}, r"lam_bu: expected a list of entries"),
        ({"year": 2024}, "'year' must be 2025"),
        ({"year": 2025, "remove": [date(2025, 1, 1)]}, "unknown keys"),
        (
            {"year": 2025, "lam_bu": [{"date": date(2025, 4, 28), "source": "x", "confidence": "C"}]},
            "not a weekend",
        ),
        (
            {"year": 2025, "lam_bu": [{"date": date(2024, 4, 27), "source": "x", "confidence": "C"}]},
            "outside 2025",
        ),
        (
            {
                "year": 2025,
                "holidays": [
                    {
                        "date": date(2025, 1, 1),
                        "name_vi": "a",
                        "name_en": "b",
                        "kind": "statutory",
                        "source": "x",
                        "confidence": "X",
                    }
                ],
            },
            "confidence",
        ),
    ],
)
def test_malformed_year_files_are_rejected(doc: dict[str, object], message: str) -> None:
    with pytest.raises(CalendarDataError, match=message):
        parse_calendar_data(doc, "2025.yaml", year=2025)


def _swap(d: date, kind: str = "swapped") -> dict[str, object]:
    return {
        "date": d,
        "name_vi": "Hoán đổi",
        "name_en": "Swap",
        "kind": kind,
        "source": "x",
        "confidence": "C",
    }


def _lam_bu(d: date, replaces: date) -> dict[str, object]:
    return {"date": d, "replaces": replaces, "source": "x", "confidence": "C"}


def _pattern(year: int) -> list[dict[str, object]]:
    """The statutory pattern's days off of ``year``, as a year file lists them (a year file lists every day
    off of its year: ``_check_fixed_days``)."""
    lunar = parse_lunar_table(yaml.safe_load(LUNAR_YAML.read_text(encoding="utf-8")), "lunar.yaml")
    pattern = build_calendar({}, lunar, first_year=year, last_year=year)
    return [
        _swap(d, h.kind.value) | {"name_vi": h.name_vi} for d, h in pattern.holidays.items() if d.year == year
    ]


def test_a_cross_year_swap_is_accepted_when_its_make_up_day_is_in_the_file() -> None:
    doc = {
        "year": 2019,
        "holidays": [_swap(date(2018, 12, 31))],
        "lam_bu": [_lam_bu(date(2019, 1, 5), date(2018, 12, 31))],
    }
    data = parse_calendar_data(doc, "2019.yaml", year=2019)
    assert [h.date for h in data.holidays] == [date(2018, 12, 31)]
    # ... and the shipped 2019.yaml carries 31/12/2018, added on top of 2018's pattern.
    cal = load_calendar()
    swapped = cal.holiday(date(2018, 12, 31))
    assert swapped is not None and swapped.kind is HolidayKind.SWAPPED and "6519/VPCP-KGVX" in swapped.source
    assert not cal.is_working_day(date(2018, 12, 31)) and cal.is_working_day(date(2019, 1, 5))
    assert cal.holiday(date(2018, 9, 2)) is not None  # the rest of 2018 is still the pattern


@pytest.mark.parametrize(
    ("holiday", "lam_bu"),
    [
        (_swap(date(2018, 12, 31), kind="statutory"), _lam_bu(date(2019, 1, 5), date(2018, 12, 31))),
        (_swap(date(2018, 12, 31)), None),  # no make-up day replacing it
        (_swap(date(2018, 12, 31)), _lam_bu(date(2019, 1, 5), date(2019, 1, 2))),
        (_swap(date(2017, 12, 29)), _lam_bu(date(2019, 1, 5), date(2017, 12, 29))),  # not adjacent
    ],
)
def test_other_out_of_year_dates_are_rejected(
    holiday: dict[str, object], lam_bu: dict[str, object] | None
) -> None:
    doc = {"year": 2019, "holidays": [holiday], "lam_bu": [lam_bu] if lam_bu else []}
    with pytest.raises(CalendarDataError, match="outside 2019"):
        parse_calendar_data(doc, "2019.yaml", year=2019)


def test_a_cross_year_swap_must_not_collide_with_the_neighbouring_year(tmp_path: Path) -> None:
    (tmp_path / "lunar.yaml").write_bytes(LUNAR_YAML.read_bytes())
    (tmp_path / "2019.yaml").write_text(
        yaml.safe_dump(
            {
                "year": 2019,
                "holidays": [*_pattern(2019), _swap(date(2018, 12, 31))],
                "lam_bu": [_lam_bu(date(2019, 1, 5), date(2018, 12, 31))],
            }
        ),
        encoding="utf-8",
    )
    assert not load_calendar(data_dir=tmp_path).is_working_day(date(2018, 12, 31))
    (tmp_path / "2018.yaml").write_text(
        yaml.safe_dump(
            {
                "year": 2018,
                "holidays": [*_pattern(2018), _swap(date(2018, 12, 31))],
                "lam_bu": [_lam_bu(date(2018, 12, 29), date(2018, 12, 31))],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CalendarDataError, match="already a holiday"):
        load_calendar(data_dir=tmp_path)


def test_a_data_dir_replaces_the_package_data(tmp_path: Path) -> None:
    (tmp_path / "lunar.yaml").write_bytes(LUNAR_YAML.read_bytes())
    # 2025 as the pattern has it: the shipped file's swap (off Fri 2/5, worked Sat 26/4) is not there.
    (tmp_path / "2025.yaml").write_text(
        yaml.safe_dump({"year": 2025, "holidays": _pattern(2025)}, allow_unicode=True), encoding="utf-8"
    )
    cal = load_calendar(data_dir=tmp_path)
    assert not load_calendar().is_working_day(date(2025, 5, 2))
    assert cal.is_working_day(date(2025, 5, 2)) and not cal.is_working_day(date(2025, 4, 26))
    assert not cal.is_working_day(date(2025, 1, 29)) and not cal.is_working_day(date(2024, 2, 10))


def test_rows_round_trip(cal: WorkingCalendar) -> None:
    rows = cal.to_rows(date(2025, 4, 20), date(2025, 5, 5))
    assert len(rows) == 16
    by_date = {r.date: r for r in rows}
    assert by_date[date(2025, 4, 26)].kind == "lam_bu" and by_date[date(2025, 4, 26)].is_working_day
    assert by_date[date(2025, 4, 30)].holiday_name_vi == "Ngày Chiến thắng"
    assert by_date[date(2025, 4, 30)].confidence is Confidence.C
    full = cal.to_rows()
    rebuilt = WorkingCalendar.from_rows(full)
    assert rebuilt.to_rows() == full
    bad = [*full[:-1], CalendarDay(full[-1].date, not full[-1].is_working_day)]
    with pytest.raises(ValueError, match="is_working_day"):
        WorkingCalendar.from_rows(bad)


# --- day arithmetic ----------------------------------------------------------------------------


def test_local_date_uses_vietnam_time(cal: WorkingCalendar) -> None:
    assert cal.local_date(datetime(2025, 11, 3, 23, 30, tzinfo=UTC)) == date(2025, 11, 4)
    assert cal.local_date(datetime(2025, 11, 3, 16, 59, 59, 999999, tzinfo=UTC)) == date(2025, 11, 3)
    assert cal.local_date(datetime(2025, 11, 3, 17, 0, tzinfo=UTC)) == date(2025, 11, 4)


def test_naive_datetimes_and_out_of_range_dates_are_rejected(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        cal.local_date(datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_hours(datetime(2025, 1, 1), 1)
    with pytest.raises(CalendarRangeError):
        cal.is_working_day(date(1999, 12, 31))
    with pytest.raises(CalendarRangeError):
        cal.add_working_days(vn(2050, 12, 20), 30)
    with pytest.raises(CalendarRangeError):
        cal.working_day_offset(date(2000, 1, 5), -10)


def test_add_working_days_examples(cal: WorkingCalendar) -> None:
    s = vn(2025, 4, 24, 15, 45)  # Thursday
    assert cal.add_working_days(s, 0) is s
    assert cal.add_working_days(s, 1) == vn(2025, 4, 25, 15, 45)
    assert cal.add_working_days(s, 2) == vn(2025, 4, 26, 15, 45)  # make-up Saturday
    assert cal.add_working_days(s, 3) == vn(2025, 4, 28, 15, 45)
    assert cal.add_working_days(s, 5) == vn(2025, 5, 5, 15, 45)  # over 30/4–4/5
    assert cal.add_working_days(vn(2025, 5, 5, 15, 45), -5) == s
    # From a holiday the count starts on the next working day.
    assert cal.working_day_offset(date(2026, 2, 17), 1) == date(2026, 2, 23)
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert cal.working_day_offset(date(2026, 2, 23), -1) == date(2026, 2, 13)
    # The caller's time zone is kept, and the Vietnamese wall-clock time with it.
    paris = datetime(2025, 3, 28, 3, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 09:00 in Vietnam
    r = cal.add_working_days(paris, 1)
    assert r.tzinfo is paris.tzinfo and r.astimezone(VN_TZ) == vn(2025, 3, 31, 9, 0)


def test_working_days_between_examples(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(vn(2025, 4, 24), vn(2025, 5, 5)) == 5
    assert cal.working_days_between(vn(2025, 5, 5), vn(2025, 4, 24)) == 0
    assert cal.working_days_between(vn(2025, 4, 24, 8), vn(2025, 4, 24, 16)) == 0


def test_end_of_working_day(cal: WorkingCalendar) -> None:
    assert cal.end_of_working_day(date(2025, 6, 2)) == vn(2025, 6, 2, 17, 0)
    late = WorkingCalendar([], working_hours=WorkingHours(((time(8), time(12)), (time(13), time(17, 30)))))
    assert late.end_of_working_day(date(2025, 6, 2)) == vn(2025, 6, 2, 17, 30)


instants = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2049, 1, 1), timezones=st.just(UTC)
)
ns = st.integers(min_value=0, max_value=400)


@settings(max_examples=examples(150), deadline=None)
@given(instants, ns)
def test_add_then_count_working_days_round_trips(s: datetime, n: int) -> None:
    r = CAL.add_working_days(s, n)
    assert CAL.working_days_between(s, r) == n
    assert r.astimezone(VN_TZ).time() == s.astimezone(VN_TZ).time()
    if n >= 1:
        d = CAL.local_date(r)
        assert CAL.is_working_day(d) and CAL.holiday(d) is None
        assert d.weekday() < 5 or CAL.make_up_day(d) is not None
    back = CAL.add_working_days(r, -n)
    assert CAL.local_date(back) <= CAL.local_date(s)
    assert CAL.working_days_between(back, r) == n


@settings(max_examples=examples(100), deadline=None)
@given(instants, ns, ns)
def test_add_working_days_is_monotonic_in_n(s: datetime, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert CAL.add_working_days(s, lo) <= CAL.add_working_days(s, hi)
    if lo < hi:
        assert CAL.add_working_days(s, lo) < CAL.add_working_days(s, hi)


@settings(max_examples=examples(100), deadline=None)
@given(instants, instants, st.integers(min_value=1, max_value=400))
def test_add_working_days_is_monotonic_in_start(a: datetime, b: datetime, n: int) -> None:
    lo, hi = sorted((a, b))
    assert CAL.local_date(CAL.add_working_days(lo, n)) <= CAL.local_date(CAL.add_working_days(hi, n))


@settings(max_examples=examples(100), deadline=None)
@given(instants, instants)
def test_working_days_between_counts_dates(a: datetime, b: datetime) -> None:
    lo, hi = sorted((a, b))
    n = CAL.working_days_between(lo, hi)
    assert n >= 0
    d0, d1 = CAL.local_date(lo), CAL.local_date(hi)
    if (d1 - d0).days < 40:  # brute-force check on short spans
        brute = sum(CAL.is_working_day(d0 + timedelta(days=i)) for i in range(1, (d1 - d0).days + 1))
        assert n == brute


# --- hours -------------------------------------------------------------------------------------


def test_add_working_hours_examples(cal: WorkingCalendar) -> None:
    mon = date(2025, 6, 2)
    assert cal.add_working_hours(vn(2025, 6, 2, 7), 8) == vn(2025, 6, 2, 17)  # period end, same day
    assert cal.add_working_hours(vn(2025, 6, 2, 7), 4.5) == vn(2025, 6, 2, 11, 30)
    assert cal.add_working_hours(vn(2025, 6, 2, 11), 1) == vn(2025, 6, 2, 14)  # over lunch
    assert cal.add_working_hours(vn(2025, 6, 2, 12), 1) == vn(2025, 6, 2, 14, 30)  # snaps to 13:30
    assert cal.add_working_hours(vn(2025, 6, 2, 5), 1) == vn(2025, 6, 2, 8)
    assert cal.add_working_hours(vn(2025, 6, 2, 17), 1) == vn(2025, 6, 3, 8)
    assert cal.add_working_hours(vn(2025, 6, 6, 16), 2) == vn(2025, 6, 9, 8)  # Friday → Monday
    assert cal.add_working_hours(vn(2025, 6, 7, 10), 1) == vn(2025, 6, 9, 8)  # Saturday snaps
    assert cal.add_working_hours(vn(2025, 4, 26, 10), 1) == vn(2025, 4, 26, 11)  # make-up Saturday
    assert cal.working_hours_between(vn(2025, 6, 2, 7), vn(2025, 6, 3, 17)) == 16
    assert cal.working_hours_between(vn(2025, 6, 2, 12), vn(2025, 6, 2, 13)) == 0
    assert cal.working_hours_between(vn(2025, 6, 3), vn(2025, 6, 2)) == 0
    assert cal.add_working_hours(vn(2025, 6, 2, 12), 0) == vn(2025, 6, 2, 12)
    with pytest.raises(ValueError):
        cal.add_working_hours(vn(2025, 6, 2, 12), -1)
    assert mon.weekday() == 0


def test_add_working_hours_keeps_the_callers_zone(cal: WorkingCalendar) -> None:
    r = cal.add_working_hours(datetime(2025, 6, 2, 0, 0, tzinfo=UTC), 1)  # 07:00 local
    assert r.tzinfo is UTC and r == datetime(2025, 6, 2, 1, 0, tzinfo=UTC)
    plus7 = timezone(timedelta(hours=7))
    assert cal.add_working_hours(datetime(2025, 6, 2, 7, tzinfo=plus7), 2).tzinfo is plus7


@settings(max_examples=examples(150), deadline=None)
@given(instants, st.floats(min_value=0, max_value=2000, allow_nan=False))
def test_add_then_measure_working_hours_round_trips(s: datetime, h: float) -> None:
    r = CAL.add_working_hours(s, h)
    assert r >= s
    assert math.isclose(CAL.working_hours_between(s, r), h, abs_tol=1e-6)
    if round(h * 3_600_000_000) > 0:  # below a microsecond nothing moves
        local = r.astimezone(VN_TZ)
        assert CAL.is_working_day(local.date())
        assert any(a < local.time() <= b for a, b in CAL.working_hours.periods)


@settings(max_examples=examples(100), deadline=None)
@given(instants, st.floats(0, 500), st.floats(0, 500))
def test_add_working_hours_is_monotonic(s: datetime, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert CAL.add_working_hours(s, lo) <= CAL.add_working_hours(s, hi)


def test_custom_working_hours() -> None:
    with pytest.raises(ValueError):
        WorkingHours(((time(13), time(12)),))
    with pytest.raises(ValueError):
        WorkingHours(((time(8), time(12)), (time(11), time(17))))
    seven_half = WorkingHours(((time(7, 30), time(11, 30)), (time(13, 30), time(17))))
    assert seven_half.hours_per_day == 7.5
    cal = load_calendar(working_hours=seven_half)
    assert cal.add_working_hours(vn(2025, 6, 2, 7), 7.5) == vn(2025, 6, 2, 17)


# --- legal due date ----------------------------------------------------------------------------


def test_legal_due_date_per_unit(cal: WorkingCalendar) -> None:
    received = vn(2025, 4, 24, 15, 45)  # Thursday before the 30/4 break
    wd = TimeUnit.WORKING_DAYS
    assert cal.legal_due_date(received, ProcessingTime(3, wd)) == date(2025, 4, 28)
    assert cal.legal_due_date(received, ProcessingTime(0, wd)) == date(2025, 4, 24)
    # 0.5 working day = 4 working hours: 1h15 left on Thursday, 2h45 on Friday → 09:45.
    assert cal.legal_due_date(received, ProcessingTime(0.5, wd)) == date(2025, 4, 25)
    assert cal.legal_due_date(vn(2025, 4, 24, 8), ProcessingTime(0.5, wd)) == date(2025, 4, 24)
    assert cal.legal_due_date(received, ProcessingTime(2, TimeUnit.WORKING_HOURS)) == date(2025, 4, 25)
    assert cal.legal_due_date(vn(2025, 4, 24, 8), ProcessingTime(8, TimeUnit.WORKING_HOURS)) == date(
        2025, 4, 25
    )
    cd = TimeUnit.CALENDAR_DAYS
    assert cal.legal_due_date(received, ProcessingTime(6, cd)) == date(2025, 5, 5)  # 30/4 → next
    assert cal.legal_due_date(received, ProcessingTime(2, cd)) == date(2025, 4, 26)  # make-up Sat
    assert cal.legal_due_date(received, ProcessingTime(1.5, cd)) == date(2025, 4, 26)  # rounded up
    assert cal.legal_due_date(received, ProcessingTime(0, TimeUnit.NONE)) is None
