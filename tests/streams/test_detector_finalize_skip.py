"""The final evaluation skips a settled dossier (ended, every event seen at its last evaluation, its
published violations what that evaluation found): its verdict no longer depends on the evaluation time, so
the final open set stays the batch audit's at any ``--as-of`` (also one inside the stream, where some of its
events are not visible yet), with fewer evaluations; a dossier whose published set is replaced by what the
topic holds, or that receives an event, is evaluated again."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from inspections.audit import audit_events
from inspections.rulebook import Auditor
from streams.detector.core import DetectorCore
from streams.detector.dossier import SETTLED
from streams.messages import encode_event
from streams.watermark import to_us
from tests.builders import CALENDAR, CATALOGUE, apology, ev, processed, received
from tests.depth import examples
from tests.streams.detector_support import province, shuffled

HOUR = timedelta(hours=1)
START, END = date(2025, 3, 3), date(2025, 4, 28)
PLATFORM = Platform(load_settings())
PROVINCE = province(120, START, END, seed=11)
TEST_AUDITOR = Auditor(CATALOGUE, CALENDAR)


def replay(seed: int, batch: int) -> DetectorCore:
    core = DetectorCore(PLATFORM.auditor, HOUR)
    stream = shuffled(PROVINCE, HOUR, seed=seed, duplicates=0.1)
    rng = random.Random(seed)
    i = 0
    while i < len(stream):
        size = rng.randint(1, batch)
        core.apply(0, [(e, encode_event(e)) for e in stream[i : i + size]])
        i += size
    return core


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), batch=st.integers(1, 300), hours=st.integers(0, 24 * 90))
def test_the_final_open_set_is_the_batch_audit_at_any_as_of(seed: int, batch: int, hours: int) -> None:
    core = replay(seed, batch)
    as_of = datetime.combine(START, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hours)
    core.partition(0).finalize(to_us(as_of))
    want = {
        (v.dossier_id, v.rule_id, v.event_id or ""): v.to_json_dict()
        for v in audit_events(PROVINCE, PLATFORM.auditor, as_of)
    }
    assert core.open_violations() == want


def test_settled_dossiers_are_not_evaluated_again_and_the_result_is_the_same() -> None:
    core = replay(seed=5, batch=200)
    part = core.partition(0)
    settled = sum(1 for s in part.dossiers.values() if s.flags & SETTLED)
    assert settled > len(part.dossiers) // 4  # most of a finished stream has ended
    as_of = datetime.combine(END, datetime.min.time(), tzinfo=UTC) + timedelta(days=30)
    out = part.finalize(to_us(as_of))
    assert out.evaluated == len(part.dossiers) - settled
    want = audit_events(PROVINCE, PLATFORM.auditor, as_of)
    assert set(core.open_violations()) == {(v.dossier_id, v.rule_id, v.event_id or "") for v in want}


def test_a_replaced_published_set_or_a_new_event_makes_it_evaluated_again() -> None:
    core = DetectorCore(TEST_AUDITOR, HOUR)
    part = core.partition(0)
    late = [received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"]), processed("2025-11-07 10:00")]
    core.apply(0, [(e, encode_event(e)) for e in late])
    part.finalize(to_us(datetime(2025, 11, 20, tzinfo=UTC)))
    state = part.dossiers["D1"]
    assert state.flags & SETTLED and set(state.published) == {("LATE_NO_APOLOGY", "")}

    # The topic lost the violation (a crash): the final evaluation publishes it again.
    part.replace_published({})
    assert not state.flags & SETTLED
    out = part.finalize(to_us(datetime(2025, 11, 21, tzinfo=UTC)))
    assert [(c.state, c.key[0]) for c in out.changes] == [("open", "LATE_NO_APOLOGY")]

    # The same set read back keeps it settled: nothing to evaluate.
    part.replace_published({"D1": dict(state.published)})
    assert state.flags & SETTLED
    assert part.finalize(to_us(datetime(2025, 11, 22, tzinfo=UTC))).evaluated == 0

    # A new event (an apology made in time) clears it: the verdict changes at once.
    out = core.apply(0, [(e, encode_event(e)) for e in [apology("2025-11-04 15:00", "2025-11-10 17:00")]])
    assert [(c.state, c.key[0]) for c in out.changes] == [("retracted", "LATE_NO_APOLOGY")]
    assert state.flags & SETTLED  # evaluated with every event: settled again, with nothing open


def test_an_event_the_watermark_has_not_reached_makes_it_evaluated_at_the_final_step() -> None:
    core = DetectorCore(TEST_AUDITOR, HOUR)
    part = core.partition(0)
    late = [received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"]), processed("2025-11-07 10:00")]
    late.append(ev("withdrawn", "2025-11-07 12:00", dossier="CLOCK"))  # moves the event time only
    core.apply(0, [(e, encode_event(e)) for e in late])
    state = part.dossiers["D1"]
    assert state.flags & SETTLED
    future = processed("2025-11-07 11:30")  # past the watermark (11:00): waits, not evaluated yet
    future = future.model_copy(update={"event_id": "E-future"})
    out = core.apply(0, [(future, encode_event(future))])
    assert out.evaluated == 0 and not state.flags & SETTLED
    assert part.finalize(to_us(datetime(2025, 12, 10, tzinfo=UTC))).evaluated == 2  # D1 and CLOCK
