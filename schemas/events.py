"""Pydantic models of the dossier lifecycle event contract, version 1 (``shared/contract/EVENTS.md``).

The models are strict: validated from JSON text with ``strict=True`` semantics so that numbers are never
coerced to strings, ``schema_version`` is only the JSON integer ``1`` (not ``true``, ``1.0`` or ``"1"``),
timestamps must be RFC 3339 date-times with seconds and an offset, and closed vocabularies are closed.
Required fields stay required even when ``null`` is an allowed value. Unknown fields are kept
(``extra="allow"``), as the contract requires: in the envelope, in ``data`` and in ``source`` alike.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, Strict, TypeAdapter, WithJsonSchema
from pydantic_core import core_schema

SCHEMA_VERSION = 1

#: RFC 3339 ``date-time`` (section 5.6): full date, ``T``, time with seconds, optional fraction, and an
#: offset (``Z`` or ``±hh:mm``). ASCII digits only: the Rust regex engine's ``\d`` is Unicode-aware.
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


class _Rfc3339:
    """Core-schema marker: pattern-check the JSON string, then parse it as an aware datetime.

    pydantic's own datetime parser also accepts ``hh:mm`` without seconds, ``+0700``, a space or ``_``
    separator; the pattern closes those doors. Both steps run in pydantic-core, so the valid path stays
    a single ``validate_json`` call with no Python callback.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.chain_schema(
            [
                core_schema.str_schema(pattern=TIMESTAMP_PATTERN, strict=True),
                # Lax on purpose: the input of this step is the already-checked Python str.
                core_schema.datetime_schema(tz_constraint="aware", strict=False),
            ]
        )


SchemaVersion = Annotated[
    int,
    Strict(),  # a strict int rejects true, 1.0 and "1" (Literal[1] accepts true and 1.0)
    Field(ge=SCHEMA_VERSION, le=SCHEMA_VERSION),
    WithJsonSchema({"type": "integer", "const": SCHEMA_VERSION}),
]


class EventType(StrEnum):
    """Event types of the contract, in the national status vocabulary."""

    SUBMITTED = "submitted"
    RECEIVED = "received"
    TRANSFERRED = "transferred"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUPPLEMENT_COMPLETED = "supplement_completed"
    FINANCIAL_OBLIGATION_REQUESTED = "financial_obligation_requested"
    FINANCIAL_OBLIGATION_FULFILLED = "financial_obligation_fulfilled"
    APOLOGY_ISSUED = "apology_issued"
    DUE_DATE_CHANGED = "due_date_changed"
    REFUSED = "refused"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    PROCESSED = "processed"
    RETURNED = "returned"


#: Types that end a dossier (the first one by priority is its processing end).
END_TYPES: frozenset[str] = frozenset(
    {EventType.PROCESSED, EventType.RETURNED, EventType.REFUSED, EventType.SUSPENDED, EventType.WITHDRAWN}
)

Channel = Literal["direct", "online", "postal"]
Timestamp = Annotated[
    datetime,
    _Rfc3339,
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}),
]
"""An RFC 3339 date-time with seconds and an offset, parsed to an aware ``datetime``."""
EventId = Annotated[str, Field(min_length=1, max_length=128)]
DossierId = Annotated[str, Field(min_length=1, max_length=64)]

_CONFIG = ConfigDict(extra="allow", frozen=True, strict=True)


class _Data(BaseModel):
    model_config = _CONFIG


class SubmittedData(_Data):
    procedure_code: str
    channel: Literal["online"]
    applicant: str | None = None


class ReceivedData(_Data):
    procedure_code: str
    channel: Channel
    due_at: Timestamp | None
    documents: list[str]
    applicant: str | None = None


class TransferredData(_Data):
    to_unit_code: str
    step: str | None = None
    step_due_at: Timestamp | None = None


#: A ``reason`` (EVENTS.md: "string, may be empty"): null only when ``source.unknown`` names it, a source that
#: cannot provide it (``schemas.provenance.VALUE_REQUIRED``; ``parse_event`` rejects any other null).
Reason = Annotated[
    str | None,
    Field(description="A string, which may be empty; null only when `source.unknown` names `reason`."),
]


class SupplementRequestedData(_Data):
    notice_id: str | None
    reason: Reason
    requested_documents: list[str]


class SupplementCompletedData(_Data):
    documents: list[str]


class FinancialObligationRequestedData(_Data):
    notice_id: str | None


class EmptyData(_Data):
    """For types whose ``data`` carries no required field (unknown fields are still kept)."""


class ApologyIssuedData(_Data):
    notice_id: str | None
    reason: Reason
    new_due_at: Timestamp | None


class DueDateChangedData(_Data):
    old_due_at: Timestamp
    new_due_at: Timestamp
    reason: Reason


class RefusedData(_Data):
    stage: Literal["reception", "processing"]
    notice_id: str | None
    reason: Reason


class SuspendedData(_Data):
    notice_id: str | None
    reason: Reason


class WithdrawnData(_Data):
    reason: str | None = None


class ProcessedData(_Data):
    outcome: Literal["granted", "denied"] | None = None


class ReturnedData(_Data):
    channel: Channel


class Source(BaseModel):
    """Provenance of the event: the source system, the source record, whether the event was deduced rather
    than read and from what, and the `data` fields the source cannot provide. Members not defined here are
    kept, as in the envelope and in `data`."""

    # ``system`` is required when ``source`` is given: the contract marks the other members optional, not it.
    # Unknown members are kept like everywhere else in the event ("extra unknown fields are kept, not
    # rejected"). That each ``unknown`` name is a null field of the type's ``data`` is a cross-field check,
    # made after validation with its own reason codes (``schemas.provenance``); the rules that need such a
    # field are not evaluated on the event (``inspections/rules/needs.py``).
    model_config = _CONFIG

    system: str = Field(description="The source system, e.g. `dvcqg`.")
    record: str | None = Field(default=None, description="The source record's id.")
    inferred: bool | None = Field(
        default=None,
        description="`true` when the event was deduced rather than read (e.g. a supplement completion "
        "deduced from a return to processing).",
    )
    basis: str | None = Field(default=None, description="What the event was deduced from.")
    unknown: list[str] | None = Field(
        default=None,
        description="The `data` fields the source cannot provide: each a field of this event type's `data`, "
        "present there as null. A rule that needs one is not evaluated on the event: the audit reports it as "
        "not checkable instead.",
    )


class _Envelope(BaseModel):
    model_config = _CONFIG

    schema_version: SchemaVersion
    event_id: EventId
    dossier_id: DossierId
    occurred_at: Timestamp
    unit_code: str
    actor: str | None = None
    #: Declared before ``type`` and ``data`` (each event model's own fields): ``data`` stays every event's
    #: last member, which ``warehouse.store`` relies on to cut it out of the serialised event.
    source: Source | None = None


class Submitted(_Envelope):
    type: Literal[EventType.SUBMITTED]
    data: SubmittedData


class Received(_Envelope):
    type: Literal[EventType.RECEIVED]
    data: ReceivedData


class Transferred(_Envelope):
    type: Literal[EventType.TRANSFERRED]
    data: TransferredData


class SupplementRequested(_Envelope):
    type: Literal[EventType.SUPPLEMENT_REQUESTED]
    data: SupplementRequestedData


class SupplementCompleted(_Envelope):
    type: Literal[EventType.SUPPLEMENT_COMPLETED]
    data: SupplementCompletedData


class FinancialObligationRequested(_Envelope):
    type: Literal[EventType.FINANCIAL_OBLIGATION_REQUESTED]
    data: FinancialObligationRequestedData


class FinancialObligationFulfilled(_Envelope):
    type: Literal[EventType.FINANCIAL_OBLIGATION_FULFILLED]
    data: EmptyData


class ApologyIssued(_Envelope):
    type: Literal[EventType.APOLOGY_ISSUED]
    data: ApologyIssuedData


class DueDateChanged(_Envelope):
    type: Literal[EventType.DUE_DATE_CHANGED]
    data: DueDateChangedData


class Refused(_Envelope):
    type: Literal[EventType.REFUSED]
    data: RefusedData


class Suspended(_Envelope):
    type: Literal[EventType.SUSPENDED]
    data: SuspendedData


class Withdrawn(_Envelope):
    type: Literal[EventType.WITHDRAWN]
    data: WithdrawnData


class Processed(_Envelope):
    type: Literal[EventType.PROCESSED]
    data: ProcessedData


class Returned(_Envelope):
    type: Literal[EventType.RETURNED]
    data: ReturnedData


Event = Annotated[
    Submitted
    | Received
    | Transferred
    | SupplementRequested
    | SupplementCompleted
    | FinancialObligationRequested
    | FinancialObligationFulfilled
    | ApologyIssued
    | DueDateChanged
    | Refused
    | Suspended
    | Withdrawn
    | Processed
    | Returned,
    Field(discriminator="type"),
]
"""Any valid event of the contract; discriminated by ``type``."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

DATA_MODELS: dict[str, type[BaseModel]] = {
    EventType.SUBMITTED: SubmittedData,
    EventType.RECEIVED: ReceivedData,
    EventType.TRANSFERRED: TransferredData,
    EventType.SUPPLEMENT_REQUESTED: SupplementRequestedData,
    EventType.SUPPLEMENT_COMPLETED: SupplementCompletedData,
    EventType.FINANCIAL_OBLIGATION_REQUESTED: FinancialObligationRequestedData,
    EventType.FINANCIAL_OBLIGATION_FULFILLED: EmptyData,
    EventType.APOLOGY_ISSUED: ApologyIssuedData,
    EventType.DUE_DATE_CHANGED: DueDateChangedData,
    EventType.REFUSED: RefusedData,
    EventType.SUSPENDED: SuspendedData,
    EventType.WITHDRAWN: WithdrawnData,
    EventType.PROCESSED: ProcessedData,
    EventType.RETURNED: ReturnedData,
}


#: Rank of each type among events at the same instant (rulebook v2, amendment 9): the order a dossier's
#: life runs in, so that e.g. a supplement completed at the very instant it was requested closes it, and an
#: apology issued at the instant of a due-date change counts as issued at or before it.
LIFECYCLE_RANK: dict[str, int] = {
    t: rank
    for rank, t in enumerate(
        (
            EventType.SUBMITTED,
            EventType.RECEIVED,
            EventType.TRANSFERRED,
            EventType.SUPPLEMENT_REQUESTED,
            EventType.SUPPLEMENT_COMPLETED,
            EventType.FINANCIAL_OBLIGATION_REQUESTED,
            EventType.FINANCIAL_OBLIGATION_FULFILLED,
            EventType.APOLOGY_ISSUED,
            EventType.DUE_DATE_CHANGED,
            EventType.PROCESSED,
            EventType.RETURNED,
            EventType.SUSPENDED,
            EventType.REFUSED,
            EventType.WITHDRAWN,
        )
    )
}


def event_sort_key(event: AnyEvent) -> tuple[datetime, int, str]:
    """The one event-time order of the platform: by ``occurred_at`` instant, then lifecycle rank
    (``LIFECYCLE_RANK``), then ``event_id`` — deterministic whatever the arrival order."""
    return (event.occurred_at, LIFECYCLE_RANK[event.type], event.event_id)


def stored_event_key(occurred_at: datetime, micro: int, kind: str, event_id: str) -> tuple[Any, ...]:
    """:func:`event_sort_key` of a stored event's columns (its instant to the second, the microseconds, its
    type, its id), for the views that list stored events (the packs' and the console's timelines); a type
    the contract no longer has sorts after the others of its instant."""
    return occurred_at, int(micro), LIFECYCLE_RANK.get(kind, len(LIFECYCLE_RANK)), event_id


def event_id_sort_key(event: AnyEvent) -> tuple[datetime, str]:
    """Rulebook v1's order (ties by ``event_id`` alone), kept so that v1 verdicts stay reproducible."""
    return (event.occurred_at, event.event_id)


def has_unknown_members(event: AnyEvent) -> bool:
    """Whether the event holds members the contract does not define, in the envelope, ``data`` or ``source``
    (any JSON at any depth). Events without them hold only the declared types (strings, booleans, the
    ``schema_version`` integer, lists of strings, times, ``None``): the fast paths that serialise,
    fingerprint or copy an event (``schemas.dedup``, ``schemas.pseudonym``, ``warehouse.event_rows``) rely
    on that and check with this first."""
    if event.__pydantic_extra__ or event.data.__pydantic_extra__:
        return True
    source = event.source
    return source is not None and bool(source.__pydantic_extra__)


def to_json_dict(event: AnyEvent) -> dict[str, Any]:
    """The event as a JSON-ready dict (timestamps as RFC 3339 strings), unknown fields included."""
    return event.model_dump(mode="json", exclude_unset=True)


AnyEvent = (
    Submitted
    | Received
    | Transferred
    | SupplementRequested
    | SupplementCompleted
    | FinancialObligationRequested
    | FinancialObligationFulfilled
    | ApologyIssued
    | DueDateChanged
    | Refused
    | Suspended
    | Withdrawn
    | Processed
    | Returned
)
