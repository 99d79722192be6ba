"""The part of a dossier's facts that its classification and its reporting-form outcome read.

``classify`` takes any :class:`Judged` and the outcome any :class:`Standing`, not only a whole
``DossierFacts``: the outcome history judges each of a dossier's change points, and there the 28 fields
of ``DossierFacts`` (tuples of apologies, documents, ends...) would cost more to build than the
judgement itself. The walk of ``timeline`` gives it a :class:`StandingAt` instead: the values it would
have put in those fields, computed by the same lines. Classification and metrics are type-checked
against these protocols, so anything they read must be declared here, and then the type checker holds
``StandingAt`` to provide it: a judgement cannot silently read a field the history did not fill in, and
:func:`same_judgement` knows everything classification reads."""

from __future__ import annotations

from datetime import datetime, timedelta
from operator import is_
from typing import NamedTuple, Protocol

from inspections.semantics import Semantics
from schemas.events import AnyEvent, Received, Returned, SupplementRequested


class Judged(Protocol):
    """What classification (early / on time / late) reads of the facts."""

    @property
    def semantics(self) -> Semantics: ...

    @property
    def procedure_code(self) -> str | None: ...

    @property
    def received(self) -> Received | None: ...

    @property
    def due_at(self) -> datetime | None: ...

    @property
    def supplement_requests(self) -> tuple[SupplementRequested, ...]: ...

    @property
    def effective_end(self) -> datetime: ...

    @property
    def pause(self) -> timedelta: ...

    @property
    def restart_at(self) -> datetime | None: ...


class Standing(Judged, Protocol):
    """What classification and the reporting-form outcome read of the facts."""

    @property
    def dossier_id(self) -> str: ...

    @property
    def end_event(self) -> AnyEvent | None: ...

    @property
    def end_at(self) -> datetime: ...

    @property
    def waiting(self) -> bool: ...

    @property
    def first_returned(self) -> Returned | None: ...


def same_judgement(a: Judged, b: Judged) -> bool:
    """Whether classification must judge ``a`` exactly as it judged ``b``: every member it reads (the
    members of :class:`Judged`, which the type checker holds it to) is the same in both.

    The same means the same object, or an equal one for what is nothing but its value (a string, a
    timedelta), and for the effective ends, which the clock computes anew each time, an equal instant of
    the same type, ``tzinfo`` object and ``fold``: no computation can tell them apart. Classification
    being a function of what it reads (and of the catalogue and calendar, pure), it answers alike."""
    return same_basis(a, b) and a.pause == b.pause and _indistinguishable(a.effective_end, b.effective_end)


def same_basis(a: Judged, b: Judged) -> bool:
    """Whether classification judges ``a`` and ``b`` on the same basis and due: every member it reads
    but the effective end and the pause is the same (as in :func:`same_judgement`). Which basis it takes,
    and the due date or instant of that basis, are computed from these members alone (and the catalogue
    and calendar); only the status and ``late_since`` read the end and the pause."""
    return (
        a.received is b.received
        and a.semantics is b.semantics
        and a.due_at is b.due_at
        and a.restart_at is b.restart_at
        and a.procedure_code == b.procedure_code
        and _same_objects(a.supplement_requests, b.supplement_requests)
    )


def _same_objects(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return a is b or (len(a) == len(b) and all(map(is_, a, b)))


def _indistinguishable(a: datetime, b: datetime) -> bool:
    return a is b or (type(a) is type(b) and a.tzinfo is b.tzinfo and a.fold == b.fold and a == b)


class StandingAt(NamedTuple):
    """A :class:`Standing` on its own: each field the value of the ``DossierFacts`` field of that name
    (``pause``: of its property) for the same events and instant."""

    dossier_id: str
    semantics: Semantics
    procedure_code: str | None
    received: Received | None
    due_at: datetime | None
    end_event: AnyEvent | None
    supplement_requests: tuple[SupplementRequested, ...]
    effective_end: datetime
    pause: timedelta
    restart_at: datetime | None
    end_at: datetime
    waiting: bool
    first_returned: Returned | None

    def with_first_returned(self, returned: Returned | None) -> StandingAt:
        """This standing, its first return ``returned`` (the last field; the others copied as they are)."""
        return StandingAt._make((*self[:-1], returned))


assert StandingAt._fields[-1] == "first_returned"  # what ``with_first_returned`` replaces
