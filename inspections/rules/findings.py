"""Data-quality findings reported beside the violations (not rules of the rulebook)."""

from __future__ import annotations

from collections.abc import Iterator

from inspections.rules.base import Hit, RuleInput


def unknown_procedure(inp: RuleInput) -> Iterator[Hit]:
    """The dossier's procedure code is not in the catalogue (catalogue rules were skipped)."""
    facts = inp.facts
    if facts.procedure_code is None or inp.procedure is not None:
        return
    event = facts.received or facts.submitted
    assert event is not None  # a procedure code comes from one of them
    yield Hit(event, event.occurred_at, {"procedure_code": facts.procedure_code})


def event_after_return(inp: RuleInput) -> Iterator[Hit]:
    """Events other than corrections after the result was returned: anomalies to look at."""
    returned = inp.facts.first_returned
    for event in inp.facts.after_return:
        yield Hit(
            event,
            event.occurred_at,
            {
                "event_type": event.type.value,
                "returned_at": returned.occurred_at.isoformat() if returned else None,
            },
        )


def event_after_end(inp: RuleInput) -> Iterator[Hit]:
    """An end event of another kind after the dossier's first end (e.g. processed after a refusal).

    The end priority of indicator 2.1 picks one end and hides the other (amendment 10); this shows it.
    Not reported: ``returned`` after ``processed`` (the lifecycle's own order: the result is returned
    once processed; see ``DossierFacts.conflicting_ends``) and anything after the first ``returned``
    (``EVENT_AFTER_RETURN`` reports those).
    """
    facts = inp.facts
    after_return = {e.event_id for e in facts.after_return}
    for event in facts.conflicting_ends:
        if event.event_id in after_return:
            continue
        first = facts.end_events[0]
        yield Hit(
            event,
            event.occurred_at,
            {
                "event_type": event.type.value,
                "first_end_type": first.type.value,
                "first_end_event_id": first.event_id,
                "first_end_at": first.occurred_at.isoformat(),
            },
        )
