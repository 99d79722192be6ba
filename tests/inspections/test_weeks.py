from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspections.weeks import Week, WeekError


def test_parse_and_bounds():
    w = Week.parse("2025-W45")
    assert (w.start, w.sunday, w.end) == (date(2025, 11, 3), date(2025, 11, 9), date(2025, 11, 10))
    assert str(w) == "2025-W45"
    assert str(w.previous()) == "2025-W44" and str(w.next()) == "2025-W46"
    assert [str(x) for x in w.history(3)] == ["2025-W43", "2025-W44", "2025-W45"]


@pytest.mark.parametrize("bad", ["2025-45", "2025-W5", "2025-W54", "W45", ""])
def test_bad_week_names(bad):
    with pytest.raises(WeekError):
        Week.parse(bad)


def test_local_time_decides_the_week():
    # Sunday 23:30 in Hanoi is Sunday 16:30 UTC; Sunday 17:30 UTC is already Monday in Hanoi.
    assert str(Week.containing(datetime(2025, 11, 9, 16, 30, tzinfo=UTC))) == "2025-W45"
    assert str(Week.containing(datetime(2025, 11, 9, 17, 30, tzinfo=UTC))) == "2025-W46"
    assert str(Week.last_complete(datetime(2025, 11, 10, 0, 5, tzinfo=UTC))) == "2025-W45"


@given(st.dates(min_value=date(2000, 1, 3), max_value=date(2090, 12, 31)))
def test_every_day_is_in_its_week(day):
    w = Week.of(day)
    assert w.start <= day < w.end and w.start.weekday() == 0
    assert Week.parse(str(w)) == w
    assert w.next().previous() == w


def test_a_week_across_a_bound_of_the_supported_years_says_which_day_is_out() -> None:
    """ "2050-W52 is outside the supported years 2000–2050" read as wrong: it starts on 2050-12-26."""
    from inspections.weeks import WeekError, supported_week

    with pytest.raises(WeekError, match=r"'2050-W52' ends on 2051-01-01, after the supported years"):
        supported_week("2050-W52")
    with pytest.raises(WeekError, match=r"'1999-W52' starts on 1999-12-27, before the supported years"):
        supported_week("1999-W52")  # 1999-12-27 .. 2000-01-02
    assert str(supported_week("2050-W51")) == "2050-W51"
    with pytest.raises(WeekError, match="is outside the supported years"):
        supported_week("2051-W10")
