"""The versioned rulebook: which rules apply, with which parameters, and the verdict function.

Two versions exist: v1 as published and v2, v1 amended (RULES.md "Rulebook v2"), the default. A deployment
judges by one of them (the ``rulebook_version`` setting); the ``Auditor`` derives every dossier's facts
under the version in force for it and judges them by that same version, which every verdict records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from inspections.metrics import DossierOutcome, outcome_history
from inspections.not_checkable import blind_events, not_checkable, visible_hits
from inspections.ports import CalendarPort, CataloguePort
from inspections.rules import FINDINGS, FINDINGS_V2, RULES_V1, RULES_V2, Hit, Rule, RuleInput, RuleParams
from inspections.rules.base import UNCLASSIFIED
from inspections.semantics import V1, V2, Semantics
from inspections.timeline import DossierFacts, derive_facts
from inspections.violations import Violation
from schemas.events import AnyEvent

#: The revision of the code that judges, within a rulebook version: raised by a release whose code gives any
#: dossier other facts, outcomes or verdicts for the same events, version, parameters, catalogue and calendar
#: (a correction: a rule mended, a clock counted another way). The stream detector's final marks and
#: eviction records name it (``streams.detector.marks.inputs_digest``): a replay after such a release
#: finalizes again rather than take the verdicts of the code before for its own. At 0 it adds nothing to
#: that digest (the marks of the releases before it stay valid). tests/inspections/test_rules_revision.py
#: fails at any change of the code of this package or of ``schemas`` until the change is recorded there,
#: the revision raised or not: a decision each change makes on purpose (docs/operators-guide.md, "Adding
#: or changing a rule").
RULES_REVISION = 1  # 1: an open dossier due from 2049-12-01 to 2050-11-30 turns late in its outcome history

#: Both versions take effect with Decree 61/2018: v2 re-reads the same law, it is not a later one.
_DECREE_61 = date(2018, 6, 21)


@dataclass(frozen=True)
class Rulebook:
    """A version of the rulebook: its rules, parameters and the date it takes effect."""

    version: str
    effective_from: date
    rules: tuple[Rule, ...]
    params: RuleParams = field(default_factory=RuleParams)
    findings: tuple[Rule, ...] = FINDINGS

    # Derived once (read per dossier; plain attributes are cheaper than cached properties):
    #: how this version derives and judges facts (its version and parameters);
    semantics: Semantics = field(init=False, repr=False, compare=False)
    #: the rules, then the data-quality findings;
    all_rules: tuple[Rule, ...] = field(init=False, repr=False, compare=False)
    #: what still applies when the dossier's procedure is unknown to the catalogue.
    catalogue_free_rules: tuple[Rule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A version and parameters that do not go together fail here, not mid-audit.
        set_ = object.__setattr__
        set_(self, "semantics", Semantics(self.version, self.params))
        set_(self, "all_rules", self.rules + self.findings)
        set_(self, "catalogue_free_rules", tuple(r for r in self.all_rules if not r.needs_catalogue))

    def rule(self, rule_id: str) -> Rule:
        for rule in self.all_rules:
            if rule.rule_id == rule_id:
                return rule
        raise KeyError(rule_id)


RULEBOOK_V1 = Rulebook(version=V1, effective_from=_DECREE_61, rules=RULES_V1)
RULEBOOK_V2 = Rulebook(version=V2, effective_from=_DECREE_61, rules=RULES_V2, findings=FINDINGS_V2)
#: Every rulebook version by its label; v2 is the default.
RULEBOOKS: dict[str, Rulebook] = {V1: RULEBOOK_V1, V2: RULEBOOK_V2}
#: The rules of any version whose violations a time limit passing triggers (``Rule.triggered_by_time``):
#: read from every registered rulebook, so a new version's come without a list to keep by hand (a rule of a
#: version left out of one was counted as final in a provisional report: newcomer's review).
TIME_TRIGGERED = frozenset(
    rule.rule_id for book in RULEBOOKS.values() for rule in book.all_rules if rule.triggered_by_time
)
DEFAULT_RULEBOOK_VERSION = V2


@dataclass(frozen=True, slots=True)
class Rulebooks:
    """Rulebook versions by effective date; a dossier is judged by the version in force when it began.

    A deployment holds one version (``of_version``); several with different effective dates would judge
    dossiers by when they began.
    """

    versions: tuple[Rulebook, ...] = (RULEBOOK_V2,)

    @classmethod
    def of_version(cls, version: str, params: RuleParams | None = None) -> Rulebooks:
        """Just the rulebook ``version`` (a label of ``semantics.VERSIONS``, a key of :data:`RULEBOOKS`), with
        ``params`` (default: RULES.md's)."""
        try:
            book = RULEBOOKS[version]
        except KeyError:
            raise ValueError(
                f"unknown rulebook version {version!r} (known: {', '.join(RULEBOOKS)})"
            ) from None
        return cls((book,)).with_params(params) if params is not None else cls((book,))

    def for_date(self, day: date) -> Rulebook:
        chosen = self.versions[0]
        for book in self.versions:
            if book.effective_from <= day:
                chosen = book
        return chosen

    def with_params(self, params: RuleParams) -> Rulebooks:
        return Rulebooks(tuple(_replace_params(b, params) for b in self.versions))


def _replace_params(book: Rulebook, params: RuleParams) -> Rulebook:
    return replace(book, params=params)


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
        return derive_facts(
            dossier_id,
            events,
            as_of,
            semantics=self._book(events).semantics,
            catalogue=self.catalogue,
            presorted=presorted,
        )

    def outcome_history(
        self, dossier_id: str, events: list[AnyEvent]
    ) -> list[tuple[datetime, DossierOutcome]]:
        """The reporting-form outcome as a step function of time (``metrics.outcome_history``), under the
        same version and parameters as :meth:`facts` — what the warehouse stores for the forms."""
        return outcome_history(
            dossier_id, events, self.catalogue, self.calendar, semantics=self._book(events).semantics
        )

    def _book(self, events: Sequence[AnyEvent]) -> Rulebook:
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
        return self.evaluate_facts(facts, self._book(facts.events))

    def evaluate_facts(
        self, facts: DossierFacts, book: Rulebook | None = None, *, classification: Any = UNCLASSIFIED
    ) -> list[Violation]:
        """Judge facts (from :meth:`facts`) by the rulebook in force for the dossier; a ValueError when
        they were derived under another version or other parameters (the verdict would lie about it).
        ``classification``: ``classify(facts, self.catalogue, self.calendar)``, if the caller has it (else
        computed when a rule needs it).

        A rule that needs a field an event's source cannot provide is not evaluated on that event: the
        result holds a ``not_checkable`` record for it instead (:mod:`inspections.not_checkable`)."""
        if not facts.events:
            return []
        book = book or self._book(facts.events)
        if facts.semantics is not book.semantics and facts.semantics != book.semantics:
            raise ValueError(
                f"dossier {facts.dossier_id!r}: facts derived under {facts.semantics}, judged by rulebook "
                f"{book.version} with {book.params}"
            )
        inp = RuleInput(facts, self.catalogue, self.calendar, classification=classification)
        rules = book.all_rules if inp.procedure is not None else book.catalogue_free_rules
        # Amendment 13: how a supplement stopped the clock is recorded with every v2 verdict.
        clock = book.params.supplement_clock if inp.amended else None
        out: list[Violation] = []
        day: date | None = None
        sourced_unknown = bool(facts.sourced_unknown)  # a source cannot provide some fields (nearly never)
        for rule in rules:
            if rule.reads is not None and not getattr(facts, rule.reads):
                continue  # nothing the check reads: it cannot hold (and this is the common case)
            blind = blind_events(rule.rule_id, facts) if sourced_unknown else None
            hits: Iterable[Hit]
            if blind:  # the rule is not evaluated on these events (or at all, for a dossier-wide rule)
                day = day or self._basis_day(facts)
                out.extend(not_checkable(rule, facts, blind, day, book.version))
                hits = visible_hits(rule, inp, blind)
            else:
                hits = rule.check(inp)
            for hit in hits:
                if day is None:
                    day = self._basis_day(facts)
                if clock is not None:
                    hit.evidence["supplement_clock"] = clock
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
                        legal_basis=rule.basis_for(day, hit.evidence),
                        rulebook_version=book.version,
                        evidence=hit.evidence,
                    )
                )
        return out

    def _basis_day(self, facts: DossierFacts) -> date:
        """The local date that selects a verdict's legal basis: the dossier's receipt (LEGAL.md §2: Decree
        61 for dossiers received before 1/7/2025), else its first event (never received). Not the first
        event: an online submission on 30/6 received on 1/7 is a 2025 dossier."""
        received = facts.received
        return self.calendar.local_date((received or facts.events[0]).occurred_at)
