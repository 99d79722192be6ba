"""Refusals and suspensions must be in writing and state their reason."""

from __future__ import annotations

from collections.abc import Iterator

from inspections.rules.base import Hit, RuleInput
from inspections.semantics import is_blank


def refusal_unwritten(inp: RuleInput) -> Iterator[Hit]:
    """A refusal or suspension with no written notice."""
    for event in inp.facts.refusals:
        if inp.absent(event.data.notice_id):
            evidence = {"type": event.type.value, "reason": event.data.reason}
            stage = getattr(event.data, "stage", None)  # a refusal's: the notice it needs depends on it
            if stage is not None:
                evidence["stage"] = stage
            yield Hit(event, event.occurred_at, evidence)


def refusal_no_reason(inp: RuleInput) -> Iterator[Hit]:
    """A refusal or suspension without a stated reason."""
    for event in inp.facts.refusals:
        if is_blank(event.data.reason):
            evidence = {"type": event.type.value, "notice_id": event.data.notice_id}
            stage = getattr(event.data, "stage", None)
            if stage is not None:
                evidence["stage"] = stage
            yield Hit(event, event.occurred_at, evidence)
