"""Rules a dossier's events do not let the auditor check: the ``not_checkable`` records of an audit.

EVENTS.md: a source may list ``data`` fields it cannot provide (``source.unknown``, given as null); "a rule
that needs such a field is not evaluated on that event, and the audit reports it as not checkable instead of
as a violation". What each rule needs is the table ``inspections.rules.needs.NEEDS``; this module applies it
for :meth:`inspections.rulebook.Auditor.evaluate_facts`, so that the batch audit, the warehouse load and the
stream detector, which all judge through it, report the same records.

For each rule and each event it reads whose needed fields are unknown (a *blind* event), the audit reports
one ``not_checkable`` record, identified like a verdict by (dossier, rule, that event), and leaves out the
verdicts the unknown fields would decide: those on the blind events for a rule judged event by event, all
of the rule's verdicts on the dossier for one that reads fields across events. A ``not_checkable`` record
is never a verdict: it holds from the blind event's time, carries the rule's id, severity and legal basis
(what could not be checked, and how much it weighs), and its evidence names the unknown fields and the
source system. A dossier with no such event is judged exactly as before: nothing here runs for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from inspections.rules.base import Hit, Rule, RuleInput
from inspections.rules.needs import NEEDS
from inspections.timeline import DossierFacts
from inspections.violations import NOT_CHECKABLE, Violation
from schemas.events import AnyEvent

__all__ = ["Blind", "blind_events", "not_checkable", "visible_hits"]


@dataclass(frozen=True, slots=True)
class Blind:
    """An event a rule reads, and the fields the rule needs of it that its source cannot provide."""

    event: AnyEvent
    fields: tuple[str, ...]  # sorted


def blind_events(rule_id: str, facts: DossierFacts) -> list[Blind]:
    """The events ``rule_id`` reads whose needed fields are unknown, in event-time order (empty for a rule
    that reads no field, or a dossier whose sources provide everything)."""
    if not facts.sourced_unknown:
        return []
    needs = NEEDS.get(rule_id)
    if needs is None or not needs.reads:
        return []
    found: list[Blind] = []
    for event in facts.sourced_unknown:
        unknown = event.source.unknown if event.source is not None else None
        if not unknown:
            continue
        wanted: set[str] = set()
        for attribute, fields in needs.reads.items():
            if _reads(getattr(facts, attribute), event):
                wanted |= fields
        lacking = wanted.intersection(unknown)
        if lacking:
            found.append(Blind(event, tuple(sorted(lacking))))
    return found


def _reads(held: AnyEvent | tuple[AnyEvent, ...] | None, event: AnyEvent) -> bool:
    if held is None:
        return False
    if isinstance(held, tuple):
        return any(e is event for e in held)
    return held is event


def visible_hits(rule: Rule, inp: RuleInput, blind: list[Blind]) -> Iterator[Hit]:
    """The verdicts of ``rule`` that no unknown field decides (module docstring); the check does not run at
    all when the rule reads fields across events."""
    needs = NEEDS[rule.rule_id]
    if needs.scope == "dossier":
        return
    hidden = {b.event.event_id for b in blind}
    for hit in rule.check(inp):
        if hit.event is None or hit.event.event_id not in hidden:
            yield hit


def not_checkable(
    rule: Rule, facts: DossierFacts, blind: Iterable[Blind], day: date, rulebook_version: str
) -> Iterator[Violation]:
    """One ``not_checkable`` record per blind event; ``day`` selects the legal basis in force, as for the
    rule's verdicts (the dossier's receipt date: ``Auditor``)."""
    for b in blind:
        event = b.event
        source = event.source
        yield Violation(
            dossier_id=facts.dossier_id,
            rule_id=rule.rule_id,
            kind=NOT_CHECKABLE,
            severity=rule.severity,
            unit_code=facts.unit_code,
            procedure_code=facts.procedure_code,
            event_id=event.event_id,
            occurred_at=event.occurred_at,
            legal_basis=rule.basis_on(day),
            rulebook_version=rulebook_version,
            evidence={
                "unknown": list(b.fields),
                "event_type": event.type.value,
                "source_system": source.system if source is not None else None,
                "source_record": source.record if source is not None else None,
            },
        )
