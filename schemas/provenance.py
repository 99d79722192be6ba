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

__all__ = ["CODES", "FIELDS", "NULLABLE", "unknown_fields", "unknown_problem"]

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


#: Per event type, the fields that can be null in a valid event, so the only ones ``unknown`` can name in
#: a valid event: a field that may not be null (a ``reason``, which "may be empty") always has a value.
NULLABLE: Final[dict[str, frozenset[str]]] = {kind: _nullable(model) for kind, model in DATA_MODELS.items()}

_MAX_SHOWN = 60


def unknown_fields(event: AnyEvent) -> frozenset[str]:
    """The ``data`` fields the event's source says it cannot provide (empty without ``source.unknown``)."""
    source = event.source
    if source is None or not source.unknown:
        return frozenset()
    return frozenset(source.unknown)


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
                if name in NULLABLE[kind]
                else f"{kind} data cannot hold null there: the contract requires a value"
            )
            return "source.unknown.not_null", (
                f"{where}: {name!r} is listed as unknown, but data.{name} has a value ({why})"
            )
    return None


def _quoted(name: str) -> str:
    text = repr(name)
    return text if len(name) <= _MAX_SHOWN else f"{repr(name[:_MAX_SHOWN])[:-1]}...'"
