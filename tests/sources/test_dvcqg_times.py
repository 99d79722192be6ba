"""DVCQG times: both formats read as Asia/Ho_Chi_Minh, absent values, and every bad value a reason."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from sources.dvcqg.times import VN, TimeProblem, format_instant, parse_time

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
LOCAL = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2050, 12, 30))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(LOCAL.map(lambda d: d.replace(microsecond=0)))
def test_the_compact_format_is_local_time_in_ho_chi_minh(local: datetime) -> None:
    parsed = parse_time(local.strftime("%Y%m%d%H%M%S"))
    assert isinstance(parsed, datetime)
    assert parsed == local.replace(tzinfo=HCM)
    assert parsed.utcoffset() == timedelta(hours=7) == HCM.utcoffset(local)
    assert format_instant(parsed).endswith("+07:00")


@given(LOCAL, st.sampled_from(["T", " "]))
def test_iso_without_offset_is_local_time_in_ho_chi_minh(local: datetime, separator: str) -> None:
    text = local.isoformat(sep=separator)
    parsed = parse_time(text)
    assert isinstance(parsed, datetime)
    assert parsed == local.replace(tzinfo=HCM)
    assert datetime.fromisoformat(format_instant(parsed)) == parsed


@given(LOCAL, st.integers(-12 * 60, 14 * 60))
def test_iso_with_an_offset_is_the_instant_it_names(local: datetime, minutes: int) -> None:
    zone = timezone(timedelta(minutes=minutes))
    parsed = parse_time(local.replace(tzinfo=zone).isoformat())
    assert isinstance(parsed, datetime)
    assert parsed == local.replace(tzinfo=zone)
    assert parsed.tzinfo == VN


@given(LOCAL, st.integers(-12 * 60, 14 * 60))
def test_an_offset_without_its_colon_as_java_writes_it_is_that_instant(local: datetime, minutes: int) -> None:
    zone = timezone(timedelta(minutes=minutes))
    extended = local.replace(tzinfo=zone).isoformat()
    basic = extended[:-3] + extended[-2:]  # +07:00 -> +0700
    assert basic[-5] in "+-" and ":" not in basic[-5:]
    assert parse_time(basic) == parse_time(extended) == local.replace(tzinfo=zone)
    assert isinstance(parse_time("2025-11-03T09:15:00+07"), TimeProblem)  # the hours alone are not an offset


def test_seven_fraction_digits_of_dotnet_are_read_to_the_microsecond() -> None:
    parsed = parse_time("2025-11-03T09:15:00.1234567")
    assert parsed == datetime(2025, 11, 3, 9, 15, 0, 123456, tzinfo=HCM)


def test_absent_values() -> None:
    for value in (None, "", "   ", "0001-01-01T00:00:00", "00010101000000", "0001-01-01 00:00:00.0000000"):
        assert parse_time(value) is None, value
    # SQL Server's zero datetime, an empty value cast in the sender's database (DVCQG review of 2026-12-07).
    zero: tuple[object, ...] = (
        "1900-01-01T00:00:00", "19000101000000", 19000101000000, "1900-01-01 00:00:00.000",
    )  # fmt: skip
    for given_zero in zero:
        assert parse_time(given_zero) is None, given_zero
    # Only midnight with no offset stands for no date: any other time of that day is outside the years.
    near = ("19000101000001", "1900-01-01T00:00:00+07:00", "1900-01-01T00:00:00.5", "1900-01-02T00:00:00")
    for value in near:
        parsed = parse_time(value)
        assert isinstance(parsed, TimeProblem) and parsed.kind == "out_of_range", value


def test_a_number_of_fourteen_digits_is_the_compact_format() -> None:
    assert parse_time(20251103091500) == datetime(2025, 11, 3, 9, 15, tzinfo=HCM)


def test_bad_values_have_their_reason() -> None:
    cases = [
        ("2025-11-03", "invalid"),  # a date alone: which time of the day would be a guess
        ("03/11/2025 09:15", "invalid"),
        ("20251103", "invalid"),
        ("2025110309150", "invalid"),
        ("20251332091500", "invalid"),  # no 13th month
        ("2025-02-30T00:00:00", "invalid"),
        ("2025-11-03T09:15", "invalid"),  # no seconds
        ("2025-11-03T09:15:00+25:00", "invalid"),
        ("19991231235959", "out_of_range"),
        ("2051-01-01T00:00:00", "out_of_range"),
        ("２０２５１１０３０９１５００", "invalid"),  # full-width digits are not ASCII digits
        (True, "invalid"),
        (1.5, "invalid"),
        (["20251103091500"], "invalid"),
        ({"t": 1}, "invalid"),
    ]
    for value, kind in cases:
        parsed = parse_time(value)
        assert isinstance(parsed, TimeProblem), value
        assert parsed.kind == kind, (value, parsed)
        assert parsed.message


@given(JSON)
def test_any_json_value_is_a_time_none_or_a_problem(value: object) -> None:
    parsed = parse_time(value)
    assert parsed is None or isinstance(parsed, TimeProblem | datetime)
    if isinstance(parsed, datetime):
        assert parsed.tzinfo is VN and 2000 <= parsed.year <= 2050


@given(st.text(max_size=40))
def test_any_text_is_a_time_none_or_a_problem(text: str) -> None:
    parsed = parse_time(text)
    if isinstance(parsed, TimeProblem):
        assert parsed.kind in {"invalid", "out_of_range"}
