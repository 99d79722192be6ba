"""The stream workers' fast paths change no outcome.

- The sink's converter gives the same batch (event rows value for value and type for type, rejections with
  their reasons, touched dossiers, untimed records) with the msgspec fast path (``schemas.fast_events``,
  ``streams.sink.batch.canonical_row``) as without it, on the contract's seeds, a simulated province with
  applicants pseudonymised or in clear, generated events and mutations of them.
- Its timestamps, converted once per whole second, are each record's own (``_record_time``).
- The detector skips the scrub of a valid event's raw bytes only when ``scrub_raw`` returns them unchanged
  (``streams.detector.inlet.may_hold_clear_applicant``).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka import TopicPartition

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from schemas.pseudonym import Pseudonymiser, may_carry_applicant
from schemas.validation import Rejection, parse_event
from streams.detector.inlet import may_hold_clear_applicant
from streams.messages import encode_event
from streams.sink.batch import BatchConverter, SinkBatch
from streams.sink.record_times import record_time as _record_time
from streams.sink.record_times import rejection_time
from tests.depth import examples
from tests.schemas.test_fast_decode import MUTATIONS, SEEDS, canonical, documents
from warehouse.event_rows import EVENT_COLUMNS

KEY = b"k" * 32
PSEUDO = Pseudonymiser(KEY)
TOPICS = Platform(load_settings()).topics


def records(values: list[bytes], stamps: list[int | None] | None = None) -> list[SimpleNamespace]:
    stamps = stamps or [1_762_000_000_000 + 7 * i for i in range(len(values))]
    return [
        SimpleNamespace(topic=TOPICS.events, partition=3, offset=i, timestamp=stamp, value=value, key=None)
        for i, (value, stamp) in enumerate(zip(values, stamps, strict=True))
    ]


def convert(values: list[bytes], fast: bool) -> SinkBatch:
    batch = SinkBatch()
    converter = BatchConverter(TOPICS, PSEUDO)
    if fast:
        converter.add(batch, TopicPartition(TOPICS.events, 3), records(values))
        return batch
    with patch("streams.sink.batch.decode_parts", lambda raw: None):  # every message the slow way
        converter.add(batch, TopicPartition(TOPICS.events, 3), records(values))
    return batch


def assert_same_batches(values: list[bytes]) -> None:
    fast, slow = convert(values, True), convert(values, False)
    assert fast.events == slow.events
    for a, b in zip(fast.events, slow.events, strict=True):
        assert [type(v) for v in a] == [type(v) for v in b]
    assert fast.rejected == slow.rejected and fast.rejected_reasons == slow.rejected_reasons
    assert fast.rejected_origins == slow.rejected_origins
    assert fast.touched == slow.touched and fast.untimed == slow.untimed and fast.poison == slow.poison
    assert fast.offsets == slow.offsets and fast.messages == slow.messages


def test_the_contract_seeds_as_written_and_canonical() -> None:
    values = list(SEEDS)
    for line in SEEDS:
        parsed = parse_event(line)
        if not isinstance(parsed, Rejection):
            values += [canonical(parsed), encode_event(PSEUDO.apply(parsed))]
    assert_same_batches(values)


def test_a_simulated_province_with_applicants_pseudonymised_or_in_clear(tmp_path: Path) -> None:
    from dossier_audit.simulator import SimulationConfig, simulate

    start = date(2025, 1, 6)
    path = tmp_path / "events.jsonl"
    config = SimulationConfig(start=start, end=start + timedelta(weeks=3), dossiers=300, seed=9)
    simulate(config, path, tmp_path / "truth.jsonl")
    values: list[bytes] = []
    clear = 0
    for line in path.read_bytes().splitlines():
        parsed = parse_event(line)
        if isinstance(parsed, Rejection):
            values.append(line)
            continue
        clear += may_carry_applicant(parsed)
        values += [canonical(parsed), encode_event(PSEUDO.apply(parsed))]  # in clear, then pseudonymised
    assert clear > 10
    assert_same_batches(values)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), min_size=1, max_size=6), st.data())
def test_generated_and_mutated_events(docs: list[dict[str, Any]], data: st.DataObject) -> None:
    values = []
    for doc in docs:
        parsed = parse_event(orjson.dumps(doc))
        raw = canonical(parsed) if not isinstance(parsed, Rejection) else orjson.dumps(doc)
        old, new = data.draw(st.sampled_from(MUTATIONS))
        values += [raw, raw.replace(old, new, 1), raw + raw, raw]  # the last: a redelivery
    assert_same_batches(values)


def test_times_are_each_records_own_when_converted_once_per_second() -> None:
    line = next(line for line in SEEDS if not isinstance(parse_event(line), Rejection))
    stamps: list[int | None] = [
        1_762_000_000_000,
        1_762_000_000_999,
        1_762_000_001_000,
        1_762_000_001_000,
        None,
        -1,
        2**32 * 1000,
        2**32 * 1000 - 1,
        1_762_000_001_500,
        0,
        999,
        1_000,
    ]
    values = [line] * len(stamps) + [b"{broken"] * len(stamps)
    batch = SinkBatch()
    BatchConverter(TOPICS, PSEUDO).add(
        batch, TopicPartition(TOPICS.events, 3), records(values, stamps + stamps)
    )
    ingested = [row[EVENT_COLUMNS.index("ingested_at")] for row in batch.events]
    for stamp, at in zip(stamps, ingested, strict=True):
        if stamp is not None and 0 <= stamp < 2**32 * 1000:
            assert at == _record_time(stamp)
    assert [row[-1] for row in batch.rejected] == [rejection_time(s) for s in stamps]
    valid = [s is not None and 0 <= s < 2**32 * 1000 for s in stamps]
    assert batch.untimed == {("kafka:dossier-events/3", i) for i, ok in enumerate(valid) if not ok}


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_detector_skips_only_a_scrub_that_changes_nothing(doc: dict[str, Any]) -> None:
    raw = orjson.dumps(doc)
    parsed = parse_event(raw)
    if isinstance(parsed, Rejection):
        return
    for value in (raw, canonical(parsed), encode_event(PSEUDO.apply(parsed))):
        event = parse_event(value)
        assert not isinstance(event, Rejection)
        if not may_hold_clear_applicant(event):
            assert PSEUDO.scrub_raw(value) == value


def test_the_detector_scrubs_an_applicant_in_clear_or_any_unknown_member() -> None:
    docs = [orjson.loads(line) for line in SEEDS[:3]]
    clear = parse_event(orjson.dumps(docs[0]))  # ex-001: an applicant in clear
    assert not isinstance(clear, Rejection) and may_hold_clear_applicant(clear)
    assert not may_hold_clear_applicant(PSEUDO.apply(clear))
    extra = parse_event(orjson.dumps({**docs[1], "note": {"Applicant": "hmac-sha256:" + "0" * 64}}))
    assert not isinstance(extra, Rejection) and may_hold_clear_applicant(extra)
