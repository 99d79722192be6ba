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
