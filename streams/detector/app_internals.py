"""What the detector asks of a running Faust app, its worker and its aiokafka consumers that no public API
answers, through their private internals: part of the detector's adapter to Faust's, mode's and aiokafka's
internals (with :mod:`streams.detector.transport` and :mod:`streams.detector.faust_compat`, which names each
internal read here beside its use).

Why a module of its own: these are small reads (and one stop) that the worker and its supervision call on
the app from outside, while :mod:`streams.detector.transport` is the consumer and transport Faust runs; the
two share no code, and keeping them apart keeps each under the size a module should have.

- :func:`rejoin_pending` — whether the group coordinator wants this consumer to rejoin;
- :func:`fetched_highwaters` — the ends of the events topic's partitions as the consumer's fetches saw them
  (whether an idle-looking partition really has nothing to read);
- :func:`recovery_pending` — whether a newer assignment's table recovery is waiting to start;
- :func:`topic_partitions` — a topic's partitions, refreshing aiokafka's metadata when it has none yet;
- :func:`shutdown_worker` — stop a running Faust worker as SIGTERM would (mode's private
  ``Worker._schedule_shutdown``).
"""

from __future__ import annotations

import signal
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.exceptions import ConsumerNotStarted

__all__ = [
    "fetched_highwaters",
    "recovery_pending",
    "rejoin_pending",
    "shutdown_worker",
    "topic_partitions",
]


def shutdown_worker(worker: Any) -> None:
    """Stop a running Faust worker (``faust.Worker``) from inside, as its SIGTERM handler does: the app's
    services stop in order and ``execute_from_commandline`` returns. (Sending the process a real SIGTERM
    would do the same, but also reach whatever else runs in it, e.g. a test runner.)"""
    worker._schedule_shutdown(signal.SIGTERM)


def rejoin_pending(app: Any) -> bool:
    """Whether the group coordinator wants the app's consumer to (re)join; true until it has joined.

    Faust flags ``app.rebalancing`` when aiokafka prepares the rejoin; the coordinator knows one step
    earlier (a heartbeat answered "rebalancing", a member left, the metadata changed). Reads aiokafka
    internals (no public API tells it): should they change, this fails loudly with an AttributeError
    rather than answering blind.
    """
    thread: Any = getattr(app.consumer, "_thread", None)
    if thread is None:
        return True
    try:
        consumer = thread._ensure_consumer()
    except ConsumerNotStarted:
        return True
    # The consumer lives in Faust's consumer thread: only its flags are read here.
    coordinator = consumer._coordinator
    subscription = consumer._subscription.subscription
    if coordinator is None or subscription is None:
        return True
    return bool(coordinator.need_rejoin(subscription))


def fetched_highwaters(app: Any, topic: str, partitions: Iterable[int]) -> dict[int, int | None]:
    """Per partition of ``topic``: the end of its log as the app's consumer's last fetch answer saw it (the
    highwater of a fetch: right on tansu, whose ListOffsets is not), None when unknown (no fetch answer yet,
    not assigned, no consumer). Read from the consumer thread's aiokafka consumer (a private way in: the
    same as :func:`rejoin_pending`'s); the idle-partition rule compares it with what the state holds."""
    out: dict[int, int | None] = dict.fromkeys(partitions)
    thread: Any = getattr(app.consumer, "_thread", None)
    if thread is None:
        return out
    try:
        consumer = thread._ensure_consumer()
    except ConsumerNotStarted:
        return out
    for partition in out:
        try:
            highwater = consumer.highwater(TopicPartition(topic, partition))
        except (AssertionError, KeyError, AttributeError):  # not assigned (any more)
            highwater = None
        out[partition] = int(highwater) if highwater is not None else None
    return out


def recovery_pending(app: Any) -> bool:
    """Whether the table recovery now completing is not for the app's newest assignment.

    Faust's recovery service runs a round per assignment and calls the tables' recovery callbacks before it
    checks the generation; the next assignment may arrive meanwhile. The consumer thread names it to the
    assignor and to ``app.consumer_generation_id`` first, then the main loop's ``Recovery.on_rebalance``
    records its generation (``_generation_id``) and sets ``signal_recovery_start``, which a round clears
    when it begins. The completing round's stores hold what it read for the old assignment, while the
    assignor already names the new one: a partition new in the newer assignment would be rebuilt from a
    store that never read it (empty) and then be taken for one the worker holds. Either sign means another
    round (and another callback) follows.
    """
    recovery: Any = app.tables.recovery
    return bool(recovery.signal_recovery_start.is_set()) or (
        recovery._generation_id != app.consumer_generation_id
    )


async def topic_partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """The partitions of ``topic`` as ``consumer`` (a started aiokafka consumer) knows them; when its
    metadata does not name the topic yet, refreshed once through its private client."""
    parts = consumer.partitions_for_topic(topic)
    if not parts:
        await consumer._client.force_metadata_update()
        parts = consumer.partitions_for_topic(topic) or set()
    return [TopicPartition(topic, p) for p in sorted(parts)]
