"""Which feeds a week waits for (review of 2026-12-04): a unit merged away sends nothing after its merger, so
its last event no longer pins every later week's reach (the province's weeks after 1/7/2025 stayed
provisional for ever, "data up to 04/07" from an old commune's last in-flight dossier); any other feed
still counts, and the report names the one that lags most."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspections.files.catalogue import load_catalogue
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting import reach
from reporting.i18n import Texts
from reporting.reach import MaturityRule, Reach, feed_name, week_maturity, week_reach

CATALOGUE = load_catalogue(Path(__file__).parents[2] / "inspections" / "data" / "sample_province.yaml")
MERGED = "unit:000.02.01.H99"  # thị trấn Tây Sơn, merged into 000.10.03.H99 on 1/7/2025
SUCCESSOR = "unit:000.10.03.H99"
W29 = Week.parse("2025-W29")  # 14/07 – 20/07/2025


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def reach_of(monkeypatch: pytest.MonkeyPatch, feeds: dict[str, datetime], week: Week = W29) -> Reach:
    monkeypatch.setattr(reach, "feed_newest", lambda wh, as_of: feeds)
    return week_reach(CATALOGUE, object(), week, MaturityRule(3), utc(2025, 8, 1))  # type: ignore[arg-type]


def test_a_unit_merged_away_is_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    feeds = {MERGED: utc(2025, 7, 4, 4), SUCCESSOR: utc(2025, 7, 25), "system:dvcqg": utc(2025, 7, 24, 9)}
    assert reach_of(monkeypatch, feeds) == Reach(utc(2025, 7, 24, 9), "system:dvcqg", utc(2025, 7, 25))
    # Before its merger, the same commune is a feed like any other, and the one that lags most.
    early = reach_of(monkeypatch, {**feeds, MERGED: utc(2025, 6, 4)}, Week.parse("2025-W22"))
    assert early == Reach(utc(2025, 6, 4), MERGED, utc(2025, 7, 25))


def test_a_unit_in_force_that_lags_still_holds_the_week_back(monkeypatch: pytest.MonkeyPatch) -> None:
    feeds = {MERGED: utc(2025, 7, 4, 4), SUCCESSOR: utc(2025, 7, 18), "system:dvcqg": utc(2025, 7, 24, 9)}
    assert reach_of(monkeypatch, feeds) == Reach(utc(2025, 7, 18), SUCCESSOR, utc(2025, 7, 24, 9))
    assert reach_of(monkeypatch, {}) == Reach(None)
    only_gone = reach_of(monkeypatch, {MERGED: utc(2025, 7, 4, 4), "unit:000.01.01.H99": utc(2025, 7, 2)})
    assert only_gone == Reach(utc(2025, 7, 4, 4), MERGED, utc(2025, 7, 4, 4))  # nothing else: the last
    unknown = reach_of(monkeypatch, {"unit:NOT-IN-CATALOGUE": utc(2025, 7, 1), SUCCESSOR: utc(2025, 7, 25)})
    assert unknown.lagging == "unit:NOT-IN-CATALOGUE"  # a unit the catalogue does not know counts


@given(st.dictionaries(st.sampled_from([MERGED, SUCCESSOR, "system:a", "unit:000.10.01.H99"]),
                       st.integers(0, 90), min_size=1))  # fmt: skip
def test_the_reach_is_the_lowest_feed_waited_for(days: dict[str, int]) -> None:
    feeds = {feed: utc(2025, 6, 1) + timedelta(days=n) for feed, n in days.items()}
    with pytest.MonkeyPatch.context() as m:
        got = reach_of(m, feeds)
    waited = {f: at for f, at in feeds.items() if f != MERGED}
    if waited:
        assert got.through == min(waited.values()) and feeds[got.lagging] == got.through
        assert got.lagging != MERGED and got.ahead == max(waited.values())
    else:
        assert got == Reach(feeds[MERGED], MERGED, feeds[MERGED])


def test_the_provisional_reason_names_the_feed_that_lags() -> None:
    t = Texts("vi")
    name = feed_name(CATALOGUE, SUCCESSOR)
    assert name == "Ủy ban nhân dân xã Tây Sơn" and feed_name(CATALOGUE, "system:dvcqg") == "dvcqg"
    assert feed_name(CATALOGUE, "unit:X") == "X"
    behind = week_maturity(t, W29, utc(2025, 7, 18), MaturityRule(3), False, name, utc(2025, 7, 24))
    assert behind.reasons == ("chưa có dữ liệu của Ủy ban nhân dân xã Tây Sơn sau khi kết thúc tuần (mới cập "
                              "nhật đến 18/07/2025 07:00).",)  # fmt: skip
    assert behind.incomplete
    immature = week_maturity(t, W29, utc(2025, 7, 22), MaturityRule(3), False, name, utc(2025, 7, 24))
    assert immature.reasons == ("dữ liệu mới cập nhật đến 22/07/2025 07:00 (nguồn chậm nhất: Ủy ban nhân dân "
                                "xã Tây Sơn), chưa đủ 3 ngày làm việc sau khi kết thúc tuần.",)  # fmt: skip
    assert not immature.incomplete and immature.final_on == date(2025, 7, 24)
    assert not week_maturity(t, W29, utc(2025, 7, 24), MaturityRule(3), False, "").provisional
    # Every feed stops at the same point (the data end there): none is named as lagging behind another.
    alike = week_maturity(t, W29, utc(2025, 7, 18), MaturityRule(3), False, name, utc(2025, 7, 19))
    assert alike.reasons == ("chưa có dữ liệu sau khi kết thúc tuần.",)
    short = week_maturity(t, W29, utc(2025, 7, 22), MaturityRule(3), False, name, utc(2025, 7, 23))
    assert short.reasons == (
        "dữ liệu mới cập nhật đến 22/07/2025 07:00, chưa đủ 3 ngày làm việc sau khi kết thúc tuần.",
    )


def test_a_week_followed_by_days_off_is_final_that_many_working_days_later() -> None:
    """2027-W05 ends on Monday 8 February and the pattern's Tết closes every office to Thursday 11. Counted in
    calendar days its figures were final from Thursday 11, with no office open since the week: a report of
    data reaching Friday 12, the first working day, was final (review of the New Year 2027 seat). In working
    days the week is final on Wednesday 17 (Friday 12, Monday 15, Tuesday 16), as the process's header
    counts them; an ordinary week stays final on Thursday."""
    from bootstrap.platform import Platform
    from bootstrap.settings import load_settings

    t = Texts("vi")
    rule = Platform(load_settings()).report_header("vi").maturity
    tet = Week.parse("2027-W05")
    assert rule.final_on(tet) == date(2027, 2, 17) and rule.final_run_on(tet) == date(2027, 2, 18)
    assert rule.final_on(Week.parse("2027-W07")) == date(2027, 2, 25)  # Thursday
    first_day = datetime(2027, 2, 12, 16, tzinfo=VN_TZ)
    early = week_maturity(t, tet, first_day, rule, False)
    assert early.provisional and early.final_on == date(2027, 2, 17)
    assert early.reasons == (
        "dữ liệu mới cập nhật đến 12/02/2027 16:00, chưa đủ 3 ngày làm việc sau khi kết thúc tuần.",
    )
    assert not week_maturity(t, tet, datetime(2027, 2, 17, tzinfo=VN_TZ), rule, False).provisional
    # Without a calendar (a report built without the process's header), or past its last day: calendar days.
    assert MaturityRule(3).final_on(tet) == date(2027, 2, 11)
    far = Week.parse("2099-W05")
    assert MaturityRule(3, rule.calendar).final_on(far) == far.end + timedelta(days=3)
