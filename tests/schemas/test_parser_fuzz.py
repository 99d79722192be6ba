"""Fuzzing the line parser and validator (issue 13): whatever the input, ``parse_event`` and ``parse_line``
return an event or a :class:`Rejection` whose code is a stable code, never raise; and an accepted event
can be encoded by every step after validation (the warehouse row, the Kafka message, the pseudonymised
copy) and parses again to itself, so nothing past validation can crash on it.

Inputs: arbitrary bytes; arbitrary JSON values (huge integers, NaN, infinities, deep nesting included)
as a whole line, as an unknown field at any depth, and in place of any field; byte-level and structural
mutations of the contract's valid examples.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.dedup import fingerprint
from schemas.events import to_json_dict
from schemas.limits import MAX_LINE_BYTES
from schemas.lines import parse_line
from schemas.pseudonym import Pseudonymiser
from schemas.validation import CODES, Rejection, parse_event
from streams.messages import encode_event
from tests.depth import examples
from warehouse.event_rows import event_row

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = (CONTRACT / "examples.jsonl").read_bytes().splitlines()
INVALID = (CONTRACT / "invalid.jsonl").read_bytes().splitlines()
PSEUDONYMISER = Pseudonymiser(b"fuzz-key-0123456789abcdef")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: Each fuzz test runs in a few seconds on a loaded machine.
FAST = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(raw: bytes | str) -> None:
    """The properties every input must have, on both entry points."""
    results = [parse_event(raw, line_no=5)]
    if isinstance(raw, bytes):
        results.append(parse_line(raw, line_no=5))
    for result in results:
        if isinstance(result, Rejection):
            assert result.code in CODES, result
            assert result.line_no == 5 and isinstance(result.message, str) and result.message
            continue
        downstream(result)


def downstream(event: Any) -> None:
    """Everything the platform does with an accepted event: none of it may raise."""
    encoded = orjson.dumps(to_json_dict(event))
    assert parse_event(encoded) == event  # what the sink and the warehouse fold parse
    fingerprint(event)
    encode_event(event)
    event_row(event, "fuzz", 1, NOW)
    hidden = PSEUDONYMISER.apply(event)
    event_row(hidden, "fuzz", 1, NOW)
    assert not isinstance(parse_event(encode_event(hidden)), Rejection)


# -- JSON values, including what JSON parsers disagree on ---------------------------------------------
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["2025-11-03T09:15:00+07:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                     "2150-01-01T00:00:00Z", "1960-01-01T00:00:00Z", "", "received", "applicant"]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def as_json(value: Any) -> str:
    """JSON text as a lax producer writes it: NaN and Infinity literals, integers of any size."""
    return json.dumps(value, allow_nan=True)


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


WEIRD_TEXT = st.one_of(
    st.builds(as_json, VALUES),
    st.integers(1, 300).map(deep),
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.sampled_from(["NaN", "-Infinity", "1e400", "-1e400", "1e-400", '{"a":1,"a":2}', '"\\ud800"']),
)


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(raw)


@FAST
@given(st.text(max_size=200))
def test_arbitrary_text(raw: str) -> None:
    check(raw)


@FAST
@given(WEIRD_TEXT)
def test_arbitrary_json_as_the_whole_line(text: str) -> None:
    check(text.encode("utf-8", "surrogatepass"))


@FAST
@given(st.sampled_from(EXAMPLES), st.data())
def test_arbitrary_json_as_an_unknown_field_at_any_depth(example: bytes, data: st.DataObject) -> None:
    event = orjson.loads(example)
    holder = event if data.draw(st.booleans(), label="top level") else event["data"]
    holder["_fuzz"] = "__HOLE__"
    text = data.draw(WEIRD_TEXT, label="value")
    check(orjson.dumps(event).replace(b'"__HOLE__"', text.encode("utf-8", "surrogatepass")))


@FAST
@given(st.sampled_from(EXAMPLES), st.data())
def test_arbitrary_json_in_place_of_any_field(example: bytes, data: st.DataObject) -> None:
    event = orjson.loads(example)
    paths = [(k,) for k in event] + [("data", k) for k in event["data"]]
    path = data.draw(st.sampled_from(paths), label="field")
    holder = event if len(path) == 1 else event["data"]
    holder[path[-1]] = "__HOLE__"
    text = data.draw(WEIRD_TEXT, label="value")
    check(orjson.dumps(event).replace(b'"__HOLE__"', text.encode("utf-8", "surrogatepass"), 1))


# -- mutations of the valid examples ------------------------------------------------------------------------
MUTATIONS = st.lists(
    st.tuples(st.sampled_from(["delete", "insert", "replace", "repeat", "truncate"]), st.integers(0, 10**6),
              st.binary(min_size=1, max_size=8)),
    min_size=1, max_size=4,
)  # fmt: skip


def mutate(line: bytes, steps: list[tuple[str, int, bytes]]) -> bytes:
    for op, at, chunk in steps:
        i = at % (len(line) + 1)
        if op == "delete":
            line = line[:i] + line[i + len(chunk) :]
        elif op == "insert":
            line = line[:i] + chunk + line[i:]
        elif op == "replace":
            line = line[:i] + chunk + line[i + len(chunk) :]
        elif op == "repeat":  # a slice written twice: repeated keys, repeated values
            j = min(len(line), i + 1 + at % 40)
            line = line[:j] + line[i:j] + line[j:]
        else:
            line = line[:i]
    return line


@FAST
@given(st.sampled_from(EXAMPLES + INVALID), MUTATIONS)
def test_byte_mutations_of_the_examples(example: bytes, steps: list[tuple[str, int, bytes]]) -> None:
    check(mutate(example, steps))


KEYS = st.sampled_from(["type", "event_id", "dossier_id", "occurred_at", "data", "schema_version",
                        "unit_code", "channel", "applicant", "documents", "due_at", "x"])  # fmt: skip


@FAST
@given(st.sampled_from(EXAMPLES), KEYS, WEIRD_TEXT, st.booleans())
def test_a_repeated_key_is_always_rejected(example: bytes, key: str, text: str, nested: bool) -> None:
    """Whatever the repeated key and its second value: rejected (a repeat is never "last one wins")."""
    line = orjson.dumps(orjson.loads(example))
    marker = b'"data":{' if nested else b"{"
    member = b'"%s":%s,"%s":%s,' % (key.encode(), b"1", key.encode(), text.encode("utf-8", "surrogatepass"))
    result = parse_event(line.replace(marker, marker + member, 1))
    assert isinstance(result, Rejection) and result.code in CODES


@settings(max_examples=examples(20), deadline=None)
@given(st.sampled_from(EXAMPLES), st.integers(0, 64))
def test_lines_about_the_length_cap(example: bytes, over: int) -> None:
    event = orjson.loads(example)
    event["_pad"] = ""
    base = orjson.dumps(event)
    line = base.replace(b'"_pad":""', b'"_pad":"' + b"p" * (MAX_LINE_BYTES - len(base) + over) + b'"')
    result = parse_line(line + b"\n")
    if len(line) > MAX_LINE_BYTES:
        assert isinstance(result, Rejection) and result.code == "line.too_long"
    else:
        assert not isinstance(result, Rejection)
        downstream(result)
