"""Poison records (issue 13, item 2), in process against fake warehouses: which errors are data errors, the
bisection, and the rule that a record is rejected only when the warehouse demonstrably accepts a known-good
row of the same table while refusing that record alone (``streams.sink.isolate``) — for the rows of a batch
and for the dossier projection of the fold. A warehouse refusing every row, whatever the batch's size, is
retried like an outage; a run of poison records, however long, is rejected and the sink moves on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from schemas.pseudonym import Pseudonymiser
from streams.messages import ViolationMessage, describe_error
from streams.observability import WorkerMetrics
from streams.sink.batch import SinkBatch, SinkStats
from streams.sink.isolate import UNSTORABLE, Probe, WarehouseRefuses, bisect_rows, is_data_error
from streams.sink.writer import BatchWriter
from tests.streams.poison_support import (
    DATA_ERROR,
    KEY,
    TOPICS,
    FaultyWarehouse,
    converted,
    examples,
    record,
    renamed,
    write_as_the_worker_does,
)
from tests.streams.test_sink import count
from warehouse import open_warehouse
from warehouse.base import Warehouse, WarehouseError, WarehouseUnavailable
from warehouse.event_rows import EVENT_COLUMNS  # fmt: skip
from warehouse.migrate import migrate
from warehouse.store import (
    DOSSIER_COLUMNS,
    OUTCOME_COLUMNS,
    REJECTION_COLUMNS,
    VIOLATION_COLUMNS,
)

AS_OF = datetime(2025, 12, 1, tzinfo=UTC)


# --- telling data errors from outages -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("error", "data"),
    [
        (WarehouseError("insert into events: a value does not fit its column: 'x' is out of range"), True),
        (WarehouseError("column source_offset (Int64): Python int too large to convert to C long"), True),
        (WarehouseError("column actor (Nullable(String)) is not Nullable but a value is None"), True),
        (WarehouseError("ClickHouse h:9000/db: Cannot parse datetime: ... (code 41)"), True),
        (WarehouseError("chdb: Code: 321. DB::Exception: Value is out of range"), True),
        (WarehouseError("ClickHouse h:9000/db: Too many parts (300). (code 252)"), False),
        (WarehouseError("ClickHouse h:9000/db: Table is in readonly mode (code 242)"), False),
        (WarehouseError("chdb: Code: 243. DB::Exception: Cannot reserve space"), False),
        (WarehouseError("insert into events: no such table in database dossier_audit"), False),
        (WarehouseUnavailable("ClickHouse h:9000/db: connection lost: column x (Int64) (code 53)"), False),
        (WarehouseRefuses(f"the warehouse refuses a known-good row of events too: {DATA_ERROR}"), False),
        (ValueError("column x (Int64): a bug, not a warehouse error"), False),
    ],
)
def test_only_errors_that_blame_a_value_are_data_errors(error: BaseException, data: bool) -> None:
    assert is_data_error(error) is data


def test_the_backends_own_value_errors_are_data_errors(warehouse: Warehouse) -> None:
    """Pins :func:`is_data_error` to the texts both backends really raise (a changed text fails here
    instead of silently turning poison records into endless retries)."""
    migrate(warehouse)
    row = ("kafka:t/0", 2**63, "h", "raw", "code", "reason", datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(WarehouseError) as refused:
        warehouse.insert("rejected_events", REJECTION_COLUMNS, [[v] for v in row])
    assert is_data_error(refused.value), refused.value
    with pytest.raises(WarehouseError) as missing:
        warehouse.insert("no_such_table", ["a"], [[1]])
    assert not is_data_error(missing.value), missing.value


def test_a_reason_keeps_the_kind_of_error_and_masks_what_could_be_data() -> None:
    text = describe_error(
        WarehouseError("column actor (String): bad value 'Nguyễn Văn A' 079201001234 2025-11-03")
    )
    assert text.startswith("WarehouseError: column actor (String): bad value")
    assert "Nguyễn" not in text and "079201001234" not in text and "2025-11-03" not in text
    assert len(describe_error(ValueError("x" * 5000))) < 250


def test_bisection_stores_every_part_but_the_refused_items_in_order() -> None:
    stored: list[int] = []
    bad = {3, 4, 11}

    def store(part: Sequence[int]) -> None:
        if bad & set(part):
            raise WarehouseError("column n (UInt8): out of range")
        stored.extend(part)

    refused = bisect_rows(store, list(range(16)), WarehouseError("column n (UInt8): out of range"))
    assert [i for i, _ in refused] == [3, 4, 11]
    assert stored == [i for i in range(16) if i not in bad]  # each once, in order


def test_an_outage_during_the_bisection_is_raised_for_the_retry() -> None:
    calls = 0

    def store(part: Sequence[int]) -> None:
        nonlocal calls
        calls += 1
        raise WarehouseUnavailable("connection lost")

    with pytest.raises(WarehouseUnavailable):
        bisect_rows(store, [1, 2, 3], WarehouseError("column n (UInt8): out of range"))
    assert calls == 1


# --- the rows of a batch ------------------------------------------------------------------------------------
def event_ids(wh: Warehouse) -> list[str]:
    return [e for (e,) in wh.query("SELECT event_id FROM events FINAL ORDER BY event_id")]


def writer_of(wh: Any, **kw: Any) -> BatchWriter:
    return BatchWriter(wh, WorkerMetrics(), SinkStats(), scrub=Pseudonymiser(KEY).scrub_raw, **kw)


def test_a_refused_event_is_rejected_and_the_rest_stored_despite_an_outage_midway(tmp_path: Path) -> None:
    lines = examples()
    values = [*lines[:5], renamed(lines[5], "poison-1"), *lines[5:]]
    records = [record(line, i) for i, line in enumerate(values)]
    batch = converted(*records)
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        wh = FaultyWarehouse(real, {"poison-1"})
        assert write_as_the_worker_does(writer_of(wh), batch) == 1  # the outage: retried, not dropped
        assert event_ids(real) == sorted(orjson.loads(line)["event_id"] for line in lines)  # no loss
        assert real.query("SELECT count(DISTINCT event_id) FROM events")[0][0] == len(lines)
        rejected = real.query(
            "SELECT source, source_offset, reason_code, reason, raw FROM rejected_events FINAL"
        )
        assert [r[:3] for r in rejected] == [(f"kafka:{TOPICS.events}/0", 5, UNSTORABLE)]
        reason = describe_error(WarehouseError(DATA_ERROR))
        assert rejected[0][3] == f"the warehouse refused this record's row in events: {reason}"
        assert '"poison-1"' in rejected[0][4]
    assert batch.poison == 1 and batch.rejected_reasons == [UNSTORABLE]
    assert "poison-1" not in {row[0] for row in batch.events}  # what the commit counts was stored


@pytest.mark.parametrize("rows", [1, 3, 24])
@pytest.mark.parametrize("stored_before", [False, True], ids=["empty table", "table holding rows"])
def test_a_warehouse_refusing_every_row_is_retried_whatever_the_batch_size(
    tmp_path: Path, rows: int, stored_before: bool
) -> None:
    """A schema that does not match the code refuses every row with a data error: the warehouse's fault,
    for a batch of one as for a large one. Nothing is rejected, the batch is raised for the retry, and once
    the warehouse accepts, every row is stored once."""
    lines = examples()
    batch = converted(*(record(renamed(line, f"new-{i}"), i) for i, line in enumerate(lines[:rows])))
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        if stored_before:
            writer_of(real).write(converted(*(record(line, 100 + i) for i, line in enumerate(lines))))
        before = set(event_ids(real))
        wh = FaultyWarehouse(real, set(), outage=False)
        wh.refuse_all = True
        writer = writer_of(wh)
        for _ in range(2):  # each attempt alike: nothing rejected, nothing dropped from the batch
            with pytest.raises(WarehouseRefuses) as raised:
                writer.write(batch)
            assert not is_data_error(raised.value) and "events" in str(raised.value)
            assert set(event_ids(real)) == before and count(real, "rejected_events") == 0
            assert batch.poison == 0 and len(batch.events) == rows and not batch.rejected
        if stored_before:  # the stored row refused too: told before any bisection
            assert wh.inserts["events"] == 2 * 2
        wh.refuse_all = False
        writer.write(batch)
        assert set(event_ids(real)) == before | {f"new-{i}" for i in range(rows)}
        new = real.query("SELECT count() FROM events WHERE event_id LIKE 'new-%'")[0][0]
        assert new == rows and count(real, "rejected_events") == 0  # each stored once, none rejected


def test_twenty_poison_records_alone_in_their_batch_are_rejected_and_the_sink_moves_on(
    tmp_path: Path,
) -> None:
    """Twenty consecutive refused records make up the whole batch (its first, middle and last rows):
    the table's stored row, inserted again, is accepted, so they are poison — rejected, not retried."""
    lines = examples()
    poison = [record(renamed(lines[i % len(lines)], f"poison-{i:02}"), 100 + i) for i in range(20)]
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        writer_of(real).write(converted(*(record(line, i) for i, line in enumerate(lines))))
        wh = FaultyWarehouse(real, {f"poison-{i:02}" for i in range(20)}, outage=False)
        batch = converted(*poison)
        assert write_as_the_worker_does(writer_of(wh), batch) == 0
        assert batch.poison == 20 and not batch.events
        offsets = [o for (o,) in real.query("SELECT source_offset FROM rejected_events FINAL ORDER BY 1")]
        assert offsets == list(range(100, 120))
        assert len(event_ids(real)) == len(lines)  # the stored rows, the canary collapsed into its own
        after = converted(record(renamed(lines[0], "after"), 200))  # the next batch goes through
        writer_of(wh).write(after)
        assert "after" in event_ids(real)


def test_poison_first_in_the_middle_and_last_among_valid_rows_is_rejected_and_the_rest_stored(
    tmp_path: Path,
) -> None:
    """A batch of 44 whose first row, last row and a run of 20 around its middle are refused: the valid
    rows are stored, the 22 refused ones rejected (a fresh warehouse: the valid rows of the batch itself
    are the known-good ones)."""
    lines = examples()
    valid = [record(line, i) for i, line in enumerate(lines[:22])]
    poison_at = {0, 43, *range(12, 32)}
    records, valid_left = [], iter(valid)
    for position in range(44):
        if position in poison_at:
            records.append(record(renamed(lines[position % 22], f"poison-{position:02}"), 100 + position))
        else:
            records.append(next(valid_left))
    assert len(records) == 44 and 22 in poison_at
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        batch = converted(*records)
        wh = FaultyWarehouse(real, {f"poison-{p:02}" for p in poison_at}, outage=False)
        assert write_as_the_worker_does(writer_of(wh), batch) == 0
        assert event_ids(real) == sorted(orjson.loads(line)["event_id"] for line in lines[:22])
        offsets = [o for (o,) in real.query("SELECT source_offset FROM rejected_events FINAL ORDER BY 1")]
        assert offsets == sorted(100 + p for p in poison_at)
    assert batch.poison == 22 and len(batch.events) == 22


# --- the fold: the dossier projection -----------------------------------------------------------------------
class RefusesProjections(FaultyWarehouse):
    """Refuses ``dossiers`` rows of the dossiers in ``refused_dossiers`` (all of them: ``refuse_all``)."""

    def __init__(self, wh: Warehouse, refused_dossiers: set[str]) -> None:
        super().__init__(wh, set(), outage=False)
        self.refused_dossiers = refused_dossiers

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        if table == "dossiers" and (self.refuse_all or self.refused_dossiers & set(data[0])):
            raise WarehouseError("column due_at (Nullable(DateTime('UTC'))): out of range (test)")
        return self.wh.insert(table, columns, data)


def folding_writer(wh: Any, stats: SinkStats, metrics: WorkerMetrics) -> BatchWriter:
    return BatchWriter(wh, metrics, stats, auditor=Platform(load_settings()).auditor, fold_as_of=AS_OF)


def stored_dossiers(wh: Warehouse) -> set[str]:
    return {d for (d,) in wh.query("SELECT dossier_id FROM dossiers FINAL")}


@pytest.mark.parametrize("which", [0, -1], ids=["first", "last"])
def test_a_dossier_whose_projection_is_refused_is_left_out_and_the_others_are_folded(
    tmp_path: Path, which: int
) -> None:
    batch = converted(*(record(line, i) for i, line in enumerate(examples())))
    refused = sorted(batch.touched)[which]
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        stats, metrics = SinkStats(), WorkerMetrics()
        folding_writer(RefusesProjections(real, {refused}), stats, metrics).write(batch)
        assert count(real, "events") == 24
        assert stored_dossiers(real) == batch.touched and refused not in batch.touched
    assert stats.unfolded == 1 and metrics.sink_dossiers_not_folded._value.get() == 1


@pytest.mark.parametrize("folded_before", [False, True], ids=["no projection yet", "projection stored"])
def test_a_warehouse_refusing_every_projection_row_is_retried_and_no_dossier_dropped(
    tmp_path: Path, folded_before: bool
) -> None:
    lines = examples()
    batch = converted(*(record(line, i) for i, line in enumerate(lines)))
    touched = set(batch.touched)
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        if folded_before:  # another dossier's projection is stored: the canary, refused too
            other = orjson.dumps({**orjson.loads(lines[0]), "dossier_id": "D-EARLIER"})
            earlier = converted(record(other, 99))
            folding_writer(real, SinkStats(), WorkerMetrics()).write(earlier)
        wh = RefusesProjections(real, set())
        wh.refuse_all = True
        stats, metrics = SinkStats(), WorkerMetrics()
        writer = folding_writer(wh, stats, metrics)
        with pytest.raises(WarehouseRefuses) as raised:
            writer.write(batch)
        assert "dossiers" in str(raised.value) and not is_data_error(raised.value)
        assert batch.touched == touched and stats.unfolded == 0  # nothing dropped
        assert metrics.sink_dossiers_not_folded._value.get() == 0
        assert count(real, "events") == 24 + folded_before  # stored; the retry stores them again, harmlessly
        wh.refuse_all = False
        writer.write(batch)  # the retry, once the warehouse accepts
        assert stored_dossiers(real) - {"D-EARLIER"} == touched and stats.unfolded == 0


# --- the canary: inserting a stored row again changes nothing -----------------------------------------------
class RefusesMarked:
    """Refuses (data error) any insert whose first column holds ``"marked"``; else the real warehouse."""

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        if "marked" in data[0]:
            raise WarehouseError(DATA_ERROR)
        return self.wh.insert(table, columns, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wh, name)


def test_the_canary_inserts_a_stored_row_again_and_every_table_reads_the_same(warehouse: Warehouse) -> None:
    """The known-good row read back from each table the sink writes (``FINAL LIMIT 1``) is accepted as it
    is by both backends, and inserting it again changes nothing a reader sees (ReplacingMergeTree)."""
    migrate(warehouse)
    lines = examples()
    batch = converted(*(record(line, i) for i, line in enumerate(lines)), record(b"not json", 30))
    violation: dict[str, Any] = {"dossier_id": "D1", "rule_id": "R", "event_id": None, "kind": "violation",
                 "severity": "high", "unit_code": "U1", "procedure_code": None,
                 "occurred_at": "2025-11-11T00:00:00+00:00", "legal_basis": "x", "rulebook_version": "v1",
                 "evidence": {"a": 1}}  # fmt: skip
    message = ViolationMessage("open", AS_OF, "detector", 7, violation).encode()
    violations = converted(record(message, 0), topic=TOPICS.violations)
    writer = folding_writer(warehouse, SinkStats(), WorkerMetrics())
    writer.write(batch)
    writer.write(violations)
    tables = {"events": EVENT_COLUMNS, "rejected_events": REJECTION_COLUMNS, "violations": VIOLATION_COLUMNS,
              "dossiers": DOSSIER_COLUMNS, "dossier_outcomes": OUTCOME_COLUMNS}  # fmt: skip

    def read() -> dict[str, list[str]]:
        return {t: sorted(map(repr, warehouse.query(f"SELECT * FROM {t} FINAL"))) for t in tables}

    before = read()
    assert all(before.values())
    for table, columns in tables.items():
        probe = Probe(RefusesMarked(warehouse))
        with pytest.raises(WarehouseError) as refused:
            probe.insert(table, columns, [["marked"], *([None] for _ in columns[1:])])
        physical = count(warehouse, table, final=False)
        probe.precheck(refused.value)  # the stored row, inserted again: accepted
        assert count(warehouse, table, final=False) == physical + 1, table
        probe.confirm(refused.value)  # accepted since the refusal: nothing more to insert
        assert count(warehouse, table, final=False) == physical + 1, table
    assert read() == before


def test_a_sink_batch_stays_what_the_commit_counts(tmp_path: Path) -> None:
    """The batch changed in place by an isolation holds exactly what was stored (its rows) and rejected."""
    lines = examples()
    batch = converted(*(record(line, i) for i, line in enumerate([*lines, renamed(lines[0], "poison-x")])))
    with open_warehouse(f"chdb://{tmp_path}/wh") as real:
        migrate(real)
        writer_of(FaultyWarehouse(real, {"poison-x"}, outage=False)).write(batch)
        assert sorted(row[0] for row in batch.events) == event_ids(real)
    assert isinstance(batch, SinkBatch) and batch.rejected_reasons == [UNSTORABLE]
