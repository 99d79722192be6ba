"""Reading the newest catalogue and calendar snapshot back from the warehouse (the inverse of
:func:`warehouse.store.store_catalogue`), so that a stream worker audits with exactly what was loaded.

The snapshot tables do not keep the catalogue's ``incomplete`` flag nor the calendar's working hours: a
loaded catalogue has ``incomplete=False`` and the calendar has the default working hours (what
``store_catalogue`` writes comes from the shipped defaults; neither changes a verdict of the rulebook).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from inspections.calendar import WorkingCalendar
from inspections.calendar_days import CalendarDay, Confidence
from inspections.catalogue import (
    Catalogue,
    CatalogueMeta,
    Component,
    Level,
    Procedure,
    ProcedureField,
    Publication,
    TimeLimit,
    Unit,
)
from inspections.time_limits import STORED_SNAPSHOT
from inspections.timeunits import ProcessingTime, TimeUnit
from warehouse.base import Warehouse, WarehouseError
from warehouse.queries import load_sql
from warehouse.store import snapshot_digest, store_catalogue

__all__ = ["CatalogueSnapshotError", "StoredCatalogue", "load_stored_catalogue", "store_if_changed"]


class CatalogueSnapshotError(WarehouseError):
    """The warehouse holds no catalogue snapshot, or one that does not form a valid catalogue."""


@dataclass(frozen=True)
class StoredCatalogue:
    """A catalogue and calendar as stored under one snapshot id."""

    snapshot: int
    catalogue: Catalogue
    calendar: WorkingCalendar


def load_stored_catalogue(wh: Warehouse, snapshot: int | None = None) -> StoredCatalogue:
    """The newest snapshot (or the given one): its catalogue and its working calendar.

    Raises :class:`CatalogueSnapshotError` when there is none (``dossier-audit warehouse init`` stores one).
    """
    meta_row = _snapshot_row(wh, snapshot)
    snap = int(meta_row[0])
    params = {"snapshot": snap}
    try:
        catalogue = _catalogue(wh, meta_row, params)
        calendar = _calendar(wh, params)
    except (ValueError, KeyError) as exc:  # pydantic's ValidationError is a ValueError
        raise CatalogueSnapshotError(f"catalogue snapshot {snap} is not a valid catalogue: {exc}") from exc
    return StoredCatalogue(snap, catalogue, calendar)


def newest_snapshot(wh: Warehouse) -> int | None:
    """The id of the newest catalogue snapshot (the one readers use), ``None`` before any."""
    newest = wh.query(load_sql("catalogue_newest_digest"))
    return int(newest[0][0]) if newest else None


def store_if_changed(wh: Warehouse, catalogue: Catalogue, calendar: WorkingCalendar) -> int | None:
    """Store ``catalogue`` and ``calendar`` as a new snapshot unless the newest one was made from them (its
    ``digest``, ``store.snapshot_digest``); the new snapshot's id, else ``None``.

    A load judges with the catalogue it is given: stored, it is what the detectors started after it, the
    quality checks and the packs' calendar read (a catalogue edited without ``warehouse init`` judged the
    load's verdicts while they read the one before: review of rules over time). By digest, not by reading
    the snapshot back: a date its Date column cannot hold (a unit "valid to 9999-12-31") never read back the
    same, and every load stored the catalogue again (diff review); and it costs one row, not the catalogue."""
    digest = snapshot_digest(catalogue, calendar)
    newest = wh.query(load_sql("catalogue_newest_digest"))
    if newest and newest[0][1] == digest:
        return None
    if newest and not newest[0][1] and _holds(wh, catalogue, calendar):
        # Recorded by a release before digests, of the same files: kept, and its digest recorded, once.
        (row,) = wh.query(load_sql("catalogue_snapshot_record"), {"snapshot": newest[0][0]})
        columns = ["snapshot", "name", "catalogue_version", "sample", "source", "loaded_at", "digest"]
        wh.insert("catalogue_snapshots", columns, [[value] for value in (*row, digest)])
        return None
    return store_catalogue(wh, catalogue, calendar).snapshot


def _holds(wh: Warehouse, catalogue: Catalogue, calendar: WorkingCalendar) -> bool:
    """Whether the newest snapshot reads back as ``catalogue`` and ``calendar`` (what it keeps of them)."""
    try:
        stored = load_stored_catalogue(wh)
    except CatalogueSnapshotError:
        return False
    kept = Catalogue(
        catalogue.procedures.values(), catalogue.units.values(), catalogue.fields.values(),
        catalogue.meta.model_copy(update={"incomplete": False}),
    )  # fmt: skip
    return stored.catalogue == kept and stored.calendar.to_rows() == calendar.to_rows()


def _snapshot_row(wh: Warehouse, snapshot: int | None) -> tuple[Any, ...]:
    if snapshot is None:
        rows = wh.query(load_sql("catalogue_read_snapshot"))
    else:
        rows = wh.query(load_sql("catalogue_read_snapshot_by_id"), {"snapshot": snapshot})
    if not rows:
        which = "no catalogue snapshot" if snapshot is None else f"no catalogue snapshot {snapshot}"
        raise CatalogueSnapshotError(
            f"the warehouse {wh.url} has {which}: store one with "
            f"`dossier-audit warehouse init --warehouse {wh.url}`"
        )
    return tuple(rows[0])


#: A snapshot's time limits were checked when it was stored: a larger bound of a later release does not
#: refuse them (``time_limits.STORED_SNAPSHOT``); a value no release accepts (``nan``, ``inf``) still is.
_STORED = {STORED_SNAPSHOT: True}


def _catalogue(wh: Warehouse, meta_row: tuple[Any, ...], params: dict[str, Any]) -> Catalogue:
    _, name, version, sample, source = meta_row
    meta = CatalogueMeta(name=name, version=version, sample=bool(sample), source=source)
    fields = [ProcedureField(code=c, name=n) for c, n in wh.query(load_sql("catalogue_read_fields"), params)]
    units = [
        Unit(
            code=code,
            name=name_,
            parent=parent,
            level=Level(level),
            valid_from=valid_from,
            valid_to=valid_to,
            successor=successor,
        )
        for code, name_, parent, level, valid_from, valid_to, successor in wh.query(
            load_sql("catalogue_read_units"), params
        )
    ]
    components: dict[str, list[Component]] = defaultdict(list)
    for procedure, code, name_, mandatory, _position in wh.query(
        load_sql("catalogue_read_components"), params
    ):
        components[procedure].append(Component(code=code, name=name_, mandatory=bool(mandatory)))
    publications: dict[str, list[Publication]] = defaultdict(list)
    for procedure, _position, unit, level, valid_from, valid_to in wh.query(
        load_sql("catalogue_read_publications"), params
    ):
        publications[procedure].append(
            Publication(
                unit=unit, level=Level(level) if level else None, valid_from=valid_from, valid_to=valid_to
            )
        )
    limits: dict[str, list[TimeLimit]] = defaultdict(list)
    for procedure, _position, valid_from, amount, unit in wh.query(
        load_sql("catalogue_read_time_limits"), params
    ):
        limit = {"valid_from": valid_from, "max_time": _processing_time(amount, unit)}
        limits[procedure].append(TimeLimit.model_validate(limit, context=_STORED))
    procedures = [
        Procedure.model_validate(
            {
                "code": code,
                "name": name_,
                "field": field,
                "max_time": _processing_time(amount, unit),
                "components": tuple(components.get(code, ())),
                "publications": tuple(publications.get(code, ())),
                "time_limits": tuple(limits.get(code, ())),
                "financial_obligation": bool(financial),
                "weight": weight,
                "source": source_,
            },
            context=_STORED,
        )
        for code, name_, field, amount, unit, financial, weight, source_ in wh.query(
            load_sql("catalogue_read_procedures"), params
        )
    ]
    return Catalogue(procedures=procedures, units=units, fields=fields, meta=meta)


def _processing_time(amount: float, unit: str) -> ProcessingTime:
    time_unit = TimeUnit(unit)
    if time_unit is TimeUnit.NONE:
        return ProcessingTime(0, TimeUnit.NONE)
    # Stored as Float64: give whole amounts back as integers, as the YAML loader does.
    value: float = int(amount) if float(amount).is_integer() else float(amount)
    return ProcessingTime(value, time_unit)


def _calendar(wh: Warehouse, params: dict[str, Any]) -> WorkingCalendar:
    rows = [
        CalendarDay(
            date=day,
            is_working_day=bool(working),
            kind=kind or None,
            holiday_name_vi=name_vi or None,
            holiday_name_en=name_en or None,
            replaces=replaces,
            source=source or None,
            confidence=Confidence(confidence) if confidence else None,
        )
        for day, working, kind, name_vi, name_en, replaces, source, confidence in wh.query(
            load_sql("catalogue_read_calendar"), params
        )
    ]
    if not rows:
        raise ValueError("the snapshot has no calendar days")
    _check_contiguous(rows[0].date, rows[-1].date, len(rows))
    return WorkingCalendar.from_rows(rows)


def _check_contiguous(first: date, last: date, n: int) -> None:
    expected = (last - first).days + 1
    if n != expected:
        raise ValueError(f"calendar days {first}..{last} should be {expected} rows, found {n}")
