"""The procedure catalogue: procedures, their components and publication, administrative units.

Pure domain model and queries. Loading and dumping YAML lives in ``inspections.files.catalogue``.
Queries are called per dossier on the hot path, so the constructor precomputes every index they need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from inspections.names import Name, spaced_brackets
from inspections.time_limits import MaxTime, TimeLimit, checked_time_limits, in_force, parse_processing_time
from inspections.timeunits import NO_LIMIT, VN_TZ

__all__ = [
    "Catalogue",
    "CatalogueMeta",
    "Component",
    "Level",
    "Procedure",
    "ProcedureField",
    "Publication",
    "TimeLimit",
    "Unit",
    "parse_processing_time",
]


class Level(StrEnum):
    """Administrative level of a unit (districts exist only before 2025-07-01)."""

    PROVINCE = "province"
    DEPARTMENT = "department"
    DISTRICT = "district"
    COMMUNE = "commune"


_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ProcedureField(BaseModel):
    """A field (*lĩnh vực*) grouping procedures. Its name gets a space before a bracket that follows a
    word: the national portal writes "Việc làm(Bộ Nội vụ)", which reports printed as it is."""

    model_config = _FROZEN

    code: str = Field(min_length=1)
    name: Name

    @field_validator("name")
    @classmethod
    def _spaced_brackets(cls, name: str) -> str:
        return spaced_brackets(name)


class Component(BaseModel):
    """A document component (*thành phần hồ sơ*) of a procedure."""

    model_config = _FROZEN

    code: str = Field(min_length=1)
    name: Name
    mandatory: bool = True


class Publication(BaseModel):
    """Who may receive dossiers under a procedure and when: one ``unit`` or every unit of a ``level``.

    ``valid_to`` is exclusive; ``None`` means still published.
    """

    model_config = _FROZEN

    unit: str | None = Field(default=None, min_length=1)
    level: Level | None = None
    valid_from: date
    valid_to: date | None = None

    @model_validator(mode="after")
    def _exactly_one_target(self) -> Publication:
        if (self.unit is None) == (self.level is None):
            raise ValueError("a publication names exactly one of 'unit' or 'level'")
        return self

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


class Procedure(BaseModel):
    """An administrative procedure (*thủ tục hành chính*) as published."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=False)

    code: str = Field(min_length=1)
    name: Name
    field: str = Field(min_length=1)
    max_time: MaxTime = NO_LIMIT
    components: tuple[Component, ...] = ()
    publications: tuple[Publication, ...] = ()
    #: Dossiers may wait for fees or taxes: only these pause for it under rulebook v2 (amendment 8).
    financial_obligation: bool = False
    weight: int | None = Field(default=None, ge=0)
    source: str = ""

    #: Later time limits, each for the dossiers received from its ``valid_from`` until the next one's;
    #: ``max_time`` is the limit of those received before the first (``Catalogue.procedure(code, on)``).
    time_limits: tuple[TimeLimit, ...] = ()

    @field_validator("time_limits", mode="after")
    @classmethod
    def _check_time_limits(cls, value: tuple[TimeLimit, ...]) -> tuple[TimeLimit, ...]:
        return checked_time_limits(value)


class Unit(BaseModel):
    """A version of an administrative unit, valid on ``[valid_from, valid_to)``.

    Units abolished by a reform are kept with their ``successor`` so history can be grouped.
    """

    model_config = _FROZEN

    code: str = Field(min_length=1)
    name: Name
    parent: str | None = None
    level: Level
    valid_from: date
    valid_to: date | None = None
    successor: str | None = None

    def valid_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


class CatalogueMeta(BaseModel):
    """What a catalogue is: its name, version, provenance, and whether it is sample or incomplete data."""

    model_config = _FROZEN

    name: Name
    version: str = "1"
    sample: bool = False
    incomplete: bool = False
    source: str = ""

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        # YAML reads `version: 1` or `version: 2025.1` as a number; a version is a label.
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


_Interval = tuple[date, date | None]


def _covers(intervals: tuple[_Interval, ...], on: date) -> bool:
    # A plain loop: any() over a generator costs a frame per call on the per-dossier path.
    for start, end in intervals:  # noqa: SIM110
        if start <= on and (end is None or on < end):
            return True
    return False


class Catalogue:
    """An immutable catalogue with precomputed indexes for per-dossier queries.

    The constructor does not check references (the loader does); queries treat dangling references
    as unknown.
    """

    __slots__ = (
        "_by_level",
        "_by_unit",
        "_components",
        "_current",
        "_descendants",
        "_fields_of",
        "_in_force",
        "_merged",
        "_unit_spans",
        "fields",
        "meta",
        "procedures",
        "units",
    )

    def __init__(
        self,
        procedures: Iterable[Procedure],
        units: Iterable[Unit],
        fields: Iterable[ProcedureField],
        meta: CatalogueMeta,
    ) -> None:
        self.procedures: Mapping[str, Procedure] = MappingProxyType({p.code: p for p in procedures})
        self.units: Mapping[str, Unit] = MappingProxyType({u.code: u for u in units})
        self.fields: Mapping[str, ProcedureField] = MappingProxyType({f.code: f for f in fields})
        self.meta = meta

        # A procedure as in force under each of its time limits, made once (a dossier asks per verdict).
        self._in_force = {
            p.code: {t.max_time: p.model_copy(update={"max_time": t.max_time}) for t in p.time_limits}
            for p in self.procedures.values()
            if p.time_limits
        }
        self._components = {p.code: frozenset(c.code for c in p.components) for p in self.procedures.values()}
        self._fields_of = {p.code: p.field for p in self.procedures.values()}
        self._unit_spans = {u.code: (u.level.value, u.valid_from, u.valid_to) for u in self.units.values()}

        by_unit: dict[tuple[str, str], list[_Interval]] = {}
        by_level: dict[tuple[str, str], list[_Interval]] = {}
        for p in self.procedures.values():
            for pub in p.publications:
                if pub.unit is not None:
                    by_unit.setdefault((p.code, pub.unit), []).append((pub.valid_from, pub.valid_to))
                elif pub.level is not None:
                    by_level.setdefault((p.code, pub.level.value), []).append((pub.valid_from, pub.valid_to))
        self._by_unit = {k: tuple(v) for k, v in by_unit.items()}
        self._by_level = {k: tuple(v) for k, v in by_level.items()}

        self._current = {code: self._follow_successors(code) for code in self.units}
        self._descendants = self._index_descendants()
        self._merged = self._index_descendants(children=False)

    def _follow_successors(self, code: str) -> str:
        seen = {code}
        unit = self.units.get(code)
        while unit is not None and unit.successor is not None and unit.successor not in seen:
            code = unit.successor
            seen.add(code)
            unit = self.units.get(code)
        return code

    def _index_descendants(self, *, children: bool = True) -> dict[str, frozenset[str]]:
        # Reverse edges: a unit "contains" its children and the units that were merged into it.
        below: dict[str, list[str]] = {}
        for u in self.units.values():
            if children and u.parent is not None:
                below.setdefault(u.parent, []).append(u.code)
            if u.successor is not None and u.successor != u.code:
                below.setdefault(u.successor, []).append(u.code)
        result: dict[str, frozenset[str]] = {}
        for code in self.units:
            seen = {code}
            stack = [code]
            while stack:
                for child in below.get(stack.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        stack.append(child)
            result[code] = frozenset(seen)
        return result

    # --- queries -------------------------------------------------------------------------------

    def procedure(self, code: str, on: date | None = None) -> Procedure | None:
        """The procedure with this code, or ``None``; with ``on`` (the day a dossier was received: a
        ``datetime`` is taken in Vietnam's time zone), as in force that day: its ``max_time`` is the time
        limit of the dossiers received then (``time_limits``)."""
        found = self.procedures.get(code)
        if on is None or found is None or not found.time_limits:
            return found
        if isinstance(on, datetime):
            on = on.astimezone(VN_TZ).date()
        versions = self._in_force[code]
        limit = in_force(found.max_time, found.time_limits, on)
        return versions.get(limit, found)

    def component_codes(self, code: str) -> frozenset[str] | None:
        """Codes of the procedure's published components; ``None`` when the procedure is unknown."""
        return self._components.get(code)

    def field_of(self, procedure_code: str) -> str | None:
        """The field code of a procedure, or ``None`` when the procedure is unknown."""
        return self._fields_of.get(procedure_code)

    def is_published(self, procedure_code: str, unit_code: str, on: date) -> bool:
        """Whether ``unit_code`` may receive dossiers under the procedure on ``on``.

        True when the unit exists and is valid on that date, and a publication naming the unit or its
        level is valid on that date. A ``datetime`` is converted to its date in Vietnam's time zone.
        """
        if isinstance(on, datetime):
            on = on.astimezone(VN_TZ).date()
        span = self._unit_spans.get(unit_code)
        if span is None:
            return False
        level, start, end = span
        if on < start or (end is not None and on >= end):
            return False
        own = self._by_unit.get((procedure_code, unit_code))
        if own is not None and _covers(own, on):
            return True
        by_level = self._by_level.get((procedure_code, level))
        return by_level is not None and _covers(by_level, on)

    def unit(self, code: str) -> Unit | None:
        """The unit with this code, or ``None``."""
        return self.units.get(code)

    def descendants(self, code: str) -> frozenset[str]:
        """The unit, its children transitively, and every unit whose successor chain leads into them.

        An unknown code yields just itself, so an inspection of it still matches its own dossiers.
        """
        found = self._descendants.get(code)
        return found if found is not None else frozenset((code,))

    def merged_into(self, code: str) -> frozenset[str]:
        """The unit and every unit whose successor chain leads into it, not its children: the unit as the
        reports count it (amendment 11 groups a merged unit's dossiers under its successor). An unknown code
        yields just itself."""
        found = self._merged.get(code)
        return found if found is not None else frozenset((code,))

    def in_force_group(self, code: str, on: date) -> frozenset[str]:
        """The unit codes whose dossiers count for ``code`` in a period whose last day is ``on``: those
        :meth:`current_on` carries on to it then (itself while in force; units merged into it by then), as
        ``metrics --by unit`` groups them (amendment 11: "each group equals ``metrics --unit`` for that
        unit"). Empty for a unit abolished by then (its dossiers count for its successor); an unknown code
        is itself."""
        return frozenset(c for c in self.merged_into(code) if self.current_on(c, on) == code)

    def unit_scope(self, code: str | None) -> frozenset[str] | None:
        """What an inspection of unit ``code`` covers (``descendants``); ``None`` (no filter) for no unit."""
        return None if code is None else self.descendants(code)

    def current(self, code: str) -> str:
        """The unit that carries on ``code`` today (following successors); itself if none."""
        return self._current.get(code, code)

    def current_on(self, code: str, on: date) -> str:
        """The unit that carries on ``code`` on ``on``: itself while it is in force then, else its
        successor's, following the chain (rulebook v2, amendment 11: a reporting period's dossiers are
        grouped under the units in force at its end). Unknown codes and units abolished without a successor
        stay themselves."""
        seen = {code}
        unit = self.units.get(code)
        while unit is not None and unit.valid_to is not None and unit.valid_to <= on:
            successor = unit.successor
            if successor is None or successor in seen:
                break
            code = successor
            seen.add(code)
            unit = self.units.get(code)
        return code

    # --- combination ---------------------------------------------------------------------------

    def merge(self, other: Catalogue) -> Catalogue:
        """A catalogue with ``other`` laid over this one: on equal codes, ``other`` wins.

        The result is sample data when either part is, and incomplete when either part is.
        """
        meta = CatalogueMeta(
            name=other.meta.name,
            version=other.meta.version,
            sample=self.meta.sample or other.meta.sample,
            incomplete=self.meta.incomplete or other.meta.incomplete,
            source="; ".join(s for s in (self.meta.source, other.meta.source) if s),
        )
        return Catalogue(
            procedures={**self.procedures, **other.procedures}.values(),
            units={**self.units, **other.units}.values(),
            fields={**self.fields, **other.fields}.values(),
            meta=meta,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Catalogue):
            return NotImplemented
        return (
            self.meta == other.meta
            and dict(self.procedures) == dict(other.procedures)
            and dict(self.units) == dict(other.units)
            and dict(self.fields) == dict(other.fields)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Catalogue({self.meta.name!r}, {len(self.procedures)} procedures, "
            f"{len(self.units)} units, {len(self.fields)} fields)"
        )
