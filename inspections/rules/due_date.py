"""Due-date corrections: a later appointment needs a matching apology.

v1 judges a ``due_date_changed`` by the old date the event itself claims. v2 (amendment 5) judges it
against the due date in force — the receipt's ``due_at``, then each earlier change's or apology's new
date, in event-time order — because the claim is exactly what a "reset appointment date" tampering
rewrites; a claim that differs from the date in force is reported as ``OLD_DUE_DATE_MISMATCH``.

One claim is not a mismatch although it differs: a change that restates the latest apology's reschedule
(its new date is the apology's, its old date the one the apology replaced), as one-stop systems record an
apology's new date (the contract's own example, ``examples.jsonl`` ex-018 "Theo phiếu xin lỗi ...").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from inspections.rules.base import Hit, RuleInput
from schemas.events import ApologyIssued, DueDateChanged


def _covered(inp: RuleInput, change: DueDateChanged, new_day: date) -> bool:
    """An apology at or before the change promises the change's new date."""
    return any(
        a.occurred_at <= change.occurred_at
        and a.data.new_due_at is not None
        and inp.date(a.data.new_due_at) == new_day
        for a in inp.facts.apologies
    )


def _evidence(change: DueDateChanged) -> dict[str, object]:
    return {
        "old_due_at": change.data.old_due_at.isoformat(),
        "new_due_at": change.data.new_due_at.isoformat(),
        "reason": change.data.reason,
    }


def in_force_at_changes(
    inp: RuleInput,
) -> Iterator[tuple[DueDateChanged, datetime | None, datetime | None]]:
    """Each change with the due date in force just before it (``None`` while no date was ever set) and,
    when an apology set that date, the date the apology replaced (else ``None``)."""
    facts = inp.facts
    received = facts.received
    in_force = received.data.due_at if received is not None else None
    replaced: datetime | None = None
    for event in facts.events:  # event-time order: "earlier" is earlier in this order
        if isinstance(event, DueDateChanged):
            yield event, in_force, replaced
            in_force, replaced = event.data.new_due_at, None
        elif isinstance(event, ApologyIssued) and event.data.new_due_at is not None:
            in_force, replaced = event.data.new_due_at, in_force


def due_date_changed(inp: RuleInput) -> Iterator[Hit]:
    """A due date moved later with no apology, at or before the change, promising that same date."""
    if inp.amended:
        yield from _due_date_changed_v2(inp)
        return
    for change in inp.facts.due_date_changes:
        new_day = inp.date(change.data.new_due_at)
        if new_day <= inp.date(change.data.old_due_at):
            continue
        if not _covered(inp, change, new_day):
            yield Hit(change, change.occurred_at, _evidence(change))


def _due_date_changed_v2(inp: RuleInput) -> Iterator[Hit]:
    if not inp.facts.due_date_changes:
        return
    for change, in_force, _ in in_force_at_changes(inp):
        # No date in force yet (received without appointment, or never received): only the claim is known.
        reference = in_force if in_force is not None else change.data.old_due_at
        new_day = inp.date(change.data.new_due_at)
        if new_day <= inp.date(reference) or _covered(inp, change, new_day):
            continue
        evidence = _evidence(change)
        evidence["due_at_in_force"] = in_force.isoformat() if in_force is not None else None
        yield Hit(change, change.occurred_at, evidence)


def old_due_date_mismatch(inp: RuleInput) -> Iterator[Hit]:
    """A change whose ``old_due_at`` is not the date in force: the appointment was reset off the record."""
    if not inp.facts.due_date_changes:
        return
    for change, in_force, replaced in in_force_at_changes(inp):
        if in_force is None:
            continue  # nothing in force to contradict (NO_APPOINTMENT covers a missing appointment)
        old_day = inp.date(change.data.old_due_at)
        if old_day == inp.date(in_force):
            continue
        restates_apology = (
            replaced is not None
            and old_day == inp.date(replaced)
            and inp.date(change.data.new_due_at) == inp.date(in_force)
        )
        if not restates_apology:
            evidence = _evidence(change)
            evidence["due_at_in_force"] = in_force.isoformat()
            yield Hit(change, change.occurred_at, evidence)
