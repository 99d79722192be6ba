"""The catalogue and calendar snapshot read back from the warehouse equal what was stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import orjson
import pytest

from dossier_audit.simulator import SimulationConfig, generate
from inspections.audit import audit_events
from inspections.calendar import WorkingCalendar
from inspections.catalogue import Catalogue
from inspections.files.calendar import load_calendar
from inspections.files.catalogue import CatalogueError, dump_catalogue, loads_catalogue, sample_catalogue
from inspections.rulebook import Auditor
from inspections.timeunits import ProcessingTime, TimeUnit
from schemas.events import EVENT_ADAPTER, AnyEvent
from warehouse.base import Warehouse
from warehouse.catalogue_read import CatalogueSnapshotError, load_stored_catalogue, store_if_changed
from warehouse.migrate import migrate
from warehouse.store import store_catalogue

EXTRA = """
catalogue: {name: Extra, version: 7, sample: false, source: "tests"}
fields: [{code: F1, name: Field one}]
units:
  - {code: U1, name: Unit one, level: commune, valid_from: 2020-01-01, valid_to: 2025-07-01, successor: U2}
  - {code: U2, name: Unit two, level: commune, valid_from: 2025-07-01}
procedures:
  - code: P-HALF
    name: Half a day
    field: F1
    max_time: 0.5 working_days
    weight: 3
    financial_obligation: true
    components: [{code: C1, name: Form}, {code: C2, name: Copy, mandatory: false}]
    publications:
      - {unit: U1, valid_from: 2020-01-01, valid_to: 2025-07-01}
      - {level: commune, valid_from: 2025-07-01}
  - {code: P-NONE, name: No limit, field: F1, max_time: none}
  - code: P-CAL
    name: Calendar days
    field: F1
    max_time: 10 calendar_days
    time_limits:
      - {valid_from: 2025-07-01, max_time: 0.5 working_days}
      - {valid_from: 2026-01-01, max_time: none}
"""


def _calendar_equal(a: WorkingCalendar, b: WorkingCalendar) -> None:
    assert (a.first_date, a.last_date) == (b.first_date, b.last_date)
    assert a.to_rows() == b.to_rows()
    assert a.working_hours == b.working_hours


def test_round_trip_of_the_sample(warehouse: Warehouse) -> None:
    migrate(warehouse)
    catalogue, calendar = sample_catalogue(), load_calendar()
    stored = store_catalogue(warehouse, catalogue, calendar)

    loaded = load_stored_catalogue(warehouse)

    assert loaded.snapshot == stored.snapshot
    assert loaded.catalogue == catalogue
    _calendar_equal(loaded.calendar, calendar)


def test_newest_snapshot_wins_and_odd_shapes_survive(warehouse: Warehouse) -> None:
    migrate(warehouse)
    calendar = load_calendar()
    store_catalogue(warehouse, sample_catalogue(), calendar)
    extra = loads_catalogue(EXTRA)
    store_catalogue(warehouse, extra, calendar)

    loaded = load_stored_catalogue(warehouse)

    assert loaded.catalogue == extra
    half = loaded.catalogue.procedure("P-HALF")
    assert half is not None and half.max_time.amount == 0.5 and half.components[1].mandatory is False
    assert loaded.catalogue.is_published("P-HALF", "U2", date(2025, 8, 1))
    # The later time limits come back too, each from its day (``procedure_time_limits``).
    limits = [loaded.catalogue.procedure("P-CAL", date(2025, m, 1)).max_time for m in (6, 7)]  # type: ignore[union-attr]
    assert [(t.amount, t.unit.value) for t in limits] == [(10, "calendar_days"), (0.5, "working_days")]
    assert not loaded.catalogue.procedure("P-CAL", date(2026, 1, 1)).max_time.is_limited  # type: ignore[union-attr]


def test_an_auditor_built_from_the_snapshot_gives_the_same_verdicts(warehouse: Warehouse, province) -> None:
    migrate(warehouse)
    catalogue, calendar = sample_catalogue(), load_calendar()
    store_catalogue(warehouse, catalogue, calendar)
    loaded = load_stored_catalogue(warehouse)
    events, as_of = province
    want = [v.to_json_dict() for v in audit_events(events, Auditor(catalogue, calendar), as_of)]
    got = [v.to_json_dict() for v in audit_events(events, Auditor(loaded.catalogue, loaded.calendar), as_of)]
    assert got == want and want


def test_no_snapshot_is_a_clear_error(warehouse: Warehouse) -> None:
    migrate(warehouse)
    # The command the message names exists (it once said `dossier-audit init`, which does not).
    with pytest.raises(CatalogueSnapshotError, match="`dossier-audit warehouse init --warehouse ") as caught:
        load_stored_catalogue(warehouse)
    assert warehouse.url in str(caught.value) and "dossier-audit init" not in str(caught.value)
    with pytest.raises(CatalogueSnapshotError, match="no catalogue snapshot 42"):
        load_stored_catalogue(warehouse, 42)


def _with_max_times(catalogue: Catalogue, max_time: ProcessingTime, limit: ProcessingTime) -> Catalogue:
    """``catalogue`` with P-CAL's times replaced unchecked (``model_copy``), as an earlier release stored
    them: its bound on an amount was none."""
    cal = catalogue.procedures["P-CAL"]
    later = (cal.time_limits[0].model_copy(update={"max_time": limit}), *cal.time_limits[1:])
    cal = cal.model_copy(update={"max_time": max_time, "time_limits": later})
    procedures = [cal if p.code == "P-CAL" else p for p in catalogue.procedures.values()]
    return Catalogue(procedures, catalogue.units.values(), catalogue.fields.values(), catalogue.meta)


def test_a_snapshot_stored_with_a_limit_above_the_bound_still_loads(warehouse: Warehouse) -> None:
    """The bound on a limit's amount (366 days, 2,928 working hours) came after snapshots were stored: one
    with 400 calendar days failed to load, ``worker detect --stored-catalogue`` with it, and the audit packs
    counted lateness in calendar days (review). It applies to catalogue files; ``nan`` stays refused."""
    migrate(warehouse)
    long = ProcessingTime(400, TimeUnit.CALENDAR_DAYS)
    older = _with_max_times(loads_catalogue(EXTRA), long, ProcessingTime(3000, TimeUnit.WORKING_HOURS))
    store_catalogue(warehouse, older, load_calendar())
    loaded = load_stored_catalogue(warehouse)
    assert loaded.catalogue == older
    assert loaded.catalogue.procedure("P-CAL", date(2025, 6, 1)).max_time == long  # type: ignore[union-attr]
    with pytest.raises(CatalogueError, match="above the largest allowed"):
        loads_catalogue(dump_catalogue(older))  # a file is held to it
    broken = _with_max_times(older, ProcessingTime(float("nan"), TimeUnit.CALENDAR_DAYS), long)
    store_catalogue(warehouse, broken, load_calendar())
    with pytest.raises(CatalogueSnapshotError, match="not a finite number"):
        load_stored_catalogue(warehouse)


@pytest.fixture(scope="module")
def province() -> tuple[list[AnyEvent], datetime]:
    config = SimulationConfig(start=date(2025, 9, 1), end=date(2025, 9, 22), dossiers=300, seed=3)
    events = [EVENT_ADAPTER.validate_json(orjson.dumps(e)) for e in generate(config)]
    return events, datetime(2025, 9, 25, tzinfo=UTC)


def test_a_snapshot_is_stored_only_when_the_catalogue_or_calendar_differs(warehouse: Warehouse) -> None:
    """``store_if_changed`` (each load), by digest: the same files store nothing; another catalogue or
    calendar is stored; a snapshot recorded before digests were kept (here, one with no rows) too. Compared by
    reading the snapshot back, a unit valid to 9999-12-31 (read back as 2149-06-06 on the embedded engine)
    made every load store the catalogue again (diff review): such a date is now refused where it is written.
    """
    migrate(warehouse)
    calendar = load_calendar()
    warehouse.insert("catalogue_snapshots", ["snapshot", "name"], [[1], ["a release before"]])  # digest ''
    forever = EXTRA.replace("valid_from: 2025-07-01}", "valid_from: 2025-07-01, valid_to: 9999-12-31}", 1)
    with pytest.raises(CatalogueError, match=r"units\[1\]\.valid_to: valid_to 9999-12-31 is outside"):
        loads_catalogue(forever, "forever.yaml")
    incomplete = loads_catalogue(EXTRA.replace("sample: false", "sample: false, incomplete: true"))
    first = store_if_changed(warehouse, incomplete, calendar)
    assert first is not None and store_if_changed(warehouse, incomplete, calendar) is None
    # What the snapshot does not keep (``incomplete``) is no difference (last review: each load stored it).
    assert store_if_changed(warehouse, loads_catalogue(EXTRA), calendar) is None
    rows = calendar.to_rows()
    i = next(i for i, row in enumerate(rows) if row.kind)  # the province's notice cited for a day off
    other = WorkingCalendar.from_rows(
        [*rows[:i], replace(rows[i], source="Thông báo của tỉnh"), *rows[i + 1 :]]
    )
    second = store_if_changed(warehouse, incomplete, other)
    assert second is not None and second > first
    assert load_stored_catalogue(warehouse).calendar.to_rows() == other.to_rows()
    assert store_if_changed(warehouse, sample_catalogue(), other) not in (None, second)


def test_a_snapshot_of_a_release_before_digests_is_kept_when_it_holds_the_same_files(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first load after the upgrade stored the catalogue again, and told the operator to restart the
    detectors, though nothing had changed (last review): a snapshot without a digest that reads back as the
    load's files is kept, its digest recorded, so the next load compares one row."""
    from warehouse import store

    migrate(warehouse)
    calendar, catalogue = load_calendar(), loads_catalogue(EXTRA)
    with monkeypatch.context() as patched:
        patched.setattr(store, "snapshot_digest", lambda *_: "")  # as a release before recorded it
        before = store_catalogue(warehouse, catalogue, calendar).snapshot
    assert store_if_changed(warehouse, catalogue, calendar) is None
    assert load_stored_catalogue(warehouse).snapshot == before

    def no_read_back(*_: object) -> None:
        raise AssertionError("compared by digest, not read back")

    monkeypatch.setattr("warehouse.catalogue_read.load_stored_catalogue", no_read_back)
    assert store_if_changed(warehouse, catalogue, calendar) is None
    assert store_if_changed(warehouse, sample_catalogue(), calendar) is not None  # another: stored
