"""The suite's order under xdist (``tests.scheduling``): each worker's first share starts with its long
tests, balanced by their seconds; every test is run once; without workers or long tests, nothing moves."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.depth import examples
from tests.scheduling import share_sizes, slow_first


@given(count=st.integers(0, 500), workers=st.integers(1, 8))
@settings(max_examples=examples(50), deadline=None)
def test_the_shares_are_those_xdist_sends(count, workers):
    sizes = share_sizes(count, workers)
    assert sum(sizes) == count and max(sizes) - min(sizes) <= 1
    assert sizes == sorted(sizes)  # floor division first: the smaller shares go to the first workers


@given(
    weights=st.lists(st.sampled_from([0, 0, 0, 0, 5, 20, 60, 95]), max_size=200),
    workers=st.integers(1, 6),
)
@settings(max_examples=examples(100), deadline=None)
def test_each_share_starts_with_its_long_tests_and_nothing_is_lost(weights, workers):
    items = list(enumerate(weights))  # (position, seconds)
    ordered = slow_first(items, workers, seconds=lambda item: item[1])
    assert sorted(ordered) == items  # a permutation
    rest = [item for item in ordered if not item[1]]
    assert rest == [item for item in items if not item[1]]  # the others keep their order
    long = [item for item in items if item[1]]
    if workers < 2 or not long or ordered == items:
        return
    start = 0
    loads = []
    for size in share_sizes(len(items), workers):
        share = ordered[start : start + size]
        start += size
        heads = [item[1] for item in share if item[1]]
        assert [item[1] for item in share[: len(heads)]] == heads  # its long tests come first,
        assert heads == sorted(heads, reverse=True)  # the longest first
        loads.append(sum(heads))
    assert max(loads) - min(loads) <= max(item[1] for item in long)  # balanced as LPT balances


def test_the_main_job_tests_start_on_two_workers_at_once():
    """The suite's two longest tests, measured: one at the head of each of two shares."""
    items = [("a", 0)] * 100 + [("main_job", 95)] + [("b", 0)] * 100 + [("stable", 75)] + [("c", 0)] * 50
    ordered = slow_first(items, 4, seconds=lambda item: item[1])
    assert ordered[0] == ("main_job", 95) and ordered[63] == ("stable", 75)
