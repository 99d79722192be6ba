"""Ingestion: validate event lines and produce them to Kafka (kafka-python).

Each non-blank line is validated with the contract (:func:`schemas.lines.parse_line`). A valid event
is pseudonymised and produced to the events topic keyed by its ``dossier_id`` (so one dossier's events stay
in one partition, in input order); a rejected line goes to the dead-letter topic with its reason and its
raw bytes scrubbed of applicant data. Nothing with clear personal data reaches Kafka.

Duplicates are produced as they come: the producer keeps no per-event state, so it streams any input size
in constant memory. Downstream is idempotent on ``event_id``: the warehouse's ``events`` table is a
ReplacingMergeTree keyed by event, and the detector's per-dossier state deduplicates by ``event_id``.
"""

from __future__ import annotations

import io
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, cast

from kafka import KafkaProducer
from kafka.errors import KafkaError

from schemas.lines import bounded_lines, is_blank_line, parse_line, without_bom
from schemas.pseudonym import Pseudonymiser
from schemas.validation import Rejection
from streams.kafka import KafkaConfig, StreamError, Unreachable
from streams.messages import DeadLetter, encode_event, event_key
from streams.observability import WorkerMetrics
from streams.partitioning import DossierPartitioner
from streams.topics import PlatformTopics, TopicError, ensure_topics

log = logging.getLogger(__name__)

#: Producer tuning for throughput: batches of up to 512 KiB that wait at most 20 ms to fill. The idempotent
#: producer (kafka-python's default) keeps a dossier's events in order across retries; a message not
#: acknowledged by all replicas within ``delivery_timeout_ms`` counts as failed.
PRODUCER_TUNING: dict[str, Any] = {
    "acks": "all",
    "linger_ms": 20,
    "batch_size": 512 * 1024,
    "max_request_size": 4 * 1024 * 1024,
    "delivery_timeout_ms": 60_000,
    "request_timeout_ms": 30_000,
    "max_block_ms": 30_000,
}


class IngestError(StreamError):
    """Events could not be delivered to Kafka (the broker refused them or could not be reached)."""


class KafkaUnreachable(IngestError, Unreachable):
    """Kafka could not be reached before anything was read or sent: a bad setting or a server down, not a
    delivery that failed half-way (the command line tells them apart by its exit status)."""


@dataclass
class IngestReport:
    """What one ingestion produced."""

    source: str
    lines: int = 0
    produced: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    #: When the newest valid event occurred (``None``: none was valid): where the data ends, the main job's
    #: evaluation time when none is given.
    newest: datetime | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "lines": self.lines,
            "produced": self.produced,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "seconds": round(self.seconds, 3),
        }


def make_producer(kafka: KafkaConfig, **overrides: Any) -> KafkaProducer:
    """A producer with :data:`PRODUCER_TUNING`, the connection's security options and a dossier's partition
    computed once (``streams.partitioning``)."""
    partitioner = DossierPartitioner()
    options = {**PRODUCER_TUNING, "partitioner": partitioner, **kafka.kafka_python_options(), **overrides}
    return KafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers, client_id="dossier-audit-ingest", **options
    )


class _Deliveries:
    """Counts failed deliveries (callbacks run on the producer's I/O thread)."""

    def __init__(self) -> None:
        self.failed = 0
        self.first_error: BaseException | None = None

    def __call__(self, exc: BaseException) -> None:
        self.failed += 1
        if self.first_error is None:
            self.first_error = exc


def ingest_lines(
    kafka: KafkaConfig,
    topics: PlatformTopics,
    lines: Iterable[bytes],
    source: str,
    *,
    pseudonymiser: Pseudonymiser,
    producer: KafkaProducer | None = None,
    ensure: bool = True,
    metrics: WorkerMetrics | None = None,
    on_line: Callable[[int], None] | None = None,
    on_rejection: Callable[[Rejection], None] | None = None,
) -> IngestReport:
    """Validate ``lines`` and produce them: events to ``topics.events``, rejected lines to
    ``topics.dead_letters`` (``source`` names where they came from: a file path or ``"stdin"``).

    Creates the platform topics first unless ``ensure`` is false. Flushes before returning; raises
    :class:`IngestError` when any message was not delivered. ``on_line(bytes_read)`` is called per line
    (for progress). A ``producer`` passed in is flushed but not closed.
    """
    servers = kafka.described
    started = time.perf_counter()
    if ensure:
        try:
            ensure_topics(kafka, topics.specs())
        except TopicError as exc:
            raise KafkaUnreachable(f"cannot reach Kafka at {servers} to create the topics: {exc}") from exc
    own = producer is None
    if producer is None:
        try:
            producer = make_producer(kafka)
        except KafkaError as exc:
            raise KafkaUnreachable(f"cannot reach Kafka at {servers}: {exc}") from exc
    report = IngestReport(source)
    failures = _Deliveries()
    events_topic, dead_topic = topics.events, topics.dead_letters
    read = 0
    try:
        line_no = 0
        # A file is read a bounded line at a time (``bounded_lines``): an over-long line is never held whole.
        given = bounded_lines(cast(IO[bytes], lines)) if isinstance(lines, io.IOBase) else lines
        for line_no, line in enumerate(given, 1):
            read += len(line)
            if on_line is not None:
                on_line(read)
            # A BOM may start the stream (as a file may), nowhere else.
            raw = without_bom(line) if line_no == 1 else line
            if is_blank_line(raw):
                continue  # blank lines are ignored, as by the batch commands
            parsed = parse_line(raw, line_no=line_no)
            if isinstance(parsed, Rejection):
                report.rejected[parsed.code] += 1
                if on_rejection is not None:
                    on_rejection(parsed)
                # ``parsed.raw``, not ``raw``: an over-long line's rejection keeps only its beginning, which
                # fits in a Kafka message where the whole line might not.
                letter = DeadLetter(
                    source, line_no, parsed.code, parsed.message,
                    pseudonymiser.scrub_raw(parsed.raw.rstrip(b"\r\n")), datetime.now(UTC),
                )  # fmt: skip
                producer.send(dead_topic, value=letter.encode()).add_errback(failures)
                continue
            event = pseudonymiser.apply(parsed)
            producer.send(events_topic, key=event_key(event), value=encode_event(event)).add_errback(failures)
            report.produced += 1
            if report.newest is None or event.occurred_at > report.newest:
                report.newest = event.occurred_at
        report.lines = line_no
        # Bounded by the delivery timeout: kafka-python can miss expiring a batch whose broker died (seen
        # once in CI: an unbounded flush() waited past the 300 s test limit). A dead broker is an error here,
        # never a hang.
        producer.flush(timeout=producer.config["delivery_timeout_ms"] / 1000 + 5)
    except KafkaError as exc:
        raise IngestError(f"cannot produce to Kafka at {servers}: {exc}") from exc
    finally:
        if own:
            producer.close(timeout=5)
    if failures.failed:
        raise IngestError(
            f"{failures.failed:,} of {report.produced + report.rejected_total:,} messages were not "
            f"delivered to Kafka at {servers}: {failures.first_error}"
        )
    report.seconds = time.perf_counter() - started
    if metrics is not None:
        metrics.events_in.inc(report.produced)
        for code, n in report.rejected.items():
            metrics.rejected(code, n)
    log.info(
        "ingested",
        extra={"source": source, "lines": report.lines, "produced": report.produced,
               "rejected": report.rejected_total, "seconds": round(report.seconds, 3)},
    )  # fmt: skip
    return report
