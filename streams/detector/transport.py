"""The Kafka consumers of the detector, adapted where Faust and aiokafka offer no public hook; the
detector's uses of their private consumer internals are kept here, so a library upgrade is checked in
one module.

- :class:`BatchingConsumer` — a fetch loop that hands the detector's topic to its inlet in bulk (it
  overrides Faust's private ``Consumer._drain_messages``; a later change replaces that override);
- a consumer thread whose fetches wait at most :data:`FETCH_MAX_WAIT_MS`;
- :func:`rejoin_pending` — whether the group coordinator wants this consumer to rejoin;
- :func:`recovery_pending` — whether a newer assignment's table recovery is waiting to start;
- :func:`topic_partitions` — a topic's partitions, refreshing aiokafka's metadata when it has none yet;
- ``BatchingConsumer.highwaters`` — the true end offsets (``app.end_offsets``) for Faust's table recovery;
- ``BatchingConsumer.seek_to_committed`` — also rewinds partitions of the events topic that the group never
  committed (see there).

Table recovery: Faust (``faust.tables.recovery.Recovery._build_highwaters``) reads each changelog partition
up to ``Consumer.highwaters()`` - 1, and Faust's aiokafka driver answers that with ListOffsets, which tansu
gets wrong (the last record batch's base offset + 1): recovery stopped there and left the newest dossier
states out (issue 19). The override answers with the true end instead, as a fetch's highwater says, which is
ListOffsets' own answer on a correct broker. The hook is Faust's, so the supported Faust versions are pinned
(:data:`FAUST_VERSIONS`, checked when an app is made) and ``tests/streams/test_detector_restart.py`` fails
on a Faust whose recovery no longer reads to that highwater.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.exceptions import ConsumerNotStarted
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka

from streams.detector.inlet import Inlet
from streams.detector.resume import resume_offset

__all__ = [
    "FAUST_VERSIONS",
    "FETCH_MAX_WAIT_MS",
    "BatchingConsumer",
    "DetectorTransport",
    "EndOffsetsReader",
    "check_faust",
    "recovery_pending",
    "rejoin_pending",
    "topic_partitions",
]

#: The Faust versions whose internals this module was checked against: [first, last) by release number.
FAUST_VERSIONS = ((0, 15, 3), (0, 16))

#: Reads the true end offsets of partitions (``streams.detector.readback.EndOffsets``).
EndOffsetsReader = Callable[[Sequence[TopicPartition]], Awaitable[dict[TopicPartition, int]]]


def check_faust(version: str | None = None) -> None:
    """Refuse a Faust outside :data:`FAUST_VERSIONS`: its table recovery may not go through the override
    below, and a detector would then restore stale state without a word (issue 19)."""
    text = version if version is not None else str(faust.__version__)
    try:
        release = tuple(int(part) for part in text.split("+")[0].split(".")[:3])
    except ValueError:
        release = ()
    low, high = FAUST_VERSIONS
    if not (low <= release < high):
        shown = ".".join(map(str, low)), ".".join(map(str, high))
        raise RuntimeError(
            f"faust-streaming {text} is not supported by the detector (>={shown[0]},<{shown[1]}): its table "
            "recovery must be checked against streams/detector/transport.py first"
        )


#: Longest time a fetch may wait for data on the broker. Faust hard-codes 1.5 s; a broker that holds an
#: empty fetch until then (tansu does) adds up to that much to every violation's latency.
FETCH_MAX_WAIT_MS = 50


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):  # pragma: no cover - exercised end to end
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by the fetcher when the consumer starts
        return consumer


class BatchingConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer, with a fetch loop that gives the detector's topic to its inlet directly
    (other topics, e.g. Faust's own, keep the normal per-message path). The app names the inlet and its
    topic (``app.inlet``, ``app.inlet_topic``)."""

    logger = logging.getLogger("faust.detector")  # Faust's chatter stays under "faust" (quietened)

    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def seek_to_committed(self) -> Mapping[Any, int]:
        """Seek every partition to its committed offset, and the events topic's partitions with none (or 0)
        to their beginning (the ``earliest`` reset policy); an events partition whose state reaches less far
        (``app.state_progress``: the next offset each held partition's state vouches for) goes back to
        where its state ends, or to its beginning when its state vouches for nothing
        (:mod:`streams.detector.resume`: tansu does not fence commits from a worker the group has left).

        Faust's fetch loop drops records it fetched while a rebalance is under way (it stops iterating when
        the flow stops or the generation changes) and relies on this seek, at the end of recovery, to read
        them again; aiokafka's seeks only to a committed offset above 0. On a partition its previous owner
        never committed (killed within its first commit interval) those records were skipped for good:
        seen in the kill test, 3 runs in 17, where the survivor's position stood at the partitions' end
        without having read them, and it never caught up.
        """
        committed = await super().seek_to_committed()
        topic: str | None = getattr(self.app, "inlet_topic", None)
        held: Callable[[], Mapping[int, int | None]] | None = getattr(self.app, "state_progress", None)
        progress = held() if held is not None else {}
        out = dict(committed)
        fresh, back = [], {}
        for tp, offset in committed.items():
            if tp.topic != topic:
                continue
            if held is None or tp.partition not in progress:
                resume = offset or None
            else:  # never past what the state holds (streams.detector.resume)
                resume = resume_offset(offset, progress[tp.partition])
            if resume is None:
                fresh.append(tp)
                out[tp] = 0  # Faust reads 0 as "nothing committed"
            elif resume != offset:
                back[tp] = out[tp] = resume
        if fresh:
            await self._thread.seek_to_beginning(*fresh)
        if back:
            await self._thread.seek_wait(back)
        behind = {tp: out[tp] for tp in [*fresh, *back] if committed.get(tp)}
        if behind:  # the group's progress must not claim what the state lacks (see streams.detector.resume)
            await self._thread.commit(behind)
        return out

    async def highwaters(self, *partitions: Any) -> Mapping[Any, int]:
        """The end offset of each partition, right on every broker (see the module doc): Faust's table
        recovery reads each changelog partition up to this. Faust's own answer (ListOffsets) when the app
        names no reader (``app.end_offsets``) or runs transactions (then it is the last stable offset)."""
        reader: EndOffsetsReader | None = getattr(self.app, "end_offsets", None)
        if reader is None or self.app.in_transaction:
            return await super().highwaters(*partitions)
        ends = await reader([TopicPartition(tp.topic, tp.partition) for tp in partitions])
        return {tp: ends[TopicPartition(tp.topic, tp.partition)] for tp in partitions}

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - exercised end to end
        # Follows faust.transport.consumer.Consumer._drain_messages; the difference is the inlet.
        app = self.app
        callback = self.callback
        getmany = self.getmany
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        set_flag, unset_flag = self.diag.set_flag, self.diag.unset_flag
        acks_enabled_for = app.topics.acks_enabled_for
        suspended = self.suspend_flow.is_set
        inlet: Inlet | None = getattr(app, "inlet", None)
        inlet_topic: str | None = getattr(app, "inlet_topic", None)
        since_yield = 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(CONSUMER_FETCHING)
                ait = getmany(timeout=1.0)
                await self.sleep(0)
                if not self.should_stop:
                    async for tp, message in ait:
                        since_yield += 1
                        if since_yield > 1000:
                            await asyncio.sleep(0)
                            since_yield = 0
                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is not None and offset < r_offset:
                            continue
                        gap = offset - (r_offset or 0)
                        if gap > 1 and r_offset and acks_enabled_for(message.topic):
                            await self._add_gap(tp, r_offset + 1, offset)
                        commit_every = self._commit_every
                        if commit_every is not None and self._n_acked >= commit_every:
                            self._n_acked = 0
                            await self.commit()
                        if inlet is not None and tp.topic == inlet_topic:
                            if suspended():
                                continue  # rebalancing: it is fetched again from the committed offset
                            if not inlet.has_room:
                                await self.wait_first(inlet.wait_for_room(), self.suspend_flow.wait())
                                if suspended():
                                    continue
                            inlet.put(message)
                        else:
                            await self.wait_first(callback(message), self.suspend_flow.wait())
                        set_read_offset(tp, offset)
                    unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise
        finally:
            unset_flag(CONSUMER_FETCHING)


class DetectorTransport(faust_aiokafka.Transport):
    """Faust's aiokafka transport with the :class:`BatchingConsumer`."""

    Consumer = BatchingConsumer


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
