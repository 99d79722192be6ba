"""Applicant values are pseudonymised with a keyed hash and never survive in clear."""

from __future__ import annotations

import hashlib
import hmac
import re

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import Processed, Received, Submitted
from schemas.pseudonym import Pseudonymiser
from schemas.validation import Rejection, parse_event

KEY = b"0123456789abcdef-test-key"
CLEAR = "079201001234"
PSEUDONYM = re.compile(r"hmac-sha256:[0-9a-f]{64}")
SUBMITTED = (
    b'{"schema_version": 1, "event_id": "ex-001", "dossier_id": "000.10.01.H99-251103-0001", '
    b'"type": "submitted", "occurred_at": "2025-11-03T08:02:11+07:00", "unit_code": "000.10.01.H99", '
    b'"data": {"procedure_code": "1.004222", "channel": "online", "applicant": "079201001234"}}'
)


@pytest.fixture
def pseudo() -> Pseudonymiser:
    return Pseudonymiser(KEY)


def test_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        Pseudonymiser(b"short")
    with pytest.raises(TypeError, match="bytes"):
        Pseudonymiser("0123456789abcdef-str")  # type: ignore[arg-type]


def test_pseudonym_is_keyed_hmac_sha256(pseudo: Pseudonymiser) -> None:
    expected = "hmac-sha256:" + hmac.new(KEY, CLEAR.encode(), hashlib.sha256).hexdigest()
    assert pseudo.pseudonymise(CLEAR) == expected
    assert pseudo.pseudonymise(CLEAR) == expected  # the cached MAC state is not consumed
    assert Pseudonymiser(KEY + b"!").pseudonymise(CLEAR) != expected


def test_pseudonymise_is_idempotent(pseudo: Pseudonymiser) -> None:
    once = pseudo.pseudonymise(CLEAR)
    assert pseudo.pseudonymise(once) == once
    # Only the exact shape passes through unchanged.
    assert pseudo.pseudonymise("hmac-sha256:abc") != "hmac-sha256:abc"
    assert pseudo.pseudonymise(once.upper()) != once.upper()


def test_apply_replaces_applicant(pseudo: Pseudonymiser) -> None:
    event = parse_event(SUBMITTED)
    assert isinstance(event, Submitted)
    clean = pseudo.apply(event)
    assert isinstance(clean, Submitted)
    assert clean.data.applicant == pseudo.pseudonymise(CLEAR)
    assert CLEAR not in clean.model_dump_json()
    assert clean.model_copy(update={"data": event.data}) == event  # nothing else changed
    assert pseudo.apply(clean) is clean


def test_apply_without_applicant_is_a_no_op(pseudo: Pseudonymiser) -> None:
    raw = SUBMITTED.replace(b', "applicant": "079201001234"', b"")
    event = parse_event(raw)
    assert isinstance(event, Submitted)
    assert pseudo.apply(event) is event


def test_apply_covers_applicant_as_unknown_extra_field(pseudo: Pseudonymiser) -> None:
    raw = SUBMITTED.replace(b'"submitted"', b'"processed"').replace(
        b'"procedure_code": "1.004222", "channel": "online", ', b""
    )
    raw = raw.replace(b'"079201001234"', b'{"id": "079201001234", "name": "Nguy\\u1ec5n V\\u0103n A"}')
    event = parse_event(raw)
    assert isinstance(event, Processed)
    dumped = pseudo.apply(event).model_dump_json()
    assert CLEAR not in dumped
    assert "Nguy" not in dumped


@settings(max_examples=100, deadline=None)
@given(clear=st.text(min_size=4, max_size=40).filter(lambda s: not PSEUDONYM.fullmatch(s)))
def test_clear_value_never_survives(clear: str) -> None:
    pseudo = Pseudonymiser(KEY)
    body: dict[str, object] = {
        "procedure_code": "1",
        "channel": "direct",
        "due_at": None,
        "documents": [],
        "applicant": clear,
    }
    raw = orjson.dumps(
        {
            "schema_version": 1,
            "event_id": "e",
            "dossier_id": "d",
            "type": "received",
            "occurred_at": "2025-11-03T08:02:11+07:00",
            "unit_code": "u",
            "data": body,
        }
    )
    event = parse_event(raw)
    assert isinstance(event, Received)
    dumped = pseudo.apply(event).model_dump_json()
    assert orjson.loads(dumped)["data"]["applicant"] == pseudo.pseudonymise(clear)
    scrubbed = pseudo.scrub_raw(raw)
    assert orjson.loads(scrubbed)["data"]["applicant"] == pseudo.pseudonymise(clear)
    # A line cut inside the applicant value: whatever part of it is there is replaced.
    start = raw.index(b'"applicant":"') + len(b'"applicant":"')
    broken = pseudo.scrub_raw(raw[: start + len(orjson.dumps(clear)) // 2])
    assert re.search(rb'"applicant":"hmac-sha256:[0-9a-f]{64}"\Z', broken), broken


def test_scrub_raw_valid_json_rejected_line(pseudo: Pseudonymiser) -> None:
    raw = SUBMITTED.replace(b'"online"', b'"fax"')
    assert isinstance(parse_event(raw), Rejection)
    scrubbed = pseudo.scrub_raw(raw)
    assert CLEAR.encode() not in scrubbed
    assert orjson.loads(scrubbed)["data"]["applicant"] == pseudo.pseudonymise(CLEAR)
    assert orjson.loads(scrubbed)["data"]["channel"] == "fax"


def test_scrub_raw_escaped_unicode_matches_structured_pseudonym(pseudo: Pseudonymiser) -> None:
    raw = SUBMITTED.replace(b'"079201001234"', b'"Nguy\\u1ec5n"').replace(b'"online"', b'"fax"')
    scrubbed = pseudo.scrub_raw(raw)
    assert b"Nguy" not in scrubbed
    assert orjson.loads(scrubbed)["data"]["applicant"] == pseudo.pseudonymise("Nguyễn")


@pytest.mark.parametrize(
    "raw",
    [
        SUBMITTED[:-2],  # cut after the applicant value
        SUBMITTED[: SUBMITTED.index(CLEAR.encode()) + 6],  # cut inside the applicant value
        b'{"data": {"applicant": "079201001234", "applicant" : "079201001234"} oops',
        b'garbage "applicant":079201001234, more',
        b'{"x": 1, "extra": {"applicant": "079201001234"}}',  # valid JSON, applicant outside data
        SUBMITTED.replace(b'"079201001234"', b"79201001234"),  # number in data
    ],
)
def test_scrub_raw_broken_lines(pseudo: Pseudonymiser, raw: bytes) -> None:
    scrubbed = pseudo.scrub_raw(raw)
    assert CLEAR[:6].encode() not in scrubbed
    assert CLEAR[1:7].encode() not in scrubbed
    assert PSEUDONYM.search(scrubbed.decode())


def test_scrub_raw_keeps_parseable_lines_without_applicant_byte_for_byte(pseudo: Pseudonymiser) -> None:
    raw = b'{ "schema_version" : 1,   "data": {"channel": "fax"} }'
    assert pseudo.scrub_raw(raw) == raw
    # A line that is not JSON cannot say where an applicant is: it is masked but for the contract's words.
    assert pseudo.scrub_raw(b"not json at all") == b"* * * *"


def test_scrub_raw_is_idempotent(pseudo: Pseudonymiser) -> None:
    once = pseudo.scrub_raw(SUBMITTED)
    assert pseudo.scrub_raw(once) == once
