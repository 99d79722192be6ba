"""Supplement requests: in writing, and once."""

from __future__ import annotations

from collections.abc import Iterator

from inspections.rules.base import Hit, RuleInput


def supplement_unwritten(inp: RuleInput) -> Iterator[Hit]:
    """A supplement request with no written notice (form 02), at whatever stage it was made."""
    for event in inp.facts.all_supplement_requests:
        if inp.absent(event.data.notice_id):
            yield Hit(
                event,
                event.occurred_at,
                {"reason": event.data.reason, "requested_documents": list(event.data.requested_documents)},
            )


def repeated_supplement(inp: RuleInput) -> Iterator[Hit]:
    """More than one supplement request: the applicant was not guided once and completely (Decree 61
    Art. 15(3), 17(1)(a), 17(2)(a)). Every request counts, before receipt (the online stage's) or after the
    end, under both versions: amendment 1 clips pauses, not requests."""
    requests = inp.facts.supplement_requests
    if len(requests) > 1:
        second = requests[1]
        yield Hit(
            second,
            second.occurred_at,
            {
                "requests": len(requests),
                "request_event_ids": [r.event_id for r in requests],
                "notice_ids": [r.data.notice_id for r in requests],
            },
        )
