"""Appointments a supplement replaced (``DanhSachHoSoBoSung``: ``NgayHenTraTruoc`` → ``NgayHenTraMoi``): what
the receipt's ``due_at`` is when a record's ``NgayHenTra`` is such a new appointment, and which changes of
``NgayHenTra`` between snapshots they account for (``dossiers``).

RULES.md: ``due_at`` is "the original appointment date", which a new appointment given with a supplement
does not move (the supplement's time is subtracted instead; ``supplement_clock = restart`` counts again
from its completion). The import read ``NgayHenTra``, the rescheduled date: a false DUE_DATE_OVERSTATED,
and the lateness against the first appointment lost (DVCQG review).
"""

from __future__ import annotations

from datetime import datetime

from sources.dvcqg.fields import Fields, Unmappable

__all__ = ["Reschedule", "original_due", "rescheduled", "reschedules"]

#: One supplement's earlier appointment and the new one.
Reschedule = tuple[datetime, datetime]


def reschedules(fields: Fields) -> list[Reschedule]:
    """A record's supplements' appointments, earlier → new, in the list's order: the items that give both
    (an item that is not an object is rejected by the record's supplements)."""
    found: list[Reschedule] = []
    for item in fields.items("DanhSachHoSoBoSung"):
        if not isinstance(item, dict):
            continue
        try:
            before, after = Fields(item).time("NgayHenTraTruoc"), Fields(item).time("NgayHenTraMoi")
        except Unmappable:  # read for this only: a date it cannot read explains nothing, rejects nothing
            continue
        if before is not None and after is not None and before != after:
            found.append((before, after))
    return found


def rescheduled(shifts: list[Reschedule], old: datetime | None, new: datetime | None) -> bool:
    """Whether ``shifts`` lead from appointment ``old`` to ``new`` (one item's, or a chain of them): the due
    date in force stays ``old``, as no event moves it (a change after it then starts from there: its old
    date is the one in force)."""
    if old is None or new is None:
        return False
    reached = {old}
    grew = True
    while grew:
        grew = False
        for before, after in shifts:
            if before in reached and after not in reached:
                reached.add(after)
                grew = True
    return new in reached


def original_due(due_at: datetime | None, shifts: list[Reschedule]) -> datetime | None:
    """The receipt's appointment: ``due_at`` (the record's ``NgayHenTra``), unless it is the new
    appointment of the last supplement; then the first supplement's earlier one."""
    if shifts and due_at is not None and due_at == shifts[-1][1]:
        return shifts[0][0]
    return due_at
