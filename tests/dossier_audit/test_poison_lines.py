"""Issue 13, items 2, 3 and 5 on every path: a file mixing the contract's examples, odd but valid events and
"poison" lines (contract-valid events beyond the input limits, and times outside the supported years) runs
to the end on ``validate``, ``audit``, ``metrics``, ``warehouse load`` (chdb) and ``ingest``: every valid
line is counted and stored, every poison line is rejected with its own reason, and the poison lines change
no result. The batch commands run with several forked workers, where the poison lines used to crash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.cli import app
from dossier_audit.jobs.files import audit_file
from schemas.limits import BOM, INT_MAX, INT_MIN, KEPT_OF_LONG_LINE, MAX_DEPTH, MAX_LINE_BYTES
from schemas.lines import parse_line
from schemas.validation import Rejection
from tests.depth import examples
from warehouse import open_warehouse

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = (CONTRACT / "examples.jsonl").read_bytes().splitlines()
AS_OF = "2025-11-20T00:00:00+07:00"
ENV = {"DOSSIER_AUDIT_BATCH_WORKERS": "2", "DOSSIER_AUDIT_PSEUDONYM_KEY": "p" * 32}
runner = CliRunner()

RECEIVED: dict[str, Any] = orjson.loads(EXAMPLES[1])  # a `received` event: it has a data time (due_at)


def event(n: int, **changes: Any) -> dict[str, Any]:
    """The example `received` event as the only event of its own dossier ``P-<n>``."""
    doc: dict[str, Any] = orjson.loads(orjson.dumps(RECEIVED))
    doc.update(event_id=f"poison-{n}", dossier_id=f"000.10.01.H99-P-{n:03d}")
    for key, value in changes.items():
        if key.startswith("data__"):
            doc["data"][key.removeprefix("data__")] = value
        else:
            doc[key] = value
    return doc


def spliced(n: int, member: str, *, in_data: bool = False) -> bytes:
    """The event of dossier ``n`` with ``member`` (verbatim JSON text) as its first unknown field."""
    line = orjson.dumps(event(n))
    marker = b'"data":{' if in_data else b"{"
    return line.replace(marker, marker + member.encode() + b",", 1)


#: Contract-valid lines beyond the limits, with the reason each is rejected for.
POISON: list[tuple[bytes, str]] = [
    (orjson.dumps(event(1, occurred_at="0001-01-01T00:00:00+14:00")), "occurred_at.out_of_range"),
    (orjson.dumps(event(2, occurred_at="9999-12-31T23:59:59-14:00")), "occurred_at.out_of_range"),
    (orjson.dumps(event(3, occurred_at="2150-01-01T00:00:00Z")), "occurred_at.out_of_range"),
    (orjson.dumps(event(4, occurred_at="1960-01-01T00:00:00Z")), "occurred_at.out_of_range"),
    (orjson.dumps(event(5, data__due_at="2150-01-01T00:00:00+07:00")), "data.due_at.out_of_range"),
    (orjson.dumps(event(6, data__due_at="1960-01-01T00:00:00+07:00")), "data.due_at.out_of_range"),
    (spliced(7, '"n": ' + "9" * 400), "json.number_out_of_range"),
    (spliced(8, '"deep": ' + "[" * 10_000 + "]" * 10_000), "json.too_deep"),
    (spliced(9, '"deep": ' + "[" * 40 + "]" * 40, in_data=True), "json.too_deep"),
    (spliced(10, '"x": NaN'), "json.not_finite"),
    (spliced(11, '"x": {"y": [Infinity]}', in_data=True), "json.not_finite"),
    (spliced(12, '"x": -Infinity'), "json.not_finite"),
    (spliced(13, '"x": 1e400'), "json.not_finite"),
    (spliced(14, '"type": "submitted"'), "json.duplicate_key"),
    (spliced(15, '"x": {"a": 1, "a": 2}', in_data=True), "json.duplicate_key"),
    (spliced(16, '"pad": "' + "p" * MAX_LINE_BYTES + '"'), "line.too_long"),
    # Not JSON's whitespace (RFC 8259 §2): skipped as blank lines without a word (contract review).
    (b"\x0b", "json.invalid"),
    (b" \x0c\t", "json.invalid"),
]
#: Odd events inside every limit: stored and counted like any other.
ODD: list[bytes] = [
    spliced(30, '"deep": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)),
    spliced(31, f'"ints": [{INT_MIN}, {INT_MAX}], "floats": [1e308, -1e308, 5e-324]', in_data=True),
    orjson.dumps(event(32, actor="cb\u0000\u2028\U0001f600", data__documents=["Đ" * 1000])),
    spliced(33, '"note": "' + "n" * (MAX_LINE_BYTES // 2) + '"'),
    orjson.dumps(
        event(34, occurred_at="2000-01-01T00:00:00+07:00", data__due_at="2050-12-31T23:59:59+07:00")
    ),
]
POISON_IDS = {f"poison-{n}" for n in range(1, len(POISON) + 1)}


def write(path: Path, lines: list[bytes], *, bom: bool = False) -> Path:
    path.write_bytes((BOM if bom else b"") + b"".join(line + b"\n" for line in lines))
    return path


def mixed_lines() -> list[bytes]:
    """Poison lines between the examples and the odd events (a poison line first: it used to route first)."""
    poison = [line for line, _ in POISON]
    return [poison[0], *EXAMPLES[:12], *poison[1:8], *ODD, *EXAMPLES[12:], *poison[8:]]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the mixed file, starting with a BOM; the same file without its poison lines)."""
    folder = tmp_path_factory.mktemp("poison")
    mixed = write(folder / "mixed.jsonl", mixed_lines(), bom=True)
    clean = write(folder / "clean.jsonl", [*EXAMPLES, *ODD])
    return mixed, clean


def cli(*args: str, code: int = 0) -> Result:
    result = runner.invoke(app, list(args), env=ENV)
    assert result.exit_code == code, result.stderr + result.stdout
    return result


def expected_reasons() -> dict[str, int]:
    return dict(sorted(Counter(reason for _, reason in POISON).items()))


def test_each_poison_line_alone_has_its_reason() -> None:
    for line, reason in POISON:
        result = parse_line(line)
        assert isinstance(result, Rejection) and result.code == reason, (reason, result)
    for line in ODD:
        assert not isinstance(parse_line(line), Rejection)


def test_validate_counts_every_valid_line_and_each_poison_line_with_its_reason(
    files: tuple[Path, Path],
) -> None:
    mixed, _ = files
    stats = orjson.loads(cli("validate", str(mixed), "--json", code=1).stdout.splitlines()[0])
    assert stats["valid"] == len(EXAMPLES) + len(ODD)
    assert stats["rejected_by_reason"] == expected_reasons()
    assert stats["lines"] == len(mixed_lines())


def test_audit_and_metrics_are_those_of_the_file_without_poison(files: tuple[Path, Path]) -> None:
    mixed, clean = files

    def violations(path: Path) -> list[Any]:
        out = cli("audit", str(path), "--as-of", AS_OF, "--json").stdout.splitlines()
        return sorted((orjson.loads(line) for line in out), key=orjson.dumps)

    assert violations(mixed) == violations(clean) != []

    def figures(path: Path) -> Any:
        return orjson.loads(
            cli("metrics", "--from", "2025-11-01", "--to", "2025-12-01", str(path), "--json").stdout
        )

    assert figures(mixed) == figures(clean)


def test_warehouse_load_stores_every_valid_event_and_rejects_each_poison_line(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    """Also item 3: times outside the supported years are in ``rejected_events``, never clamped into
    ``events`` (2150 used to be stored as 2106-02-07, 1960 as 1970-01-01)."""
    mixed, _ = files
    url = f"chdb://{tmp_path}/wh"
    load = orjson.loads(cli("warehouse", "load", str(mixed), "--warehouse", url, "--as-of", AS_OF).stdout)
    assert (load["valid"], load["rejected_written"]) == (len(EXAMPLES) + len(ODD), len(POISON))
    assert load["events_written"] == load["valid"]  # each event once, a dossier settled twice too
    with open_warehouse(url) as wh:
        stored = {row[0] for row in wh.query("SELECT event_id FROM events FINAL")}
        rejected = wh.query("SELECT source_offset, reason_code, reason FROM rejected_events FINAL")
        local = "toYear(toTimeZone(occurred_at, 'Asia/Ho_Chi_Minh'))"
        years = wh.query(f"SELECT min({local}), max({local}) FROM events FINAL")
        edge = wh.query("SELECT toString(occurred_at, 'UTC') FROM events FINAL WHERE event_id = 'poison-34'")
    assert stored.isdisjoint(POISON_IDS) and len(stored) == len(EXAMPLES) + len(ODD)
    assert dict(sorted(Counter(row[1] for row in rejected).items())) == expected_reasons()
    lines = mixed_lines()
    for offset, code, reason in rejected:
        assert dict(POISON)[lines[offset - 1]] == code and reason
    assert 2000 <= years[0][0] <= years[0][1] <= 2050
    assert edge == [("1999-12-31 17:00:00",)]  # the first instant in range, stored as it is


def test_ingest_produces_every_valid_event_and_dead_letters_each_poison_line(
    files: tuple[Path, Path],
) -> None:
    """An over-long line's dead letter keeps only the line's beginning (the whole might not fit in Kafka)."""
    from streams.broker import EmbeddedBroker
    from streams.messages import DeadLetter
    from tests.streams.conftest import read_topic

    mixed, _ = files
    with EmbeddedBroker() as broker:
        result = cli("ingest", str(mixed), "--bootstrap-servers", broker.bootstrap_servers)
        letters = [
            DeadLetter.decode(r.value) for r in read_topic(broker.bootstrap_servers, "dossier-dead-letters")
        ]
    summary = orjson.loads(result.stdout)
    assert summary["produced"] == len(EXAMPLES) + len(ODD)
    assert summary["rejected_by_reason"] == expected_reasons()
    assert sorted(letter.reason_code for letter in letters) == sorted(reason for _, reason in POISON)
    too_long = next(letter for letter in letters if letter.reason_code == "line.too_long")
    assert len(too_long.raw) <= KEPT_OF_LONG_LINE


# -- the property: any mix of valid and broken lines, every valid line counted -------------------------------
BROKEN = st.one_of(
    st.sampled_from([line for line, _ in POISON if len(line) < 4096]),
    st.binary(min_size=1, max_size=60),
    st.builds(lambda line, cut: line[: cut % len(line)], st.sampled_from(EXAMPLES), st.integers(1, 10**6)),
)


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    yield Platform(load_settings(batch_workers=2))


@pytest.fixture(scope="module")
def clean_audit(platform: Platform, files: tuple[Path, Path]) -> list[bytes]:
    """The audit of the valid lines alone."""
    return sorted(map(orjson.dumps, audit_file(platform, files[1], datetime.fromisoformat(AS_OF)).violations))


@settings(
    max_examples=examples(8), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(st.tuples(st.booleans(), st.integers(0, 10**6)), min_size=1, max_size=40),
    broken=st.lists(BROKEN, min_size=1, max_size=40),
    bom=st.booleans(),
)
def test_any_mix_counts_every_valid_line_and_audits_as_the_valid_lines_alone(
    platform: Platform, clean_audit: list[bytes], tmp_path_factory: pytest.TempPathFactory,
    picks: list[tuple[bool, int]], broken: list[bytes], bom: bool,
) -> None:  # fmt: skip
    """Valid lines (examples and odd events, each once) and broken lines interleaved in any order."""
    valid = [*EXAMPLES, *ODD]
    kept = [b for b in broken if b.strip() and b"\n" not in b and isinstance(parse_line(b), Rejection)]
    lines: list[bytes] = []
    queue = list(valid)
    for take_valid, i in picks:
        source = queue if (take_valid and queue) or not kept else kept
        if source:
            lines.append(source.pop(i % len(source)))
    lines += queue + kept
    mixed = write(tmp_path_factory.mktemp("mix") / "mixed.jsonl", lines, bom=bom)

    run = audit_file(platform, mixed, datetime.fromisoformat(AS_OF))
    assert sorted(map(orjson.dumps, run.violations)) == clean_audit
    stats = run.stats
    rejected = sum(1 for line in lines if line not in valid)
    assert (stats.valid, stats.duplicates, stats.rejected_total) == (len(valid), 0, rejected)
