"""The DVCQG format's closed vocabularies and the texts senders use instead of codes, in one place.

Everything here is read from ``shared/DOMAIN.md`` §9 ("The national dossier-sync format"), which took it
from two independent open-source one-stop systems that push dossiers to the national portal; no official
specification was found, so each entry names what it was observed as. When a sender is found to use
another code or phrase, it is added here (and to ``docs/dvcqg-import.md``), nowhere else.

Texts are compared *normalised* (:func:`fold`): Unicode NFC, case-folded, accents and the letter đ
removed, punctuation as spaces, runs of spaces as one. Officials type these phrases by hand or senders
generate them with varying case and composed/decomposed accents; the phrases below are long enough that
removing accents cannot make two of them (or an ordinary note) collide.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

__all__ = [
    "APPLICANT_KINDS",
    "CHANNELS",
    "DOSSIER_SERVICE",
    "PHRASES",
    "PROGRESS_SERVICE",
    "RETURN_METHODS",
    "REWRITES",
    "STATUS_NAMES",
    "Meaning",
    "Phrase",
    "fold",
    "meaning_of",
    "numbered",
    "status_code",
]

#: ``service`` of a dossier-sync body (``{"service": ..., "data": [dossier records]}``).
DOSSIER_SERVICE = "DongBoHoSoMC"
#: ``service`` of a progress body (``{"service": ..., "data": [processing-history rows]}``).
PROGRESS_SERVICE = "CapNhatTienDoHoSoMC"

#: ``TrangThaiHoSo`` / ``TrangThai``: the national status codes (DOMAIN.md §3 and §9), strings "1"–"10".
STATUS_NAMES: dict[str, str] = {
    "1": "Mới đăng ký",
    "2": "Được tiếp nhận",
    "3": "Không được tiếp nhận",
    "4": "Đang xử lý",
    "5": "Yêu cầu bổ sung giấy tờ",
    "6": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "7": "Công dân yêu cầu rút hồ sơ",
    "8": "Dừng xử lý",
    "9": "Đã xử lý xong",
    "10": "Đã trả kết quả",
}

#: ``KenhThucHien`` (how the dossier was submitted) → the contract's ``channel``.
CHANNELS: dict[str, str] = {"1": "direct", "2": "online", "3": "postal"}

#: ``HinhThuc`` (how the result is returned) → the contract's ``returned.channel``.
RETURN_METHODS: dict[str, str] = {"0": "direct", "1": "postal"}

#: ``LoaiDoiTuong`` (who the applicant is); not an identity field.
APPLICANT_KINDS: dict[str, str] = {"1": "citizen", "2": "business", "3": "agency", "4": "other"}


def numbered(code: str) -> str:
    """A numeric code as its number, as :func:`status_code` reads a status: senders pad ("02" for "2")."""
    return str(int(code)) if code.isascii() and code.isdigit() else code


def status_code(value: object) -> str | None:
    """A status value as its code ``"1"``–``"10"``: senders write strings, some numbers (``4``, ``"04"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            text = str(int(text))
    else:
        return None
    return text if text in STATUS_NAMES else None


class Meaning(StrEnum):
    """What a recognised text says a row really is, whatever its status code."""

    SUPPLEMENT_REQUEST = "supplement_request"
    FINANCIAL_OBLIGATION = "financial_obligation"
    NO_APPOINTMENT_DATE = "no_appointment_date"
    WITHDRAWAL = "withdrawal"
    APOLOGY = "apology"
    SYNTHETIC_RECEIPT = "synthetic_receipt"
    SYNTHETIC_END = "synthetic_end"


@dataclass(frozen=True, slots=True)
class Phrase:
    """A text a sender writes in ``NoiDungXuLy`` (or a dossier's ``GhiChu``) that says what a row means.

    ``statuses``: the status codes the phrase overrides (empty: any status); ``source``: where it was seen.
    """

    text: str
    meaning: Meaning
    statuses: frozenset[str]
    source: str

    @property
    def folded(self) -> str:
        return fold(self.text)


_SEEN = "DOMAIN.md §9, 'What senders rewrite' (one provincial system)"

#: The recognised phrases, matched as normalised substrings of the row's text (:func:`meaning_of`).
PHRASES: tuple[Phrase, ...] = (
    # Statuses 5, 6 and 8 sent as 9 ("processed"): the text says what the row is.
    Phrase("Cán bộ trả hồ sơ bổ sung", Meaning.SUPPLEMENT_REQUEST, frozenset({"9"}), _SEEN),
    Phrase("Cán bộ trả bổ sung hồ sơ", Meaning.SUPPLEMENT_REQUEST, frozenset({"9"}), _SEEN),
    Phrase("Công dân thực hiện NVTC", Meaning.FINANCIAL_OBLIGATION, frozenset({"9"}), _SEEN),
    Phrase("Công dân thực hiện nghĩa vụ tài chính", Meaning.FINANCIAL_OBLIGATION, frozenset({"9"}), _SEEN),
    # A status-9 row that is not an end: the dossier simply has no appointment date.
    Phrase("Hồ sơ không có ngày hẹn trả", Meaning.NO_APPOINTMENT_DATE, frozenset({"9"}), _SEEN),
    # A withdrawal sent as status 3 ("refused").
    Phrase("Công dân thu hồi hồ sơ", Meaning.WITHDRAWAL, frozenset({"3"}), _SEEN),
    # No code exists for an apology: it appears only as this text, on a row of any status.
    Phrase("Ban hành văn bản xin lỗi", Meaning.APOLOGY, frozenset(), _SEEN),
    # Rows the sender adds itself; they are what their status says (kept here so they are recognised).
    Phrase("Tiếp nhận hồ sơ", Meaning.SYNTHETIC_RECEIPT, frozenset({"2"}), _SEEN),
    Phrase("Kết thúc xử lý hồ sơ", Meaning.SYNTHETIC_END, frozenset({"9"}), _SEEN),
)

#: Meanings that change what a row maps to (the others only label it).
REWRITES: frozenset[Meaning] = frozenset(
    {
        Meaning.SUPPLEMENT_REQUEST,
        Meaning.FINANCIAL_OBLIGATION,
        Meaning.NO_APPOINTMENT_DATE,
        Meaning.WITHDRAWAL,
    }
)

_PUNCTUATION = re.compile(r"[\W_]+")


#: The format characters that separate words (zero-width space and non-joiner): a space when folded. The
#: others (a soft hyphen, a word joiner, a zero-width joiner, a byte order mark, direction marks) sit inside
#: a word or mark nothing: dropped. Dropping every one glued "Bà\u200bNguyễn" into one word, and the
#: applicant's name escaped the scrubber into ``actor`` (review of this change).
_SEPARATORS = frozenset("\u200b\u200c")


def fold(text: str, *, joined: bool = False) -> str:
    """``text`` normalised for matching: NFC, case-folded, without accents (đ as d), punctuation as spaces,
    single spaces, stripped; format characters a space between words (:data:`_SEPARATORS`) or, unseen inside
    one, dropped ("xin l\u00adỗi" was no apology: review of real exports); with ``joined``, every one
    dropped (a zero-width space typed inside a word)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    kept: list[str] = []
    for c in decomposed:
        if unicodedata.combining(c):
            continue
        if unicodedata.category(c) == "Cf":
            if c in _SEPARATORS and not joined:
                kept.append(" ")
            continue
        kept.append(c)
    bare = "".join(kept).replace("đ", "d")
    return " ".join(_PUNCTUATION.sub(" ", bare).split())


@lru_cache(maxsize=1)
def _folded() -> tuple[tuple[str, Phrase], ...]:
    return tuple((fold(p.text), p) for p in PHRASES)


@lru_cache(maxsize=4096)
def meaning_of(text: str, status: str) -> Meaning | None:
    """What a row's text says the row is, for a row of ``status``; ``None`` for an ordinary text.

    An apology phrase wins over the others (a row "Ban hành văn bản xin lỗi" is an apology whatever else
    it says); otherwise the first phrase of :data:`PHRASES` found in the text that applies to ``status``.
    Cached: officials' texts repeat ("Chuyển xử lý", ...) and folding is the costly part.
    """
    if not text:
        return None
    folded = fold(text)
    if not folded:
        return None
    joined = fold(text, joined=True)  # the same but for a separator typed inside a word
    found: Meaning | None = None
    for phrase_text, phrase in _folded():
        if (phrase_text in folded or phrase_text in joined) and (
            not phrase.statuses or status in phrase.statuses
        ):
            if phrase.meaning is Meaning.APOLOGY:
                return Meaning.APOLOGY
            if found is None:
                found = phrase.meaning
    return found
