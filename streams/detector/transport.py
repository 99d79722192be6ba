"""The detector's Faust transport: its consumer, its consumer thread and the app's hook that installs them.
This module, :mod:`streams.detector.faust_compat` and :mod:`streams.detector.app_internals` are the
detector's one adapter to Faust's, mode's and aiokafka's private internals: every ``_private`` attribute of
those libraries that the detector reads, calls or overrides is used in them and nowhere else in
``streams/``, so an upgrade is checked in those modules (and by ``tests/streams/test_faust_adapter.py``).

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
- ``BatchingConsumer.highwaters`` — the true end offsets (``app.end_offsets``) for Faust's table recovery;
- ``BatchingConsumer.seek_to_committed`` — also rewinds partitions of the events topic that the group never
  committed (see there).

The app's helpers that read its internals from outside (``rejoin_pending``, ``fetched_highwaters``,
``recovery_pending``, ``topic_partitions``, ``shutdown_worker``) are in :mod:`streams.detector.app_internals`;
the supported Faust releases and the list of internals (``FAUST_VERSIONS``, ``FAUST_INTERNALS``,
``check_faust``) in :mod:`streams.detector.faust_compat`.

Table recovery: Faust (``faust.tables.recovery.Recovery._build_highwaters``) reads each changelog partition
up to ``Consumer.highwaters()`` - 1, and Faust's aiokafka driver answers that with ListOffsets, which tansu
gets wrong (the last record batch's base offset + 1): recovery stopped there and left the newest dossier
states out (issue 19). The override answers with the true end instead, as a fetch's highwater says, which is
ListOffsets' own answer on a correct broker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiokafka import TopicPartition
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka

from streams.detector.handover import Decision, HandOver
from streams.detector.inlet import Inlet
from streams.detector.resume import resume_offset

__all__ = [
    "FETCH_MAX_WAIT_MS",
    "BatchingConsumer",
    "DetectorTransport",
    "DetectorTransportHook",
    "EndOffsetsReader",
]

log = logging.getLogger(__name__)

#: Reads the true end offsets of partitions (``streams.detector.readback.EndOffsets``).
EndOffsetsReader = Callable[[Sequence[TopicPartition]], Awaitable[dict[TopicPartition, int]]]


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
        # The group's progress tells the truth (``--until-idle`` waits for it): it must not claim what the
        # state lacks (see streams.detector.resume), and a partition never committed whose state ends at a
        # marker is committed there. Left uncommitted, one whose marker was its end was never read again, so
        # never committed: the group stayed behind for good and the detector never finalised, silently, its
        # late violations lost (review: a detector killed three times in its first seconds, then restarted).
        behind = {tp: out[tp] for tp in fresh if committed.get(tp)} | {tp: out[tp] for tp in back}
        if behind:
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
