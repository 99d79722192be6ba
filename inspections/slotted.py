"""A faster constructor for the frozen, slotted dataclasses built in hot loops: the facts of each dossier
(``DossierFacts``), and the ``Classification`` and ``DossierOutcome`` of each change point of a dossier's
outcome history.

A frozen dataclass's generated ``__init__`` stores each field with ``object.__setattr__`` (its own
``__setattr__`` refuses), which finds the field's slot by name every time: half of what building one
costs. :func:`maker` writes a constructor of the same signature that stores the fields through their
slot descriptors, found once: the same object, field for field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any, ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")


def maker(cls: Callable[_P, _T]) -> Callable[_P, _T]:
    """A constructor of ``cls`` (a dataclass with ``slots=True``), with the parameters of its ``__init__``.

    Refused (``TypeError``) for a class whose ``__init__`` does more than store its arguments: a
    ``__post_init__``, a field left out of ``__init__``, keyword-only or built by a factory, or slots
    other than the fields."""
    assert isinstance(cls, type)
    found = fields(cls)
    names = tuple(f.name for f in found)
    if (
        hasattr(cls, "__post_init__")
        or any(not f.init or f.kw_only or f.default_factory is not MISSING for f in found)
        or cls.__dict__.get("__slots__") != names
    ):
        raise TypeError(f"{cls.__name__}: not a dataclass whose __init__ only stores its fields in slots")
    # Written out for these fields, as ``dataclasses`` writes ``__init__``: a loop over them would cost
    # back half of what the descriptors save.
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    parameters = []
    for f in found:
        scope[f"store_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is MISSING:
            parameters.append(f.name)
        else:
            scope[f"default_{f.name}"] = f.default
            parameters.append(f"{f.name}=default_{f.name}")
    stores = "".join(f"    store_{name}(made, {name})\n" for name in names)
    exec(f"def make({', '.join(parameters)}):\n    made = new(cls)\n{stores}    return made\n", scope)
    make: Callable[_P, _T] = scope["make"]
    make.__doc__ = f"``{cls.__name__}(...)``, faster (``slotted.maker``)."
    return make
