"""Apology notices: incomplete notices and repeated rescheduling."""

from __future__ import annotations

from collections.abc import Iterator

from inspections.rules.base import Hit, RuleInput
from inspections.semantics import is_blank


def apology_incomplete(inp: RuleInput) -> Iterator[Hit]:
    """An apology without a notice number, a stated reason or a new appointment date."""
    for apology in inp.facts.apologies:
        missing = [
            name
            for name, absent in (
                ("notice_id", inp.absent(apology.data.notice_id)),
                ("reason", is_blank(apology.data.reason)),
                ("new_due_at", apology.data.new_due_at is None),
            )
            if absent
        ]
        if missing:
            yield Hit(apology, apology.occurred_at, {"missing": missing, "notice_id": apology.data.notice_id})


def rescheduled_more_than_once(inp: RuleInput) -> Iterator[Hit]:
    """More than one apology: the appointment was moved more than once."""
    apologies = inp.facts.apologies
    if len(apologies) > 1:
        second = apologies[1]
        yield Hit(
            second,
            second.occurred_at,
            {
                "apologies": len(apologies),
                "apology_event_ids": [a.event_id for a in apologies],
                "new_due_dates": [
                    a.data.new_due_at.isoformat() if a.data.new_due_at else None for a in apologies
                ],
            },
        )
