"""Issue 18: loading events the warehouse holds already, as a team does that loads the weeks so far each
week. The load's workers fold every dossier of the file; a dossier the warehouse held keeps that fold when,
once the file is stored, it holds only the file's events, and is folded from the warehouse otherwise
(``dossier_audit.jobs.load_stored``). On both backends:

- a file loaded again reads nothing back and changes nothing;
- one that changes events the warehouse holds (the same ids, other content) has them rejected as
  conflicts, and the warehouse keeps the first versions (``load_conflicts``);
- a dossier holding events the file no longer has, or one another writer stored meanwhile, is read back;
- any sequence of loads of overlapping parts of a file leaves the warehouse as one load of the whole.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dossier_audit.jobs.warehouse as job
from bootstrap.platform import Platform
from dossier_audit.jobs.warehouse import init, load_file
from schemas.validation import Rejection, parse_event
from tests.depth import examples
from tests.templates import WarehouseTemplates
from tests.warehouse.province_loads import (
    assert_refolding_changes_nothing,
    emptied_intervals,
    event_ids_of,
    load,
    snapshot,
    store_as_another_writer,
)
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.load_runs import new_run
from warehouse.projection import fold_dossiers


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
    # Every event written again is one of a dossier held already (said so: "stored N events" read as new).
    assert first.events_of_stored_dossiers == 0 < first.events_written
    assert again.events_of_stored_dossiers == again.events_written == first.events_written


def test_a_file_changing_stored_events_has_them_rejected_as_conflicts_and_keeps_the_first_versions(
    platform: Platform,
    two_warehouses: tuple[str, str],
    province: tuple[Path, datetime],
    tmp_path: Path,
    read_back: list[str],
) -> None:
    """The file again with every receipt's due date moved (later for some, earlier for others), and one
    receipt moved in time: the same event ids with other content. EVENTS.md: a conflict, rejected; the
    first version stays. The second load used to write them over the first's (and the moved one beside
    it): a national-portal snapshot imported after the one that gave a dossier's receipt replaced the
    original due date. Now each is an ``event_id.conflict`` rejection, the warehouse is as the first load
    left it, and the dossiers concerned are folded from the warehouse (their workers' folds held the new
    versions)."""
    events, as_of = province
    changed_lines, changed_ids, moved = [], set(), None
    for raw in events.read_bytes().splitlines():
        event = parse_event(raw)  # a rejected line as it was: its stored rejection the same
        if isinstance(event, Rejection) or event.type != "received":
            changed_lines.append(raw)
            continue
        doc = orjson.loads(raw)
        if moved is None:  # the first receipt a minute later: another key, the same id
            doc["occurred_at"] = (event.occurred_at + timedelta(minutes=1)).isoformat()
            moved = event.dossier_id
        elif isinstance(due := doc["data"].get("due_at"), str):
            shift = timedelta(days=9 if sum(event.event_id.encode()) % 2 else -2)  # a repeated line alike
            doc["data"]["due_at"] = (datetime.fromisoformat(due) + shift).isoformat()
        else:
            changed_lines.append(raw)
            continue
        changed_ids.add((event.dossier_id, event.event_id))
        changed_lines.append(orjson.dumps(doc))
    changed = tmp_path / "changed.jsonl"
    changed.write_bytes(b"\n".join(changed_lines) + b"\n")
    twice, once = two_warehouses

    first = load(platform, twice, events, as_of)
    load(platform, once, events, as_of)
    again = load(platform, twice, changed, as_of)
    assert again.stats.rejected["event_id.conflict"] == len(changed_ids) > 1
    assert again.stats.valid == first.stats.valid - len(changed_ids)
    assert again.events_written == again.events_of_stored_dossiers == first.stats.valid - len(changed_ids)
    assert set(read_back) == {dossier for dossier, _ in changed_ids}
    with open_warehouse(once) as wh:
        expected = snapshot(wh)
    with open_warehouse(twice) as wh:
        got = snapshot(wh)
        conflicts = wh.query(
            "SELECT raw FROM rejected_events FINAL WHERE reason_code = 'event_id.conflict' AND source = "
            "%(source)s", {"source": str(changed.resolve())},
        )  # fmt: skip
    assert len(conflicts) == len(changed_ids)
    assert {
        (orjson.loads(raw)["dossier_id"], orjson.loads(raw)["event_id"]) for (raw,) in conflicts
    } == changed_ids
    # Each file's rejected lines are stored under its name: the same lines, twice over, and the conflicts.
    assert set(got.pop("rejected_events")) >= set(expected.pop("rejected_events"))
    assert got == expected  # the first versions, their folds and violations, as one load of the first file


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
    monkeypatch.setattr(
        job, "new_run", lambda source, _, at, digest, size: new_run(source, started, at, digest, size)
    )
    load_file(platform, warehouse, path, as_of)
    path.write_bytes(b"".join(lines[::2]))  # every other line: dossiers lose events, none gains one
    load_file(platform, warehouse, path, as_of)
    before, after = event_ids_of(events), event_ids_of(path)
    lost = {dossier_id for dossier_id, ids in after.items() if ids != before[dossier_id]}
    assert set(read_back) == lost and lost
    assert_refolding_changes_nothing(platform, warehouse, as_of)


def test_a_stored_dossier_another_writer_rewrites_during_the_load_is_read_back(
    platform: Platform, warehouse: Warehouse, province: tuple[Path, datetime], read_back: list[str]
) -> None:
    """A file loaded again, and meanwhile (after the load stored its events) another writer stores a new
    version of one of them, under its key: the warehouse keeps that version, so its dossier is folded from
    the warehouse, not kept from the file."""
    events, as_of = province
    load_file(platform, warehouse, events, as_of)
    parsed = (parse_event(raw) for raw in events.read_bytes().splitlines())
    target = next(e for e in parsed if not isinstance(e, Rejection) and e.type == "received")
    rewritten = target.model_copy(update={"actor": "another-writer"})
    written: list[bool] = []

    def other_writer(stage: str, done: int, total: int) -> None:
        if stage == "reading back" and not written:
            store_as_another_writer(warehouse, rewritten)
            written.append(True)

    load_file(platform, warehouse, events, as_of, on_progress=other_writer)
    assert written and read_back == [target.dossier_id]
    assert_refolding_changes_nothing(platform, warehouse, as_of)


def test_a_fold_another_writer_makes_while_the_load_reads_loses_to_the_kept_fold(
    platform: Platform,
    warehouse: Warehouse,
    province: tuple[Path, datetime],
    tmp_path: Path,
    read_back: list[str],
) -> None:
    """A dossier stored without its last two events; the file with them loaded, and while it is read a
    stream sink stores the first of them and folds the dossier (from what it holds then). The load then
    writes that event again under the same key, so the warehouse holds only the file's events of it and the
    load keeps its workers' fold, which holds both events: it must be the one that stays (review of the
    kept folds: it was written under the version taken when the load started, older than the sink's)."""
    events, as_of = province
    lines = events.read_bytes().splitlines(keepends=True)
    parsed = [(raw, parse_event(raw)) for raw in lines]
    valid = [event for _, event in parsed if not isinstance(event, Rejection)]
    counts = Counter(event.dossier_id for event in {e.event_id: e for e in valid}.values())  # less repeats
    target = next(dossier_id for dossier_id, n in counts.items() if n >= 4)
    *_, sunk_event, last = sorted((e for e in valid if e.dossier_id == target), key=lambda e: e.occurred_at)
    held_back = {sunk_event.event_id, last.event_id}
    first = tmp_path / "without-two.jsonl"
    kept = (raw for raw, event in parsed if isinstance(event, Rejection) or event.event_id not in held_back)
    first.write_bytes(b"".join(kept))
    load_file(platform, warehouse, first, as_of)
    sunk: list[bool] = []

    def sink(stage: str, done: int, total: int) -> None:
        if stage == "reading" and not sunk:  # before the load stores its events
            store_as_another_writer(warehouse, platform.pseudonymiser.apply(sunk_event))
            fold_dossiers(platform.auditor, warehouse, [target], as_of, violations=False)
            sunk.append(True)

    load_file(platform, warehouse, events, as_of, on_progress=sink)
    assert sunk and read_back == []
    ((row_events,),) = warehouse.query(
        "SELECT events FROM dossiers FINAL WHERE dossier_id = %(dossier)s", {"dossier": target}
    )
    assert row_events == counts[target]
    assert_refolding_changes_nothing(platform, warehouse, as_of)


@pytest.fixture(scope="module")
def whole_snapshot(
    platform: Platform, province: tuple[Path, datetime], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[tuple[Any, ...]]]:
    """The embedded warehouse after one load of the whole province."""
    events, as_of = province
    url = f"chdb://{tmp_path_factory.mktemp('whole')}/warehouse"
    load(platform, url, events, as_of)
    with open_warehouse(url) as wh:
        return snapshot(wh)


@settings(
    max_examples=examples(6), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.slow(45)
@given(parts=st.integers(2, 4), seed=st.integers(0, 2**32 - 1))
def test_loads_of_overlapping_parts_in_any_order_leave_what_one_load_of_the_whole_does(
    platform: Platform,
    province: tuple[Path, datetime],
    whole_snapshot: dict[str, list[tuple[Any, ...]]],
    warehouse_templates: WarehouseTemplates,
    tmp_path: Path,
    parts: int,
    seed: int,
) -> None:
    """Parts of the province's lines, each a random share of them (some in several parts), shuffled, that
    together hold every line, loaded one after the other at one ``as_of``: each load keeps its workers' folds
    of the dossiers holding only its events and reads the others back, and the warehouse ends as after one
    load of the whole. On the embedded backend, where a fresh warehouse per example is a copy of one
    initialised once (``tests.templates``: the first load would initialise it the same way); the tests
    above hold both backends to each case."""
    events, as_of = province
    lines = events.read_bytes().splitlines(keepends=True)
    draw = Random(seed)
    shares = [draw.random() for _ in range(parts)]
    chosen = [[line for line in lines if draw.random() < share] for share in shares]
    taken = {line for part in chosen for line in part}
    chosen[-1] += [line for line in lines if line not in taken]

    def initialised(url: str) -> None:
        with open_warehouse(url, create_database=True) as wh:
            init(platform, wh)

    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        url = warehouse_templates.copy("load-again-initialised", initialised, Path(folder) / "warehouse")
        for n, part in enumerate(chosen):
            draw.shuffle(part)
            path = Path(folder) / f"part-{n}.jsonl"
            path.write_bytes(b"".join(part))
            load(platform, url, path, as_of)
        with open_warehouse(url) as wh:
            got = snapshot(wh)
    expected = dict(whole_snapshot)
    # Each part's rejected lines are stored under its name: the same lines, some in several parts.
    assert set(got.pop("rejected_events")) == set(expected.pop("rejected_events"))
    assert got == expected
