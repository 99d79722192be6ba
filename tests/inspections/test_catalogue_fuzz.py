"""The catalogue loader gives a catalogue or a ``CatalogueError`` whose every problem has a line, whatever
the bytes (issue 13, item 9 and "Must show"): random YAML-ish bytes, and the bundled catalogue mutated.

Before: ``valid_from: 2025-02-30`` raised a bare ``ValueError`` from PyYAML's date constructor, and bytes
that are not UTF-8 a ``UnicodeDecodeError``, both without a line (a traceback in ``catalogue check``).
"""

from __future__ import annotations

import re
import time
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inspections.catalogue import Catalogue
from inspections.files.catalogue import CatalogueError, load_catalogue, loads_catalogue
from inspections.files.catalogue_yaml import decode
from tests.depth import examples

SAMPLE = resources.files("inspections").joinpath("data", "sample_province.yaml").read_text(encoding="utf-8")
SAMPLE_LINES = SAMPLE.splitlines(keepends=True)


#: What YAML counts as a line break (``\r`` alone too: b"\r(" has its problem on line 2), in UTF-8.
_LINE_BREAKS = re.compile(b"\r\n|\r|\n|\xc2\x85|\xe2\x80\xa8|\xe2\x80\xa9")


def outcome(data: bytes) -> Catalogue | CatalogueError:
    """Load ``data`` as a catalogue file would be: any other exception fails the test."""
    try:
        return loads_catalogue(decode(data, "fuzz.yaml"), "fuzz.yaml")
    except CatalogueError as exc:
        lines = len(_LINE_BREAKS.findall(data)) + 1
        assert exc.problems, "an error lists its problems"
        for problem in exc.problems:
            assert 1 <= problem.line <= lines, problem
            assert problem.column >= 1, problem
            assert str(problem).startswith(f"fuzz.yaml:{problem.line}:"), problem
        return exc


def test_an_impossible_date_is_located(tmp_path: Path) -> None:
    text = SAMPLE.replace("valid_from: 2020-01-01", "valid_from: 2025-02-30", 1)
    line = SAMPLE[: SAMPLE.index("valid_from: 2020-01-01")].count("\n") + 1
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    [problem] = caught.value.problems
    assert (problem.line, problem.path) == (line, "units[0].valid_from")


@pytest.mark.parametrize(
    "bad", ["2025-02-30", "2025-13-01", "2025-01-01 25:00:00", "2025-01-01T00:00:00+99:00"]
)
def test_any_impossible_timestamp_is_a_located_problem(bad: str) -> None:
    result = outcome(SAMPLE.replace("valid_from: 2020-01-01", f"valid_from: {bad}", 1).encode())
    assert isinstance(result, CatalogueError)


def test_bytes_that_are_not_utf8_are_located(tmp_path: Path) -> None:
    data = SAMPLE.encode()
    cut = data.index(b"units:")
    path = tmp_path / "c.yaml"
    path.write_bytes(data[:cut] + b"\xff" + data[cut:])
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    [problem] = caught.value.problems
    assert problem.line == data[:cut].count(b"\n") + 1
    assert problem.column == 1
    assert "not UTF-8" in problem.message


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE.encode())
    assert load_catalogue(path).meta.sample


def test_a_control_character_is_located() -> None:
    result = outcome(b"catalogue:\n  name: a\x07b\n")
    assert isinstance(result, CatalogueError)
    assert (result.problems[0].line, result.problems[0].column) == (2, 10)


_TOKENS = [
    b"catalogue:", b"units:", b"procedures:", b"fields:", b"- ", b"  ", b": ", b"code: ", b"\n", b"[", b"]",
    b"{", b"}", b"&a ", b"*a", b"!!binary ", b"!!timestamp ", b"!!int ", b"<<: ", b"? ", b"'", b'"', b"#",
    b"2025-02-30", b"valid_from: ", b"\t", b"\xff", b"\xef\xbb\xbf", b"%YAML 1.1\n", b"---\n", b"...",
]  # fmt: skip
_YAMLISH = st.lists(st.one_of(st.sampled_from(_TOKENS), st.binary(max_size=6)), max_size=40).map(b"".join)


@settings(max_examples=examples(200), deadline=None)
@given(data=_YAMLISH)
@example(data=b"---\n#")  # an empty document's node is marked past the text's end: line 3 of 2 (review)
@example(data=b"---")
def test_random_yamlish_bytes_give_a_catalogue_or_located_problems(data: bytes) -> None:
    outcome(data)


@pytest.mark.parametrize(
    ("data", "where"),
    [(b"---\n#", "2:2"), (b"---", "1:4"), (b"---\n", "2:1"), (b"---\r#", "2:2"), (b"#\n# two\n", "1:1")],
)
def test_an_empty_document_is_located_at_the_end_of_the_file(data: bytes, where: str) -> None:
    result = outcome(data)
    assert isinstance(result, CatalogueError)
    assert [str(p).split(": ", 1)[0] for p in result.problems] == [f"fuzz.yaml:{where}"]


def _mutate(lines: list[str], where: int, how: int, junk: str) -> str:
    lines = list(lines)
    i = where % len(lines)
    line = lines[i]
    if how == 0:
        del lines[i]
    elif how == 1:
        lines.insert(i, line)
    elif how == 2 and ": " in line:
        lines[i] = line.split(": ", 1)[0] + ": " + junk + "\n"
    elif how == 3:
        cut = len(junk) % (len(line) + 1)
        lines[i] = line[:cut] + junk + line[cut:]
    else:
        lines[i] = " " * (len(junk) % 5) + line.lstrip(" ")
    return "".join(lines)


_JUNK_VALUES = [
    "2025-02-30", "2025-02-29", "9999-12-31", "0001-01-01", "-1", "1e400", "null", "[]", "{}", "~", "yes",
    "'", "[", "*x", "&x", "'000.00.00.H99'", "!!binary x", "!!int x", "00:00", "3 weeks",
]  # fmt: skip
_JUNK = st.one_of(st.sampled_from(_JUNK_VALUES), st.text(max_size=10))


@settings(max_examples=examples(75), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mutations=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 4), _JUNK), min_size=1, max_size=4)
)
def test_a_mutated_catalogue_gives_a_catalogue_or_located_problems(
    mutations: list[tuple[int, int, str]],
) -> None:
    text = SAMPLE
    for where, how, junk in mutations:
        text = _mutate(text.splitlines(keepends=True), where, how, junk)
    outcome(text.encode("utf-8", "surrogatepass"))


def test_nested_aliases_are_checked_in_linear_time() -> None:
    """A "billion laughs" file: nine levels of nine aliases. The duplicate-key walk once followed every
    alias (9**9 nodes, minutes); now it visits each node once."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    started = time.monotonic()
    result = outcome(("\n".join(lines) + "\n").encode())
    assert isinstance(result, CatalogueError)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r", "\u2028".encode()])
def test_a_bad_character_or_byte_is_located_with_yamls_line_breaks(newline: bytes) -> None:
    """A file of CR-only lines (an old Mac export) had every bad byte on line 1 (review of 2026-12-04)."""
    for bad, message in ((b"\x07", "U+0007"), (b"\xff", "not UTF-8")):
        result = outcome(b"a: b" + newline + b"b: " + bad)
        assert isinstance(result, CatalogueError)
        [problem] = result.problems
        assert (problem.line, problem.column) == (2, 4) and message in str(problem), problem
