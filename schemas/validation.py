"""Parse one raw event line into a contract event, or into a :class:`Rejection` with a specific reason.

The valid path is a single ``EVENT_ADAPTER.validate_json`` call, a count of the keys (a repeated key is
rejected, not "last one wins"), a scan of unknown fields if there are any (``schemas.limits``: nesting,
integer range, NaN and infinities) and a range check of the event's times; all diagnosis happens only after
a check fails (:mod:`schemas.diagnosis`), so rejected lines cost more than valid ones and nothing else
does. Times outside the calendar's years (``schemas.timerange``) are rejected here, at the door, because no
dossier holding one can be judged (rulebook v2, amendment 12). So are ``source.unknown`` names that are not
null fields of the event's ``data`` (:mod:`schemas.provenance`). Input lines also have a length cap:
:mod:`schemas.lines`.
"""

from __future__ import annotations

import heapq
import sys
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from schemas.diagnosis import (
    DATA_TIMESTAMPS,
    TIMES_OF,
    diagnose,
    loc_path,
    record_echoes,
    repeated_message,
    show_value,
)
from schemas.events import EVENT_ADAPTER, AnyEvent, EventType, has_unknown_members
from schemas.limits import repeated_key, scan
from schemas.provenance import CODES as PROVENANCE_CODES
from schemas.provenance import VALUE_REQUIRED, missing_value, unknown_problem
from schemas.timerange import SUPPORTED, in_range

__all__ = ["CODES", "TRANSPORT_CODES", "Rejection", "parse_event"]

#: The types whose ``reason`` may be null only when declared unknown (``schemas.provenance.VALUE_REQUIRED``).
_REASONED = frozenset(EventType(kind) for kind in VALUE_REQUIRED)

#: Every code :func:`parse_event` (and the deduplicator) can produce. Codes are stable: consumers
#: (dead-letter reports, dashboards) group by them. ``<field>.missing`` also covers ``null`` where a
#: value is required.
CODES: frozenset[str] = frozenset(
    {
        "json.invalid",
        "json.not_object",
        "schema_version.missing",
        "schema_version.unsupported",
        "type.missing",
        "type.unknown",
        "event_id.missing",
        "event_id.empty",
        "event_id.too_long",
        "event_id.invalid",
        "event_id.conflict",
        "dossier_id.missing",
        "dossier_id.empty",
        "dossier_id.too_long",
        "dossier_id.invalid",
        "occurred_at.missing",
        "occurred_at.naive",
        "occurred_at.not_timestamp",
        "data.missing",
        "data.not_object",
        "field.missing",
        "field.invalid",
        "field.naive_timestamp",
        "field.not_timestamp",
        "occurred_at.out_of_range",
        *(f"data.{name}.out_of_range" for name in sorted(DATA_TIMESTAMPS)),
        # Limits beyond the contract (``schemas.limits``, docs/input-limits.md).
        "line.too_long",
        "json.too_deep",
        "json.number_out_of_range",
        "json.not_finite",
        "json.duplicate_key",
        # ``source.unknown`` names a field that is not a null field of the type's ``data``.
        *PROVENANCE_CODES,
    }
)

#: Codes of the stream workers for messages that are not events at all or not where they belong: a Kafka
#: key that is not the event's dossier, and unreadable dead-letter or violation messages.
TRANSPORT_CODES: frozenset[str] = frozenset({"key.mismatch", "dead_letter.invalid", "violation.invalid"})


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one input line is not a valid event. ``raw`` is the line as received (may hold personal
    data: scrub it with :meth:`schemas.pseudonym.Pseudonymiser.scrub_raw` before storing)."""

    code: str
    message: str
    line_no: int | None
    raw: bytes


class EarliestRejections:
    """The ``keep`` rejections of the lowest line numbers among those given (a line number-less one after
    every numbered), in line order: what a command shows of a file's rejected lines. The first ``keep``
    given depended on the order a run's workers reported them in: another ten lines on each run of one
    file, out of order (review of 2026-12-04)."""

    def __init__(self, keep: int = 10) -> None:
        self.keep = keep
        self._heap: list[tuple[int, int, Rejection]] = []  # (-line, -arrival): the latest line on top
        self._given = 0

    def __call__(self, rejection: Rejection) -> None:
        line = rejection.line_no if rejection.line_no is not None else sys.maxsize
        self._given += 1
        item = (-line, -self._given, rejection)
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, item)
        elif self._heap and item > self._heap[0]:  # an earlier line than the latest kept
            heapq.heapreplace(self._heap, item)

    @property
    def samples(self) -> list[Rejection]:
        return [rejection for _, _, rejection in sorted(self._heap, reverse=True)]


def parse_event(raw: bytes | str, *, line_no: int | None = None) -> AnyEvent | Rejection:
    """Validate one JSON line against the contract and the limits; never raises on bad input."""
    try:
        event = EVENT_ADAPTER.validate_json(raw)
    except ValidationError as exc:
        data = _bytes(raw)
        code, message = diagnose(data, exc.errors(include_url=False))
        return Rejection(code, message, line_no, data)
    if event.type in _REASONED and event.data.reason is None:  # type: ignore[union-attr]
        missing = missing_value(event)  # a null reason: only a source that cannot provide it gives one
        if missing is not None:
            return Rejection(*missing, line_no, _bytes(raw))
    outside, time_colons = _times(event)
    outside = _beyond_limits(event, raw, time_colons) or outside  # a repeated key first: the rest is a guess
    if outside is None:
        source = event.source
        if source is None or not source.unknown:  # nearly every event: one attribute read
            return event
        outside = unknown_problem(event)
        if outside is None:
            return event
    return Rejection(*outside, line_no, _bytes(raw))


def _bytes(raw: bytes | str) -> bytes:
    return raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)


def _beyond_limits(event: AnyEvent, raw: bytes | str, time_colons: int) -> tuple[str, str] | None:
    """(code, message) when a contract-valid event is beyond ``schemas.limits``: a value in its unknown
    fields (the declared ones hold only strings, lists of strings, times and ``schema_version`` 1), or a
    key repeated anywhere (``time_colons``: how many colons the text of its times has at least)."""
    data = event.data
    source = event.source
    members = len(event.__pydantic_fields_set__) + len(data.__pydantic_fields_set__)
    if source is not None:
        members += len(source.__pydantic_fields_set__)
    if has_unknown_members(event):  # rare: most events have no unknown fields
        found = _extras_beyond_limits(event, members)
        if isinstance(found, tuple):
            return found
        members = found
    text = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    repeated = repeated_key(text, members, time_colons)
    if repeated is None:
        return None
    return "json.duplicate_key", repeated_message(*repeated, echoes=record_echoes(text))


def _extras_beyond_limits(event: AnyEvent, members: int) -> tuple[str, str] | int:
    """The first value beyond the limits in the unknown fields (of the envelope, ``source`` and ``data``), or
    the count of object members with those inside the unknown fields."""
    counted = [members]
    source = event.source
    # Each extras dict stands for the object holding it (the event: level 1, ``data`` and ``source``: level
    # 2); ``scan`` counts their members again, so they are taken out of the fields-set count first.
    for extra, level, where in (
        (event.__pydantic_extra__, 1, ()),
        (source.__pydantic_extra__ if source is not None else None, 2, ("source",)),
        (event.data.__pydantic_extra__, 2, ("data",)),
    ):
        if extra:
            counted[0] -= len(extra)
            problem = scan(extra, level, counted)
            if problem is not None:
                return problem.code, f"{loc_path((*where, *reversed(problem.loc)))}: {problem.detail}"
    return counted[0]


def _times(event: AnyEvent) -> tuple[tuple[str, str] | None, int]:
    """(code, message) for the first of the event's times outside the supported years, if any; and how
    many colons the text of its times has at least (``hh:mm:ss``, and ``±hh:mm`` unless the offset is
    zero, which may be written ``Z``), which :func:`schemas.limits.repeated_key` needs."""
    at = event.occurred_at
    outside = None if in_range(at) else ("occurred_at.out_of_range", _range_message("occurred_at", at))
    colons = _colons(at)
    data = event.data
    for name in TIMES_OF[event.type]:
        value = getattr(data, name)
        if value is not None:
            colons += _colons(value)
            if outside is None and not in_range(value):
                outside = f"data.{name}.out_of_range", _range_message(f"data.{name}", value)
    return outside, colons


def _colons(at: datetime) -> int:
    # Parsed times carry a fixed offset, which ``utcoffset(None)`` gives without the datetime's own (slower)
    # call; a zone needing the instant answers None, counted as the ``Z`` spelling: a lower bound still.
    tz = at.tzinfo
    return 3 if tz is not None and tz.utcoffset(None) else 2


def _range_message(path: str, value: datetime) -> str:
    return f"{path}: {show_value(value.isoformat())} is outside {SUPPORTED}"
