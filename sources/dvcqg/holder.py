"""Knowing a dossier's applicant again in a history row, from prints of her record's values.

An import keeps, per dossier, prints of the applicant values its record gives (:func:`holder_prints`:
64-bit hashes of the folded values, in memory only, never the values themselves), so that a
row read later can be compared with them (``privacy``'s module docstring says where):

- ``NguoiXuLy`` that is one of them is the citizen, no ``actor`` (:func:`official_prints`);
- ``PhongBanXuLy`` that holds one is no ``step`` (``history``);
- a note that holds one, or a run of three words or more of her name ("thị bích ngọc" of "Tôn Nữ Thị
  Bích Ngọc"), is withheld as a note that may name someone is (:func:`passed_on_unnamed`,
  ``notes.withheld``): the text alone is read only for common surnames, and "hồ sơ của lò văn páo thiếu
  giấy tờ" went on in clear as a refusal's reason (review of 2026-12-07).

Compared case-insensitively, with or without accents, in NFC or NFD, with any spacing or punctuation
between the words (``vocabulary.fold``). A false match withholds an official's note or name (never the
other way): the parts are looked for only in a person's name of four to six words (:func:`_name_parts`).
"""

from __future__ import annotations

from hashlib import blake2b
from typing import Any

from sources.dvcqg.fields import Fields
from sources.dvcqg.notes import MAX_TEXT_CHARS, passed_on, withheld
from sources.dvcqg.vocabulary import fold

__all__ = [
    "APPLICANT_FIELDS",
    "MIN_SCRUBBED",
    "holder_prints",
    "name_print",
    "names_holder",
    "official_prints",
    "passed_on_unnamed",
]

#: The documented applicant identity fields.
APPLICANT_FIELDS = ("ChuHoSo", "SoGiayToChuHoSo", "DinhDanhCHS", "SoDienThoai", "Email")
#: Values shorter than this are not searched for in texts (a 1-character "name" would hit everywhere).
MIN_SCRUBBED = 4


def name_print(value: str) -> int:
    """A print of an applicant value (0 for none) equal for its spellings in any case, accents, spacing or
    separators (``fold``, spaces dropped: "0799 5555 5555" is "079955555555"): what an import remembers of a
    record's applicant to know her as a row's official, without keeping the value."""
    return _print(fold(value).replace(" ", ""))


def _print(folded: str) -> int:
    return int.from_bytes(blake2b(folded.encode(), digest_size=8).digest(), "big") | 1 if folded else 0


def holder_prints(fields: Fields) -> tuple[int, ...]:
    """The prints of every applicant value a record gives (:data:`APPLICANT_FIELDS`: her name, identity
    number, phone, e-mail): a row's official that is any of them is the citizen, not an official (an id or
    an e-mail as ``NguoiXuLy`` became the ``actor`` in clear: review)."""
    values: list[Any] = []
    for name in APPLICANT_FIELDS:
        value = fields.raw(name)
        # DinhDanhCHS lists the identity documents ({"LoaiDinhDanh": "CCCD", "SoDinhDanh": "…"}): their
        # numbers, not the kinds (review).
        items = value if isinstance(value, list) else [value]
        values += [Fields(i).raw("SoDinhDanh") if isinstance(i, dict) else i for i in items]
    prints = []
    for value in values:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(text, str) and (found := name_print(text)):
            prints.append(found)
    name = fields.raw("ChuHoSo")
    if isinstance(name, str) and str(fields.raw("LoaiDoiTuong")).strip().lstrip("0") not in _ORGANISATIONS:
        prints += map(_print, _name_parts(name))
    return tuple(dict.fromkeys(prints))


#: ``LoaiDoiTuong`` of an applicant that is no person (DOMAIN §9: 2 a business, 3 a state agency): its name
#: has no parts a note names it by ("Công ty TNHH An Phát": "công ty" would withhold every note).
_ORGANISATIONS = frozenset({"2", "3"})
#: The most words of a person's name whose runs are looked for (a name with a double given name: "Tôn Nữ
#: Thị Bích Ngọc" has five); a longer one is an organisation's, or no name.
_MOST_NAME_WORDS = 6


def _name_parts(name: str) -> list[str]:
    """The runs of three words or more of a person's name of four words or more, less the whole name
    (folded, without spaces, as :func:`name_print` folds a value): "thị bích ngọc" of "Tôn Nữ Thị Bích Ngọc".
    A run of two words is no part: "Đỗ Thị Hà" made "đô thị", "Nguyễn Thành Công" "thành công", "Trần Văn
    Hóa" "văn hóa", and notes and departments of every dossier of theirs were withheld (last read of
    2026-12-07); nor one word ("Lan", "An"). A note that names her by two words of a three-word name goes on:
    the whole name, and any longer run, is looked for."""
    words = fold(name).split()
    if not 3 <= len(words) <= _MOST_NAME_WORDS or not all(w.isalpha() for w in words):
        return []
    runs = ("".join(words[i:j]) for i in range(len(words)) for j in range(i + 3, len(words) + 1))
    return [run for run in runs if len(run) < len("".join(words))]


#: Forms of address an official's field may put before the citizen's name ("Bà Nguyễn Thị …"), folded.
_ADDRESS = ("congdan", "ong", "ba", "anh", "chi", "co", "chu", "em")  # without spaces, as compared


def official_prints(official: str) -> tuple[int, ...]:
    """The prints a row's official is compared with :func:`holder_prints` by: as written, and without a form
    of address in front ("Bà Nguyễn Thị Lan" is the applicant "Nguyễn Thị Lan": review). Compared without
    spaces, as the prints are: a zero-width space inside "B\u200bà" or a word joiner after it, with no
    space, hid the form of address, and the applicant's name was stored in clear as the actor (review of
    2026-12-07). A false match only loses an official's name (never the other way)."""
    compact = fold(official).replace(" ", "")
    bare = (compact.removeprefix(word) for word in _ADDRESS if compact.startswith(word))
    return tuple(p for p in map(_print, (compact, *bare)) if p)


#: The most words of a text :func:`names_holder` compares at once (a name with a form of address: "Công dân
#: Tôn Nữ Thị Bích Ngọc").
_MOST_WORDS = 7


def names_holder(text: str, holder: tuple[int, ...]) -> bool:
    """Whether ``text``, or a run of its words, is one of the applicant values ``holder`` has the prints of
    (:func:`holder_prints`): "Phòng Tư pháp - Nguyễn Thị Bích Ngọc", "0903 123 456". An import keeps
    prints, never the values, so the runs are compared, not searched for."""
    if not holder:
        return False
    words = fold(text).split()
    for start in range(len(words)):
        run = ""
        for word in words[start : start + _MOST_WORDS]:
            run += word  # as name_print folds a value: without its spaces
            # As short as the scrubber's values at least: an applicant "Hà" or "An" took every department
            # with "Hạ tầng" or "Công an" in it for her (review of the diff).
            if len(run) >= MIN_SCRUBBED and _print(run) in holder:
                return True
    return False


def passed_on_unnamed(text: str, holder: tuple[int, ...]) -> str:
    """What of a free text goes on as a ``reason`` (:func:`notes.passed_on`), withheld too when it names the
    applicant ``holder`` has the prints of (:func:`names_holder`): "hồ sơ của lò văn páo thiếu giấy tờ", which
    the text alone does not tell from a note (module docstring)."""
    return withheld(text) if _names_applicant(text, holder) else passed_on(text)


def _names_applicant(text: str, holder: tuple[int, ...]) -> bool:
    return names_holder(text[: MAX_TEXT_CHARS + 200], holder)
