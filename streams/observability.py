"""Observability of the stream workers: Prometheus metrics and structured (JSON) logs.

Each worker owns a :class:`WorkerMetrics` with its own ``CollectorRegistry`` (never the process-global
default one), so several workers — or several tests — can live in one process without clashing. The
exposed names carry the ``dossier_audit_`` prefix, e.g. ``dossier_audit_events_in_total``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO
from wsgiref.simple_server import WSGIServer

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from inspections.violations import KINDS
from schemas.validation import CODES, TRANSPORT_CODES
from sources.dvcqg import READ_CODES
from sources.dvcqg.fields import DOCUMENTED_NAMES

_log = logging.getLogger(__name__)

NAMESPACE = "dossier_audit"

#: Warehouse write durations (seconds): a batch of thousands of rows takes tens to hundreds of ms.
_WRITE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


#: The workers' own codes (``streams.sink.isolate``, ``streams.detector.guard``; a test holds them equal).
WORKER_CODES = frozenset(
    {"sink.unstorable", "sink.unconvertible", "detector.unprocessable", "detector.state_unreadable"}
)
#: Every reason code the platform writes to a dead letter or counts as a rejection: validation's, the
#: transport's, the workers', and the national portal importer's (what is not a record, ``<Field>.<problem>``
#: for its documented fields, units, and an event it built that the contract refused).
KNOWN_REASONS = (
    CODES | TRANSPORT_CODES | WORKER_CODES | READ_CODES
    | {"unit.unresolved", "unit.ambiguous", "record.unmappable", "event.line.too_long"}
    | {f"event.{code}" for code in CODES}
    | {f"{name}.{problem}" for name in DOCUMENTED_NAMES
       for problem in ("missing", "invalid", "unknown", "too_long", "out_of_range")}
)  # fmt: skip
#: The label of any other reason.
OTHER_REASON = "other"


def reason_label(code: str) -> str:
    """The ``reason`` label of a rejection: its code when the platform writes such codes, else ``other``.
    A dead letter on the topic may come from any producer, so its code is free text: as a label it could
    publish an applicant's name on the metrics endpoint, and each new value is a series kept for the life of
    the process (the dead letter itself is stored with its code, scrubbed)."""
    return code if code in KNOWN_REASONS else OTHER_REASON


@dataclass
class WorkerMetrics:
    """The counters and gauges of one worker, registered on ``registry``.

    ``events_rejected`` is labelled by ``reason`` (a rejection code, :func:`reason_label`: see
    :meth:`rejected`); ``consumer_lag`` by ``topic`` and
    ``partition``; ``watermark_seconds`` (set by the detector: its event-time watermark as a Unix time)
    by ``partition``. ``poison_records`` (by ``reason``: ``sink.unstorable``, ``sink.unconvertible``,
    ``detector.unprocessable``) counts the records a worker could not process or store and rejected so
    as to move on: each is a record that would have stopped the worker before, and worth a look.
    """

    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        r, ns = self.registry, NAMESPACE
        self.events_in = Counter("events_in", "Valid events taken in.", namespace=ns, registry=r)
        # EVENTS.md: a repeated event id with identical content is a duplicate, "ignored, counted".
        self.events_duplicate = Counter(
            "events_duplicate", "Resent events (an id seen with the same content), ignored.", namespace=ns,
            registry=r,
        )  # fmt: skip
        self.events_rejected = Counter(
            "events_rejected", "Input rejected (dead letters), by reason code.", ["reason"],
            namespace=ns, registry=r,
        )  # fmt: skip
        # By kind (violation, finding, not_checkable): a not_checkable record is no violation, and an alert
        # on violations must not fire on a source's blind spots. Every kind is present from the start (0).
        self.violations_opened = Counter(
            "violations_opened", "Violation records opened, by kind.", ["kind"], namespace=ns, registry=r
        )
        self.violations_retracted = Counter(
            "violations_retracted", "Violation records retracted, by kind.", ["kind"],
            namespace=ns, registry=r,
        )  # fmt: skip
        for kind in KINDS:
            self.violations_opened.labels(kind=kind)
            self.violations_retracted.labels(kind=kind)
        self.consumer_lag = Gauge(
            "consumer_lag", "Messages of the partition not handled yet, up to its end (sink: not stored).",
            ["topic", "partition"], namespace=ns, registry=r,
        )  # fmt: skip
        self.watermark_seconds = Gauge(
            "watermark_seconds", "Event-time watermark per partition (Unix seconds).", ["partition"],
            namespace=ns, registry=r,
        )  # fmt: skip
        # The sink's (set each second by its loop; no series elsewhere): whether its consumer knows the
        # group coordinator, which it loses when the broker goes away (it said so in logs only: review).
        self.group_coordinator_known = Gauge(
            "group_coordinator_known", "1 while the consumer knows its group's coordinator, else 0.",
            ["group"], namespace=ns, registry=r,
        )  # fmt: skip
        self.sink_batches = Counter(
            "sink_batches", "Batches written to the warehouse and committed.", namespace=ns, registry=r
        )
        self.sink_write_retries = Counter(
            "sink_write_retries", "Warehouse writes retried after a failure.", namespace=ns, registry=r
        )
        self.poison_records = Counter(
            "poison_records", "Records a worker could not process or store, rejected so as to move on.",
            ["reason"], namespace=ns, registry=r,
        )  # fmt: skip
        # Present from the start (0) for every reason a worker writes: an alert on increase() saw nothing of
        # the first rejection or poison record, its series appearing at 1 (on-call review). The importer's
        # field reasons (``KNOWN_REASONS``' hundreds) come as they occur.
        for reason in CODES | TRANSPORT_CODES | WORKER_CODES | {OTHER_REASON}:
            self.events_rejected.labels(reason=reason)
        for reason in WORKER_CODES:
            self.poison_records.labels(reason=reason)
        self.sink_dossiers_not_folded = Counter(
            "sink_dossiers_not_folded", "Dossiers whose projection the warehouse refused (events stored).",
            namespace=ns, registry=r,
        )  # fmt: skip
        self.sink_dossiers_refreshed = Counter(
            "sink_dossiers_refreshed", "Open dossiers folded again: time alone changed their standing.",
            namespace=ns, registry=r,
        )  # fmt: skip
        self.sink_write_seconds = Histogram(
            "sink_write_seconds", "Duration of one successful batch write to the warehouse.",
            namespace=ns, registry=r, buckets=_WRITE_BUCKETS,
        )  # fmt: skip

        # The detector's eviction of ended dossiers (issue 17): what it evicted, what it read back from the
        # warehouse for events that came after an eviction (and those events), and what it holds.
        self.detector_evicted_dossiers = Counter(
            "detector_evicted_dossiers", "Ended dossiers evicted from the detector's memory.",
            namespace=ns, registry=r,
        )  # fmt: skip
        self.detector_dossiers_reloaded = Counter(
            "detector_dossiers_reloaded", "Evicted dossiers read back from the warehouse (late path).",
            namespace=ns, registry=r,
        )  # fmt: skip
        self.detector_late_events_evicted = Counter(
            "detector_late_events_evicted", "New events for evicted dossiers, judged on the late path.",
            namespace=ns, registry=r,
        )  # fmt: skip
        self.detector_dossiers_held = Gauge(
            "detector_dossiers_held", "Dossiers held in the detector's memory.", namespace=ns, registry=r
        )

    def rejected(self, code: str, count: int = 1) -> None:
        """Count ``count`` rejections of reason ``code`` (labelled by :func:`reason_label`)."""
        self.events_rejected.labels(reason=reason_label(code)).inc(count)

    def set_lag(self, topic: str, partition: int, lag: int) -> None:
        self.consumer_lag.labels(topic=topic, partition=str(partition)).set(max(lag, 0))

    def set_watermark(self, partition: int, watermark: datetime) -> None:
        self.watermark_seconds.labels(partition=str(partition)).set(watermark.timestamp())


#: Where a metrics endpoint listens unless told otherwise: this host only. The metrics name topics, groups
#: and counts of rejected input; exposing them to a network is a choice (``--metrics-host 0.0.0.0`` in the
#: compose file, where Prometheus scrapes the containers).
DEFAULT_METRICS_HOST = "127.0.0.1"


def start_metrics_server(
    registry: CollectorRegistry, port: int, addr: str = DEFAULT_METRICS_HOST
) -> tuple[WSGIServer, int]:
    """Serve ``registry`` in Prometheus text format on ``addr:port`` (``port`` 0: a free one) from a
    daemon thread; returns the server (stop it with :func:`stop_metrics_server`) and its actual port."""
    server, _thread = start_http_server(port, addr=addr, registry=registry)
    return server, int(server.server_address[1])


def stop_metrics_server(server: WSGIServer) -> None:
    server.shutdown()
    server.server_close()


def metrics_url(host: str, port: int) -> str:
    """The endpoint's URL (an IPv6 address in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/metrics"


@contextmanager
def metrics_endpoint(
    registry: CollectorRegistry, port: int | None, host: str = DEFAULT_METRICS_HOST
) -> Iterator[int | None]:
    """A worker's metrics endpoint on ``host:port`` for the ``with`` block (none when ``port`` is None);
    yields its port. A port or address that cannot be bound raises ``OSError``."""
    if port is None:
        yield None
        return
    server, actual = start_metrics_server(registry, port, host)
    _log.info(f"metrics on {metrics_url(host, actual)}", extra={"metrics_host": host, "metrics_port": actual})
    try:
        yield actual
    finally:
        stop_metrics_server(server)


# -- logging -----------------------------------------------------------------------------------------------
#: Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged as a field.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime", "taskName"}
)


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts`` (UTC, RFC 3339), ``level``, ``logger``, ``msg``, the record's
    ``extra`` fields, and ``exc`` (the formatted traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in _extra(record).items():
            doc.setdefault(key, value)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


class TextFormatter(logging.Formatter):
    """``ts level logger: msg key=value ...`` for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        fields = " ".join(f"{k}={v}" for k, v in _extra(record).items())
        line = f"{ts} {record.levelname.lower():<7} {record.name}: {record.getMessage()}"
        line = f"{line} {fields}" if fields else line
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so reconfiguring replaces it instead of adding another."""


def configure_logging(
    json: bool, level: int | str = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Log to ``stream`` (default stderr) — JSON lines when ``json``, else readable text — at ``level``.

    Idempotent: calling it again replaces the handler it installed before. Returns that handler (remove it
    with :func:`reset_logging`, e.g. when a command runs inside a test process).
    """
    reset_logging()
    root = logging.getLogger()
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # kafka-python logs every reconnect at INFO/WARNING; its errors surface through ours anyway.
    logging.getLogger("kafka").setLevel(max(logging.WARNING, root.level))
    # ... and warns whenever its event loop waited on the caller's processing: not actionable here.
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    _add_once(logging.getLogger("kafka.net.selector"), _closed_socket_race)
    # clickhouse-driver warns of every failed connection attempt, ping and reconnection (with tracebacks);
    # each such failure reaches the worker as a WarehouseError that it logs on one line (the sink's
    # "warehouse write failed; retrying"), so the driver's warnings would only repeat it: one line per retry.
    logging.getLogger("clickhouse_driver").setLevel(max(logging.ERROR, root.level))
    return handler


def _closed_socket_race(record: logging.LogRecord) -> bool:
    """False (dropped) for kafka-python's traceback of a socket closed while its event loop registered it
    ("Unhandled exception in task …: ValueError: Invalid file descriptor: -1"): a connection its own
    error lines already reported as lost, which it opens again. An on-call engineer read the traceback,
    at error level in a detector that went on normally, as a failure (review of 2026-12-06)."""
    error = record.exc_info[1] if record.exc_info else None
    return not (isinstance(error, ValueError) and str(error).startswith("Invalid file descriptor"))


def _add_once(logger: logging.Logger, check: Callable[[logging.LogRecord], bool]) -> None:
    if check not in logger.filters:
        logger.addFilter(check)


def reset_logging() -> None:
    """Remove the handler :func:`configure_logging` installed, if any."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
