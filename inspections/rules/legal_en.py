"""The legal bases of :mod:`inspections.rules.legal` in English, for the reports, packs and console read in
English: a verdict stores its basis in Vietnamese (the language of the law and of the team), and an English
reader got that Vietnamese text beside English words for its confidence marks, which they could not match.

Each basis here is built as its Vietnamese one is, part for part (the same dates, the same confidence marks,
the same forms), and :func:`in_english` finds a stored text's English by the Vietnamese text itself. Forms
keep their official Vietnamese titles, in quotes: the papers on site carry them. A citation reads
"Art. 19(9)" for "khoản 9 Điều 19" (:func:`article_in_english`). A text of an earlier rulebook that is not
among them has no English (``None``): shown as it is stored.
"""

from __future__ import annotations

import re

from inspections.rules import legal

_D61 = "Decree 61/2018/NĐ-CP (as amended by Decree 107/2021/NĐ-CP)"
_D118 = "Decree 118/2025/NĐ-CP"
_D118_AMENDED = (
    "Decree 118/2025/NĐ-CP (as amended by Decree 367/2025/NĐ-CP of 31/12/2025; the amendments and their "
    "entry into force not confirmed)"
)
_TT01 = "Circular 01/2018/TT-VPCP"
_TT03 = "Circular 03/2025/TT-VPCP"
_D63 = "Decree 63/2010/NĐ-CP (as amended by Decree 92/2017/NĐ-CP)"

#: The confidence marks, in the words of the packs' and the console's note on them (``marks_note``).
CONFIRMED = "confirmed in the text [C]"
SECONDARY = "secondary source or a reading of several clauses [S]"
UNCONFIRMED = "not confirmed [U]"
_D118_UNKNOWN = f"{_D118}: corresponding article {UNCONFIRMED}"
_OLD_FORMS = f"forms of {_TT01} — {UNCONFIRMED}"

_F01 = "form 01 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả'"
_F02 = "form 02 'Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ'"
_F03 = "form 03 'Phiếu từ chối tiếp nhận giải quyết hồ sơ'"
_F04_2018 = "form 04 'Phiếu xin lỗi và hẹn lại ngày trả kết quả'"
_F04_2025 = "form 04 'Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết'"
_F05 = "form 05 'Thông báo dừng giải quyết hồ sơ'"
_ASKING = "'arbitrary request for documents or papers beyond those prescribed'"
_AFTER_APPRAISAL = "refusal after appraisal: a written notice stating the reason, no set form"


def _old_form(form: str) -> str:
    return f"{form} ({_TT01}) — {UNCONFIRMED}"


#: :func:`inspections.rules.legal.basis`, in English.
basis = legal.basis_in(_D61, _D118_UNKNOWN, _OLD_FORMS, _TT03, _D118, _D118_AMENDED)


APOLOGY = basis(
    "Art. 19(9): an overdue dossier must have a written apology stating the reason and a new date for the "
    f"result ({_F04_2018}, Art. 9 {_TT01}) — {CONFIRMED}",
    f"{_D118_UNKNOWN}; {_F04_2025} ({_TT03}) — {SECONDARY}",
    f"{_D118_UNKNOWN}; " + _old_form(_F04_2018),
)
APOLOGY_LEAD = basis(
    f"Art. 19(9): the apology 'at the latest 01 day before the deadline' — {CONFIRMED}; counting '01 day' as "
    f"a working day is a parameter of the rulebook — {UNCONFIRMED}",
)
MISSED_PROMISE = basis(
    f"Art. 19(9): the new date stated in the apology — {CONFIRMED}; treating a miss of that new date as a "
    f"violation of its own is the inspection team's reading — {SECONDARY}",
)
RESCHEDULE = basis(f"Art. 19(9): 'the date for the result is rescheduled no more than once' — {CONFIRMED}")
REFUSAL = basis(
    f"Art. 17(1)(b) (refusal at reception, form 03 {_TT01}) and Art. 19(8) (refusal after appraisal: a "
    f"notice in writing, stating the reason) — {CONFIRMED}; applying it to suspended dossiers is the "
    f"rulebook's choice — {UNCONFIRMED}",
    f"{_D118_UNKNOWN}; refusal at reception: form 03, suspension: {_F05} ({_TT03}) — {SECONDARY}; "
    f"{_AFTER_APPRAISAL}",
    f"{_D118_UNKNOWN}; refusal at reception: {_F03} ({_TT01}); suspension: a written notice; "
    f"{_AFTER_APPRAISAL} — {UNCONFIRMED}",
)
REFUSAL_CASES = {
    "reception": basis(
        f"Art. 17(1)(b): a refusal to receive a dossier must state the reason, on {_F03} ({_TT01}) — "
        f"{CONFIRMED}",
        f"{_D118_UNKNOWN}; refusal at reception: {_F03} ({_TT03}) — {SECONDARY}",
        f"{_D118_UNKNOWN}; refusal at reception: " + _old_form(_F03),
    ),
    "processing": basis(
        "Art. 19(8): a dossier found not eligible after appraisal is notified in writing, stating the "
        f"reason, within the time limit — {CONFIRMED}",
        f"{_D118_UNKNOWN}; {_AFTER_APPRAISAL} — {SECONDARY}",
        f"{_D118_UNKNOWN}; {_AFTER_APPRAISAL} ({_TT01} has none) — {SECONDARY}",
    ),
    "suspended": basis(
        f"Art. 19(8) (a notice in writing, stating the reason) — {CONFIRMED}; applying it to suspended "
        f"dossiers is the rulebook's choice — {UNCONFIRMED}",
        f"{_D118_UNKNOWN}; suspension: {_F05} ({_TT03}) — {SECONDARY}",
        f"{_D118_UNKNOWN}; suspension: a written notice stating the reason ({_TT01}: no form of its own) — "
        f"{UNCONFIRMED}",
    ),
}
SUPPLEMENT = basis(
    "Art. 15(3), Art. 17(1)(a) and 17(2)(a), Art. 19(4): guidance to supplement or complete a dossier 'once, "
    f"fully and accurately', in writing (form 02, {_TT01}) — {CONFIRMED}",
    f"{_D118_UNKNOWN}; {_F02} ({_TT03}) — {SECONDARY}",
    f"{_D118_UNKNOWN}; " + _old_form(_F02),
)
EXCESS = basis(
    f"Art. 5(1)(đ): no {_ASKING} — {CONFIRMED}; receiving papers outside the list that the applicant brings: "
    f"by inspection practice — {UNCONFIRMED}",
    _D118_UNKNOWN,
)
_EXCESS_ASKED = basis(f"Art. 5(1)(đ): no {_ASKING} — {CONFIRMED}", _D118_UNKNOWN)
_EXCESS_RECEIVED = basis(
    "receiving papers outside the dossier's list: no clause forbids receiving them directly (the decree "
    f"forbids only an {_ASKING} — {CONFIRMED}); treated as a violation by inspection practice — "
    f"{UNCONFIRMED}",
    _D118_UNKNOWN,
)
PUBLISHED = basis(
    f"Art. 8(1)(a) (public display at the one-stop department); Art. 13 of {_D63}: only published "
    f"procedures apply — {CONFIRMED}",
    f"Art. 13 of {_D63}: only published procedures apply — {CONFIRMED}; the article of {_D118} on public "
    f"display: {UNCONFIRMED}",
)
RECEIPT = basis(
    "Art. 17(1)(c) and 17(3), Art. 6(1)(a): a complete dossier gets a receipt with the date for the result "
    f"(form 01, {_TT01}), except a dossier whose result is given at once (Art. 17(4)) — {CONFIRMED}",
    f"{_D118_UNKNOWN}; {_F01} ({_TT03}) — {SECONDARY}",
    f"{_D118_UNKNOWN}; " + _old_form(_F01),
)
LEGAL_TIME = basis(
    "Art. 17(1)(c) (the date for the result) read with the time limit in the decision publishing the "
    f"procedure (Art. 13 of Decree 63/2010/NĐ-CP); no clause forbids it directly — {SECONDARY}",
)
DUE_DATE = basis(
    "Art. 5(1)(c) (no changing or falsifying a dossier's data) and Art. 19(9) (a due date is moved only by a "
    f"written apology) — each clause {CONFIRMED}; treating a due date changed without an apology as a "
    f"violation is the rulebook's reading — {SECONDARY}",
)
DUE_DATE_RECORD = basis(
    "Art. 5(1)(c): no changing or falsifying a dossier's data (interpreted); a due date is moved only by a "
    f"written apology with a new date (Art. 19(9)) — {SECONDARY}",
    _D118_UNKNOWN,
)
DATA_QUALITY = ((legal.DECREE_61, "data-quality check (not a breach of the law)"),)

#: The bases by their names in both modules (a dict of cases: each case's basis). ``EXCESS_CASES`` only
#: picks among ``_EXCESS_ASKED`` and ``_EXCESS_RECEIVED``, paired here already: it has no English of its own.
NAMES = (
    "APOLOGY", "APOLOGY_LEAD", "MISSED_PROMISE", "RESCHEDULE", "REFUSAL", "REFUSAL_CASES", "SUPPLEMENT",
    "EXCESS", "_EXCESS_ASKED", "_EXCESS_RECEIVED", "PUBLISHED", "RECEIPT", "LEGAL_TIME",
    "DUE_DATE", "DUE_DATE_RECORD", "DATA_QUALITY",
)  # fmt: skip


def _pairs() -> dict[str, str]:
    """Each Vietnamese basis text (and confidence mark) with its English, the two built part for part."""
    found = {legal.CONFIRMED: CONFIRMED, legal.SECONDARY: SECONDARY, legal.UNCONFIRMED: UNCONFIRMED}
    for name in NAMES:
        vi, en = getattr(legal, name), globals()[name]
        cases = [(vi[key], en[key]) for key in vi] if isinstance(vi, dict) else [(vi, en)]
        for vi_basis, en_basis in cases:
            for (since, vi_text), (since_en, en_text) in zip(vi_basis, en_basis, strict=True):
                if since != since_en:
                    raise ValueError(f"{name}: the English basis is of another date")
                found[vi_text] = en_text
    return found


_ENGLISH = _pairs()


def in_english(text: str) -> str | None:
    """The English of a basis text (or of a confidence mark) as the rulebook writes it; ``None`` for one it
    does not write (an earlier rulebook's, stored before)."""
    return _ENGLISH.get(text)


_POINTED = re.compile(r"(?:điểm ([a-zđ]) )?khoản (\d+)|điểm ([a-zđ])")


def article_in_english(citation: str) -> str:
    """A Vietnamese citation of an article ("điểm c khoản 1 và khoản 3 Điều 17") as English cites it
    ("Art. 17(1)(c) and 17(3)"); one of another shape as it is."""
    found = re.fullmatch(r"(.*?)\s*Điều (\d+)", citation.strip())
    if found is None:
        return citation
    clauses, article = found.groups()
    if not clauses:
        return f"Art. {article}"
    parts = []
    for part in re.split(r",? và |, ", clauses):
        pointed = _POINTED.fullmatch(part.strip())
        if pointed is None:
            return citation
        point, clause, lone = pointed.groups()
        if clause is None:
            parts.append(f"{article}({lone})")
        else:
            parts.append(f"{article}({clause})" + (f"({point})" if point else ""))
    return "Art. " + " and ".join(parts)
