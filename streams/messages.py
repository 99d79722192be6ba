"""Wire formats of the platform's topics (one place, shared by the producer, the sink and the detector).

- events topic: key ``dossier_id`` (UTF-8), value the contract JSON of one event (applicant already
  pseudonymised by the producer, so no clear personal data ever reaches Kafka).
- dead-letters topic: key ``None``, value a JSON object: where the bad input came from, why it is bad and
  the raw input (scrubbed), see :class:`DeadLetter`.
- violations topic: key ``dossier_id``, value a JSON object ``{"state", "as_of", "producer", "version",
  "violation"}`` where ``violation`` is the ``audit --json`` shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import orjson

from schemas.events import AnyEvent, to_json_dict

_T = TypeVar("_T")

# What may carry a record's data in an error text: quoted text, and numbers of four or more characters (a
# value, an identity number, a date or time); short ones (type widths, error codes) say what went wrong.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`")
_NUMBER = re.compile(r"\d[\d.,:eE+-]{3,}")
_MAX_REASON = 200


def describe_error(error: BaseException) -> str:
    """``error``'s class and message, with what could be a record's data masked (quoted text, long numbers)
    and cut to a readable length: the reason of a dead letter for a record a worker could not process or
    store, also logged. The record itself travels in the dead letter's (scrubbed) ``raw``, not here."""
    text = _NUMBER.sub("#", _QUOTED.sub("'…'", str(error).split("Stack trace:", 1)[0])).strip()
    text = " ".join(text.split())
    if len(text) > _MAX_REASON:
        text = text[: _MAX_REASON - 1] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class MessageError(ValueError):
    """A message on a platform topic that does not have the documented shape."""


def encode_event(event: AnyEvent) -> bytes:
    return orjson.dumps(to_json_dict(event))


def event_key(event: AnyEvent) -> bytes:
    return event.dossier_id.encode()


#: A message keyed otherwise than by its event's dossier: that dossier's events may be spread over
#: partitions, and its verdict would be wrong. The detector dead-letters it; the sink stores it as rejected,
#: not as an event (they used to disagree: the warehouse held it both ways).
KEY_MISMATCH = "key.mismatch"


def key_mismatch(key: bytes | None, dossier_id: str) -> str | None:
    """Why a message of key ``key`` carrying an event of ``dossier_id`` is refused, or ``None`` when its key
    is that dossier's. A message without a key is taken as the producer's choice (a single partition, or
    its own routing) and accepted: ``ingest`` always keys (docs/operators-guide.md)."""
    if key is None or key == dossier_id.encode():
        return None
    # The key is not quoted: a foreign producer may key by anything, an applicant's id number too, and the
    # detector publishes this reason as it is (review of 2026-12-05; the sink masked it when stored).
    return f"the message key ({len(key):,} bytes) is not the dossier_id {dossier_id!r} of its event"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """Input that is not a valid event, with its reason. ``source``/``offset`` locate it (a file path and
    line number, or ``kafka:<topic>/<partition>`` and the offset)."""

    source: str
    offset: int
    reason_code: str
    reason: str
    raw: bytes
    rejected_at: datetime

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "source": self.source,
                "offset": self.offset,
                "reason_code": self.reason_code,
                "reason": self.reason,
                "raw": self.raw.decode("utf-8", "replace"),
                "rejected_at": self.rejected_at.astimezone(UTC).isoformat(),
            }
        )

    @classmethod
    def decode(cls, value: bytes) -> DeadLetter:
        """The dead letter of a message; a :class:`MessageError` naming what is wrong, never a member's
        value (a foreign producer's member may hold anything, an applicant too: the reason is stored)."""
        doc = _object(value, "not a dead letter")
        member = _Members(doc, "not a dead letter")
        return cls(
            _text(member("source")),
            member("offset", int, "an integer"),
            _text(member("reason_code")),
            _text(member("reason")),
            _text(member("raw")).encode(),
            member("rejected_at", datetime.fromisoformat, "an ISO 8601 time"),
        )


def _object(value: bytes, what: str) -> dict[str, Any]:
    """A message's JSON object, else a :class:`MessageError` (``what``: what it is not) naming no value."""
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError as exc:  # its text says where, not what
        raise MessageError(f"{what}: {exc}") from exc
    if not isinstance(doc, dict):
        raise MessageError(f"{what}: not a JSON object")
    return doc


class _Members:
    """A message's members read one at a time: a missing one, or one its conversion refuses, is a
    :class:`MessageError` that names the member and what it should be, never its value (the errors of
    ``int`` and ``fromisoformat`` quote it)."""

    def __init__(self, doc: dict[str, Any], what: str) -> None:
        self._doc, self._what = doc, what

    def __call__(self, name: str, convert: Callable[[Any], _T] | None = None, kind: str = "") -> Any:
        if name not in self._doc:
            raise MessageError(f"{self._what}: no member {name!r}")
        value = self._doc[name]
        if convert is None:
            return value
        try:
            return convert(value)
        except (TypeError, ValueError, OverflowError):
            raise MessageError(f"{self._what}: member {name!r} is not {kind}") from None


def _text(value: object) -> str:
    """A dead letter's text member: ``null`` is empty (a foreign producer's ``"reason": null`` was stored as
    the word "None": review of 2026-12-05), anything else as its text."""
    return "" if value is None else str(value)


State = Literal["open", "retracted"]


@dataclass(frozen=True, slots=True)
class ViolationMessage:
    """A violation opened or retracted by a producer (the detector) at ``as_of`` (its watermark)."""

    state: State
    as_of: datetime
    producer: str
    version: int
    violation: dict[str, Any]

    @property
    def key(self) -> bytes:
        return str(self.violation["dossier_id"]).encode()

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "state": self.state,
                "as_of": self.as_of.astimezone(UTC).isoformat(),
                "producer": self.producer,
                "version": self.version,
                "violation": self.violation,
            }
        )

    @classmethod
    def decode(cls, value: bytes) -> ViolationMessage:
        """The violation message of a message; a :class:`MessageError` naming what is wrong, never a
        member's value (as :meth:`DeadLetter.decode`)."""
        what = "not a violation message"
        member = _Members(_object(value, what), what)
        state = member("state")
        if state not in ("open", "retracted"):
            raise MessageError(f"{what}: member 'state' is neither 'open' nor 'retracted'")
        violation = member("violation")
        if not isinstance(violation, dict) or "dossier_id" not in violation:
            raise MessageError(f"{what}: violation is not an audit record")
        as_of = member("as_of", datetime.fromisoformat, "an ISO 8601 time")
        return cls(state, as_of, str(member("producer")), member("version", int, "an integer"), violation)
