"""The per-dossier builder the scenarios share: a dossier being planned and the kit that emits its events
(receipt, processing body, apologies, supplements, refusals) on the working-minute clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from dossier_audit.simulator.clock import ACTORS, DAY_MINUTES, SUFFIX, Calendar, Clock
from inspections.deadlines import working_hours_of
from inspections.timeunits import ProcessingTime, TimeUnit

#: Household book: abolished in 2023, still asked for in practice — the typical excess document.
EXCESS_CODES = ("SO-HO-KHAU", "GIAY-KHAI-SINH-BAN-SAO-CONG-CHUNG", "SO-TAM-TRU")

SUPPLEMENT_REASONS = (
    "Thiếu tờ khai theo mẫu",
    "Giấy tờ chứng minh chỗ ở chưa hợp lệ",
    "Bản sao chưa được chứng thực",
    "Thông tin trên tờ khai không khớp với CSDL quốc gia về dân cư",
)
REFUSAL_REASONS = (
    "Hồ sơ không thuộc thẩm quyền giải quyết",
    "Người nộp không đủ điều kiện theo quy định",
    "Hồ sơ không hợp lệ sau khi đã hướng dẫn bổ sung",
)
SUSPENSION_REASONS = (
    "Đang chờ kết quả xác minh của cơ quan khác",
    "Có tranh chấp đang được tòa án thụ lý",
)
APOLOGY_REASONS = (
    "Cần xác minh thêm thông tin với cơ quan liên quan",
    "Hệ thống phần mềm gặp sự cố",
    "Khối lượng hồ sơ tăng đột biến",
)
WITHDRAW_REASONS = ("Công dân xin rút hồ sơ", "Nộp nhầm thủ tục")
#: The internal workflow's steps, named as a one-stop system's log names them.
STEPS = ("Thẩm định", "Phê duyệt", "Ký số")


@dataclass(slots=True)
class Dossier:
    """A dossier being planned: its facts, its events (unordered) and its expected violations."""

    dossier_id: str
    unit_code: str
    procedure_code: str
    max_time: ProcessingTime
    components: tuple[str, ...]
    mandatory: tuple[str, ...]
    optional: tuple[str, ...]
    financial_obligation: bool
    channel: str
    received_wm: int
    submitted_at: datetime | None
    applicant: str | None
    transfer_units: tuple[str, ...] = ()
    events: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)
    truth: list[tuple[str, str | None]] = field(default_factory=list)
    _n: int = 0

    def reset(self) -> None:
        self.events.clear()
        self.truth.clear()
        self._n = 0


class Kit:
    """Shared helpers for scenarios: randomness, clock, calendar, event construction."""

    def __init__(
        self,
        rng: random.Random,
        clock: Clock,
        calendar: Calendar,
        as_of: datetime,
        *,
        apology_lead_working_days: int = 1,
        pause_on_financial_obligation: bool = False,
    ) -> None:
        self.rng = rng
        self.apology_lead = apology_lead_working_days
        self.pause_financial = pause_on_financial_obligation
        self.clock = clock
        self.calendar = calendar
        self.as_of = as_of
        self._requested: list[str] = []
        self._legal: dict[tuple[int, ProcessingTime], date | None] = {}
        self._instants: dict[tuple[int, ProcessingTime], datetime | None] = {}
        self._closing: dict[date, datetime] = {}

    # --- events ------------------------------------------------------------------------------

    def emit(
        self, d: Dossier, etype: str, at: datetime, data: dict[str, Any], unit: str | None = None
    ) -> str:
        """Add an event to the dossier; returns its id."""
        n = d._n = d._n + 1
        event_id = d.dossier_id + SUFFIX[n]
        event: dict[str, Any] = {
            "schema_version": 1,
            "event_id": event_id,
            "dossier_id": d.dossier_id,
            "type": etype,
            "occurred_at": at,
            "unit_code": unit or d.unit_code,
            "data": data,
        }
        x = self.rng.random()
        if x < 0.3:
            event["actor"] = ACTORS[int(x * 200)]
        d.events.append((at, event_id, event))
        return event_id

    def at(self, wm: int) -> datetime:
        return self.clock.dt(wm, self.rng.randrange(60))

    def notice(self, d: Dossier, prefix: str) -> str:
        return f"{prefix}-{d.dossier_id}-{d._n + 1}"

    def received_at(self, d: Dossier) -> datetime:
        return self.clock.dt(d.received_wm, 0)

    def legal_due(self, d: Dossier) -> date | None:
        """``calendar.legal_due_date`` of the dossier (whole working days on the clock, else cached)."""
        m = d.max_time
        if m.unit is TimeUnit.WORKING_DAYS and float(m.amount).is_integer():
            # n-th working day strictly after the receive date: what the calendar computes, without it.
            return self.clock.days[d.received_wm // DAY_MINUTES + int(m.amount)]
        key = (d.received_wm, m)
        if key not in self._legal:
            self._legal[key] = self.calendar.legal_due_date(self.received_at(d), m)
        return self._legal[key]

    def legal_instant(self, d: Dossier) -> datetime | None:
        """The legal due instant when the rulebook judges the limit in working hours (v2, amendment 3:
        working hours or a fraction of a working day), else ``None``."""
        hours = working_hours_of(d.max_time)
        if hours is None:
            return None
        key = (d.received_wm, d.max_time)
        if key not in self._instants:
            self._instants[key] = self.calendar.add_working_hours(self.received_at(d), hours)
        return self._instants[key]

    def receive(
        self, d: Dossier, due: date | None, extra_documents: Sequence[str] = (), *, null_due: bool = False
    ) -> str:
        """Emit ``submitted`` (online) and ``received`` with ``due_at`` at 17:00 on ``due`` — or, for a
        limit judged in working hours, at the legal due instant when ``due`` is its date (17:00 would
        overstate it under rulebook v2)."""
        if d.submitted_at is not None:
            data_s: dict[str, Any] = {"procedure_code": d.procedure_code, "channel": "online"}
            if d.applicant:
                data_s["applicant"] = d.applicant
            self.emit(d, "submitted", d.submitted_at, data_s)
        rnd = self.rng.random
        docs = [*d.mandatory, *(c for c in d.optional if rnd() < 0.4), *extra_documents]
        due_at = None if null_due or due is None else self.closing(due)
        if due_at is not None:
            instant = self.legal_instant(d)
            if instant is not None and instant.date() == due:
                due_at = instant
        data: dict[str, Any] = {
            "procedure_code": d.procedure_code,
            "channel": d.channel,
            "due_at": due_at,
            "documents": docs,
        }
        if d.applicant:
            data["applicant"] = d.applicant
        return self.emit(d, "received", self.received_at(d), data)

    def closing(self, day: date) -> datetime:
        """``calendar.end_of_working_day`` (cached: called for most dossiers)."""
        got = self._closing.get(day)
        if got is None:
            got = self._closing[day] = self.calendar.end_of_working_day(day)
        return got

    def apology(self, d: Dossier, wm: int, new_due: date | None, *, notice: bool = True) -> str:
        """An apology notice (form 04) with a new appointment at 17:00 on ``new_due``."""
        return self.emit(
            d,
            "apology_issued",
            self.at(wm),
            {
                "notice_id": self.notice(d, "PXL") if notice else None,
                "reason": self.rng.choice(APOLOGY_REASONS),
                "new_due_at": None if new_due is None else self.closing(new_due),
            },
        )

    def supplement(self, d: Dossier, at: datetime, *, notice: bool = True, extra: Sequence[str] = ()) -> str:
        """A supplement request for one or two listed components (plus ``extra`` codes)."""
        comps = d.components
        requested = [self.rng.choice(comps)] if comps else []
        if len(comps) > 1 and self.rng.random() < 0.4:
            other = self.rng.choice(comps)
            if other != requested[0]:
                requested.append(other)
        self._requested = requested
        return self.emit(
            d,
            "supplement_requested",
            at,
            {
                "notice_id": self.notice(d, "PYCBS") if notice else None,
                "reason": self.rng.choice(SUPPLEMENT_REASONS),
                "requested_documents": [*requested, *extra],
            },
        )

    def complete(self, d: Dossier, at: datetime) -> None:
        """The applicant hands in the listed components of the last request."""
        self.emit(d, "supplement_completed", at, {"documents": list(self._requested)})

    def finish(self, d: Dossier, wm: int, kind: str = "processed", at: datetime | None = None) -> str:
        """The end of the dossier at ``wm`` (or exactly ``at``): processed then returned, or
        refused / suspended / withdrawn."""
        rng = self.rng
        if at is None:
            at = self.at(wm)
        if kind == "processed":
            eid = self.emit(d, "processed", at, {"outcome": "granted"} if rng.random() < 0.7 else {})
            back = self.clock.dt(wm + rng.randint(1, 2 * DAY_MINUTES), rng.randrange(60))
            if d.channel == "postal" or rng.random() < 0.05:
                channel = "postal"
            else:
                channel = "online" if d.channel == "online" and rng.random() < 0.5 else "direct"
            self.emit(d, "returned", back, {"channel": channel})
            return eid
        if kind == "refused":
            return self.emit(
                d,
                "refused",
                at,
                {
                    "stage": "processing",
                    "notice_id": self.notice(d, "TB-TC"),
                    "reason": rng.choice(REFUSAL_REASONS),
                },
            )
        if kind == "suspended":
            return self.emit(
                d,
                "suspended",
                at,
                {"notice_id": self.notice(d, "TB-DXL"), "reason": rng.choice(SUSPENSION_REASONS)},
            )
        data: dict[str, Any] = {"reason": rng.choice(WITHDRAW_REASONS)} if rng.random() < 0.6 else {}
        return self.emit(d, "withdrawn", at, data)

    def middle(self, d: Dossier, lo: int, hi: int, *, financial: bool = True) -> None:
        """Inter-agency steps and a financial obligation strictly between working minutes lo and hi.

        ``financial=False`` leaves the obligation out (where pausing for it would change the verdict).
        """
        rng = self.rng
        if hi - lo < 3:
            return
        if rng.random() < 0.8:
            # The internal workflow (appraisal, approval, signing), sometimes via another agency.
            times = sorted({rng.randint(lo + 1, hi - 1) for _ in range(rng.randint(1, 3))})
            for i, wm in enumerate(times):
                if d.transfer_units and i == 0 and len(times) > 1 and rng.random() < 0.4:
                    data: dict[str, Any] = {
                        "to_unit_code": rng.choice(d.transfer_units),
                        "step": "Liên thông",
                    }
                else:
                    data = {"to_unit_code": d.unit_code, "step": STEPS[i]}
                self.emit(d, "transferred", self.at(wm), data)
        if d.financial_obligation and financial:
            a = rng.randint(lo + 1, hi - 2)
            b = rng.randint(a + 1, hi - 1)
            self.emit(
                d, "financial_obligation_requested", self.at(a), {"notice_id": self.notice(d, "TB-NVTC")}
            )
            self.emit(d, "financial_obligation_fulfilled", self.at(b), {})

    # --- the shared clean body ---------------------------------------------------------------

    def body(
        self,
        d: Dossier,
        bound: date,
        *,
        outcome: str | None = None,
        supplement: bool | None = None,
        supplement_notice: bool = True,
        supplement_extra: Sequence[str] = (),
        end_kind: str | None = None,
        resolve_before: datetime | None = None,
        latest_wm: int | None = None,
    ) -> int:
        """Events after ``received`` such that date(effective_end) <= ``bound`` whenever judged.

        ``outcome`` is ``early``/``on_time`` (else random). With ``resolve_before`` the end event is
        placed before that instant (supplement dropped if needed); with ``latest_wm`` (on the day of
        ``bound`` or later; pass ``supplement=False``) it starts no later than that working minute. Returns
        the end event's working minute.
        """
        rng, clock = self.rng, self.clock
        r = d.received_wm
        bound_i = clock.day_index_le(bound)
        if resolve_before is not None:
            bound_i = min(bound_i, clock.floor(resolve_before - timedelta(minutes=1)) // DAY_MINUTES)
        r_i = r // DAY_MINUTES
        if outcome is None:
            outcome = "on_time" if rng.random() < 0.15 else "early"
        if outcome == "on_time" or bound_i == r_i:
            e_i = bound_i
        else:
            # Early: skewed towards the first days after receipt.
            e_i = min(r_i + int(rng.triangular(0, bound_i - r_i, 0)), bound_i - 1)
        lo = max(r + 1, e_i * DAY_MINUTES)
        t_e = rng.randint(lo, max(lo, e_i * DAY_MINUTES + DAY_MINUTES - 1))
        if latest_wm is not None:
            t_e = max(lo, min(t_e, latest_wm))
        if supplement is None:
            supplement = rng.random() < 0.1
        end_wm, end_at = t_e, self.at(t_e)
        sup: tuple[datetime, datetime] | None = None
        if supplement and t_e - r >= 2:
            s1 = rng.randint(r + 1, t_e - 1)
            s2 = s1 + rng.randint(30, 4 * DAY_MINUTES)
            s1_at, s2_at = self.at(s1), self.at(s2)
            length = s2_at - s1_at
            # Shift the end by the pause, snapped back into working hours: the effective end stays put.
            p = max(clock.floor(clock.dt(t_e) + length), s2 + 1)
            p_at = clock.dt(p)
            if (p_at - length).date() <= clock.days[e_i] and (
                resolve_before is None or p_at < resolve_before
            ):
                sup, end_wm, end_at = (s1_at, s2_at), p, p_at
        if sup is None and supplement and supplement_extra and t_e - r >= 3:
            # The caller needs the request itself (e.g. excess documents in it): fit it before the end.
            s1 = rng.randint(r + 1, t_e - 2)
            sup = (self.at(s1), self.at(rng.randint(s1 + 1, t_e - 1)))
        lo_mid = r
        if sup is not None:
            self.supplement(d, sup[0], notice=supplement_notice, extra=supplement_extra)
            self.complete(d, sup[1])
            lo_mid = clock.floor(sup[1])
        self.middle(d, lo_mid, end_wm, financial=not (self.pause_financial and outcome == "on_time"))
        self.finish(d, end_wm, end_kind or self._end_kind(), at=end_at)
        return end_wm

    def _end_kind(self) -> str:
        x = self.rng.random()
        return (
            "processed" if x < 0.92 else "refused" if x < 0.95 else "withdrawn" if x < 0.98 else "suspended"
        )

    def limited_bound(self, d: Dossier) -> date | None:
        """Latest date on which date(effective_end) keeps a dossier without ``due_at`` not late (a limit
        judged in working hours needs the end before ``legal_instant`` too)."""
        legal = self.legal_due(d)
        if legal is None:
            return None
        m = d.max_time
        if m.unit is TimeUnit.WORKING_DAYS and float(m.amount).is_integer():
            k = int(m.amount)
            day = self.clock.date_of(d.received_wm)
            wd = day if k == 0 else self.clock.after(day, k)
            return min(legal, wd)
        return legal

    def fits(self, d: Dossier) -> bool:
        """Whether every planned event is before ``as_of`` (injected scenarios must be complete)."""
        return bool(d.events) and max(at for at, _, _ in d.events) < self.as_of


Scenario = Callable[[Kit, Dossier], bool]
