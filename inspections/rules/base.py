"""The shape of a rule: metadata plus a small pure check over a dossier's facts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from inspections.classification import Classification, classify
from inspections.ports import CalendarPort, CataloguePort, ProcedurePort
from inspections.timeline import DossierFacts
from inspections.violations import Kind, Severity
from schemas.events import AnyEvent

Confidence = Literal["C", "S", "U"]


@dataclass(frozen=True, slots=True)
class RuleParams:
    """Deployment parameters of the rulebook (defaults from RULES.md)."""

    apology_lead_working_days: int = 1
    pause_on_financial_obligation: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule holding: the triggering event (or none), when it became true, and the evidence."""

    event: AnyEvent | None
    occurred_at: datetime
    evidence: dict[str, Any]


_UNSET: Any = object()


class RuleInput:
    """A dossier's facts with what rules share: the catalogue entry and the classification (computed once)."""

    __slots__ = ("_classification", "calendar", "catalogue", "facts", "params", "procedure")

    def __init__(
        self, facts: DossierFacts, catalogue: CataloguePort, calendar: CalendarPort, params: RuleParams
    ) -> None:
        self.facts = facts
        self.catalogue = catalogue
        self.calendar = calendar
        self.params = params
        code = facts.procedure_code
        self.procedure: ProcedurePort | None = catalogue.procedure(code) if code else None
        self._classification: Classification | None = _UNSET

    @property
    def classification(self) -> Classification | None:
        """Early / on time / late at ``as_of`` (``None`` if never received); computed on first use."""
        if self._classification is _UNSET:
            self._classification = classify(self.facts, self.catalogue, self.calendar)
        return self._classification

    def date(self, t: datetime) -> date:
        return self.calendar.local_date(t)


Check = Callable[[RuleInput], Iterator[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of the rulebook: identity, titles, legal basis per period, severity and its check."""

    rule_id: str
    title_vi: str
    title_en: str
    severity: Severity
    confidence: Confidence
    # (effective from, legal basis text), oldest first: the text in force on the dossier's date applies.
    legal_basis: tuple[tuple[date, str], ...]
    check: Check = field(repr=False)
    needs_catalogue: bool = False
    kind: Kind = "violation"

    def basis_on(self, day: date) -> str:
        text = self.legal_basis[0][1]
        for since, basis in self.legal_basis:
            if day >= since:
                text = basis
        return text
