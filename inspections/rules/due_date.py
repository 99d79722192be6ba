"""Due-date corrections: a later appointment needs a matching apology."""

from __future__ import annotations

from collections.abc import Iterator

from inspections.rules.base import Hit, RuleInput


def due_date_changed(inp: RuleInput) -> Iterator[Hit]:
    """A due date moved later with no apology, at or before the change, promising that same date."""
    facts = inp.facts
    for change in facts.due_date_changes:
        new_day = inp.date(change.data.new_due_at)
        if new_day <= inp.date(change.data.old_due_at):
            continue
        covered = any(
            a.occurred_at <= change.occurred_at
            and a.data.new_due_at is not None
            and inp.date(a.data.new_due_at) == new_day
            for a in facts.apologies
        )
        if not covered:
            yield Hit(
                change,
                change.occurred_at,
                {
                    "old_due_at": change.data.old_due_at.isoformat(),
                    "new_due_at": change.data.new_due_at.isoformat(),
                    "reason": change.data.reason,
                },
            )
