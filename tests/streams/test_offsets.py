"""End offsets on the embedded broker: ListOffsets undercounts, a fetch's highwater does not."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.offsets import true_end_offsets
from streams.topics import TopicSpec, ensure_topics


def test_true_end_offsets_count_every_record_of_a_batch(broker):
    servers = broker.bootstrap_servers
    ensure_topics(broker.kafka, [TopicSpec("t", 3)])

    async def run() -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
        producer = AIOKafkaProducer(bootstrap_servers=servers, linger_ms=50)
        await producer.start()
        # One batch of 100 on partition 0; three single-record batches on partition 2; partition 1 empty.
        sent = [await producer.send("t", b"%d" % i, partition=0) for i in range(100)]
        await asyncio.gather(*sent)
        for i in range(3):
            await producer.send_and_wait("t", b"%d" % i, partition=2)
        await producer.flush()
        await producer.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None)
        await consumer.start()
        try:
            tps = [TopicPartition("t", p) for p in range(3)]
            listed = await consumer.end_offsets(tps)
            return listed, await true_end_offsets(consumer, tps)
        finally:
            await consumer.stop()

    listed, ends = asyncio.run(run())
    assert [ends[TopicPartition("t", p)] for p in range(3)] == [100, 0, 3]
    assert listed[TopicPartition("t", 0)] < 100  # the broker quirk this guards against


def test_a_second_call_sees_records_produced_since_the_first(broker):
    servers = broker.bootstrap_servers
    ensure_topics(broker.kafka, [TopicSpec("u", 1)])
    tp = TopicPartition("u", 0)

    async def run() -> list[int]:
        producer = AIOKafkaProducer(bootstrap_servers=servers, linger_ms=50)
        consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None)
        await producer.start()
        await consumer.start()
        try:
            seen = []
            for _ in range(2):
                await asyncio.gather(*[await producer.send("u", b"x", partition=0) for _ in range(50)])
                seen.append((await true_end_offsets(consumer, [tp]))[tp])
            return seen
        finally:
            await producer.stop()
            await consumer.stop()

    assert asyncio.run(run()) == [50, 100]
