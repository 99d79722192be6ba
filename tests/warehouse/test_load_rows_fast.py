"""The load's rows with instants as epoch seconds are the general rows, once in Arrow (issue 18).

A load's workers give some ``DateTime`` columns to their frames as whole epoch seconds
(``build_column(seconds=True)``) rather than as datetimes the column converts: the events' ``occurred_at``
and ``ingested_at`` (``event_row(seconds=True)``, checked against the general row, pydantic's, as the fast
row is in tests/schemas/test_event_row_fast.py) and the outcome rows' ``valid_from``
(``fold_rows(seconds=True)``, whose dossier row also hands its history keys to the outcome rows). Checked
here against the general functions, differentially:

- every generated event (every type, optional members absent, null or set, sources, offsets, odd text,
  pseudonymised or not) and every odd one (unknown members anywhere, an unset member holding a value,
  offsets not in whole minutes, naive times, other classes): the same row, value for value and type for
  type, but for the instants, which are the seconds their column stores (the same Arrow table);
- instants of every offset and microsecond, the first and last years included (where converting to UTC
  overflows: the same error), for ``valid_from`` and the stale rows' tombstones;
- the folds of simulated dossiers, one that cannot be judged, and stored keys to empty;
- the frames refuse seconds for a column that holds no instants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic_core import TzInfo

import warehouse.event_rows as rows_module
from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.row_frames import FoldFrames, RowFrames
from dossier_audit.simulator import SimulationConfig, simulate
from inspections.metrics import DossierOutcome
from schemas.events import EVENT_ADAPTER, AnyEvent
from tests.depth import examples
from tests.schemas.test_event_row_fast import PSEUDONYMISER, documents, odd_events, received_event
from warehouse import open_warehouse, projection
from warehouse.backends.arrow_columns import build_column, build_table, column_types, epoch_seconds
from warehouse.base import WarehouseError
from warehouse.event_rows import EVENT_COLUMNS, _general_event_row, event_row
from warehouse.event_rows import EVENT_SECONDS as SECONDS
from warehouse.migrate import migrate
from warehouse.projection import fold_rows
from warehouse.store import (
    DOSSIER_COLUMNS,
    DOSSIER_KEYS,
    OUTCOME_COLUMNS,
    OUTCOME_SECONDS,
    VIOLATION_COLUMNS,
    epoch_us,
    outcome_rows,
    outcome_tombstones,
)

TABLES = ("events", "dossiers", "dossier_outcomes", "violations")
AT = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
AS_OF = datetime(2024, 3, 25, tzinfo=timezone(timedelta(hours=7)))
#: Offsets a datetime can have: under a day, in whole seconds (pydantic's zones) or not (``timezone``).
ZONES = st.integers(-86_399, 86_399).map(TzInfo) | st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59, seconds=-59, microseconds=-999_999),
    max_value=timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999),
).map(timezone)
INSTANTS = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999_999))


@pytest.fixture(scope="module")
def types(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Each table's column types, as a migrated warehouse reports them (what the load's frames get)."""
    with open_warehouse(f"chdb://{tmp_path_factory.mktemp('types')}/wh", create_database=True) as wh:
        migrate(wh)
        return {table: column_types(wh, table) for table in TABLES}


def arrow(types: dict[str, str], columns: tuple[str, ...], rows: list[Any], seconds: Any = ()) -> pa.Table:
    return build_table(columns, types, [list(values) for values in zip(*rows, strict=True)], seconds)


def assert_same_rows(
    fast_rows: list[tuple[Any, ...]], general: list[tuple[Any, ...]], columns: tuple[str, ...], seconds: Any,
    types: dict[str, str],
) -> None:  # fmt: skip
    """The rows equal but for the ``seconds`` columns, value for value and type for type, and build the
    same Arrow table (those columns included)."""
    assert len(fast_rows) == len(general)
    keep = [i for i, name in enumerate(columns) if name not in seconds]
    for new, old in zip(fast_rows, general, strict=True):
        assert [new[i] for i in keep] == [old[i] for i in keep]
        assert [type(new[i]) for i in keep] == [type(old[i]) for i in keep]
        assert repr([new[i] for i in keep]) == repr([old[i] for i in keep])
        assert all(type(new[i]) is int for i, name in enumerate(columns) if name in seconds)
    if general:
        assert arrow(types, columns, fast_rows, seconds).equals(arrow(types, columns, general))


def _fell_back(*args: Any) -> tuple[Any, ...]:
    raise AssertionError("the fast events row fell back to the general one")


# -- events ------------------------------------------------------------------------------------------------
@settings(
    max_examples=examples(250), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=documents(), pseudonymise=st.booleans(), ingested=INSTANTS, zone=ZONES | st.none())
def test_generated_events_give_the_general_rows(
    doc: dict[str, Any], pseudonymise: bool, ingested: datetime, zone: Any, types: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    event = EVENT_ADAPTER.validate_json(orjson.dumps(doc))
    if pseudonymise:
        event = PSEUDONYMISER.apply(event)
    ingested_at = ingested.replace(tzinfo=zone)
    try:
        seconds = epoch_seconds(types["events"]["ingested_at"], ingested_at)
    except WarehouseError:  # out of DateTime's range once converted: the load would fail before any row
        return
    assert seconds is not None
    with monkeypatch.context() as patch:
        patch.setattr(rows_module, "_general_event_row", _fell_back)
        rows = [event_row(event, "f", 7, seconds, seconds=True)]
    general = [_general_event_row(event, "f", 7, ingested_at)]
    assert_same_rows(rows, general, EVENT_COLUMNS, SECONDS, types["events"])


def test_odd_events_give_the_general_rows(types: dict[str, dict[str, str]]) -> None:
    ingested = datetime(2024, 3, 25, 1, 2, 3, 456_789, tzinfo=UTC)
    seconds = epoch_seconds(types["events"]["ingested_at"], ingested)
    assert seconds is not None
    events = odd_events()
    general = [_general_event_row(event, "f", n, ingested) for n, event in enumerate(events)]
    rows = [event_row(event, "f", n, seconds, seconds=True) for n, event in enumerate(events)]
    assert_same_rows(rows, general, EVENT_COLUMNS, SECONDS, types["events"])


def test_an_event_row_the_general_row_refuses_is_refused_alike() -> None:
    event = received_event()
    broken = event.model_copy(update={"occurred_at": "2025-11-03"})  # not a datetime: no row at all
    with pytest.raises(AttributeError):
        event_row(broken, "f", 7, AT)
    with pytest.raises(AttributeError):
        event_row(broken, "f", 7, 0, seconds=True)


def test_a_naive_ingestion_time_is_converted_as_its_column_converts_it(
    types: dict[str, dict[str, str]],
) -> None:
    for value in (datetime(2024, 3, 25, 1, 2, 3, 999_999), datetime(1969, 12, 31, 23, 59, 59, 500_000), AT):
        stored = build_column("ingested_at", types["events"]["ingested_at"], [value])
        assert epoch_seconds(types["events"]["ingested_at"], value) == stored.cast(pa.int64())[0].as_py()


# -- outcome rows ------------------------------------------------------------------------------------------
def _outcome(n: int) -> DossierOutcome:
    return DossierOutcome(f"D{n}", "U", "1.1", date(2024, 1, n % 28 + 1), "direct", None, "early", n, None)


@settings(
    max_examples=examples(250), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(instants=st.lists(st.tuples(INSTANTS, ZONES), min_size=1, max_size=4), field=st.none() | st.just("F"))
@example(instants=[(datetime(1, 1, 1), TzInfo(1))], field=None)  # before year 1 in UTC
@example(instants=[(datetime(9999, 12, 31, 23, 59, 59), TzInfo(-1))], field=None)  # after 9999
@example(
    instants=[
        (datetime(2024, 1, 1, 0, 0, 0, 999_999), TzInfo(1)),
        (datetime(1969, 12, 31, 23, 59, 59, 1), timezone(timedelta(microseconds=-3))),
    ],
    field="F",
)
def test_outcome_rows_in_seconds_are_the_general_ones(
    instants: list[tuple[datetime, Any]], field: str | None, types: dict[str, dict[str, str]]
) -> None:
    """Every instant, the first and last years included: where the general rows fail (the UTC time is out
    of ``datetime``'s years), these fail the same way; an instant ``DateTime`` cannot hold fails to build."""
    history = [(local.replace(tzinfo=zone), _outcome(n)) for n, (local, zone) in enumerate(instants)]
    failed: list[type[BaseException]] = []
    rows: list[list[tuple[Any, ...]]] = []
    for seconds in (False, True):
        try:
            keys = None if not seconds else [epoch_us(t) for t, _ in history]
            rows.append(outcome_rows(history, field, 7, keys, seconds=seconds))
        except OverflowError as exc:
            failed.append(type(exc))
    if failed:
        assert failed == [OverflowError, OverflowError]
        return
    general, in_seconds = rows
    assert outcome_rows(history, field, 7, seconds=True) == in_seconds  # keys given or not: the same rows
    # Every instant, before 1970 too (floored, not truncated), whether or not a table can hold its row.
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert [row[2] for row in in_seconds] == [(row[2] - epoch) // timedelta(seconds=1) for row in general]
    try:
        expected = arrow(types["dossier_outcomes"], OUTCOME_COLUMNS, general)
    except WarehouseError:  # before 1970 (no UInt64 key) or after 2106 (no DateTime): refused alike
        with pytest.raises(WarehouseError):
            arrow(types["dossier_outcomes"], OUTCOME_COLUMNS, in_seconds, OUTCOME_SECONDS)
        return
    assert_same_rows(in_seconds, general, OUTCOME_COLUMNS, OUTCOME_SECONDS, types["dossier_outcomes"])
    assert arrow(types["dossier_outcomes"], OUTCOME_COLUMNS, in_seconds, OUTCOME_SECONDS).equals(expected)


@settings(max_examples=examples(150), deadline=None)
@given(keys=st.lists(st.integers(-62_135_596_800 * 10**6, 2**32 * 10**6), max_size=5))
def test_tombstones_in_seconds_are_the_general_ones(keys: list[int]) -> None:
    general = list(outcome_tombstones("D", date(2024, 1, 2), keys, 7))
    in_seconds = list(outcome_tombstones("D", date(2024, 1, 2), keys, 7, seconds=True))
    assert [row[:2] + row[3:] for row in in_seconds] == [row[:2] + row[3:] for row in general]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert [row[2] for row in in_seconds] == [(row[2] - epoch) // timedelta(seconds=1) for row in general]


# -- folds -------------------------------------------------------------------------------------------------
#: The simulated province's ``as_of`` (``dossiers``).
SIMULATED_AS_OF: list[datetime] = []


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, list[AnyEvent]]]:
    """A simulated province's dossiers, their events pseudonymised, in event-time order."""
    folder = tmp_path_factory.mktemp("sim")
    config = SimulationConfig(dossiers=300, seed=11)
    SIMULATED_AS_OF[:] = [simulate(config, folder / "events.jsonl", folder / "truth.jsonl").as_of]
    found: dict[str, dict[str, AnyEvent]] = {}
    for line in (folder / "events.jsonl").read_bytes().splitlines():
        event = PSEUDONYMISER.apply(EVENT_ADAPTER.validate_json(line))
        found.setdefault(event.dossier_id, {}).setdefault(event.event_id, event)
    return [(d, sorted(events.values(), key=lambda e: e.occurred_at)) for d, events in found.items()]


def test_folds_in_seconds_are_the_general_ones(
    dossiers: list[tuple[str, list[AnyEvent]]],
    types: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every fold of a simulated province, with stored keys to empty for some, and one that cannot be
    judged: the same rows, the outcome rows' ``valid_from`` in seconds; the dossier row's keys are its
    history's."""
    auditor = Platform(load_settings()).auditor
    compared = {"dossiers": 0, "dossier_outcomes": 0, "violations": 0}
    for n, (dossier_id, events) in enumerate(dossiers):
        old = (date(2024, 1, 2), [n, 10**15 + n]) if n % 3 == 0 else None
        general = fold_rows(auditor, dossier_id, events, SIMULATED_AS_OF[0], 7, old)
        in_seconds = fold_rows(auditor, dossier_id, events, SIMULATED_AS_OF[0], 7, old, seconds=True)
        assert in_seconds.dossier == general.dossier and in_seconds.violations == general.violations
        if general.dossier is not None:
            history = auditor.outcome_history(dossier_id, events)
            assert general.dossier[DOSSIER_KEYS] == [epoch_us(t) for t, _ in history]
            compared["dossiers"] += 1
        assert_same_rows(
            in_seconds.outcomes, general.outcomes, OUTCOME_COLUMNS, OUTCOME_SECONDS, types["dossier_outcomes"]
        )
        compared["dossier_outcomes"] += len(general.outcomes)
        compared["violations"] += len(general.violations)
    assert all(compared.values()), compared

    def cannot_judge(*args: Any) -> Any:
        raise ValueError("cannot be judged")

    monkeypatch.setattr(projection, "classify", cannot_judge)
    dossier_id, events = dossiers[0]
    old = (date(2024, 1, 2), [5, 10**15])
    general = fold_rows(auditor, dossier_id, events, SIMULATED_AS_OF[0], 7, old)
    in_seconds = fold_rows(auditor, dossier_id, events, SIMULATED_AS_OF[0], 7, old, seconds=True)
    assert general.dossier is None and in_seconds.dossier is None and len(general.outcomes) == 2
    assert in_seconds.violations == general.violations
    assert_same_rows(
        in_seconds.outcomes, general.outcomes, OUTCOME_COLUMNS, OUTCOME_SECONDS, types["dossier_outcomes"]
    )


def test_fold_frames_of_rows_in_seconds_read_back_as_the_general_ones(
    dossiers: list[tuple[str, list[AnyEvent]]], types: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    auditor = Platform(load_settings()).auditor
    columns = {
        "dossiers": DOSSIER_COLUMNS,
        "dossier_outcomes": OUTCOME_COLUMNS,
        "violations": VIOLATION_COLUMNS,
    }
    tables = {name: (columns[name], types[name]) for name in columns}
    read = []
    for folder, seconds in ((tmp_path / "general", False), (tmp_path / "seconds", True)):
        folder.mkdir()
        frames = FoldFrames(
            folder, tables, seconds={"dossier_outcomes": OUTCOME_SECONDS} if seconds else None
        )
        for dossier_id, events in dossiers:
            fold = fold_rows(auditor, dossier_id, events, SIMULATED_AS_OF[0], 7, seconds=seconds)
            frames.add(fold.dossier, fold.outcomes, fold.violations)
        frames.flush()
        read.append({name: pa.Table.from_batches(t.read(1 << 30)) for name, t in frames.tables.items()})
        frames.close()
    general, in_seconds = read
    for name in columns:
        assert in_seconds[name].num_rows > 0 and in_seconds[name].equals(general[name]), name


# -- columns and frames ------------------------------------------------------------------------------------
#: Instants within 2**32 s of the epoch (a ``DateTime`` holds 1970 to 2106): there the general path's float
#: timestamps floor to the exact second (``native.aware_epoch_seconds``), which the seconds are.
COLUMN_INSTANTS = st.datetimes(min_value=datetime(1902, 1, 1), max_value=datetime(2106, 1, 1))


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.none() | COLUMN_INSTANTS.map(lambda t: t.replace(tzinfo=UTC)), min_size=1, max_size=8))
def test_a_column_of_seconds_is_the_column_of_their_instants(values: list[datetime | None]) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    seconds = [None if v is None else (v - epoch) // timedelta(seconds=1) for v in values]
    for ch_type in ("Nullable(DateTime('UTC'))", "DateTime"):
        try:
            expected = build_column("at", ch_type, values)
        except WarehouseError as exc:  # a NULL where the column takes none: refused alike
            with pytest.raises(WarehouseError) as refused:
                build_column("at", ch_type, seconds, seconds=True)
            assert str(refused.value) == str(exc)
            continue
        assert build_column("at", ch_type, seconds, seconds=True).equals(expected)


def test_seconds_are_refused_where_a_column_holds_no_instants(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="does not hold instants"):
        build_column("n", "Int64", [1], seconds=True)
    with pytest.raises(WarehouseError):
        build_column("at", "DateTime", ["2024-01-01"], seconds=True)
    for number in (1_704_067_199, 1.5):  # seconds given without saying so: refused, not read as microseconds
        for ch_type in ("DateTime('UTC')", "Nullable(DateTime('UTC'))"):
            with pytest.raises(WarehouseError, match="is a number, not an instant"):
                build_column("at", ch_type, [number])
            with pytest.raises(WarehouseError, match="is a number, not an instant"):
                build_column("at", ch_type, [datetime(2024, 1, 1, tzinfo=UTC), None, number])
    types = {"a": "String", "at": "DateTime('UTC')"}
    with pytest.raises(ValueError, match="hold no instants"):
        RowFrames(tmp_path, "t", ("a", "at"), types, seconds=("a",))
    with pytest.raises(ValueError, match="hold no instants"):
        RowFrames(tmp_path, "t", ("a",), types, seconds=("at",))
    frames = RowFrames(tmp_path, "t", ("a", "at"), types, seconds=("at",))
    frames.add([("x", 1_700_000_000)])
    frames.flush()
    (batch,) = frames.read(1 << 20)
    assert batch.column(1).equals(
        build_column("at", "DateTime('UTC')", [datetime.fromtimestamp(1_700_000_000, UTC)])
    )
