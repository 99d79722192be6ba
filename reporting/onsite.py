"""What an inspector asks for on site to verify each rule: registers, forms and records (issue 15).

The forms are those of Circular 01/2018/TT-VPCP, Art. 9 (LEGAL.md §3): 01 Giấy tiếp nhận hồ sơ và hẹn trả
kết quả; 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ; 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ; 04 Phiếu
xin lỗi và hẹn lại ngày trả kết quả; 05 Phiếu kiểm soát quá trình giải quyết hồ sơ; 06 Sổ theo dõi hồ sơ.
Circular 03/2025/TT-VPCP (of 15/9/2025, guiding Decree 118/2025 in force 1/7/2025; from secondary sources;
its entry into force unconfirmed) keeps 01–03, renames 04, adds 05 (Thông báo dừng giải quyết hồ sơ, for
suspensions only) and moves the control slip to 06 and the register to 07. Its forms are asked for of
dossiers received from 15/9/2025, its date (``inspections.rules.legal.CIRCULAR_03``): none can have been
filed on them before. An item names the form of the circular its dossiers are handled under (``forms``,
from their legal basis: :func:`forms_of`): ``2018`` (Decree 61/2018), ``interim`` (Decree 118/2025 with the
forms of Circular 01/2018, 1/7–14/9/2025: Decree 61 is not cited) or ``2025``; where they are on both sides
of 15/9/2025, or it is not known, it names both numbers where they differ and which dossiers ("hồ sơ tiếp
nhận từ 15/9/2025") take the newer one. A refusal after appraisal (Decree 61/2018, Art. 19(8)) is a written
notice with no form number; form 03 is the refusal at reception only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final

from inspections.rules.legal import CIRCULAR_03, DECREE_118
from inspections.timeunits import VN_TZ

#: An item to ask for: (Vietnamese, English) naming both circulars' forms where they differ, and, for such
#: an item, what it says under Circular 01/2018 alone and under 03/2025 alone.
Item = tuple[str, str]

_RECEIPT = (
    "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01), bản lưu",
    "the receipt with the appointment date (form 01), file copy",
)
_SUPPLEMENT = (
    "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02), bản lưu",
    "the supplement request (form 02), file copy",
)
_NEW = "hồ sơ tiếp nhận từ 15/9/2025"
_NEW_EN = "dossiers received from 15 September 2025"
_REFUSAL = (
    "từ chối khi tiếp nhận: Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03), bản lưu; từ chối sau khi "
    "thẩm định: văn bản thông báo nêu rõ lý do (không theo mẫu; với hồ sơ tiếp nhận trước 01/7/2025: khoản 8 "
    "Điều 19 Nghị định 61/2018)",
    "a refusal at reception: the refusal form (form 03), file copy; a refusal after appraisal: the written "
    "notice stating the reason (no form number; for dossiers received before 1 July 2025: Decree 61/2018, "
    "Art. 19(8))",
)
_SUSPENSION = (
    f"dừng giải quyết: văn bản thông báo dừng (với {_NEW}: Thông báo dừng giải quyết hồ sơ, mẫu 05 "
    "Thông tư 03/2025)",
    f"a suspension: the written notice (for {_NEW_EN}: the stop notice, form 05 of Circular 03/2025)",
)
_APOLOGY = (
    "Phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04; với "
    f"{_NEW}: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết, mẫu 04 Thông tư 03/2025)",
    f"the apology and new date notice (form 04; for {_NEW_EN}: the apology and extension request, form 04 "
    "of Circular 03/2025)",
)
_CONTROL = (
    f"Phiếu kiểm soát quá trình giải quyết hồ sơ (mẫu 05; mẫu 06 theo Thông tư 03/2025 với {_NEW})",
    f"the processing control slip (form 05; form 06 under Circular 03/2025 for {_NEW_EN})",
)
_REGISTER = (
    f"Sổ theo dõi hồ sơ (mẫu 06; mẫu 07 theo Thông tư 03/2025 với {_NEW})",
    f"the dossier register (form 06; form 07 under Circular 03/2025 for {_NEW_EN})",
)
#: The forms of a dossier received under Decree 118/2025 before Circular 03/2025 (1/7–14/9/2025): those of
#: Circular 01/2018, without Decree 61/2018's articles (an item names them as ``2018`` else).
INTERIM: Final = "interim"
#: Several dossiers, all on the forms of Circular 01/2018, under either decree (:func:`common_forms`): an
#: item names those forms alone, and the decrees where they differ (the refusal after appraisal).
CIRCULAR_01: Final = "01/2018"

#: Each item that names two circulars' forms, as each circular alone names it.
_ALONE: Final[dict[Item, dict[str, Item]]] = {
    _REFUSAL: {
        CIRCULAR_01: _REFUSAL,
        INTERIM: (
            "từ chối khi tiếp nhận: Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03), bản lưu; từ chối sau "
            "khi thẩm định: văn bản thông báo nêu rõ lý do (không theo mẫu)",
            "a refusal at reception: the refusal form (form 03), file copy; a refusal after appraisal: the "
            "written notice stating the reason (no form number)",
        ),
        "2018": (
            "từ chối khi tiếp nhận: Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03), bản lưu; từ chối sau "
            "khi thẩm định: văn bản thông báo nêu rõ lý do (không theo mẫu; khoản 8 Điều 19 Nghị định "
            "61/2018)",
            "a refusal at reception: the refusal form (form 03), file copy; a refusal after appraisal: the "
            "written notice stating the reason (no form number; Decree 61/2018, Art. 19(8))",
        ),
        "2025": (
            "từ chối khi tiếp nhận: Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03 Thông tư 03/2025), bản "
            "lưu; từ chối sau khi thẩm định: văn bản thông báo nêu rõ lý do (không theo mẫu)",
            "a refusal at reception: the refusal form (form 03 of Circular 03/2025), file copy; a refusal "
            "after appraisal: the written notice stating the reason (no form number)",
        ),
    },
    _SUSPENSION: {
        "2018": ("dừng giải quyết: văn bản thông báo dừng", "a suspension: the written notice"),
        "2025": (
            "dừng giải quyết: Thông báo dừng giải quyết hồ sơ (mẫu 05 Thông tư 03/2025), bản lưu",
            "a suspension: the stop notice (form 05 of Circular 03/2025), file copy",
        ),
    },
    _APOLOGY: {
        "2018": (
            "Phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)",
            "the apology and new date notice (form 04)",
        ),
        "2025": (
            "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (mẫu 04 Thông tư 03/2025)",
            "the apology and extension request (form 04 of Circular 03/2025)",
        ),
    },
    _CONTROL: {
        "2018": (
            "Phiếu kiểm soát quá trình giải quyết hồ sơ (mẫu 05)",
            "the processing control slip (form 05)",
        ),
        "2025": (
            "Phiếu kiểm soát quá trình giải quyết hồ sơ (mẫu 06 Thông tư 03/2025)",
            "the processing control slip (form 06 of Circular 03/2025)",
        ),
    },
    _REGISTER: {
        "2018": ("Sổ theo dõi hồ sơ (mẫu 06)", "the dossier register (form 06)"),
        "2025": (
            "Sổ theo dõi hồ sơ (mẫu 07 Thông tư 03/2025)",
            "the dossier register (form 07 of Circular 03/2025)",
        ),
    },
}
_OUTGOING = (
    "sổ đăng ký văn bản đi (ngày ký, ngày gửi)",
    "the outgoing-mail register (dates signed and sent)",
)
_SYSTEM_LOG = (
    "nhật ký của hệ thống một cửa điện tử (ai sửa, lúc nào, giá trị trước và sau)",
    "the one-stop system's audit log (who changed what, when, before and after)",
)
_PUBLICATION = (
    "quyết định công bố thủ tục hành chính của Chủ tịch UBND tỉnh (thành phần hồ sơ, thời hạn)",
    "the decision publishing the procedure (components, time limit)",
)
_POSTED = (
    "bảng niêm yết công khai thủ tục tại Bộ phận Một cửa",
    "the procedure list posted at the one-stop desk",
)
_PAPER = ("hồ sơ giấy lưu tại đơn vị", "the paper dossier kept by the unit")
_HOLIDAYS = ("thông báo lịch nghỉ lễ, ngày làm bù của năm", "the year's holiday and make-up day notice")
_RETURN = (
    "biên nhận trả kết quả hoặc chữ ký nhận của người nộp",
    "the applicant's signed receipt of the result",
)

#: Rule id → what to ask for, in the order to ask (Vietnamese, English).
CHECKLIST: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "LATE_NO_APOLOGY": (_CONTROL, _REGISTER, _APOLOGY, _OUTGOING, _RETURN),
    "APOLOGY_TOO_LATE": (_APOLOGY, _OUTGOING, _RECEIPT, _CONTROL),
    "APOLOGY_INCOMPLETE": (_APOLOGY, _OUTGOING),
    "MISSED_NEW_DUE_DATE": (_APOLOGY, _CONTROL, _REGISTER, _RETURN),
    "RESCHEDULED_MORE_THAN_ONCE": (_APOLOGY, _OUTGOING, _CONTROL),
    "REFUSAL_UNWRITTEN": (_REFUSAL, _SUSPENSION, _OUTGOING, _REGISTER),
    "REFUSAL_NO_REASON": (_REFUSAL, _SUSPENSION, _REGISTER),
    "SUPPLEMENT_UNWRITTEN": (_SUPPLEMENT, _CONTROL, _REGISTER),
    "REPEATED_SUPPLEMENT": (_SUPPLEMENT, _CONTROL),
    "EXCESS_DOCUMENTS": (_PAPER, _RECEIPT, _PUBLICATION, _SUPPLEMENT),
    "UNPUBLISHED_PROCEDURE": (_PUBLICATION, _POSTED, _RECEIPT),
    "NO_APPOINTMENT": (_RECEIPT, _REGISTER, _PUBLICATION),
    "DUE_DATE_OVERSTATED": (_RECEIPT, _PUBLICATION, _HOLIDAYS),
    "DUE_DATE_CHANGED": (_SYSTEM_LOG, _APOLOGY, _RECEIPT, _CONTROL),
    "OLD_DUE_DATE_MISMATCH": (_SYSTEM_LOG, _RECEIPT, _APOLOGY),
    "UNKNOWN_PROCEDURE": (_PUBLICATION, _PAPER),
    "EVENT_AFTER_RETURN": (_SYSTEM_LOG, _REGISTER, _CONTROL),
    "EVENT_AFTER_END": (_SYSTEM_LOG, _REGISTER, _CONTROL),
    "AUDIT_ERROR": (_PAPER, _SYSTEM_LOG),
}  # fmt: skip

#: A rule that could not be checked from the data (kind ``not_checkable``): the paper record decides.
NOT_CHECKABLE: Final = (_PAPER, _CONTROL, _REGISTER)
#: A dossier of the verification sample: what shows it was handled as the system says.
SAMPLE: Final = (_RECEIPT, _CONTROL, _REGISTER, _RETURN)


def forms_of(legal_basis: str) -> str | None:
    """Whose forms a record's dossier is handled with, from its legal basis (chosen by its receipt date:
    ``inspections.rules.legal``): ``2018`` under Decree 61/2018, :data:`INTERIM` under Decree 118/2025 before
    Circular 03/2025 (those texts name Circular 01/2018), ``2025`` after, ``None`` when the basis names
    neither decree (a data-quality check)."""
    if "61/2018" in legal_basis:
        return "2018"
    if "118/2025" in legal_basis:
        return INTERIM if "01/2018" in legal_basis else "2025"
    return None


def forms_on(received: datetime | None) -> str | None:
    """Whose forms a dossier received at ``received`` is handled with (its local receipt date, as the
    rulebook chooses its legal basis); ``None`` when it was not received."""
    if received is None:
        return None
    day = received.astimezone(VN_TZ).date()
    return "2018" if day < DECREE_118 else INTERIM if day < CIRCULAR_03 else "2025"


def common_forms(each: Iterable[str | None]) -> str | None:
    """The forms of several records: theirs if they all agree, :data:`CIRCULAR_01` if all are of Circular
    01/2018 (a pack dated before Circular 03/2025 named it, of 15/9/2025), else ``None`` (both named)."""
    found = set(each)
    if len(found) == 1:
        return found.pop()
    return CIRCULAR_01 if found and found <= {"2018", INTERIM, CIRCULAR_01} else None


def _text(item: Item, forms: str | None, lang: str) -> str:
    alone = _ALONE.get(item, {})
    old = alone.get("2018") if forms in (INTERIM, CIRCULAR_01) else None  # Circular 01/2018's forms
    vi, en = alone.get(forms or "") or old or item
    return vi if lang == "vi" else en


def items(rule_id: str, kind: str, lang: str = "vi", forms: str | None = None) -> list[str]:
    """What to ask for to verify a record of ``rule_id`` (of ``kind``) on site, in ``lang``, with the forms
    of ``forms`` (:func:`forms_of`; ``None``: both circulars')."""
    chosen = NOT_CHECKABLE if kind == "not_checkable" else CHECKLIST.get(rule_id, (_PAPER, _SYSTEM_LOG))
    return [_text(item, forms, lang) for item in chosen]


def sample_items(lang: str = "vi", forms: str | None = None) -> list[str]:
    return [_text(item, forms, lang) for item in SAMPLE]
