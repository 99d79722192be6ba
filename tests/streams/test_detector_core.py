"""The detector's pure core: diff semantics, time-triggered rules, retractions, recovery, and the final
open set equal to the batch audit whatever the batching, order (within lateness) and duplicates."""

from __future__ import annotations

import random
import zlib
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from inspections.audit import audit_events
from inspections.rulebook import Auditor
from inspections.timeunits import VN_TZ
from schemas.events import AnyEvent
from schemas.validation import Rejection, parse_event
from streams.detector.core import Change, DetectorCore, DossierState, diff_published
from streams.messages import ViolationMessage, encode_event
from streams.watermark import from_us, to_us
from tests.builders import CALENDAR, CATALOGUE, apology, ev, processed, received
from tests.depth import examples
from tests.poison import poison
from tests.streams.detector_support import province, shuffled

HOUR = timedelta(hours=1)
TEST_AUDITOR = Auditor(CATALOGUE, CALENDAR)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def pairs(*events: AnyEvent) -> list[tuple[AnyEvent, bytes]]:
    return [(e, encode_event(e)) for e in events]


def clock_event(when: str, dossier: str = "CLOCK") -> AnyEvent:
    """An unrelated dossier's event: it only moves the partition's event time."""
    return ev("withdrawn", when, dossier=dossier)


# --- the diff -------------------------------------------------------------------------------------------
_keys = st.tuples(st.sampled_from(["R1", "R2", "R3"]), st.sampled_from(["", "e1", "e2"]))
_docs = st.dictionaries(_keys, st.sampled_from([b'{"a":1}', b'{"a":2}']), max_size=6)


@given(_docs, _docs)
def test_diff_turns_the_published_set_into_the_current_one(published, current) -> None:
    changes = diff_published("D", published, current)
    result = dict(published)
    for c in changes:
        assert c.dossier_id == "D"
        if c.state == "open":
            result[c.key] = c.json
        else:
            assert c.json == published[c.key]  # a retraction carries what was published
            del result[c.key]
    assert result == current
    # Minimal: nothing for a key whose JSON did not change.
    assert all(published.get(c.key) != current.get(c.key) for c in changes)
    assert diff_published("D", current, current) == []


def test_changed_json_is_re_published_as_open() -> None:
    assert diff_published("D", {("R", ""): b"1"}, {("R", ""): b"2"}) == [Change("open", "D", ("R", ""), b"2")]


# --- time, lateness and retraction ----------------------------------------------------------------------
def test_a_dossier_becomes_late_when_the_watermark_passes_its_due_date_without_an_event_of_its_own() -> None:
    core = DetectorCore(TEST_AUDITOR, HOUR)
    # Monday, due Thursday 2025-11-06; P1 allows 3 working days.
    out = core.apply(
        0,
        pairs(received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"]), clock_event("2025-11-03 12:00")),
    )
    assert out.changes == []
    out = core.apply(0, pairs(clock_event("2025-11-06 23:00", "C2")))
    assert out.changes == []  # Thursday 22:00 is not late yet
    out = core.apply(0, pairs(clock_event("2025-11-07 01:30", "C3")))  # watermark Friday 00:30
    assert [(c.state, c.dossier_id, c.key[0]) for c in out.changes] == [("open", "D1", "LATE_NO_APOLOGY")]
    assert from_us(out.as_of_us or 0) == local("2025-11-07 00:30")
    # Evidence times are local (+07:00) on every path since rulebook v2 (the watermark is UTC).
    assert out.changes[0].violation()["evidence"]["end_at"] == local("2025-11-07 00:30").isoformat()


def test_an_event_dated_years_ahead_does_not_move_the_partitions_time_past_the_horizon() -> None:
    """One unrelated event dated 2045 (a typo) moved the watermark there for good: every open dossier of the
    partition was judged late at 2045 (review of 2026-12-04). The horizon (the replay's as_of, or the clock)
    bounds the event time the watermark follows; the event itself is kept in its dossier."""
    now = {"us": to_us(local("2025-11-04 12:00"))}
    core = DetectorCore(TEST_AUDITOR, HOUR, horizon=lambda: now["us"])
    out = core.apply(0, pairs(received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"])))
    out = core.apply(0, pairs(clock_event("2045-11-03 09:00", "TYPO")))
    assert out.changes == [] and from_us(core.partition(0).watermark.value or 0) == local("2025-11-04 11:00")
    assert "TYPO" in core.partition(0).dossiers
    now["us"] = to_us(local("2025-11-07 01:30"))  # the clock goes on: time follows it, and only it
    out = core.apply(0, pairs(clock_event("2025-11-04 13:00", "C2")))
    assert [(c.state, c.dossier_id, c.key[0]) for c in out.changes] == [("open", "D1", "LATE_NO_APOLOGY")]
    assert from_us(out.as_of_us or 0) == local("2025-11-07 00:30")


def test_an_apology_arriving_late_but_made_before_the_due_date_retracts_late_no_apology() -> None:
    core = DetectorCore(TEST_AUDITOR, HOUR)
    recv = received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="D9")
    core.apply(0, pairs(recv, processed("2025-11-07 10:00", dossier="D9"), clock_event("2025-11-07 12:00")))
    assert set(core.open_violations()) == {("D9", "LATE_NO_APOLOGY", "")}
    late_news = apology("2025-11-04 15:00", "2025-11-10 17:00", dossier="D9")  # Tuesday: in time
    out = core.apply(0, pairs(late_news))
    assert [(c.state, c.key[0]) for c in out.changes] == [("retracted", "LATE_NO_APOLOGY")]
    assert out.changes[0].violation()["rule_id"] == "LATE_NO_APOLOGY"
    assert core.open_violations() == {}


def test_events_after_the_watermark_wait_for_it() -> None:
    core = DetectorCore(TEST_AUDITOR, HOUR)
    ok = received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A", "Z"], dossier="D2")  # Z: excess document
    out = core.apply(0, pairs(ok))
    assert out.changes == [] and "D2" in {d for _, d in core.partition(0).timers}
    out = core.apply(0, pairs(clock_event("2025-11-03 10:30")))
    assert [(c.state, c.key[0]) for c in out.changes] == [("open", "EXCESS_DOCUMENTS")]


def test_duplicates_count_once_and_a_conflict_keeps_the_first_version() -> None:
    core = DetectorCore(TEST_AUDITOR, HOUR)
    first = received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="D3", event_id="x1")
    other = received("2025-11-03 09:00", "2025-11-07 17:00", docs=["A"], dossier="D3", event_id="x1")
    out = core.apply(0, pairs(first, first, other))
    assert out.duplicates == 1 and out.conflicts == [other]
    assert core.partition(0).dossiers["D3"].events() == [first]


def test_finalize_evaluates_at_the_given_instant_even_behind_the_watermark() -> None:
    core = DetectorCore(TEST_AUDITOR, HOUR)
    core.apply(
        0,
        pairs(received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"]), clock_event("2025-11-20 09:00")),
    )
    assert set(core.open_violations()) == {("D1", "LATE_NO_APOLOGY", "")}
    out = core.partition(0).finalize(to_us(local("2025-11-05 00:00")))
    assert [(c.state, c.key[0]) for c in out.changes] == [("retracted", "LATE_NO_APOLOGY")]
    assert core.partition(0).watermark.value == to_us(local("2025-11-20 08:00"))  # never back


def test_stored_state_restores_the_partition() -> None:
    core = DetectorCore(TEST_AUDITOR, HOUR)
    events = pairs(
        received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A", "Z"]), clock_event("2025-11-05 12:00"),
    )  # fmt: skip
    core.apply(3, events)
    part = core.partition(3)
    stored = [(d, s.encode(3)) for d, s in part.dossiers.items()]
    meta = DetectorCore.encode_partition(part)

    again = DetectorCore(TEST_AUDITOR, HOUR)
    restored = again.restore(3, stored, meta)
    assert restored.watermark.value == part.watermark.value
    assert again.open_violations() == core.open_violations()
    assert {d: s.due_us for d, s in restored.dossiers.items()} == {
        d: s.due_us for d, s in part.dossiers.items()
    }
    # Both go on to the same answer when time passes.
    later = pairs(clock_event("2025-11-12 12:00", "C9"))
    a, b = core.apply(3, later), again.apply(3, later)
    assert [(c.state, c.key) for c in a.changes] == [(c.state, c.key) for c in b.changes] != []
    with pytest.raises(ValueError, match="partition 3, not 4"):
        DetectorCore(TEST_AUDITOR, HOUR).restore(4, stored, None)


def test_unreadable_state_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unreadable stored state"):
        DossierState.decode("D1", b"{not json")


# --- the property: any batching, any order within lateness, duplicates ---------------------------------
PLATFORM = Platform(load_settings())
START, END = date(2025, 9, 1), date(2025, 9, 15)
PROVINCE = province(60, START, END, seed=11)
LATENESS = timedelta(hours=2)


def _partition(dossier_id: str, n: int) -> int:
    return zlib.crc32(dossier_id.encode()) % n


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    batch=st.integers(1, 400),
    partitions=st.integers(1, 4),
    duplicates=st.floats(0, 0.3),
    days_after=st.integers(0, 20),
)
def test_any_batching_gives_the_batch_audit(
    seed: int, batch: int, partitions: int, duplicates: float, days_after: int
) -> None:
    auditor = PLATFORM.auditor
    stream = shuffled(PROVINCE, LATENESS, seed=seed, duplicates=duplicates)
    core = DetectorCore(auditor, LATENESS)
    rng = random.Random(seed)
    i = 0
    while i < len(stream):
        size = rng.randint(1, batch)
        by_part: dict[int, list[tuple[AnyEvent, bytes]]] = {}
        for e in stream[i : i + size]:
            by_part.setdefault(_partition(e.dossier_id, partitions), []).append((e, encode_event(e)))
        for p, items in by_part.items():
            core.apply(p, items)
        i += size

    # At each partition's own watermark, the published keys are already those of the audit there: the
    # timers fired every time-triggered change, whether or not the dossier had an event.
    published = core.open_violations()
    for p, state in core.partitions.items():
        at = from_us(state.watermark.value or 0)
        mine = [e for e in PROVINCE if _partition(e.dossier_id, partitions) == p]
        want = {(v.dossier_id, v.rule_id, v.event_id or "") for v in audit_events(mine, auditor, at)}
        assert {k for k in published if _partition(k[0], partitions) == p} == want

    # After the replay step at T, the JSON too is exactly the batch audit's.
    as_of = datetime.combine(END, datetime.min.time(), tzinfo=UTC) + timedelta(days=days_after)
    for state in core.partitions.values():
        state.finalize(to_us(as_of))
    want_json = {
        (v.dossier_id, v.rule_id, v.event_id or ""): v.to_json_dict()
        for v in audit_events(PROVINCE, auditor, as_of)
    }
    assert core.open_violations() == want_json


def test_wall_clock_floor_moves_time_in_live_mode() -> None:
    core = DetectorCore(TEST_AUDITOR, HOUR)
    core.apply(
        0,
        pairs(received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"]), clock_event("2025-11-03 12:00")),
    )
    out = core.partition(0).advance(to_us(local("2025-11-08 00:00")))  # no event: the clock alone
    assert [(c.state, c.key[0]) for c in out.changes] == [("open", "LATE_NO_APOLOGY")]
    out = core.apply(0, [], floor_us=to_us(local("2025-11-09 00:00")))
    assert out.watermark_moved and out.changes == []  # open dossier: its JSON is refreshed on its next event


def test_a_dossier_the_rulebook_cannot_judge_is_an_audit_error_and_the_rest_goes_on() -> None:
    core = DetectorCore(PLATFORM.auditor, HOUR)  # the real calendar covers 2000-2050
    p = "1.004194"
    out = core.apply(0, pairs(
        received("1999-06-01 09:00", "1999-06-04 17:00", procedure=p, docs=["Z"], dossier="OLD"),
        received("2025-11-03 09:00", "2025-11-06 17:00", procedure=p, docs=["Z"], dossier="NEW"),
        clock_event("2025-11-04 09:00"),
    ))  # fmt: skip
    assert [d for d, _ in out.errors] == ["OLD"] and "outside the calendar" in out.errors[0][1]
    published = core.open_violations()
    assert [k for k in published if k[0] == "OLD"] == [("OLD", "AUDIT_ERROR", "")]
    assert published[("OLD", "AUDIT_ERROR", "")]["evidence"]["error"] == "CalendarRangeError"
    assert "NEW" in {d for d, _, _ in published}


def test_a_poisoned_dossier_gives_the_batch_audit_error_and_every_other_verdict_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Any failure inside one dossier's evaluation: the detector publishes AUDIT_ERROR for it (retracting
    what it had published) exactly as the batch audit reports it, and every other dossier is unaffected."""
    auditor = PLATFORM.auditor
    as_of = datetime.combine(END, datetime.min.time(), tzinfo=UTC) + timedelta(days=3)
    healthy = {(v.dossier_id, v.rule_id, v.event_id or ""): v.to_json_dict() for v in
               audit_events(PROVINCE, auditor, as_of)}  # fmt: skip
    stream = shuffled(PROVINCE, LATENESS, seed=5)
    core = DetectorCore(auditor, LATENESS)
    half = len(stream) // 2
    core.apply(0, pairs(*stream[:half]))
    before = core.open_violations()
    victim = min(d for d, _, _ in before)  # a dossier with violations published before it fails

    poison(monkeypatch, victim)
    changes = core.apply(0, pairs(*stream[half:])).changes
    changes += core.partition(0).finalize(to_us(as_of)).changes
    published = core.open_violations()
    assert published == {
        (v.dossier_id, v.rule_id, v.event_id or ""): v.to_json_dict()
        for v in audit_events(PROVINCE, auditor, as_of)
    }
    assert {k: doc for k, doc in published.items() if k[0] != victim} == {
        k: doc for k, doc in healthy.items() if k[0] != victim
    }
    assert [k for k in published if k[0] == victim] == [(victim, "AUDIT_ERROR", "")]
    retracted = {c.key for c in changes if c.dossier_id == victim and c.state == "retracted"}
    assert retracted == {(rule, event) for d, rule, event in before if d == victim}


def test_the_detector_consumer_does_not_wait_long_for_a_fetch(tmp_path):
    """Faust hard-codes a 1.5 s fetch wait; on a broker that holds empty fetches that long (tansu), it added
    ~1.5 s to every violation's latency."""
    import asyncio

    from bootstrap.platform import Platform, detector_options
    from bootstrap.settings import load_settings
    from streams.detector.app import make_app
    from streams.detector.transport import FETCH_MAX_WAIT_MS

    settings = load_settings(workdir=tmp_path, bootstrap_servers="127.0.0.1:1")
    platform = Platform(settings)
    app = make_app(
        platform.kafka, detector_options(settings), platform.auditor, platform.pseudonymiser.scrub_raw
    )

    async def create() -> int:  # aiokafka consumers are made inside a running loop; nothing connects here
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        return int(consumer._fetch_max_wait_ms)

    assert asyncio.run(create()) == FETCH_MAX_WAIT_MS <= 100


@pytest.mark.parametrize("session", [6.0, 120.0, 300.0])
def test_the_detector_consumer_takes_any_session_timeout_the_command_allows(tmp_path, session):
    """``worker detect --session-timeout 120`` crashed every agent: Faust refuses a session longer than a
    request may wait (90 s by default) when it makes the consumer (review)."""
    import asyncio

    from bootstrap.platform import Platform, detector_options
    from bootstrap.settings import load_settings
    from dossier_audit.cli.worker import MAX_SESSION_SECONDS
    from streams.detector.app import make_app

    settings = load_settings(workdir=tmp_path, bootstrap_servers="127.0.0.1:1")
    platform = Platform(settings)
    options = detector_options(settings, session_timeout=session, rebalance_timeout=max(10.0, session))
    app = make_app(platform.kafka, options, platform.auditor, platform.pseudonymiser.scrub_raw)

    async def create() -> float:
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        return float(consumer._session_timeout_ms) / 1000

    assert asyncio.run(create()) == session <= MAX_SESSION_SECONDS


# --- rules not checkable (issue 14: a source that cannot provide a field) -------------------------------
def _sourced(event: AnyEvent, *unknown: str) -> AnyEvent:
    """``event`` with ``unknown`` given as null, from a source that cannot provide them."""
    doc = orjson.loads(encode_event(event))
    doc["data"].update(dict.fromkeys(unknown))
    doc["source"] = {"system": "dvcqg", "record": "R-1", "unknown": list(unknown)}
    parsed = parse_event(orjson.dumps(doc))
    assert not isinstance(parsed, Rejection), parsed
    return parsed


def test_not_checkable_records_are_published_as_they_are_and_time_never_turns_them_into_violations() -> None:
    """An appointment the source cannot provide: the detector publishes the rules reading it as not
    checkable (kind unchanged, like the batch audit) and no lateness opens, however far the watermark goes."""
    core = DetectorCore(TEST_AUDITOR, HOUR)
    blind = _sourced(received("2025-11-03 09:00", None, docs=["A"], dossier="NC"), "due_at")
    out = core.apply(0, pairs(blind, clock_event("2025-11-03 12:00")))
    opened = {(c.key, c.violation()["kind"]) for c in out.changes if c.state == "open"}
    assert opened == {
        (("LATE_NO_APOLOGY", blind.event_id), "not_checkable"),
        (("NO_APPOINTMENT", blind.event_id), "not_checkable"),
        (("DUE_DATE_OVERSTATED", blind.event_id), "not_checkable"),
    }
    # Keyed by the event the rule could not be evaluated on (a verdict of this rule would have none).
    late_no_apology = next(c for c in out.changes if c.key == ("LATE_NO_APOLOGY", blind.event_id))
    out = core.apply(0, pairs(clock_event("2025-12-20 12:00", "C2")))
    assert out.changes == []  # weeks later: still not checkable, nothing opened or retracted
    at = datetime(2025, 12, 20, 11, tzinfo=VN_TZ)
    want = {(v.dossier_id, v.rule_id, v.event_id or ""): v.to_json_dict()
            for v in audit_events([blind], TEST_AUDITOR, at)}  # fmt: skip
    core.partition(0).finalize(to_us(at))
    assert {k: v for k, v in core.open_violations().items() if k[0] == "NC"} == want
    # What the worker publishes and the sink reads back keeps the kind.
    message = ViolationMessage("open", at, "detector", 1, late_no_apology.violation())
    assert ViolationMessage.decode(message.encode()).violation["kind"] == "not_checkable"


def test_the_state_changelog_takes_records_as_large_as_the_producer_sends(tmp_path):
    """The stream seat of 2026-12-07: a dossier's state holds its events' raw lines; nine valid events of
    125 KB made a state record of 1.13 MB, which a broker's default ``max.message.bytes`` (about 1 MiB)
    refuses, stopping the worker, and every later owner of the partition, for good. The state changelog is
    created taking records up to the producer's request limit."""
    import asyncio

    from bootstrap.platform import Platform, detector_options
    from bootstrap.settings import load_settings
    from schemas.lines import MAX_LINE_BYTES
    from streams.detector.app import STATE_RECORD_BYTES, make_app

    settings = load_settings(workdir=tmp_path, bootstrap_servers="127.0.0.1:1")
    platform = Platform(settings)
    app = make_app(
        platform.kafka, detector_options(settings), platform.auditor, platform.pseudonymiser.scrub_raw
    )
    topic = app.detector.dossier_table.changelog_topic
    assert int(topic.config["max.message.bytes"]) == STATE_RECORD_BYTES
    assert app.conf.producer_max_request_size == STATE_RECORD_BYTES >= 32 * MAX_LINE_BYTES

    async def create() -> int:  # as the worker makes it, inside a running loop; nothing connects here
        producer = app.producer._new_producer()
        return int(producer._max_request_size)

    assert asyncio.run(create()) == STATE_RECORD_BYTES
