"""What each rule reads of events' ``data``: the fields without which it cannot be judged.

Why a table. A source may declare ``data`` fields it cannot provide (EVENTS.md, ``source.unknown``): they come
as null. The checks read a null as absent, and for several rules an absent field *is* the violation (no
notice number: ``REFUSAL_UNWRITTEN``, ``SUPPLEMENT_UNWRITTEN``, ``APOLOGY_INCOMPLETE``; no appointment:
``NO_APPOINTMENT``) or changes the verdict (without a due date, lateness is judged by the legal time). The
national sync format (DVCQG, DOMAIN.md §9) carries neither a supplement request's nor a refusal's notice
number, nor an apology's notice number and new date: judged as null, every dossier read from it would
collect violations that are only holes in the format. The contract's answer: a rule that needs such a field
is not evaluated on that event, and the audit reports it as not checkable (kind ``not_checkable``).

So the checks stay as they are (pure, small, reading null as absent) and this table says, in one place,
which fields each rule reads of which events; :mod:`inspections.not_checkable` applies it for the auditor.
A new rule, or a check that starts reading another field, is one line here: the tests check that every
reported rule has an entry, that every field named is one the contract defines for the events named, and
(property-based, over random dossiers) that nulling a field never changes the verdicts of a rule whose entry
does not name it.

An entry gives:

- ``reads``: per ``DossierFacts`` attribute holding the events the check reads (one event, or a tuple of
  them), the ``data`` fields it reads of those events;
- ``scope``: ``event`` when the verdict on an event reads that event's fields only (one refusal's notice
  number decides that refusal's ``REFUSAL_UNWRITTEN``): an unknown field withholds the verdicts on its own
  event; ``dossier`` when the rule's verdicts read fields across events (lateness reads the receipt's due
  date; a due-date change is judged against earlier apologies' new dates): an unknown field withholds all of
  the rule's verdicts on the dossier. The ``dossier`` scope errs on the side of saying less: an unknown new
  date of an apology after a due-date change also withholds the change's verdict, which it could not decide.

Fields that are never null in a valid event (``documents``, ``procedure_code``...) cannot be unknown, but are
listed all the same: the table says what a rule reads, not only what a source may lack. A ``reason`` ("string,
may be empty") is null only when ``source.unknown`` names it (``schemas.provenance.VALUE_REQUIRED``).
``RESCHEDULED_MORE_THAN_ONCE`` and ``REPEATED_SUPPLEMENT`` count events, ``EVENT_AFTER_*`` look at types and
times, ``AUDIT_ERROR`` is no check: they read no field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["NEEDS", "Needs", "Scope"]

Scope = Literal["event", "dossier"]


@dataclass(frozen=True, slots=True)
class Needs:
    """The ``data`` fields a rule reads, per ``DossierFacts`` attribute, and the scope of its verdicts."""

    reads: Mapping[str, frozenset[str]] = field(default_factory=dict)
    scope: Scope = "event"

    @property
    def fields(self) -> frozenset[str]:
        """Every field the rule reads, of whichever events."""
        return frozenset().union(*self.reads.values())


def _needs(scope: Scope = "event", **reads: str) -> Needs:
    """``reads`` as ``attribute="field field ..."``."""
    return Needs({attr: frozenset(names.split()) for attr, names in reads.items()}, scope)


_DUE_DATES = {"received": "due_at", "apologies": "new_due_at", "due_date_changes": "old_due_at new_due_at"}

#: Rule id → what it reads. Every rule and finding a rulebook version can report has an entry.
NEEDS: dict[str, Needs] = {
    # Lateness: the classification reads the receipt's appointment (without one, the legal time decides).
    "LATE_NO_APOLOGY": _needs("dossier", received="due_at"),
    "APOLOGY_TOO_LATE": _needs("dossier", received="due_at"),
    "APOLOGY_INCOMPLETE": _needs(apologies="notice_id reason new_due_at"),
    # The promise judged is the latest apology's (issued before the end, v2): which apology that is is the
    # check's own reading, so an unknown new date on any apology withholds the rule.
    "MISSED_NEW_DUE_DATE": _needs("dossier", apologies="new_due_at"),
    "RESCHEDULED_MORE_THAN_ONCE": _needs(),
    "REFUSAL_UNWRITTEN": _needs(refusals="notice_id"),
    "REFUSAL_NO_REASON": _needs(refusals="reason"),
    "SUPPLEMENT_UNWRITTEN": _needs(all_supplement_requests="notice_id"),
    "REPEATED_SUPPLEMENT": _needs(),
    "EXCESS_DOCUMENTS": _needs(document_events="documents requested_documents"),
    "UNPUBLISHED_PROCEDURE": _needs(received="procedure_code"),
    "NO_APPOINTMENT": _needs(received="due_at"),
    "DUE_DATE_OVERSTATED": _needs(received="due_at"),
    # The due date in force (v2): the receipt's, then each earlier change's or apology's new date; and an
    # apology at or before a change must promise its new date.
    "DUE_DATE_CHANGED": _needs("dossier", **_DUE_DATES),
    # Findings.
    "UNKNOWN_PROCEDURE": _needs(received="procedure_code", submitted="procedure_code"),
    "EVENT_AFTER_RETURN": _needs(),
    "OLD_DUE_DATE_MISMATCH": _needs("dossier", **_DUE_DATES),
    "EVENT_AFTER_END": _needs(),
    "AUDIT_ERROR": _needs(),
}
