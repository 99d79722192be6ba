"""The detector's one adapter to Faust's, mode's and aiokafka's private internals: every ``_private``
attribute of those libraries that the detector reads, calls or overrides is used here and nowhere else in
``streams/``, so an upgrade is checked in one module (and by ``tests/streams/test_faust_adapter.py``).

Why the override of ``Consumer._drain_messages`` and not a public API: Faust's only public way to receive
messages is the stream (consumer → conductor → channel queue → stream iterator, ``stream.take()`` included),
which costs ~90 µs a message here (~11k messages/s with an empty agent, more than the rulebook); the
override hands the events topic to the inlet in bulk (~100k messages/s). Measured again for issue 17, one
run on the embedded broker, 100k messages of 300 bytes, 8 partitions, two busy cores: ``stream.take(10_000,
within=0.05)`` 6.8k messages/s, the inlet 67k messages/s. Faust has no public hook for a
consumer's fetch loop or for an app's transport class, so both are overridden here.

- :class:`BatchingConsumer` — a fetch loop that hands the detector's topic to its inlet in bulk (overrides
  Faust's private ``Consumer._drain_messages``, following its 0.15.3 body);
- a consumer thread whose fetches wait at most :data:`FETCH_MAX_WAIT_MS` (aiokafka's private
  ``_fetch_max_wait_ms``);
- :class:`DetectorTransportHook` — the app's transport with that consumer (Faust's private
  ``App._new_transport``);
- :func:`rejoin_pending` — whether the group coordinator wants this consumer to rejoin;
- :func:`fetched_highwaters` — the ends of the events topic's partitions as the consumer's fetches saw them
  (whether an idle-looking partition really has nothing to read);
- :func:`recovery_pending` — whether a newer assignment's table recovery is waiting to start;
- :func:`topic_partitions` — a topic's partitions, refreshing aiokafka's metadata when it has none yet;
- :func:`shutdown_worker` — stop a running Faust worker as SIGTERM would (mode's private
  ``Worker._schedule_shutdown``);
- ``BatchingConsumer.highwaters`` — the true end offsets (``app.end_offsets``) for Faust's table recovery;
- ``BatchingConsumer.seek_to_committed`` — also rewinds partitions of the events topic that the group never
  committed (see there).

Table recovery: Faust (``faust.tables.recovery.Recovery._build_highwaters``) reads each changelog partition
up to ``Consumer.highwaters()`` - 1, and Faust's aiokafka driver answers that with ListOffsets, which tansu
gets wrong (the last record batch's base offset + 1): recovery stopped there and left the newest dossier
states out (issue 19). The override answers with the true end instead, as a fetch's highwater says, which is
ListOffsets' own answer on a correct broker.

Compatibility: the supported Faust releases are pinned (:data:`FAUST_VERSIONS`, the same range as
``pyproject.toml``), checked with the presence of every internal (:data:`FAUST_INTERNALS`) when an app is
made (:func:`check_faust`); the test of this adapter also compares the source of each internal with the one
this module was written against (its recorded hash), and fails naming what to re-check.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.exceptions import ConsumerNotStarted
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka

from streams.detector.handover import Decision, HandOver
from streams.detector.inlet import Inlet
from streams.detector.resume import resume_offset

__all__ = [
    "FAUST_INTERNALS",
    "FAUST_VERSIONS",
    "FETCH_MAX_WAIT_MS",
    "BatchingConsumer",
    "DetectorTransport",
    "DetectorTransportHook",
    "EndOffsetsReader",
    "check_faust",
    "fetched_highwaters",
    "recovery_pending",
    "rejoin_pending",
    "resolve_internal",
    "shutdown_worker",
    "topic_partitions",
]

log = logging.getLogger(__name__)

#: The Faust versions whose internals this module was checked against: [first, last) by release number.
FAUST_VERSIONS = ((0, 15, 3), (0, 16))

#: Reads the true end offsets of partitions (``streams.detector.readback.EndOffsets``).
EndOffsetsReader = Callable[[Sequence[TopicPartition]], Awaitable[dict[TopicPartition, int]]]


#: Every library internal the adapter overrides, follows or calls, with the SHA-256 (first 16 hex digits)
#: of its source in the releases of :data:`FAUST_VERSIONS` (faust-streaming 0.15.3, mode-streaming 0.7.1,
#: aiokafka 0.14.0). ``tests/streams/test_faust_adapter.py`` recomputes them: a different hash means the
#: library changed that code, and the use named beside it must be re-checked before the hash is updated.
FAUST_INTERNALS: dict[str, str] = {
    # BatchingConsumer._drain_messages follows it line by line (the inlet is the difference).
    "faust.transport.consumer:Consumer._drain_messages": "44a2500309e83c63",
    # A helper the override calls.
    "faust.transport.consumer:Consumer._add_gap": "4df2573ded7c1c2c",
    # BatchingConsumer._new_consumer_thread replaces it (the thread class).
    "faust.transport.drivers.aiokafka:Consumer._new_consumer_thread": "0870ec53dea75083",
    # _ConsumerThread._create_worker_consumer sets _fetch_max_wait_ms on what it returns.
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._create_worker_consumer": "c2701bfc3e6f6cad",
    # rejoin_pending: the thread's aiokafka consumer.
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._ensure_consumer": "ff4a4c693b7ec63f",
    # seek_to_committed rewinds through the thread.
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread.seek_to_beginning": "bd4250b8d1e76d33",
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread.seek_wait": "12e8d34e554e9024",
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread.commit": "d31c8558ba25310c",
    # DetectorTransportHook._new_transport replaces it.
    "faust.app.base:App._new_transport": "42db531312dd776f",
    # highwaters() is what recovery reads each changelog to (issue 19).
    "faust.tables.recovery:Recovery._build_highwaters": "91b4cc0d3724ae7b",
    # recovery_pending: sets _generation_id and signal_recovery_start.
    "faust.tables.recovery:Recovery.on_rebalance": "aa4d997a1795ceae",
    # shutdown_worker calls it, as mode's SIGTERM handler does.
    "mode.worker:Worker._schedule_shutdown": "1a6a5dfc88c2298b",
    # The fetcher reads _fetch_max_wait_ms when the consumer starts.
    "aiokafka.consumer.consumer:AIOKafkaConsumer.start": "2f1ba70443327538",
    # The hand-over (streams.detector.handover) relies on: getmany stamping the generation it fetched in;
    # a seek setting the read offset; recovery resuming the partitions and recovering the state before it
    # seeks; aiokafka dropping buffered records and stale responses of a partition it seeks.
    "faust.transport.consumer:Consumer.getmany": "4b168d84882a70d6",
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._seek_wait": "9d221e816d940467",
    "faust.tables.recovery:Recovery.on_recovery_completed": "6ef567acf072e46d",
    "aiokafka.consumer.fetcher:Fetcher.seek_to": "f0ba6aba6c22ef83",
    "aiokafka.consumer.fetcher:FetchResult.check_assignment": "b5340df67e3f330f",
    # rejoin_pending asks it (consumer._coordinator).
    "aiokafka.consumer.group_coordinator:GroupCoordinator.need_rejoin": "61ae72b2a3110943",
    # topic_partitions refreshes the metadata through the consumer's private client.
    "aiokafka.client:AIOKafkaClient.force_metadata_update": "cb7befef21c8f3f9",
}


def resolve_internal(name: str) -> Any:
    """The object a :data:`FAUST_INTERNALS` name (``module:Class.attribute``) names; AttributeError or
    ImportError when the library no longer has it."""
    module_name, _, path = name.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def check_faust(version: str | None = None) -> None:
    """Refuse a Faust outside :data:`FAUST_VERSIONS`, or one that lacks an internal of
    :data:`FAUST_INTERNALS`: the detector's consumer and table recovery go through them, and without them a
    detector would fetch through the slow path, or restore stale state without a word (issue 19)."""
    text = version if version is not None else str(faust.__version__)
    try:
        release = tuple(int(part) for part in text.split("+")[0].split(".")[:3])
    except ValueError:
        release = ()
    low, high = FAUST_VERSIONS
    if not (low <= release < high):
        shown = ".".join(map(str, low)), ".".join(map(str, high))
        raise RuntimeError(
            f"faust-streaming {text} is not supported by the detector (>={shown[0]},<{shown[1]}): its "
            "internals must be checked against streams/detector/transport.py first"
        )
    missing = []
    for name in FAUST_INTERNALS:
        try:
            resolve_internal(name)
        except (AttributeError, ImportError):
            missing.append(name)
    if missing:
        raise RuntimeError(
            f"faust-streaming {text}: the detector's adapter (streams/detector/transport.py) relies on "
            f"internals this installation lacks: {', '.join(missing)}"
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
        # The inlet takes each partition from where it now reads, in order (streams.detector.handover); 0 is
        # its beginning (a log that starts later costs one rewind, then its start is taken as a hole).
        generation = getattr(self.app, "consumer_generation_id", None)
        positions: dict[Any, int] = {tp: out[tp] for tp in committed if tp.topic == topic}
        self._handover().sought(positions, generation)
        # Records fetched after the seeks above but before the hand-over opened were dropped (CI: a restart's
        # only new event, fetched between aiokafka's seek and this line, and never again: the worker waited
        # for it for ever): seek again now that it is open, so they come back.
        if positions:
            await self._thread.seek_wait(positions)
        behind = {tp: out[tp] for tp in [*fresh, *back] if committed.get(tp)}
        if behind:  # the group's progress must not claim what the state lacks (see streams.detector.resume)
            await self._thread.commit(behind)
        return out

    def _handover(self) -> HandOver:
        handover: HandOver | None = self.__dict__.get("_inlet_handover")
        if handover is None:
            handover = self.__dict__["_inlet_handover"] = HandOver()
        return handover

    async def _rewind(self, tp: Any, to: int, seen: int) -> None:
        """Seek ``tp`` back to the next offset the inlet needs (``streams.detector.handover``)."""
        log.info("events topic: records skipped, rewinding", extra={"partition": tp.partition, "to": to,
                                                                     "seen": seen})  # fmt: skip
        await self._thread.seek_wait({tp: to})

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
        handover = self._handover()
        decide, took = handover.decide, handover.took
        since_yield = 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(CONSUMER_FETCHING)
                ait = getmany(timeout=1.0)
                await self.sleep(0)
                if not self.should_stop:
                    handover.new_fetch()
                    async for tp, message in ait:
                        since_yield += 1
                        if since_yield > 1000:
                            await asyncio.sleep(0)
                            since_yield = 0
                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is not None and offset < r_offset:
                            continue
                        inlet_record = inlet is not None and tp.topic == inlet_topic
                        if inlet_record:
                            if suspended():
                                continue  # rebalancing: it is fetched again from the committed offset
                            expected, epoch = handover.next.get(tp), handover.epoch
                            decision = decide(tp, offset, app.consumer_generation_id)
                            if decision is Decision.REWIND:
                                assert expected is not None  # a partition rewinds to a known offset
                                await self._rewind(tp, expected, offset)
                                continue
                            if decision is Decision.DROP:
                                continue
                            if expected is not None and offset > expected:
                                log.warning(
                                    "events topic: offsets not in the log, skipped",
                                    extra={"partition": tp.partition, "from": expected, "to": offset},
                                )
                        gap = offset - (r_offset or 0)
                        if gap > 1 and r_offset and acks_enabled_for(message.topic):
                            await self._add_gap(tp, r_offset + 1, offset)
                        commit_every = self._commit_every
                        if commit_every is not None and self._n_acked >= commit_every:
                            self._n_acked = 0
                            await self.commit()
                        if inlet_record:
                            assert inlet is not None
                            if not inlet.has_room:
                                await self.wait_first(inlet.wait_for_room(), self.suspend_flow.wait())
                                if suspended():
                                    continue
                            if handover.epoch != epoch:
                                continue  # a seek came while it waited: it reads this record again
                            inlet.put(message)
                            took(tp, offset)
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


class DetectorTransportHook:
    """Mixed into the detector's ``faust.App``: its transport is :class:`DetectorTransport` (Faust names the
    transport class only by the broker URL's scheme; overriding its private factory is the one way in)."""

    conf: Any

    def _new_transport(self) -> Any:
        return DetectorTransport(self.conf.broker_consumer, self)


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
