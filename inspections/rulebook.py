"""The versioned rulebook: which rules apply, with which parameters, and the verdict function."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from inspections.ports import CalendarPort, CataloguePort
from inspections.rules import FINDINGS, RULES_V1, Rule, RuleInput, RuleParams
from inspections.timeline import DossierFacts, derive_facts
from inspections.violations import Violation
from schemas.events import AnyEvent


@dataclass(frozen=True)
class Rulebook:
    """A version of the rulebook: its rules, parameters and the date it takes effect."""

    version: str
    effective_from: date
    rules: tuple[Rule, ...]
    params: RuleParams = field(default_factory=RuleParams)
    findings: tuple[Rule, ...] = FINDINGS

    @cached_property
    def all_rules(self) -> tuple[Rule, ...]:
        """The rules, then the data-quality findings."""
        return self.rules + self.findings

    @cached_property
    def catalogue_free_rules(self) -> tuple[Rule, ...]:
        """What still applies when the dossier's procedure is unknown to the catalogue."""
        return tuple(rule for rule in self.all_rules if not rule.needs_catalogue)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.all_rules:
            if rule.rule_id == rule_id:
                return rule
        raise KeyError(rule_id)


RULEBOOK_V1 = Rulebook(version="1", effective_from=date(2018, 6, 21), rules=RULES_V1)


@dataclass(frozen=True, slots=True)
class Rulebooks:
    """Rulebook versions by effective date; a dossier is judged by the version in force when it began."""

    versions: tuple[Rulebook, ...] = (RULEBOOK_V1,)

    def for_date(self, day: date) -> Rulebook:
        chosen = self.versions[0]
        for book in self.versions:
            if book.effective_from <= day:
                chosen = book
        return chosen

    def with_params(self, params: RuleParams) -> Rulebooks:
        return Rulebooks(tuple(_replace_params(b, params) for b in self.versions))


def _replace_params(book: Rulebook, params: RuleParams) -> Rulebook:
    return Rulebook(book.version, book.effective_from, book.rules, params, book.findings)


DEFAULT_RULEBOOKS = Rulebooks()


@dataclass(frozen=True, slots=True)
class Auditor:
    """Everything a verdict depends on besides the events and ``as_of``."""

    catalogue: CataloguePort
    calendar: CalendarPort
    rulebooks: Rulebooks = DEFAULT_RULEBOOKS

    def facts(
        self, dossier_id: str, events: Iterable[AnyEvent], as_of: datetime, *, presorted: bool = False
    ) -> DossierFacts:
        """The dossier's derived facts at ``as_of`` under the rulebook version in force for it.

        ``presorted``: the events are unique and in event-time order already (see ``derive_facts``).
        """
        events = list(events)
        params = self._book(events).params
        return derive_facts(
            dossier_id,
            events,
            as_of,
            pause_on_financial_obligation=params.pause_on_financial_obligation,
            presorted=presorted,
        )

    def _book(self, events: list[AnyEvent]) -> Rulebook:
        versions = self.rulebooks.versions
        if len(versions) == 1 or not events:
            return versions[0]
        start = min(e.occurred_at for e in events)
        return self.rulebooks.for_date(self.calendar.local_date(start))

    def evaluate(
        self, dossier_id: str, events: Iterable[AnyEvent], as_of: datetime, *, presorted: bool = False
    ) -> list[Violation]:
        """The violations and findings of one dossier at ``as_of``: a pure function of its inputs."""
        facts = self.facts(dossier_id, events, as_of, presorted=presorted)
        return self.evaluate_facts(facts, self._book(list(facts.events)))

    def evaluate_facts(self, facts: DossierFacts, book: Rulebook | None = None) -> list[Violation]:
        if not facts.events:
            return []
        book = book or self._book(list(facts.events))
        inp = RuleInput(facts, self.catalogue, self.calendar, book.params)
        rules = book.all_rules if inp.procedure is not None else book.catalogue_free_rules
        out: list[Violation] = []
        day: date | None = None
        for rule in rules:
            for hit in rule.check(inp):
                if day is None:  # the legal basis depends on when the dossier began
                    day = self.calendar.local_date(facts.events[0].occurred_at)
                out.append(
                    Violation(
                        dossier_id=facts.dossier_id,
                        rule_id=rule.rule_id,
                        kind=rule.kind,
                        severity=rule.severity,
                        unit_code=facts.unit_code,
                        procedure_code=facts.procedure_code,
                        event_id=hit.event.event_id if hit.event is not None else None,
                        occurred_at=hit.occurred_at,
                        legal_basis=rule.basis_on(day),
                        rulebook_version=book.version,
                        evidence=hit.evidence,
                    )
                )
        return out
