"""The events topic reaches the detector's inlet in order and without holes (streams.detector.handover):
a model of the fetch loop where seeks land between two records of a fetch, against the log."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.detector.handover import Decision, HandOver
from tests.depth import examples

TP = "events/0"


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[int], list[tuple[int, int]], list[int]]:
    end = draw(st.integers(1, 60))
    holes = draw(st.sets(st.integers(0, end - 1), max_size=end // 3))
    log = [o for o in range(end) if o not in holes]
    # (after how many records iterated in total, seek to): the transport always knows where (0: beginning)
    seeks = draw(st.lists(st.tuples(st.integers(0, 80), st.integers(0, end)), max_size=5))
    sizes = draw(st.lists(st.integers(1, 12), min_size=1, max_size=8))  # records per fetch, cycled
    return log, sorted(seeks, key=lambda s: s[0]), sizes


def run(log: list[int], seeks: list[tuple[int, int]], sizes: list[int]) -> list[list[int]]:
    """The fetch loop's model: returns the records handed over since each seek (the first: since start)."""
    handover = HandOver()
    generation = 1
    handover.sought({TP: 0}, generation)  # the first recovery's seek: nothing is handed over before it
    position = 0
    runs: list[list[int]] = [[]]
    pending = list(seeks)
    handled = 0  # records iterated (taken or not): seeks land between them, as between event-loop turns
    for turn in range(400):
        fetched = [o for o in log if o >= position][: sizes[turn % len(sizes)]]
        position = fetched[-1] + 1 if fetched else position
        handover.new_fetch()
        for offset in fetched:
            while pending and pending[0][0] <= handled:  # a rebalance lands here, then its seek
                _, to = pending.pop(0)
                generation += 1
                # Between the assignment and the seek, what aiokafka prefetched from its own position (the
                # committed offset, maybe past where the state ends) reaches the loop: none of it is taken.
                for early in log[len(log) // 2 :]:
                    assert handover.decide(TP, early, generation) is Decision.DROP
                position = to
                handover.sought({TP: to}, generation)
                runs.append([])
            handled += 1
            decision = handover.decide(TP, offset, generation)
            if decision is Decision.REWIND:
                position = handover.next[TP] or 0  # the seek back; aiokafka drops what it had fetched
            elif decision is Decision.TAKE:
                handover.took(TP, offset)
                runs[-1].append(offset)
        if not fetched and not pending:
            break
    return runs


@settings(max_examples=examples(200), deadline=None)
@given(scenarios())
def test_after_each_seek_the_inlet_gets_the_log_from_the_seek_position_in_order_without_holes(
    scenario: tuple[list[int], list[tuple[int, int]], list[int]],
) -> None:
    log, seeks, sizes = scenario
    runs = run(log, seeks, sizes)
    starts = [0, *(to for _, to in seeks)][: len(runs)]
    for handed, start in zip(runs[:-1], starts[:-1], strict=True):
        expected = [o for o in log if o >= start]
        assert handed == expected[: len(handed)]  # a prefix: the next seek may come before the end
    last = [o for o in log if o >= starts[-1]]
    assert runs[-1] == last  # after the last seek, everything from there, once, in order


def test_a_fetch_straddling_a_seek_is_rewound_not_skipped() -> None:
    """CI, chaos seed 19: after a seek to 161, the rest of a fetch made before it went on at 224."""
    handover = HandOver()
    handover.sought({TP: 150}, 1)
    for offset in range(150, 223):
        assert handover.decide(TP, offset, 1) is Decision.TAKE
        handover.took(TP, offset)
    handover.sought({TP: 161}, 1)  # back to where the state ends
    assert handover.decide(TP, 224, 1) is Decision.REWIND and handover.next[TP] == 161
    assert handover.decide(TP, 225, 1) is Decision.DROP  # the rest of that fetch
    handover.new_fetch()
    assert handover.decide(TP, 161, 1) is Decision.TAKE


def test_a_hole_in_the_log_is_taken_after_one_rewind() -> None:
    handover = HandOver()
    handover.sought({TP: 10}, 1)
    assert handover.decide(TP, 12, 1) is Decision.REWIND
    handover.new_fetch()
    assert (
        handover.decide(TP, 12, 1) is Decision.TAKE
    )  # read afresh from 10 and still 12: 10-11 are not there
    handover.took(TP, 12)
    assert handover.decide(TP, 13, 1) is Decision.TAKE


def test_nothing_is_handed_over_between_a_rebalance_and_its_seek() -> None:
    """Faust resumes the partitions, with the flow running and the state recovered, before it seeks them."""
    handover = HandOver()
    assert handover.decide(TP, 0, 1) is Decision.DROP  # before the first seek
    handover.sought({TP: 0}, 1)
    assert handover.decide(TP, 0, 1) is Decision.TAKE
    handover.took(TP, 0)
    assert handover.decide(TP, 1, 2) is Decision.DROP  # the next generation, not sought yet
    epoch = handover.epoch
    handover.sought({TP: 1}, 2)
    assert handover.epoch != epoch  # a decision taken before this seek is void (the fetch loop checks it)
    assert handover.decide(TP, 1, 2) is Decision.TAKE
