"""Issue 13, items 2, 3 and 5 at the parser: contract-valid lines that crashed runs or were stored changed
(extreme times, huge integers, deep nesting, NaN and infinities, repeated keys, over-long lines, a BOM)
are rejected with their own reason; the limits' edges are accepted; docs/input-limits.md states them."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier_audit.jobs.batch_engine import BatchEngine, BatchOptions
from schemas.events import to_json_dict
from schemas.limits import BOM, INT_MAX, INT_MIN, KEPT_OF_LONG_LINE, MAX_DEPTH, MAX_LINE_BYTES
from schemas.lines import parse_line, skip_bom
from schemas.validation import CODES, Rejection, parse_event
from tests.depth import examples

DOCS = Path(__file__).resolve().parents[2] / "docs" / "input-limits.md"
EVENT: dict[str, Any] = {
    "schema_version": 1,
    "event_id": "h-1",
    "dossier_id": "000.10.01.H99-251103-0001",
    "type": "received",
    "occurred_at": "2025-11-03T09:15:00+07:00",
    "unit_code": "000.10.01.H99",
    "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": None, "documents": ["CT01"]},
}
#: Where an extra field can be: ``(path in the event, path as messages write it)``.
PLACES = [((), ""), (("data",), "data.")]
LIMIT_CODES = {"line.too_long", "json.too_deep", "json.number_out_of_range", "json.not_finite",
               "json.duplicate_key"}  # fmt: skip


def with_extra(place: tuple[str, ...], text: str, name: str = "x") -> bytes:
    """EVENT with an extra member ``name`` whose JSON text is ``text`` (spliced in verbatim)."""
    event = orjson.loads(orjson.dumps(EVENT))
    target = event
    for key in place:
        target = target[key]
    target[name] = "__HOLE__"
    return orjson.dumps(event).replace(b'"__HOLE__"', text.encode())


def rejected(raw: bytes) -> Rejection:
    result = parse_event(raw, line_no=7)
    assert isinstance(result, Rejection), f"accepted: {raw[:200]!r}"
    assert result.code in CODES and result.line_no == 7
    return result


def accepted(raw: bytes) -> Any:
    result = parse_event(raw)
    assert not isinstance(result, Rejection), result
    return result


def test_the_limit_codes_are_stable_codes() -> None:
    assert LIMIT_CODES <= CODES


# -- item 2 and 3: extreme and out-of-range times ------------------------------------------------------------
@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2150-01-01T00:00:00Z",
        "1960-01-01T00:00:00Z",
    ],
)
@pytest.mark.parametrize(
    ("kind", "field"),
    [(None, "occurred_at"), ("received", "due_at"), ("transferred", "step_due_at"),
     ("apology_issued", "new_due_at"), ("due_date_changed", "old_due_at"),
     ("due_date_changed", "new_due_at")],
)  # fmt: skip
def test_extreme_times_anywhere_are_rejected_as_out_of_range(at: str, kind: str | None, field: str) -> None:
    data = {
        "received": EVENT["data"],
        "transferred": {"to_unit_code": "u"},
        "apology_issued": {"notice_id": None, "reason": "", "new_due_at": None},
        "due_date_changed": {
            "old_due_at": EVENT["occurred_at"],
            "new_due_at": EVENT["occurred_at"],
            "reason": "",
        },
    }
    event = {**EVENT, "type": kind or "received", "data": dict(data[kind or "received"])}
    if kind is None:
        event["occurred_at"] = at
        code = "occurred_at.out_of_range"
    else:
        event["data"][field] = at
        code = f"data.{field}.out_of_range"
    result = rejected(orjson.dumps(event))
    assert result.code == code
    assert "outside the supported years 2000–2050" in result.message


# -- item 2: integers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("place", "shown"), PLACES)
def test_integers_beyond_64_bits_are_rejected_anywhere_in_unknown_fields(
    place: tuple[str, ...], shown: str
) -> None:
    for text, where in [
        ("9" * 400, "x"),
        (f'{{"a": [1, {INT_MAX + 1}]}}', "x.a[1]"),
        (str(INT_MIN - 1), "x"),
    ]:
        result = rejected(with_extra(place, text))
        assert result.code == "json.number_out_of_range"
        assert result.message.startswith(f"{shown}{where}: ") and "signed 64-bit" in result.message
    assert "400 digits" in rejected(with_extra(place, "9" * 400)).message


def test_an_out_of_range_integer_is_described_never_shown() -> None:
    # An unknown field may hold personal data: a citizen id written as a number, say.
    result = rejected(with_extra(("data",), '{"applicant": 79201001234567890123}'))
    assert result.code == "json.number_out_of_range" and "79201001234567890123" not in result.message
    assert result.message.startswith("data.x.applicant: an integer of 20 digits")


def test_the_64_bit_edges_are_kept() -> None:
    event = accepted(with_extra((), f"[{INT_MIN}, {INT_MAX}, 0, -0]"))
    assert event.x == [INT_MIN, INT_MAX, 0, 0]


def test_an_integer_too_long_for_the_parser_is_out_of_range_too() -> None:
    assert rejected(with_extra(("data",), "7" * 5000)).code == "json.number_out_of_range"


def test_a_huge_integer_in_a_declared_field_is_that_fields_error_and_never_a_crash() -> None:
    assert rejected(orjson.dumps(EVENT)[:-1] + b', "actor": [' + b"1" * 300 + b"]}").code == "field.invalid"
    version = rejected(orjson.dumps(EVENT).replace(b'"schema_version":1', b'"schema_version":' + b"1" * 400))
    assert version.code == "schema_version.unsupported" and "bits" in version.message


# -- item 2: nesting -----------------------------------------------------------------------------------------
def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(("place", "level"), [((), 1), (("data",), 2)])
def test_nesting_up_to_the_limit_is_kept_and_one_more_level_is_rejected(
    place: tuple[str, ...], level: int
) -> None:
    # The event object is level 1, ``data`` level 2: an extra at ``level`` may nest MAX_DEPTH - level.
    accepted(with_extra(place, nested(MAX_DEPTH - level)))
    result = rejected(with_extra(place, nested(MAX_DEPTH - level + 1)))
    assert result.code == "json.too_deep" and f"more than {MAX_DEPTH} levels" in result.message


@pytest.mark.parametrize("levels", [200, 1000, 10_000])
def test_very_deep_nesting_is_rejected_not_a_recursion_error(levels: int) -> None:
    assert rejected(with_extra((), nested(levels))).code == "json.too_deep"
    assert rejected(with_extra((), '{"a":' * levels + "1" + "}" * levels)).code == "json.too_deep"


# -- item 5: NaN, infinities ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", '[1, {"y": NaN}]'])
@pytest.mark.parametrize(("place", "shown"), PLACES)
def test_non_finite_numbers_are_rejected_at_any_depth(text: str, place: tuple[str, ...], shown: str) -> None:
    result = rejected(with_extra(place, text))
    assert result.code == "json.not_finite" and result.message.startswith(shown + "x")


def test_finite_extremes_are_kept() -> None:
    event = accepted(with_extra((), "[1e308, -1e308, 1e-400, 5e-324, -0.0]"))
    assert event.x[:2] == [1e308, -1e308]
    assert orjson.loads(orjson.dumps(to_json_dict(event)))["x"][0] == 1e308


# -- item 5: repeated keys -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (
            orjson.dumps(EVENT).replace(b'"type":"received"', b'"type":"submitted","type":"received"'),
            "(event)",
        ),
        (
            orjson.dumps(EVENT).replace(b'"type":"received"', b'"type":"received","type":"received"'),
            "(event)",
        ),
        (orjson.dumps(EVENT).replace(b'"channel":"direct"', b'"channel":"fax","channel":"direct"'), "data"),
        (with_extra(("data",), '{"a": 1, "b": {"c": 2, "c": 3}}'), "data.x.b"),
        (with_extra((), '[{"a": 1}, {"a": 1, "a": 1}]'), "x[1]"),
        (
            orjson.dumps(EVENT).replace(b'"type":"received"', b'"type" : "submitted", "type"\t:"received"'),
            "(event)",
        ),
        (
            orjson.dumps(EVENT).replace(b'"type":"received"', b'"type":"submitted","\\u0074ype":"received"'),
            "(event)",
        ),
    ],
)
def test_a_key_repeated_anywhere_is_rejected(raw: bytes, where: str) -> None:
    result = rejected(raw)
    assert result.code == "json.duplicate_key"
    assert result.message.startswith(f"{where}: the key '")


def test_a_repeated_key_is_named_before_the_errors_it_makes_a_guess() -> None:
    # The last ``type`` wins in the parser: ``returned`` lacks its ``channel``; the reason is the repeat.
    raw = orjson.dumps(EVENT).replace(b'"type":"received"', b'"type":"received","type":"returned"')
    assert rejected(raw).code == "json.duplicate_key"


def test_quotes_and_colons_inside_strings_are_not_keys() -> None:
    # Each of these makes the cheap count of key ends exceed the members; the exact check clears them.
    for text in ['"a\\":b"', '"\\" :"', '["\\":", "\\"\\t:"]', '{"k\\":": "\\":"}']:
        accepted(with_extra(("data",), text))


def test_the_same_key_in_different_objects_is_not_a_repeat() -> None:
    accepted(with_extra((), '[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]', name="a"))


# -- line length (input lines only) --------------------------------------------------------------------------
def long_line(size: int) -> bytes:
    base = with_extra((), '"__FILL__"', name="note")
    return base.replace(b"__FILL__", b"n" * (size - len(base) + len(b"__FILL__")))


def test_a_line_at_the_cap_is_read_and_one_byte_more_is_rejected_unread() -> None:
    assert len(long_line(MAX_LINE_BYTES)) == MAX_LINE_BYTES
    assert not isinstance(parse_line(long_line(MAX_LINE_BYTES) + b"\r\n"), Rejection)
    result = parse_line(long_line(MAX_LINE_BYTES + 1) + b"\n", line_no=3)
    assert isinstance(result, Rejection) and result.code == "line.too_long" and result.line_no == 3
    assert f"{MAX_LINE_BYTES + 1:,} bytes" in result.message
    assert result.raw == long_line(MAX_LINE_BYTES + 1)[:KEPT_OF_LONG_LINE]


def test_events_the_platform_encodes_are_not_capped() -> None:
    # A Kafka message or a stored ``raw`` may be longer than the line it came from (pseudonyms, floats).
    assert not isinstance(parse_event(long_line(2 * MAX_LINE_BYTES)), Rejection)


# -- BOM -----------------------------------------------------------------------------------------------------
def test_a_bom_starts_a_file_and_nothing_else(tmp_path: Path) -> None:
    line = orjson.dumps(EVENT)
    second = orjson.dumps({**EVENT, "event_id": "h-2"})
    path = tmp_path / "bom.jsonl"
    path.write_bytes(BOM + line + b"\n" + BOM + second + b"\n")
    seen: list[Rejection] = []
    engine = BatchEngine(None, options=BatchOptions(workers=1), on_rejection=seen.append)
    list(engine.run(path))
    assert (engine.stats.valid, engine.stats.lines) == (1, 2)
    assert [(r.line_no, r.code) for r in seen] == [(2, "json.invalid")]
    assert "byte-order mark" in seen[0].message


# -- round trip and robustness -------------------------------------------------------------------------------
def test_a_valid_event_at_every_limit_parses_again_from_its_own_encoding() -> None:
    """What the sink and the warehouse fold do: parse the platform's encoding of an accepted event."""
    deep = nested(MAX_DEPTH - 2)
    text = f'{{"deep": {deep}, "ints": [{INT_MIN}, {INT_MAX}], "floats": [1e308, 5e-324], "s": "\\":"}}'
    event = accepted(with_extra((), text))
    assert parse_event(orjson.dumps(to_json_dict(event))) == event


@pytest.mark.parametrize("raw", ["\ud800", '{"a": "\udc00"}', b"\xff\xfe", b"", "\ufeff{}"])
def test_undecodable_input_is_a_rejection(raw: str | bytes) -> None:
    assert (
        rejected(raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")).code
        == "json.invalid"
    )
    result = parse_event(raw)
    assert isinstance(result, Rejection) and result.code in CODES


# -- the document --------------------------------------------------------------------------------------------
def test_the_document_states_every_limit_and_code() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for code in LIMIT_CODES:
        assert f"`{code}`" in text, code
    assert f"{MAX_LINE_BYTES:,} bytes" in text and f"{MAX_DEPTH} levels" in text
    assert f"first {KEPT_OF_LONG_LINE:,} bytes" in text
    assert re.search(r"signed 64 bits", text)


@settings(max_examples=examples(30), deadline=None)
@given(
    sizes=st.lists(
        st.sampled_from([0, 10, MAX_LINE_BYTES - 1, MAX_LINE_BYTES, MAX_LINE_BYTES + 1, MAX_LINE_BYTES + 2,
                         3 * MAX_LINE_BYTES, (1 << 20) + 7]),
        min_size=1, max_size=6,
    ),
    ending=st.sampled_from([b"\n", b"\r\n"]),
    last_ending=st.booleans(),
)  # fmt: skip
def test_bounded_lines_give_every_line_and_only_the_beginning_of_a_long_one(
    sizes: list[int], ending: bytes, last_ending: bool
) -> None:
    """Iterating a file held each line whole: a 200 MB line without a newline took 480 MB in every batch
    worker (review of 2026-12-04). ``bounded_lines`` gives the same lines, verdicts and line numbers, an
    over-long one as its beginning and its length."""
    import io

    from schemas.lines import LongLine, bounded_lines

    lines = [b"x" * n for n in sizes]
    data = ending.join(lines) + (ending if last_ending else b"")
    got = list(bounded_lines(io.BytesIO(data)))
    plain = list(io.BytesIO(data))
    assert len(got) == len(plain)
    for mine, whole in zip(got, plain, strict=True):
        if isinstance(mine, LongLine):
            assert mine.length == len(whole.rstrip(b"\r\n")) > MAX_LINE_BYTES
            assert bytes(mine) == whole[:KEPT_OF_LONG_LINE] and len(mine) == KEPT_OF_LONG_LINE
        else:
            assert mine == whole
        verdict, expected = parse_line(mine), parse_line(whole)
        assert type(verdict) is type(expected)
        if isinstance(expected, Rejection):
            assert isinstance(verdict, Rejection)
            assert (verdict.code, verdict.message, verdict.raw) == (
                expected.code,
                expected.message,
                expected.raw,
            )


def test_a_long_first_line_after_a_bom_and_a_long_valid_event_stay_too_long() -> None:
    """The review of bounded lines: stripping a BOM turned the first line's beginning into plain bytes
    (ingest then said json.invalid where the batch engine said line.too_long), and the batch engine routed
    a long line whose beginning is a whole event into its dossier (moving its watermark) before rejecting
    it."""
    import io

    from dossier_audit.jobs.batch_shard import _route
    from schemas.lines import bounded_lines, without_bom

    contract = Path(__file__).resolve().parents[3] / "shared" / "contract"
    event = (contract / "examples.jsonl").read_bytes().splitlines()[0]
    padded = event + b" " * (2 * MAX_LINE_BYTES) + b"\n"
    first = next(bounded_lines(io.BytesIO(BOM + padded)))
    rejected = parse_line(without_bom(first), line_no=1)
    assert isinstance(rejected, Rejection) and rejected.code == "line.too_long"
    assert f"{len(padded) - 1:,} bytes" in rejected.message
    assert _route(next(bounded_lines(io.BytesIO(padded)))) is None


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\n", "it is gzip-compressed data: decompress the file"),
        ('{"a": 1}'.encode("utf-16-le") + b"\n", "it holds NUL bytes (UTF-16 text?)"),
        (b'{"x": "caf\xe9"}\n', "it is not UTF-8 text (byte 0xE9 at byte 11)"),
        (b'{"schema_version": 1}\r{"schema_version": 1}\n', "a CR alone (old Mac line endings) joins"),
        (b'{"schema_version": 1, "event_id": \n', "it ends before its JSON value does (cut off"),
        # Half of a character beyond U+FFFF, alone or before another escape (fuzz review of 2026-12-05).
        (b'{"actor": "a\\ud800"}\n', "without its other half (a lone surrogate)"),
        (b'{"actor": "\\udc00b"}\n', "without its other half (a lone surrogate)"),
        (b'{"actor": "\\uD83D\\u0041"}\n', "without its other half (a lone surrogate)"),
        (b"\x8c\x03\x91\x07{ab\x15\x00\xfe\n", "it holds binary data (a compressed or non-text file?)"),
    ],
)
def test_a_whole_file_s_mistake_is_named_from_its_line(raw: bytes, said: str) -> None:
    """The parser named a position only ("expected value at line 1 column 1" for a gzip file, "EOF while
    parsing a value at line 2 column 0" for a one-line record cut off: review of 2026-12-04)."""
    rejection = parse_line(raw, line_no=1)
    assert isinstance(rejection, Rejection) and rejection.code == "json.invalid"
    assert rejection.message.startswith("the line is not valid JSON: ") and said in rejection.message
    assert "\n" not in rejection.message and "caf" not in rejection.message


def test_a_carriage_return_inside_a_string_is_not_taken_for_joined_records() -> None:
    rejection = parse_line(b'{"reason": "a\rb"}\n', line_no=1)
    assert isinstance(rejection, Rejection) and "joins records" not in rejection.message


# -- mutation audit of schemas/limits.py (2026-12-04): what a surviving mutant showed untested ---------------
# The tests take INT_MIN/INT_MAX from the module itself, so a wrong constant is self-consistent.
def test_the_integer_limits_are_the_documented_signed_64_bit_range() -> None:
    accepted(with_extra((), "[-9223372036854775808, 9223372036854775807]"))
    for text in ["9223372036854775808", "-9223372036854775809"]:
        assert rejected(with_extra((), text)).code == "json.number_out_of_range"


# The sign of an infinite number in the message.
def test_an_infinite_number_is_named_with_its_sign() -> None:
    assert "(-Infinity, or beyond ±1.8e308 such as -1e400)" in rejected(with_extra((), "-1e400")).message
    assert "(Infinity, or beyond ±1.8e308 such as 1e400)" in rejected(with_extra((), "Infinity")).message


# A key repeated with a CR between its closing quote and its colon (a CR can stand inside a line).
def test_a_key_repeated_with_a_carriage_return_before_its_colon_is_rejected() -> None:
    raw = orjson.dumps(EVENT)[:-1] + b',"x"\r:1,"x"\r:2}'
    result = rejected(raw)
    assert result.code == "json.duplicate_key" and result.message.startswith("(event): the key 'x'")


# A file without a byte-order mark keeps its first bytes.
def test_skip_bom_leaves_a_file_without_one_at_its_start() -> None:
    fh = io.BytesIO(b'{"a":1}\n')
    skip_bom(fh)
    assert fh.read() == b'{"a":1}\n'
    fh = io.BytesIO(b'\xef\xbb\xbf{"a":1}\n')
    skip_bom(fh)
    assert fh.read() == b'{"a":1}\n'


def test_digits_past_the_microsecond_are_dropped_and_the_document_says_so() -> None:
    """The CLI seat of 2026-12-07: ``returned`` at ``…:00.0000001`` and ``processed`` at ``…:00.0000009``
    became one instant, and no document said that the digits past the sixth are dropped. They are dropped,
    not rounded (``.9999999`` stays in its second), and two such events are ordered as ties are."""
    for given_at, kept in (
        ("2025-11-03T09:15:00.0000009+07:00", 0),
        ("2025-11-03T09:15:00.9999999+07:00", 999_999),
        ("2025-11-03T09:15:00.1234565+07:00", 123_456),
    ):
        event = accepted(orjson.dumps({**EVENT, "occurred_at": given_at}))
        assert event.occurred_at.microsecond == kept and event.occurred_at.second == 0
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    assert "digits past the sixth are dropped, not rounded" in text
