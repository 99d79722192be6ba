"""How the sink's consumer talks to the broker: the kafka-python settings it starts from
(:data:`CONSUMER_TUNING`, which ``SinkOptions.consumer_options`` override) and how long each of its polls
waits in each situation (:class:`streams.sink.worker.SinkWorker`).

Why apart from the worker: these are the figures a broker dictates or a measurement chose (the tansu broker
of the embedded topology against Kafka's), each with its reason beside it; the worker is the loop that uses
them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CONSUMER_TUNING",
    "HOLD_SECONDS",
    "IDLE_POLL_SECONDS",
    "RETRY_POLL_SECONDS",
    "SETTLE_POLL_SECONDS",
]

#: Consumer settings that suit both Kafka and the embedded tansu broker. tansu (measured) completes a group
#: join about half a session timeout after it starts, and after a member died without leaving, only once
#: that member's session expired: short sessions make restarts quick. 6 s is Kafka's minimum by default.
CONSUMER_TUNING: dict[str, Any] = {
    "session_timeout_ms": 6_000,
    "heartbeat_interval_ms": 1_000,
    "max_poll_interval_ms": 10_000,
    "fetch_max_wait_ms": 100,
    "max_partition_fetch_bytes": 8 * 1024 * 1024,
    "auto_offset_reset": "earliest",
}

#: While a write is in flight the consumer polls at most this long, so its commit is not held up.
SETTLE_POLL_SECONDS = 0.05
#: How long the consumer waits for a write without polling before it pauses its partitions and polls
#: (at most a quarter of ``max_poll_interval``): most writes end sooner, and pausing drops the records
#: fetched ahead (they are fetched again).
HOLD_SECONDS = 1.0
#: Longest single poll while waiting for a retry, so that a stop is noticed soon.
RETRY_POLL_SECONDS = 0.5
#: ``until_idle``: longest poll while a batch is pending. A poll that comes back empty flushes the batch
#: when the consumer is at the end of every assigned partition (nothing is left to fill it with); waiting
#: up to ``batch_seconds`` for it added that much to the end of every run that found no write in flight
#: there (measured: ~1 s of a ~3 s catch-up of 96k events). An empty poll alone does not flush: this is
#: as long as ``fetch_max_wait_ms`` (:data:`CONSUMER_TUNING`), so one slow fetch round trip during a
#: catch-up returns nothing as well, and would flush a partial batch (``streams.sink.lag.at_end``).
IDLE_POLL_SECONDS = 0.1
