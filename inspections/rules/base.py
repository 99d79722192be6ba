"""The shape of a rule: metadata plus a small pure check over a dossier's facts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from inspections.classification import Classification, classify
from inspections.deadlines import LegalDue, legal_due
from inspections.ports import CalendarPort, CataloguePort, ProcedurePort
from inspections.semantics import RuleParams, Semantics, notice_absent
from inspections.timeline import DossierFacts
from inspections.violations import Kind, Severity
from schemas.events import AnyEvent

__all__ = ["Check", "Confidence", "Hit", "Rule", "RuleInput", "RuleParams"]

Confidence = Literal["C", "S", "U"]


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule holding: the triggering event (or none), when it became true, and the evidence."""

    event: AnyEvent | None
    occurred_at: datetime
    evidence: dict[str, Any]


#: A classification not given (``RuleInput``): computed on first use.
UNCLASSIFIED: Any = object()


class RuleInput:
    """A dossier's facts with what rules share: the catalogue entry and the classification (computed once).

    The rulebook version and parameters are the facts' own (``facts.semantics``): the rules judge facts
    by the version that derived them.
    """

    __slots__ = ("_classification", "amended", "calendar", "catalogue", "facts", "params", "procedure")

    def __init__(
        self,
        facts: DossierFacts,
        catalogue: CataloguePort,
        calendar: CalendarPort,
        params: RuleParams | None = None,
        classification: Classification | None = UNCLASSIFIED,
    ) -> None:
        """``classification``: ``classify(facts, catalogue, calendar)`` if the caller has it already (a
        warehouse fold computes it for the dossier's row), else computed on first use."""
        if params is not None and params != facts.semantics.params:
            raise ValueError("the facts were derived with other rule parameters")
        self.facts = facts
        self.catalogue = catalogue
        self.calendar = calendar
        self.params = facts.semantics.params
        self.amended = facts.semantics.amended
        code, received = facts.procedure_code, facts.received
        # As in force when the dossier was received: a later change of its time limit does not reach it.
        on = received.occurred_at if received is not None else None
        self.procedure: ProcedurePort | None = catalogue.procedure(code, on) if code else None
        self._classification: Classification | None = classification

    @property
    def classification(self) -> Classification | None:
        """Early / on time / late at ``as_of`` (``None`` if never received); computed on first use."""
        if self._classification is UNCLASSIFIED:
            self._classification = classify(self.facts, self.catalogue, self.calendar)
        return self._classification

    @property
    def semantics(self) -> Semantics:
        return self.facts.semantics

    def date(self, t: datetime) -> date:
        return self.calendar.local_date(t)

    def absent(self, notice_id: str | None) -> bool:
        """Whether a written notice is missing: null, or under v2 blank too (amendment 7)."""
        return notice_absent(notice_id, amended=self.amended)

    def legal_due(self, start: datetime) -> LegalDue | None:
        """The procedure's legal due date counted from ``start`` under this version (``None``: no limit
        or unknown procedure)."""
        if self.procedure is None:
            return None
        return legal_due(self.calendar, start, self.procedure.max_time, amended=self.amended)


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
    #: The ``DossierFacts`` collection the check reads (e.g. ``"apologies"``): with nothing in it the check
    #: cannot hold, so the auditor skips the call — most dossiers have no apology, refusal or correction.
    reads: str | None = None
    #: The rule's violations occur when a time limit passes ("became late at", docs/rules-semantics.md),
    #: not at an event: with no new event, a later ``as_of`` can open one. A week's count of them grows for
    #: days after the week ends, so the weekly report marks them provisional
    #: (tests/inspections/test_time_triggered.py finds these rules by judging the same events later).
    triggered_by_time: bool = False
    #: Bases by the case a verdict is about, keyed by its evidence's ``stage``, else its ``type``: a
    #: refusal at reception and one after appraisal rest on different clauses and forms, and their
    #: verdicts cited every case (``legal_basis`` stays the rule's own, for what is about no verdict).
    case_bases: Mapping[str, tuple[tuple[date, str], ...]] | None = field(
        default=None, repr=False, hash=False, compare=False
    )

    def basis_on(self, day: date) -> str:
        return _in_force(self.legal_basis, day)

    def bases_for(self, evidence: Mapping[str, Any]) -> tuple[tuple[date, str], ...]:
        """The bases of one verdict, by period: its case's (``case_bases``, by its evidence's ``stage``,
        ``type`` or ``event_type``) if the rule has one for it, else the rule's."""
        if self.case_bases is not None:
            case = evidence.get("stage") or evidence.get("type") or evidence.get("event_type")
            bases = self.case_bases.get(case) if isinstance(case, str) else None
            if bases is not None:
                return bases
        return self.legal_basis

    def basis_for(self, day: date, evidence: Mapping[str, Any]) -> str:
        """The basis of one verdict in force on ``day`` (:meth:`bases_for`)."""
        return _in_force(self.bases_for(evidence), day)


def _in_force(bases: tuple[tuple[date, str], ...], day: date) -> str:
    """The text of ``bases`` (oldest first) in force on ``day`` (the oldest before any)."""
    text = bases[0][1]
    for since, basis in bases:
        if day >= since:
            text = basis
    return text
