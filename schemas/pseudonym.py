"""Keyed pseudonymisation of applicants, and masking of lines that cannot be parsed (see docs/privacy.md).

The contract's ``applicant`` may hold a citizen id number or a name: it must never be stored or published
in clear, wherever a producer put it. Three cases, from the cheapest:

**Valid events** (:meth:`Pseudonymiser.apply`). Every member named ``applicant`` is pseudonymised, at any
depth: the declared ``data.applicant``, an unknown top-level ``applicant``, ``data.Applicant`` or
``source.applicant``, one nested in an unknown field's objects and lists. Names match case-insensitively,
after JSON unescaping (the parser has done it: ``"\\u0061pplicant"`` is ``applicant``) and, for non-ASCII
names, after NFKC (full-width letters). A value that is not a string is replaced by the pseudonym of its
canonical JSON. Most events carry no unknown field and no applicant: they are returned as they are after
four attribute reads, so the valid path stays fast.

**Rejected lines that parse as an event-shaped JSON object** (:meth:`Pseudonymiser.scrub_raw`). They are
kept as received when no member at any depth is an applicant with a clear value, byte for byte, so the
stored line still shows why it was rejected (a duplicate key, a NaN, ...). Otherwise the object is
re-serialised from *all* of its members, duplicates included, with every applicant value pseudonymised:
an earlier duplicate ``applicant`` (or an earlier duplicate parent holding one), which a last-wins parser
would drop but the raw bytes would keep, is pseudonymised too. "Event-shaped" means at least one of the
contract's distinctive envelope names (``schema_version``, ``event_id``, ``dossier_id``, ``occurred_at``,
``unit_code``) at its top level.

**Everything else** (invalid JSON, JSON that is not an object, an object without an envelope name: the
pieces of a record split over physical lines, e.g. pretty-printed, where a name may stand on a line
without any ``applicant`` token) is *masked*: a line we cannot parse cannot tell us where the applicant
is, so nothing in it is trusted. First, ``"applicant": <string or number>`` is pseudonymised textually
(case-insensitively, also when cut off), so a dead letter still links to the applicant; then every run of
text is replaced by ``*`` (a string's whole content by ``"*"``) unless it is

- JSON punctuation or whitespace (the line's shape, which is what explains most parse errors),
- a word of the contract's own vocabulary (field names, event types, enum values, ``true``/``false``/
  ``null``): none of them is personal data, and they show which record and field the line came from,
- a pseudonym, or text with no letter and no digit.

Why not "digit runs, and everything after an ``applicant`` token" (the issue's example)? A split record
defeats it: the line with the name need not contain the token, and names are letters, not digits. Masking
all but a closed vocabulary fails safe for any split, any escaping and any language; what it costs is
the broken line's free text, which an operator can get back from the source system by its file and line.
"""

from __future__ import annotations

import hmac
import json
import re
import typing
import unicodedata
from functools import partial
from hashlib import blake2b, sha256
from typing import Any

import orjson

from schemas.applicant_echoes import Echoes, applicant_values, as_text, documents_without
from schemas.applicant_names import APPLICANT, is_applicant_key
from schemas.copies import copy_with
from schemas.dedup import fingerprint
from schemas.events import DATA_MODELS, AnyEvent, EventType, Source, _Envelope, has_unknown_members
from schemas.pseudonym_form import PREFIX
from schemas.pseudonym_form import PSEUDONYM as _PSEUDONYM
from schemas.raw_records import Members, dump, parse_record, plain
from schemas.validation import Rejection, parse_event

__all__ = [
    "MIN_KEY_BYTES",
    "PREFIX",
    "VOCABULARY",
    "Pseudonymiser",
    "may_carry_applicant",
    "same_but_pseudonyms",
    "without_pseudonyms",
]

MIN_KEY_BYTES = 16

#: The canonical text of a value no JSON encoder can render (all such values share one pseudonym).
_UNREPRESENTABLE = "<unrepresentable JSON value>"
#: ``"applicant": <string or number>`` in a line that does not parse, including a string cut off.
_RAW_APPLICANT = re.compile(
    r'("applicant"\s*:\s*)("(?:[^"\\]|\\.)*(?:"|\\?\Z)|-?[0-9][0-9.eE+-]*)', re.DOTALL | re.IGNORECASE
)
#: A masked line's tokens: kept punctuation and whitespace, strings (also cut off), pseudonyms, other runs.
_TOKEN = re.compile(
    r'(?P<punct>[\s{}\[\],:]+)|(?P<string>"(?:[^"\\]|\\.)*(?P<closed>")?)|(?P<pseudonym>'
    + _PSEUDONYM.pattern
    + r')|(?P<word>[^\s{}\[\],:"]+)',
    re.DOTALL,
)


def _literals(annotation: Any) -> set[str]:
    """The string values of the ``Literal`` types inside a field annotation (enum values)."""
    if typing.get_origin(annotation) is typing.Literal:
        return {str(arg) for arg in typing.get_args(annotation)}
    return {value for arg in typing.get_args(annotation) for value in _literals(arg)}


#: Words of the contract that masking keeps: none is personal data. Built from the models (the envelope's,
#: ``source``'s and every type's ``data``), so that a new field or enum value is covered without touching
#: this module.
VOCABULARY: frozenset[str] = frozenset(
    {
        *_Envelope.model_fields,
        "type",
        "data",
        *Source.model_fields,
        *(name for model in DATA_MODELS.values() for name in model.model_fields),
        *(t.value for t in EventType),
        *(
            value
            for model in DATA_MODELS.values()
            for info in model.model_fields.values()
            for value in _literals(info.annotation)
        ),
        "true",
        "false",
        "null",
    }
)


def without_pseudonyms(text: str) -> str:
    """``text`` with every pseudonym made the same (its prefix alone): two pseudonymised versions of one
    event compare equal whatever keys pseudonymised them (:func:`same_but_pseudonyms`)."""
    return _PSEUDONYM.sub(PREFIX, text)


def same_but_pseudonyms(first: str, other: str, *, stable: bool) -> bool:
    """Whether two stored versions of an event (their JSON) are the same event though their fingerprints
    differ: only when pseudonyms are not ``stable`` (no key configured: each process made one up, so one
    applicant has other pseudonyms in each), and then when they differ in their pseudonyms alone. Under a
    configured key another pseudonym is another applicant: other content, a conflict (EVENTS.md), as within
    one file, where the clear values differ (review of 2026-12-04: a second load replaced the applicant).
    Less their pseudonyms, they are compared by content (fingerprint), as the load compares versions: their
    texts were, and a keyless reload with times in another UTC offset was a conflict (review, 2026-12-06)."""
    if stable:
        return False
    masked, other_masked = without_pseudonyms(first), without_pseudonyms(other)
    if masked == other_masked:
        return True
    one, two = parse_event(masked), parse_event(other_masked)
    if isinstance(one, Rejection) or isinstance(two, Rejection):
        return False
    return fingerprint(one) == fingerprint(two)


def may_carry_applicant(event: AnyEvent) -> bool:
    """Whether :meth:`Pseudonymiser.apply` may have anything to do: a declared ``data.applicant`` that is
    set, or any unknown field in the envelope, ``data`` or ``source`` (where an applicant may hide at any
    depth). Reads ``__dict__`` rather than ``getattr``, which is slow for a model without the attribute."""
    return event.data.__dict__.get(APPLICANT) is not None or has_unknown_members(event)


def _canonical(value: Any) -> str:
    """Sorted-key compact JSON of a parsed value: what a non-string applicant's pseudonym is taken of."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):  # an integer beyond 64 bits, nesting beyond orjson's
        pass
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError):
        return _UNREPRESENTABLE


class Pseudonymiser:
    """Replaces applicant values with ``hmac-sha256:<hex>`` under a secret key; masks unparseable lines.

    HMAC-SHA256 keeps pseudonyms stable for one key (the same applicant links across dossiers) while the
    clear value cannot be recovered or brute-forced from a list of citizen ids without the key.
    """

    __slots__ = ("_file_key", "_mac", "fingerprint", "stable")

    def __init__(self, key: bytes, *, stable: bool = True) -> None:
        """``stable``: the key is the deployment's (configured), so one applicant has one pseudonym across
        processes and runs, and two pseudonyms are two applicants; ``False`` for a key made up for one
        process (none configured), whose pseudonyms another process cannot reproduce."""
        if not isinstance(key, bytes | bytearray):
            raise TypeError(f"pseudonymisation key must be bytes, not {type(key).__name__}")
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(
                f"pseudonymisation key is {len(key)} bytes; need at least {MIN_KEY_BYTES} random bytes"
            )
        self._mac = hmac.new(bytes(key), digestmod=sha256)
        # A key of its own for the digests of input files (``file_hasher``), derived from this one.
        self._file_key = hmac.new(bytes(key), b"dossier-audit: input file digest", sha256).digest()
        self.stable = stable
        #: Tells this key from another, nothing of it (``warehouse.pseudonym_keys``); none for a made-up one.
        mark = hmac.new(bytes(key), b"dossier-audit: key fingerprint", sha256)
        self.fingerprint: str | None = mark.hexdigest()[:16] if stable else None

    def file_hasher(self) -> Any:
        """A new keyed BLAKE2b (128 bits) for the digest of an input file a load run records: an unkeyed
        digest of the clear file, with its size, let anyone who reads the load runs find an applicant's id
        in a small file by trying them (a file of one event: 123,458 guesses, 0.2 s; DPO review). Keyed,
        the digest says only whether two files are the same, as it must (``warehouse.load_runs``). ``None``
        for a key made up for this process (``stable`` false: no key configured, which no deployment runs),
        whose digests no other run could match: the load digests its file unkeyed then, as before."""
        if not self.stable:
            return None
        return blake2b(digest_size=16, key=self._file_key)

    def pseudonymise(self, value: str) -> str:
        """The pseudonym of ``value``; a value that already is a pseudonym is returned unchanged."""
        if _PSEUDONYM.fullmatch(value):
            return value
        mac = self._mac.copy()  # cheaper than re-keying for every value
        mac.update(value.encode("utf-8", "surrogatepass"))
        return PREFIX + mac.hexdigest()

    def _any(self, value: Any) -> Any:
        """An applicant value's replacement: ``null`` stays (nothing to hide), a string is pseudonymised,
        anything else is replaced by the pseudonym of its canonical JSON."""
        if value is None:
            return None
        if isinstance(value, str):
            return self.pseudonymise(value)
        return self.pseudonymise(_canonical(value))

    # -- valid events ------------------------------------------------------------------------------------

    def apply(self, event: AnyEvent) -> AnyEvent:
        """``event`` with every applicant (declared, unknown, at any depth, in any case) pseudonymised;
        ``event`` itself when there is nothing to replace. The event is never modified in place.

        An event without unknown members (the common case) can carry only the declared ``data.applicant``:
        it is returned as it is without one, else copied as :meth:`_apply` would (``schemas.copies``)."""
        if has_unknown_members(event):
            return self._apply(event)
        data = event.data
        declared = data.__dict__.get(APPLICANT)
        if declared is None:
            return event
        pseudonym = self._any(declared)
        if pseudonym == declared:
            return event
        copied = copy_with(data, APPLICANT, pseudonym)
        documents = self._documents(data.__dict__, declared)
        if copied is not None and documents is not None:
            copied = copy_with(copied, "documents", documents)
        whole = None if copied is None else copy_with(event, "data", copied)
        return self._apply(event) if whole is None else whole

    def echoes_hidden(self, event: AnyEvent) -> AnyEvent:
        """``event`` with its ``documents`` as :meth:`apply` leaves them, its applicant as it is: for the
        batch audit, which prints violations (their evidence quotes documents) but never the applicant."""
        data = event.data
        declared = data.__dict__.get(APPLICANT)
        documents = self._documents(data.__dict__, declared) if declared is not None else None
        if documents is None:
            return event
        return event.model_copy(update={"data": data.model_copy(update={"documents": documents})})

    def _documents(self, data: dict[str, Any], declared: Any) -> list[Any] | None:
        """The data's ``documents`` without the applicant's value (``schemas.applicant_echoes``), or None."""
        if not isinstance(declared, str):
            return None
        return documents_without(data.get("documents"), declared, self.pseudonymise)

    def _apply(self, event: AnyEvent) -> AnyEvent:
        """:meth:`apply` for any event: through pydantic's ``model_copy``. A string of an unknown member
        that repeats the declared applicant loses the echo as its ``documents`` do (a sender's free-text
        note quoting the applicant's id: review of 2026-12-07)."""
        if not may_carry_applicant(event):
            return event
        data = event.data
        data_update: dict[str, Any] = {}
        declared = data.__dict__.get(APPLICANT)
        if declared is not None:
            pseudonym = self._any(declared)
            if pseudonym != declared:
                data_update[APPLICANT] = pseudonym
            documents = self._documents(data.__dict__, declared)
            if documents is not None:
                data_update["documents"] = documents
        source = event.source
        held = (event.__pydantic_extra__, data.__pydantic_extra__, source and source.__pydantic_extra__)
        extras = [members for members in held if members]
        clear = [text] if (text := as_text(declared)) is not None else []
        for members in extras:
            clear += applicant_values(members)
        echoes = Echoes(clear)
        if data.__pydantic_extra__:
            self._scrub_members(data.__pydantic_extra__, data_update, echoes)
        update: dict[str, Any] = {}
        if event.__pydantic_extra__:
            self._scrub_members(event.__pydantic_extra__, update, echoes)
        if data_update:
            update["data"] = data.model_copy(update=data_update)
        if source is not None and source.__pydantic_extra__:  # ``source``'s own members are no applicant
            source_update: dict[str, Any] = {}
            self._scrub_members(source.__pydantic_extra__, source_update, echoes)
            if source_update:
                update["source"] = source.model_copy(update=source_update)
        return event.model_copy(update=update) if update else event

    def _scrub_members(self, members: dict[str, Any], changed: dict[str, Any], echoes: Echoes) -> None:
        """Put the replaced value of each of ``members`` that changes into ``changed``."""
        for name, value in members.items():
            new = self._any(value) if is_applicant_key(name) else self._scrub(value, echoes)
            if new is not value:  # both return their argument itself when nothing changes
                changed[name] = new

    def _scrub(self, value: Any, echoes: Echoes) -> Any:
        """``value`` with applicants inside it pseudonymised, and the ``echoes`` of the event's applicants in
        its strings and numbers (a number repeating one becomes text: its pseudonym's); ``value`` itself
        (same object) if nothing is."""
        if isinstance(value, dict):
            changed: dict[str, Any] = {}
            self._scrub_members(value, changed, echoes)
            return {**value, **changed} if changed else value
        if isinstance(value, list):
            items = [self._scrub(item, echoes) for item in value]
            return items if any(new is not old for new, old in zip(items, value, strict=True)) else value
        if echoes and (text := as_text(value)) is not None:
            new = echoes.replaced(text, self.pseudonymise)
            return value if new is text else new
        return value

    # -- rejected lines ----------------------------------------------------------------------------------

    def scrub_raw(self, raw: bytes, words: frozenset[str] = VOCABULARY) -> bytes:
        """A rejected line made safe to store and publish: what dead-letter stores keep.

        An event-shaped JSON object comes back byte for byte when it holds no clear applicant, else
        re-serialised with every applicant pseudonymised; any other line is masked (module docstring),
        but for ``words`` (the contract's vocabulary; a source's importer adds its format's member names).
        """
        members = parse_record(raw)
        if members is not None:
            try:
                echoes = Echoes(applicant_values(members))
                if not echoes.overflow:  # else a hostile line: masked whole
                    scrubbed, found = self._scrub_tree(members, echoes)
                    if not found:
                        return raw
                    return dump(scrubbed).encode("utf-8", "surrogatepass")
            except RecursionError:  # deeper than this stack can walk: mask it like a broken line
                pass
        return self.mask(raw, words)

    def _scrub_tree(self, node: Any, echoes: Echoes) -> tuple[Any, bool]:
        """(``node`` with applicants pseudonymised, whether any value changed), over all members; every
        other string, number and member name loses the ``echoes`` of the record's applicants: in its
        ``documents`` as :meth:`apply` leaves them, and anywhere else a rejected line may repeat them (a
        ``documents`` that is no list, a time, a member name, a number: reviews of 2026-12-07)."""
        if isinstance(node, Members):
            found = False
            out = Members()
            for name, value in node:
                if is_applicant_key(name):
                    new = self._any(plain(value))
                    found = found or new != value
                    out.append((name, new))
                else:
                    new, inner = self._scrub_tree(value, echoes)
                    renamed = echoes.replaced(name, self.pseudonymise) if echoes else name
                    found = found or inner or renamed is not name
                    out.append((renamed, new))
            return out, found
        if isinstance(node, list):
            results = [self._scrub_tree(item, echoes) for item in node]
            return [new for new, _ in results], any(inner for _, inner in results)
        if echoes and (text := as_text(node)) is not None:
            new = echoes.replaced(text, self.pseudonymise)
            return (node, False) if new is text else (new, True)
        return node, False

    def mask(self, raw: bytes, words: frozenset[str] = VOCABULARY) -> bytes:
        """An unparseable line with applicant values pseudonymised and all but the contract's vocabulary,
        punctuation and pseudonyms masked (module docstring)."""
        text = raw.decode("utf-8", "replace")
        text = _RAW_APPLICANT.sub(self._pseudonymise_match, text)
        return _TOKEN.sub(partial(_mask_token, words), text).encode()

    def _pseudonymise_match(self, match: re.Match[str]) -> str:
        prefix, token = match.group(1), match.group(2)
        text: str
        try:
            decoded = json.loads(token)
            text = decoded if isinstance(decoded, str) else token
        except ValueError:  # cut-off string or bad escape: hash what is there
            text = token.lstrip('"')
        if text in {"*", "*\\"} or _PSEUDONYM.fullmatch(text):  # masked or pseudonymised already
            return match.group(0)
        return f'{prefix}"{self.pseudonymise(text)}"'


def _mask_token(words: frozenset[str], match: re.Match[str]) -> str:
    kind = match.lastgroup
    token = match.group(0)
    if kind in {"punct", "pseudonym"}:
        return token
    if kind == "word":
        return token if token in words or not _may_name(token) else "*"
    if match.group("closed") is None:  # a string cut off by the end of the line
        return '"*'
    try:
        content = json.loads(token)
    except ValueError:  # a bad escape: its content is unknown
        return '"*"'
    if content in words or _PSEUDONYM.fullmatch(content):
        return f'"{content}"'
    if _may_name(content):
        return '"*"'
    return json.dumps(content, ensure_ascii=False)  # punctuation and symbols as they are, not as ``\u20ac``


#: Unicode categories that cannot spell a name: punctuation, separators, math, currency and modifier
#: symbols. Everything else may (letters and digits, but also circled or squared letters ``ⓙⓞⓗⓝ``, which
#: are "other symbols", and control characters or lone surrogates, which JSON would write as escapes with
#: letters and digits in them).
_CANNOT_NAME = ("P", "Z", "Sm", "Sc", "Sk")


def _may_name(text: str) -> bool:
    return any(not unicodedata.category(c).startswith(_CANNOT_NAME) for c in text)
