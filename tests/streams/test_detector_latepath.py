"""The late path's failures and waits: whatever it raises stops the worker without acknowledging the batch
(exact or loud), the sink's progress is retried within the wait through one kept consumer, the wait happens
outside the worker's lock, and a batch whose assignment changed while it read is left to the new owner."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from inspections.rulebook import Auditor
from streams.detector.latepath import LatePath
from streams.kafka import KafkaConfig
from streams.messages import encode_event
from tests.builders import CALENDAR, CATALOGUE, apology, ev, processed, received
from tests.streams.evict_support import TOPIC, FakeWarehouse, Sim

HOUR = timedelta(hours=1)
AUDITOR = Auditor(CATALOGUE, CALENDAR)
SORRY = apology("2025-11-04 15:00", "2025-11-10 17:00", dossier="D9", event_id="S9")


def evicted_d9() -> Sim:
    sim = Sim(AUDITOR, HOUR)
    sim.batch([
        received("2025-11-03 09:00", "2025-11-06 17:00", docs=["A"], dossier="D9", event_id="R9"),
        processed("2025-11-07 10:00", dossier="D9", event_id="P9"),
        ev("withdrawn", "2025-12-07 12:00", dossier="C1"),
    ])  # fmt: skip
    sim.batch([ev("withdrawn", "2025-12-07 12:00:01", dossier="C2")])
    assert "D9" in sim.core.partitions[0].evicted
    return sim


def sorry_message(sim: Sim) -> Any:
    """The events-topic record of the late apology, next in D9's partition."""
    return SimpleNamespace(topic=TOPIC, partition=0, offset=sim.offsets[0], key=b"D9",
                           value=encode_event(SORRY), generation_id=sim.generation)  # fmt: skip


class NoBrokersAvailable(Exception):
    """Stands for kafka-python's error of the same name."""


# --- finding 4: any error stops the worker, unacknowledged ------------------------------------------------
def test_the_sink_s_progress_is_retried_within_the_wait() -> None:
    sim = evicted_d9()
    calls: list[int] = []

    def flaky(partition: int) -> int:
        calls.append(partition)
        if len(calls) == 1:
            raise NoBrokersAvailable("a blip")
        return 1 << 62

    sim.detector.late_path._sink_committed = flaky  # type: ignore[method-assign]
    sim.batch([SORRY])
    assert not sim.halted and len(calls) == 2 and sim.reloaded == 1


def test_a_sink_progress_that_cannot_be_read_stops_the_worker_without_acknowledging() -> None:
    sim = evicted_d9()

    def broken(partition: int) -> int:
        raise NoBrokersAvailable("no broker")

    late = sim.detector.late_path
    late._sink_committed, late.wait_seconds = broken, 0.1  # type: ignore[method-assign]
    acked = len(sim.producer.acked)
    sim.batch([SORRY])
    assert sim.halted and sim.detector.exit_code == 1 and len(sim.producer.acked) == acked
    assert sim.detector.stats.history_mismatches == 0  # unavailable, not inconsistent


def test_any_other_error_on_the_late_path_stops_the_worker_without_acknowledging() -> None:
    sim = evicted_d9()
    rows = sim.warehouse.rows[sim.source(0)]
    for key, stored in rows.items():
        if key[0] == "D9":
            stored[:] = [(*row[:3], "{not json", row[4]) for row in stored]  # rebuild raises
    acked, sent = len(sim.producer.acked), len(sim.producer.sent)
    sim.batch([SORRY])
    assert sim.halted and sim.detector.exit_code == 1 and sim.detector.failed
    assert len(sim.producer.acked) == acked and len(sim.producer.sent) == sent  # nothing of it published
    assert "D9" not in sim.core.partitions[0].dossiers  # nothing half read back


def test_the_wait_for_the_sink_reuses_one_consumer(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []

    class Consumer:
        def __init__(self, **_: Any) -> None:
            self.closed = False
            self.answers = iter([3, 4, 5, 9])
            made.append(self)

        def committed(self, tp: Any) -> int:
            return next(self.answers)

        def close(self) -> None:
            self.closed = True

    import kafka

    monkeypatch.setattr(kafka, "KafkaConsumer", Consumer)
    late = LatePath(FakeWarehouse(), KafkaConfig("localhost:1"), TOPIC, "sink", AUDITOR, 10.0)

    async def run() -> None:
        sleep = asyncio.sleep
        monkeypatch.setattr(asyncio, "sleep", lambda s: sleep(0))  # no real waiting between polls
        await late._sink_reached(0, 5)
        await late._sink_reached(0, 5)  # confirmed already: no read
        await late._sink_reached(1, 9)
        await late.close()

    asyncio.run(run())
    assert len(made) == 1 and made[0].closed
    assert late._confirmed == {0: 5, 1: 9}


# --- finding 5: the wait outside the lock, and a changed assignment ------------------------------------
def test_the_wait_for_the_sink_happens_outside_the_worker_s_lock() -> None:
    sim = evicted_d9()
    detector = sim.detector
    held_during_wait: list[bool] = []

    async def committed(partition: int, offset: int) -> None:
        held_during_wait.append(detector.lock.locked())

    detector.late_path._sink_reached = committed  # type: ignore[method-assign]
    message = sorry_message(sim)

    async def run() -> None:
        agent = asyncio.ensure_future(detector.run_agent())
        detector.inlet.put(message)
        for _ in range(200):
            if message in sim.producer.acked:
                break
            await asyncio.sleep(0.01)
        agent.cancel()

    asyncio.run(run())
    assert message in sim.producer.acked
    assert held_during_wait[0] is False  # the prewait; the read back under the lock finds it confirmed


def test_a_batch_whose_assignment_changed_while_it_read_back_is_left_to_the_new_owner() -> None:
    sim = evicted_d9()
    detector = sim.detector
    read_back = detector.late_path.read_back

    async def rebalanced_meanwhile(core: Any, by_partition: Any) -> Any:
        done = await read_back(core, by_partition)
        detector.app.consumer_generation_id += 1  # the group moved on while the warehouse was read
        return done

    detector.late_path.read_back = rebalanced_meanwhile  # type: ignore[method-assign]
    acked, sent = len(sim.producer.acked), len(sim.producer.sent)
    asyncio.run(sim._take([sorry_message(sim)]))
    assert not detector.failed and len(sim.producer.acked) == acked and len(sim.producer.sent) == sent
    # Revoked the same way (not ready any more): also left.
    detector.app.consumer_generation_id = sim.generation
    detector.late_path.read_back = read_back  # type: ignore[method-assign]
    detector.core.partitions[0].dossiers.pop("D9")

    async def revoked_meanwhile(core: Any, by_partition: Any) -> Any:
        done = await read_back(core, by_partition)
        detector.ready = False  # a revocation began while the warehouse was read
        return done

    detector.late_path.read_back = revoked_meanwhile  # type: ignore[method-assign]
    asyncio.run(sim._take([sorry_message(sim)]))
    assert len(sim.producer.acked) == acked and len(sim.producer.sent) == sent


# --- finding 12: what the worker opened is closed -----------------------------------------------------------
def test_closing_the_worker_closes_its_history() -> None:
    sim = evicted_d9()
    asyncio.run(sim.detector.close())
    asyncio.run(sim.detector.close())  # the supervisor and the runner both close it
    assert sim.warehouse.closed == 2
