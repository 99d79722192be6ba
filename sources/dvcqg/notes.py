"""The free texts of DVCQG records that become a ``reason`` (a history row's ``NoiDungXuLy``, a dossier's
``GhiChu``, a supplement's ``NoiDungBoSung``), and those of rejected records: an official's note may name
the applicant, or someone else, or hold a number or an address that reaches them. Such a text keeps only
the phrase the vocabulary recognises in it, the rest withheld as "[…]" (:func:`passed_on`).

"May name" is read from the text alone, so that a row's reason is the same whatever else an import holds:
two capitalised words in a row ("Nguyễn Văn An", "ông NGUYỄN VĂN AN"), a common Vietnamese surname that is
no everyday word followed by another word in any case ("của nguyễn thị bích ngọc", "Nguyen thi"), eight
digits or more (an identity number, a phone), an e-mail address; a surname that is also an everyday word
("phạm", "lý", "đoàn") before a middle name and a given name ("của phạm thị lan"); words joined by hyphens
count as words ("Trần-Văn-Bình"). Pseudonyms the scrubbing has put in place
of the record's own applicant values are no name (their hex may hold digits). Review of 2026-12-04: an
e-mail address, a name in lower case and a name without its accents were passed on in clear.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Any

from schemas.pseudonym import without_pseudonyms
from sources.dvcqg.vocabulary import PHRASES, STATUS_NAMES, fold

__all__ = [
    "MAX_TEXT_CHARS",
    "WITHHELD",
    "end_data",
    "ended_with",
    "may_name",
    "may_reach",
    "passed_on",
    "unreaching",
    "withheld",
]

#: What stands for the part of a text that is not passed on (:func:`withheld`).
WITHHELD = "[…]"

#: Eight digits or more with at most two spaces, dots, hyphens or brackets between them, nine or more with
#: three (an identity number, a phone: "(090) 320-5456", "97531  206  86" and "0911 - 222 - 333" were passed
#: on: reviews; a date "14 - 11 - 2025" has eight), or a passport number (a letter and seven digits,
#: "C7531208"). Not slashes: "12/03/2025 10:30" is a date.
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-()]{0,2}\d){7,}|\d(?:[\s.\-()]{0,3}\d){8,}|\b[A-Za-z]\d{7}\b")
#: Surnames that start a name even in lower case: the most common ones that are no word of an official's
#: note ("phạm" is in "vi phạm", "lý" in "lý do", "đoàn" an inspection team, "dương" the solar calendar,
#: "đinh"/"dinh" in "quy định" written without accents, "dang" is "đang"), with and without accents.
_SURNAMES = frozenset({
    "nguyễn", "trần", "lê", "hoàng", "huỳnh", "vũ", "võ", "đặng", "bùi", "đỗ", "ngô", "trương", "trịnh",
    "nguyen", "tran", "hoang", "huynh", "bui",
})  # fmt: skip


#: Surnames that are also words of a note ("vi phạm", "lý do", "đoàn kiểm tra", "quy định"), which start a
#: name in lower case only before a middle name (``_MIDDLE``): "của phạm thị lan", "ông phan văn hải".
_AMBIGUOUS_SURNAMES = frozenset({
    "phạm", "phan", "hồ", "đào", "đinh", "dương", "lý", "đoàn", "lâm", "mai", "cao", "hà", "lương", "tô",
    "pham", "ho", "dao", "dinh", "duong", "ly", "doan", "lam", "ha", "luong", "to", "le", "vo", "do", "dang",
    "ngo", "vu", "truong", "trinh",
})  # fmt: skip
#: The middle names that follow a surname, each with the words that follow it in a note, not in a name
#: ("vi phạm văn bản", "hồ thị trấn"); a name without accents is kept to ("van hoa" may be Văn Hoa).
_MIDDLE = {
    "văn": frozenset({"bản", "phòng", "hóa", "hoá", "kiện", "thư"}),
    "van": frozenset({"ban", "phong", "kien", "thu"}),
    "thị": frozenset({"trấn", "xã", "trường"}),
    "thi": frozenset({"tran", "xa", "truong"}),
}


#: Words that say a person is named next ("ông", "bà", "anh", "chị"), and the surnames that, after one of
#: them and before another word, start a name whatever the case: the common ones with their accents, and
#: rarer ones that are no word of a note ("tạ": "yêu cầu ông tạ quang huy bổ sung" was passed on in clear:
#: review of 2026-12-06). A surname that is also a word ("lý", "hồ", "từ", "đồng", "lưu", "lại", "phí")
#: starts a name there only before a middle name (``_middle_then_name``: "cho ông lại văn sâm"), or "cho ông
#: lý do", "trả lại cho bà hồ sơ", "ông từ chối" were withheld (diff review). Accented only: "ong", "ba",
#: "chi" are words, and "ông ta" (he), "anh đang" (you are) are no names.
_HONORIFICS = frozenset({"ông", "bà", "anh", "chị"})
_SURNAMES_AFTER_HONORIFIC = frozenset(
    {name for name in _SURNAMES if not name.isascii()}
    | {"tạ", "đàm", "khổng", "quách", "triệu", "phùng", "kiều", "hứa", "bạch", "diệp", "doãn", "khúc",
       "nghiêm", "mạc", "lã", "thạch", "thiều", "giáp", "vương", "trương", "trịnh"}
)  # fmt: skip
#: Surnames that are words of a note too: after an honorific, a name only before a middle name.
_WORD_SURNAMES_AFTER_HONORIFIC = frozenset(
    {name for name in _AMBIGUOUS_SURNAMES if not name.isascii()}
    | {"lại", "châu", "lục", "thái", "tăng", "từ", "âu", "đồng", "hàn", "lạc", "lưu", "mẫn", "nông", "tiêu",
       "viên", "thân", "chúc", "cù", "hầu", "lò", "lộc", "mạch", "phí", "quản", "ưng", "kim", "chu", "giang",
       "ninh", "la", "kha", "tôn"}
)  # fmt: skip


def may_name(text: str) -> bool:
    """Whether a text may name someone or reach them (module docstring). Words joined by hyphens are words
    ("Trần-Văn-Bình" is a name: review)."""
    text = without_pseudonyms(unicodedata.normalize("NFC", text))
    return may_reach(text) or _names(text)


def names_someone(text: str) -> bool:
    """Whether a text may name someone (:func:`may_name` without the numbers and addresses that reach
    them): what a rejection's reason may not quote (``fields``, ``times``), where a number is
    :func:`unreaching`'s to judge (a bad time's digits are shown, an identity number's are not)."""
    return _names(without_pseudonyms(unicodedata.normalize("NFC", text)))


def _names(text: str) -> bool:
    words = ["".join(c for c in word if c.isalpha()) for chunk in text.split() for word in _words(chunk)]
    previous_capital = previous_surname = previous_honorific = False
    for n, letters in enumerate(words):
        if not letters:
            previous_capital = previous_surname = previous_honorific = False
            continue
        capital = letters[0].isupper()
        if (capital and previous_capital) or previous_surname:
            return True
        folded = letters.casefold()
        if folded in _AMBIGUOUS_SURNAMES and _middle_then_name(words[n + 1 : n + 3]):
            return True
        if previous_honorific and (
            (folded in _SURNAMES_AFTER_HONORIFIC and n + 1 < len(words) and words[n + 1])
            or (folded in _WORD_SURNAMES_AFTER_HONORIFIC and _middle_then_name(words[n + 1 : n + 3]))
        ):
            return True
        previous_capital, previous_surname = capital, folded in _SURNAMES
        previous_honorific = folded in _HONORIFICS
    return False


def may_reach(text: str) -> bool:
    """Whether a text holds what reaches someone: a phone or identity number, or an e-mail address."""
    return _LONG_NUMBER.search(text) is not None or _has_email(text)


def unreaching(text: str) -> str:
    """``text`` (a rejection's message, which quotes the value it refuses) with what may reach someone
    written :data:`WITHHELD`: each number :func:`may_reach` reads (8 digits or more, with separators, "+84
    903 123 456" too) that does not follow a letter (a code's: "H99-251103-0001") nor start as a date or
    time of 1900-2099 does ("20251399000000" refused as a time is shown), a passport number among them; each
    word holding an e-mail address. An applicant's identity number sent as a row's ``ThoiDiemXuLy`` was quoted
    in clear in its rejection, whole or inside a text (review and diff review of 2026-12-06)."""
    text = _LONG_NUMBER.sub(lambda m: _unreaching_number(text, m), text)
    if "@" not in text:
        return text
    return " ".join(WITHHELD if _has_email(word) else word for word in text.split(" "))


def _unreaching_number(text: str, match: re.Match[str]) -> str:
    before = text[match.start() - 1] if match.start() else ""
    digits = re.sub(r"\D", "", match[0])
    if before.isalpha() or _DATE_START.match(digits):
        return match[0]
    return WITHHELD


#: How the digits of a date or time of 1900-2099 start, a bad month too ("2025-13-01"): a year and a 0 or 1
#: (an identity number starts with its province's code, 001-096; a phone with 0).
_DATE_START = re.compile(r"(?:19|20)\d\d[01]")


def _has_email(text: str) -> bool:
    """Whether ``text`` holds an e-mail address: in a run of text without spaces, something, "@", then a
    domain with a dot inside. Word by word, in linear time: the regular expression it replaces took time
    in the square of a run's length, so that one 40 KB note (a base64 attachment) took seconds, a 30 MB
    one hours, deaf to SIGTERM (review)."""
    if "@" not in text:
        return False
    for word in text.split():
        parts = word.split("@")
        for local, domain in itertools.pairwise(parts):
            if local and "." in domain[1:-1]:
                return True
    return False


def _words(chunk: str) -> list[str]:
    """A chunk of text between spaces as words: hyphens join the words of a name ("Trần-Văn-Bình"), not
    those of a code in capitals ("GT-CHO-O.pdf", "TB-DXL"), which stays one word."""
    parts = chunk.split("-")
    if len(parts) > 1 and all((p[:1].isupper() and p[1:].islower()) or p.islower() for p in parts):
        return parts
    return [chunk]


def _middle_then_name(following: list[str]) -> bool:
    """Whether the two words after an ambiguous surname are a middle name and a given name ("thị lan")."""
    if len(following) < 2 or not following[1]:
        return False
    words = _MIDDLE.get(following[0].casefold())
    return words is not None and following[1].casefold() not in words


def withheld(text: str) -> str:
    """A text that may name someone: the text itself if it is no more than a status name or a phrase of the
    vocabulary, else the first recognised phrase in it followed by :data:`WITHHELD`, else :data:`WITHHELD`
    alone (never empty when the text was not: a reason was given)."""
    folded = fold(text)
    if not folded or folded in _STANDARD_TEXTS:
        return text
    for phrase in PHRASES:
        if phrase.folded in folded:
            return f"{phrase.text} {WITHHELD}"
    return WITHHELD


#: The most characters of a free text that go on, the rest cut and written :data:`WITHHELD`: an event
#: line is at most 128 KB (``schemas.limits``), and a 300 KB ``GhiChu`` made the record's end a rejected
#: line while its receipt went on, the dossier open and late (review of 2026-12-06). An official's note is
#: a few lines; 8,000 characters are at most 48 KB of JSON, whatever they are.
MAX_TEXT_CHARS = 8_000


def passed_on(text: str) -> str:
    """What of a free text goes on: :func:`withheld` when it :func:`may_name` someone, else the text; its
    first :data:`MAX_TEXT_CHARS` characters and :data:`WITHHELD` when it is longer."""
    shown = withheld(text) if may_name(text) else text
    if len(shown) > MAX_TEXT_CHARS:
        return f"{shown[:MAX_TEXT_CHARS].rstrip()} {WITHHELD}"
    return shown


#: The texts that name nobody: the status names and the vocabulary's phrases, folded.
_STANDARD_TEXTS = frozenset(fold(t) for t in (*STATUS_NAMES.values(), *(p.text for p in PHRASES)))


def ended_with(reason: str, unknown: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """A refusal's or suspension's ``reason`` and its ``source.unknown``: a text with nothing in it is no
    reason the source gives (the format holds the refusal notice neither, only a free text that may be
    empty), so it is null and listed unknown, and the rule that reads it is not evaluated (EVENTS.md,
    ``source.unknown``): given as "", every such refusal was a "refusal without reason" of high severity,
    which the unit could not answer (review of the audited unit)."""
    if reason.strip():
        return reason, unknown
    return None, (*unknown, "reason")


def end_data(kind: str, reason: str, stage: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The ``data`` of a refusal (at ``stage``), suspension or withdrawal a record states, and its unknown
    members (:func:`ended_with`)."""
    if kind == "refused":
        stated, unknown = ended_with(reason, ("notice_id",))
        return {"stage": stage, "notice_id": None, "reason": stated}, unknown
    if kind == "suspended":
        stated, unknown = ended_with(reason, ("notice_id",))
        return {"notice_id": None, "reason": stated}, unknown
    return {"reason": reason}, ()
