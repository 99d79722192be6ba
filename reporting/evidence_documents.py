"""Evidence sentences of the rules about the dossier's papers (:mod:`reporting.evidence` picks one per
rule): the written notices (an apology's content, refusals and suspensions, supplement requests), the
documents asked for or received, the procedure in the catalogue; and of the records that are no rule's
violation: data-quality findings, audit errors, facts a source could not provide.

Why together: they say what was (or was not) written and which notice number it bore (:func:`_notice`).
Form numbers are those of Circular 01/2018/TT-VPCP; where Circular 03/2025/TT-VPCP (for dossiers received
from 15/9/2025, its date: ``reporting.onsite``) numbers a form differently (LEGAL.md §3), the sentence says
which applies to which dossiers.
"""

from __future__ import annotations

from typing import Any

from inspections.semantics import WHITE_SPACE, is_blank
from reporting.evidence_words import Ev, event_name, label, value_text

_MISSING = {"notice_id": ("số văn bản", "notice number"), "reason": ("lý do", "reason"),
            "new_due_at": ("ngày hẹn lại", "new due date")}  # fmt: skip


def apology_incomplete(ev: Ev) -> str:
    # The number of the form the circular names: a "Phiếu" under Circular 01/2018, a "Văn bản" under 03/2025.
    missing = _MISSING if ev.forms == "2025" else {**_MISSING, "notice_id": ("số phiếu", "notice number")}
    names = [
        missing.get(m, (label(m), label(m, "en")))
        if isinstance(m, str)
        else (value_text(m), value_text(m, "en"))
        for m in ev.items("missing")
    ]
    shown = ", ".join(n[0] if ev.lang == "vi" else n[1] for n in names) or ev.empty()
    notice = _notice(ev.get("notice_id"), ev.lang)
    number = ev.w(f" (số {notice})", f" (number {notice})") if notice else ""
    apology = ev.apology()
    return ev.w(
        f"{apology}{number} thiếu: {shown}", f"{apology[:1].upper()}{apology[1:]}{number} lacks: {shown}"
    )


def _notice(value: Any, lang: str) -> str:
    """A notice number as it is written; "" when there is none."""
    if value is None or (isinstance(value, str) and is_blank(value)):  # the rulebook's blank (amendment 7)
        return ""
    return value.strip(WHITE_SPACE) if isinstance(value, str) else value_text(value, lang)


def _refusal(ev: Ev) -> str:
    kind = ev.get("type")
    if kind == "suspended":
        return ev.w("Dừng giải quyết hồ sơ", "Processing suspended")
    stage = ev.get("stage")
    if stage == "reception":
        return ev.w("Từ chối tiếp nhận hồ sơ", "Dossier refused at reception")
    if stage == "processing":
        return ev.w("Từ chối giải quyết hồ sơ sau khi thẩm định", "Dossier refused after appraisal")
    return ev.w("Từ chối giải quyết hồ sơ", "Dossier refused")


#: The written notice each kind of end needs (LEGAL.md §1 and §3): a refusal at reception is form 03 of
#: Circular 01/2018 (unchanged in 03/2025); a refusal after appraisal is a written notice with its reason
#: and no form number (Decree 61/2018, Art. 19(8)); a suspension has a form only in Circular 03/2025
#: (form 05, Thông báo dừng giải quyết hồ sơ), for dossiers received from 15/9/2025.
_WRITTEN = {
    "refused": (
        "không có văn bản: Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03) nếu từ chối khi tiếp nhận, "
        "văn bản thông báo nêu rõ lý do (khoản 8 Điều 19 Nghị định 61/2018) nếu từ chối sau khi thẩm định",
        "with no written notice: the refusal form (form 03) for a refusal at reception, a written notice "
        "stating the reason (Decree 61/2018, Art. 19(8)) for a refusal after appraisal",
    ),
    "suspended": (
        "không có văn bản thông báo (với hồ sơ tiếp nhận từ 15/9/2025: Thông báo dừng giải quyết hồ sơ, "
        "mẫu 05 Thông tư 03/2025)",
        "with no written notice (for dossiers received from 15 September 2025: the stop notice, form 05 of "
        "Circular 03/2025)",
    ),
}


#: A suspension's notice under the circular its dossier is handled with (``Ev.forms``): a form of its own
#: only under Circular 03/2025.
_SUSPENSION_2025 = (
    "không có Thông báo dừng giải quyết hồ sơ (mẫu 05 Thông tư 03/2025)",
    "with no stop notice (form 05 of Circular 03/2025)",
)
_NO_NOTICE = ("không có văn bản thông báo", "with no written notice")
#: A refusal whose stage the evidence says needs one notice, not the choice of :data:`_WRITTEN`'s.
_WRITTEN_AT = {
    "reception": (
        "không có Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03)",
        "with no refusal form (form 03)",
    ),
    "processing": (
        "không có văn bản thông báo nêu rõ lý do (không theo mẫu; với hồ sơ tiếp nhận trước 01/7/2025: "
        "khoản 8 Điều 19 Nghị định 61/2018)",
        "with no written notice stating the reason (no form number; for dossiers received before 1 July "
        "2025: Decree 61/2018, Art. 19(8))",
    ),
}
#: The same notice under the decree its dossier is handled with (``Ev.forms``): Decree 61/2018 is cited for
#: a dossier received before 1 July 2025 only, the article of Decree 118/2025 being unconfirmed (LEGAL.md
#: §2; a dossier of November 2025 was said to lack the notice "of Decree 61/2018": review of 2026-12-04).
_PROCESSING_D61 = (
    "không có văn bản thông báo nêu rõ lý do (khoản 8 Điều 19 Nghị định 61/2018, không theo mẫu)",
    "with no written notice stating the reason (Decree 61/2018, Art. 19(8); no form number)",
)
_PROCESSING_D118 = (  # its article unconfirmed: none cited
    "không có văn bản thông báo nêu rõ lý do (không theo mẫu)",
    "with no written notice stating the reason (no form number)",
)
#: A refusal whose stage the record does not say, of a dossier under Decree 118 (its article unconfirmed):
#: :data:`_WRITTEN`'s without the clause of Decree 61/2018 (review).
_REFUSED_D118 = (
    "không có văn bản: Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03) nếu từ chối khi tiếp nhận, văn bản "
    "thông báo nêu rõ lý do (không theo mẫu) nếu từ chối sau khi thẩm định",
    "with no written notice: the refusal form (form 03) for a refusal at reception, a written notice stating "
    "the reason (no form number) for a refusal after appraisal",
)


def refusal_unwritten(ev: Ev) -> str:
    """The notice the refusal needed: the one its stage calls for when the evidence says (violations
    recorded before 2026-12 do not: then both, each with when it applies)."""
    kind = "suspended" if ev.get("type") == "suspended" else "refused"
    stage = ev.get("stage") if kind == "refused" else None
    vi, en = _WRITTEN_AT[stage] if stage in _WRITTEN_AT else _WRITTEN[kind]
    under_118 = ev.under_118  # Decree 118 (a mix, "01/2018", names both decrees)
    if kind == "suspended" and ev.forms is not None:  # the dossier's circular says which notice
        vi, en = _SUSPENSION_2025 if ev.forms == "2025" else _NO_NOTICE
    elif stage == "processing" and (under_118 or ev.forms == "2018"):  # and which decree to cite
        vi, en = _PROCESSING_D118 if under_118 else _PROCESSING_D61
    elif kind == "refused" and stage not in _WRITTEN_AT and under_118:
        vi, en = _REFUSED_D118
    return _refusal(ev) + ev.w(
        f" {vi}; lý do ghi: {ev.text('reason')}", f" {en}; reason given: {ev.text('reason')}"
    )


def refusal_no_reason(ev: Ev) -> str:
    number = _notice(ev.get("notice_id"), ev.lang) or ev.empty()
    return _refusal(ev) + ev.w(
        f", văn bản số {number}; lý do: (để trống)", f", notice number {number}; reason: (left blank)"
    )


def supplement_unwritten(ev: Ev) -> str:
    documents = ev.documents("requested_documents")
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
    rule = ev.rule_of_61("chỉ được yêu cầu một lần, đầy đủ, chính xác", "once, complete, is the rule")
    return ev.w(f"Yêu cầu bổ sung {n} lần (phiếu số {shown}) — {rule}",
                f"Supplements requested {n} times (notices {shown}) — {rule}")  # fmt: skip


def excess_documents(ev: Ev) -> str:
    excess, allowed = ev.documents("excess"), ev.documents("allowed")
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
