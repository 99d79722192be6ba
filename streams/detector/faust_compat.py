"""Which Faust the detector's adapter supports, and every library internal it relies on: the releases
(:data:`FAUST_VERSIONS`) and the internals (:data:`FAUST_INTERNALS`) the adapter's modules
(:mod:`streams.detector.transport`, :mod:`streams.detector.app_internals`) were written against, each named
beside its use, so that an upgrade has one list to re-check.

Why a module of its own: the list is what an upgrade starts from and what ``check_faust`` and
``tests/streams/test_faust_adapter.py`` read; it only looks internals up by name and imports no other module
of the detector, so the list reads apart from the code that uses them.

Compatibility: the supported Faust releases are pinned (:data:`FAUST_VERSIONS`, the same range as
``pyproject.toml``), checked with the presence of every internal (:data:`FAUST_INTERNALS`) when an app is
made (:func:`check_faust`); the test of the adapter also compares the source of each internal with the one
the adapter was written against (its recorded hash), and fails naming what to re-check.
"""

from __future__ import annotations

import importlib
from typing import Any

import faust

__all__ = [
    "FAUST_INTERNALS",
    "FAUST_VERSIONS",
    "check_faust",
    "resolve_internal",
]

#: The Faust versions whose internals the adapter was checked against: [first, last) by release number.
FAUST_VERSIONS = ((0, 15, 3), (0, 16))


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
            "internals must be checked against streams/detector/faust_compat.py first"
        )
    missing = []
    for name in FAUST_INTERNALS:
        try:
            resolve_internal(name)
        except (AttributeError, ImportError):
            missing.append(name)
    if missing:
        raise RuntimeError(
            f"faust-streaming {text}: the detector's adapter (see streams/detector/faust_compat.py) relies "
            f"on internals this installation lacks: {', '.join(missing)}"
        )
