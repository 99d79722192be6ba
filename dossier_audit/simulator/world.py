"""The simulated province's world: the calendar, the catalogue, the working-minute clock and the weighted
choices of receiving units, procedures and transfer targets (cached per day)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from dossier_audit.simulator import clock as ck
from dossier_audit.simulator.config import PLAN_AFTER, PLAN_BEFORE, SimulationConfig

if TYPE_CHECKING:
    from inspections.calendar import WorkingCalendar
    from inspections.catalogue import Catalogue

#: Relative volume of a receiving unit by level.
LEVEL_WEIGHT = {"province": 1.0, "department": 3.0, "district": 2.0, "commune": 1.0}


def default_calendar() -> WorkingCalendar:
    """The shipped Vietnamese civil-service calendar (loaded once per call: reuse it)."""
    from inspections.files.calendar import load_calendar

    return load_calendar()


def default_catalogue() -> Catalogue:
    """The bundled sample province catalogue."""
    from inspections.files.catalogue import sample_catalogue

    return sample_catalogue()


class NoReceivingUnit(ValueError):
    """No unit of the simulated catalogue can receive a dossier on a day of the period: none is valid then
    with a procedure published for it (a ``--start`` before the catalogue publishes anything, typically)."""

    def __init__(self, day: date, catalogue: Catalogue) -> None:
        starts = [pub.valid_from for p in catalogue.procedures.values() for pub in p.publications]
        #: The catalogue's first publication (``None``: it has none).
        self.first: date | None = min(starts) if starts else None
        self.day = day
        since = f"its first publication is from {self.first}" if starts else "it publishes no procedure"
        super().__init__(f"no unit of the catalogue has a procedure published on {day} ({since})")

    @property
    def too_early(self) -> bool:
        """Whether the day is before anything is published: a later start would do."""
        return self.first is not None and self.day < self.first


class World:
    """The province: calendar, catalogue, working-minute clock and cached weighted choices."""

    def __init__(self, config: SimulationConfig, calendar: ck.Calendar, catalogue: Any) -> None:
        targets = config.targets
        self.start = targets.start if targets else config.start
        self.end = targets.end if targets else config.end
        self.as_of = datetime.combine(self.end, datetime.min.time(), tzinfo=ck.TZ)
        self.calendar, self.catalogue = calendar, catalogue
        self.clock = ck.Clock(calendar, self.start - PLAN_BEFORE, self.end + PLAN_AFTER)
        self.unit_codes = config.unit_codes
        if targets is not None:
            self.unit_codes = (targets.unit_code or calibration_unit(catalogue, self.start),)
        self._units: dict[date, tuple[list[str], list[float]]] = {}
        self._procs: dict[tuple[str, date, bool, bool], tuple[list[str], list[float]]] = {}
        self._transfer: dict[date, tuple[str, ...]] = {}

    def units_on(self, day: date) -> tuple[list[str], list[float]]:
        """Receiving units valid on ``day`` (with at least one published procedure), cumulative weights."""
        got = self._units.get(day)
        if got is None:
            codes, cum, total = [], [], 0.0
            for u in self.catalogue.units.values():
                if not u.valid_on(day) or (self.unit_codes is not None and u.code not in self.unit_codes):
                    continue
                if not self.procedures(u.code, day)[0]:
                    continue
                total += LEVEL_WEIGHT.get(str(u.level), 1.0)
                codes.append(u.code)
                cum.append(total)
            got = self._units[day] = (codes, cum)
        return got

    def procedures(
        self, unit: str, day: date, *, limited: bool = False, unpublished: bool = False
    ) -> tuple[list[str], list[float]]:
        """Procedures published (or, with ``unpublished``, not published) for the unit on the day."""
        key = (unit, day, limited, unpublished)
        got = self._procs.get(key)
        if got is None:
            codes, cum, total = [], [], 0.0
            for p in self.catalogue.procedures.values():
                if self.catalogue.is_published(p.code, unit, day) == unpublished:
                    continue
                if limited and (not p.max_time.is_limited or not p.components):
                    continue
                total += float(p.weight if p.weight else 1)
                codes.append(p.code)
                cum.append(total)
            got = self._procs[key] = (codes, cum)
        return got

    def transfer_units(self, day: date) -> tuple[str, ...]:
        got = self._transfer.get(day)
        if got is None:
            got = self._transfer[day] = tuple(
                u.code
                for u in self.catalogue.units.values()
                if u.valid_on(day) and str(u.level) == "department"
            )
        return got


def calibration_unit(catalogue: Any, on: date) -> str:
    """The first pre-reform ward (commune-level *Phường* later merged) valid on ``on``."""
    for u in catalogue.units.values():
        ward = "phường" in u.name.casefold()  # "Ủy ban nhân dân phường X" (Decree 30's case) or "Phường X"
        if str(u.level) == "commune" and ward and u.valid_on(on) and u.valid_to is not None:
            return str(u.code)
    raise ValueError("the catalogue has no pre-reform ward")
