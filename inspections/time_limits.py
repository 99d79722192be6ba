"""A procedure's time limit (*thời hạn giải quyết*) and its changes over time.

A decision that amends a procedure's time limit applies to the dossiers received from the day it takes
effect: one received before keeps the limit it was received under (rules are versioned by effective date,
DOMAIN.md section 4). A catalogue therefore gives a procedure its first ``max_time`` and the later
:class:`TimeLimit` entries, and a dossier is judged by the one in force on the day it was received
(``Catalogue.procedure(code, on)``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo

from inspections.timeunits import NO_LIMIT, ProcessingTime, TimeUnit

__all__ = [
    "MAX_AMOUNT",
    "STORED_SNAPSHOT",
    "MaxTime",
    "TimeLimit",
    "checked_max_time",
    "checked_time_limits",
    "parse_processing_time",
]

#: The largest amount a catalogue may give a limit, per unit: a year's worth of days (366, calendar or
#: working) or of working hours (366 x 8). Real limits are counted in days or weeks: the largest in the
#: bundled sample is 20 working days and 20 calendar days (the national list in shared/data carries no
#: limits), and procedures with the longest appraisals take a few months. The calendar covers 2000-2050 and
#: its arithmetic refuses a date past it, so an absurd amount (1e9, 99999 working days) put every dossier's
#: due date past 2050 and each one became an AUDIT_ERROR with its real findings lost; with this bound the
#: due date of a dossier received before mid-2049 is always inside the calendar.
MAX_AMOUNT: dict[TimeUnit, float] = {
    TimeUnit.WORKING_DAYS: 366,
    TimeUnit.CALENDAR_DAYS: 366,
    TimeUnit.WORKING_HOURS: 366 * 8,
}


def parse_processing_time(value: Any) -> Any:
    """Accept ``"7 working_days"``, ``"none"`` or a ``{amount, unit}`` mapping; return a mapping.

    Anything else is returned unchanged so that pydantic reports it with its own message.
    """
    if isinstance(value, ProcessingTime):
        return value
    if isinstance(value, str):
        parts = value.split()
        if len(parts) == 1 and parts[0] == TimeUnit.NONE.value:
            return {"amount": 0, "unit": TimeUnit.NONE.value}
        if len(parts) == 2:
            try:
                amount = float(parts[0])
            except ValueError:
                raise ValueError(
                    f"{value!r} is not '<amount> <unit>' or 'none' (amount {parts[0]!r} is not a number)"
                ) from None
            return {"amount": amount, "unit": parts[1]}
        raise ValueError(f"{value!r} is not '<amount> <unit>' or 'none'")
    if isinstance(value, Mapping) and value.get("unit") == TimeUnit.NONE.value and "amount" not in value:
        return {"amount": 0, "unit": TimeUnit.NONE.value}
    if isinstance(value, Mapping) and isinstance(value.get("amount"), bool):
        # pydantic would read ``true`` as 1: a YAML slip (``amount: yes``) became a one-day limit.
        raise ValueError(f"amount {value['amount']!r} is a boolean, not a number")
    return value


#: The key of the pydantic validation context of a catalogue read back from a warehouse snapshot
#: (``Model.model_validate(data, context={STORED_SNAPSHOT: True})``): :data:`MAX_AMOUNT` is not applied
#: to it. It was checked when it was stored, maybe by a release before the bound, and a snapshot that no
#: longer loaded failed ``worker detect --stored-catalogue`` and left the audit packs counting lateness in
#: calendar days (review). A catalogue file is checked against the bound whenever it is loaded.
STORED_SNAPSHOT = "stored_snapshot"


def checked_max_time(value: ProcessingTime, info: ValidationInfo) -> ProcessingTime:
    """``value`` as a catalogue holds it: any amount of ``none`` is :data:`NO_LIMIT`; a negative amount, one
    not finite (``nan``, ``inf``: ``nan < 0`` is false, and every due date then failed) or, unless read back
    from a warehouse snapshot (:data:`STORED_SNAPSHOT`), one above :data:`MAX_AMOUNT` is an error
    (``ValueError``, which pydantic reports at its place in the file)."""
    if value.unit is TimeUnit.NONE:
        return NO_LIMIT
    if not math.isfinite(value.amount):
        raise ValueError(f"amount {value.amount} is not a finite number for unit {value.unit.value!r}")
    if value.amount < 0:
        raise ValueError(f"amount must not be negative for unit {value.unit.value!r}")
    stored = isinstance(info.context, Mapping) and info.context.get(STORED_SNAPSHOT) is True
    if value.amount > MAX_AMOUNT[value.unit] and not stored:
        raise ValueError(
            f"amount {value.amount:g} is above the largest allowed for unit {value.unit.value!r} "
            f"({MAX_AMOUNT[value.unit]:g}: no procedure's time limit is longer than a year)"
        )
    # 0 is legal: a same-day procedure (rulebook v2, amendment 4; Decree 61/2018 Art. 17(4)).
    return value


#: A procedure's maximum time as a catalogue field: written ``"7 working_days"``, ``"none"`` or as a mapping,
#: held as :func:`checked_max_time` gives it.
MaxTime = Annotated[ProcessingTime, BeforeValidator(parse_processing_time), AfterValidator(checked_max_time)]


class TimeLimit(BaseModel):
    """A procedure's time limit from ``valid_from`` (Vietnam's date of receipt, inclusive) until the next
    change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid_from: date
    max_time: MaxTime


def checked_time_limits(limits: tuple[TimeLimit, ...]) -> tuple[TimeLimit, ...]:
    """``limits`` when each takes effect after the one before; else ``ValueError`` naming the first out of
    order (two changes on one day, or listed backwards, would leave the limit of some day ambiguous)."""
    for i in range(1, len(limits)):
        if limits[i].valid_from <= limits[i - 1].valid_from:
            raise ValueError(
                f"time limit {i} takes effect on {limits[i].valid_from}, not after the one before it "
                f"({limits[i - 1].valid_from}): list the changes in the order they take effect"
            )
    return limits


def in_force(base: ProcessingTime, limits: tuple[TimeLimit, ...], on: date) -> ProcessingTime:
    """The limit of a dossier received on ``on``: the last change in force then, else ``base``."""
    found = base
    for limit in limits:
        if limit.valid_from > on:
            break
        found = limit.max_time
    return found
