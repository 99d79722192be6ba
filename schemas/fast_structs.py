"""The msgspec mirror of the event contract, for the fast path (:mod:`schemas.fast_events`): one strict
struct for the envelope and one per type's ``data``, and what building one type's event needs.

Why a mirror: msgspec decodes into these with the declared field types (no coercion, required fields
required, closed vocabularies closed, no unknown member, no ``source``), and re-encoding one gives back the
input bytes only when the input was in canonical form — which is how the fast path recognises it. So each
struct lists its members in the pydantic model's declaration order, with the same optional members; the
pydantic models (:mod:`schemas.events`) stay the authority, :data:`STRUCTS` pairs each struct with them.
"""

from __future__ import annotations

from typing import Literal

import msgspec
from pydantic import BaseModel

from schemas.diagnosis import TIMES_OF
from schemas.events import (
    ApologyIssued,
    ApologyIssuedData,
    DueDateChanged,
    DueDateChangedData,
    EmptyData,
    EventType,
    FinancialObligationFulfilled,
    FinancialObligationRequested,
    FinancialObligationRequestedData,
    Processed,
    ProcessedData,
    Received,
    ReceivedData,
    Refused,
    RefusedData,
    Returned,
    ReturnedData,
    Submitted,
    SubmittedData,
    SupplementCompleted,
    SupplementCompletedData,
    SupplementRequested,
    SupplementRequestedData,
    Suspended,
    SuspendedData,
    Transferred,
    TransferredData,
    Withdrawn,
    WithdrawnData,
)

__all__ = ["STRUCTS", "UNSET", "Unset"]

UNSET = msgspec.UNSET
Unset = msgspec.UnsetType
_Channel = Literal["direct", "online", "postal"]


class _Struct(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True, gc=False):
    """Members in the pydantic model's declaration order; an optional member absent from the input is
    ``UNSET`` (left out when encoded, as pydantic's ``exclude_unset`` leaves it out)."""


class _Envelope(_Struct, kw_only=True):
    schema_version: int
    event_id: str
    dossier_id: str
    occurred_at: str
    unit_code: str
    actor: str | Unset | None = UNSET
    type: str  # kw_only: members in the pydantic model's declaration order
    data: msgspec.Raw


class _Submitted(_Struct):
    procedure_code: str
    channel: Literal["online"]
    applicant: str | Unset | None = UNSET


class _Received(_Struct):
    procedure_code: str
    channel: _Channel
    due_at: str | None
    documents: list[str]
    applicant: str | Unset | None = UNSET


class _Transferred(_Struct):
    to_unit_code: str
    step: str | Unset | None = UNSET
    step_due_at: str | Unset | None = UNSET


class _SupplementRequested(_Struct):
    notice_id: str | None
    reason: str
    requested_documents: list[str]


class _SupplementCompleted(_Struct):
    documents: list[str]


class _FinancialObligationRequested(_Struct):
    notice_id: str | None


class _Empty(_Struct):
    pass


class _ApologyIssued(_Struct):
    notice_id: str | None
    reason: str
    new_due_at: str | None


class _DueDateChanged(_Struct):
    old_due_at: str
    new_due_at: str
    reason: str


class _Refused(_Struct):
    stage: Literal["reception", "processing"]
    notice_id: str | None
    reason: str


class _Suspended(_Struct):
    notice_id: str | None
    reason: str


class _Withdrawn(_Struct):
    reason: str | Unset | None = UNSET


class _Processed(_Struct):
    outcome: Literal["granted", "denied"] | Unset | None = UNSET


class _Returned(_Struct):
    channel: _Channel


#: Per type: (the msgspec struct of its ``data``, the pydantic event model, the pydantic ``data`` model).
STRUCTS: dict[str, tuple[type[_Struct], type[BaseModel], type[BaseModel]]] = {
    EventType.SUBMITTED: (_Submitted, Submitted, SubmittedData),
    EventType.RECEIVED: (_Received, Received, ReceivedData),
    EventType.TRANSFERRED: (_Transferred, Transferred, TransferredData),
    EventType.SUPPLEMENT_REQUESTED: (_SupplementRequested, SupplementRequested, SupplementRequestedData),
    EventType.SUPPLEMENT_COMPLETED: (_SupplementCompleted, SupplementCompleted, SupplementCompletedData),
    EventType.FINANCIAL_OBLIGATION_REQUESTED: (
        _FinancialObligationRequested, FinancialObligationRequested, FinancialObligationRequestedData,
    ),
    EventType.FINANCIAL_OBLIGATION_FULFILLED: (_Empty, FinancialObligationFulfilled, EmptyData),
    EventType.APOLOGY_ISSUED: (_ApologyIssued, ApologyIssued, ApologyIssuedData),
    EventType.DUE_DATE_CHANGED: (_DueDateChanged, DueDateChanged, DueDateChangedData),
    EventType.REFUSED: (_Refused, Refused, RefusedData),
    EventType.SUSPENDED: (_Suspended, Suspended, SuspendedData),
    EventType.WITHDRAWN: (_Withdrawn, Withdrawn, WithdrawnData),
    EventType.PROCESSED: (_Processed, Processed, ProcessedData),
    EventType.RETURNED: (_Returned, Returned, ReturnedData),
}  # fmt: skip


class _Kind:
    """What building one type's event needs, precomputed once per type."""

    __slots__ = (
        "data_fields", "data_model", "decode", "event_model", "name", "sorted_fields", "times", "type",
    )  # fmt: skip

    def __init__(
        self, kind: str, struct: type[_Struct], event_model: type[BaseModel], data_model: type[BaseModel]
    ) -> None:
        self.type = EventType(kind)
        #: The type's value as a plain string (what orjson writes for the enum member).
        self.name = self.type._value_
        self.decode = msgspec.json.Decoder(struct).decode
        self.event_model = event_model
        self.data_model = data_model
        self.data_fields = tuple(data_model.__pydantic_fields__)
        #: The ``data`` members in the order ``orjson.OPT_SORT_KEYS`` writes them (ASCII names: code points).
        self.sorted_fields = tuple(sorted(self.data_fields))
        self.times = frozenset(TIMES_OF[kind])
