"""The words of evidence sentences (:mod:`reporting.evidence_deadlines` and
:mod:`reporting.evidence_documents` write them): dates as ``dd/mm`` and times as ``dd/mm hh:mm`` in
Vietnam's time, facts' names in words, values (an empty one reads "(để trống)"), and the fallback for a fact
no rule function knows: a label in words and its value, never the raw key."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from inspections.rules.legal_en import in_english
from inspections.semantics import WHITE_SPACE, is_blank
from inspections.timeunits import VN_TZ
from reporting.evidence_times import last_day_begun, local_day, parse_time

#: Days between two local dates: working days when the warehouse holds the calendar, else ``None``.
WorkingDays = Callable[[date, date], int]

_MARK = re.compile(r"\s*\[[CSU]\]")


@dataclass(frozen=True, slots=True)
class Ev:
    """One record's evidence with the reader's language and calendar: what the rule functions read."""

    facts: Mapping[str, Any]
    lang: str = "vi"
    working_days: WorkingDays | None = None
    #: The year a bare dd/mm is read in (see :func:`when`).
    year: int | None = None
    #: Whose forms the record's dossier is handled with (``onsite.forms_of``): ``2018`` (Circular 01/2018,
    #: Decree 61), ``interim`` (Circular 01/2018, Decree 118), ``2025`` (Circular 03/2025, dossiers received
    #: from 15/9/2025), ``None`` when the record does not say.
    forms: str | None = None
    #: The names of its procedure's document components by code (:func:`documents_text`).
    components: Mapping[str, str] | None = None

    def documents(self, key: str) -> str:
        """A list of document component codes, each by its name with the code after it."""
        return documents_text(self.items(key), self.lang, self.components)

    def w(self, vi: str, en: str) -> str:
        return vi if self.lang == "vi" else en

    @property
    def under_118(self) -> bool:
        """Whether the dossier is handled under Decree 118/2025 (received from 1/7/2025), whose articles on
        apologies, supplements and refusals are unconfirmed (LEGAL.md §2)."""
        return self.forms in ("interim", "2025")

    def rule_of_61(self, vi: str, en: str) -> str:
        """A rule Decree 61/2018 states, as law for its dossiers and as its rule, unconfirmed since, for a
        Decree 118 dossier (legal review: "chỉ được hẹn lại một lần" was stated as settled for both)."""
        if self.under_118:
            return self.w(f"Nghị định 61/2018: {vi}; với Nghị định 118/2025 chưa xác nhận",
                          f"Decree 61/2018: {en}; under Decree 118/2025 unconfirmed")  # fmt: skip
        return self.w(vi, en)

    def apology(self) -> str:
        """Form 04 by the name of the circular the dossier is handled under: the 2018 "Phiếu xin lỗi và hẹn
        lại ngày trả kết quả", from 15/9/2025 "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"."""
        if self.forms == "2025":
            return self.w("Văn bản xin lỗi (mẫu 04)", "apology letter (form 04)")
        return self.w("Phiếu xin lỗi (mẫu 04)", "apology notice (form 04)")

    def get(self, key: str) -> Any:
        return self.facts.get(key)

    def when(self, key: str) -> str:
        return when(self.facts.get(key), self.lang, self.year)

    def empty(self) -> str:
        return self.w("(để trống)", "(left blank)")

    def text(self, key: str) -> str:
        """A free-text value in quotes, or "(để trống)" when it is null or blank; a null ``reason`` is one the
        source could not provide (``schemas.provenance.VALUE_REQUIRED``), not one left blank."""
        value = self.facts.get(key)
        if value is None and key == "reason" and key in self.facts:
            return self.w("(nguồn dữ liệu không cung cấp)", "(not provided by the source)")
        if not isinstance(value, str):
            return self.empty() if value is None else value_text(value, self.lang, self.year)
        if is_blank(value):  # the rulebook's blank (amendment 7), not str.strip's: U+001C–U+001F are text
            return self.empty()
        return f"“{value.strip(WHITE_SPACE)}”"

    def count(self, key: str) -> str:
        return count_text(self.facts.get(key), self.lang)

    def items(self, key: str) -> list[Any]:
        """A fact that should be a list: a single value as a list of one, none as an empty list."""
        value = self.facts.get(key)
        if isinstance(value, list | tuple):
            return list(value)
        return [] if value is None else [value]

    def late_by(self, due: Any, end: Any, *, over: bool = False, open_end: bool = False) -> str | None:
        """ "trễ N ngày làm việc" between a due date and an end (``None`` when either is unknown or the end
        is not later); ``over``: "vượt N ngày…" (an appointment beyond the legal due date). Calendar days
        only when working days cannot be counted, and then said so ("ngày theo lịch"): the unit never
        changes silently. ``open_end``: ``end`` is the instant an open dossier is judged at, which counts
        only the days it has reached into (:func:`last_day_begun`); an end event's day counts whole, as the
        classification counts it (a date-only source's 00:00)."""
        a, b = local_day(due), last_day_begun(end) if open_end else local_day(end)
        if a is None or b is None or b <= a:
            return None
        vi, en = ("vượt", "beyond") if over else ("trễ", "late")
        if self.working_days is not None:
            n = self.working_days(a, b)
            if n > 0:
                return self.w(f"{vi} {n} ngày làm việc", f"{days_en(n)} {en}")
            n = (b - a).days  # ends on non-working days, or outside the stored calendar's years
            return self.w(
                f"{vi} {n} ngày theo lịch (rơi vào ngày nghỉ hoặc ngoài lịch làm việc đã lưu)",
                f"{days_en(n, 'calendar')} {en} (non-working days, or outside the stored calendar)",
            )
        n = (b - a).days
        return self.w(f"{vi} {n} ngày theo lịch", f"{days_en(n, 'calendar')} {en}")


def days_en(n: int | str, kind: str = "working") -> str:
    """ "1 working day", "2 working days": the English sentences said "1 working day(s)" (review). ``n`` may
    be a count already in words (``count_text``)."""
    return f"{n} {kind} day" if str(n) == "1" else f"{n} {kind} days"


#: ``year`` of :func:`when`: every date printed with its year (a pack whose week spans New Year).
ALWAYS_YEAR = 0


def when(value: Any, lang: str = "vi", year: int | None = None) -> str:
    """``dd/mm`` for a date, ``dd/mm hh:mm`` (Vietnam's time) for an instant, "(để trống)" for none, any
    other value in words. ``year``: the year a bare dd/mm is read in — a date of another year is printed
    ``dd/mm/yyyy``, and every date with :data:`ALWAYS_YEAR`; ``None``: dd/mm always. In English, ISO dates
    with their year, as every English page and report writes them (``Texts.day``): "01/12" beside
    "2025-11-21" read as January 12th (English review)."""
    parsed = parse_time(value)
    english = lang == "en"
    if isinstance(parsed, datetime):
        local = parsed.astimezone(VN_TZ)
        if english:
            return local.strftime("%Y-%m-%d %H:%M")
        return local.strftime("%d/%m/%Y %H:%M" if _with_year(local.year, year) else "%d/%m %H:%M")
    if isinstance(parsed, date):
        if english:
            return parsed.isoformat()
        return parsed.strftime("%d/%m/%Y" if _with_year(parsed.year, year) else "%d/%m")
    return value_text(value, lang, year)


def _with_year(value_year: int, year: int | None) -> bool:
    return year is not None and (year == ALWAYS_YEAR or value_year != year)


def legal_text(basis: str, lang: str = "vi") -> str:
    """A legal basis as the pack prints it: the confidence marks ``[C]``/``[S]``/``[U]`` dropped, their
    words ("đã xác nhận trong văn bản", "chưa xác nhận"…) say it. In English, the rulebook's English of it
    (``inspections.rules.legal_en``); a text it does not write (an earlier rulebook's) as stored, said to
    be the Vietnamese text."""
    if lang == "en":
        english = in_english(basis)
        if english is None:
            return _MARK.sub("", basis) + " (Vietnamese text)"
        basis = english
    return _MARK.sub("", basis)


# -- the vocabulary of the facts -----------------------------------------------------------------------------
_EVENTS_VI = {
    "submitted": "nộp hồ sơ", "received": "tiếp nhận", "transferred": "chuyển xử lý",
    "supplement_requested": "yêu cầu bổ sung", "supplement_completed": "bổ sung xong",
    "financial_obligation_requested": "thông báo nghĩa vụ tài chính",
    "financial_obligation_fulfilled": "hoàn thành nghĩa vụ tài chính",
    "apology_issued": "xin lỗi, hẹn lại", "due_date_changed": "sửa ngày hẹn trả", "refused": "từ chối",
    "suspended": "dừng xử lý", "withdrawn": "rút hồ sơ", "processed": "có kết quả",
    "returned": "trả kết quả",
}  # fmt: skip
_EVENTS_EN = {key: key.replace("_", " ") for key in _EVENTS_VI}

#: Words for every fact a rule records, for the fallback sentence and the ``not_checkable`` records.
LABELS: dict[str, tuple[str, str]] = {
    "received_at": ("tiếp nhận", "received"),
    "due_at": ("ngày hẹn trả", "due date"),
    "type": ("loại", "type"),
    "missing": ("còn thiếu", "missing"),
    "excess": ("giấy tờ ngoài thành phần", "excess"),
    "allowed": ("thành phần được công bố", "published components"),
    "on": ("ngày", "on"),
    "max_time": ("thời hạn giải quyết", "time limit"),
    "legal_due_date": ("ngày hạn theo quy định", "legal due date"),
    "due_at_in_force": ("ngày hẹn đang có hiệu lực", "due date in force"),
    "apology_at": ("lập văn bản xin lỗi", "apology issued"),
    "apology_deadline": ("hạn xin lỗi", "apology deadline"),
    "supplement_clock": ("cách tính thời gian bổ sung", "supplement clock"),
    "due_date": ("ngày đến hạn", "due date"),
    "end_at": ("kết thúc", "ended"),
    "effective_end": ("kết thúc (trừ thời gian chờ)", "end less waiting"),
    "supplement_hours": ("giờ chờ bổ sung", "hours waiting for supplements"),
    "supplement_requests": ("số lần yêu cầu bổ sung", "supplement requests"),
    "legal_due_at": ("hạn theo quy định", "legal due time"),
    "restart_at": ("tính lại thời hạn từ", "restart"),
    "financial_hours": ("giờ chờ nghĩa vụ tài chính", "hours waiting for fees"),
    "notice_id": ("số văn bản", "notice number"),
    "reason": ("lý do", "reason"),
    # An apology's or a unilateral change's ("ngày hẹn lại" read as a rescheduling agreed with the applicant).
    "new_due_at": ("ngày hẹn mới", "new due date"),
    "old_due_at": ("ngày hẹn cũ", "old due date"),
    "documents": ("thành phần hồ sơ", "documents"),
    "requested_documents": ("giấy tờ yêu cầu bổ sung", "requested documents"),
    "procedure_code": ("mã thủ tục", "procedure code"),
    "unit_code": ("mã đơn vị", "unit code"),
    "message": ("thông báo lỗi", "message"),
    "error": ("loại lỗi", "error"),
    "event_type": ("sự kiện", "event"),
    "source_system": ("hệ thống nguồn", "source system"),
    "source_record": ("bản ghi nguồn", "source record"),
    "unknown": ("trường nguồn không cung cấp", "fields the source lacks"),
    "channel": ("kênh", "channel"),
    "applicant": ("người nộp (bí danh)", "applicant (pseudonym)"),
    "stage": ("giai đoạn", "stage"),
    "outcome": ("kết quả", "outcome"),
    "to_unit_code": ("chuyển đến đơn vị", "to unit"),
    "step": ("bước", "step"),
    "step_due_at": ("hạn của bước", "step due"),
}

_TIME_UNITS = {
    # "theo lịch" as the lateness says it: a procedure's "20 ngày" read as working days, and its unit head
    # could dispute the verdict (review).
    "working_days": ("ngày làm việc", "working days"), "calendar_days": ("ngày theo lịch", "calendar days"),
    "working_hours": ("giờ làm việc", "working hours"),
}  # fmt: skip


#: The contract's enumerated values of ``data`` (EVENTS.md), in words.
VALUES: dict[str, tuple[str, str]] = {
    "online": ("trực tuyến", "online"),
    "direct": ("trực tiếp", "direct"),
    "postal": ("bưu chính", "postal"),
    "reception": ("khi tiếp nhận", "at reception"),
    "processing": ("khi giải quyết", "during processing"),
    "granted": ("chấp thuận", "granted"),
    "denied": ("không chấp thuận", "denied"),
}


#: The facts whose values are enumerated (EVENTS.md): translated; any other value is printed as it is.
EVENT_TYPE_FIELDS = frozenset({"event_type", "end_type", "first_end_type", "type"})
ENUM_FIELDS = frozenset({"channel", "stage", "outcome"})
#: The facts that list field names (of the contract): each named in words.
FIELD_NAME_FIELDS = frozenset({"unknown", "missing"})


def event_name(code: Any, lang: str = "vi") -> str:
    """An event type in words; an unknown type (a code) as it is, anything else via :func:`value_text`."""
    if not isinstance(code, str):
        return value_text(code, lang)
    table = _EVENTS_VI if lang == "vi" else _EVENTS_EN
    return table.get(code, code.strip() or value_text(None, lang))


def enum_text(value: Any, lang: str = "vi") -> str:
    """A value of an enumerated field (channel, stage, outcome) in words; an unknown one as it is."""
    if isinstance(value, str) and value in VALUES:
        return VALUES[value][0 if lang == "vi" else 1]
    return value_text(value, lang)


def field_text(key: str, value: Any, lang: str = "vi", year: int | None = None) -> str:
    """The value of fact ``key``: enumerated fields translated, codes and free text as they are."""
    if key in EVENT_TYPE_FIELDS:
        return event_name(value, lang)
    if key in ENUM_FIELDS:
        return enum_text(value, lang)
    if key in FIELD_NAME_FIELDS and isinstance(value, list | tuple) and value:
        return ", ".join(label(v, lang) if isinstance(v, str) else value_text(v, lang) for v in value)
    return value_text(value, lang, year)


#: An event's data members that list document components (shown by name: :func:`documents_text`).
DOCUMENT_FIELDS = frozenset({"documents", "requested_documents"})


def detail_text(
    key: str,
    value: Any,
    lang: str = "vi",
    year: int | None = None,
    *,
    components: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> str:
    """The value of an event's data member as an inspector reads it, in a pack's timeline or on the
    console's dossier page: documents by name (``components``: their procedure's, :func:`documents_text`),
    the unit a dossier went to by name (``units``: names by code, :func:`unit_text`), anything else as
    :func:`field_text` gives it."""
    if key in DOCUMENT_FIELDS and components:
        return documents_text(value, lang, components)
    if key == "to_unit_code" and units:
        return unit_text(value, lang, units)
    return field_text(key, value, lang, year)


def unit_text(code: Any, lang: str = "vi", units: Mapping[str, str] | None = None) -> str:
    """A unit code as an inspector finds the office: "Phòng Tư pháp huyện Krông Nô (H12.34)", its name
    in the catalogue with the code after it (the code alone when the catalogue does not know it)."""
    name = units.get(code) if units and isinstance(code, str) else None
    if name is None:
        return value_text(code, lang)
    return f"{name} ({code})"


def documents_text(codes: Any, lang: str = "vi", components: Mapping[str, str] | None = None) -> str:
    """Document component codes as an inspector matches them to paper: "Giấy tờ, tài liệu chứng minh chỗ ở
    hợp pháp (GT-CHO-O)", each by the name its procedure's catalogue gives it, the code after it unless the
    name holds it already (the code alone when the catalogue has no name for it)."""
    if not isinstance(codes, list | tuple) or not codes or not components:
        return value_text(codes, lang)
    return ", ".join(_document(c, components, lang) for c in codes)


def _document(code: Any, components: Mapping[str, str], lang: str) -> str:
    name = components.get(code) if isinstance(code, str) else None
    if name is None:
        return value_text(code, lang)
    return name if code in name else f"{name} ({code})"  # "Tờ khai … (mẫu CT01)" names its code already


def label(key: str, lang: str = "vi") -> str:
    """A fact's name in words: its label, else the key with spaces (never the raw ``snake_case`` key)."""
    found = LABELS.get(key)
    if found is not None:
        return found[0] if lang == "vi" else found[1]
    return _words(key)


def _words(key: str) -> str:
    return re.sub(r"[_\W]+", " ", key).strip() or "?"


def value_text(value: Any, lang: str = "vi", year: int | None = None) -> str:
    """Any evidence value in words: times as dd/mm, lists comma-separated, empty as "(để trống)", yes/no
    for a boolean; a code or free text exactly as it is (only :func:`field_text` translates, and only
    enumerated fields)."""
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v, lang, year) for v in value) if value else value_text(None, lang)
    if isinstance(value, dict):
        shown = "; ".join(
            f"{label(str(k), lang)} {field_text(str(k), v, lang, year)}" for k, v in value.items()
        )
        return f"({shown})" if shown else value_text(None, lang)
    if isinstance(value, bool):
        return ("có" if value else "không") if lang == "vi" else ("yes" if value else "no")
    if isinstance(value, float):
        return _number(value, lang)
    if isinstance(value, str) and value.startswith("hmac-sha256:"):
        return value[:24] + "…"
    if value is None or (isinstance(value, str) and is_blank(value)):
        return "(để trống)" if lang == "vi" else "(left blank)"
    if parse_time(value) is not None:
        return when(value, lang, year)
    return str(value)


def _number(x: float, lang: str) -> str:
    if not math.isfinite(x):
        return str(x)
    text = f"{x:g}" if x == int(x) else f"{x:.2f}".rstrip("0")
    return text.replace(".", ",") if lang == "vi" else text


def count_text(value: Any, lang: str = "vi") -> str:
    """A count ("Yêu cầu bổ sung 3 lần"): a number as it is, anything else that is not a number said to be
    unknown, so a sentence never reads "None lần" or "True lần"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(float(value), lang)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return "(không rõ số)" if lang == "vi" else "(unknown number of)"


def max_time_text(value: Any, lang: str = "vi") -> str:
    if not isinstance(value, dict):
        return value_text(value, lang)
    raw_unit = value.get("unit")
    unit = _TIME_UNITS.get(raw_unit) if isinstance(raw_unit, str) else None
    unit_text = (unit[0] if lang == "vi" else unit[1]) if unit else value_text(raw_unit, lang)
    amount = value.get("amount")
    shown = (
        _number(float(amount), lang)
        if isinstance(amount, int | float) and not isinstance(amount, bool)
        else value_text(amount, lang)
    )
    if lang == "en" and amount == 1 and unit is not None:  # "1 working days", "1 working hours" (review)
        unit_text = unit_text[:-1]
    return f"{shown} {unit_text}"


def fallback(
    facts: Mapping[str, Any], lang: str = "vi", keys: list[str] | None = None, year: int | None = None
) -> str:
    """The facts (or just ``keys`` of them) as "label value; …", for what no rule function knows."""
    chosen = keys if keys is not None else list(facts)
    return "; ".join(f"{label(k, lang)}: {field_text(k, facts[k], lang, year)}" for k in chosen if k in facts)
