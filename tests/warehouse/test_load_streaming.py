"""Issue 18: ``warehouse load`` folds and judges while it reads, with the batch audit's engine, and reads
back only the dossiers the warehouse held before. On both backends:

- the folds its workers make equal what folding the stored events gives (what every load used to do): the
  same ``dossiers`` rows, outcome intervals and violations, nothing retracted or emptied when re-folded;
- a file split in two halves and loaded half by half, in either order, leaves the warehouse as one load
  of the whole file does;
- a later file re-folds from the warehouse exactly the dossiers the warehouse held events of that the file
  does not hold, and keeps its own folds of the others;
- a file loaded again reads nothing back and changes nothing; one that changes events the warehouse holds
  (under the same keys) leaves the warehouse as a first load of it would, its earlier rows emptied and
  retracted;
- one worker or three, the same rows;
- a stream of lines (or of parsed events) loads as its file does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

import dossier_audit.jobs.warehouse as job
from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs import load_stored
from dossier_audit.jobs.warehouse import LoadResult, load_file, load_lines
from dossier_audit.simulator import SimulationConfig, simulate
from schemas.validation import Rejection, parse_event
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.load_runs import new_run
from warehouse.projection import all_dossier_ids, fold_dossiers
from warehouse.store import DOSSIER_COLUMNS, OUTCOME_COLUMNS, VIOLATION_COLUMNS

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
SIM = SimulationConfig(dossiers=300, seed=18)
#: One key for every platform of these tests: an unset key is a random one per platform (other pseudonyms).
KEY = "streaming-load-test-key-32-bytes"

#: What a table holds that does not depend on which load wrote it (not the load's source, line numbers,
#: time of ingestion or version numbers).
SNAPSHOT = {
    "events": "SELECT event_id, dossier_id, type, schema_version, occurred_at, occurred_at_us, unit_code, "
    "actor, procedure_code, data, raw, fingerprint FROM events FINAL ORDER BY event_id",
    "rejected_events": "SELECT raw_hash, raw, reason_code, reason FROM rejected_events FINAL "
    "ORDER BY raw_hash, reason_code, reason",
    "dossiers": f"SELECT {', '.join(c for c in DOSSIER_COLUMNS if c != 'version')} FROM dossiers FINAL "
    "ORDER BY dossier_id",
    # An emptied interval (valid_from_key = valid_to_key) is a stale row a re-fold overwrote: no outcome.
    "dossier_outcomes": f"SELECT {', '.join(c for c in OUTCOME_COLUMNS if c != 'generation')} "
    "FROM dossier_outcomes FINAL WHERE valid_from_key < valid_to_key "
    "ORDER BY dossier_id, valid_from_key",
    "violations": f"SELECT {', '.join(c for c in VIOLATION_COLUMNS if c != 'version')} FROM violations "
    "FINAL WHERE state = 'open' ORDER BY dossier_id, rule_id, event_id",
}


def snapshot(wh: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    return {table: wh.query(sql) for table, sql in SNAPSHOT.items()}


def emptied_intervals(wh: Warehouse) -> int:
    ((count,),) = wh.query("SELECT count() FROM dossier_outcomes FINAL WHERE valid_from_key = valid_to_key")
    return int(count)


@pytest.fixture(scope="module")
def platform() -> Platform:
    return Platform(load_settings(pseudonym_key=KEY))


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datetime]:
    """A simulated province with the contract's examples (applicants in clear), events with unknown fields
    (one holding an applicant), duplicates and the contract's invalid lines, out of order in places."""
    folder = tmp_path_factory.mktemp("streaming-load")
    summary = simulate(SIM, folder / "sim.jsonl", folder / "truth.jsonl")
    lines = (folder / "sim.jsonl").read_bytes().splitlines()
    examples = (CONTRACT / "examples.jsonl").read_bytes().splitlines()
    extra = []
    for n, raw in enumerate(examples[:6]):
        doc = orjson.loads(raw)
        doc["event_id"] = f"{doc['event_id']}-x"
        doc["x_source_row"] = {"n": n, "applicant": "Nguyễn Văn A"} if n % 2 else [n, "kept"]
        doc["occurred_at"] = doc["occurred_at"].replace(":00+07:00", ":30+07:00")
        extra.append(orjson.dumps(doc))
    mixed = lines[:1000] + examples + lines[1000:] + extra + lines[5:40]  # the last: duplicates
    mixed[10], mixed[500] = mixed[500], mixed[10]
    mixed += (CONTRACT / "invalid.jsonl").read_bytes().splitlines()
    path = folder / "events.jsonl"
    path.write_bytes(b"\n".join(mixed) + b"\n")
    return path, summary.as_of


@pytest.fixture
def two_warehouses(
    warehouse_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, str]]:
    """Two fresh databases on the backend of ``warehouse_url`` (chdb: one directory each, opened in turn)."""
    if warehouse_url.startswith("chdb:"):
        yield f"chdb://{tmp_path}/one", f"chdb://{tmp_path}/two"
        return
    server = request.getfixturevalue("clickhouse_server")
    database = warehouse_url.rsplit("/", 1)[1] + "_b"
    server.admin_execute(f"CREATE DATABASE {database}")
    try:
        yield warehouse_url, server.url(database)
    finally:
        server.admin_execute(f"DROP DATABASE IF EXISTS {database}")


def dossiers_of(path: Path) -> set[str]:
    """The dossiers of the valid lines of ``path``."""
    events = (parse_event(raw) for raw in path.read_bytes().splitlines())
    return {event.dossier_id for event in events if not isinstance(event, Rejection)}


def load(platform: Platform, url: str, path: Path, as_of: datetime) -> LoadResult:
    with open_warehouse(url, create_database=True) as wh:
        return load_file(platform, wh, path, as_of)


def test_the_folds_made_while_reading_are_those_of_the_stored_events(
    platform: Platform, warehouse: Warehouse, province: tuple[Path, datetime]
) -> None:
    """What the workers folded from the file equals, row for row, what folding the stored events gives (how
    every load folded before): re-folding every dossier from the warehouse opens, retracts and empties
    nothing, and changes no row but its version."""
    events, as_of = province
    result = load_file(platform, warehouse, events, as_of)
    assert result.dossiers_folded == result.stats.dossiers > 300 and result.violations_open > 50
    assert result.stats.rejected_total >= 10 and result.stats.duplicates >= 30
    made = snapshot(warehouse)
    assert emptied_intervals(warehouse) == 0
    assert all(made[table] for table in SNAPSHOT), "every table holds rows"

    folded, opened, retracted = fold_dossiers(platform.auditor, warehouse, all_dossier_ids(warehouse), as_of)
    assert (folded, opened, retracted) == (result.dossiers_folded, result.violations_open, 0)
    assert emptied_intervals(warehouse) == 0
    assert snapshot(warehouse) == made


@pytest.mark.parametrize("order", ["first-half-first", "second-half-first"])
def test_a_file_loaded_in_two_halves_equals_one_load_of_the_whole(
    platform: Platform,
    two_warehouses: tuple[str, str],
    province: tuple[Path, datetime],
    tmp_path: Path,
    order: str,
) -> None:
    events, as_of = province
    lines = events.read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(b"".join(lines[:half]))
    second.write_bytes(b"".join(lines[half:]))
    whole_url, halves_url = two_warehouses

    whole = load(platform, whole_url, events, as_of)
    for part in (first, second) if order == "first-half-first" else (second, first):
        later = load(platform, halves_url, part, as_of)
    # The second load read back the dossiers the first had stored, and only those.
    assert 0 < later.dossiers_folded < whole.dossiers_folded
    with open_warehouse(whole_url) as wh:
        expected = snapshot(wh)
    with open_warehouse(halves_url) as wh:
        assert snapshot(wh) == expected


def event_ids_of(path: Path) -> dict[str, set[str]]:
    """The event ids of each dossier of the valid lines of ``path``."""
    found: dict[str, set[str]] = {}
    for raw in path.read_bytes().splitlines():
        event = parse_event(raw)
        if not isinstance(event, Rejection):
            found.setdefault(event.dossier_id, set()).add(event.event_id)
    return found


@pytest.fixture
def read_back(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The dossiers each load from now on folds from the warehouse, in order."""
    ids_read: list[str] = []

    def spy(auditor: Any, wh: Warehouse, dossier_ids: Any, at: datetime, **kwargs: Any) -> Any:
        ids = list(dossier_ids)
        ids_read.extend(ids)
        return fold_dossiers(auditor, wh, ids, at, **kwargs)

    monkeypatch.setattr(job, "fold_dossiers", spy)  # the dossiers of unfinished runs
    monkeypatch.setattr(load_stored, "fold_dossiers", spy)  # those of the file held before
    return ids_read


def test_only_the_dossiers_stored_before_are_read_back(
    platform: Platform,
    warehouse: Warehouse,
    province: tuple[Path, datetime],
    tmp_path: Path,
    read_back: list[str],
) -> None:
    """A later file: its dossiers of which the warehouse held events the file does not hold are folded again
    from the warehouse (their stored events with the new ones), the others from the file alone (those the
    warehouse held too: every event it held of them is the file's, stored again); a first load reads
    nothing back."""
    events, as_of = province
    lines = events.read_bytes().splitlines(keepends=True)
    earlier, later = tmp_path / "earlier.jsonl", tmp_path / "later.jsonl"
    earlier.write_bytes(b"".join(lines[: len(lines) // 3]))
    later.write_bytes(b"".join(lines[len(lines) // 3 :]))  # its last lines repeat some of the earlier's
    load_file(platform, warehouse, earlier, as_of)
    assert read_back == []
    held, in_later = event_ids_of(earlier), event_ids_of(later)
    assert set(held) == set(all_dossier_ids(warehouse))
    result = load_file(platform, warehouse, later, as_of)
    both = held.keys() & in_later.keys()
    beyond = {dossier_id for dossier_id in both if not held[dossier_id] <= in_later[dossier_id]}
    assert set(read_back) == beyond and len(read_back) == len(beyond) > 0
    assert len(beyond) < len(both)  # some held only events the later file repeats: not read back
    assert result.dossiers_folded == len(in_later)
    made = snapshot(warehouse)
    _, opened, retracted = fold_dossiers(platform.auditor, warehouse, all_dossier_ids(warehouse), as_of)
    assert (opened, retracted) == (len(made["violations"]), 0)
    assert snapshot(warehouse) == made


def test_a_file_loaded_again_reads_nothing_back_and_changes_nothing(
    platform: Platform, warehouse: Warehouse, province: tuple[Path, datetime], read_back: list[str]
) -> None:
    """The weeks so far, loaded each week: a second load of the same file keeps its workers' folds of every
    dossier (the warehouse holds only the file's events of each), and the warehouse is as after the first
    load, nothing emptied, nothing retracted."""
    events, as_of = province
    first = load_file(platform, warehouse, events, as_of)
    made = snapshot(warehouse)
    again = load_file(platform, warehouse, events, as_of)
    assert read_back == []
    assert (again.dossiers_folded, again.violations_open, again.violations_retracted) == (
        first.dossiers_folded, first.violations_open, 0)  # fmt: skip
    assert snapshot(warehouse) == made and emptied_intervals(warehouse) == 0


def test_a_file_changing_stored_events_under_their_keys_leaves_what_a_first_load_of_it_would(
    platform: Platform,
    two_warehouses: tuple[str, str],
    province: tuple[Path, datetime],
    tmp_path: Path,
    read_back: list[str],
) -> None:
    """The file again with every receipt's due date moved (later for some, earlier for others): the same
    events under the same keys, which the second load writes over the first's. Its workers' folds are kept
    (nothing read back), and the warehouse is then as a first load of the changed file leaves one: the old
    history rows no longer kept are emptied, the violations no longer open retracted."""
    events, as_of = province
    changed_lines = []
    for raw in events.read_bytes().splitlines():
        event = parse_event(raw)  # a rejected line as it was: its stored rejection the same
        if isinstance(event, Rejection) or event.type != "received":
            changed_lines.append(raw)
            continue
        doc = orjson.loads(raw)
        if isinstance(due := doc["data"].get("due_at"), str):
            shift = timedelta(days=9 if sum(event.event_id.encode()) % 2 else -2)  # a repeated line alike
            doc["data"]["due_at"] = (datetime.fromisoformat(due) + shift).isoformat()
        changed_lines.append(orjson.dumps(doc))
    changed = tmp_path / "changed.jsonl"
    changed.write_bytes(b"\n".join(changed_lines) + b"\n")
    twice, once = two_warehouses

    load(platform, twice, events, as_of)
    again = load(platform, twice, changed, as_of)
    first = load(platform, once, changed, as_of)
    assert read_back == []
    assert again.violations_retracted > 0 and again.violations_open == first.violations_open
    with open_warehouse(once) as wh:
        expected = snapshot(wh)
    with open_warehouse(twice) as wh:
        assert emptied_intervals(wh) > 0
        got = snapshot(wh)
    # Each file's rejected lines are stored under its name: the same lines, twice over.
    assert set(got.pop("rejected_events")) == set(expected.pop("rejected_events"))
    assert got == expected


def test_a_dossier_holding_events_the_file_no_longer_has_is_read_back_even_if_stored_in_the_same_second(
    platform: Platform,
    warehouse: Warehouse,
    province: tuple[Path, datetime],
    tmp_path: Path,
    read_back: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file loaded, then loaded again without some of its lines, both in one second (the time of ingestion
    is kept to the second, so the events the first stored look like the second's): a dossier that lost
    events in the file still holds them in the warehouse, so it is folded from there, with them."""
    events, as_of = province
    path = tmp_path / "events.jsonl"
    lines = events.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines))
    started = datetime(2026, 1, 5, 8, 0, 0, tzinfo=as_of.tzinfo)
    monkeypatch.setattr(job, "new_run", lambda source, _, at: new_run(source, started, at))
    load_file(platform, warehouse, path, as_of)
    path.write_bytes(b"".join(lines[::2]))  # every other line: dossiers lose events, none gains one
    load_file(platform, warehouse, path, as_of)
    before, after = event_ids_of(events), event_ids_of(path)
    lost = {dossier_id for dossier_id, ids in after.items() if ids != before[dossier_id]}
    assert set(read_back) == lost and lost
    made = snapshot(warehouse)
    _, opened, retracted = fold_dossiers(platform.auditor, warehouse, all_dossier_ids(warehouse), as_of)
    assert (opened, retracted) == (len(made["violations"]), 0)
    assert snapshot(warehouse) == made


def test_a_stored_dossier_another_writer_rewrites_during_the_load_is_read_back(
    platform: Platform, warehouse: Warehouse, province: tuple[Path, datetime], read_back: list[str]
) -> None:
    """A file loaded again, and meanwhile (after the load stored its events) another writer stores a new
    version of one of them, under its key: the warehouse keeps that version, so its dossier is folded from
    the warehouse, not kept from the file."""
    from warehouse.event_rows import EVENT_COLUMNS, event_row
    from warehouse.store import Batch

    events, as_of = province
    load_file(platform, warehouse, events, as_of)
    parsed = (parse_event(raw) for raw in events.read_bytes().splitlines())
    target = next(e for e in parsed if not isinstance(e, Rejection) and e.type == "received")
    rewritten = target.model_copy(update={"actor": "another-writer"})
    written: list[bool] = []

    def other_writer(stage: str, done: int, total: int) -> None:
        if stage == "reading back" and not written:
            rows = Batch(warehouse, "events", EVENT_COLUMNS)
            rows.add(*event_row(rewritten, "sink", 1, datetime(2026, 1, 1, tzinfo=as_of.tzinfo)))
            rows.flush()
            written.append(True)

    load_file(platform, warehouse, events, as_of, on_progress=other_writer)
    assert written and read_back == [target.dossier_id]
    made = snapshot(warehouse)
    _, opened, retracted = fold_dossiers(platform.auditor, warehouse, all_dossier_ids(warehouse), as_of)
    assert (opened, retracted) == (len(made["violations"]), 0)
    assert snapshot(warehouse) == made


def test_one_worker_or_three_store_the_same_rows(
    two_warehouses: tuple[str, str], province: tuple[Path, datetime]
) -> None:
    events, as_of = province
    one, three = two_warehouses
    figures = []
    for url, workers in ((one, 1), (three, 3)):
        platform = Platform(load_settings(batch_workers=workers, pseudonym_key=KEY))
        figures.append(load(platform, url, events, as_of).to_json_dict())
    # Not the run's id and time, nor ``events_written``: a dossier settled again by the engine's second
    # pass has its (same) rows written again, and which dossiers are depends on the sharding.
    varying = {"run_id": "", "seconds": 0, "events_written": 0}
    assert figures[0] | varying == figures[1] | varying
    assert figures[1]["events_written"] >= figures[1]["valid"] == figures[0]["valid"]
    with open_warehouse(one) as wh:
        expected = snapshot(wh)
    with open_warehouse(three) as wh:
        assert snapshot(wh) == expected


def test_a_stream_of_lines_or_events_loads_as_its_file(
    platform: Platform, two_warehouses: tuple[str, str], province: tuple[Path, datetime]
) -> None:
    """``load_lines``, what a later importer calls: lines as read (without their line breaks, some) and
    events already parsed, in any mix, give the file's answer."""
    events, as_of = province
    from_file, from_stream = two_warehouses
    expected = load(platform, from_file, events, as_of)

    def stream() -> Iterator[Any]:
        for n, raw in enumerate(events.read_bytes().splitlines(keepends=True)):
            parsed = parse_event(raw)
            if n % 3 == 0 and not isinstance(parsed, Rejection):
                yield parsed  # re-serialised from the event: same content, so the same rows
            else:
                yield raw if n % 2 else raw.rstrip(b"\n")

    with open_warehouse(from_stream, create_database=True) as wh:
        got = load_lines(platform, wh, stream(), as_of, source="importer:test")
        assert (got.stats.valid, got.stats.rejected_total, got.violations_open) == (
            expected.stats.valid, expected.stats.rejected_total, expected.violations_open)  # fmt: skip
        sources = wh.query("SELECT DISTINCT source FROM events")
        streamed = snapshot(wh)
    assert sources == [("importer:test",)]
    with open_warehouse(from_file) as wh:
        whole = snapshot(wh)
    assert streamed == whole  # an event's stored JSON is its own, however its line was spelled


def test_events_another_writer_stores_during_the_load_are_in_the_folds(
    platform: Platform, warehouse: Warehouse, province: tuple[Path, datetime]
) -> None:
    """A dossier new when the load started, to which a stream sink (here: a writer called while the file is
    read) adds an event meanwhile, is folded from the warehouse, not from the file alone: re-folding every
    dossier from the stored events afterwards changes nothing (review of the streaming load)."""
    from warehouse.event_rows import EVENT_COLUMNS, event_row
    from warehouse.store import Batch

    events, as_of = province
    parsed = (parse_event(raw) for raw in events.read_bytes().splitlines())
    valid = [e for e in parsed if not isinstance(e, Rejection)]
    target = next(e for e in valid if e.type == "received")
    late = parse_event(  # a processed event of that dossier, from "the sink"
        orjson.dumps({
            "schema_version": 1, "event_id": f"{target.event_id}-sink", "dossier_id": target.dossier_id,
            "type": "processed", "occurred_at": target.occurred_at.isoformat(), "unit_code": target.unit_code,
            "data": {},
        })
    )  # fmt: skip
    assert not isinstance(late, Rejection)
    written: list[bool] = []

    def sink_writes(stage: str, done: int, total: int) -> None:
        if stage == "reading" and not written:
            rows = Batch(warehouse, "events", EVENT_COLUMNS)
            rows.add(*event_row(late, "sink", 1, datetime(2026, 1, 1, tzinfo=as_of.tzinfo)))
            rows.flush()
            written.append(True)

    result = load_file(platform, warehouse, events, as_of, on_progress=sink_writes)
    assert written
    made = snapshot(warehouse)
    _, opened, retracted = fold_dossiers(platform.auditor, warehouse, all_dossier_ids(warehouse), as_of)
    assert (opened, retracted) == (result.violations_open, 0)
    assert snapshot(warehouse) == made
