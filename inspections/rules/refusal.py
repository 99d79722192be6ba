"""Refusals and suspensions must be in writing and state their reason."""

from __future__ import annotations

from collections.abc import Iterator

from inspections.rules.base import Hit, RuleInput


def refusal_unwritten(inp: RuleInput) -> Iterator[Hit]:
    """A refusal or suspension with no written notice."""
    for event in inp.facts.refusals:
        if event.data.notice_id is None:
            yield Hit(event, event.occurred_at, {"type": event.type.value, "reason": event.data.reason})


def refusal_no_reason(inp: RuleInput) -> Iterator[Hit]:
    """A refusal or suspension without a stated reason."""
    for event in inp.facts.refusals:
        if not event.data.reason.strip():
            yield Hit(event, event.occurred_at, {"type": event.type.value, "notice_id": event.data.notice_id})
