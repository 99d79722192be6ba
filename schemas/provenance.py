"""The envelope's ``source.unknown``: which ``data`` fields a source cannot provide, and its checks.

EVENTS.md: ``unknown`` lists "fields the source cannot provide, given as null; a rule that needs such a field
is not evaluated on that event". So each name must be a field the contract defines for the event's type, and
that field must be present in ``data`` with the value ``null``. Anything else is rejected with its own code,
because each says something different to the integrator:

- ``source.unknown.not_a_field``: the type has no such field (a typo, another type's field, an unknown
  member of ``data``: the rules read only the contract's fields, so marking any other says nothing);
- ``source.unknown.absent``: the field is not in ``data`` at all (the contract gives unknown fields as
  null; an optional field left out is simply not given);
- ``source.unknown.not_null``: ``data`` holds a value for it (then the source did provide it, and which of
  the two to believe would be a guess).

A ``reason`` ("string, may be empty") is required: a null one is rejected as a missing field
(``field.missing``, as pydantic says of any other), unless ``unknown`` names it. A source that cannot provide
a reason (the national sync's refusal without a note, DOMAIN.md section 9) gives it as null and lists it, so
the rules that read it are not evaluated (review of the audited unit: an empty reason it was given instead
made every such refusal a "refusal without reason" of high severity, which the unit could not answer).

A name listed twice is accepted: the contract does not forbid it, and it means the same as once. The check
runs after pydantic's validation, in Python, and only for events whose ``source`` lists names: the valid
path of all other events does not change (``schemas.validation.parse_event``).
"""

from __future__ import annotations

import typing
from typing import Final

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from schemas.events import DATA_MODELS, AnyEvent

__all__ = [
    "CODES",
    "FIELDS",
    "NULLABLE",
    "VALUE_REQUIRED",
    "missing_value",
    "unknown_fields",
    "unknown_problem",
]

#: The reason codes of this module (part of ``schemas.validation.CODES``).
CODES: Final = frozenset({"source.unknown.not_a_field", "source.unknown.absent", "source.unknown.not_null"})

#: Per event type, the ``data`` fields the contract defines (what ``unknown`` may name).
FIELDS: Final[dict[str, frozenset[str]]] = {
    kind: frozenset(model.model_fields) for kind, model in DATA_MODELS.items()
}


def _nullable(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(name for name, info in model.model_fields.items() if _allows_none(info))


def _allows_none(info: FieldInfo) -> bool:
    """``X | None`` (required or not): the optional fields of the models all are."""
    return type(None) in typing.get_args(info.annotation)


#: Per event type, the fields the contract requires a value for that a source may still declare unknown
#: (then null): the reasons, "string, may be empty" (module docstring).
VALUE_REQUIRED: Final[dict[str, frozenset[str]]] = {
    kind: frozenset({"reason"})
    for kind, model in DATA_MODELS.items()
    if "reason" in model.model_fields and model.model_fields["reason"].is_required()
}

#: Per event type, the fields that can be null in a valid event whatever its ``source`` says.
NULLABLE: Final[dict[str, frozenset[str]]] = {
    kind: _nullable(model) - VALUE_REQUIRED.get(kind, frozenset()) for kind, model in DATA_MODELS.items()
}

_MAX_SHOWN = 60


def unknown_fields(event: AnyEvent) -> frozenset[str]:
    """The ``data`` fields the event's source says it cannot provide (empty without ``source.unknown``)."""
    source = event.source
    if source is None or not source.unknown:
        return frozenset()
    return frozenset(source.unknown)


def missing_value(event: AnyEvent) -> tuple[str, str] | None:
    """(code, message) when a field of :data:`VALUE_REQUIRED` is null and ``source.unknown`` does not name it:
    the message pydantic gives a required field that is null."""
    required = VALUE_REQUIRED.get(event.type.value)
    if required is None:
        return None
    values = event.data.__dict__
    for name in required:
        if values.get(name) is None and name not in unknown_fields(event):
            return "field.missing", f"data.{name}: required field is null"
    return None


def unknown_problem(event: AnyEvent) -> tuple[str, str] | None:
    """(code, message) for the first ``source.unknown`` name that is not a null field of the event's
    ``data`` (module docstring), or None. Never shows a field's value (it may be an applicant)."""
    source = event.source
    if source is None or not source.unknown:
        return None
    kind = event.type.value
    defined = FIELDS[kind]
    present = event.data.__dict__
    for n, name in enumerate(source.unknown):
        where = f"source.unknown[{n}]"
        if name not in defined:
            listed = ", ".join(sorted(defined)) or "none"
            return "source.unknown.not_a_field", (
                f"{where}: {_quoted(name)} is not a field of {kind} data (its fields: {listed})"
            )
        if name not in event.data.__pydantic_fields_set__:
            return "source.unknown.absent", (
                f"{where}: {name!r} is not in data; a field the source cannot provide is given as null"
            )
        if present.get(name) is not None:
            why = (
                "a field the source cannot provide is given as null"
                if name in NULLABLE[kind] or name in VALUE_REQUIRED.get(kind, ())
                else f"{kind} data cannot hold null there: the contract requires a value"
            )
            return "source.unknown.not_null", (
                f"{where}: {name!r} is listed as unknown, but data.{name} has a value ({why})"
            )
    return None


def _quoted(name: str) -> str:
    text = repr(name)
    return text if len(name) <= _MAX_SHOWN else f"{repr(name[:_MAX_SHOWN])[:-1]}...'"
