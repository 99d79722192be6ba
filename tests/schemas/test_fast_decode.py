"""The msgspec fast path (``schemas.fast_events``) decides nothing the pydantic contract decides otherwise.

Differential, on the contract's examples and invalid lines (as written and re-encoded canonically), a
simulated province, generated events of every type (arbitrary text, instants, offsets, optional members set,
null or absent) and mutations of all of those: whenever :func:`decode_canonical` accepts a message,
``parse_event`` accepts it too, as an equal event (same ``__dict__``, fields set, extras, value types and
timezone class), whose serialisation is the message byte for byte and whose fingerprint is the same. What it
declines goes to ``parse_event`` whole, so accept/reject and every reason are pydantic's by construction;
the converter-level test checks that too (tests/streams/test_sink_fast_rows.py). It never raises.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from schemas.dedup import fingerprint
from schemas.events import DATA_MODELS, AnyEvent, EventType
from schemas.fast_events import decode_canonical
from schemas.fast_instants import _instant, _utc_instant
from schemas.fast_structs import STRUCTS
from schemas.validation import Rejection, parse_event
from tests.depth import examples

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
SEEDS = [
    line
    for name in ("examples.jsonl", "invalid.jsonl")
    for line in (CONTRACT / name).read_bytes().splitlines()
    if line.strip()
]


def canonical(event: AnyEvent) -> bytes:
    return type(event).__pydantic_serializer__.to_json(event, exclude_unset=True)


def same_model(a: BaseModel, b: BaseModel) -> None:
    assert type(a) is type(b)
    assert list(a.__dict__) == list(b.__dict__)
    for name, value in a.__dict__.items():
        other = b.__dict__[name]
        if isinstance(value, BaseModel):
            same_model(value, other)
            continue
        assert value == other and type(value) is type(other), name
        if isinstance(value, datetime):
            assert type(value.tzinfo) is type(other.tzinfo) and value.utcoffset() == other.utcoffset()
    assert a.__pydantic_fields_set__ == b.__pydantic_fields_set__
    assert a.__pydantic_extra__ == b.__pydantic_extra__
    assert a.__pydantic_private__ == b.__pydantic_private__


def check(raw: bytes) -> bool:
    """The differential property on one input; True when the fast path accepted it."""
    fast = decode_canonical(raw)
    if fast is None:
        return False
    reference = parse_event(raw)
    assert not isinstance(reference, Rejection), (raw, reference)
    event = fast.event()
    same_model(event, reference)
    assert event == reference
    assert canonical(reference) == raw
    assert fast.text == raw.decode()
    assert fast.fingerprint() == fingerprint(reference)
    assert fast.dossier_id == reference.dossier_id and fast.occurred_at == reference.occurred_at
    assert fast.occurred_utc == reference.occurred_at and fast.occurred_utc.tzinfo is UTC
    return True


def test_the_structs_follow_the_models_declaration_order() -> None:
    assert set(STRUCTS) == set(DATA_MODELS)
    for kind, (struct, event_model, data_model) in STRUCTS.items():
        assert struct.__struct_fields__ == tuple(data_model.__pydantic_fields__), kind
        assert event_model.model_fields["data"].annotation is data_model


def test_the_contract_seeds_as_written_and_canonical() -> None:
    accepted = 0
    for line in SEEDS:
        check(line)  # as written (spaces, member order): declined, or equal
        parsed = parse_event(line)
        if not isinstance(parsed, Rejection):
            assert check(canonical(parsed)), line
            accepted += 1
    assert accepted >= 20


def test_a_simulated_province(tmp_path: Path) -> None:
    from dossier_audit.simulator import SimulationConfig, simulate

    start = datetime(2025, 1, 6).date()
    path = tmp_path / "events.jsonl"
    simulate(
        SimulationConfig(start=start, end=start + timedelta(weeks=3), dossiers=400, seed=5),
        path,
        tmp_path / "truth.jsonl",
    )
    n = 0
    for line in path.read_bytes().splitlines():
        parsed = parse_event(line)
        if not isinstance(parsed, Rejection):
            assert check(canonical(parsed))
            n += 1
    assert n > 1000


# --- generated events -----------------------------------------------------------------------------------

TEXT = st.text(max_size=12) | st.sampled_from(
    ["", "a", 'q"uo\\te', "tab\there", "Đặng Thị Ngọc", "𝔘", "\x7f"]
)
OFFSETS = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda m: timezone(timedelta(minutes=m))
)


@st.composite
def instants(draw: st.DrawFn) -> str:
    at = draw(st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2055, 12, 31)))
    if draw(st.booleans()):
        at = at.replace(microsecond=0)
    tz = draw(st.sampled_from([UTC, timezone(timedelta(hours=7))]) | OFFSETS)
    text = at.replace(tzinfo=tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A member's value, ``None``, or absent (the ``_ABSENT`` marker)."""
    return strategy | st.none() | st.just(_ABSENT)


_ABSENT = object()
NOTICE = st.none() | TEXT
DOCS = st.lists(TEXT, max_size=3)
CHANNEL = st.sampled_from(["direct", "online", "postal"])
PSEUDONYM = st.just("hmac-sha256:" + "ab" * 32)
DATA: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "submitted": {
        "procedure_code": TEXT,
        "channel": st.just("online"),
        "applicant": optional(TEXT | PSEUDONYM),
    },
    "received": {
        "procedure_code": TEXT,
        "channel": CHANNEL,
        "due_at": st.none() | instants(),
        "documents": DOCS,
        "applicant": optional(TEXT | PSEUDONYM),
    },
    "transferred": {"to_unit_code": TEXT, "step": optional(TEXT), "step_due_at": optional(instants())},
    "supplement_requested": {"notice_id": NOTICE, "reason": TEXT, "requested_documents": DOCS},
    "supplement_completed": {"documents": DOCS},
    "financial_obligation_requested": {"notice_id": NOTICE},
    "financial_obligation_fulfilled": {},
    "apology_issued": {"notice_id": NOTICE, "reason": TEXT, "new_due_at": st.none() | instants()},
    "due_date_changed": {"old_due_at": instants(), "new_due_at": instants(), "reason": TEXT},
    "refused": {"stage": st.sampled_from(["reception", "processing"]), "notice_id": NOTICE, "reason": TEXT},
    "suspended": {"notice_id": NOTICE, "reason": TEXT},
    "withdrawn": {"reason": optional(TEXT)},
    "processed": {"outcome": optional(st.sampled_from(["granted", "denied"]))},
    "returned": {"channel": CHANNEL},
}


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(DATA)))
    data = {name: draw(strategy) for name, strategy in DATA[kind].items()}
    doc: dict[str, Any] = {
        "schema_version": 1,
        "event_id": draw(st.text(min_size=1, max_size=130) | st.just("e-1")),
        "dossier_id": draw(st.text(min_size=1, max_size=66) | st.just("000.10.01.H99-251103-0001")),
        "type": kind,
        "occurred_at": draw(instants()),
        "unit_code": draw(TEXT),
        "actor": draw(optional(TEXT)),
        "data": {k: v for k, v in data.items() if v is not _ABSENT},
    }
    return {k: v for k, v in doc.items() if v is not _ABSENT}


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_events(doc: dict[str, Any]) -> None:
    raw = orjson.dumps(doc)
    check(raw)
    parsed = parse_event(raw)
    if not isinstance(parsed, Rejection):
        assert check(canonical(parsed)) == (b"\\u" not in canonical(parsed))


MUTATIONS = [
    (b'"schema_version":1', b'"schema_version":1.0'),
    (b'"schema_version":1', b'"schema_version":true'),
    (b'"schema_version":1', b'"schema_version":2'),
    (b"+07:00", b"+0700"),
    (b"+07:00", b"+00:00"),
    (b"Z", b"z"),
    (b"T", b"t"),
    (b"T", b" "),
    (b':00"', b':00.000000"'),
    (b':00"', b':00.5"'),
    (b',"data":', b', "data":'),
    (b'"data":{', b'"data":{"x":1,'),
    (b"}}", b',"extra":null}}'),
    (b'"actor":', b'"Actor":'),
    (b'"type":"', b'"type":"x'),
    (b"null", b'"null"'),
    (b'"online"', b'"ONLINE"'),
    (b"2025", b"1999"),
    (b"2025", b"2051"),
    (b"-01-", b"-13-"),
    (b"-03T", b"-30T"),
    (b"e-1", b"\\u0065-1"),
    (b'"event_id":"', b'"event_id":"","x":"'),
    (b'"', b""),
    (b"{", b"["),
]


@settings(max_examples=examples(250), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_mutated_events(doc: dict[str, Any], data: st.DataObject) -> None:
    parsed = parse_event(orjson.dumps(doc))
    raw = canonical(parsed) if not isinstance(parsed, Rejection) else orjson.dumps(doc)
    old, new = data.draw(st.sampled_from(MUTATIONS))
    check(raw.replace(old, new, 1))
    check(raw.replace(old, new))
    if raw:
        i = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        byte = bytes([data.draw(st.integers(min_value=0, max_value=255))])
        for mutated in (raw[:i] + raw[i + 1 :], raw[:i] + byte + raw[i:], raw[:i] + byte + raw[i + 1 :]):
            check(mutated)


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    check(raw)


def test_types_and_timezones_are_validations_own() -> None:
    raw = (
        b'{"schema_version":1,"event_id":"e","dossier_id":"d","occurred_at":"2030-06-01T00:00:00.250000-03:30",'
        b'"unit_code":"u","actor":null,"type":"transferred","data":{"to_unit_code":"x","step_due_at":null}}'
    )
    assert check(raw)
    event = decode_canonical(raw)
    assert event is not None and event.event().type is EventType.TRANSFERRED


BASE = (
    b'{"schema_version":1,"event_id":"e","dossier_id":"d","occurred_at":"@","unit_code":"u","type":"withdrawn",'
    b'"data":{}}'
)
TIMES = [
    "2030-06-01T00:00:00+07:00",
    "2030-06-01T00:00:00Z",
    "2030-06-01T00:00:00+00:00",
    "2030-06-01T00:00:00-00:00",
    "2030-06-01T00:00:00z",
    "2030-06-01t00:00:00Z",
    "2030-06-01 00:00:00Z",
    "2030-06-01T00:00:00.000000Z",
    "2030-06-01T00:00:00.500000Z",
    "2030-06-01T00:00:00.5Z",
    "2030-06-01T00:00:00.5000000Z",
    "2030-06-01T00:00:00,500000Z",
    "2030-06-01T00:00:00+0700",
    "2030-06-01T00:00:00+07",
    "2030-06-01T00:00+07:00",
    "2030-06-01T24:00:00Z",
    "2030-06-01T23:59:60Z",
    "2030-02-29T00:00:00Z",
    "2028-02-29T00:00:00Z",
    "1999-12-31T23:59:59Z",
    "2000-01-01T00:00:00+07:00",
    "2050-12-31T23:59:59Z",
    "2051-01-01T00:00:00+07:00",
    "2030-06-01T00:00:00+23:59",
    "2030-06-01T00:00:00+24:00",
    "2030-06-01T00:00:00-23:59",
    "20300601T000000Z",
    "2030-06-01T00:00:00",
    "2030-06-01",
    "2030-06-01T00:00:00+07:00:00",
    "２030-06-01T00:00:00Z",
    "2030-06-01T00:00:00.123456+05:30",
    "2030-06-01T00:00:00.000001-09:30",
]


def test_timestamp_spellings() -> None:
    accepted = {t for t in TIMES if check(BASE.replace(b"@", t.encode()))}
    # 1999-12-31T23:59:59Z is 2000-01-01 in Asia/Ho_Chi_Minh: within the supported years.
    assert accepted == {
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:00:00+07:00",
        "2030-06-01T00:00:00+07:00",
        "2030-06-01T00:00:00Z",
        "2030-06-01T00:00:00.500000Z",
        "2028-02-29T00:00:00Z",
        "2030-06-01T00:00:00+23:59",
        "2030-06-01T00:00:00-23:59",
        "2030-06-01T00:00:00.123456+05:30",
        "2030-06-01T00:00:00.000001-09:30",
    }


def test_every_code_point_is_read_and_written_alike_by_msgspec_and_pydantic_core() -> None:
    """What the byte-for-byte re-encoding check rests on: for any text, msgspec writes the JSON string
    pydantic-core writes, and reads it back as the same text (surrogates cannot be UTF-8: left out)."""
    import msgspec
    import pydantic_core

    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 4096):
        text = "".join(points[start : start + 4096])
        written = pydantic_core.to_json(text)
        assert msgspec.json.encode(text) == written
        assert msgspec.json.decode(written) == text


# ``:MM:SS`` spellings that are not a valid minute and second, for hours already read whole.
WRONG_STEPS = [":60:00", ":00:60", ":5x:00", ":0 :00", "-00:00", ":00-00", "::0:00", ":٠٠:00", ":0０:00",
               ":+1:00", ":1_:00"]  # fmt: skip


def same_utc_instant(text: str) -> None:
    local = _instant(text)
    for _ in range(2):  # the second read may come from the hour's cached start
        utc = _utc_instant(text)
        if local is None:
            assert utc is None, text
        else:
            assert (
                utc == local
                and utc.tzinfo is UTC
                and utc.replace(tzinfo=None) == (local.astimezone(UTC).replace(tzinfo=None))
            ), text


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(instants(), min_size=1, max_size=8), st.data())
def test_utc_instants_are_the_parsed_instants_in_utc_also_from_an_hours_cached_start(
    texts: list[str], data: st.DataObject
) -> None:
    for text in texts:
        same_utc_instant(text)
        if len(text) in {20, 25}:  # whole seconds: other times of its hour, valid or not
            minute, second = data.draw(st.integers(0, 59)), data.draw(st.integers(0, 59))
            same_utc_instant(f"{text[:13]}:{minute:02d}:{second:02d}{text[19:]}")
            same_utc_instant(text[:13] + data.draw(st.sampled_from(WRONG_STEPS)) + text[19:])


def test_utc_instants_at_the_ends_of_the_supported_years() -> None:
    ends = ["2000-01-01T00:59:59+07:00", "1999-12-31T17:00:00Z", "2050-12-31T16:59:59Z",
            "2050-12-31T23:59:59+07:00", "2050-12-31T17:00:00Z", "2051-01-01T00:00:00+07:00"]  # fmt: skip
    for text in [*TIMES, *ends]:
        same_utc_instant(text)
        if len(text) in {20, 25}:
            for step in [":00:00", ":59:59", *WRONG_STEPS]:
                same_utc_instant(text[:13] + step + text[19:])
