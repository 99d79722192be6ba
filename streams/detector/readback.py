"""The detector's reads beside Faust's consumer, with plain aiokafka consumers.

- :class:`GroupProgress` — how far the consumer group has committed each partition, against the
  partition's true end: the "caught up" of ``until_idle``/``as_of``. Read from the broker (not from the
  worker's own positions) so that it covers the partitions other workers of the group hold.
- :func:`read_published` — the open violations the violations topic really holds for some dossiers: a
  replay's final evaluation diffs against that, whatever crashes came before.
- :class:`EndOffsets` — the true ends of any partitions, for Faust's table recovery: it reads a changelog
  up to the "highwater" its consumer gives, and aiokafka's answer (ListOffsets) stops short on tansu.
- :class:`~streams.detector.marks.FinalMark` (re-exported; see :mod:`streams.detector.marks`) — which
  partitions have been finalized at an ``as_of``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.detector.app_internals import topic_partitions
from streams.detector.core import VKey
from streams.detector.marks import FinalMark
from streams.kafka import KafkaConfig
from streams.messages import MessageError, ViolationMessage
from streams.offsets import true_end_offsets

__all__ = ["EndOffsets", "FinalMark", "GroupProgress", "read_published"]


class GroupProgress:
    """The committed lag of a consumer group, per partition; one admin consumer, started when first used."""

    def __init__(self, kafka: KafkaConfig, group_id: str) -> None:
        self.kafka = kafka
        self.group_id = group_id
        self._admin: AIOKafkaConsumer | None = None
        #: Per partition of the topic last read by :meth:`offsets`: its beginning offset then.
        self.beginnings: dict[int, int] = {}

    async def _client(self) -> AIOKafkaConsumer:
        if self._admin is None:
            self._admin = AIOKafkaConsumer(
                bootstrap_servers=self.kafka.bootstrap_servers, group_id=self.group_id,
                enable_auto_commit=False, **self.kafka.aiokafka_options(),
            )  # fmt: skip
            await self._admin.start()
        return self._admin

    async def lags(self, topic: str) -> dict[int, int]:
        """Per partition of ``topic``: its true end minus the group's committed offset (or the partition's
        beginning when nothing is committed)."""
        return {p: end - position for p, (position, end) in (await self.offsets(topic)).items()}

    async def offsets(self, topic: str) -> dict[int, tuple[int, int]]:
        """Per partition of ``topic``: (the group's committed offset, or the partition's beginning when
        nothing is committed; the partition's true end)."""
        admin = await self._client()
        tps = await topic_partitions(admin, topic)
        ends = await true_end_offsets(admin, tps)
        starts = await admin.beginning_offsets(tps)
        out: dict[int, tuple[int, int]] = {}
        for tp in tps:
            committed = await admin.committed(tp)
            out[tp.partition] = (committed if committed is not None else starts[tp], ends[tp])
        self.beginnings = {tp.partition: starts[tp] for tp in tps}
        return out

    async def close(self) -> None:
        if self._admin is not None:
            admin, self._admin = self._admin, None
            await admin.stop()


class EndOffsets:
    """The true end offsets of any partitions (:func:`streams.offsets.true_end_offsets`), each call with a
    plain consumer of its own (no group): it never competes with Faust's consumer or
    :class:`GroupProgress`'s, and no earlier fetch can leave it a stale highwater. Called once per
    rebalance, so the consumer's start (a metadata round trip) does not matter."""

    def __init__(self, kafka: KafkaConfig) -> None:
        self.kafka = kafka

    async def __call__(self, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        if not tps:
            return {}
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.kafka.bootstrap_servers, group_id=None, enable_auto_commit=False,
            fetch_max_wait_ms=50, **self.kafka.aiokafka_options(),
        )  # fmt: skip
        await consumer.start()
        try:
            return await true_end_offsets(consumer, tps)
        finally:
            await consumer.stop()


async def read_published(
    kafka: KafkaConfig, topic: str, dossiers: set[str]
) -> tuple[dict[str, dict[VKey, bytes]], int]:
    """The open violations of ``dossiers`` as ``topic`` holds them (the newest version of each wins, as
    for any reader of the topic), as JSON per dossier and violation key; and the highest version seen in
    the whole topic (new versions must exceed it)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest", max_partition_fetch_bytes=4 << 20, **kafka.aiokafka_options(),
    )  # fmt: skip
    await consumer.start()
    latest: dict[tuple[str, VKey], tuple[int, ViolationMessage]] = {}
    top = 0
    try:
        tps = await topic_partitions(consumer, topic)
        if not tps:
            return {}, 0
        ends = await true_end_offsets(consumer, tps)
        pending = {tp for tp in tps if ends[tp] > 0}
        await consumer.seek_to_beginning(*tps)
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=500, max_records=50_000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    try:
                        message = ViolationMessage.decode(record.value)
                    except MessageError:
                        continue
                    top = max(top, message.version)
                    dossier_id = str(message.violation["dossier_id"])
                    if dossier_id not in dossiers:
                        continue
                    key = (
                        dossier_id,
                        (str(message.violation["rule_id"]), str(message.violation["event_id"] or "")),
                    )
                    known = latest.get(key)
                    if known is None or message.version >= known[0]:
                        latest[key] = (message.version, message)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
    observed: dict[str, dict[VKey, bytes]] = defaultdict(dict)
    for (dossier_id, vkey), (_, message) in latest.items():
        if message.state == "open":
            observed[dossier_id][vkey] = orjson.dumps(message.violation)
    return observed, top
