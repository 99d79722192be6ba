"""Applicant values are pseudonymised with a keyed hash and never survive in clear."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta, timezone
from pathlib import Path

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from schemas.events import Processed, Received, Submitted, to_json_dict
from schemas.pseudonym import Pseudonymiser, same_but_pseudonyms
from schemas.validation import Rejection, parse_event
from tests.depth import examples

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


@settings(max_examples=examples(50), deadline=None)
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


# -- mutation audit of schemas/pseudonym.py (2026-12-04): what a surviving mutant showed untested -----------
# Only a value that is exactly a pseudonym passes unchanged; a pseudonym with a clear id glued on
# must not (else the id is stored in clear).
def test_a_pseudonym_followed_by_clear_text_is_pseudonymised(pseudo: Pseudonymiser) -> None:
    glued = pseudo.pseudonymise(CLEAR) + CLEAR
    assert pseudo.pseudonymise(glued) != glued
    event = parse_event(SUBMITTED.replace(CLEAR.encode(), glued.encode()))
    assert isinstance(event, Submitted)
    clean = pseudo.apply(event)
    assert isinstance(clean, Submitted) and clean.data.applicant is not None
    assert PSEUDONYM.fullmatch(clean.data.applicant) and CLEAR not in clean.data.applicant


# Any one envelope name makes a parsed object a record, ``unit_code`` too: kept byte for byte.
def test_an_object_with_only_unit_code_of_the_envelope_is_a_record(pseudo: Pseudonymiser) -> None:
    raw = b'{"unit_code": "000.10.01.H99", "x": NaN}'
    assert pseudo.scrub_raw(raw) == raw


# Blanks before the colon of a broken line's applicant: still pseudonymised (the dead letter links).
def test_a_broken_lines_applicant_with_a_blank_before_its_colon_is_pseudonymised(
    pseudo: Pseudonymiser,
) -> None:
    out = pseudo.scrub_raw(b'{"applicant" : "' + CLEAR.encode() + b'", "type": ')
    assert CLEAR.encode() not in out and pseudo.pseudonymise(CLEAR).encode() in out


# A negative number as a broken line's applicant is pseudonymised too (not only masked).
def test_a_broken_lines_negative_number_applicant_is_pseudonymised(pseudo: Pseudonymiser) -> None:
    out = pseudo.scrub_raw(b'{"applicant": -' + CLEAR.encode() + b', "type": ')
    assert CLEAR.encode() not in out and pseudo.pseudonymise("-" + CLEAR).encode() in out


# 16 bytes is enough (the documented minimum), 15 is not.
def test_a_key_of_exactly_the_minimum_length_is_accepted() -> None:
    assert Pseudonymiser(b"k" * 16).pseudonymise(CLEAR).startswith("hmac-sha256:")
    with pytest.raises(ValueError, match="at least 16"):
        Pseudonymiser(b"k" * 15)


# Values that differ only in lone surrogates (valid JSON escapes) keep distinct pseudonyms.
def test_lone_surrogates_do_not_collide(pseudo: Pseudonymiser) -> None:
    values = {pseudo.pseudonymise(v) for v in ["\ud800", "\udc00", "?", "\ufffd"]}
    assert len(values) == 4


# A non-string applicant is the pseudonym of its canonical JSON (sorted keys, compact): the same
# object in another member order is the same applicant.
def test_a_non_string_applicant_is_the_pseudonym_of_its_canonical_json(pseudo: Pseudonymiser) -> None:
    def applicant_of(text: bytes) -> object:
        event = parse_event(SUBMITTED[:-1] + b', "applicant": ' + text + b"}")
        assert isinstance(event, Submitted)
        return orjson.loads(pseudo.apply(event).model_dump_json())["applicant"]

    expected = pseudo.pseudonymise('{"a":2,"b":[true,null]}')
    assert applicant_of(b'{"b": [true, null], "a": 2}') == expected
    assert applicant_of(b'{"a": 2, "b": [true, null]}') == expected


# A broken line's applicant that only starts like a pseudonym is pseudonymised (keeps its link).
def test_a_broken_lines_applicant_glued_to_a_pseudonym_is_pseudonymised(pseudo: Pseudonymiser) -> None:
    glued = pseudo.pseudonymise(CLEAR) + CLEAR
    out = pseudo.scrub_raw(b'{"applicant": "' + glued.encode() + b'", "type": ')
    assert pseudo.pseudonymise(glued).encode() in out and CLEAR.encode() not in out


# A word that cannot spell a name (punctuation, symbols) keeps its place in a masked line.
def test_symbol_words_are_kept_in_a_masked_line(pseudo: Pseudonymiser) -> None:
    assert pseudo.scrub_raw(b"{ - + = }") == b"{ - + = }"


# A string that holds a pseudonym and more is masked whole, not kept (the rest may be clear).
def test_a_string_holding_a_pseudonym_and_clear_text_is_masked(pseudo: Pseudonymiser) -> None:
    glued = pseudo.pseudonymise(CLEAR) + " " + CLEAR
    out = pseudo.scrub_raw(b'{"note": "' + glued.encode() + b'", "type": ')
    assert CLEAR.encode() not in out


# A record after a byte-order mark (a file's first line) is still a record: kept byte for byte.
def test_a_record_after_a_byte_order_mark_is_kept_as_received(pseudo: Pseudonymiser) -> None:
    raw = b'\xef\xbb\xbf{"event_id": "e-1", "note": "Hello"}'
    assert pseudo.scrub_raw(raw) == raw


_CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
_EXAMPLES = [line for line in (_CONTRACT / "examples.jsonl").read_bytes().split(b"\n") if line.strip()]


@settings(max_examples=examples(40))
@example(_EXAMPLES[0], 7 * 60, bytes(16), bytes(16))  # one key, one offset: two identical versions
@given(
    st.sampled_from(_EXAMPLES),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
    st.binary(min_size=16, max_size=16),
    st.binary(min_size=16, max_size=16),
)
def test_two_keyless_versions_of_an_event_in_other_offsets_are_the_same_event(
    line: bytes, minutes: int, key: bytes, other_key: bytes
) -> None:
    """Less their pseudonyms, two versions are compared by content (review of 2026-12-06): one keyless load
    pseudonymising under its own key and another with every time in another UTC offset are the same event;
    under a configured key, other pseudonyms are another applicant; any other change is other content."""
    source = orjson.loads(line)
    source["data"]["applicant"] = CLEAR
    event = parse_event(orjson.dumps(source))
    assert not isinstance(event, Rejection)
    shifted = event.model_copy(update={"occurred_at": event.occurred_at.astimezone(_offset(minutes))})
    first = Pseudonymiser(key + b"-one-off", stable=False).apply(event)
    second = Pseudonymiser(other_key + b"-one-off", stable=False).apply(shifted)
    raw, other = _stored(first), _stored(second)
    assert same_but_pseudonyms(raw, other, stable=False)
    # Under a configured key, versions that differ are never one event. Identical ones (the same key, the
    # same offset: a full run's hypothesis drew it) are one before this is asked: their fingerprints match.
    if raw != other:
        assert not same_but_pseudonyms(raw, other, stable=True)
    moved = _stored(second.model_copy(update={"occurred_at": event.occurred_at + timedelta(seconds=1)}))
    assert not same_but_pseudonyms(raw, moved, stable=False)


def _offset(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def _stored(event: object) -> str:
    """An event's JSON as the warehouse stores it (``events.raw``)."""
    return orjson.dumps(to_json_dict(event)).decode()  # type: ignore[arg-type]


def _received_with(applicant: str, documents: list[str], extra: dict[str, object] | None = None) -> Received:
    data = {"procedure_code": "1", "channel": "direct", "due_at": None, "documents": documents,
            "applicant": applicant, **(extra or {})}  # fmt: skip
    envelope = {"schema_version": 1, "event_id": "e", "dossier_id": "d", "type": "received",
                "occurred_at": "2025-11-03T08:02:11+07:00", "unit_code": "u"}  # fmt: skip
    raw = orjson.dumps({**envelope, "data": data})
    event = parse_event(raw)
    assert isinstance(event, Received)
    return event


@settings(max_examples=examples(50), deadline=None)
@given(
    name=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Nd")), min_size=2, max_size=20),
    number=st.from_regex(r"\A0[0-9]{11}\Z"),
    codes=st.lists(st.from_regex(r"\A[A-Z]{2}[0-9]{2}\Z"), max_size=3),
    alone=st.booleans(),
    unknown=st.booleans(),
)
def test_a_document_repeating_the_applicant_goes_on_under_their_pseudonym(
    name: str, number: str, codes: list[str], alone: bool, unknown: bool
) -> None:
    """Review of 2026-12-06: a ``documents`` item holding the applicant ("Mạc Văn Tài 079201123456", or its
    id number alone) went on in clear, into EXCESS_DOCUMENTS' evidence. On both of apply's ways (an event
    with an unknown member takes the general one); the codes beside it are kept as they are."""
    pseudo = Pseudonymiser(KEY)
    applicant = f"{name} {number}"
    echo = number if alone else applicant
    event = _received_with(applicant, [*codes, f"GT-{echo}"], {"note": "x"} if unknown else None)
    out = pseudo.apply(event)
    assert isinstance(out, Received)
    dumped = out.model_dump_json()
    assert number not in dumped and (len(applicant.strip()) < 6 or applicant not in dumped)
    *kept, hidden = out.data.documents
    # The value as the applicant gives it, less its surrounding blanks (" : 0…" leaves "GT- hmac-…").
    assert kept == codes and hidden.startswith("GT-") and "hmac-sha256:" in hidden
    again = pseudo.apply(_received_with(applicant, codes))
    assert isinstance(again, Received) and again.data.documents == codes  # nothing to hide


@settings(max_examples=examples(50), deadline=None)
@given(number=st.from_regex(r"\A0[0-9]{11}\Z"), unknown=st.booleans())
def test_a_pseudonymised_document_stays_as_it_is(number: str, unknown: bool) -> None:
    """The diff review of 2026-12-06: the echo's digit search found runs of 8 digits inside the hex of a
    pseudonym already in a code (four pseudonyms in ten hold one) and replaced them, so applying twice, the
    sink's general path after ingest, or the batch audit of an exported file, corrupted the code."""
    pseudo = Pseudonymiser(KEY)
    once = pseudo.apply(_received_with(number, ["CT01", f"GT-{number}"], {"note": "x"} if unknown else None))
    assert isinstance(once, Received)
    again = pseudo.apply(_received_with(once.data.applicant or "", once.data.documents))
    assert isinstance(again, Received) and again.data.documents == once.data.documents
    twice = pseudo.apply(once)
    assert isinstance(twice, Received) and twice.data.documents == once.data.documents
    assert pseudo.echoes_hidden(once) is once


def test_a_rejected_line_repeating_the_applicant_in_a_document_keeps_neither_in_clear() -> None:
    """The diff review of 2026-12-06: ``scrub_raw`` pseudonymised the applicant of a rejected line and kept
    the document repeating it in clear, in ``rejected_events`` and the dead letters."""
    pseudo = Pseudonymiser(KEY)
    clear = "Nguyen Van A 079201001234"
    data = {"channel": "fax", "documents": ["CT01", clear], "applicant": clear}
    envelope = {"schema_version": 1, "event_id": "e", "dossier_id": "d", "type": "received",
                "occurred_at": "2025-11-03T08:02:11+07:00", "unit_code": "u"}  # fmt: skip
    raw = orjson.dumps({**envelope, "data": data})
    assert isinstance(parse_event(raw), Rejection)
    scrubbed = orjson.loads(pseudo.scrub_raw(raw))
    assert scrubbed["data"]["documents"] == ["CT01", pseudo.pseudonymise(clear)]
    assert "079201001234" not in orjson.dumps(scrubbed).decode()
