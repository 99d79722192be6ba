"""pydantic's ``model_copy(update=...)`` of one declared field, without its overhead.

``Pseudonymiser.apply`` copies an event and its ``data`` for each applicant it replaces (once per dossier or
so in a load); ``model_copy`` spends most of that time in calls through ``copy.copy`` and in checks that do
not apply to a declared field. :func:`copy_with` builds the same object directly, for the models whose copy
is pydantic's own, and declines the others.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["copy_with"]

_set = object.__setattr__
_MODEL_COPY, _COPY = BaseModel.model_copy, BaseModel.__copy__


def copy_with(model: BaseModel, name: str, value: Any) -> Any:
    """``model.model_copy(update={name: value})`` for a declared field ``name``, or ``None`` (the caller
    then calls ``model_copy``) unless the model's class copies as ``BaseModel`` does (``model_copy`` and
    ``__copy__`` not overridden), it holds no private attributes, and its extra members (if any) are a dict.

    The same object: ``BaseModel.__copy__`` makes a new instance of the class (``cls.__new__(cls)``) with a
    copy of ``__dict__``, of ``__pydantic_extra__`` (``None`` stays ``None``) and of
    ``__pydantic_fields_set__``, and ``__pydantic_private__`` ``None`` when the model has none; ``model_copy``
    then sets ``__dict__[name]`` (for a declared field, with or without ``extra="allow"``) and adds ``name``
    to the fields set. Here those four attributes are set to the same values, without the three calls
    through ``copy.copy`` and the checks that do not apply to a declared field.
    """
    cls: Any = type(model)
    if (
        cls.model_copy is not _MODEL_COPY
        or cls.__copy__ is not _COPY
        or name not in cls.__pydantic_fields__
        or getattr(model, "__pydantic_private__", None) is not None
    ):
        return None
    extra = model.__pydantic_extra__
    if extra is not None and type(extra) is not dict:
        return None
    copied = cls.__new__(cls)
    values = model.__dict__.copy()
    values[name] = value
    fields_set = model.__pydantic_fields_set__.copy()
    fields_set.add(name)
    _set(copied, "__dict__", values)
    _set(copied, "__pydantic_extra__", None if extra is None else extra.copy())
    _set(copied, "__pydantic_fields_set__", fields_set)
    _set(copied, "__pydantic_private__", None)
    return copied
