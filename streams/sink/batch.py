"""Records to warehouse rows: the sink's batch, its conversion, and the run's counts.

The conversion is the sink's hot path (one validation per message, one serialisation per event), so it
avoids what it can prove unnecessary: a timestamp shared by a producer batch is converted once, and the
pseudonymiser runs only on events whose data may carry an applicant.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from kafka import TopicPartition

from schemas.events import AnyEvent
from schemas.pseudonym import Pseudonymiser
from schemas.validation import Rejection, parse_event
from streams.messages import DeadLetter, MessageError, ViolationMessage
from streams.topics import PlatformTopics
from warehouse.store import event_row, rejection_row, violation_row

__all__ = ["BatchConverter", "SinkBatch", "SinkStats"]


@dataclass
class SinkStats:
    """What a sink run stored (rows written; a redelivered row counts again)."""

    messages: int = 0
    events: int = 0
    rejected: int = 0
    violations: int = 0
    batches: int = 0
    retries: int = 0
    folded: int = 0
    discarded_batches: int = 0

    def to_json_dict(self) -> dict[str, int]:
        return {
            "messages": self.messages,
            "events_stored": self.events,
            "rejected_stored": self.rejected,
            "violations_stored": self.violations,
            "batches": self.batches,
            "retries": self.retries,
            "dossiers_folded": self.folded,
            "discarded_batches": self.discarded_batches,
        }


@dataclass
class SinkBatch:
    """Rows converted from consumed records, and the offsets to commit once they are stored."""

    events: list[tuple[Any, ...]] = field(default_factory=list)
    rejected: list[tuple[Any, ...]] = field(default_factory=list)
    rejected_reasons: list[str] = field(default_factory=list)
    violations: list[tuple[Any, ...]] = field(default_factory=list)
    violation_states: list[str] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    offsets: dict[TopicPartition, int] = field(default_factory=dict)
    messages: int = 0
    opened_at: float = 0.0

    def __bool__(self) -> bool:
        return self.messages > 0


_NO_STAMP = object()


def _record_time(timestamp_ms: int | None) -> datetime:
    """The Kafka record timestamp (whole seconds, UTC): deterministic across redeliveries."""
    if timestamp_ms is None or timestamp_ms < 0:
        return datetime.now(UTC).replace(microsecond=0)
    return datetime.fromtimestamp(timestamp_ms // 1000, UTC)


def _may_carry_applicant(event: AnyEvent) -> bool:
    """Whether the event's data has an ``applicant`` (declared or extra). Cheaper than letting
    ``Pseudonymiser.apply`` probe with ``getattr``, which is slow for a model without the attribute."""
    data = event.data
    extra = data.__pydantic_extra__
    return _declares_applicant(type(data)) or bool(extra and "applicant" in extra)


@cache
def _declares_applicant(model: type[Any]) -> bool:
    return "applicant" in model.model_fields


class BatchConverter:
    """Adds polled records to a batch as rows: events, rejections (scrubbed of applicant data) and
    violation records, by the topic they came from."""

    def __init__(self, topics: PlatformTopics, pseudonymiser: Pseudonymiser) -> None:
        self.topics = topics
        self.pseudonymiser = pseudonymiser

    def add(self, batch: SinkBatch, tp: TopicPartition, records: Sequence[Any]) -> None:
        """Convert one partition's polled records (in offset order) into ``batch``'s rows."""
        if not records:
            return
        if not batch:
            batch.opened_at = time.monotonic()
        batch.messages += len(records)
        batch.offsets[tp] = records[-1].offset + 1
        topic = tp.topic
        where = f"kafka:{topic}/{tp.partition}"
        if topic == self.topics.events:
            self._add_events(batch, where, records)
        else:
            for record in records:
                self._add_other(batch, topic, where, record)

    def _add_events(self, batch: SinkBatch, where: str, records: Sequence[Any]) -> None:
        # The hot path: one validation per message, one serialisation per event (``event_row``).
        apply = self.pseudonymiser.apply
        rows, touched = batch.events, batch.touched
        last_stamp: object = _NO_STAMP
        at = datetime.min
        for record in records:
            value: bytes = record.value if record.value is not None else b""
            stamp = record.timestamp
            if stamp != last_stamp or stamp is None:  # records of one producer batch share their stamp
                last_stamp, at = stamp, _record_time(stamp)
            parsed = parse_event(value, line_no=record.offset)
            if isinstance(parsed, Rejection):
                self._reject(batch, parsed, where, value, at)
                continue
            if _may_carry_applicant(parsed):
                # Producers pseudonymise already; pseudonyms pass through unchanged, clear values do not.
                parsed = apply(parsed)
            rows.append(event_row(parsed, where, record.offset, at))
            touched.add(parsed.dossier_id)

    def _add_other(self, batch: SinkBatch, topic: str, where: str, record: Any) -> None:
        value: bytes = record.value if record.value is not None else b""
        at = _record_time(record.timestamp)
        if topic == self.topics.dead_letters:
            try:
                letter = DeadLetter.decode(value)
            except MessageError as exc:
                rejection = Rejection("dead_letter.invalid", str(exc), record.offset, value)
                self._reject(batch, rejection, where, value, at)
                return
            rejected_at = (
                letter.rejected_at if letter.rejected_at.tzinfo else letter.rejected_at.replace(tzinfo=UTC)
            )
            rejection = Rejection(letter.reason_code, letter.reason, letter.offset, letter.raw)
            self._reject(batch, rejection, letter.source, letter.raw, rejected_at)
        elif topic == self.topics.violations:
            try:
                msg = ViolationMessage.decode(value)
                row = violation_row(msg.violation, msg.state, msg.as_of, msg.producer, msg.version)
            except (MessageError, KeyError, TypeError, ValueError) as exc:
                reason = str(exc) if isinstance(exc, MessageError) else f"not a violation message: {exc!r}"
                rejection = Rejection("violation.invalid", reason, record.offset, value)
                self._reject(batch, rejection, where, value, at)
                return
            batch.violations.append(row)
            batch.violation_states.append(msg.state)

    def _reject(self, batch: SinkBatch, rejection: Rejection, source: str, raw: bytes, at: datetime) -> None:
        scrubbed = self.pseudonymiser.scrub_raw(raw)
        batch.rejected.append(rejection_row(rejection, source, scrubbed, at))
        batch.rejected_reasons.append(rejection.code)
