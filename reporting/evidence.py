"""A violation's evidence as one sentence an inspector reads on site (issue 15, "the audit packs").

The audit keeps its evidence as facts (``received_at``, ``due_at``, ``end_type``, ``supplement_hours``…):
exact, and kept as they are in ``violations.jsonl`` and in the annex columns of the pack's XLSX. A printed
pack shows what those facts say, the way a clerk would write it: "Hẹn trả 14/11 17:00; trả kết quả 20/11
16:50 — trễ 4 ngày làm việc; không có Phiếu xin lỗi (mẫu 04)".

One pure function per rule of the rulebook (v1's fourteen, the findings of v1 and v2, ``AUDIT_ERROR``) and
one for the records of kind ``not_checkable``; each lists the facts it reads, and any other fact is added in
words (:func:`reporting.evidence_words.fallback`), so a fact a later rulebook adds is shown, never as a raw
key. Form numbers are those of Circular 01/2018/TT-VPCP; where Circular 03/2025/TT-VPCP (for dossiers
received from 1/7/2025, when Decree 118/2025 took effect) numbers a form differently (LEGAL.md §3), the
sentence says which applies to which dossiers. A record whose facts have an unexpected shape (a number where
a list belongs…) still gets a sentence: the facts in words (:func:`sentence`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reporting.evidence_words import (
    Ev,
    WorkingDays,
    event_name,
    fallback,
    label,
    max_time_text,
    value_text,
)
from reporting.i18n import check_lang

Phrase = Callable[[Ev], str]

_LATENESS_KEYS = frozenset(
    {"received_at", "due_at", "due_date", "basis", "end_at", "end_type", "effective_end", "supplement_hours",
     "supplement_requests", "legal_due_at", "restart_at", "financial_hours", "supplement_clock", "waiting"}
)  # fmt: skip


def _due(ev: Ev) -> str:
    """The appointment the lateness is judged against."""
    if ev.get("due_at"):
        text = ev.w(f"Hẹn trả {ev.when('due_at')}", f"Due {ev.when('due_at')}")
    else:
        legal = ev.when("legal_due_at") if ev.get("legal_due_at") else ev.when("due_date")
        text = ev.w(
            f"Tiếp nhận {ev.when('received_at')} không hẹn trả; hạn theo thời hạn quy định {legal}",
            f"Received {ev.when('received_at')} with no appointment; legal due {legal}",
        )
    if ev.get("basis") == "restart" and ev.get("restart_at"):
        text += ev.w(
            f"; thời hạn tính lại từ khi bổ sung xong {ev.when('restart_at')}, đến hạn {ev.when('due_date')}",
            f"; time limit restarted at the completion {ev.when('restart_at')}, due {ev.when('due_date')}",
        )
    if ev.get("basis") == "repeated_supplement":
        n = ev.count("supplement_requests")
        text += ev.w(
            f"; yêu cầu bổ sung {n} lần nên hồ sơ tính là trễ hạn", f"; {n} supplement requests count as late"
        )
    return text


def _end(ev: Ev) -> str:
    """How (and when) the processing ended, with the waiting time subtracted."""
    if ev.get("waiting") is True:  # end_at is the supplement request the applicant has not answered
        text = ev.w(
            f"đang chờ người nộp bổ sung từ {ev.when('end_at')}",
            f"waiting for the applicant's supplement since {ev.when('end_at')}",
        )
        if ev.get("end_type") is not None:
            name = event_name(ev.get("end_type"), ev.lang)
            text = ev.w(f"{text}, sau đó {name}", f"{text}, then {name}")
    elif ev.get("end_type") is None:
        text = ev.w(f"chưa có kết quả tính đến {ev.when('end_at')}", f"no result yet at {ev.when('end_at')}")
    else:
        text = f"{event_name(ev.get('end_type'), ev.lang)} {ev.when('end_at')}"
    waits = []
    for key, vi, en in (("supplement_hours", "chờ bổ sung", "waiting for supplements"),
                        ("financial_hours", "chờ nghĩa vụ tài chính", "waiting for fees")):  # fmt: skip
        hours = ev.get(key)
        if isinstance(hours, int | float) and not isinstance(hours, bool) and hours > 0:
            waits.append(ev.w(f"{value_text(float(hours))} giờ {vi}", f"{hours:g} hours {en}"))
    if waits:
        text += ev.w(" (trừ ", " (less ") + ", ".join(waits) + ")"
    return text


def _lateness(ev: Ev, due: Any = None) -> str:
    late = ev.late_by(due if due is not None else ev.get("due_date"), ev.get("effective_end"))
    return f" — {late}" if late else ""


def _clock(ev: Ev) -> str:
    if ev.get("supplement_clock") == "restart":
        return ev.w(
            "; thời hạn tính lại sau bổ sung (Điều 19 khoản 4)", "; time limit restarts after supplements"
        )
    return ""


def late_no_apology(ev: Ev) -> str:
    return (
        f"{_due(ev)}; {_end(ev)}{_lateness(ev)}"
        + ev.w("; không có Phiếu xin lỗi (mẫu 04)", "; no apology notice (form 04)")
        + _clock(ev)
    )


def apology_too_late(ev: Ev) -> str:
    lead = ev.count("lead_working_days")
    return (
        f"{_due(ev)}; "
        + ev.w(
            f"Phiếu xin lỗi (mẫu 04) lập {ev.when('apology_at')}, sau hạn chót {ev.when('apology_deadline')} "
            f"({lead} ngày làm việc trước ngày hẹn); ",
            f"apology (form 04) issued {ev.when('apology_at')}, after the deadline "
            f"{ev.when('apology_deadline')} ({lead} working day(s) before the due date); ",
        )
        + f"{_end(ev)}{_lateness(ev)}{_clock(ev)}"
    )


def missed_new_due_date(ev: Ev) -> str:
    late = _lateness(ev, ev.get("new_due_at"))
    return (
        ev.w(
            f"Phiếu xin lỗi (mẫu 04) hẹn lại {ev.when('new_due_at')}; ",
            f"Apology promised {ev.when('new_due_at')}; ",
        )
        + _end(ev)
        + (late + ev.w(" so với ngày hẹn lại", " after the new date") if late else "")
        + _clock(ev)
    )


_MISSING = {"notice_id": ("số phiếu", "notice number"), "reason": ("lý do", "reason"),
            "new_due_at": ("ngày hẹn lại", "new due date")}  # fmt: skip


def apology_incomplete(ev: Ev) -> str:
    names = [
        _MISSING.get(m, (label(m), label(m, "en")))
        if isinstance(m, str)
        else (value_text(m), value_text(m, "en"))
        for m in ev.items("missing")
    ]
    shown = ", ".join(n[0] if ev.lang == "vi" else n[1] for n in names) or ev.empty()
    notice = _notice(ev.get("notice_id"), ev.lang)
    number = ev.w(f" (số {notice})", f" (number {notice})") if notice else ""
    return ev.w(f"Phiếu xin lỗi (mẫu 04){number} thiếu: {shown}", f"Apology (form 04){number} lacks: {shown}")


def rescheduled_more_than_once(ev: Ev) -> str:
    shown = ", ".join(value_text(d, ev.lang, ev.year) for d in ev.items("new_due_dates")) or ev.empty()
    n = ev.count("apologies")
    return ev.w(
        f"Lập {n} Phiếu xin lỗi, hẹn lại các ngày {shown} — chỉ được hẹn lại một lần",
        f"{n} apology notices, new dates {shown} — a due date may be moved only once",
    )


def _notice(value: Any, lang: str) -> str:
    """A notice number as it is written; "" when there is none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return value.strip() if isinstance(value, str) else value_text(value, lang)


def _refusal(ev: Ev) -> str:
    kind = ev.get("type")
    if kind == "suspended":
        return ev.w("Dừng giải quyết hồ sơ", "Processing suspended")
    return ev.w("Từ chối giải quyết hồ sơ", "Dossier refused")


#: The written notice each kind of end needs (LEGAL.md §1 and §3): a refusal at reception is form 03 of
#: Circular 01/2018 (unchanged in 03/2025); a refusal after appraisal is a written notice with its reason
#: and no form number (Decree 61/2018, Art. 19(8)); a suspension has a form only in Circular 03/2025
#: (form 05, Thông báo dừng giải quyết hồ sơ), for dossiers received from 1/7/2025.
_WRITTEN = {
    "refused": (
        "không có văn bản: Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03) nếu từ chối khi tiếp nhận, "
        "văn bản thông báo nêu rõ lý do (Điều 19 khoản 8 Nghị định 61/2018) nếu từ chối sau khi thẩm định",
        "with no written notice: the refusal form (form 03) for a refusal at reception, a written notice "
        "stating the reason (Decree 61/2018, Art. 19(8)) for a refusal after appraisal",
    ),
    "suspended": (
        "không có văn bản thông báo (với hồ sơ tiếp nhận từ 01/7/2025: Thông báo dừng giải quyết hồ sơ, "
        "mẫu 05 Thông tư 03/2025)",
        "with no written notice (for dossiers received from 1 July 2025: the stop notice, form 05 of "
        "Circular 03/2025)",
    ),
}


def refusal_unwritten(ev: Ev) -> str:
    vi, en = _WRITTEN["suspended" if ev.get("type") == "suspended" else "refused"]
    return _refusal(ev) + ev.w(
        f" {vi}; lý do ghi: {ev.text('reason')}", f" {en}; reason given: {ev.text('reason')}"
    )


def refusal_no_reason(ev: Ev) -> str:
    number = _notice(ev.get("notice_id"), ev.lang) or ev.empty()
    return _refusal(ev) + ev.w(
        f", văn bản số {number}; lý do: (để trống)", f", notice number {number}; reason: (left blank)"
    )


def supplement_unwritten(ev: Ev) -> str:
    documents = value_text(ev.items("requested_documents"), ev.lang, ev.year)
    return ev.w(
        f"Yêu cầu bổ sung không có Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02); lý do ghi: "
        f"{ev.text('reason')}; giấy tờ yêu cầu: {documents}",
        f"Supplement requested with no written request (form 02); reason given: {ev.text('reason')}; "
        f"documents requested: {documents}",
    )


def repeated_supplement(ev: Ev) -> str:
    notices = [_notice(n, ev.lang) or ev.empty() for n in ev.items("notice_ids")]
    shown = ", ".join(notices) or ev.empty()
    n = ev.count("requests")
    return ev.w(
        f"Yêu cầu bổ sung {n} lần (phiếu số {shown}) — chỉ được yêu cầu một lần, đầy đủ, chính xác",
        f"Supplements requested {n} times (notices {shown}) — once, complete, is the rule",
    )


def excess_documents(ev: Ev) -> str:
    excess = value_text(ev.items("excess"), ev.lang, ev.year)
    allowed = value_text(ev.items("allowed"), ev.lang, ev.year)
    if ev.get("event_type") == "supplement_requested":
        head = ev.w("Yêu cầu bổ sung giấy tờ", "Requested documents")
    elif ev.get("event_type") == "supplement_completed":
        head = ev.w("Khi bổ sung đã nhận giấy tờ", "Received with the supplement")
    else:
        head = ev.w("Khi tiếp nhận đã nhận giấy tờ", "Received at reception")
    return ev.w(
        f"{head} ngoài thành phần hồ sơ: {excess}; thành phần được công bố: {allowed}",
        f"{head} outside the published components: {excess}; published components: {allowed}",
    )


def unpublished_procedure(ev: Ev) -> str:
    return ev.w(
        f"Thủ tục mã {value_text(ev.get('procedure_code'))} chưa được công bố, công khai cho đơn vị "
        f"{value_text(ev.get('unit_code'))} vào ngày tiếp nhận {ev.when('on')}",
        f"Procedure {value_text(ev.get('procedure_code'), 'en')} not published for unit "
        f"{value_text(ev.get('unit_code'), 'en')} on the day of receipt {ev.when('on')}",
    )


def no_appointment(ev: Ev) -> str:
    limit = max_time_text(ev.get("max_time"), ev.lang)
    return ev.w(
        "Tiếp nhận không ghi ngày hẹn trả trên Giấy tiếp nhận (mẫu 01), trong khi thời hạn giải quyết là "
        + limit,
        f"Received with no appointment on the receipt (form 01), although the time limit is {limit}",
    )


def due_date_overstated(ev: Ev) -> str:
    legal = ev.when("legal_due_at") if ev.get("legal_due_at") else ev.when("legal_due_date")
    limit = max_time_text(ev.get("max_time"), ev.lang)
    late = ev.late_by(ev.get("legal_due_date"), ev.get("due_at"), over=True)
    return ev.w(
        f"Hẹn trả {ev.when('due_at')}, muộn hơn hạn theo quy định {legal} (thời hạn {limit})",
        f"Appointment {ev.when('due_at')}, later than the legal due {legal} (limit {limit})",
    ) + (f" — {late}" if late else "")


def _change(ev: Ev) -> str:
    return ev.w(
        f"Ngày hẹn trả sửa từ {ev.when('old_due_at')} sang {ev.when('new_due_at')}",
        f"Due date changed from {ev.when('old_due_at')} to {ev.when('new_due_at')}",
    )


def _in_force(ev: Ev) -> str:
    if "due_at_in_force" not in ev.facts:
        return ""
    return ev.w(
        f"; ngày hẹn đang có hiệu lực: {ev.when('due_at_in_force')}",
        f"; due date in force: {ev.when('due_at_in_force')}",
    )


def due_date_changed(ev: Ev) -> str:
    return (
        _change(ev)
        + _in_force(ev)
        + ev.w(
            f"; không có Phiếu xin lỗi (mẫu 04) hẹn ngày này; lý do ghi: {ev.text('reason')}",
            f"; no apology (form 04) promised this date; reason given: {ev.text('reason')}",
        )
    )


def old_due_date_mismatch(ev: Ev) -> str:
    return ev.w(
        f"Lần sửa ngày hẹn ghi ngày hẹn cũ {ev.when('old_due_at')}, nhưng ngày hẹn đang có hiệu lực là "
        f"{ev.when('due_at_in_force')}; sửa sang {ev.when('new_due_at')}; lý do ghi: {ev.text('reason')}",
        f"The change claims the old due date {ev.when('old_due_at')}, but "
        f"{ev.when('due_at_in_force')} was in force; changed to {ev.when('new_due_at')}; reason given: "
        + ev.text("reason"),
    )


def unknown_procedure(ev: Ev) -> str:
    return ev.w(
        f"Mã thủ tục {value_text(ev.get('procedure_code'))} không có trong danh mục: các quy tắc cần danh "
        "mục (thành phần hồ sơ, công bố, thời hạn) không kiểm tra được",
        f"Procedure code {value_text(ev.get('procedure_code'), 'en')} is not in the catalogue: the "
        "rules that need it were not checked",
    )


def event_after_return(ev: Ev) -> str:
    name = event_name(ev.get("event_type"), ev.lang)
    return ev.w(
        f"Có sự kiện “{name}” sau khi đã trả kết quả ({ev.when('returned_at')})",
        f"“{name}” recorded after the result was returned ({ev.when('returned_at')})",
    )


def event_after_end(ev: Ev) -> str:
    name = event_name(ev.get("event_type"), ev.lang)
    first = event_name(ev.get("first_end_type"), ev.lang)
    return ev.w(
        f"Có sự kiện kết thúc “{name}” sau khi hồ sơ đã kết thúc bằng “{first}” lúc "
        + ev.when("first_end_at"),
        f"End event “{name}” after the dossier had ended with “{first}” at {ev.when('first_end_at')}",
    )


def audit_error(ev: Ev) -> str:
    return ev.w(
        f"Không đánh giá được hồ sơ (lỗi khi xử lý dữ liệu): {ev.text('message')}; cần kiểm tra dữ liệu gốc",
        f"The dossier could not be judged: {ev.text('message')}; check the source data",
    )


NOT_CHECKABLE_KEYS = frozenset({"unknown", "event_type", "source_system", "source_record"})


def not_checkable(ev: Ev) -> str:
    fields = ", ".join(
        label(f, ev.lang) if isinstance(f, str) else value_text(f, ev.lang) for f in ev.items("unknown")
    ) or ev.empty()  # fmt: skip
    name = event_name(ev.get("event_type"), ev.lang)
    system = value_text(ev.get("source_system"), ev.lang)
    record = _notice(ev.get("source_record"), ev.lang)
    where = ev.w(f" (bản ghi {record})", f" (record {record})") if record else ""
    return ev.w(
        f"Không kiểm tra được: hệ thống nguồn {system} không cung cấp {fields} của sự kiện “{name}”{where}",
        f"Not checkable: source system {system} does not provide the {fields} of “{name}”{where}",
    )


def _keys(*names: str) -> frozenset[str]:
    return frozenset(names) | {"supplement_clock"}


_CHANGE_KEYS = _keys("old_due_at", "new_due_at", "reason", "due_at_in_force")

#: Rule id → (its sentence, the facts it reads or deliberately leaves to the annex, e.g. event ids).
RULES: dict[str, tuple[Phrase, frozenset[str]]] = {
    "LATE_NO_APOLOGY": (late_no_apology, _LATENESS_KEYS),
    "APOLOGY_TOO_LATE": (
        apology_too_late,
        _LATENESS_KEYS | {"apology_at", "apology_deadline", "lead_working_days"},
    ),
    "APOLOGY_INCOMPLETE": (apology_incomplete, _keys("missing", "notice_id")),
    "MISSED_NEW_DUE_DATE": (missed_new_due_date, _LATENESS_KEYS | {"new_due_at", "apology_event_id"}),
    "RESCHEDULED_MORE_THAN_ONCE": (
        rescheduled_more_than_once,
        _keys("apologies", "apology_event_ids", "new_due_dates"),
    ),
    "REFUSAL_UNWRITTEN": (refusal_unwritten, _keys("type", "reason")),
    "REFUSAL_NO_REASON": (refusal_no_reason, _keys("type", "notice_id")),
    "SUPPLEMENT_UNWRITTEN": (supplement_unwritten, _keys("reason", "requested_documents")),
    "REPEATED_SUPPLEMENT": (repeated_supplement, _keys("requests", "request_event_ids", "notice_ids")),
    "EXCESS_DOCUMENTS": (excess_documents, _keys("excess", "event_type", "allowed")),
    "UNPUBLISHED_PROCEDURE": (unpublished_procedure, _keys("procedure_code", "unit_code", "on")),
    "NO_APPOINTMENT": (no_appointment, _keys("max_time")),
    "DUE_DATE_OVERSTATED": (
        due_date_overstated,
        _keys("due_at", "legal_due_date", "max_time", "legal_due_at"),
    ),
    "DUE_DATE_CHANGED": (due_date_changed, _CHANGE_KEYS),
    "UNKNOWN_PROCEDURE": (unknown_procedure, _keys("procedure_code")),
    "EVENT_AFTER_RETURN": (event_after_return, _keys("event_type", "returned_at")),
    "OLD_DUE_DATE_MISMATCH": (old_due_date_mismatch, _CHANGE_KEYS),
    "EVENT_AFTER_END": (
        event_after_end,
        _keys("event_type", "first_end_type", "first_end_event_id", "first_end_at"),
    ),
    "AUDIT_ERROR": (audit_error, _keys("error", "message")),
}


def sentence(
    rule_id: str,
    kind: str,
    facts: Mapping[str, Any],
    lang: str = "vi",
    working_days: WorkingDays | None = None,
    year: int | None = None,
) -> str:
    """The evidence of one record (``rule_id`` of ``kind``) as one sentence in ``lang``; ``working_days``
    counts the working days between two dates (the lateness is in calendar days without it); ``year``:
    the year dd/mm dates are read in (:func:`reporting.evidence_words.when`)."""
    ev = Ev(facts, check_lang(lang), working_days, year)
    nothing = ev.w("(không có chứng cứ ghi kèm)", "(no evidence recorded)")
    generic = fallback(facts, lang, year=year) or nothing
    try:
        if kind == "not_checkable":
            text, known = not_checkable(ev), NOT_CHECKABLE_KEYS
        elif rule_id in RULES:
            phrase, known = RULES[rule_id]
            text = phrase(ev)
        else:
            return generic
    except Exception:  # facts of an unexpected shape: one record, never the whole pack
        return generic
    rest = [k for k in facts if k not in known]
    return text + ("; " + fallback(facts, lang, rest, year) if rest else "")
