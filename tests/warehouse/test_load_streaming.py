"""Issue 18: ``warehouse load`` folds and judges while it reads, with the batch audit's engine, and reads
back only the dossiers the warehouse held before. On both backends:

- the folds its workers make equal what folding the stored events gives (what every load used to do): the
  same ``dossiers`` rows, outcome intervals and violations, nothing retracted or emptied when re-folded;
- a file split in two halves and loaded half by half, in either order, leaves the warehouse as one load
  of the whole file does;
- a later file re-folds from the warehouse exactly the dossiers the warehouse held events of that the file
  does not hold, and keeps its own folds of the others (more of that: ``test_load_again``);
- one worker or three, the same rows;
- a stream of lines (or of parsed events) loads as its file does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import load_file, load_lines
from schemas.validation import Rejection, parse_event
from tests.warehouse.province_loads import (
    KEY,
    SNAPSHOT,
    assert_refolding_changes_nothing,
    emptied_intervals,
    event_ids_of,
    load,
    snapshot,
    store_as_another_writer,
)
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.event_rows import EVENT_COLUMNS, event_row
from warehouse.projection import all_dossier_ids, fold_dossiers
from warehouse.store import DOSSIER_COLUMNS, VIOLATION_COLUMNS, Batch


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
    assert_refolding_changes_nothing(platform, warehouse, as_of)


def test_one_worker_or_three_store_the_same_rows(
    two_warehouses: tuple[str, str], province: tuple[Path, datetime]
) -> None:
    events, as_of = province
    one, three = two_warehouses
    figures = []
    for url, workers in ((one, 1), (three, 3)):
        platform = Platform(load_settings(batch_workers=workers, pseudonym_key=KEY))
        figures.append(load(platform, url, events, as_of).to_json_dict())
    # Not the run's id and time, nor the catalogue snapshot's (each new warehouse gets one from its load).
    # ``events_written`` counts each event once, however the engine's second pass settled dossiers again.
    varying = {"run_id": "", "seconds": 0, "catalogue_snapshot_stored": 0}
    assert figures[0] | varying == figures[1] | varying
    assert figures[1]["events_written"] == figures[1]["valid"] == figures[0]["valid"]
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
            store_as_another_writer(warehouse, late)
            written.append(True)

    result = load_file(platform, warehouse, events, as_of, on_progress=sink_writes)
    assert written
    assert_refolding_changes_nothing(platform, warehouse, as_of, opened=result.violations_open)


def test_a_file_loaded_period_by_period_judges_the_dossiers_left_open_at_each_new_as_of(
    platform: Platform, two_warehouses: tuple[str, str], province: tuple[Path, datetime], tmp_path: Path
) -> None:
    """One file per period at its own ``--as-of``, as the operator's guide suggests: a dossier the first
    load left open, with no event in the second, kept the first's verdicts, and the warehouse missed a
    violation the time since had made (a new due date passed: review). Each later load judges such
    dossiers again at its own ``as_of``: the open violations, the dossiers' facts and their outcome
    histories are then those of one load of the whole file at the last ``as_of`` (an ended dossier keeps
    the ``as_of`` it was judged at: its verdicts do not change with time)."""
    events, as_of = province
    cut = as_of - timedelta(days=20)
    first, second = _periods(events, cut, tmp_path)
    whole_url, periods_url = two_warehouses
    load(platform, whole_url, events, as_of)
    load(platform, periods_url, first, cut)
    later = load(platform, periods_url, second, as_of)
    assert later.open_rejudged > 0 and later.to_json_dict()["open_dossiers_rejudged"] == later.open_rejudged
    _assert_judged_alike(whole_url, periods_url)
    # Judged at the last as_of already: the same load again judges none of them.
    again = load(platform, periods_url, second, as_of)
    assert again.open_rejudged == 0


def test_an_older_file_loaded_again_judges_its_dossiers_at_the_later_instant_they_were_judged_at(
    platform: Platform, two_warehouses: tuple[str, str], province: tuple[Path, datetime], tmp_path: Path
) -> None:
    """The warehouse seat of 2026-12-07: the first period's file loaded again at its own ``--as-of`` once
    the second was loaded (a week loaded again; or the remedy ``warehouse status`` prints for an interrupted
    load, once later weeks are in) judged its dossiers back at that instant: the folds left out the events
    stored after it, ended dossiers lost their ends and the warehouse six violations, until the next load.
    Each is judged at the later instant it was judged at: the warehouse stays as it was."""
    events, as_of = province
    cut = as_of - timedelta(days=20)
    first, second = _periods(events, cut, tmp_path)
    whole_url, periods_url = two_warehouses
    load(platform, whole_url, events, as_of)
    load(platform, periods_url, first, cut)
    load(platform, periods_url, second, as_of)
    load(platform, periods_url, first, cut)  # the older file again, at its own --as-of
    _assert_judged_alike(whole_url, periods_url)


def test_a_load_at_a_mistyped_later_as_of_is_corrected_by_loading_its_file_again(
    platform: Platform, two_warehouses: tuple[str, str], province: tuple[Path, datetime]
) -> None:
    """The last read of 2026-12-07: judging a file's dossiers at the later instant they were judged at
    (above) made a load at a mistyped ``--as-of`` (a year ahead) stick: the same file again at the right one
    left 96 open violations where one load gives 70. Only a dossier a load of another file judged later stays
    at that later instant."""
    events, as_of = province
    right_url, fixed_url = two_warehouses
    load(platform, right_url, events, as_of)
    load(platform, fixed_url, events, as_of + timedelta(days=365))  # a mistyped --as-of, a year ahead
    load(platform, fixed_url, events, as_of)  # the same file again, at the right one
    _assert_judged_alike(right_url, fixed_url)


#: A dossier refused on 12/9, then suspended without its notice and processed after that: events after its
#: end, of which a fold at 20/9 sees none (the review's file).
AFTER_THE_END = [
    {"event_id": "af-1", "type": "received", "occurred_at": "2025-09-10T09:00:00+07:00",
     "data": {"procedure_code": "1.001612", "channel": "direct", "due_at": "2025-09-15T17:00:00+07:00",
              "documents": ["GIAY-DE-NGHI"]}},
    {"event_id": "af-2", "type": "refused", "occurred_at": "2025-09-12T09:00:00+07:00",
     "data": {"stage": "processing", "notice_id": "TC-1", "reason": "Không đủ điều kiện"}},
    {"event_id": "af-3", "type": "suspended", "occurred_at": "2025-09-22T09:00:00+07:00",
     "data": {"notice_id": None, "reason": ""}},
    {"event_id": "af-4", "type": "processed", "occurred_at": "2025-09-23T09:00:00+07:00", "data": {}},
]  # fmt: skip


def test_an_ended_dossier_judged_before_events_it_stored_is_judged_again_by_a_later_load(
    platform: Platform, two_warehouses: tuple[str, str], tmp_path: Path
) -> None:
    """Review: a file loaded at an ``--as-of`` before some of its events (a week's export with Monday
    morning's events, loaded at Monday 00:00) had a dossier folded ended, without what followed its end; a
    later load of another file, at a later ``as_of``, left it so (an ended dossier's verdicts do not change
    with time), five violations short of the batch audit of both (EVENT_AFTER_END among them). Such a
    dossier is judged again, as one left open is: the warehouse is then one load of the file at the later
    ``as_of``. Judged at that ``as_of``, it is not judged again by the same load."""
    from inspections.timeunits import VN_TZ

    path = tmp_path / "after.jsonl"
    common = {"schema_version": 1, "dossier_id": "000.10.01.H99-250910-0500", "unit_code": "000.10.01.H99"}
    path.write_bytes(b"".join(orjson.dumps({**common, **event}) + b"\n" for event in AFTER_THE_END))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    early, late = datetime(2025, 9, 20, tzinfo=VN_TZ), datetime(2025, 11, 24, tzinfo=VN_TZ)
    whole_url, periods_url = two_warehouses
    load(platform, whole_url, path, late)
    assert load(platform, periods_url, path, early).open_rejudged == 0
    later = load(platform, periods_url, empty, late)
    assert later.open_rejudged == 1
    with open_warehouse(whole_url) as wh:
        expected = _judged(wh)
    with open_warehouse(periods_url) as wh:
        assert _judged(wh) == expected
        rules = {r for (r,) in wh.query("SELECT rule_id FROM violations FINAL WHERE state = 'open'")}
    assert "EVENT_AFTER_END" in rules, rules
    assert load(platform, periods_url, empty, late).open_rejudged == 0


def _periods(events: Path, cut: datetime, folder: Path) -> tuple[Path, Path]:
    """``events`` in two files: the lines that occurred up to ``cut``, and the others (invalid ones too)."""
    lines = events.read_bytes().splitlines(keepends=True)
    first, second = folder / "first.jsonl", folder / "second.jsonl"
    at = [_occurred(line) for line in lines]
    first.write_bytes(b"".join(line for line, t in zip(lines, at, strict=True) if t is not None and t <= cut))
    second.write_bytes(b"".join(line for line, t in zip(lines, at, strict=True) if t is None or t > cut))
    return first, second


def _occurred(line: bytes) -> datetime | None:
    """A line's time, ``None`` for one without an aware time (an invalid line: loaded with the later part)."""
    try:
        at = datetime.fromisoformat(orjson.loads(line)["occurred_at"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    return at if at.tzinfo is not None else None


def _assert_judged_alike(expected_url: str, url: str) -> None:
    """The warehouse at ``url`` judges as the one at ``expected_url`` does (:func:`_judged`)."""
    with open_warehouse(expected_url) as wh:
        expected = _judged(wh)
    with open_warehouse(url) as wh:
        assert _judged(wh) == expected


def _judged(wh: Warehouse) -> dict[str, Any]:
    """What a judgement at the last ``as_of`` decides: open violations and dossiers' facts without the
    instant they were judged at (an ended dossier's is its load's), outcome intervals as they are."""
    facts = [c for c in DOSSIER_COLUMNS if c not in ("version", "as_of")]
    kept = [c for c in VIOLATION_COLUMNS if c not in ("version", "as_of")]
    return {
        "violations": wh.query(
            f"SELECT {', '.join(kept)} FROM violations FINAL WHERE state = 'open' "
            "ORDER BY dossier_id, rule_id, event_id"
        ),
        "dossiers": wh.query(f"SELECT {', '.join(facts)} FROM dossiers FINAL ORDER BY dossier_id"),
        "dossier_outcomes": wh.query(SNAPSHOT["dossier_outcomes"]),
    }


def test_a_dossier_only_the_stream_fed_is_left_to_the_detector(
    platform: Platform, warehouse: Warehouse, province: tuple[Path, datetime], tmp_path: Path
) -> None:
    """Its sink writes it with no violations and the detector judges it as time passes, by event time: a
    load judging it at its own ``as_of`` opened violations under the load's name that the detector never
    retracts (review). Only dossiers of which a load stored events are judged again."""
    events, as_of = province
    cut = as_of - timedelta(days=20)
    lines = events.read_bytes().splitlines(keepends=True)
    first = tmp_path / "first.jsonl"
    first.write_bytes(b"".join(line for line in lines if (t := _occurred(line)) is not None and t <= cut))
    load_file(platform, warehouse, first, cut)
    opened = [d for (d,) in warehouse.query("SELECT dossier_id FROM dossiers FINAL WHERE end_type IS NULL")]
    assert opened
    # One of them again, as the stream would have stored it: its events from Kafka, folded without rules.
    docs = [orjson.loads(line) for line in first.read_bytes().splitlines()]
    copied = [doc for doc in docs if doc["dossier_id"] == opened[0]]
    rows = []
    for doc in copied:
        doc["dossier_id"], doc["event_id"] = "STREAM-ONLY", "s-" + doc["event_id"]
        event = parse_event(orjson.dumps(doc))
        assert not isinstance(event, Rejection)
        rows.append(event_row(platform.pseudonymiser.apply(event), "kafka:ev/0", 1, cut))
    batch = Batch(warehouse, "events", EVENT_COLUMNS)
    for row in rows:
        batch.add(*row)
    batch.flush()
    fold_dossiers(platform.auditor, warehouse, ["STREAM-ONLY"], cut, violations=False)
    # Read a page at a time (memory holds a page of ids): the same ids, in order, whatever the page.
    from dossier_audit.jobs.load_open import open_dossiers_judged_before

    waiting = list(open_dossiers_judged_before(warehouse, as_of))
    assert waiting == sorted(waiting) and len(waiting) > 2 and "STREAM-ONLY" not in waiting
    assert list(open_dossiers_judged_before(warehouse, as_of, page=2)) == waiting
    empty = tmp_path / "empty.jsonl"  # a later load of nothing: only its re-judging of open dossiers
    empty.write_bytes(b"")
    later = load_file(platform, warehouse, empty, as_of)
    assert later.open_rejudged == len(waiting)  # the loads' open dossiers, judged at the later as_of
    ((judged_at,),) = warehouse.query("SELECT as_of FROM dossiers FINAL WHERE dossier_id = 'STREAM-ONLY'")
    assert (judged_at if judged_at.tzinfo else judged_at.replace(tzinfo=UTC)) == cut  # not judged again
    assert warehouse.query("SELECT count() FROM violations FINAL WHERE dossier_id = 'STREAM-ONLY'") == [(0,)]
