"""The envelope's ``source`` (EVENTS.md, issue 14): modelled exactly, strict, unknown members kept, and each
``source.unknown`` name a null field of the type's ``data`` — or a rejection with its own reason.

The project's own corpora (``tests/schemas/data/source_valid.jsonl``, ``source_invalid.jsonl``, the latter
with the reason in ``_expect`` like the contract's) hold the cases; the shared contract's files are covered
by ``test_contract.py`` and must stay as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.dedup import fast_fingerprint, fingerprint
from schemas.events import DATA_MODELS, Source, has_unknown_members, to_json_dict
from schemas.jsonschema import generate
from schemas.provenance import CODES as PROVENANCE_CODES
from schemas.provenance import FIELDS, NULLABLE, unknown_fields
from schemas.pseudonym import VOCABULARY, Pseudonymiser, may_carry_applicant
from schemas.validation import CODES, Rejection, parse_event
from tests.depth import examples
from tests.schemas.test_parser_fuzz import check

DATA = Path(__file__).with_name("data")
VALID = (DATA / "source_valid.jsonl").read_bytes().splitlines()
INVALID = (DATA / "source_invalid.jsonl").read_bytes().splitlines()

#: Line number in source_invalid.jsonl -> the code it is rejected with (its ``_expect`` says why).
INVALID_CODES = {
    1: "field.invalid",
    2: "field.missing",
    3: "field.missing",
    4: "field.invalid",
    5: "field.invalid",
    6: "field.invalid",
    7: "field.invalid",
    8: "field.invalid",
    9: "field.invalid",
    10: "field.invalid",
    11: "source.unknown.not_a_field",
    12: "source.unknown.not_a_field",
    13: "source.unknown.not_a_field",
    14: "source.unknown.not_null",
    15: "source.unknown.not_null",
    16: "source.unknown.absent",
    17: "source.unknown.absent",
    18: "source.unknown.not_null",
    19: "json.duplicate_key",
    20: "json.not_finite",
    21: "field.missing",
    22: "field.missing",
}
#: Where each rejection's message points (its path and the name at fault).
INVALID_WHERE = {
    1: "source: 'dvcqg' is not an object",
    2: "source.system: required field is missing",
    3: "source.system: required field is null",
    4: "source.system: 7 is not a string",
    5: "source.record: 12345",
    6: "source.inferred: 'true' is not a boolean",
    7: "source.inferred: 1 is not a boolean",
    8: "source.basis:",
    9: "source.unknown: 'notice_id' is not a list",
    10: "source.unknown[0]: 1 is not a string",
    11: "source.unknown[0]: 'due_at' is not a field of refused data (its fields: notice_id, reason, stage)",
    12: "source.unknown[0]: 'note' is not a field of refused data",
    13: "source.unknown[0]: 'Notice_id' is not a field",
    14: "source.unknown[0]: 'notice_id' is listed as unknown, but data.notice_id has a value",
    15: "'reason' is listed as unknown, but data.reason has a value (a field the source cannot provide",
    16: "source.unknown[0]: 'outcome' is not in data",
    17: "source.unknown[1]: 'applicant' is not in data",
    18: "source.unknown[1]: 'new_due_at' is listed as unknown",
    19: "source: the key 'system' appears more than once",
    20: "source.lag: NaN",
    21: "data.reason: required field is null",
    22: "data.reason: required field is null",
}

BASE: dict[str, Any] = {
    "schema_version": 1,
    "event_id": "s-1",
    "dossier_id": "D-1",
    "type": "supplement_requested",
    "occurred_at": "2025-11-04T09:00:00+07:00",
    "unit_code": "U1",
    "data": {"notice_id": None, "reason": "Thiếu tờ khai", "requested_documents": ["TO-KHAI"]},
}


def line(source: Any = ..., **changes: Any) -> bytes:
    event = {**BASE, "data": dict(BASE["data"]), **changes}
    if source is not ...:
        event["source"] = source
    return orjson.dumps(event)


def accepted(raw: bytes) -> Any:
    event = parse_event(raw)
    assert not isinstance(event, Rejection), event
    return event


# -- the corpora ------------------------------------------------------------------------------------------
def test_the_corpus_tables_cover_every_line() -> None:
    assert sorted(INVALID_CODES) == sorted(INVALID_WHERE) == list(range(1, len(INVALID) + 1))
    assert PROVENANCE_CODES <= CODES
    # Every reason of the provenance check has an invalid line.
    assert set(INVALID_CODES.values()) >= PROVENANCE_CODES


@pytest.mark.parametrize("raw", VALID, ids=lambda raw: orjson.loads(raw)["event_id"])
def test_valid_source_lines_are_accepted_and_round_trip(raw: bytes) -> None:
    event = accepted(raw)
    assert to_json_dict(event) == orjson.loads(raw)  # every member kept, source's unknown ones too
    assert parse_event(orjson.dumps(to_json_dict(event))) == event
    check(raw)  # the warehouse row, the Kafka message, the fingerprint and the pseudonymised copy


@pytest.mark.parametrize("line_no", sorted(INVALID_CODES))
def test_invalid_source_lines_are_rejected_with_their_reason(line_no: int) -> None:
    raw = INVALID[line_no - 1]
    result = parse_event(raw, line_no=line_no)
    assert isinstance(result, Rejection), orjson.loads(raw)["_expect"]
    assert (result.code, result.line_no, result.raw) == (INVALID_CODES[line_no], line_no, raw)
    assert INVALID_WHERE[line_no] in result.message


def test_the_valid_corpus_covers_every_member_and_the_kept_extras() -> None:
    sources = [orjson.loads(raw).get("source") for raw in VALID]
    members = {name for s in sources if isinstance(s, dict) for name in s}
    assert set(Source.model_fields) < members  # and unknown members besides
    assert None in sources  # ``source: null`` is no source
    named = {
        (orjson.loads(raw)["type"], n)
        for raw in VALID
        for n in (orjson.loads(raw).get("source") or {}).get("unknown") or []
    }
    # The fields DOMAIN.md §9 says the national format cannot carry.
    assert {("supplement_requested", "notice_id"), ("refused", "notice_id"), ("apology_issued", "notice_id"),
            ("apology_issued", "new_due_at")} <= named  # fmt: skip


# -- the model --------------------------------------------------------------------------------------------
def test_source_members_are_typed_and_optional_but_system() -> None:
    event = accepted(line({"system": "dvcqg"}))
    assert event.source == Source(system="dvcqg")
    assert (event.source.record, event.source.inferred, event.source.basis, event.source.unknown) == (
        None,
    ) * 4
    assert accepted(line(None)).source is None
    assert accepted(line()).source is None
    full = accepted(line({"system": "dvcqg", "record": "R", "inferred": False, "basis": "b", "unknown": []}))
    assert full.source is not None and full.source.inferred is False and full.source.unknown == []
    assert unknown_fields(full) == frozenset()


def test_unknown_fields_of_an_event() -> None:
    event = accepted(line({"system": "dvcqg", "unknown": ["notice_id", "notice_id"]}))
    assert unknown_fields(event) == {"notice_id"}
    assert unknown_fields(accepted(line())) == frozenset()


def test_each_type_accepts_exactly_its_nullable_fields_as_unknown() -> None:
    """The names ``unknown`` may hold in a valid event: the type's fields that may be null (all of them in
    ``data``, as null). Any other field of the type has a value by the contract: ``not_null``."""
    assert NULLABLE["supplement_requested"] == {"notice_id"}
    assert NULLABLE["apology_issued"] == {"notice_id", "new_due_at"}
    assert NULLABLE["refused"] == NULLABLE["suspended"] == {"notice_id"}
    assert NULLABLE["received"] == {"due_at", "applicant"}
    for kind, fields in FIELDS.items():
        assert fields == set(DATA_MODELS[kind].model_fields)
        assert NULLABLE[kind] <= fields


def test_unknown_members_of_source_are_kept_and_checked_against_the_limits() -> None:
    event = accepted(line({"system": "dvcqg", "batch": {"rows": [1, 2]}}))
    assert has_unknown_members(event)
    assert to_json_dict(event)["source"] == {"system": "dvcqg", "batch": {"rows": [1, 2]}}
    deep: Any = []
    for _ in range(40):
        deep = [deep]
    too_deep = parse_event(line({"system": "dvcqg", "x": deep}))
    assert isinstance(too_deep, Rejection) and too_deep.code == "json.too_deep"
    assert too_deep.message.startswith("source.x[0]")
    huge = parse_event(line({"system": "dvcqg", "n": 1})[:-3] + b"1" + b"0" * 30 + b"}}")
    assert isinstance(huge, Rejection) and huge.code == "json.number_out_of_range"
    assert not has_unknown_members(accepted(line({"system": "dvcqg", "unknown": ["notice_id"]})))


def test_a_repeated_key_inside_unknown_members_of_source_is_found() -> None:
    raw = line({"system": "dvcqg"})[:-1] + b',"source2":{"a":{"k":1,"k":2}}}'
    result = parse_event(raw)
    assert isinstance(result, Rejection) and result.code == "json.duplicate_key"
    nested = line({"system": "dvcqg", "meta": {"k": 1}}).replace(b'"k":1', b'"k":1,"k":2')
    result = parse_event(nested)
    assert isinstance(result, Rejection) and result.code == "json.duplicate_key"
    assert result.message.startswith("source.meta:")


def test_an_applicant_in_source_is_pseudonymised_and_never_echoed() -> None:
    pseudo = Pseudonymiser(b"source-test-key-0123456789")
    event = accepted(line({"system": "dvcqg", "Applicant": "079201001234", "unknown": ["notice_id"]}))
    assert may_carry_applicant(event)
    clean = pseudo.apply(event)
    assert clean.source is not None and clean.source.unknown == ["notice_id"]
    assert "079201001234" not in orjson.dumps(to_json_dict(clean)).decode()
    assert clean.source.__pydantic_extra__ == {"Applicant": pseudo.pseudonymise("079201001234")}
    assert event.source is not None and event.source.__pydantic_extra__ == {"Applicant": "079201001234"}
    bad = parse_event(line({"system": 7, "applicant": "079201001234"}))
    assert isinstance(bad, Rejection) and "079201001234" not in bad.message
    # Without unknown members, nothing to do: the event itself comes back.
    plain = accepted(line({"system": "dvcqg", "unknown": ["notice_id"]}))
    assert not may_carry_applicant(plain) and pseudo.apply(plain) is plain


def test_source_members_are_contract_vocabulary_for_masking() -> None:
    assert {"source", *Source.model_fields} <= VOCABULARY


@pytest.mark.parametrize(
    "source",
    [
        {"system": "dvcqg"},
        {"system": "dvcqg", "record": "R-1", "inferred": True, "basis": "b", "unknown": ["notice_id"]},
        {"system": "dvcqg", "record": None, "inferred": None},
        {"system": "dvcqg", "note": [1, "x", {"y": None}]},
    ],
)
def test_fast_fingerprint_is_the_fingerprint_with_a_source(source: dict[str, Any]) -> None:
    event = accepted(line(source))
    assert fast_fingerprint(event) == fingerprint(event)
    if "basis" not in source:  # null equals absent in a fingerprint
        assert fingerprint(accepted(line({**source, "basis": None}))) == fingerprint(event)


def test_the_declared_source_keeps_the_warehouse_fast_row_exact() -> None:
    """``warehouse.store`` writes an event without unknown members from one pydantic serialisation and cuts
    ``data`` out of it as the last member: a declared ``source`` (before ``data``) keeps both exact."""
    from warehouse.event_rows import _general_event_row, _known_fields_row

    now = datetime(2026, 1, 1, tzinfo=UTC)
    for raw in VALID:
        event = accepted(raw)
        if not has_unknown_members(event):
            assert _known_fields_row(event, "f", 1, now) == _general_event_row(event, "f", 1, now)


def test_unknown_members_of_source_never_reach_the_warehouse_fast_row() -> None:
    from warehouse.event_rows import _general_event_row, event_row

    now = datetime(2026, 1, 1, tzinfo=UTC)
    event = accepted(line({"system": "dvcqg", "data": {"k": 1}}))
    assert event_row(event, "f", 1, now) == _general_event_row(event, "f", 1, now)


# -- the JSON Schema --------------------------------------------------------------------------------------
def test_the_json_schema_describes_source() -> None:
    schema = generate()
    source = schema["$defs"]["Source"]
    assert source["required"] == ["system"]
    assert source["additionalProperties"] is True
    assert source["properties"]["unknown"]["anyOf"][0] == {"items": {"type": "string"}, "type": "array"}
    assert source["properties"]["inferred"]["anyOf"][0] == {"type": "boolean"}
    assert "present there as null" in source["properties"]["unknown"]["description"]
    for kind in ("Received", "Refused", "ApologyIssued"):
        assert schema["$defs"][kind]["properties"]["source"]["anyOf"][0] == {"$ref": "#/$defs/Source"}
        assert "source" not in schema["$defs"][kind]["required"]


def test_the_json_schema_accepts_the_valid_corpus_and_refuses_the_type_errors() -> None:
    validator = jsonschema.Draft202012Validator(generate())
    for raw in VALID:
        validator.validate(orjson.loads(raw))
    for line_no, raw in enumerate(INVALID[:10], 1):  # type errors; the cross-field checks are not in it
        assert not validator.is_valid(orjson.loads(raw)), line_no


# -- fuzzing ----------------------------------------------------------------------------------------------
_NAMES = sorted({name for fields in FIELDS.values() for name in fields} | {"x", "", "Notice_id"})
_MEMBER_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.text(max_size=5)
    | st.lists(st.sampled_from(_NAMES) | st.integers(0, 1), max_size=3)
)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(DATA_MODELS)),
    nulls=st.lists(st.sampled_from(_NAMES), max_size=3),
    unknown=st.none() | st.lists(st.sampled_from(_NAMES), max_size=3),
    members=st.dictionaries(
        st.sampled_from(["system", "record", "inferred", "basis", "unknown", "zz"]),
        _MEMBER_VALUES,
        max_size=4,
    ),
)
def test_any_source_is_accepted_only_when_every_unknown_name_is_a_null_field(kind, nulls, unknown, members):
    data = _data(kind)
    for name in nulls:
        data[name] = None
    source = {"system": "dvcqg", **members}
    if unknown is not None:
        source["unknown"] = unknown
    raw = line(source, type=kind, data=data)
    check(raw)  # never raises; accepted events survive every later step
    result = parse_event(raw)
    names = source.get("unknown")
    if isinstance(result, Rejection):
        assert result.code in CODES
        return
    assert isinstance(source.get("system"), str)
    for name in names or []:
        assert name in FIELDS[kind] and name in data and data[name] is None
    assert unknown_fields(result) == frozenset(names or ())


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(DATA_MODELS)), value=st.none() | st.booleans() | st.text(max_size=5))
def test_an_unknown_name_with_a_value_is_rejected_as_not_null(kind, value):
    data = _data(kind)
    for name in sorted(FIELDS[kind]):
        if name in data and data[name] is not None:
            result = parse_event(line({"system": "x", "unknown": [name]}, type=kind, data=data))
            assert isinstance(result, Rejection) and result.code == "source.unknown.not_null"
    for name in sorted(NULLABLE[kind]):
        nulled = {**data, name: None}
        event = parse_event(line({"system": "x", "unknown": [name]}, type=kind, data=nulled))
        assert not isinstance(event, Rejection), event
        assert unknown_fields(event) == {name}


def _data(kind: str) -> dict[str, Any]:
    """A valid ``data`` of ``kind`` with every field given (optional ones too)."""
    t = "2025-11-06T17:00:00+07:00"
    data: dict[str, dict[str, Any]] = {
        "submitted": {"procedure_code": "P", "channel": "online", "applicant": "A"},
        "received": {
            "procedure_code": "P",
            "channel": "direct",
            "due_at": t,
            "documents": [],
            "applicant": "A",
        },
        "transferred": {"to_unit_code": "U", "step": "s", "step_due_at": t},
        "supplement_requested": {"notice_id": "N", "reason": "", "requested_documents": []},
        "supplement_completed": {"documents": []},
        "financial_obligation_requested": {"notice_id": "N"},
        "financial_obligation_fulfilled": {},
        "apology_issued": {"notice_id": "N", "reason": "", "new_due_at": t},
        "due_date_changed": {"old_due_at": t, "new_due_at": t, "reason": ""},
        "refused": {"stage": "processing", "notice_id": "N", "reason": ""},
        "suspended": {"notice_id": "N", "reason": ""},
        "withdrawn": {"reason": "r"},
        "processed": {"outcome": "granted"},
        "returned": {"channel": "direct"},
    }
    return dict(data[kind])
