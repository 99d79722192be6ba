"""The world of the Rulebook v2 case table (``tests/rulebook_v2_cases.py``): its catalogue, calendar and
dates, the event builders, the ``Case`` shape, and the auditors that judge a case under each version.

Kept apart from the table so the table reads as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import orjson

from inspections.calendar import WorkingCalendar
from inspections.catalogue import (
    Catalogue,
    CatalogueMeta,
    Component,
    Level,
    Procedure,
    ProcedureField,
    Publication,
    Unit,
)
from inspections.rulebook import Auditor, Rulebooks
from inspections.rules import RuleParams
from inspections.timeunits import VN_TZ
from schemas.events import EVENT_ADAPTER, AnyEvent

# --- the world of the cases ------------------------------------------------------------------------------

UNIT = "U1"
_SINCE = date(2020, 1, 1)


def _procedure(code: str, max_time: str, *, financial: bool = False) -> Procedure:
    return Procedure(
        code=code,
        name=f"Thủ tục {code}",
        field="F1",
        max_time=max_time,  # parsed by the model ("3 working_days")
        components=(Component(code="A", name="Tờ khai"), Component(code="B", name="Bản sao CCCD")),
        publications=(Publication(unit=UNIT, valid_from=_SINCE),),
        financial_obligation=financial,
    )


#: The table's procedures: maximum time 3 working days (plain and with a financial obligation), 0 (same
#: day), 4 working hours, half a working day, none, and 3 calendar days.
PROCEDURES: dict[str, Procedure] = {
    p.code: p
    for p in (
        _procedure("P3", "3 working_days"),
        _procedure("PF", "3 working_days", financial=True),
        _procedure("P0", "0 working_days"),
        _procedure("PH", "4 working_hours"),
        _procedure("PHALF", "0.5 working_days"),
        _procedure("PN", "none"),
        _procedure("PC", "3 calendar_days"),
    )
}
CATALOGUE = Catalogue(
    PROCEDURES.values(),
    [Unit(code=UNIT, name="Xã Mẫu", level=Level.COMMUNE, valid_from=_SINCE)],
    [ProcedureField(code="F1", name="Hộ tịch")],
    CatalogueMeta(name="Rulebook v2 cases", sample=True),
)
#: Weekends only (November 2025 has no public holiday in the shipped calendar either).
CALENDAR = WorkingCalendar(())
AS_OF = datetime(2025, 12, 1, tzinfo=VN_TZ)

THU0, FRI0 = "2025-10-30", "2025-10-31"  # the week before
MON, TUE, WED, THU, FRI, SAT = (
    "2025-11-03",
    "2025-11-04",
    "2025-11-05",
    "2025-11-06",
    "2025-11-07",
    "2025-11-08",
)
MON2, TUE2, WED2 = "2025-11-10", "2025-11-11", "2025-11-12"

PAUSE_FINANCIAL = RuleParams(pause_on_financial_obligation=True)
RESTART = RuleParams(supplement_clock="restart")

# --- events ----------------------------------------------------------------------------------------------

#: (type, local time "YYYY-MM-DD HH:MM", data); ``at`` values in ``data`` are local times too.
Spec = tuple[str, str, dict[str, Any]]


def _at(text: str) -> str:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ).isoformat()


def rcv(when: str, due: str | None, procedure: str = "P3", docs: tuple[str, ...] = ("A",)) -> Spec:
    due_at = _at(due) if due else None
    return ("received", when, {"procedure_code": procedure, "channel": "direct", "due_at": due_at,
                               "documents": list(docs)})  # fmt: skip


def sup(when: str, notice: str | None = "BS-1") -> Spec:
    return ("supplement_requested", when, {"notice_id": notice, "reason": "Thiếu giấy tờ",
                                           "requested_documents": ["B"]})  # fmt: skip


def done(when: str) -> Spec:
    return ("supplement_completed", when, {"documents": ["B"]})


def fin(when: str) -> Spec:
    return ("financial_obligation_requested", when, {"notice_id": "TB-NVTC-1"})


def paid(when: str) -> Spec:
    return ("financial_obligation_fulfilled", when, {})


def apo(
    when: str, new_due: str | None, notice: str | None = "XL-1", reason: str | None = "Chờ xác minh"
) -> Spec:
    return ("apology_issued", when, {"notice_id": notice, "reason": reason,
                                     "new_due_at": _at(new_due) if new_due else None})  # fmt: skip


def chg(when: str, old: str, new: str) -> Spec:
    return ("due_date_changed", when, {"old_due_at": _at(old), "new_due_at": _at(new), "reason": ""})


def proc(when: str) -> Spec:
    return ("processed", when, {"outcome": "granted"})


def ret(when: str) -> Spec:
    return ("returned", when, {"channel": "direct"})


def ref(when: str, notice: str | None = "TC-1", reason: str | None = "Không thuộc thẩm quyền") -> Spec:
    return ("refused", when, {"stage": "processing", "notice_id": notice, "reason": reason})


def susp(when: str, notice: str | None = "DX-1", reason: str = "Chờ kết quả giám định") -> Spec:
    return ("suspended", when, {"notice_id": notice, "reason": reason})


def wd(when: str) -> Spec:
    return ("withdrawn", when, {"reason": "Công dân rút hồ sơ"})


def build_event(dossier_id: str, event_id: str, spec: Spec) -> AnyEvent:
    kind, when, data = spec
    raw = {"schema_version": 1, "event_id": event_id, "dossier_id": dossier_id, "type": kind,
           "occurred_at": _at(when), "unit_code": UNIT, "data": data}  # fmt: skip
    return EVENT_ADAPTER.validate_json(orjson.dumps(raw))


# --- cases -----------------------------------------------------------------------------------------------

#: A verdict: (rule id, trigger event id or None for time-triggered ones).
Verdict = tuple[str, str | None]


@dataclass(frozen=True)
class Case:
    """One dossier judged under both versions. Event ``k`` (1-based, in listed order) has id ``name/k``."""

    name: str
    amendment: str
    why: str
    events: tuple[AnyEvent, ...]
    v2: frozenset[Verdict]
    v1: frozenset[Verdict]
    status: tuple[str | None, str | None]  # classification at as_of under (v1, v2)
    as_of: datetime = AS_OF
    #: The parameters under v2; v1 gets the same with ``supplement_clock = pause`` (it has no other).
    params: RuleParams = field(default_factory=RuleParams)

    @property
    def dossier_id(self) -> str:
        return self.name

    @property
    def procedures(self) -> tuple[Procedure, ...]:
        """The catalogue procedures the case uses."""
        codes = {getattr(e.data, "procedure_code", None) for e in self.events}
        return tuple(PROCEDURES[c] for c in sorted(c for c in codes if c in PROCEDURES))

    def params_for(self, version: str) -> RuleParams:
        return self.params if version != "1" else replace(self.params, supplement_clock="pause")

    def expected(self, version: str) -> frozenset[Verdict]:
        return self.v1 if version == "1" else self.v2


def case(
    name: str,
    amendment: str,
    why: str,
    specs: list[Spec],
    *,
    v2: set[tuple[str, int | None]],
    v1: set[tuple[str, int | None]],
    status: tuple[str | None, str | None],
    ids: dict[int, str] | None = None,
    **kw: Any,
) -> Case:
    """A case from event specs; verdict triggers are given as 1-based event numbers (None: time-triggered).
    ``ids`` overrides the id of some events (to order same-instant ties by id against the lifecycle)."""
    event_ids = {k: f"{name}/{(ids or {}).get(k, str(k))}" for k in range(1, len(specs) + 1)}
    events = tuple(build_event(name, event_ids[k], spec) for k, spec in enumerate(specs, 1))

    def verdicts(items: set[tuple[str, int | None]]) -> frozenset[Verdict]:
        return frozenset((rule, event_ids[k] if k is not None else None) for rule, k in items)

    return Case(name, amendment, why, events, verdicts(v2), verdicts(v1), status, **kw)


def auditor(version: str, params: RuleParams | None = None) -> Auditor:
    """The auditor of the table's catalogue and calendar under rulebook ``version`` with ``params``."""
    return Auditor(CATALOGUE, CALENDAR, Rulebooks.of_version(version, params or RuleParams()))


def case_auditor(c: Case, version: str) -> Auditor:
    """The auditor that judges ``c`` under ``version`` (with the case's parameters)."""
    return auditor(version, c.params_for(version))
