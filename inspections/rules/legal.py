"""Legal bases, by the date they came into force: the article and clause behind each rule, and how sure we
are of it, in words and as a mark (DOMAIN.md §4): C = read in the official text, S = from secondary
sources or a reading of several clauses together, U = not confirmed.

The articles of Decree 61/2018 (as amended by Decree 107/2021) are those LEGAL.md read in the codified
text. For dossiers received from 1/7/2025 (Decree 118/2025) no operative article on apology,
supplement, refusal, receipt or publication could be confirmed (docs/research/rulebook-v2-sources.md
§2): those texts say so rather than repeat Decree 61's numbers, and give the 2025 form (Circular
03/2025/TT-VPCP, from secondary sources). These texts feed the reports and the audit packs.

Forms follow the circular's date, not the decree's (docs/research/rulebook-v2-sources.md §2.3, item 6):
Circular 03/2025 is of 15/9/2025 and its entry into force was not found, so no dossier received before that
day is said to have had its forms (an apology of August 2025 on a form published in September). Between
1/7 and 14/9/2025 a basis names Decree 118 and the forms of Circular 01/2018, marked unconfirmed; every
such text names Circular 01/2018 (``reporting.onsite.forms_of`` reads the forms from it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

DECREE_61 = date(2018, 6, 21)  # Nghị định 61/2018/NĐ-CP, in force 21/6/2018
DECREE_118 = date(2025, 7, 1)  # Nghị định 118/2025/NĐ-CP replaces it from 1/7/2025
#: Thông tư 03/2025/TT-VPCP (the forms guiding Decree 118) is of 15/9/2025, its entry into force unconfirmed:
#: the earliest day its forms can have been used, so the day they are cited from.
CIRCULAR_03 = date(2025, 9, 15)
#: Nghị định 367/2025/NĐ-CP amends Decree 118, of 31/12/2025 (LEGAL.md §2 [S]; its content and entry into
#: force [U]): a dossier received from that day is cited under Decree 118 as amended, the date said
#: unconfirmed (legal review: only Decree 118 was cited for 2026's dossiers).
DECREE_367 = date(2025, 12, 31)

_D61 = "Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP)"
_D118 = "Nghị định 118/2025/NĐ-CP"
_D118_AMENDED = (
    "Nghị định 118/2025/NĐ-CP (sửa đổi, bổ sung bởi Nghị định 367/2025/NĐ-CP ngày 31/12/2025; nội dung sửa "
    "đổi và ngày hiệu lực chưa xác nhận)"
)
_TT01 = "Thông tư 01/2018/TT-VPCP"
_TT03 = "Thông tư 03/2025/TT-VPCP"

#: The confidence marks in words, as they are printed after each basis.
CONFIRMED = "đã xác nhận trong văn bản [C]"
SECONDARY = "theo nguồn thứ cấp hoặc cách đọc kết hợp nhiều điều khoản [S]"
UNCONFIRMED = "chưa xác nhận [U]"
_D118_UNKNOWN = f"{_D118}: điều khoản tương ứng {UNCONFIRMED}"
#: What a basis between 1/7 and 14/9/2025 adds when its text names no form: the forms then in use. It does
#: not name Circular 03/2025: a pack or report dated before 15/9/2025 would cite a text not yet issued.
_OLD_FORMS = f"biểu mẫu theo {_TT01} — {UNCONFIRMED}"


def _old_form(form: str) -> str:
    """A form of Circular 01/2018 cited for a dossier received under Decree 118 before Circular 03/2025."""
    return f"{form} ({_TT01}) — {UNCONFIRMED}"


#: A basis by the dates its texts came into force (see :func:`basis_in`).
Basis = tuple[tuple[date, str], ...]


def basis_in(
    d61: str, d118_unknown: str, old_forms: str, tt03: str, d118: str, d118_amended: str
) -> Callable[..., Basis]:
    """:func:`basis` in one language's words for Decree 61, an unconfirmed Decree 118 article, the forms of
    Circular 01/2018, Circular 03/2025's name, and Decree 118's name before and after Decree 367/2025
    amended it (``legal_en`` builds the English bases with it, part for part as these)."""

    def build(before_2025: str, from_2025: str | None = None, interim: str | None = None) -> Basis:
        """A rule's basis by date, from its texts:

        - ``before_2025``: the article under Decree 61/2018 and its mark, cited from 21/6/2018 to 30/6/2025
          after the decree's name (which it does not repeat);
        - ``from_2025``: the whole text cited from 15/9/2025, Decree 118's name included (the bases here
          open with :data:`_D118_UNKNOWN`, no article being confirmed) and any form, of Circular 03/2025;
          from 31/12/2025 the same with Decree 118 named as amended by Decree 367/2025. Left out, a dossier
          received from 1/7/2025 is cited only "Decree 118/2025: the corresponding article unconfirmed
          [U]" (``d118_unknown``): nothing of ``before_2025`` is said for it, so a rule whose text or
          form matters then gives it;
        - ``interim``: the text cited from 1/7 to 14/9/2025; left out, ``from_2025`` (or that unconfirmed
          article) followed by ``old_forms`` (the forms of Circular 01/2018, unconfirmed). A ``from_2025``
          naming Circular 03/2025 needs it (``ValueError``): its forms were not issued before 15/9/2025.
        """
        later = from_2025 or d118_unknown
        if interim is None:
            if tt03 in later:
                raise ValueError("a basis citing Circular 03/2025 needs its text for 1/7–14/9/2025")
            interim = f"{later}; {old_forms}"
        amended = later.replace(d118, d118_amended)
        return (
            (DECREE_61, f"{d61}, {before_2025}"), (DECREE_118, interim), (CIRCULAR_03, later),
            (DECREE_367, amended),
        )  # fmt: skip

    return build


#: ``basis(before_2025, from_2025=None, interim=None)``: legal basis text under Decree 61 (``before_2025``);
#: from 1/7/2025 under Decree 118 with the forms of Circular 01/2018 (``interim``, else ``from_2025`` and
#: :data:`_OLD_FORMS`); from 15/9/2025 ``from_2025`` with those of Circular 03/2025. A ``from_2025`` citing
#: Circular 03/2025 needs its ``interim``. With ``before_2025`` alone, a dossier from 1/7/2025 is cited
#: only :data:`_D118_UNKNOWN` (and, to 14/9/2025, :data:`_OLD_FORMS`): the rule's own text is not repeated.
basis = basis_in(_D61, _D118_UNKNOWN, _OLD_FORMS, _TT03, _D118, _D118_AMENDED)


APOLOGY = basis(
    "khoản 9 Điều 19: hồ sơ quá hạn phải có văn bản xin lỗi nêu rõ lý do và hẹn lại ngày trả kết quả "
    f"(mẫu 04 'Phiếu xin lỗi và hẹn lại ngày trả kết quả', Điều 9 {_TT01}) — {CONFIRMED}",
    f"{_D118_UNKNOWN}; mẫu 04 'Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết' ({_TT03}) — "
    f"{SECONDARY}",
    f"{_D118_UNKNOWN}; " + _old_form("mẫu 04 'Phiếu xin lỗi và hẹn lại ngày trả kết quả'"),
)
APOLOGY_LEAD = basis(
    f"khoản 9 Điều 19: xin lỗi 'chậm nhất 01 ngày trước ngày hết hạn' — {CONFIRMED}; tính '01 ngày' là "
    f"ngày làm việc là tham số của bộ quy tắc — {UNCONFIRMED}",
)
MISSED_PROMISE = basis(
    f"khoản 9 Điều 19: ngày hẹn lại ghi trong văn bản xin lỗi — {CONFIRMED}; coi việc trễ cả ngày hẹn lại là "
    f"vi phạm riêng là cách đọc của đoàn kiểm tra — {SECONDARY}",
)
RESCHEDULE = basis(
    f"khoản 9 Điều 19: 'việc hẹn lại ngày trả kết quả được thực hiện không quá một lần' — {CONFIRMED}",
)
REFUSAL = basis(
    "điểm b khoản 1 Điều 17 (từ chối khi tiếp nhận, mẫu 03 " + _TT01 + ") và khoản 8 Điều 19 (từ chối sau "
    f"thẩm định: thông báo bằng văn bản, nêu rõ lý do) — {CONFIRMED}; áp dụng cho hồ sơ dừng xử lý là "
    f"lựa chọn của bộ quy tắc — {UNCONFIRMED}",
    f"{_D118_UNKNOWN}; từ chối khi tiếp nhận: mẫu 03, dừng giải quyết: mẫu 05 'Thông báo dừng giải quyết "
    f"hồ sơ' ({_TT03}) — {SECONDARY}; từ chối sau thẩm định: văn bản thông báo nêu rõ lý do, không theo mẫu",
    f"{_D118_UNKNOWN}; từ chối khi tiếp nhận: mẫu 03 'Phiếu từ chối tiếp nhận giải quyết hồ sơ' ({_TT01}); "
    f"dừng giải quyết: văn bản thông báo; từ chối sau thẩm định: văn bản thông báo nêu rõ lý do, không theo "
    f"mẫu — {UNCONFIRMED}",
)
#: The refusal rules' basis for the case a verdict is about (its evidence's ``stage`` of a ``refused``, or a
#: ``suspended``), rather than :data:`REFUSAL`'s list of every case (``Rule.basis_for``).
REFUSAL_CASES = {
    "reception": basis(
        "điểm b khoản 1 Điều 17: từ chối tiếp nhận hồ sơ phải nêu rõ lý do, theo mẫu 03 'Phiếu từ chối tiếp "
        f"nhận giải quyết hồ sơ' ({_TT01}) — {CONFIRMED}",
        f"{_D118_UNKNOWN}; từ chối khi tiếp nhận: mẫu 03 'Phiếu từ chối tiếp nhận giải quyết hồ sơ' "
        f"({_TT03}) — {SECONDARY}",
        f"{_D118_UNKNOWN}; từ chối khi tiếp nhận: "
        + _old_form("mẫu 03 'Phiếu từ chối tiếp nhận giải quyết hồ sơ'"),
    ),
    "processing": basis(
        "khoản 8 Điều 19: hồ sơ không đủ điều kiện giải quyết sau thẩm định được thông báo bằng văn bản, nêu "
        f"rõ lý do, trong thời hạn giải quyết — {CONFIRMED}",
        f"{_D118_UNKNOWN}; từ chối sau thẩm định: văn bản thông báo nêu rõ lý do, không theo mẫu — "
        f"{SECONDARY}",
        f"{_D118_UNKNOWN}; từ chối sau thẩm định: văn bản thông báo nêu rõ lý do, không theo mẫu ({_TT01} "
        f"không có mẫu) — {SECONDARY}",
    ),
    "suspended": basis(
        f"khoản 8 Điều 19 (thông báo bằng văn bản, nêu rõ lý do) — {CONFIRMED}; áp dụng cho hồ sơ dừng xử lý "
        f"là lựa chọn của bộ quy tắc — {UNCONFIRMED}",
        f"{_D118_UNKNOWN}; dừng giải quyết: mẫu 05 'Thông báo dừng giải quyết hồ sơ' ({_TT03}) — {SECONDARY}",
        f"{_D118_UNKNOWN}; dừng giải quyết: văn bản thông báo, nêu rõ lý do ({_TT01}: không có mẫu riêng) "
        f"— {UNCONFIRMED}",
    ),
}
SUPPLEMENT = basis(
    "khoản 3 Điều 15, điểm a khoản 1 và điểm a khoản 2 Điều 17, khoản 4 Điều 19: hướng dẫn bổ sung, hoàn "
    f"thiện hồ sơ 'một lần đầy đủ, chính xác', bằng văn bản (mẫu 02, {_TT01}) — {CONFIRMED}",
    f"{_D118_UNKNOWN}; mẫu 02 'Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ' ({_TT03}) — {SECONDARY}",
    f"{_D118_UNKNOWN}; " + _old_form("mẫu 02 'Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ'"),
)
EXCESS = basis(
    f"điểm đ khoản 1 Điều 5: không 'tự ý yêu cầu bổ sung hồ sơ, giấy tờ ngoài quy định' — {CONFIRMED}; "
    f"nhận giấy tờ ngoài thành phần do người nộp tự đưa: theo thực tiễn thanh tra — {UNCONFIRMED}",
    _D118_UNKNOWN,  # LEGAL.md §2: its article on prohibited acts was not found
)
#: EXCESS by case (the verdict's ``event_type``): asking for papers outside the list is what Art. 5(1)(đ)
#: forbids; receiving papers outside it, no text found forbids (LEGAL.md §1: inspection practice), so that
#: case cites no article (a pack's reference would send the reader to the clause on asking). A verdict of
#: either case cited both, and the receipt read as forbidden by the clause (review of 2026-12-05).
_EXCESS_ASKED = basis(
    f"điểm đ khoản 1 Điều 5: không 'tự ý yêu cầu bổ sung hồ sơ, giấy tờ ngoài quy định' — {CONFIRMED}",
    _D118_UNKNOWN,
)
_EXCESS_RECEIVED = basis(
    "nhận giấy tờ ngoài thành phần hồ sơ: không có điều khoản cấm trực tiếp việc nhận (nghị định chỉ cấm "
    f"'tự ý yêu cầu bổ sung hồ sơ, giấy tờ ngoài quy định' — {CONFIRMED}); coi là vi phạm theo thực tiễn "
    f"thanh tra — {UNCONFIRMED}",
    _D118_UNKNOWN,
)
EXCESS_CASES = {
    "supplement_requested": _EXCESS_ASKED,
    "received": _EXCESS_RECEIVED,
    "supplement_completed": _EXCESS_RECEIVED,
}
PUBLISHED = basis(
    "điểm a khoản 1 Điều 8 (công khai tại Bộ phận Một cửa); Điều 13 Nghị định 63/2010/NĐ-CP (sửa đổi bởi "
    f"Nghị định 92/2017/NĐ-CP): chỉ áp dụng thủ tục đã được công bố — {CONFIRMED}",
    f"Điều 13 Nghị định 63/2010/NĐ-CP (sửa đổi bởi Nghị định 92/2017/NĐ-CP): chỉ áp dụng thủ tục đã được "
    f"công bố — {CONFIRMED}; điều khoản công khai của {_D118} {UNCONFIRMED}",
)
RECEIPT = basis(
    "điểm c khoản 1 và khoản 3 Điều 17, điểm a khoản 1 Điều 6: hồ sơ đủ được cấp giấy tiếp nhận và hẹn ngày "
    f"trả kết quả (mẫu 01, {_TT01}), trừ hồ sơ trả kết quả ngay (khoản 4 Điều 17) — {CONFIRMED}",
    f"{_D118_UNKNOWN}; mẫu 01 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả' ({_TT03}) — {SECONDARY}",
    f"{_D118_UNKNOWN}; " + _old_form("mẫu 01 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả'"),
)
LEGAL_TIME = basis(
    "điểm c khoản 1 Điều 17 (hẹn ngày trả) đọc cùng thời hạn giải quyết trong quyết định công bố thủ tục "
    f"(Điều 13 Nghị định 63/2010/NĐ-CP); không có điều khoản cấm trực tiếp — {SECONDARY}",
)
DUE_DATE = basis(
    "điểm c khoản 1 Điều 5 (không thay đổi, làm sai lệch dữ liệu hồ sơ) và khoản 9 Điều 19 (chỉ lùi ngày "
    f"hẹn bằng văn bản xin lỗi) — từng điều khoản {CONFIRMED}; coi việc sửa ngày hẹn không xin lỗi là vi "
    f"phạm là cách đọc của bộ quy tắc — {SECONDARY}",
)
# Amendment 5's finding: the appointment recorded in the change is not the one in force.
DUE_DATE_RECORD = basis(
    "điểm c khoản 1 Điều 5: không thay đổi, làm sai lệch dữ liệu hồ sơ (diễn giải); ngày hẹn trả chỉ được "
    f"lùi bằng văn bản xin lỗi và hẹn lại (khoản 9 Điều 19) — {SECONDARY}",
    _D118_UNKNOWN,  # LEGAL.md §2: its prohibited acts were not found (it stated Decree 61's as its own)
)
DATA_QUALITY = ((DECREE_61, "kiểm tra chất lượng dữ liệu (không phải vi phạm pháp luật)"),)
