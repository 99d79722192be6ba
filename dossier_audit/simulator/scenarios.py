"""Dossier lifecycles: the working-minute clock, the per-dossier builder and one function per scenario.

Every scenario is built so that, judged at ``as_of`` by docs/rules-semantics.md, the dossier triggers
exactly the rules the scenario records in ``Dossier.truth`` (nothing for the clean one). A scenario
returns ``False`` when it cannot be built for this dossier (e.g. too close to the end of the period);
the caller then builds a clean dossier instead.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

from inspections.calendar import DEFAULT_WORKING_HOURS
from inspections.timeunits import ProcessingTime, TimeUnit

_T = TypeVar("_T")

#: Fixed UTC+07:00 (Vietnam has no DST); faster than ZoneInfo and renders as "+07:00".
TZ = timezone(timedelta(hours=7))

def _minute_of(t: time) -> int:
    return t.hour * 60 + t.minute


# The working day is the calendar's (07:00–11:30 and 13:30–17:00), not a second copy of it: the simulator
# plans in working minutes of exactly the periods the rules count in.
(_AM_START, _AM_END), (_PM_START, _PM_END) = (
    (_minute_of(a), _minute_of(b)) for a, b in DEFAULT_WORKING_HOURS.periods
)
#: Working minutes of the morning (270) and of the whole working day (480).
_MORNING = _AM_END - _AM_START
DAY_MINUTES = _MORNING + _PM_END - _PM_START
_SECONDS = [timedelta(seconds=s) for s in range(60)]
_SUFFIX = [f"-{n:02d}" for n in range(100)]
_ACTORS = [f"cb-{n:03d}" for n in range(1, 61)]
#: Arrivals are received no later than this working minute of a day, so same-day processing fits.
LAST_ARRIVAL_MINUTE = 470
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
STEPS = ("tham-dinh", "phe-duyet", "ky-so")


class FastRandom(random.Random):
    """``random.Random`` with cheaper integer and choice draws (one ``random()`` call each).

    The draws are deterministic per seed, like the base class, but not bit-identical to it; a bias
    below 2**-40 is irrelevant for a simulation.
    """

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        if stop <= start or step != 1:
            return super().randrange(start, stop, step)
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        return seq[int(self.random() * len(seq))]


class Calendar(Protocol):
    """The calendar calls the simulator needs (``inspections.calendar.WorkingCalendar`` fits)."""

    def is_working_day(self, d: date) -> bool: ...

    def working_day_offset(self, d: date, n: int) -> date: ...

    def legal_due_date(self, received_at: datetime, max_time: ProcessingTime) -> date | None: ...

    def end_of_working_day(self, d: date) -> datetime: ...


class Clock:
    """Working minutes as integers: ``wm = day_index * 480 + minute``, minute 0 = 07:00, 270 = 13:30.

    Planning in working minutes keeps events inside working hours and makes "a time between a and b"
    a single ``randint``.
    """

    def __init__(self, calendar: Calendar, first: date, last: date) -> None:
        self.days: list[date] = []
        self._le: dict[date, int] = {}  # index of the last working day <= d
        d = first
        while d <= last:
            if calendar.is_working_day(d):
                self.days.append(d)
            self._le[d] = len(self.days) - 1
            d += timedelta(days=1)
        if not self.days:
            raise ValueError(f"no working day between {first} and {last}")
        self.first, self.last = first, last
        self._dt_cache: dict[int, datetime] = {}
        self._label: dict[int, str] = {}

    def label(self, day_index: int) -> str:
        """``yyMMdd`` of a working day (for dossier ids)."""
        got = self._label.get(day_index)
        if got is None:
            got = self._label[day_index] = self.days[day_index].strftime("%y%m%d")
        return got

    def day_index_le(self, d: date) -> int:
        """Index of the last working day on or before ``d`` (-1 when none)."""
        return self._le[d]

    def day_index_ge(self, d: date) -> int:
        """Index of the first working day on or after ``d``."""
        i = self._le[d]
        return i if i >= 0 and self.days[i] == d else i + 1

    def is_working(self, d: date) -> bool:
        i = self._le[d]
        return i >= 0 and self.days[i] == d

    def after(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (n >= 1)."""
        return self.days[self._le[d] + n]

    def before(self, d: date, n: int) -> date:
        """The n-th working day strictly before ``d`` (n >= 1)."""
        return self.days[self.day_index_ge(d) - n]

    def first_wm(self, d: date) -> int:
        """First working minute on or after the start of ``d``."""
        return self.day_index_ge(d) * DAY_MINUTES

    def last_wm(self, d: date) -> int:
        """Last working minute on or before the end of ``d``."""
        return self.day_index_le(d) * DAY_MINUTES + DAY_MINUTES - 1

    def date_of(self, wm: int) -> date:
        return self.days[wm // DAY_MINUTES]

    def dt(self, wm: int, second: int = 0) -> datetime:
        """The local instant of a working minute (plus ``second``)."""
        base = self._dt_cache.get(wm)
        if base is None:
            day, m = divmod(wm, DAY_MINUTES)
            clock = _AM_START + m if m < _MORNING else _PM_START + (m - _MORNING)
            h, mi = divmod(clock, 60)
            base = self._dt_cache[wm] = datetime.combine(self.days[day], time(h, mi), tzinfo=TZ)
        return base + _SECONDS[second] if second else base

    def floor(self, t: datetime) -> int:
        """The last working minute starting at or before ``t``."""
        local = t.astimezone(TZ)
        d = local.date()
        i = self._le[d]
        if i < 0:
            raise ValueError(f"{t} is before the first working day")
        if self.days[i] != d:
            return i * DAY_MINUTES + DAY_MINUTES - 1
        minutes = local.hour * 60 + local.minute
        if minutes < _AM_START:
            return i * DAY_MINUTES - 1
        if minutes < _AM_END:
            return i * DAY_MINUTES + minutes - _AM_START
        if minutes < _PM_START:
            return i * DAY_MINUTES + _MORNING - 1
        if minutes < _PM_END:
            return i * DAY_MINUTES + _MORNING + minutes - _PM_START
        return i * DAY_MINUTES + DAY_MINUTES - 1

    def random_minute(self, rng: random.Random) -> int:
        """A minute of the working day with a morning peak (about 08:30)."""
        if rng.random() < 0.62:
            return int(rng.triangular(0, _MORNING, 90))
        return _MORNING + int(rng.triangular(0, DAY_MINUTES - _MORNING, 45))


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
        self._closing: dict[date, datetime] = {}

    # --- events ------------------------------------------------------------------------------

    def emit(
        self, d: Dossier, etype: str, at: datetime, data: dict[str, Any], unit: str | None = None
    ) -> str:
        """Add an event to the dossier; returns its id."""
        n = d._n = d._n + 1
        event_id = d.dossier_id + _SUFFIX[n]
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
            event["actor"] = _ACTORS[int(x * 200)]
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

    def receive(
        self, d: Dossier, due: date | None, extra_documents: Sequence[str] = (), *, null_due: bool = False
    ) -> str:
        """Emit ``submitted`` (online) and ``received`` with ``due_at`` at 17:00 on ``due``."""
        if d.submitted_at is not None:
            data_s: dict[str, Any] = {"procedure_code": d.procedure_code, "channel": "online"}
            if d.applicant:
                data_s["applicant"] = d.applicant
            self.emit(d, "submitted", d.submitted_at, data_s)
        rnd = self.rng.random
        docs = [*d.mandatory, *(c for c in d.optional if rnd() < 0.4), *extra_documents]
        due_at = None if null_due or due is None else self.closing(due)
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
                        "step": "lien-thong",
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
    ) -> int:
        """Events after ``received`` such that date(effective_end) <= ``bound`` whenever judged.

        ``outcome`` is ``early``/``on_time`` (else random). With ``resolve_before`` the end event is
        placed before that instant (supplement dropped if needed). Returns the end event's working minute.
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
        """Latest date on which date(effective_end) keeps a dossier without ``due_at`` not late."""
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


# --- scenarios --------------------------------------------------------------------------------


def clean(k: Kit, d: Dossier) -> bool:
    """A lawful dossier: appointment at the legal due date, processed early or on time (or still open)."""
    due = k.legal_due(d)
    k.receive(d, due)
    bound = due if due is not None else k.clock.after(k.clock.date_of(d.received_wm), k.rng.randint(1, 10))
    k.body(d, bound)
    return True


def refused_at_reception(k: Kit, d: Dossier, *, notice: bool = True, reason: bool = True) -> str:
    """An online submission refused before reception (never received); returns the refusal id."""
    assert d.submitted_at is not None
    data_s: dict[str, Any] = {"procedure_code": d.procedure_code, "channel": "online"}
    if d.applicant:
        data_s["applicant"] = d.applicant
    k.emit(d, "submitted", d.submitted_at, data_s)
    return k.emit(
        d,
        "refused",
        k.at(d.received_wm),
        {
            "stage": "reception",
            "notice_id": k.notice(d, "TB-TCTN") if notice else None,
            "reason": k.rng.choice(REFUSAL_REASONS) if reason else k.rng.choice(("", " ")),
        },
    )


def _late_day(k: Kit, due: date, most: int = 3) -> date:
    return k.clock.after(due, k.rng.randint(1, most))


def _timely_apology_wm(k: Kit, d: Dossier, due: date) -> int | None:
    """A working minute after receipt on or before the apology deadline (working days before due)."""
    deadline = k.calendar.working_day_offset(due, -k.apology_lead)
    lo, hi = d.received_wm + 1, k.clock.last_wm(deadline)
    return k.rng.randint(lo, hi) if lo <= hi else None


def late_no_apology(k: Kit, d: Dossier) -> bool:
    """Processed 1–3 working days after the due date, with no apology."""
    due = k.legal_due(d)
    if due is None:
        return False
    k.receive(d, due)
    p = k.rng.randint(*_day_span(k, _late_day(k, due)))
    k.middle(d, d.received_wm, p, financial=not k.pause_financial)
    k.finish(d, p)
    d.truth.append(("LATE_NO_APOLOGY", None))
    return True


def late_apologized(k: Kit, d: Dossier) -> bool:
    """Late but lawful: a timely, complete apology whose new due date is met (no rule fires)."""
    due = k.legal_due(d)
    if due is None:
        return False
    a = _timely_apology_wm(k, d, due)
    if a is None:
        return False
    k.receive(d, due)
    late = _late_day(k, due, 2)
    k.apology(d, a, late)
    p = k.rng.randint(*_day_span(k, late))
    k.finish(d, p)
    return True


def _day_span(k: Kit, day: date) -> tuple[int, int]:
    return k.clock.first_wm(day), k.clock.first_wm(day) + LAST_ARRIVAL_MINUTE


def apology_too_late(k: Kit, d: Dossier) -> bool:
    """Late, with a complete apology issued after the deadline but before the end (new date met)."""
    due = k.legal_due(d)
    if due is None:
        return False
    k.receive(d, due)
    late = _late_day(k, due)
    deadline = k.calendar.working_day_offset(due, -k.apology_lead)
    lo = max(d.received_wm + 1, k.clock.first_wm(deadline + timedelta(days=1)))
    p = k.rng.randint(*_day_span(k, late))
    a = k.rng.randint(lo, min(p - 1, k.clock.last_wm(due)))
    aid = k.apology(d, a, k.clock.after(late, k.rng.randint(0, 2)))
    k.finish(d, p)
    d.truth.append(("APOLOGY_TOO_LATE", aid))
    return True


def apology_incomplete(k: Kit, d: Dossier) -> bool:
    """A timely apology missing its notice, its reason or its new date; processed by the new date."""
    due = k.legal_due(d)
    if due is None:
        return False
    a = _timely_apology_wm(k, d, due)
    if a is None:
        return False
    k.receive(d, due)
    late = _late_day(k, due, 2)
    flaw = k.rng.choice(("notice", "reason", "new_due"))
    new_due = None if flaw == "new_due" else late
    aid = k.apology(d, a, new_due, notice=flaw != "notice")
    if flaw == "reason":
        d.events[-1][2]["data"]["reason"] = k.rng.choice(("", " "))
    k.finish(d, k.rng.randint(*_day_span(k, late)))
    d.truth.append(("APOLOGY_INCOMPLETE", aid))
    return True


def missed_new_due_date(k: Kit, d: Dossier) -> bool:
    """A timely, complete apology whose new date is missed too."""
    due = k.legal_due(d)
    if due is None:
        return False
    a = _timely_apology_wm(k, d, due)
    if a is None:
        return False
    k.receive(d, due)
    new_due = _late_day(k, due, 2)
    aid = k.apology(d, a, new_due)
    k.finish(d, k.rng.randint(*_day_span(k, _late_day(k, new_due, 2))))
    d.truth.append(("MISSED_NEW_DUE_DATE", aid))
    return True


def rescheduled_more_than_once(k: Kit, d: Dossier) -> bool:
    """Two complete apologies (the first timely); the second new date is met."""
    due = k.legal_due(d)
    if due is None:
        return False
    a1 = _timely_apology_wm(k, d, due)
    if a1 is None:
        return False
    k.receive(d, due)
    first_new = _late_day(k, due, 1)
    second_new = _late_day(k, first_new, 2)
    k.apology(d, a1, first_new)
    a2 = k.rng.randint(a1 + 1, k.clock.last_wm(first_new))
    aid = k.apology(d, a2, second_new)
    p = k.rng.randint(max(a2 + 1, k.clock.first_wm(k.clock.after(due, 1))), k.clock.last_wm(second_new))
    k.finish(d, p)
    d.truth.append(("RESCHEDULED_MORE_THAN_ONCE", aid))
    return True


def _refusal(k: Kit, d: Dossier, rule: str) -> bool:
    notice, reason = rule != "REFUSAL_UNWRITTEN", rule != "REFUSAL_NO_REASON"
    if d.submitted_at is not None and k.rng.random() < 0.3:
        d.truth.append((rule, refused_at_reception(k, d, notice=notice, reason=reason)))
        return True
    due = k.legal_due(d)
    k.receive(d, due)
    bound = due if due is not None else k.clock.after(k.clock.date_of(d.received_wm), 3)
    kind = "refused" if k.rng.random() < 0.6 else "suspended"
    k.body(d, bound, supplement=False, end_kind=kind)
    _, eid, event = next(e for e in d.events if e[2]["type"] == kind)
    if not notice:
        event["data"]["notice_id"] = None
    if not reason:
        event["data"]["reason"] = k.rng.choice(("", "  "))
    d.truth.append((rule, eid))
    return True


def refusal_unwritten(k: Kit, d: Dossier) -> bool:
    """A refusal (at reception or in processing) or a suspension without a written notice."""
    return _refusal(k, d, "REFUSAL_UNWRITTEN")


def refusal_no_reason(k: Kit, d: Dossier) -> bool:
    """A refusal or a suspension with a blank reason."""
    return _refusal(k, d, "REFUSAL_NO_REASON")


def _requests(d: Dossier) -> list[str]:
    return [eid for _, eid, e in d.events if e["type"] == "supplement_requested"]


def supplement_unwritten(k: Kit, d: Dossier) -> bool:
    """One supplement request without a written notice; processed on time."""
    due = k.legal_due(d)
    k.receive(d, due)
    bound = due if due is not None else k.clock.after(k.clock.date_of(d.received_wm), 5)
    k.body(d, bound, supplement=True, supplement_notice=False, end_kind="processed", supplement_extra=())
    ids = _requests(d)
    if len(ids) != 1:
        return False
    d.truth.append(("SUPPLEMENT_UNWRITTEN", ids[0]))
    return True


def repeated_supplement(k: Kit, d: Dossier) -> bool:
    """Two requests (late by rule 1), covered by a timely complete apology whose new date is met."""
    due = k.legal_due(d)
    if due is None:
        return False
    a = _timely_apology_wm(k, d, due)
    if a is None:
        return False
    k.receive(d, due)
    r, rng = d.received_wm, k.rng
    s1 = r + rng.randint(1, 120)
    c1 = s1 + rng.randint(30, DAY_MINUTES)
    s2 = c1 + rng.randint(30, DAY_MINUTES)
    c2 = s2 + rng.randint(30, DAY_MINUTES)
    p = c2 + rng.randint(30, DAY_MINUTES)
    if a >= p:
        a = rng.randint(r + 1, p - 1)
    k.supplement(d, k.at(s1))
    k.complete(d, k.at(c1))
    second = k.supplement(d, k.at(s2))
    k.complete(d, k.at(c2))
    new_due = max(k.clock.date_of(p), k.clock.after(due, 1))
    k.apology(d, a, new_due)
    k.finish(d, p)
    d.truth.append(("REPEATED_SUPPLEMENT", second))
    return True


def excess_documents(k: Kit, d: Dossier) -> bool:
    """An unlisted component (e.g. the abolished household book) taken at reception or requested."""
    extra = next(c for c in EXCESS_CODES if c not in d.components)
    due = k.legal_due(d)
    bound = due if due is not None else k.clock.after(k.clock.date_of(d.received_wm), 5)
    if k.rng.random() < 0.7:
        rid = k.receive(d, due, [extra])
        k.body(d, bound, supplement=False)
        d.truth.append(("EXCESS_DOCUMENTS", rid))
        return True
    k.receive(d, due)
    k.body(d, bound, supplement=True, supplement_extra=[extra], end_kind="processed")
    ids = _requests(d)
    if len(ids) != 1:
        return False
    d.truth.append(("EXCESS_DOCUMENTS", ids[0]))
    return True


def unpublished_procedure(k: Kit, d: Dossier) -> bool:
    """The caller swaps in a procedure not published for the unit; otherwise a clean lifecycle."""
    if not clean(k, d):
        return False
    rid = next(eid for _, eid, e in d.events if e["type"] == "received")
    d.truth.append(("UNPUBLISHED_PROCEDURE", rid))
    return True


def no_appointment(k: Kit, d: Dossier) -> bool:
    """Received without ``due_at`` for a limited procedure; processed within the legal time."""
    bound = k.limited_bound(d)
    if bound is None:
        return False
    rid = k.receive(d, None, null_due=True)
    k.body(d, bound)
    d.truth.append(("NO_APPOINTMENT", rid))
    return True


def due_date_overstated(k: Kit, d: Dossier) -> bool:
    """An appointment 1–5 working days beyond the legal due date; processed within the legal time."""
    due = k.legal_due(d)
    if due is None:
        return False
    rid = k.receive(d, k.clock.after(due, k.rng.randint(1, 5)))
    k.body(d, due)
    d.truth.append(("DUE_DATE_OVERSTATED", rid))
    return True


def due_date_changed(k: Kit, d: Dossier) -> bool:
    """The due date moved later without an apology; finished by the original due date anyway."""
    due = k.legal_due(d)
    if due is None:
        return False
    k.receive(d, due)
    end = k.body(d, due, supplement=False, end_kind="processed")
    if end - d.received_wm < 2:
        return False
    c = k.rng.randint(d.received_wm + 1, end - 1)
    old = k.calendar.end_of_working_day(due)
    new = k.calendar.end_of_working_day(k.clock.after(due, k.rng.randint(1, 5)))
    cid = k.emit(d, "due_date_changed", k.at(c), {"old_due_at": old, "new_due_at": new, "reason": ""})
    d.truth.append(("DUE_DATE_CHANGED", cid))
    return True


SCENARIOS: dict[str, Scenario] = {
    "LATE_NO_APOLOGY": late_no_apology,
    "APOLOGY_TOO_LATE": apology_too_late,
    "APOLOGY_INCOMPLETE": apology_incomplete,
    "MISSED_NEW_DUE_DATE": missed_new_due_date,
    "RESCHEDULED_MORE_THAN_ONCE": rescheduled_more_than_once,
    "REFUSAL_UNWRITTEN": refusal_unwritten,
    "REFUSAL_NO_REASON": refusal_no_reason,
    "SUPPLEMENT_UNWRITTEN": supplement_unwritten,
    "REPEATED_SUPPLEMENT": repeated_supplement,
    "EXCESS_DOCUMENTS": excess_documents,
    "UNPUBLISHED_PROCEDURE": unpublished_procedure,
    "NO_APPOINTMENT": no_appointment,
    "DUE_DATE_OVERSTATED": due_date_overstated,
    "DUE_DATE_CHANGED": due_date_changed,
}
"""One scenario per rule id; each records the violations it causes in ``Dossier.truth``."""
