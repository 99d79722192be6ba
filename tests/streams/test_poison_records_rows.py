"""The rows the sink makes of records it rejects (issue 13, items 2, 6 and the review's items 12-13): a
record whose conversion raises is rejected and the others converted; every rejection is dated by the Kafka
record (or a fixed epoch), never by the clock, so a redelivery across a month boundary replaces its first
row instead of adding one; a dead letter's free texts (reason, source, code) are masked like its raw line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import TopicPartition

from streams.messages import DeadLetter
from streams.observability import WorkerMetrics
from streams.sink import batch as batch_module
from streams.sink import poison as poison_module
from streams.sink import record_times as record_times_module
from streams.sink.batch import UNTIMED, SinkBatch, SinkStats
from streams.sink.isolate import UNCONVERTIBLE, UNSTORABLE
from streams.sink.letter_texts import scrub_text
from streams.sink.writer import BatchWriter
from tests.streams.poison_support import (
    TOPICS,
    FaultyWarehouse,
    converted,
    examples,
    record,
    renamed,
)
from warehouse import open_warehouse
from warehouse.event_rows import EVENT_COLUMNS
from warehouse.migrate import migrate
from warehouse.store import REJECTION_COLUMNS

STAMP_MS = 1_762_000_000_123
STAMPED = datetime.fromtimestamp(1_762_000_000, UTC)
MARKER = "079201001234"  # a citizen id number


def test_a_record_whose_conversion_raises_is_rejected_and_the_others_are_converted(monkeypatch) -> None:
    original = batch_module.event_row  # type: ignore[attr-defined]

    def event_row(event: Any, *args: Any) -> tuple[Any, ...]:
        if event.event_id == "poison-1":
            raise OverflowError("date value out of range: 9999-12-31")
        return original(event, *args)

    monkeypatch.setattr(batch_module, "event_row", event_row)
    lines = examples()[:3]
    poison = renamed(lines[0], "poison-1")
    records = [record(lines[0], 0), record(poison, 1, STAMP_MS), record(lines[1], 2), record(lines[2], 3)]
    batch = converted(*records)
    assert [row[0] for row in batch.events] == ["ex-001", "ex-002", "ex-003"]
    assert batch.rejected_reasons == [UNCONVERTIBLE] and batch.poison == 1
    (row,) = batch.rejected
    assert row[:2] == (f"kafka:{TOPICS.events}/0", 1)
    assert row[5] == "the sink cannot convert this record: OverflowError: date value out of range: #"
    assert row[6] == STAMPED  # the record's time, not the clock's
    assert batch.offsets == {TopicPartition(TOPICS.events, 0): 4}  # committed past it with the rest


def test_a_kafka_timestamp_no_datetime_column_holds_is_replaced_by_the_time_of_conversion() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    batch = converted(
        record(examples()[0], 0, timestamp=2**62), record(examples()[1], 1, timestamp=5 * 10**12)
    )
    assert len(batch.events) == 2
    at = EVENT_COLUMNS.index("ingested_at")
    assert all(before <= row[at] <= datetime.now(UTC) for row in batch.events)


# --- rejections dated deterministically ---------------------------------------------------------------------
class Clock(datetime):
    """``datetime`` whose ``now`` the test sets (a redelivery a month later)."""

    current = datetime(2025, 11, 30, 23, 59, 59, tzinfo=UTC)

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return cls.current


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> type[Clock]:
    monkeypatch.setattr(Clock, "current", datetime(2025, 11, 30, 23, 59, 59, tzinfo=UTC))
    monkeypatch.setattr(batch_module, "datetime", Clock, raising=False)
    monkeypatch.setattr(record_times_module, "datetime", Clock)  # where the record times are read now
    monkeypatch.setattr(poison_module, "datetime", Clock, raising=False)
    return Clock


def every_kind_of_rejection(timestamp: int | None) -> list[SinkBatch]:
    """Batches holding one rejection of each kind the sink makes itself, all from records stamped
    ``timestamp``: a broken event, an unconvertible one, one the warehouse refuses (``poison-1``: see
    :func:`stored_twice`), a bad violation message and a bad dead letter."""
    lines = examples()
    events = converted(
        record(b"{broken", 0, timestamp),
        record(renamed(lines[0], "unconvertible"), 1, timestamp),
        record(renamed(lines[1], "poison-1"), 2, timestamp),
        record(lines[2], 3, timestamp),
    )
    violations = converted(record(b"not a violation", 0, timestamp), topic=TOPICS.violations)
    letters = converted(record(b"not a letter", 0, timestamp), topic=TOPICS.dead_letters)
    return [events, violations, letters]


def stored_twice(
    tmp_path: Path, clock: type[Clock], timestamp: int | None, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[Any, ...]]:
    """The kinds of rejection converted and stored, then again a month later (a redelivery); returns the
    ``rejected_events`` rows as a reader sees them."""
    original = batch_module.event_row  # type: ignore[attr-defined]

    def event_row(event: Any, *args: Any) -> tuple[Any, ...]:
        if event.event_id == "unconvertible":
            raise OverflowError("no row holds it")
        return original(event, *args)

    monkeypatch.setattr(batch_module, "event_row", event_row)
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        writer = BatchWriter(FaultyWarehouse(real, {"poison-1"}, outage=False), WorkerMetrics(), SinkStats())
        for now in (datetime(2025, 11, 30, 23, 59, 59, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC)):
            clock.current = now
            for batch in every_kind_of_rejection(timestamp):
                writer.write(batch)
        return real.query(f"SELECT {', '.join(REJECTION_COLUMNS)} FROM rejected_events FINAL ORDER BY 1, 2")


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [(STAMP_MS, STAMPED), (None, UNTIMED), (-1, UNTIMED), (2**62, UNTIMED)],
    ids=["stamped", "no timestamp", "minus one", "beyond 2106"],
)
def test_a_redelivered_rejection_replaces_its_first_row_across_a_month_boundary(
    tmp_path: Path, clock: type[Clock], monkeypatch, timestamp: int | None, expected: datetime
) -> None:
    rows = stored_twice(tmp_path, clock, timestamp, monkeypatch)
    codes = sorted(row[4] for row in rows)
    kinds = ["json.invalid", UNCONVERTIBLE, UNSTORABLE, "violation.invalid", "dead_letter.invalid"]
    assert codes == sorted(kinds)
    assert {row[6] for row in rows} == {expected}  # one row each: the redelivery replaced the first


def test_a_dead_letter_keeps_its_own_rejected_at() -> None:
    at = datetime(2025, 11, 11, 3, 4, 5, tzinfo=UTC)
    letter = DeadLetter("f.jsonl", 3, "json.invalid", "the line is not valid JSON", b"{", at)
    batch = converted(record(letter.encode(), 0, None), topic=TOPICS.dead_letters)
    assert batch.rejected[0][6] == at


def test_a_foreign_dead_letters_null_texts_and_unstorable_time_are_not_stored_as_they_came() -> None:
    """``"reason": null`` was stored as the word "None", and a ``rejected_at`` of year 9999 as 2106-02-07
    (a DateTime clamps): a foreign producer's letter keeps empty texts, and its record's time (review)."""
    letter = {"source": "f.jsonl", "offset": 7, "reason_code": None, "reason": None, "raw": "{",
              "rejected_at": "9999-12-31T00:00:00+00:00"}  # fmt: skip
    stamp = 1_760_000_000_000
    (row,) = converted(record(orjson.dumps(letter), 0, stamp), topic=TOPICS.dead_letters).rejected
    assert (row[4], row[5]) == ("", "")
    assert row[6] == datetime.fromtimestamp(stamp // 1000, UTC)


# --- dead letters' texts masked -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        f"applicant {MARKER} Nguyễn Văn A is not a string",
        f'data: {{"applicant": "Nguyễn Văn A", "id": "{MARKER}"}}',
        f"data.APPLICANT: Nguyễn Văn A ({MARKER})",
        "ａｐｐｌｉｃａｎｔ: Nguyễn Văn A",  # full-width letters
        f"the value '{MARKER}' of 'Nguyễn Văn A' is wrong",
        f"id {MARKER} and {MARKER[:6]}-{MARKER[6:]} and 0792 0100 1234",
    ],
)
def test_a_foreign_dead_letters_texts_lose_what_could_be_personal_data(text: str) -> None:
    masked = scrub_text(text)
    for piece in (MARKER, MARKER[:6], MARKER[6:], "0100", "Nguyễn"):
        assert piece not in masked, masked
    assert masked  # something is left to read


def test_a_dead_letters_reason_source_and_code_are_masked_when_stored() -> None:
    letter = {"source": f"/srv/inbox/{MARKER}.jsonl", "offset": 7, "reason_code": f"x.{MARKER}",
              "reason": f"applicant Nguyễn Văn A, id {MARKER}", "raw": f'{{"applicant":"{MARKER}"}}',
              "rejected_at": "2025-11-11T00:00:00+00:00"}  # fmt: skip
    batch = converted(record(orjson.dumps(letter), 0), topic=TOPICS.dead_letters)
    (row,) = batch.rejected
    assert MARKER not in repr(row) and "Nguyễn" not in repr(row)
    assert row[0].startswith("/srv/inbox/#") and row[1] == 7 and row[5].startswith("applicant")


def test_the_platforms_own_short_reasons_and_codes_read_the_same() -> None:
    for text in ("json.invalid", "occurred_at.naive", "kafka:dossier-events/3", "the line is not valid JSON"):
        assert scrub_text(text) == text


def test_two_daily_files_dead_letters_stay_two_rejected_lines() -> None:
    """Masked alone, "events-2025-11-03.jsonl" and "events-2025-11-04.jsonl" were one source, and source is
    part of rejected_events' key: the same bad line of both files became one row (review of 2026-12-04)."""
    rows = []
    for day in ("03", "04"):
        letter = {"source": f"/srv/in/events-2025-11-{day}.jsonl", "offset": 7, "reason_code": "json.invalid",
                  "reason": "not JSON", "raw": "{", "rejected_at": "2025-11-11T00:00:00+00:00"}  # fmt: skip
        (row,) = converted(record(orjson.dumps(letter), 0), topic=TOPICS.dead_letters).rejected
        rows.append(row)
    assert rows[0][0] != rows[1][0] and "2025-11-03" not in rows[0][0]
    assert rows[0][0].startswith("/srv/in/events-#") and " #" in rows[0][0]
    kafka = {"source": "kafka:dossier-events/3", "offset": 7, "reason_code": "json.invalid", "reason": "x",
             "raw": "{", "rejected_at": "2025-11-11T00:00:00+00:00"}  # fmt: skip
    (row,) = converted(record(orjson.dumps(kafka), 0), topic=TOPICS.dead_letters).rejected
    assert row[0] == "kafka:dossier-events/3"  # nothing masked: stored as it is


def test_the_sink_rejects_a_message_keyed_by_another_dossier_as_the_detector_does() -> None:
    """The detector dead-lettered a message keyed otherwise than by its dossier (its verdict would be wrong)
    while the sink stored it as a valid event: the warehouse held it as an event and as a rejection, and a
    fold from the warehouse judged with it what the detector judged without (review of 2026-12-04)."""
    from types import SimpleNamespace

    from schemas.fast_events import decode_parts
    from schemas.pseudonym import Pseudonymiser
    from schemas.validation import parse_event
    from streams.messages import encode_event
    from streams.sink.batch import BatchConverter

    examples = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
    line = examples.read_bytes().splitlines()[1]
    dossier = orjson.loads(line)["dossier_id"].encode()
    converter = BatchConverter(TOPICS, Pseudonymiser(b"k" * 32))
    batch = SinkBatch()
    keyed = [(dossier, line), (None, line), (b"another-dossier", line)]
    canonical = encode_event(parse_event(line))  # type: ignore[arg-type]  # as ingest writes it: the fast path
    keyed += [(b"another-dossier", canonical), (dossier, canonical)]
    stamp = 1_760_000_000_000
    records = [
        SimpleNamespace(topic=TOPICS.events, partition=0, offset=i, timestamp=stamp, value=v, key=k)
        for i, (k, v) in enumerate(keyed)
    ]
    converter.add(batch, TopicPartition(TOPICS.events, 0), records)
    assert len(batch.events) == 3  # its own key, or none
    assert batch.rejected_reasons == ["key.mismatch", "key.mismatch"]  # canonical or not
    reason = batch.rejected[0][5]
    assert reason.startswith("the message key (") and "another-dossier" not in reason
    # A key that is a citizen's id is masked, as the detector's dead letter of it is when stored.
    cited = SinkBatch()
    record_ = SimpleNamespace(
        topic=TOPICS.events, partition=0, offset=9, timestamp=stamp, value=line, key=b"079123456789"
    )
    converter.add(cited, TopicPartition(TOPICS.events, 0), [record_])
    (reason,) = [row[5] for row in cited.rejected]
    assert "079123456789" not in reason and reason.startswith("the message key")
    assert decode_parts(canonical) is not None and decode_parts(line) is None  # both paths were taken


@pytest.mark.parametrize("events_topic", ["dossier-events", "dossier-events-2025", "events.v1.0.0"])
def test_the_detectors_dead_letter_of_an_events_record_is_the_sinks_own_row(events_topic: str) -> None:
    """The sink rejects a bad events record itself, and stores the detector's dead letter of it: the two are
    one ``rejected_events`` row (their key holds the source). The letter's source was masked as a foreign
    producer's text, numbers of four digits or more blanked: with an events topic named so, or a partition
    past 999, every such record was stored twice (review). The platform's own source is kept as it is."""
    import dataclasses

    from schemas.pseudonym import Pseudonymiser
    from streams.sink.batch import BatchConverter
    from tests.streams.poison_support import KEY

    topics = dataclasses.replace(TOPICS, events=events_topic)
    converter = BatchConverter(topics, Pseudonymiser(KEY))
    rows = []
    for partition in (3, 1234):
        own, letters = SinkBatch(), SinkBatch()
        bad = record(b"{not json", 41, STAMP_MS)
        converter.add(own, TopicPartition(events_topic, partition), [bad])
        letter = DeadLetter(f"kafka:{events_topic}/{partition}", 41, "json.invalid", "not JSON", b"{not json",
                            STAMPED)  # fmt: skip
        converter.add(letters, TopicPartition(topics.dead_letters, 0), [record(letter.encode(), 0, STAMP_MS)])
        (mine,), (theirs,) = own.rejected, letters.rejected
        key = REJECTION_COLUMNS.index("raw_hash")
        assert (mine[0], mine[1]) == (theirs[0], theirs[1]) == (f"kafka:{events_topic}/{partition}", 41)
        assert mine[key] == theirs[key]
        rows.append(theirs)
    # A foreign source that only looks like it keeps its masking.
    foreign = DeadLetter(f"kafka:{events_topic}/12x{MARKER}", 1, "json.invalid", "x", b"{", STAMPED)
    masked = SinkBatch()
    converter.add(masked, TopicPartition(topics.dead_letters, 0), [record(foreign.encode(), 1, STAMP_MS)])
    assert MARKER not in masked.rejected[0][0]
