"""The detector's Faust app: :func:`make_app` assembles it (topics, tables, the agent, the supervisor task,
the rebalance hook) around a :class:`~streams.detector.worker.Detector`; :func:`run_detector` runs it in
this process until it stops.
"""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faust

from inspections.rulebook import Auditor
from streams.detector.faust_compat import check_faust
from streams.detector.inlet import Inlet, Scrub
from streams.detector.options import DetectorOptions
from streams.detector.readback import EndOffsets
from streams.detector.transport import DetectorTransportHook, EndOffsetsReader
from streams.detector.worker import Detector, DetectorStats
from streams.kafka import KafkaConfig
from streams.observability import WorkerMetrics
from streams.watermark import from_us

#: The largest record the detector writes (a dossier's state: its events' raw lines), and so the producer's
#: request limit and its state changelog's ``max.message.bytes``.
STATE_RECORD_BYTES = 8 << 20

__all__ = ["DetectorApp", "make_app", "run_detector"]


class DetectorApp(DetectorTransportHook, faust.App):
    """The Faust app of the detector (see :func:`make_app`); ``detector`` holds its runtime, ``inlet`` and
    ``inlet_topic`` tell its consumer where the events topic's messages go, ``end_offsets`` where its table
    recovery must read the changelogs to (their true ends: see :mod:`streams.detector.transport`),
    ``state_progress`` where its reading of the events topic resumes at the latest
    (:mod:`streams.detector.resume`)."""

    logger = logging.getLogger("faust.detector")  # Faust's chatter stays under "faust" (quietened)
    inlet: Inlet | None = None
    inlet_topic: str | None = None
    end_offsets: EndOffsetsReader | None = None
    state_progress: Callable[[], dict[int, int | None]] | None = None
    detector: Detector


def make_app(
    kafka: KafkaConfig,
    options: DetectorOptions,
    auditor: Auditor,
    scrub: Scrub,
    *,
    metrics: WorkerMetrics | None = None,
) -> DetectorApp:
    """Build the detector's Faust app (nothing connects until it runs; see :func:`run_detector`).

    ``auditor``: the rulebook with the catalogue and calendar to judge by; ``scrub`` removes applicant data
    from the raw bytes of dead letters.
    """
    check_faust()
    topics = options.topics
    app = DetectorApp(
        options.app_id,
        broker=kafka.faust_broker(),
        broker_credentials=kafka.faust_credentials(),
        store="memory://",
        datadir=str(options.datadir),
        autodiscover=False,
        web_enabled=False,
        topic_partitions=topics.partitions,
        topic_replication_factor=topics.replication_factor,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=options.session_timeout,
        # Faust refuses a session longer than a request may wait (its default, 90 s): ImproperlyConfigured
        # in every agent, after the worker had started (``--session-timeout 120``: review).
        broker_request_timeout=max(90.0, options.session_timeout + 30.0),
        broker_heartbeat_interval=options.heartbeat_interval,
        broker_max_poll_interval=options.max_poll_interval,
        broker_rebalance_timeout=options.rebalance_timeout,
        broker_commit_interval=options.commit_interval,
        broker_max_poll_records=options.batch_max,
        consumer_max_fetch_size=4 << 20,
        producer_linger=0.005,
        producer_max_batch_size=1 << 20,
        producer_max_request_size=STATE_RECORD_BYTES,
        stream_recovery_delay=0.0,
        worker_redirect_stdouts=False,
    )
    detector = Detector(app, kafka, options, auditor, scrub, metrics)
    app.detector = detector
    app.inlet = detector.inlet
    app.inlet_topic = topics.events
    app.end_offsets = EndOffsets(kafka)
    app.state_progress = detector.state_progress

    # Raw bytes everywhere: the agent decodes (a bad message becomes a dead letter, not a crash).
    events = app.topic(
        topics.events, partitions=topics.partitions, key_type=bytes, value_type=bytes,
        key_serializer="raw", value_serializer="raw",
    )  # fmt: skip
    n = topics.partitions
    # A dossier's state holds its events' raw lines (128 KiB each at most): its changelog takes records up
    # to the producer's request limit, where a broker's default (about 1 MiB) refused a state of nine long
    # events and stopped the partition for good (stream seat of 2026-12-07). Set when Faust creates the
    # topic; an existing one is altered by hand (docs/operators-guide.md).
    detector.dossier_table = app.Table(
        "dossiers", key_type=bytes, value_type=bytes, partitions=n, recovery_buffer_size=10_000,
        extra_topic_configs={"max.message.bytes": str(STATE_RECORD_BYTES)},
    )  # fmt: skip
    detector.partition_table = app.Table("partitions", key_type=bytes, value_type=bytes, partitions=n)
    detector.dossier_table.on_recover(detector.on_recovered)
    detector.partition_table.on_recover(_noop)

    @app.agent(events, name="detect")
    async def detect(stream: Any) -> None:
        # The batching consumer hands this topic's messages to the inlet: the stream itself stays idle.
        await detector.run_agent()

    async def supervise() -> None:
        await detector.supervise()

    app.task(supervise)

    app.on_partitions_revoked.connect(_revoked_handler(detector))
    app.on_partitions_assigned.connect(_assigned_handler(detector))
    return app


async def _noop() -> None:
    return None


def _revoked_handler(detector: Detector) -> Any:
    async def on_revoked(app: Any, revoked: Any, **_: Any) -> None:
        await detector.on_revoked(revoked)

    return on_revoked


def _assigned_handler(detector: Detector) -> Any:
    async def on_assigned(app: Any, assigned: Any, **_: Any) -> None:
        detector.membership.joined()

    return on_assigned


_QUIET = ("faust", "mode", "aiokafka", "kafka")


def run_detector(app: DetectorApp) -> tuple[int, DetectorStats]:
    """Run the app in this process until SIGTERM/Ctrl-C, or until idle with ``until_idle``.

    Returns the exit code and what the worker did.
    """
    detector = app.detector
    level = detector.options.loglevel.upper()
    saved = {name: logging.getLogger(name).level for name in _QUIET}
    for name in _QUIET:
        logging.getLogger(name).setLevel(level)
    Path(app.conf.datadir).mkdir(parents=True, exist_ok=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    worker = faust.Worker(
        app, loop=loop, loglevel=level, quiet=True, override_logging=False, redirect_stdouts=False,
        stdout=io.StringIO(),  # Faust's start-up spinner and banner: not for our stdout
    )  # fmt: skip
    detector.worker = worker
    detector.started = time.monotonic()
    loop.call_soon(detector.watch_membership, loop)
    code = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if not loop.is_closed():
            loop.run_until_complete(detector.close())
            loop.close()
        asyncio.set_event_loop(None)
        gc.unfreeze()
        for name, lvl in saved.items():
            logging.getLogger(name).setLevel(lvl)
    detector.stats.seconds = time.monotonic() - detector.started
    detector.stats.kept_by_flags = sum(
        1
        for state in detector.core.partitions.values()
        for dossier in state.dossiers.values()
        if dossier.flags
    )
    detector.stats.watermarks = {
        p: from_us(w).isoformat() if w is not None else None for p, w in detector.core.watermarks().items()
    }
    return (code or detector.exit_code), detector.stats
