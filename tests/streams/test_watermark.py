"""Event-time watermarks: monotonic, trailing the newest event time by the allowed lateness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.watermark import Watermark, from_us, to_us

_times = st.integers(min_value=1_600_000_000_000_000, max_value=1_900_000_000_000_000)


def test_microseconds_round_trip_exactly() -> None:
    t = datetime(2025, 11, 3, 9, 30, 0, 123456, tzinfo=UTC)
    assert from_us(to_us(t)) == t
    local = datetime.fromisoformat("2025-11-03T16:30:00.000001+07:00")
    assert to_us(local) == to_us(datetime(2025, 11, 3, 9, 30, 0, 1, tzinfo=UTC))


def test_no_watermark_before_the_first_event() -> None:
    wm = Watermark(3_600_000_000)
    assert wm.value is None
    assert wm.advance() is False and wm.value is None
    wm.observe(10_000_000_000)
    assert wm.advance() is True and wm.value == 10_000_000_000 - 3_600_000_000


def test_a_late_event_does_not_move_it_back() -> None:
    wm = Watermark(1_000)
    wm.observe(100_000)
    wm.advance()
    wm.observe(5)  # far behind the watermark: still used by the detector, but time stays
    assert wm.advance() is False and wm.value == 99_000


def test_negative_lateness_is_refused() -> None:
    with pytest.raises(ValueError, match="lateness"):
        Watermark(-1)


@given(
    lateness=st.integers(min_value=0, max_value=10**10),
    steps=st.lists(st.tuples(st.lists(_times, max_size=5), st.none() | _times), min_size=1, max_size=30),
)
def test_monotonic_and_equal_to_the_definition(
    lateness: int, steps: list[tuple[list[int], int | None]]
) -> None:
    wm = Watermark(lateness)
    seen: list[int] = []
    floors: list[int] = []
    previous: int | None = None
    for events, floor in steps:
        for t in events:
            wm.observe(t)
            seen.append(t)
        if floor is not None:
            floors.append(floor)
        moved = wm.advance(floor)
        candidates = ([max(seen) - lateness] if seen else []) + floors
        expected = max(candidates) if candidates else None
        assert wm.value == expected
        if previous is not None:
            assert wm.value is not None and wm.value >= previous
        assert moved == (wm.value != previous)
        previous = wm.value


@given(st.lists(_times, min_size=1, max_size=20), st.integers(min_value=0, max_value=10**9))
def test_advance_to_is_a_floor(events: list[int], target: int) -> None:
    wm = Watermark(timedelta(hours=1) // timedelta(microseconds=1))
    for t in events:
        wm.observe(t)
    wm.advance()
    before = wm.value
    assert before is not None
    wm.advance_to(before + target)
    assert wm.value == before + target
    wm.advance_to(before)  # never back
    assert wm.value == before + target
