"""The detector's ``--until-idle`` supervision, against a fake app: it never decides while the group
coordinator wants a rejoin, nor across group generations."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

from bootstrap.platform import detector_options
from bootstrap.settings import load_settings
from streams.detector.worker import Detector
from streams.kafka import KafkaConfig

OPTIONS = detector_options(
    load_settings(), until_idle=True, idle_seconds=0.02, poll_seconds=0.01, allowed_lateness=timedelta(0)
)
#: Never reached: the fake app's group is "caught up" without asking a broker.
KAFKA = KafkaConfig("127.0.0.1:1")


class _Coordinator:
    def __init__(self) -> None:
        self.pending = False

    def need_rejoin(self, subscription: object) -> bool:
        return self.pending


def _detector(coordinator: _Coordinator | None) -> tuple[Detector, SimpleNamespace]:
    consumer = SimpleNamespace(_coordinator=coordinator, _subscription=SimpleNamespace(subscription=object()))
    thread = SimpleNamespace(_ensure_consumer=lambda: consumer) if coordinator is not None else None
    app = SimpleNamespace(
        rebalancing=False, consumer=SimpleNamespace(_thread=thread), consumer_generation_id=1
    )
    detector = Detector(app, KAFKA, OPTIONS, SimpleNamespace(), lambda raw: raw, None)  # type: ignore[arg-type]
    detector.ready = True
    detector.last_activity = 0.0  # long idle already

    async def caught_up() -> bool:
        return True

    detector._group_caught_up = caught_up  # type: ignore[method-assign]
    return detector, app


def test_until_idle_stops_once_settled_and_caught_up() -> None:
    detector, _ = _detector(_Coordinator())

    async def run() -> None:
        await asyncio.wait_for(detector.supervise(), 2)

    asyncio.run(run())
    assert detector._settled()


def test_a_pending_rejoin_holds_the_decision_until_the_group_has_rejoined() -> None:
    coordinator = _Coordinator()
    coordinator.pending = True  # e.g. a heartbeat answered "rebalancing"; Faust has not revoked yet
    detector, _ = _detector(coordinator)

    async def run() -> tuple[bool, bool]:
        task = asyncio.ensure_future(detector.supervise())
        await asyncio.sleep(0.3)  # 30 polls, 15 idle windows
        held = not task.done()
        coordinator.pending = False
        await asyncio.wait_for(task, 2)
        return held, task.done()

    held, done = asyncio.run(run())
    assert held and done


def test_no_decision_without_a_consumer_or_across_generations() -> None:
    detector, _ = _detector(None)
    assert detector._rejoin_pending() and not detector._settled()

    detector, app = _detector(_Coordinator())

    async def caught_up_in_a_new_generation() -> bool:
        app.consumer_generation_id += 1  # a rebalance completed while the offsets were read
        return True

    detector._group_caught_up = caught_up_in_a_new_generation  # type: ignore[method-assign]

    async def run() -> bool:
        task = asyncio.ensure_future(detector.supervise())
        await asyncio.sleep(0.3)
        held = not task.done()
        task.cancel()
        return held

    assert asyncio.run(run())


def test_a_running_rebalance_or_an_unrecovered_assignment_is_not_settled() -> None:
    detector, app = _detector(_Coordinator())
    assert detector._settled()
    app.rebalancing = True
    assert not detector._settled()
    app.rebalancing, detector.ready = False, False
    assert not detector._settled()


def test_the_lag_of_a_partition_taken_over_is_no_longer_exported() -> None:
    """A live detector publishes the lag of the partitions it holds; one another worker took over kept its
    last value for ever, a false alert and a double count with several workers (review of the diff)."""
    from streams.observability import WorkerMetrics

    detector, _ = _detector(_Coordinator())
    metrics = WorkerMetrics()
    detector.metrics = metrics
    topic = detector.events_topic
    metrics.set_lag(topic, 5, 40)  # a partition held before the rebalance
    metrics.set_lag("another-topic", 5, 2)  # not the events topic: not this method's
    detector.core.partitions.clear()
    detector.core.partitions[1] = SimpleNamespace(next_offset=3)  # type: ignore[assignment]
    detector._highwaters = lambda: {1: 10}  # type: ignore[method-assign]
    detector._tick_lag()
    sample = metrics.registry.get_sample_value
    assert sample("dossier_audit_consumer_lag", {"topic": topic, "partition": "1"}) == 7
    assert sample("dossier_audit_consumer_lag", {"topic": topic, "partition": "5"}) is None
    assert sample("dossier_audit_consumer_lag", {"topic": "another-topic", "partition": "5"}) == 2
