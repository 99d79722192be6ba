"""Reception rules that read the catalogue: components, publication, appointment date, legal time."""

from __future__ import annotations

from collections.abc import Iterator

from inspections.rules.base import Hit, RuleInput
from schemas.events import EventType, Received, SupplementCompleted, SupplementRequested

_DOCUMENT_TYPES = frozenset(
    {EventType.RECEIVED, EventType.SUPPLEMENT_COMPLETED, EventType.SUPPLEMENT_REQUESTED}
)


def excess_documents(inp: RuleInput) -> Iterator[Hit]:
    """Documents received or requested outside the procedure's published component list."""
    code = inp.facts.procedure_code
    allowed = inp.catalogue.component_codes(code) if code else None
    if allowed is None:
        return
    for event in inp.facts.events:
        if event.type not in _DOCUMENT_TYPES:  # cheap filter before the type-narrowing checks
            continue
        if isinstance(event, Received | SupplementCompleted):
            documents = event.data.documents
        elif isinstance(event, SupplementRequested):
            documents = event.data.requested_documents
        else:
            continue
        excess = sorted({doc for doc in documents if doc not in allowed})
        if excess:
            yield Hit(
                event,
                event.occurred_at,
                {"excess": excess, "event_type": event.type.value, "allowed": sorted(allowed)},
            )


def unpublished_procedure(inp: RuleInput) -> Iterator[Hit]:
    """Received under a procedure not published for the receiving unit on that date."""
    received = inp.facts.received
    if received is None or inp.procedure is None:
        return
    day = inp.date(received.occurred_at)
    if not inp.catalogue.is_published(received.data.procedure_code, received.unit_code, day):
        yield Hit(
            received,
            received.occurred_at,
            {
                "procedure_code": received.data.procedure_code,
                "unit_code": received.unit_code,
                "on": day.isoformat(),
            },
        )


def no_appointment(inp: RuleInput) -> Iterator[Hit]:
    """Received without an appointment date although the procedure has a legal maximum time."""
    received = inp.facts.received
    procedure = inp.procedure
    if received is None or procedure is None or received.data.due_at is not None:
        return
    if procedure.max_time.is_limited:
        yield Hit(
            received,
            received.occurred_at,
            {"max_time": {"amount": procedure.max_time.amount, "unit": procedure.max_time.unit.value}},
        )


def due_date_overstated(inp: RuleInput) -> Iterator[Hit]:
    """An appointment date later than the legal due date."""
    received = inp.facts.received
    procedure = inp.procedure
    if received is None or procedure is None or received.data.due_at is None:
        return
    legal = inp.calendar.legal_due_date(received.occurred_at, procedure.max_time)
    if legal is None:
        return
    given = inp.date(received.data.due_at)
    if given > legal:
        yield Hit(
            received,
            received.occurred_at,
            {
                "due_at": received.data.due_at.isoformat(),
                "legal_due_date": legal.isoformat(),
                "max_time": {"amount": procedure.max_time.amount, "unit": procedure.max_time.unit.value},
            },
        )
