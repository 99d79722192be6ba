"""Issue 13, item 6: an applicant never survives in clear, wherever it is and however the line is broken.

The property test draws events carrying a marker applicant (a 12-digit citizen-id-like number and a
Vietnamese name) in every position (top level, ``data``, ``source``, nested in objects and lists at any
depth, duplicated), under every spelling of the name (any case, escaped, full-width), as strings, numbers,
objects and arrays, valid or not; writes them compact, ASCII-escaped or pretty-printed; breaks them (cut,
split over two physical lines); and checks every output a line can reach: the warehouse row and Kafka
message of a valid event, the stored and published form of a rejected line, and its rejection message.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from kafka import TopicPartition

from schemas.events import to_json_dict
from schemas.pseudonym import VOCABULARY, Pseudonymiser, may_carry_applicant
from schemas.validation import Rejection, parse_event
from streams.messages import DeadLetter, encode_event
from streams.sink.batch import BatchConverter, SinkBatch
from streams.topics import PlatformTopics
from tests.depth import examples
from tests.privacy_corpus import (
    CITIZEN_ID,
    KEYS,
    KINDS,
    NAME,
    VALUES,
    WHERE,
    Obj,
    corpus,
    dump,
    event,
    leaks,
    obj,
)
from warehouse.event_rows import event_row

KEY = b"privacy-test-key-0123456789"
PSEUDO = Pseudonymiser(KEY)
PSEUDONYM = re.compile(r"hmac-sha256:[0-9a-f]{64}")
AT = datetime(2025, 11, 3, tzinfo=UTC)


def outputs(raw: bytes) -> list[bytes | str]:
    """Everything a line can become on the platform's paths (load, ingest, sink, dead letters)."""
    parsed = parse_event(raw, line_no=1)
    found: list[bytes | str] = [PSEUDO.scrub_raw(raw)]  # also what a conflicting duplicate is stored as
    if isinstance(parsed, Rejection):
        letter = DeadLetter("f", 1, parsed.code, parsed.message, PSEUDO.scrub_raw(parsed.raw), AT)
        found += [parsed.message, letter.encode()]
    else:
        clean = PSEUDO.apply(parsed)
        found += [encode_event(clean), repr(event_row(clean, "f", 1, AT))]
    return found


def assert_no_leak(lines: list[str]) -> None:
    for line in lines:
        for out in outputs(line.encode("utf-8", "surrogatepass")):
            assert not leaks(out), (line, out)


# -- strategies --------------------------------------------------------------------------------------------

_NAMES = st.sampled_from(["meta", "x", "info", "reason", "Data", "extra"])
_FILLERS: st.SearchStrategy[Any] = st.sampled_from([1, "a", None, True, [], obj()])
marker_values = st.recursive(
    st.sampled_from(VALUES),
    lambda inner: (
        st.lists(inner, min_size=1, max_size=3)
        | st.lists(st.tuples(_NAMES, inner), min_size=1, max_size=3).map(lambda ms: obj(*ms))
    ),
    max_leaves=4,
)


@st.composite
def nested(draw: st.DrawFn, member: tuple[str, Any]) -> Any:
    """``member`` inside 0-4 levels of objects and lists, with siblings."""
    node: Any = obj(*draw(st.lists(st.tuples(_NAMES, _FILLERS), max_size=1)), member)
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            node = [*draw(st.lists(_FILLERS, max_size=2)), node]
        else:
            node = obj((draw(_NAMES), node))
    return node


@st.composite
def events(draw: st.DrawFn) -> Obj:
    """A whole event with the marker somewhere (one of the corpus positions, or a random nesting)."""
    key, value = draw(st.sampled_from(KEYS)), draw(marker_values)
    kind, valid = draw(st.sampled_from(KINDS)), draw(st.booleans())
    where = draw(st.sampled_from((*WHERE, "random-top", "random-data")))
    if not where.startswith("random"):
        return event(draw(st.integers(0, 99)), kind, where, key, value, valid=valid)
    base = event(1, kind, "data", "reason_extra", 0, valid=valid)  # a harmless extra to replace
    holder = (draw(_NAMES), draw(nested((key, value))))
    members = list(base.members)
    if where == "random-top":
        members.insert(draw(st.integers(0, len(members))), holder)
    else:
        data = members[-1][1]
        members[-1] = ("data", obj(*data.members[:-1], holder))
    return Obj(tuple(members))


@st.composite
def physical_lines(draw: st.DrawFn) -> list[str]:
    """The lines a producer would write for one drawn event: whole, cut, split in two, pretty-printed."""
    doc = draw(events())
    line = dump(doc, ascii_only=draw(st.booleans()), escape_key=draw(st.booleans()))
    how = draw(st.sampled_from(["whole", "cut", "split", "pretty", "stray"]))
    if how == "pretty":
        return dump(doc, indent=draw(st.sampled_from([1, 2, 4])), escape_key=draw(st.booleans())).splitlines()
    if how == "stray":
        return [line + draw(st.sampled_from(["}", ",", " x", "\\"]))]
    if how == "whole":
        return [line]
    at = draw(st.integers(1, len(line) - 1))
    return [line[:at]] if how == "cut" else [line[:at], line[at:]]


# -- the property ------------------------------------------------------------------------------------------


@settings(max_examples=examples(500), deadline=None)
@given(lines=physical_lines())
def test_marker_appears_in_no_output(lines: list[str]) -> None:
    assert_no_leak(lines)


@settings(max_examples=examples(75), deadline=None)
@given(value=marker_values, key=st.sampled_from(KEYS), escape=st.booleans())
def test_fragments_standing_alone_are_masked(value: Any, key: str, escape: bool) -> None:
    """A piece of a split record that is JSON on its own (a string, a number, an array, an object without
    any envelope name) is masked, not stored as parsed JSON."""
    assert_no_leak([dump(value), dump(obj(("x", value))), dump(obj((key, value)), escape_key=escape)])


@settings(max_examples=examples(150), deadline=None)
@given(text=st.text(max_size=80) | st.binary(max_size=80).map(lambda b: b.decode("utf-8", "replace")))
@example(text='"\x7f"')  # found by hypothesis: escaped as \u007f, letters and digits in the masked line
@example(text='"\\n \\u0001"')
@example(text='"ⓙⓞⓗⓝ ⓓⓞⓔ" 🄹🄾🄷🄽')  # "other symbols" that read as letters (review)
def test_masked_lines_keep_only_vocabulary_punctuation_and_pseudonyms(text: str) -> None:
    if text.lstrip("\ufeff").lstrip().startswith("{"):
        text = "x" + text  # never an event-shaped object: those are kept structurally
    out = PSEUDO.scrub_raw(text.encode("utf-8", "surrogatepass")).decode()
    for word in re.findall(r'[^\s{}\[\],:"]+', PSEUDONYM.sub("", out)):
        # Nothing that may spell a name: no letter, digit, letter-like symbol (ⓙ), control or escape.
        spells = any(not unicodedata.category(c).startswith(("P", "Z", "Sm", "Sc", "Sk")) for c in word)
        assert word in VOCABULARY or not spells, (text, out)


# -- the cases, one by one ---------------------------------------------------------------------------------


def _line(**extra: Any) -> bytes:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "event_id": "e1",
        "dossier_id": "d1",
        "type": "processed",
        "occurred_at": "2025-11-03T08:00:00+07:00",
        "unit_code": "u1",
        "data": {"outcome": "granted"},
    }
    for path, value in extra.items():
        *parents, last = path.split("__")
        node = doc
        for name in parents:
            node = node.setdefault(name, {})
        node[last] = value
    return orjson.dumps(doc)


@pytest.mark.parametrize(
    "raw",
    [
        _line(applicant=CITIZEN_ID),  # top level
        _line(data__Applicant=NAME),  # capitalised, in data
        _line(meta__deep__list=[{"x": [{"APPLICANT": int(CITIZEN_ID)}]}]),  # nested, a number
        _line(source={"system": "dvcqg", "applicant": {"name": NAME}}),  # in source, an object
        _line(data__applicant=[NAME, CITIZEN_ID]).replace(b'"applicant"', b'"\\u0061pplicant"'),  # escaped
    ],
)
def test_valid_events_are_pseudonymised_at_any_depth(raw: bytes) -> None:
    parsed = parse_event(raw)
    assert not isinstance(parsed, Rejection), parsed
    clean = PSEUDO.apply(parsed)
    dumped = orjson.dumps(to_json_dict(clean))
    assert not leaks(dumped) and PSEUDONYM.search(dumped.decode())
    assert leaks(repr(parsed.model_dump()))  # the parsed event itself is not modified in place
    assert PSEUDO.apply(clean) == clean  # pseudonyms pass through


def test_events_without_applicant_or_unknown_fields_are_returned_themselves() -> None:
    """The valid path's fast exit: no copy, no walk (most events)."""
    plain = parse_event(_line())
    assert not isinstance(plain, Rejection) and not may_carry_applicant(plain)
    assert PSEUDO.apply(plain) is plain
    extras = parse_event(_line(source={"system": "dvcqg"}, meta=[{"a": 1}]))
    assert not isinstance(extras, Rejection) and may_carry_applicant(extras)
    assert PSEUDO.apply(extras) is extras  # walked, nothing to replace: still no copy


def test_object_applicant_gets_the_same_pseudonym_on_the_valid_and_the_rejected_path() -> None:
    valid = _line(data__applicant={"name": NAME, "id": CITIZEN_ID})
    parsed = parse_event(valid)
    assert not isinstance(parsed, Rejection)
    expected = to_json_dict(PSEUDO.apply(parsed))["data"]["applicant"]
    rejected = valid.replace(b'"granted"', b'"maybe"')
    assert isinstance(parse_event(rejected), Rejection)
    assert orjson.loads(PSEUDO.scrub_raw(rejected))["data"]["applicant"] == expected


def test_an_earlier_duplicate_applicant_is_pseudonymised_in_place() -> None:
    raw = (b'{"schema_version": 1, "event_id": "e", "data": {"applicant": "' + CITIZEN_ID.encode()
           + b'", "Applicant": null, "applicant": null}, "meta": {"applicant": "x"}, "meta": 1}')  # fmt: skip
    scrubbed = PSEUDO.scrub_raw(raw)
    assert not leaks(scrubbed)
    assert scrubbed.count(b'"applicant"') == 3  # every member kept: the stored line still shows the repeat
    assert scrubbed.count(b"hmac-sha256:") == 2


def test_rejected_record_without_clear_applicant_is_kept_byte_for_byte() -> None:
    raw = b'{ "schema_version" : 1,  "type": "x", "type": "y", "data": {"applicant": null} }'
    assert PSEUDO.scrub_raw(raw) == raw


def test_masking_keeps_the_shape_and_the_contract_words() -> None:
    broken = '{"schema_version": 1, "type": "received", "data": {"channel": "fax", "note": "Nguyễn Văn A'
    assert PSEUDO.scrub_raw(broken.encode()) == (
        b'{"schema_version": *, "type": "received", "data": {"channel": "*", "*": "*'
    )
    split = f'    "{NAME}",'.encode()  # a pretty-printed record's line holding only the value
    assert PSEUDO.scrub_raw(split) == b'    "*",'
    cut = b'{"event_id": "e", "Applicant": "0792010'  # cut inside the value: what is there is hashed
    assert re.fullmatch(rb'\{"event_id": "\*", "\*": "hmac-sha256:[0-9a-f]{64}"', PSEUDO.scrub_raw(cut))
    token = b'x, "APPLICANT": 79201001234, y'  # the textual pass: a pseudonym for linkage
    assert re.fullmatch(rb'\*, "\*": "hmac-sha256:[0-9a-f]{64}", \*', PSEUDO.scrub_raw(token))


NUMBER = int(CITIZEN_ID)
RECEIVED: dict[str, Any] = {"procedure_code": "p", "channel": "direct", "due_at": None, "documents": []}


@pytest.mark.parametrize(
    "raw",
    [
        _line(schema_version={"applicant": CITIZEN_ID}),
        _line(type=[{"Applicant": NAME}]),
        _line(data=[{"applicant": NAME}]),
        _line(type="received", data=RECEIVED | {"documents": [{"APPLICANT": CITIZEN_ID}]}),
        _line(type="received", data=RECEIVED | {"procedure_code": {"x": [{"applicant": NAME}]}}),
        _line(type="submitted", data={"procedure_code": "p", "channel": "online", "applicant": NUMBER}),
    ],
)
def test_rejection_messages_never_show_an_applicant(raw: bytes) -> None:
    rejection = parse_event(raw)
    assert isinstance(rejection, Rejection)
    assert not leaks(rejection.message) and "<redacted>" in rejection.message


def test_the_sink_pseudonymises_applicants_outside_data() -> None:
    """The sink's pre-check let events without a declared applicant through unchanged: a top-level or
    nested one reached the warehouse in clear."""
    topics = PlatformTopics("events", "violations", "dead-letters", partitions=1)
    converter = BatchConverter(topics, PSEUDO)
    values = [_line(applicant=CITIZEN_ID), _line(meta={"x": [{"Applicant": NAME}]}), _line()]
    records = [
        SimpleNamespace(offset=i, value=v, timestamp=1_700_000_000_000, key=None)
        for i, v in enumerate(values)
    ]
    batch = SinkBatch()
    converter.add(batch, TopicPartition("events", 0), records)
    assert len(batch.events) == 3
    assert not leaks(repr(batch.events))
    assert repr(batch.events).count("hmac-sha256:") == 2


def test_every_spelling_and_value_shape_of_the_corpus() -> None:
    """The corpus's deterministic cross product, at unit level (the end-to-end test loads it too)."""
    cases = enumerate((w, k, v) for w in WHERE for k in KEYS for v in VALUES)
    docs = [
        (n, event(n, KINDS[n % 4], where, key, value, valid=bool(n % 2))) for n, (where, key, value) in cases
    ]
    lines = [dump(doc, escape_key=bool(n % 3)) for n, doc in docs]
    assert_no_leak(lines)


def test_scrubbing_again_changes_nothing() -> None:
    """``ingest`` scrubs a rejected line into its dead letter, and the sink scrubs the dead letter's line
    again before storing it: the stored line is the published one."""
    for line in corpus()[::3]:
        once = PSEUDO.scrub_raw(line.encode())
        assert PSEUDO.scrub_raw(once) == once, line


def _received(applicant: Any, **data: Any) -> bytes:
    doc: dict[str, Any] = {
        "schema_version": 1, "event_id": "e1", "dossier_id": "d1", "type": "received",
        "occurred_at": "2025-11-03T08:00:00+07:00", "unit_code": "u1",
        "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": None, "documents": ["CT01"],
                 "applicant": applicant, **data},
    }  # fmt: skip
    return orjson.dumps(doc)


_ECHOED = (CITIZEN_ID, NAME, f"{NAME} {CITIZEN_ID}", int(CITIZEN_ID))


@pytest.mark.parametrize("applicant", _ECHOED)
@pytest.mark.parametrize(
    "where",
    [
        lambda echo: {"documents": echo},  # the id where a list is due
        lambda echo: {"documents": ["CT01", {"x": echo}]},
        lambda echo: {"documents": ["CT01", [f"GT {echo}"]]},
        lambda echo: {"channel": echo},
        lambda echo: {"due_at": echo},
        lambda echo: {"channel": "fax", "ghi_chu": f"nộp hộ: {echo}"},
    ],
)
def test_a_rejected_line_repeating_its_applicant_elsewhere_shows_it_nowhere(
    applicant: Any, where: Any
) -> None:
    """The stream seat of 2026-12-07: a ``received`` line whose ``documents`` was the applicant's id rather
    than a list was rejected with the id quoted in its message, and its stored and published line kept it
    in ``documents``, in ``rejected_events`` and on the dead-letter topic; the applicant member alone was
    pseudonymised. Every string of a rejected line now loses the echoes of its applicant, and a message
    never shows a value repeating one."""
    raw = _received(applicant, **where(str(applicant)))
    parsed = parse_event(raw)
    assert isinstance(parsed, Rejection)
    found = outputs(raw)
    assert all(not leaks(out) for out in found), found
    assert "<redacted>" in parsed.message or "ghi_chu" in str(found[0])


@pytest.mark.parametrize("applicant", _ECHOED[:3])  # a string: the contract's applicant
def test_a_valid_event_repeating_its_applicant_in_an_unknown_member_keeps_it_nowhere(
    applicant: Any,
) -> None:
    """The same echo in a sender's own member of a valid event (a free-text note): pseudonymised as in its
    ``documents``, on every path that stores or publishes the event; idempotent."""
    raw = _received(applicant, ghi_chu=f"nộp hộ: {applicant}", extra=[{"note": str(applicant)}])
    parsed = parse_event(raw)
    assert not isinstance(parsed, Rejection), parsed
    assert all(not leaks(out) for out in outputs(raw))
    clean = PSEUDO.apply(parsed)
    assert PSEUDO.apply(clean) == clean


@pytest.mark.parametrize(
    ("applicant", "members"),
    [
        ("123456789", {"data": {"documents": 123456789}}),  # an old 9-digit id, sent as a number
        ("123456789", {"data": {"due_at": 123456789}}),
        (CITIZEN_ID, {"schema_version": CITIZEN_ID}),  # the envelope's own fields
        (CITIZEN_ID, {"type": CITIZEN_ID}),
        (CITIZEN_ID, {"data": {"documents": {CITIZEN_ID: "CCCD"}}}),  # a member name
        (CITIZEN_ID, {"data": {"documents": ["CT01", {CITIZEN_ID: 1}]}}),
        (CITIZEN_ID, {"data": {"meta": {f"so {CITIZEN_ID}": [1, 2]}, "channel": "fax"}}),
        # Inside an applicant object.
        ({"name": NAME, "cccd": CITIZEN_ID}, {"data": {"documents": CITIZEN_ID}}),
    ],
)
def test_an_echo_as_a_number_an_envelope_value_or_a_member_name_is_hidden_too(
    applicant: Any, members: dict[str, Any]
) -> None:
    """The diff review of 2026-12-07: the first fix searched strings only, and not the envelope's message."""
    doc = orjson.loads(_received(applicant))
    for name, value in members.items():
        if name == "data":
            doc["data"].update(value)
        else:
            doc[name] = value
    raw = orjson.dumps(doc)
    parsed = parse_event(raw)
    assert isinstance(parsed, Rejection)
    needle = "123456789" if applicant == "123456789" else CITIZEN_ID
    for out in outputs(raw):
        text = out.decode() if isinstance(out, bytes) else out
        assert needle not in PSEUDONYM.sub("", text), (parsed.message, out)


def test_a_valid_event_hides_the_echo_of_any_of_its_applicants() -> None:
    """The diff review of 2026-12-07: a sender's own member naming an applicant (a representative's), and a
    note repeating it, kept the number in clear: only the declared applicant's echoes were searched."""
    other = "083199000777"
    note = f"nộp hộ cho {other}"
    raw = _received(CITIZEN_ID, representative={"applicant": other}, ghi_chu=note, so=int(other))
    parsed = parse_event(raw)
    assert not isinstance(parsed, Rejection), parsed
    clean = orjson.dumps(to_json_dict(PSEUDO.apply(parsed))).decode()
    assert other not in PSEUDONYM.sub("", clean) and str(int(other)) not in PSEUDONYM.sub("", clean)


def test_a_line_naming_more_applicants_than_are_searched_is_hidden_whole() -> None:
    """The diff review of 2026-12-07: every string was searched for every applicant, and a rejected line of
    3,000 applicants and 8,000 strings (107 KB) cost about 50 s to diagnose and as much to scrub. Past
    ``MAX_APPLICANTS`` the line is masked whole, and its message shows no value."""
    from schemas.applicant_echoes import MAX_APPLICANTS

    doc = orjson.loads(_received(CITIZEN_ID, due_at=f"x {NAME}"))
    doc["x"] = [{"applicant": f"{10**7 + i}"} for i in range(MAX_APPLICANTS + 1)]
    doc["data"]["documents"] = [f"{10**7 + i}" for i in range(MAX_APPLICANTS + 1)]
    raw = orjson.dumps(doc)
    parsed = parse_event(raw)
    assert isinstance(parsed, Rejection) and "<redacted>" in parsed.message
    scrubbed = PSEUDO.scrub_raw(raw).decode()
    assert not re.search(r"\d{8}", PSEUDONYM.sub("", scrubbed)) and "Nhung" not in scrubbed
    assert all(not leaks(out) for out in outputs(raw))


_ENVELOPE = (
    '"schema_version":1,"event_id":"e1","dossier_id":"d1","type":"received",'
    '"occurred_at":"2025-10-06T08:00:00+07:00","unit_code":"U1"'
)
_PADDING = ",".join(['"dummy1"'] * 40)


@pytest.mark.parametrize(
    "text",
    [
        # 40 copies of one value filled the count of applicants, and the real one after them was never read.
        '{%s,"data":{"applicant":"%s","documents":"note %s"},"zz":{"applicant":[%s]}}'  # noqa: UP031
        % (_ENVELOPE, CITIZEN_ID, CITIZEN_ID, _PADDING),
        # A repeated key's message named the path of a member holding the id, and the key itself when an
        # earlier copy of the applicant held it (a parser keeping the last of repeated keys missed it).
        '{%s,"data":{"applicant":"%s"},"x%s":{"a":1,"a":2}}' % (_ENVELOPE, CITIZEN_ID, CITIZEN_ID),  # noqa: UP031
        '{%s,"data":{"applicant":"%s","applicant":"someone","%s":1,"%s":2}}'  # noqa: UP031
        % (_ENVELOPE, CITIZEN_ID, CITIZEN_ID, CITIZEN_ID),
        # The same in a hostile line (more applicants than are searched): its path's names are redacted.
        '{%s,"data":{"applicant":"%s"},"L":[%s],"x%s":{"a":1,"a":2}}'  # noqa: UP031
        % (_ENVELOPE, CITIZEN_ID, ",".join(f'{{"applicant":"n{i}"}}' for i in range(40)), CITIZEN_ID),
        # One applicant holding more ids than are searched: hostile too (the search was quadratic).
        '{%s,"data":{"applicant":"%s","documents":"%s"}}'  # noqa: UP031
        % (_ENVELOPE, " ".join(str(10**11 + i) for i in range(100)) + " " + CITIZEN_ID, CITIZEN_ID),
    ],
)
def test_padding_repeats_and_many_ids_hide_no_applicant(text: str) -> None:
    """The last read of 2026-12-07, on the second version of the privacy fix."""
    raw = text.encode()
    for out in outputs(raw):
        shown = out.decode() if isinstance(out, bytes) else out
        assert CITIZEN_ID not in PSEUDONYM.sub("", shown), out


def test_a_valid_event_padded_with_repeated_applicants_still_hides_the_real_one() -> None:
    raw = (
        '{%s,"data":{"procedure_code":"P1","channel":"online","due_at":null,"documents":["CT01"]},'  # noqa: UP031
        '"note":"call %s","a":{"applicant":"%s"},"zz":{"applicant":[%s]}}'
        % (_ENVELOPE, CITIZEN_ID, CITIZEN_ID, _PADDING)
    ).encode()
    parsed = parse_event(raw)
    assert not isinstance(parsed, Rejection), parsed
    assert CITIZEN_ID not in PSEUDONYM.sub("", orjson.dumps(to_json_dict(PSEUDO.apply(parsed))).decode())
