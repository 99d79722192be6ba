"""What the rules need from the calendar and the catalogue, as protocols.

The rulebook depends on these narrow interfaces, not on the concrete loaders, so tests can pass small
fakes and deployments can swap the data sources.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from datetime import date, datetime
from typing import Protocol

from inspections.timeunits import ProcessingTime


class CalendarPort(Protocol):
    """Working-day arithmetic in local (Asia/Ho_Chi_Minh) dates."""

    def local_date(self, t: datetime) -> date: ...

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days from ``start`` to ``end``; 0 when ``end`` is not after ``start`` (the outcome of a
        dossier ended at its receipt takes 0 without asking: ``inspections.outcomes``)."""
        ...

    def working_day_offset(self, d: date, n: int) -> date: ...

    def legal_due_date(self, received_at: datetime, max_time: ProcessingTime) -> date | None: ...

    # v2 judges same-day limits by working hours and working-hour limits as instants (amendments 3, 4).
    def is_working_day(self, d: date) -> bool: ...

    def end_of_working_day(self, d: date) -> datetime: ...

    def add_working_hours(self, start: datetime, hours: float) -> datetime: ...


class ProcedurePort(Protocol):
    """The facts of one procedure the rules read."""

    @property
    def code(self) -> str: ...

    @property
    def max_time(self) -> ProcessingTime: ...

    @property
    def financial_obligation(self) -> bool: ...


class CataloguePort(Protocol):
    """Procedure and publication look-ups."""

    def procedure(self, code: str, on: date | None = None) -> ProcedurePort | None:
        """The procedure; with ``on``, the day its dossier was received (a ``datetime`` is taken in
        Vietnam's time zone), as in force that day (its time limit then)."""
        ...

    def component_codes(self, code: str) -> AbstractSet[str] | None: ...

    def is_published(self, procedure_code: str, unit_code: str, on: date) -> bool: ...

    def field_of(self, procedure_code: str) -> str | None: ...
