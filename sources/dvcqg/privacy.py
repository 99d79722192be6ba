"""Applicants in DVCQG records: one keyed pseudonym out, nothing in clear.

A dossier record names its applicant in ``ChuHoSo`` (name), ``SoGiayToChuHoSo`` (id number),
``DinhDanhCHS`` ([{``LoaiDinhDanh``, ``SoDinhDanh``}]), ``SoDienThoai`` and ``Email`` (DOMAIN.md §9). The
contract has one place for an applicant, ``data.applicant``; it gets the pseudonym
(:class:`schemas.pseudonym.Pseudonymiser`, the platform's HMAC under the settings' key, so ``ingest`` and
the warehouse see the very pseudonym they would have made) of the strongest identifier present: the id
number, else the first ``SoDinhDanh``, else the name. The other fields are not carried at all (the audit
needs to link dossiers of one applicant, not to reach them).

Applicant data also leaks into other places, which :class:`ApplicantScrubber` covers:

- free texts of the same record (``GhiChu`` → a refusal's ``reason``): every occurrence of one of the
  record's applicant values is replaced by its pseudonym, found in any case, composed or decomposed
  accents, any run of spaces between the words of a name, and a space, dot or hyphen between the digits
  of a number (a phone "0912 345 678" written "0912345678");
- a history row's texts (an official's note naming the applicant): on a row whose text says the citizen
  acted ("Công dân …"), ``NguoiXuLy`` is the applicant's name (``holder_keys``) and is scrubbed as above;
  a text that may still name someone keeps only its recognised phrase (``history.withheld``). The row has
  no applicant values of its own, and an import keeps only prints of its record's (``holder.holder_prints``,
  the record read before): ``NguoiXuLy`` is no ``actor`` when it is one of them, her name (after a form of
  address too), identity number, phone or e-mail (an online supplement "Nộp bổ sung hồ sơ trực tuyến"
  logged under the citizen's account named her in clear: reviews), and a note or department holding one,
  or three words or more of her name in a row, is withheld as a note that may name someone is
  (``holder.passed_on_unnamed``): "hồ sơ của lò văn páo thiếu giấy tờ" went on in clear, "lò" being no surname
  the text alone is read for (review of 2026-12-07). The same in the record's own texts (not its codes), after
  its values are replaced. A row imported without its record cannot be known so (the same row imported
  with it is then another content: a conflict); the import takes the records of a dossier with its rows
  (docs/dvcqg-import.md);
- rejected records, which are written out for people to fix: applicant members (at any depth, any key
  spelling: every key naming the dossier's holder, ``…ChuHoSo``/``…CHS``, phone or e-mail) are replaced by
  pseudonyms and the other strings are scrubbed as texts are; then, written out, masked whole but for the
  format's member names (:func:`raw_scrubber`); a record that is not an object cannot say
  where its applicant is and is masked whole (:meth:`schemas.pseudonym.Pseudonymiser.mask`).

"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Any

import orjson

from schemas.pseudonym import VOCABULARY, Pseudonymiser
from sources.dvcqg.fields import DOCUMENTED_NAMES, Fields
from sources.dvcqg.holder import APPLICANT_FIELDS, MIN_SCRUBBED
from sources.dvcqg.notes import passed_on
from sources.dvcqg.vocabulary import DOSSIER_SERVICE, PROGRESS_SERVICE, fold

__all__ = [
    "APPLICANT_FIELDS",
    "RAW_WORDS",
    "ApplicantScrubber",
    "is_applicant_field",
    "raw_scrubber",
]

_EXACT = frozenset(fold(name).replace(" ", "") for name in APPLICANT_FIELDS) | {"dienthoai", "sodinhdanh"}
#: The members of a record that are a free text (folded): an official's note, the dossier's summary
#: (``TrichYeuHoSo``: "Đăng ký thường trú cho ông …"), an attachment's file name ("CCCD_Le_Van_Tam.pdf").
#: In a rejected record, what of them may name someone is withheld as the accepted events' reasons are
#: (``notes.passed_on``); so is it of a member the format does not document (an address, a vendor's note).
#: The documented codes, dates and statuses stay as sent, for people to find and fix the record: they
#: hold no name, and an id or a date would look like a long number (review: the summary and file names
#: named other people in clear, next to a note whose same name was withheld).
_FREE_TEXTS = frozenset({"noidungxuly", "ghichu", "noidungbosung", "trichyeuhoso", "tentepdinhkem"})
_STRUCTURED = frozenset(fold(name).replace(" ", "") for name in DOCUMENTED_NAMES) - _FREE_TEXTS
_MIN_SCRUBBED = MIN_SCRUBBED


def is_applicant_field(key: str) -> bool:
    """Whether a member name holds applicant identity: a documented field, or any name about the dossier's
    holder (``…ChuHoSo``, ``…CHS``), a phone or an e-mail, in any case or accent."""
    name = fold(key).replace(" ", "")
    return (
        name in _EXACT or "chuhoso" in name or name.endswith("chs") or "dienthoai" in name or "email" in name
    )


#: Words a rejected record's masked raw keeps (``Pseudonymiser.scrub_raw``): the contract's, the format's
#: documented member names and its services, none of them personal data, so that the record keeps its
#: shape ("KenhThucHien": "*") where every key was a "*" (review).
RAW_WORDS: frozenset[str] = (
    VOCABULARY | DOCUMENTED_NAMES | {"service", "data", DOSSIER_SERVICE, PROGRESS_SERVICE}
)


def raw_scrubber(pseudonymiser: Pseudonymiser) -> Callable[[bytes], bytes]:
    """How an import makes a rejected record's raw safe to keep: masked whole but for :data:`RAW_WORDS`.
    Never ``scrub_raw``'s event-shaped path, which keeps a line holding no clear *contract* applicant byte
    for byte: a record with an ``event_id`` member took it, and kept its citizen's name in clear (review)."""
    return partial(pseudonymiser.mask, words=RAW_WORDS)


class ApplicantScrubber:
    """The applicant of one record: its pseudonym for ``data.applicant`` and the scrubbing of texts.
    ``holder_keys``: members of this record that hold an applicant value too (module docstring)."""

    __slots__ = ("_fields", "_holder_keys", "_pattern", "_pseudonymiser", "_ready", "_replacement")

    def __init__(
        self,
        pseudonymiser: Pseudonymiser,
        fields: Fields | None,
        *,
        holder_keys: frozenset[str] = frozenset(),
    ) -> None:
        self._pseudonymiser = pseudonymiser
        self._fields = fields
        self._holder_keys = holder_keys
        # Built when first needed (most records have no text to scrub and are not rejected).
        self._ready = False
        self._pattern: re.Pattern[str] | None = None
        self._replacement: dict[str, str] = {}

    @property
    def applicant(self) -> str | None:
        """The pseudonym for ``data.applicant`` (module docstring), or ``None`` when the record names none."""
        return None if self._fields is None else _identity(self._fields, self._pseudonymiser)

    def _prepare(self) -> None:
        self._ready = True
        if self._fields is None:
            return
        values: list[str] = []
        for name in (*APPLICANT_FIELDS, *sorted(self._holder_keys)):
            value = self._fields.raw(name)
            _strings(_without_kinds(value) if name == "DinhDanhCHS" else value, values)
        clear = sorted({_nfc(v) for v in values if len(v) >= _MIN_SCRUBBED}, key=lambda v: (-len(v), v))
        if clear:
            # Matched on the texts' shadows, without accents: "Nguyen Thi Bich Ngoc" is the applicant
            # "Nguyễn Thị Bích Ngọc" too (review of 2026-12-04); the pseudonym is the value's.
            self._replacement = {_key(_shadow(v)): self._pseudonymiser.pseudonymise(v) for v in clear}
            bare = sorted({_shadow(v) for v in clear}, key=lambda v: (-len(v), v))
            self._pattern = re.compile("|".join(map(_value_pattern, bare)), re.IGNORECASE)

    def text(self, text: str) -> str:
        """``text`` with every applicant value of the record replaced by its pseudonym."""
        if not text:
            return text
        if not self._ready:
            self._prepare()
        if self._pattern is None:
            return text
        written = _nfc(text)
        shadow, parts, done = _shadow(written), [], 0
        for match in self._pattern.finditer(shadow):
            found = match.group(0)
            pseudonym = self._replacement.get(_key(found)) or self._pseudonymiser.pseudonymise(found)
            parts += [written[done : match.start()], pseudonym]
            done = match.end()
        return "".join(parts) + written[done:] if parts else written

    def raw(self, record: Any) -> bytes:
        """A rejected record made safe to write out (module docstring), as compact JSON."""
        if not isinstance(record, dict):
            return self._pseudonymiser.mask(_dumps(record))
        if not self._ready:
            self._prepare()
        return _dumps(self._scrub(record))

    def _scrub(self, value: Any, free: bool = False) -> Any:
        """``value`` with the record's applicant values replaced; ``free``: its strings are free texts (a
        list's items are its member's), of which only what names nobody goes on (``notes``)."""
        if isinstance(value, dict):
            return {key: self._member(str(key), item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._scrub(item, free) for item in value]
        if isinstance(value, str):
            return passed_on(self.text(value)) if free else self.text(value)
        return value

    def _member(self, key: str, item: Any) -> Any:
        if is_applicant_field(key) or key in self._holder_keys:
            return self._applicant(item)
        return self._scrub(item, fold(key).replace(" ", "") not in _STRUCTURED)

    def _applicant(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return self._pseudonymiser.pseudonymise(value.strip()) if value.strip() else value
        return self._pseudonymiser.pseudonymise(_dumps(value).decode("utf-8", "replace"))


def _identity(fields: Fields, pseudonymiser: Pseudonymiser) -> str | None:
    """The pseudonym of the strongest identifier of the record's applicant, or ``None`` if it names none."""
    number = fields.raw("SoGiayToChuHoSo")
    candidates: list[Any] = [number]
    for item in _as_list(fields.raw("DinhDanhCHS")):
        if isinstance(item, dict):
            candidates.append(Fields(item).raw("SoDinhDanh"))
        else:
            candidates.append(item)
    candidates.append(fields.raw("ChuHoSo"))
    for candidate in candidates:
        text = str(candidate) if isinstance(candidate, int) and not isinstance(candidate, bool) else candidate
        if isinstance(text, str) and text.strip():
            return pseudonymiser.pseudonymise(text.strip())
    return None


#: Between the digits of a number written in a text: nothing, or up to three spaces, dots, hyphens, slashes
#: or brackets ("(090) 320-5456", "97531  206  86", "0911 - 222 - 333", "0799/5555/5555" were passed on:
#: reviews). Only the record's own values are looked for so: a date is no match.
_DIGIT_GAP = r"[\s./\-()]{0,3}"
_SEPARATORS = re.compile(r"[\s./\-()]+")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _shadow(text: str) -> str:
    """``text`` (NFC) without its accents, character for character (đ as d): its matches' spans are the
    text's own."""
    return "".join(_bare(c) for c in text)


def _bare(c: str) -> str:
    if c.isascii():
        return c
    if c in "đĐ":
        return "d" if c == "đ" else "D"
    base = unicodedata.normalize("NFD", c)[0]
    return base if len(base) == 1 and not unicodedata.combining(base) else c


def _value_pattern(value: str) -> str:
    """A value as found in a text (module docstring): a number with or without separators between its
    digits, a name with any run of spaces between its words (case is the pattern's flag, accents NFC)."""
    bare = _SEPARATORS.sub("", value)
    if bare.isdigit():
        return _DIGIT_GAP.join(bare)
    return r"\s+".join(re.escape(word) for word in value.split())


def _key(value: str) -> str:
    """What a value and its occurrences in texts have in common: NFC, case-folded, without separators."""
    return _SEPARATORS.sub("", _nfc(value).casefold())


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


#: The member of an identity document (``DinhDanhCHS``) that says its kind ("CCCD", "HOCHIEU"), folded.
_KIND = fold("LoaiDinhDanh").replace(" ", "")
#: The kinds of identity document a sender names (folded, without spaces or separators): the codes and their
#: words. A closed list: anything else there (a name or a number a sender put in the wrong member, "Ngoc") is
#: scrubbed as the applicant's (review of the diff: a pattern of letters let an unaccented name through).
_KINDS = frozenset({
    "cccd", "cmnd", "cmtnd", "cmt", "cmndcu", "cc", "cmqd", "hochieu", "passport", "ddcn", "sddcn", "mst",
    "msdn", "gpkd", "gks", "cancuoc", "thecancuoc", "cancuoccongdan", "chungminhnhandan", "chungminhthu",
    "dinhdanhcanhan", "sodinhdanhcanhan", "masothue", "masodoanhnghiep", "giayphepkinhdoanh", "giaykhaisinh",
})  # fmt: skip
_SEPARATORS_IN_KIND = re.compile(r"[\s\-_./]+")


def _without_kinds(documents: Any) -> Any:
    """``DinhDanhCHS`` less each document's kind: a vocabulary code, no value of the applicant's. Scrubbed as
    one, "CCCD" was replaced in every text of the record, a document code "CCCD-BAN-SAO" too, which then
    matched none of the procedure's components (a false EXCESS_DOCUMENTS) and a refusal's reason read
    "Bản sao hmac-sha256:… không hợp lệ" (DVCQG review of 2026-12-07). Every other member is kept."""
    items = documents if isinstance(documents, list) else [documents]
    return [_less_kind(item) if isinstance(item, dict) else item for item in items]


def _less_kind(document: dict[Any, Any]) -> dict[Any, Any]:
    """``document`` less its kind when the kind is one of :data:`_KINDS`: anything else there, a number or a
    name a sender put in the wrong member, is scrubbed as the applicant's."""
    return {k: v for k, v in document.items() if not (_is_kind(k) and _reads_as_code(v))}


def _is_kind(member: Any) -> bool:
    return fold(str(member)).replace(" ", "") == _KIND


def _reads_as_code(value: Any) -> bool:
    return isinstance(value, str) and _SEPARATORS_IN_KIND.sub("", fold(value)) in _KINDS


def _strings(value: Any, out: list[str]) -> None:
    """Every string (and number, as text) inside ``value``, stripped."""
    if isinstance(value, str):
        if value.strip():
            out.append(value.strip())
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        out.append(str(value))
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):  # a lone surrogate, nesting beyond orjson's limit
        return json.dumps(value, ensure_ascii=True, default=str).encode()
