"""End offsets that are right on every broker.

tansu (the embedded broker) answers ListOffsets with the last record batch's base offset + 1 — 1 for a
partition holding one batch of 100 records — so ``end_offsets`` can say "caught up" while records remain.
The highwater mark in a fetch response is right; these helpers read it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition


async def true_end_offsets(
    consumer: AIOKafkaConsumer, tps: Sequence[TopicPartition], *, timeout: float = 10.0
) -> dict[TopicPartition, int]:
    """The end offset of each partition: the larger of ListOffsets' answer and a fetch's highwater.

    Assigns ``tps`` to ``consumer`` (which must not be subscribed) and moves its positions: seek where you
    need to read afterwards. On a correct broker both answers agree; on tansu the highwater is the end.
    """
    if not tps:
        return {}
    reported: dict[TopicPartition, int] = await consumer.end_offsets(list(tps))
    consumer.assign(list(tps))
    pending = [tp for tp in tps if reported[tp] > 0]  # an empty partition has nothing to misreport
    sought_ms = int(1000 * time.time())  # aiokafka stamps each fetch answer with this clock
    for tp in pending:
        consumer.seek(tp, reported[tp] - 1)  # a record that exists: its fetch carries the highwater
    ends = dict(reported)
    deadline = time.monotonic() + timeout
    while pending:
        # Only an answer to a fetch made after the seek proves its highwater fresh (the consumer keeps the
        # highwater of earlier fetches): a record fetched since, or an answer stamped since (an empty one,
        # e.g. when the last offset is a transaction marker on Kafka).
        fetched = await consumer.getmany(*pending, timeout_ms=100)
        for tp in list(pending):
            records = fetched.get(tp, [])
            highwater: Any = consumer.highwater(tp)
            polled: Any = consumer.last_poll_timestamp(tp)
            if highwater is not None and (records or (polled is not None and polled >= sought_ms)):
                ends[tp] = max(reported[tp], int(highwater), records[-1].offset + 1 if records else 0)
                pending.remove(tp)
        if pending and time.monotonic() > deadline:
            raise TimeoutError(f"no fetch answer for {len(pending)} partitions within {timeout:.0f} s")
        await asyncio.sleep(0)
    return ends
