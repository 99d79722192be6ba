"""What one unit's audit pack holds (gathered by :mod:`reporting.packs`, laid out by
:mod:`reporting.pack_tables`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from inspections.cases import CaseState
from reporting import gather
from reporting.evidence_words import ALWAYS_YEAR, WorkingDays
from reporting.to_review import ToReview
from warehouse.cases import CaseKey


@dataclass(frozen=True, slots=True)
class UnitPack:
    """What one unit's pack holds."""

    unit: str
    name: str
    violations: list[gather.ViolationRecord]
    sample: list[str]
    clean_total: int
    seed: str
    timelines: dict[str, list[gather.TimelineEvent]]
    facts: dict[str, gather.DossierFacts]
    #: Procedure code → its name in the catalogue (for the codes the pack shows).
    procedures: dict[str, str] = field(default_factory=dict)
    #: Procedure code → its document components' names by code (one code may name other papers elsewhere).
    components: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Unit code → its name in the catalogue, for the units its timelines name (events' and transfers').
    units: dict[str, str] = field(default_factory=dict)
    #: Working days between two dates on the stored calendar (``None``: none stored; days are counted).
    working_days: WorkingDays | None = None
    #: The calendar years the pack's week lies in: its evidence prints dd/mm within the one year, and
    #: the year with every date of a week spanning New Year (or of another year).
    week_years: tuple[int, ...] = ()
    #: How the inspectors handled each of its violations in the console (handled ones only).
    cases: dict[CaseKey, CaseState] = field(default_factory=dict)
    #: Its violations of the week the team concluded on and the detector retracted since: to look at again.
    to_review: list[ToReview] = field(default_factory=list)
    #: The pack's date (as the week's report is dated): one dated before Circular 03/2025 names no form of it.
    issued_on: date | None = None

    @property
    def evidence_year(self) -> int | None:
        """``year`` for :func:`reporting.evidence.sentence`."""
        if not self.week_years:
            return None
        return self.week_years[0] if len(self.week_years) == 1 else ALWAYS_YEAR

    @property
    def violating_dossiers(self) -> list[str]:
        return sorted({v.dossier_id for v in self.violations})
