"""Small builders for contract events and fake calendar/catalogue, shared by the rule tests."""

from __future__ import annotations

import itertools
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson

from inspections.timeunits import VN_TZ, ProcessingTime, TimeUnit
from schemas.events import EVENT_ADAPTER, AnyEvent

_ids = itertools.count(1)


def at(text: str) -> str:
    """'2025-11-03 09:00' → RFC 3339 in local time."""
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ).isoformat()


def ev(
    type_: str,
    when: str,
    data: dict[str, Any] | None = None,
    *,
    dossier: str = "D1",
    unit: str = "U1",
    event_id: str | None = None,
) -> AnyEvent:
    raw = {
        "schema_version": 1,
        "event_id": event_id or f"e{next(_ids)}",
        "dossier_id": dossier,
        "type": type_,
        "occurred_at": at(when),
        "unit_code": unit,
        "data": data or {},
    }
    return EVENT_ADAPTER.validate_json(orjson.dumps(raw))


def received(
    when: str,
    due: str | None,
    *,
    procedure: str = "P1",
    docs: list[str] | None = None,
    channel: str = "direct",
    **kw: Any,
) -> AnyEvent:
    return ev(
        "received",
        when,
        {
            "procedure_code": procedure,
            "channel": channel,
            "due_at": at(due) if due else None,
            "documents": docs or [],
        },
        **kw,
    )


def processed(when: str, **kw: Any) -> AnyEvent:
    return ev("processed", when, {}, **kw)


def apology(
    when: str, new_due: str | None, *, notice: str | None = "XL-1", reason: str = "Chờ xác minh", **kw: Any
) -> AnyEvent:
    return ev(
        "apology_issued",
        when,
        {"notice_id": notice, "reason": reason, "new_due_at": at(new_due) if new_due else None},
        **kw,
    )


def supplement(
    when: str, *, notice: str | None = "BS-1", docs: list[str] | None = None, **kw: Any
) -> AnyEvent:
    return ev(
        "supplement_requested",
        when,
        {"notice_id": notice, "reason": "Thiếu giấy tờ", "requested_documents": docs or []},
        **kw,
    )


def completed(when: str, docs: list[str] | None = None, **kw: Any) -> AnyEvent:
    return ev("supplement_completed", when, {"documents": docs or []}, **kw)


class FakeCalendar:
    """Weekends plus an explicit holiday set; dates in local time."""

    def __init__(self, holidays: AbstractSet[date] = frozenset()) -> None:
        self.holidays = holidays

    def local_date(self, t: datetime) -> date:
        return t.astimezone(VN_TZ).date()

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self.holidays

    def working_day_offset(self, d: date, n: int) -> date:
        step = 1 if n >= 0 else -1
        for _ in range(abs(n)):
            d += timedelta(days=step)
            while not self.is_working_day(d):
                d += timedelta(days=step)
        return d

    def working_days_between(self, start: datetime, end: datetime) -> int:
        a, b = self.local_date(start), self.local_date(end)
        n = 0
        while a < b:
            a += timedelta(days=1)
            n += self.is_working_day(a)
        return n

    def legal_due_date(self, received_at: datetime, max_time: ProcessingTime) -> date | None:
        if max_time.unit is TimeUnit.NONE:
            return None
        if max_time.unit is TimeUnit.WORKING_DAYS:
            return self.working_day_offset(self.local_date(received_at), int(max_time.amount))
        if max_time.unit is TimeUnit.CALENDAR_DAYS:
            d = self.local_date(received_at) + timedelta(days=int(max_time.amount))
            return d if self.is_working_day(d) else self.working_day_offset(d, 1)
        raise NotImplementedError(max_time.unit)

    def end_of_working_day(self, d: date) -> datetime:
        return datetime.combine(d, time(17), tzinfo=VN_TZ)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Working hours 07:00–11:30 and 13:30–17:00 on working days, minute by minute (tests only)."""
        t = start.astimezone(VN_TZ).replace(second=0, microsecond=0)
        left = round(hours * 60)
        while left > 0:
            minute = t.hour * 60 + t.minute
            if self.is_working_day(t.date()) and (
                7 * 60 <= minute < 11 * 60 + 30 or 13 * 60 + 30 <= minute < 17 * 60
            ):
                left -= 1
            t += timedelta(minutes=1)
        return t


@dataclass(frozen=True)
class FakeProcedure:
    code: str
    max_time: ProcessingTime
    components: frozenset[str] = frozenset()
    published: dict[str, tuple[date, date | None]] = field(default_factory=dict)
    financial_obligation: bool = False


class FakeCatalogue:
    def __init__(self, *procedures: FakeProcedure) -> None:
        self.procedures = {p.code: p for p in procedures}

    def procedure(self, code: str, on: date | None = None) -> FakeProcedure | None:
        return self.procedures.get(code)

    def component_codes(self, code: str) -> frozenset[str] | None:
        p = self.procedures.get(code)
        return p.components if p else None

    def is_published(self, procedure_code: str, unit_code: str, on: date) -> bool:
        p = self.procedures.get(procedure_code)
        if p is None or unit_code not in p.published:
            return False
        start, end = p.published[unit_code]
        return start <= on and (end is None or on < end)

    def field_of(self, procedure_code: str) -> str | None:
        return None  # the fakes have no fields


P1 = FakeProcedure(
    "P1",
    ProcessingTime(3, TimeUnit.WORKING_DAYS),
    frozenset({"A", "B", "C"}),
    {"U1": (date(2020, 1, 1), None)},
)
P_NONE = FakeProcedure(
    "PN", ProcessingTime(0, TimeUnit.NONE), frozenset({"A"}), {"U1": (date(2020, 1, 1), None)}
)
P_CAL = FakeProcedure(
    "PC", ProcessingTime(10, TimeUnit.CALENDAR_DAYS), frozenset({"A"}), {"U1": (date(2020, 1, 1), None)}
)
P_LATE_PUB = FakeProcedure(
    "PL", ProcessingTime(3, TimeUnit.WORKING_DAYS), frozenset({"A"}), {"U1": (date(2025, 12, 1), None)}
)
CATALOGUE = FakeCatalogue(P1, P_NONE, P_CAL, P_LATE_PUB)
CALENDAR = FakeCalendar()
