"""Violations, findings and rules not checkable: what the audit reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


Kind = Literal["violation", "finding", "not_checkable"]
"""What a reported record is. ``violation``: a rule of the rulebook holds. ``finding``: a data-quality
anomaly (``UNKNOWN_PROCEDURE``, ``AUDIT_ERROR``...). ``not_checkable``: a rule was not evaluated on an event
because the event's source cannot provide a field the rule needs (EVENTS.md ``source.unknown``); it is no
verdict, so no count of violations or findings includes it."""

#: The kind of a record saying a rule could not be evaluated (its source lacked a field): never a violation.
NOT_CHECKABLE: Kind = "not_checkable"

#: The kinds, in the order reports list them.
KINDS: tuple[Kind, ...] = ("violation", "finding", "not_checkable")


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule holding for one dossier, identified by (dossier, rule, trigger event or none)."""

    dossier_id: str
    rule_id: str
    kind: Kind
    severity: Severity
    unit_code: str
    procedure_code: str | None
    event_id: str | None
    occurred_at: datetime
    legal_basis: str
    rulebook_version: str
    evidence: dict[str, Any] = field(hash=False, compare=False)

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.dossier_id, self.rule_id, self.event_id)

    def to_json_dict(self) -> dict[str, Any]:
        """The audit's JSON shape (``audit --json``; the stream detector publishes the same)."""
        return {
            "dossier_id": self.dossier_id,
            "rule_id": self.rule_id,
            "kind": self.kind,
            "severity": self.severity.value,
            "unit_code": self.unit_code,
            "procedure_code": self.procedure_code,
            "event_id": self.event_id,
            "occurred_at": self.occurred_at.isoformat(),
            "legal_basis": self.legal_basis,
            "rulebook_version": self.rulebook_version,
            "evidence": self.evidence,
        }
