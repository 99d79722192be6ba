"""Records to warehouse rows: the sink's batch, its conversion, and the run's counts.

The conversion is the sink's hot path, so it avoids what it can prove unnecessary: a timestamp shared by a
producer batch is converted once, and the pseudonymiser runs only on events that may carry an applicant (a
set ``data.applicant``, or any unknown field, where one may hide at any depth:
``schemas.pseudonym.may_carry_applicant``). A message in canonical form (:mod:`schemas.fast_events`: byte for
byte the JSON the contract's models serialise its event to, which is what the platform's producers write)
whose applicant, if any, is a pseudonym already is decoded with msgspec and becomes its row without a
pydantic event (:func:`canonical_row`): its ``raw`` column is the message itself, since ``event_row`` would
serialise the event back to exactly those bytes. Every other message takes ``parse_event`` and ``event_row``
(tests/streams/test_sink_fast_rows.py proves the rows equal).

A record whose conversion raises (a foreign producer's event the validator let through but no row can
hold, e.g. an integer beyond 64 bits that JSON cannot serialise) becomes a rejection with the reason
``sink.unconvertible`` instead of crashing the sink on it at every restart: conversion is a pure function
of the record, so the same record would fail the same way for ever.

Every rejection the sink makes is dated deterministically, so that a redelivered record replaces its first
rejection row: ``rejected_events`` is a ReplacingMergeTree keyed by (source, offset, raw hash) and
partitioned by the month of ``rejected_at``, and rows of one key in two partitions are never merged. Its
``rejected_at`` is the Kafka record's timestamp (whole seconds) when a ``DateTime`` holds it, else
:data:`UNTIMED` (the epoch: "no usable record time", never the time of conversion, which a redelivery
next month would not repeat). A dead letter keeps its own ``rejected_at``.

A dead letter's ``reason``, ``source`` and ``reason_code`` are text its producer wrote — anyone who can write
to the topic, not only the platform's own workers — so they are masked like the raw line is scrubbed
(``letter_texts``): everything after an ``applicant`` token, quoted text and numbers of four or more
characters (:func:`streams.messages.describe_error`'s masking). The platform's own reasons lose the values
they quote; the scrubbed raw line still shows them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from kafka import TopicPartition

from schemas.fast_events import Parts, decode_parts, fingerprint_hex
from schemas.fast_structs import UNSET
from schemas.pseudonym import Pseudonymiser, may_carry_applicant
from schemas.validation import Rejection, parse_event
from streams.messages import (
    KEY_MISMATCH,
    DeadLetter,
    MessageError,
    ViolationMessage,
    describe_error,
    key_mismatch,
)
from streams.observability import WorkerMetrics
from streams.sink.isolate import POISON_CODES, UNCONVERTIBLE
from streams.sink.letter_texts import letter_source, scrub_text
from streams.sink.record_times import (
    DATETIME_END,
    DATETIME_END_MS,
    DATETIME_START,
    UNTIMED,
    record_times,
    rejection_time,
)
from streams.topics import PlatformTopics
from warehouse.event_rows import event_row
from warehouse.store import rejection_row, violation_row

__all__ = [
    "UNTIMED", "BatchConverter", "Origin", "SinkBatch", "SinkStats", "canonical_row", "count_stored",
    "rejection_time", "scrub_text",
]  # fmt: skip

log = logging.getLogger(__name__)

#: Where a row came from: ``kafka:<topic>/<partition>``, the offset, the record's value, and the
#: ``rejected_at`` of its rejection (:func:`rejection_time`): what to reject it with, should the warehouse
#: refuse the row.
Origin = tuple[str, int, bytes, datetime]


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
    #: Records the sink could not convert or store (poison records), rejected with a ``sink.*`` reason.
    poison: int = 0
    #: Dossiers whose refreshed projection the warehouse refused (their events are stored).
    unfolded: int = 0
    #: Events stored already with the same content written otherwise, dropped (``conflicts``).
    duplicates: int = 0
    #: Dossiers folded again because time alone changed their standing (:mod:`streams.sink.refresh`).
    refreshed: int = 0

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
            "poison_records": self.poison,
            "dossiers_not_folded": self.unfolded,
            "duplicates_dropped": self.duplicates,
            "dossiers_refreshed": self.refreshed,
        }


@dataclass
class SinkBatch:
    """Rows converted from consumed records, and the offsets to commit once they are stored.

    ``rejected_origins`` and ``violation_origins`` run parallel to their rows (an ``events`` row carries
    its own origin: its source, offset and raw JSON, and its ``ingested_at`` is the record's time unless
    (source, offset) is in ``untimed``, see :data:`UNTIMED`); ``poison`` counts the records rejected with
    a ``sink.*`` reason (unconvertible, or refused by the warehouse)."""

    events: list[tuple[Any, ...]] = field(default_factory=list)
    #: ``events`` as the column data of its insert, prepared by the warehouse ahead of the write
    #: (:meth:`streams.sink.writer.BatchWriter.prepare`); None when not prepared, or once stored. Set it
    #: with :meth:`set_event_columns` and read it with :meth:`prepared_event_columns`, which tells whether it
    #: still holds ``events`` as they are. Not part of the batch's value (repr, equality): a copy of
    #: ``events``, possibly large.
    event_columns: Sequence[Sequence[Any]] | None = field(default=None, repr=False, compare=False)
    rejected: list[tuple[Any, ...]] = field(default_factory=list)
    rejected_reasons: list[str] = field(default_factory=list)
    rejected_origins: list[Origin] = field(default_factory=list)
    violations: list[tuple[Any, ...]] = field(default_factory=list)
    violation_states: list[tuple[str, str]] = field(default_factory=list)  # (state, kind)
    violation_origins: list[Origin] = field(default_factory=list)
    untimed: set[tuple[str, int]] = field(default_factory=set)
    poison: int = 0
    #: Its events the warehouse (or the batch) held already with the same content written otherwise: not
    #: stored again (``conflicts.reject_conflicts``), counted as the detector counts a resend.
    duplicates: int = 0
    touched: set[str] = field(default_factory=set)
    offsets: dict[TopicPartition, int] = field(default_factory=dict)
    #: The first offset of each partition's records in the batch: from there on, nothing is stored yet.
    starts: dict[TopicPartition, int] = field(default_factory=dict)
    messages: int = 0
    opened_at: float = 0.0
    #: The events partitions (their ``source``) whose dossiers time changed are folded with this batch
    #: (:mod:`streams.sink.refresh`): none, or those the sink owned when it asked.
    refresh: frozenset[str] = frozenset()
    #: The refresh found as many dossiers as one write folds: the next is asked for at once (``writer``).
    refresh_more: bool = False
    #: What ``event_columns`` were built from: the ``events`` list then, and its length then.
    _event_rows: tuple[list[tuple[Any, ...]], int] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __bool__(self) -> bool:
        return self.messages > 0 or bool(self.refresh)

    def set_event_columns(self, columns: Sequence[Sequence[Any]] | None) -> None:
        """Keep ``columns`` as the prepared column data of ``events`` as they are now (None: drop it)."""
        self.event_columns = columns
        self._event_rows = None if columns is None else (self.events, len(self.events))

    def prepared_event_columns(self) -> Sequence[Sequence[Any]] | None:
        """``event_columns`` if they hold ``events`` as they are now, else None (insert ``events`` itself).

        Rows are only ever appended to ``events`` (conversion) or the list replaced (rows dropped), so the
        same list object with the same length holds the same rows. A batch whose conversion went on after
        it was prepared (a run that failed between the two, the worker run again) has more rows than its
        prepared columns: inserting those would store only the first ones, and the commit would then pass
        over the others."""
        built = self._event_rows
        if self.event_columns is None or built is None:
            return None
        rows, count = built
        return self.event_columns if rows is self.events and count == len(rows) else None


def count_stored(
    batch: SinkBatch, stats: SinkStats, metrics: WorkerMetrics, *, committed: bool = True
) -> None:
    """Count a batch that was stored: in the run's stats whether its offsets were committed or not (rows
    written, as :class:`SinkStats` counts them: a redelivered batch counts again), in the worker's metrics
    only once committed (``committed``): a batch whose commit failed is read and stored again, and counted
    then, so a rate of events or violations does not count one batch twice."""
    stats.batches += 1
    stats.messages += batch.messages
    stats.events += len(batch.events)
    stats.rejected += len(batch.rejected)
    stats.violations += len(batch.violations)
    stats.poison += batch.poison
    stats.duplicates += batch.duplicates
    if not committed:
        return
    metrics.sink_batches.inc()
    metrics.events_in.inc(len(batch.events))
    if batch.duplicates:  # dropped, not rejected: a data engineer saw them in a log line only
        metrics.events_duplicate.inc(batch.duplicates)
    for code in batch.rejected_reasons:
        metrics.rejected(code)
        if code in POISON_CODES:
            metrics.poison_records.labels(reason=code).inc()
    for state, kind in batch.violation_states:
        counter = metrics.violations_opened if state == "open" else metrics.violations_retracted
        counter.labels(kind=kind).inc()


_NO_STAMP = object()


#: How the ``data`` member starts in a canonical event: ``data`` is every event model's last member, and no
#: string holds ``,"`` unescaped, so the first occurrence is that member's (as in ``warehouse.store``).
_DATA_MEMBER = ',"data":'


def canonical_row(parts: Parts, source: str, offset: int, ingested_at: datetime) -> tuple[Any, ...]:
    """``warehouse.event_rows.event_row`` of the pydantic event of a canonical message, value for value, built
    from what :func:`schemas.fast_events.decode_parts` read: ``raw`` is the message's text (what
    ``event_row`` would serialise the event to), ``data`` the text of its last member, the fingerprint
    :func:`schemas.fast_events.fingerprint_hex`."""
    text, kind, env, at, data, members = parts
    cut = text.find(_DATA_MEMBER)
    micro = at.microsecond
    actor = env.actor
    return (
        env.event_id, env.dossier_id, kind.name, 1,
        # ``at.replace(microsecond=0)``, an equal datetime; replace() costs ~0.7 µs, more than the rest.
        at - timedelta(microseconds=micro) if micro else at,
        micro, env.unit_code, None if actor is UNSET else actor, data.get("procedure_code"),
        text[cut + len(_DATA_MEMBER) : -1], text, fingerprint_hex(kind, env, at, members), source, offset,
        ingested_at,
    )  # fmt: skip


class BatchConverter:
    """Adds polled records to a batch as rows: events, rejections (scrubbed of applicant data) and
    violation records, by the topic they came from."""

    def __init__(self, topics: PlatformTopics, pseudonymiser: Pseudonymiser) -> None:
        self.topics = topics
        self.pseudonymiser = pseudonymiser
        #: How a record of the events topic is named as a rejection's source (``kafka:TOPIC/`` and its
        #: partition), the detector's dead letters' too.
        self._events_source = f"kafka:{topics.events}/"

    def add(self, batch: SinkBatch, tp: TopicPartition, records: Sequence[Any]) -> None:
        """Convert one partition's polled records (in offset order) into ``batch``'s rows."""
        if not records:
            return
        if not batch:
            batch.opened_at = time.monotonic()
        batch.messages += len(records)
        batch.offsets[tp] = records[-1].offset + 1
        batch.starts.setdefault(tp, records[0].offset)
        topic = tp.topic
        where = f"kafka:{topic}/{tp.partition}"
        if topic == self.topics.events:
            self._add_events(batch, where, records)
            return
        for record in records:
            try:
                self._add_other(batch, topic, where, record)
            except Exception as exc:  # any failure of this record's conversion (see the module doc)
                self._unconvertible(batch, where, record, exc)

    def _add_events(self, batch: SinkBatch, where: str, records: Sequence[Any]) -> None:
        # The hot path: a canonical message straight to its row, any other one validated and serialised.
        apply, pseudonymise = self.pseudonymiser.apply, self.pseudonymiser.pseudonymise
        rows, touched = batch.events, batch.touched
        last_stamp: object = _NO_STAMP
        last_second = -1  # the whole second of ``last_stamp`` when a ``DateTime`` holds it, else -1
        at = rejected_at = datetime.min
        for record in records:
            value: bytes = record.value if record.value is not None else b""
            try:  # free in CPython 3.11+ when nothing raises
                stamp = record.timestamp
                if stamp != last_stamp or stamp is None:  # records of one producer batch share their stamp
                    # Both times depend only on the stamp's whole second when a ``DateTime`` holds it.
                    second = stamp // 1000 if type(stamp) is int and 0 <= stamp < DATETIME_END_MS else -1
                    if second < 0 or second != last_second:
                        at, rejected_at = record_times(stamp)
                    last_stamp, last_second = stamp, second
                fast = decode_parts(value)
                if fast is not None and record.key is not None and record.key != fast[2].dossier_id.encode():
                    fast = None  # keyed otherwise: rejected below, as the detector dead-letters it
                if fast is not None:
                    applicant = fast[4].get("applicant")
                    if applicant is None or pseudonymise(applicant) == applicant:  # else: pseudonymised below
                        row = canonical_row(fast, where, record.offset, at)
                        rows.append(row)
                        touched.add(row[1])  # dossier_id
                        if rejected_at is UNTIMED:
                            batch.untimed.add((where, record.offset))
                        continue
                parsed = parse_event(value, line_no=record.offset)
                if not isinstance(parsed, Rejection) and (why := key_mismatch(record.key, parsed.dossier_id)):
                    # Masked as the detector's dead letter of it is stored: the key may be anything.
                    parsed = Rejection(KEY_MISMATCH, scrub_text(why), record.offset, value)
                if isinstance(parsed, Rejection):
                    origin = (where, record.offset, value, rejected_at)
                    self._reject(batch, parsed, where, value, rejected_at, origin)
                    continue
                if may_carry_applicant(parsed):  # most events: no unknown field, no applicant
                    # Producers pseudonymise already; pseudonyms pass through unchanged, clear values do not.
                    parsed = apply(parsed)
                row = event_row(parsed, where, record.offset, at)
            except Exception as exc:  # any failure of this record's conversion (see the module doc)
                self._unconvertible(batch, where, record, exc)
                continue
            rows.append(row)
            touched.add(parsed.dossier_id)
            if rejected_at is UNTIMED:  # its ingested_at is the time of conversion: not a rejection's
                batch.untimed.add((where, record.offset))

    def _add_other(self, batch: SinkBatch, topic: str, where: str, record: Any) -> None:
        value: bytes = record.value if record.value is not None else b""
        at = rejection_time(record.timestamp)
        origin = (where, record.offset, value, at)
        if topic == self.topics.dead_letters:
            try:
                letter = DeadLetter.decode(value)
            except MessageError as exc:
                rejection = Rejection("dead_letter.invalid", str(exc), record.offset, value)
                self._reject(batch, rejection, where, value, at, origin)
                return
            rejected_at = (
                letter.rejected_at if letter.rejected_at.tzinfo else letter.rejected_at.replace(tzinfo=UTC)
            )
            if not DATETIME_START <= rejected_at < DATETIME_END:  # stored clamped: 9999 became 2106
                rejected_at = at  # the record's time, as for any other rejection
            # Its texts are the producer's, whoever that is: masked (module doc), as its raw is scrubbed.
            code, reason = scrub_text(letter.reason_code), scrub_text(letter.reason)
            rejection = Rejection(code, reason, letter.offset, letter.raw)
            # A record of the events topic the detector dead-lettered names it as the sink's own rejection
            # of that record does ("kafka:TOPIC/N"), so both are one rejected_events row (``conflicts``):
            # kept as it is, it holds nothing of the producer's. Masked, a topic named with a number of four
            # digits or more (dossier-events-2025) stored every such record twice (review).
            source = letter.source
            partition = source.removeprefix(self._events_source)
            own = partition != source and partition.isascii() and partition.isdigit() and len(partition) < 10
            self._reject(
                batch,
                rejection,
                source if own else letter_source(source, self.pseudonymiser),
                letter.raw,
                rejected_at,
                origin,
            )
        elif topic == self.topics.violations:
            try:
                msg = ViolationMessage.decode(value)
                row = violation_row(msg.violation, msg.state, msg.as_of, msg.producer, msg.version)
            except (MessageError, KeyError, TypeError, ValueError) as exc:
                # A message's errors name no value; the row's may quote the producer's (masked).
                reason = (
                    str(exc) if isinstance(exc, MessageError) else scrub_text(f"not a violation: {exc!r}")
                )
                rejection = Rejection("violation.invalid", reason, record.offset, value)
                self._reject(batch, rejection, where, value, at, origin)
                return
            batch.violations.append(row)
            batch.violation_states.append((msg.state, str(msg.violation.get("kind", "violation"))))
            batch.violation_origins.append(origin)

    def _reject(
        self, batch: SinkBatch, rejection: Rejection, source: str, raw: bytes, at: datetime, origin: Origin
    ) -> None:
        scrubbed = self.pseudonymiser.scrub_raw(raw)
        batch.rejected.append(rejection_row(rejection, source, scrubbed, at))
        batch.rejected_reasons.append(rejection.code)
        batch.rejected_origins.append(origin)

    def _unconvertible(self, batch: SinkBatch, where: str, record: Any, exc: Exception) -> None:
        """Reject a record whose conversion raised (``sink.unconvertible``), logged on one line; its
        ``rejected_at`` is :func:`rejection_time` (which never raises, even on the timestamp that failed)."""
        if isinstance(exc, MemoryError):  # the process's trouble, not the record's
            raise exc
        value: bytes = record.value if record.value is not None else b""
        reason = f"the sink cannot convert this record: {describe_error(exc)}"
        log.warning(
            "poison record rejected",
            extra={"reason_code": UNCONVERTIBLE, "source": where, "offset": record.offset, "reason": reason},
        )
        try:
            scrubbed = self.pseudonymiser.scrub_raw(value)
        except Exception:  # the scrubbing is what failed: keep nothing of the record rather than all of it
            scrubbed = b""
        rejection = Rejection(UNCONVERTIBLE, reason, record.offset, value)
        at = rejection_time(getattr(record, "timestamp", None))
        batch.rejected.append(rejection_row(rejection, where, scrubbed, at))
        batch.rejected_reasons.append(UNCONVERTIBLE)
        batch.rejected_origins.append((where, record.offset, value, at))
        batch.poison += 1
