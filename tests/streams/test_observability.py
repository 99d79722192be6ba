"""Metrics (a registry per worker, served in Prometheus text format) and structured JSON logs."""

from __future__ import annotations

import io
import logging
import urllib.request
from datetime import UTC, datetime

import orjson
from prometheus_client.parser import text_string_to_metric_families

from streams.observability import (
    WorkerMetrics,
    configure_logging,
    reset_logging,
    start_metrics_server,
    stop_metrics_server,
)


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_each_worker_has_its_own_registry_served_as_prometheus_text():
    sink, detector = WorkerMetrics(), WorkerMetrics()  # no clash: separate registries
    sink.events_in.inc(3)
    sink.events_rejected.labels(reason="json.invalid").inc()
    sink.set_lag("dossier-events", 2, 7)
    sink.sink_write_seconds.observe(0.02)
    detector.violations_opened.labels(kind="violation").inc(2)
    detector.violations_opened.labels(kind="not_checkable").inc()
    detector.violations_retracted.labels(kind="violation").inc()
    detector.set_watermark(5, datetime(2025, 11, 3, tzinfo=UTC))
    server, port = start_metrics_server(sink.registry, 0, addr="127.0.0.1")
    server2, port2 = start_metrics_server(detector.registry, 0, addr="127.0.0.1")
    try:
        assert port and port2 and port != port2
        got = scrape(port)
        assert got[("dossier_audit_events_in_total", ())] == 3
        assert got[("dossier_audit_events_rejected_total", (("reason", "json.invalid"),))] == 1
        assert got[("dossier_audit_consumer_lag", (("partition", "2"), ("topic", "dossier-events")))] == 7
        assert got[("dossier_audit_sink_write_seconds_count", ())] == 1
        assert got[("dossier_audit_sink_batches_total", ())] == 0
        for kind in ("violation", "finding", "not_checkable"):  # every kind exported from the start
            assert got[("dossier_audit_violations_opened_total", (("kind", kind),))] == 0
        other = scrape(port2)
        assert other[("dossier_audit_violations_opened_total", (("kind", "violation"),))] == 2
        assert other[("dossier_audit_violations_opened_total", (("kind", "not_checkable"),))] == 1
        assert other[("dossier_audit_violations_retracted_total", (("kind", "violation"),))] == 1
        assert other[("dossier_audit_watermark_seconds", (("partition", "5"),))] == 1762128000
        assert other[("dossier_audit_events_in_total", ())] == 0
    finally:
        stop_metrics_server(server)
        stop_metrics_server(server2)


def test_json_logs_are_one_object_per_line_with_extra_fields():
    out = io.StringIO()
    level = logging.getLogger().level
    try:
        configure_logging(json=True, stream=out)
        configure_logging(json=True, stream=out)  # idempotent: still one handler
        log = logging.getLogger("streams.test")
        log.info("batch stored", extra={"events": 12, "topic": "dossier-events"})
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("write failed", extra={"at": datetime(2025, 1, 1, tzinfo=UTC)})
        lines = out.getvalue().splitlines()
        assert len(lines) == 2
        first, second = (orjson.loads(line) for line in lines)
        assert (
            first["level"] == "info" and first["logger"] == "streams.test" and first["msg"] == "batch stored"
        )
        assert (first["events"], first["topic"]) == (12, "dossier-events")
        assert datetime.fromisoformat(first["ts"]).tzinfo is not None
        assert second["level"] == "error" and "ValueError: boom" in second["exc"]
        assert second["at"].startswith("2025-01-01")

        configure_logging(json=False, stream=out)
        out.truncate(0)
        out.seek(0)
        log.warning("retrying", extra={"retry_in_s": 0.4})
        assert out.getvalue().rstrip().endswith("streams.test: retrying retry_in_s=0.4")
    finally:
        reset_logging()
        logging.getLogger().setLevel(level)
        assert not [h for h in logging.getLogger().handlers if type(h).__name__ == "_Handler"]


def test_a_dead_letters_free_text_code_is_never_a_label() -> None:
    """The sink counts the dead letters on the topic by their reason code, and any producer may write one:
    "Nguyen Van An" became a series ``reason="Nguyen Van An"`` (an applicant's name on the metrics
    endpoint, and one more series per distinct text, never removed). The platform's codes stay labels."""
    from types import SimpleNamespace

    from kafka import TopicPartition
    from prometheus_client import generate_latest

    from schemas.pseudonym import Pseudonymiser
    from streams.messages import DeadLetter
    from streams.sink.batch import BatchConverter, SinkBatch, SinkStats, count_stored
    from streams.topics import PlatformTopics

    topics = PlatformTopics("ev", "vi", "dl", 8)
    converter = BatchConverter(topics, Pseudonymiser(b"k" * 32))
    batch = SinkBatch()
    codes = ["Nguyen Van An", "Tran Thi Binh CCCD", "x1", "json.invalid", "MaHoSo.missing", "sink.unstorable"]
    records = [
        SimpleNamespace(value=DeadLetter("foreign", n, code, "r", b"{}", datetime.now(UTC)).encode(),
                        offset=n, timestamp=1_760_000_000_000, key=None)
        for n, code in enumerate(codes)
    ]  # fmt: skip
    converter.add(batch, TopicPartition("dl", 0), records)
    metrics = WorkerMetrics()
    count_stored(batch, SinkStats(), metrics)
    text = generate_latest(metrics.registry).decode()
    assert "Nguyen" not in text and "Tran Thi" not in text and 'reason="x1"' not in text
    counted = {
        s.labels["reason"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "dossier_audit_events_rejected_total"
    }
    counted = {reason: value for reason, value in counted.items() if value}  # the others are there at 0
    assert counted == {"other": 3, "json.invalid": 1, "MaHoSo.missing": 1, "sink.unstorable": 1}


def test_every_reason_a_worker_writes_is_counted_from_zero() -> None:
    """A series that appears at 1 hides the first rejection from an ``increase()`` alert (on-call review):
    the workers' reasons and the contract's codes are there at 0 before anything is rejected."""
    from prometheus_client import generate_latest

    from schemas.validation import CODES
    from streams.observability import OTHER_REASON, WORKER_CODES

    text = generate_latest(WorkerMetrics().registry).decode()
    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]
    named = "dossier_audit_events_rejected_total", "dossier_audit_poison_records_total"
    rejected = {s.labels["reason"]: s.value for s in samples if s.name == named[0]}
    poison = {s.labels["reason"]: s.value for s in samples if s.name == named[1]}
    assert set(rejected) >= CODES | WORKER_CODES | {OTHER_REASON} and not any(rejected.values())
    assert set(poison) == WORKER_CODES and not any(poison.values())


def test_the_known_reasons_hold_every_code_the_platform_writes() -> None:
    from sources.dvcqg import READ_CODES
    from streams.detector.guard import UNPROCESSABLE, UNREADABLE_STATE
    from streams.observability import KNOWN_REASONS, WORKER_CODES, reason_label
    from streams.sink.isolate import POISON_CODES

    assert POISON_CODES | {UNPROCESSABLE, UNREADABLE_STATE} == WORKER_CODES
    assert READ_CODES <= KNOWN_REASONS
    for code in ("event_id.conflict", "key.mismatch", "event.occurred_at.naive", "NgayHenTra.invalid",
                 "unit.unresolved", "record.unmappable"):  # fmt: skip
        assert reason_label(code) == code
    for text in ("", "other stuff", "MaHoSo.leaked", "Nguyen.missing", "json.invalid "):
        assert reason_label(text) == "other"


def test_a_sink_batch_whose_commit_failed_is_counted_in_the_metrics_only_when_redelivered() -> None:
    """The sink counted a batch whose offset commit failed, then again when it was read and stored a second
    time: events_in, rejections and violations rates double-counted after every failed commit (review)."""
    from kafka import TopicPartition
    from kafka.errors import CommitFailedError

    from bootstrap.platform import sink_options
    from bootstrap.settings import load_settings
    from schemas.pseudonym import Pseudonymiser
    from streams.kafka import KafkaConfig
    from streams.sink.batch import SinkBatch
    from streams.sink.worker import SinkWorker

    class Consumer:
        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def commit(self, offsets: object) -> None:
            if self.fail:
                raise CommitFailedError("rebalanced")

    metrics = WorkerMetrics()
    options = sink_options(load_settings(), group_id="g")
    worker = SinkWorker(KafkaConfig("127.0.0.1:1"), options, Pseudonymiser(b"k" * 32), None, metrics=metrics)  # type: ignore[arg-type]
    batch = SinkBatch()
    batch.messages, batch.events = 2, [("row-1",), ("row-2",)]
    batch.offsets = {TopicPartition("ev", 0): 2}
    worker._commit(Consumer(fail=True), batch)
    assert (worker.stats.batches, worker.stats.events) == (1, 2)  # rows written
    assert metrics.events_in._value.get() == 0 and metrics.sink_batches._value.get() == 0
    worker._commit(Consumer(fail=False), batch)  # redelivered, stored, committed
    assert metrics.events_in._value.get() == 2 and metrics.sink_batches._value.get() == 1


def test_kafka_pythons_closed_socket_traceback_is_not_logged_and_its_other_errors_are():
    """Review of 2026-12-06: at a detector's start, kafka-python logged at error level the traceback of a
    socket closed while its event loop registered it, though the detector went on normally; its own lines
    ("Connection lost", "Metadata refresh: failed") already say it. That traceback alone is dropped."""
    out = io.StringIO()
    level = logging.getLogger().level
    selector = logging.getLogger("kafka.net.selector")
    try:
        configure_logging(json=False, stream=out)
        configure_logging(json=False, stream=out)  # the filter once, however often it is configured
        for error in (ValueError("Invalid file descriptor: -1"), ValueError("something else")):
            try:
                raise error
            except ValueError:
                selector.exception("Unhandled exception in task <kafka.net.selector.Task object>:")
        logging.getLogger("kafka.cluster").error("Metadata refresh: failed KafkaConnectionError")
        said = out.getvalue()
        assert "Invalid file descriptor" not in said
        assert "ValueError: something else" in said and "Metadata refresh: failed" in said
        assert len(selector.filters) == 1
    finally:
        reset_logging()
        logging.getLogger().setLevel(level)
