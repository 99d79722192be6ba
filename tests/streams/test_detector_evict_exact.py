"""Eviction stays exact or loud where delivery, the warehouse or the replay instant would let it be wrong:
a dossier is never evicted before its violations are known delivered (in its batch, nor after a crash), the
eviction record precedes its tombstones, a conflicting version of an event is never read back in place of
the detector's, missing stored events stop the worker, and a replay before the group's eviction horizon is
refused."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import orjson
import pytest

from inspections.audit import audit_events
from inspections.rulebook import Auditor, Rulebooks
from inspections.timeunits import VN_TZ
from schemas.events import AnyEvent
from streams.detector.dossier import PINNED, UNSURE
from streams.detector.evict import EVICTED_PREFIX, Evicted, id_hash
from streams.detector.resume import marker_key
from streams.watermark import to_us
from tests.builders import CALENDAR, CATALOGUE, apology, ev, processed, received
from tests.streams.evict_support import VIOLATIONS, FakeWarehouse, Sim

HOUR = timedelta(hours=1)
AUDITOR = Auditor(CATALOGUE, CALENDAR)
AS_OF = datetime(2026, 1, 1, tzinfo=VN_TZ)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def clock(when: str, dossier: str) -> AnyEvent:
    return ev("withdrawn", when, dossier=dossier)


def d9(due: str = "2025-11-06 17:00") -> list[AnyEvent]:
    """Due Thursday, processed Friday without apology: LATE_NO_APOLOGY."""
    return [
        received("2025-11-03 09:00", due, docs=["A"], dossier="D9", event_id="R9"),
        processed("2025-11-07 10:00", dossier="D9", event_id="P9"),
    ]


SORRY = apology("2025-11-04 15:00", "2025-11-10 17:00", dossier="D9", event_id="S9")  # in time: retracts


def batch_audit(events: list[AnyEvent]) -> dict[tuple[str, str, str], bytes]:
    return {
        (v.dossier_id, v.rule_id, v.event_id or ""): orjson.dumps(v.to_json_dict())
        for v in audit_events(events, AUDITOR, AS_OF)
    }


def evicted_d9(sim: Sim) -> list[AnyEvent]:
    """D9 ends, its partition's event time moves a month on, a next batch evicts it; the events sent."""
    sent = [*d9(), clock("2025-12-07 12:00", "C1")]
    sim.batch(sent)
    sim.batch([clock("2025-12-07 12:00:01", "C2")])
    assert "D9" not in sim.core.partitions[0].dossiers and "D9" in sim.core.partitions[0].evicted
    assert ("D9", "LATE_NO_APOLOGY", "") in sim.open_set()
    return [*sent, clock("2025-12-07 12:00:01", "C2")]


# --- finding 1: never evicted before its violations are known delivered ---------------------------------
def test_a_dossier_whose_violations_changed_stays_for_the_batch_and_after_a_crash_until_reconciled() -> None:
    """The late apology retracts D9's violation. The retraction is lost, the state and the marker are stored,
    the worker fails: had D9 been evicted in that batch (tombstone and eviction record stored), the batch
    taken again would read it back with the retraction already in its state, the apology a duplicate, and
    the retraction lost for good. It stays in memory, flagged, and the final evaluation repairs the topic."""
    sim = Sim(AUDITOR, HOUR)
    sent = evicted_d9(sim)
    sim.batch([SORRY], loss=lambda topic, key, value: topic == VIOLATIONS)
    assert sim.crashes == 1 and not sim.halted
    assert ("D9", "LATE_NO_APOLOGY", "") in sim.open_set()  # the retraction never reached the topic
    state = sim.core.partitions[0].dossiers["D9"]
    assert state.flags & UNSURE  # its stored state was written in a batch never confirmed delivered
    sim.batch([clock("2025-12-09 12:00", "C3")])
    assert "D9" in sim.core.partitions[0].dossiers  # still not evicted: nothing reconciled it yet
    sim.finalize(to_us(AS_OF))
    assert sim.open_set() == batch_audit([*sent, SORRY, clock("2025-12-09 12:00", "C3")])
    assert not state.flags & UNSURE  # reconciled: it may go again
    sim.batch([clock("2025-12-09 12:00:01", "C4")])
    assert "D9" not in sim.core.partitions[0].dossiers


def test_without_a_loss_it_goes_with_the_next_batch() -> None:
    sim = Sim(AUDITOR, HOUR)
    evicted_d9(sim)
    sim.batch([SORRY])
    assert "D9" in sim.core.partitions[0].dossiers  # written in this batch (its retraction too)
    assert ("D9", "LATE_NO_APOLOGY", "") not in sim.open_set()
    sim.batch([clock("2025-12-09 12:00", "C3")])
    assert "D9" not in sim.core.partitions[0].dossiers


# --- finding 3: the eviction record before the tombstones ----------------------------------------------
def test_the_eviction_record_precedes_its_tombstones_and_a_cut_between_them_is_harmless() -> None:
    sim = Sim(AUDITOR, HOUR)
    sim.batch([*d9(), clock("2025-12-07 12:00", "C1")])
    sim.producer.sent.clear()
    sim.batch([clock("2025-12-07 12:00:01", "C2")])
    changelog = [(k, v) for t, k, v in sim.producer.sent if t == "dossiers"]
    record = next(i for i, (k, _) in enumerate(changelog) if k is not None and k.startswith(EVICTED_PREFIX))
    tombstones = [i for i, (_, v) in enumerate(changelog) if v is None]
    assert tombstones and record < min(tombstones) and changelog[-1][0] == marker_key(0)

    # The partition's records delivered up to the eviction record only: D9 is restored, and known evicted.
    sim = Sim(AUDITOR, HOUR)
    sent = [*d9(), clock("2025-12-07 12:00", "C1")]
    sim.batch(sent)
    sim.batch([clock("2025-12-07 12:00:01", "C2")], loss=lambda topic, key, value: value is None)
    assert sim.crashes == 1 and "D9" in sim.core.partitions[0].evicted
    sim.batch([SORRY])
    sim.finalize(to_us(AS_OF))
    assert sim.open_set() == batch_audit([*sent, clock("2025-12-07 12:00:01", "C2"), SORRY])


# --- finding 2: conflicting versions -------------------------------------------------------------------
def test_a_dossier_that_saw_a_conflicting_version_is_never_evicted() -> None:
    """The reviewer's case: R (due 11-06), processed 11-07 opens LATE_NO_APOLOGY; a conflicting R (due 11-20)
    comes (dead-lettered: the first version wins), which a merge keeps in the warehouse instead of the first;
    then an apology made in time arrives late. D9 is pinned in memory, so the apology retracts."""
    sim = Sim(AUDITOR, HOUR, warehouse=FakeWarehouse(merge=True))
    other = d9(due="2025-11-20 17:00")[0]
    sent = [*d9(), clock("2025-11-08 12:00", "C1"), other, clock("2025-12-07 12:00", "C2")]
    sim.batch(sent[:3])
    sim.batch(sent[3:])
    sim.batch([clock("2025-12-07 12:00:01", "C3")])
    state = sim.core.partitions[0].dossiers["D9"]  # kept: ended and quiet, but pinned
    assert state.flags & PINNED and len(sim.dead) == 1
    sim.restart()  # the flag is stored with the state
    assert sim.core.partitions[0].dossiers["D9"].flags & PINNED
    sim.batch([SORRY])
    sim.finalize(to_us(AS_OF))
    assert sim.open_set() == batch_audit([*sent, clock("2025-12-07 12:00:01", "C3"), SORRY])
    assert ("D9", "LATE_NO_APOLOGY", "") not in sim.open_set()


def test_a_conflicting_version_after_the_eviction_is_told_from_the_held_one() -> None:
    """Both versions stored (no merge yet): the read back takes the one the detector held."""
    sim = Sim(AUDITOR, HOUR)
    sent = evicted_d9(sim)
    other = d9(due="2025-11-20 17:00")[0]
    sim.batch([other])  # read back, then dead-lettered; D9 now pinned
    assert sim.reloaded == 1 and len(sim.dead) == 1
    sim.batch([SORRY])
    sim.finalize(to_us(AS_OF))
    assert sim.open_set() == batch_audit([*sent, other, SORRY])


def test_a_merge_that_kept_the_other_version_stops_the_worker_instead_of_a_guess() -> None:
    sim = Sim(AUDITOR, HOUR, warehouse=FakeWarehouse(merge=True))
    evicted_d9(sim)
    acked = len(sim.producer.acked)
    sim.batch([d9(due="2025-11-20 17:00")[0]])  # stored over the first version before the read back
    detector = sim.detector
    assert sim.halted and detector.failed and detector.exit_code == 1
    assert detector.stats.history_mismatches == 1 and len(sim.producer.acked) == acked  # not acknowledged


# --- finding 8: stored events missing ---------------------------------------------------------------------
def test_an_evicted_dossier_whose_stored_events_are_missing_stops_the_worker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = Sim(AUDITOR, HOUR)
    evicted_d9(sim)
    rows = sim.warehouse.rows[sim.source(0)]
    for key in [k for k in rows if k[0] == "D9"]:
        del rows[key]  # the warehouse lost them (or the dossier only collides with an evicted one)
    acked = len(sim.producer.acked)
    with caplog.at_level(logging.ERROR, logger="streams.detector.worker"):
        sim.batch([SORRY])
    assert sim.halted and sim.detector.exit_code == 1 and sim.detector.stats.history_mismatches == 1
    assert len(sim.producer.acked) == acked
    said = [r for r in caplog.records if "do not match its eviction" in r.getMessage()]
    assert len(said) == 1 and "'D9'" in said[0].reason  # type: ignore[attr-defined]


def test_a_new_dossier_colliding_with_an_evicted_one_is_not_taken_for_new_silently() -> None:
    sim = Sim(AUDITOR, HOUR)
    sim.batch([clock("2025-11-01 12:00", "C0")])
    sim.core.partitions[0].evicted.add(Evicted(id_hash("NEW"), 2, 12345, offset=1))  # a 64-bit collision
    sim.batch([received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="NEW")])
    assert sim.halted and sim.detector.stats.history_mismatches == 1


# --- finding 9: a replay before the eviction horizon ------------------------------------------------------
def test_a_replay_before_the_eviction_horizon_is_refused_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = Sim(AUDITOR, HOUR)  # a live run (no --as-of) evicts D9, whose newest event is 11-07 10:00
    evicted_d9(sim)
    with caplog.at_level(logging.ERROR, logger="streams.detector.worker"):
        sim.restart(as_of=local("2025-11-07 09:59"))
    detector = sim.detector
    assert detector.failed and detector.exit_code == 2 and not detector.ready
    said = [r.getMessage() for r in caplog.records if "eviction horizon" in r.getMessage()]
    assert len(said) == 1 and "2025-11-07T03:00:00+00:00" in said[0] and "[0]" in said[0]
    sim.restart(as_of=local("2025-11-07 10:00"))  # at the horizon: every evicted dossier is whole
    assert not sim.detector.failed and sim.detector.ready


def test_a_final_evaluation_by_other_inputs_than_an_evicted_dossier_s_is_refused_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """D9 is evicted with the v2 verdict LATE_NO_APOLOGY; the operator then sets the rulebook version to 1 (or
    a parameter, the catalogue or the calendar changes). A final evaluation would keep D9's published verdict
    under a mark naming the new inputs: refused, as a replay before the eviction horizon is (review)."""
    sim = Sim(AUDITOR, HOUR)
    evicted_d9(sim)
    sim.auditor = Auditor(CATALOGUE, CALENDAR, Rulebooks.of_version("1"))
    with caplog.at_level(logging.ERROR, logger="streams.detector.worker"):
        sim.restart(as_of=local("2025-12-08 10:00"))
    detector = sim.detector
    assert detector.failed and detector.exit_code == 2 and not detector.ready
    said = [r.getMessage() for r in caplog.records if "other inputs" in r.getMessage()]
    assert len(said) == 1 and "[0]" in said[0] and "--group-id" in said[0]
    sim.restart(as_of=None)  # live: an evicted dossier's verdict is history, judged again by its next event
    assert not sim.detector.failed and sim.detector.ready
    sim.auditor = AUDITOR  # back to the inputs D9 was judged by: a final evaluation is exact again
    sim.restart(as_of=local("2025-12-08 10:00"))
    assert not sim.detector.failed and sim.detector.ready


def test_an_eviction_record_without_inputs_refuses_no_final_evaluation() -> None:
    """Records written before records named their inputs (format 2) cannot tell: they refuse nothing, as
    before."""
    sim = Sim(AUDITOR, HOUR)
    evicted_d9(sim)
    key = next(k for k in sim.changelog if k.startswith(EVICTED_PREFIX))
    head, _, body = sim.changelog[key].partition(b"\n")
    assert head.split(b" ")[1] == b"v3"
    sim.changelog[key] = b" ".join(head.split(b" ")[:3]).replace(b"v3", b"v2") + b"\n" + body
    sim.auditor = Auditor(CATALOGUE, CALENDAR, Rulebooks.of_version("1"))
    sim.restart(as_of=local("2025-12-08 10:00"))
    assert not sim.detector.failed and "D9" in sim.core.partitions[0].evicted


def test_a_first_format_eviction_record_counts_up_to_the_partition_s_watermark() -> None:
    sim = Sim(AUDITOR, HOUR)
    evicted_d9(sim)
    key = next(k for k in sim.changelog if k.startswith(EVICTED_PREFIX))
    head, _, body = sim.changelog[key].partition(b"\n")
    sim.changelog[key] = head.split(b" ")[0] + b"\n" + body  # written before records had a horizon
    sim.restart(as_of=local("2025-12-07 10:00"))  # past D9, before the watermark (12-07 11:00:01)
    assert sim.detector.exit_code == 2
    sim.restart(as_of=local("2025-12-07 11:00:01"))
    assert not sim.detector.failed
