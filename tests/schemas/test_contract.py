"""The event contract: every valid example parses, every invalid line is rejected with a specific code."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import (
    END_TYPES,
    EVENT_ADAPTER,
    LIFECYCLE_RANK,
    EventType,
    Received,
    Submitted,
    event_sort_key,
    to_json_dict,
)
from schemas.validation import CODES, Rejection, parse_event
from tests.depth import examples

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = (CONTRACT / "examples.jsonl").read_bytes().splitlines()
INVALID = (CONTRACT / "invalid.jsonl").read_bytes().splitlines()

# Line number in invalid.jsonl -> (its ``_expect``, or None for the broken lines; the code we produce).
INVALID_TABLE: dict[int, tuple[str | None, str]] = {
    1: ("occurred_at has no UTC offset", "occurred_at.naive"),
    2: ("unknown type", "type.unknown"),
    3: ("schema_version not supported", "schema_version.unsupported"),
    4: ("received without procedure_code", "field.missing"),
    5: ("channel not allowed", "field.invalid"),
    6: ("data is not an object", "data.not_object"),
    7: ("dossier_id missing", "dossier_id.missing"),
    8: ("occurred_at is not a timestamp", "occurred_at.not_timestamp"),
    9: ("refused without stage", "field.missing"),
    10: ("documents is not a list", "field.invalid"),
    11: ("apology new_due_at is not a timestamp", "field.not_timestamp"),
    12: ("event_id empty", "event_id.empty"),
    13: (None, "json.invalid"),
    14: (None, "json.invalid"),
}

VALID: dict[str, Any] = {
    "schema_version": 1,
    "event_id": "t-1",
    "dossier_id": "000.10.01.H99-251103-0001",
    "type": "received",
    "occurred_at": "2025-11-03T09:15:00+07:00",
    "unit_code": "000.10.01.H99",
    "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": None, "documents": ["CT01"]},
}


def line(**changes: Any) -> bytes:
    """VALID with envelope changes; ``data__x`` changes data field x; the value ``...`` deletes."""
    event = {**VALID, "data": dict(VALID["data"])}
    for key, value in changes.items():
        target, name = (event["data"], key[6:]) if key.startswith("data__") else (event, key)
        if value is ...:
            del target[name]
        else:
            target[name] = value
    return orjson.dumps(event)


def rejected(raw: bytes | str) -> Rejection:
    result = parse_event(raw, line_no=7)
    assert isinstance(result, Rejection), f"accepted: {raw!r}"
    assert result.code in CODES
    return result


def test_invalid_table_covers_every_line() -> None:
    assert sorted(INVALID_TABLE) == list(range(1, len(INVALID) + 1))


@pytest.mark.parametrize("line_no", sorted(INVALID_TABLE))
def test_invalid_contract_lines_map_to_codes(line_no: int) -> None:
    raw = INVALID[line_no - 1]
    expect, code = INVALID_TABLE[line_no]
    if expect is not None:
        assert orjson.loads(raw)["_expect"] == expect
    result = parse_event(raw, line_no=line_no)
    assert isinstance(result, Rejection)
    assert (result.code, result.line_no, result.raw) == (code, line_no, raw)


@pytest.mark.parametrize("raw", EXAMPLES, ids=lambda raw: orjson.loads(raw)["event_id"])
def test_examples_validate_and_round_trip(raw: bytes) -> None:
    event = parse_event(raw)
    assert not isinstance(event, Rejection), event
    assert to_json_dict(event) == orjson.loads(raw)
    assert parse_event(orjson.dumps(to_json_dict(event))) == event


def test_examples_cover_every_type() -> None:
    types = {orjson.loads(raw)["type"] for raw in EXAMPLES}
    assert types == {t.value for t in EventType}


@pytest.mark.parametrize(
    ("changes", "code", "fragment"),
    [
        ({"schema_version": True}, "schema_version.unsupported", "schema_version: true"),
        ({"schema_version": 1.0}, "schema_version.unsupported", "schema_version: 1.0"),
        ({"schema_version": "1"}, "schema_version.unsupported", "schema_version: '1'"),
        ({"schema_version": 0}, "schema_version.unsupported", "only the integer 1"),
        ({"schema_version": None}, "schema_version.missing", "schema_version"),
        ({"schema_version": ...}, "schema_version.missing", "schema_version"),
        ({"type": ...}, "type.missing", "type"),
        ({"type": 3}, "type.unknown", "type: 3 is not one of submitted"),
        ({"event_id": ...}, "event_id.missing", "event_id: required field is missing"),
        ({"event_id": None}, "event_id.missing", "event_id: required field is null"),
        ({"event_id": 17}, "event_id.invalid", "event_id: 17 is not a string"),
        ({"event_id": "x" * 129}, "event_id.too_long", "129 characters is longer than the 128"),
        ({"dossier_id": ...}, "dossier_id.missing", "dossier_id"),
        ({"dossier_id": ""}, "dossier_id.empty", "dossier_id: '' is empty"),
        ({"dossier_id": "d" * 65}, "dossier_id.too_long", "65 characters is longer than the 64"),
        ({"occurred_at": ...}, "occurred_at.missing", "occurred_at"),
        ({"occurred_at": 1762135200}, "occurred_at.not_timestamp", "occurred_at: 1762135200 is not"),
        ({"occurred_at": 1762135200.5}, "occurred_at.not_timestamp", "1762135200.5"),
        ({"occurred_at": "2025-11-03"}, "occurred_at.not_timestamp", "'2025-11-03'"),
        ({"occurred_at": "2025-11-03T09:00+07:00"}, "occurred_at.not_timestamp", "with seconds"),
        ({"occurred_at": "2025-11-03T09:00:00+0700"}, "occurred_at.not_timestamp", "+0700"),
        ({"occurred_at": "2025-11-03 09:00:00+07:00"}, "occurred_at.not_timestamp", "09:00:00"),
        ({"occurred_at": "2025-13-03T09:00:00+07:00"}, "occurred_at.not_timestamp", "2025-13-03"),
        ({"occurred_at": "2025-11-03T09:00:00"}, "occurred_at.naive", "has no UTC offset"),
        ({"occurred_at": "2025-11-03T09:00:00.250"}, "occurred_at.naive", "has no UTC offset"),
        ({"unit_code": ...}, "field.missing", "unit_code: required field is missing"),
        ({"actor": 5}, "field.invalid", "actor: 5 is not a string"),
        ({"data": ...}, "data.missing", "data: required field is missing"),
        ({"data": None}, "data.missing", "data: required field is null"),
        ({"data": ["CT01"]}, "data.not_object", 'data: ["CT01"] is not an object'),
        ({"data__due_at": ...}, "field.missing", "data.due_at: required field is missing"),
        ({"data__due_at": "2025-11-10T17:00:00"}, "field.naive_timestamp", "data.due_at: '2025-11-10T17:00"),
        ({"data__due_at": "2025-11-10"}, "field.not_timestamp", "data.due_at: '2025-11-10' is not"),
        (
            {"data__channel": "fax"},
            "field.invalid",
            "data.channel: 'fax' is not one of direct, online, postal",
        ),
        ({"data__channel": None}, "field.missing", "data.channel: required field is null"),
        ({"data__documents": ["CT01", 2]}, "field.invalid", "data.documents[1]: 2 is not a string"),
        (
            {"data__procedure_code": 1.004222},
            "field.invalid",
            "data.procedure_code: 1.004222 is not a string",
        ),
    ],
)
def test_specific_rejections(changes: dict[str, Any], code: str, fragment: str) -> None:
    result = rejected(line(**changes))
    assert result.code == code, result.message
    assert fragment in result.message


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"[1, 2]", "json.not_object"),
        (b'"an event"', "json.not_object"),
        (b"null", "json.not_object"),
        (b"", "json.invalid"),
        (b"{}", "schema_version.missing"),
        (b'{"schema_version": 1, "type": "x"', "json.invalid"),
        (line()[:-1] + b', "actor": "\xff"}', "json.invalid"),
        # Valid JSON that orjson cannot load (beyond 64 bits): diagnosed with the stdlib parser.
        (line()[:-1] + b', "actor": 123456789012345678901234567890}', "field.invalid"),
    ],
)
def test_non_events(raw: bytes, code: str) -> None:
    assert rejected(raw).code == code


@pytest.mark.parametrize(
    "timestamp",
    [
        "2025-11-03T02:15:00Z",
        "2025-11-03t02:15:00z",
        "2025-11-03T09:15:00.123456+07:00",
        "2025-11-02T21:15:00-05:00",
    ],
)
def test_rfc3339_timestamps_accepted(timestamp: str) -> None:
    event = parse_event(line(occurred_at=timestamp))
    assert isinstance(event, Received)
    assert event.occurred_at.utcoffset() is not None


def test_nullable_required_field_present_as_null_is_valid() -> None:
    event = parse_event(line(data__due_at=None))
    assert isinstance(event, Received)
    assert event.data.due_at is None


def test_limits_are_inclusive() -> None:
    event = parse_event(line(event_id="e" * 128, dossier_id="d" * 64))
    assert isinstance(event, Received)


def test_unknown_fields_are_kept_in_envelope_and_data() -> None:
    raw = line(source_system="igate", data__note={"nested": [1, "x"]}, _expect="kept too")
    event = parse_event(raw)
    assert isinstance(event, Received)
    dumped = to_json_dict(event)
    assert dumped["source_system"] == "igate"
    assert dumped["_expect"] == "kept too"
    assert dumped["data"]["note"] == {"nested": [1, "x"]}
    assert dumped == orjson.loads(raw)


def test_str_input_and_rejection_fields() -> None:
    result = parse_event(line(data__channel="fax").decode(), line_no=42)
    assert isinstance(result, Rejection)
    assert result.line_no == 42
    assert result.raw == line(data__channel="fax")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.code = "x"  # type: ignore[misc]


def test_other_errors_are_summarised_by_path() -> None:
    result = rejected(line(occurred_at="soon", data__channel="fax", data__documents=...))
    assert result.code == "occurred_at.not_timestamp"
    assert "and 2 more errors: data.channel, data.documents" in result.message


def test_long_values_are_truncated() -> None:
    result = rejected(line(data__channel="f" * 500))
    assert "f" * 60 + "...'" in result.message
    assert "f" * 61 not in result.message


def test_applicant_is_never_echoed_in_a_message() -> None:
    raw = line(type="submitted", data={"procedure_code": "1", "channel": "online", "applicant": 79201001234})
    result = rejected(raw)
    assert result.code == "field.invalid"
    assert "data.applicant: <redacted>" in result.message
    assert "79201001234" not in result.message


def test_end_types_and_sort_key() -> None:
    events = [e for e in map(parse_event, EXAMPLES) if not isinstance(e, Rejection)]
    assert len(events) == len(EXAMPLES)
    keys = [event_sort_key(e) for e in sorted(events, key=event_sort_key)]
    # Amendment 9: same-instant events by lifecycle rank, then event id.
    assert keys == sorted((e.occurred_at, LIFECYCLE_RANK[e.type], e.event_id) for e in events)
    assert list(LIFECYCLE_RANK) == [
        "submitted", "received", "transferred", "supplement_requested", "supplement_completed",
        "financial_obligation_requested", "financial_obligation_fulfilled", "apology_issued",
        "due_date_changed", "processed", "returned", "suspended", "refused", "withdrawn",
    ]  # fmt: skip
    assert set(LIFECYCLE_RANK) == set(EventType)
    assert {"processed", "returned", "refused", "suspended", "withdrawn"} == set(END_TYPES)
    submitted = EVENT_ADAPTER.validate_json(
        line(type="submitted", data={"procedure_code": "1", "channel": "online"})
    )
    assert isinstance(submitted, Submitted)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=examples(150), deadline=None)
@given(field=st.sampled_from([*VALID, "data__channel", "data__due_at", "data__documents"]), value=JSON)
def test_any_field_value_is_accepted_or_rejected_with_a_known_code(field: str, value: Any) -> None:
    result = parse_event(line(**{field: value}))
    if isinstance(result, Rejection):
        assert result.code in CODES
        assert result.message


@settings(max_examples=examples(150), deadline=None)
@given(raw=st.binary(max_size=80) | JSON.map(orjson.dumps))
def test_arbitrary_input_never_raises(raw: bytes) -> None:
    result = parse_event(raw)
    assert isinstance(result, Rejection)
    assert result.code in CODES
