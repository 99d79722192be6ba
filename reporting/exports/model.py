"""What an export holds of one dossier: its events, cut down to a fixed set of attributes, and its verdict.

Both sources build the same :class:`DossierLog` through :func:`dossier_log`: an events file (judged at an
``as_of`` by the rulebook ``audit`` uses) and the warehouse (its stored events and the verdicts its load or
detector stored), so that one file exported directly or after ``warehouse load`` gives the same log.

**Data minimisation.** An export is a file handed to analysts outside the platform's access control, so
only what process mining needs leaves it: per event the fields of :data:`EVENT_FIELDS` (codes, channels,
times, notice ids, document counts, whether a reason was given). The applicant (clear or pseudonymised),
free-text reasons, the acting official and unknown fields are never exported: omitting them is safer than
pseudonyms, which would still link one applicant's dossiers across exports.

A dossier's attributes are read from all its events as the facts read them (``inspections.timeline``): its
unit and procedure are those of its first ``received`` event, else of its first event and ``submitted``
event; its start (what ``--from``/``--to`` select on) is its receipt, else its first event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal, NamedTuple, Protocol

from inspections.semantics import is_blank, notice_absent
from reporting.i18n import Texts
from schemas.events import AnyEvent, EventType, Received, Submitted, event_sort_key


class ByteSink(Protocol):
    """Where an export is written: a binary file, standard output, a gzip stream."""

    def write(self, data: bytes, /) -> Any: ...


#: An attribute value: text, a count, a yes/no, or an instant (always in Asia/Ho_Chi_Minh).
Value = str | int | bool | datetime
#: How an attribute is typed in the formats (OCEL 2.0's names; XES: string, int, boolean, date).
Kind = Literal["string", "integer", "boolean", "time"]

#: Per event type, what of its ``data`` an export carries: (attribute, data field, kind). ``integer``
#: attributes count a list (``documents`` → ``documents_count``); ``boolean`` ones say whether a text field
#: is given (``reason`` → ``reason_given``, blank meaning absent as in rulebook v2, amendment 7). Absent
#: and null fields are left out, and so is a blank ``notice_id`` (amendment 7 again: no written notice, so
#: no ``notice_id`` attribute and no OCEL notice object).
EVENT_FIELDS: dict[str, tuple[tuple[str, str, Kind], ...]] = {
    EventType.SUBMITTED: (("procedure_code", "procedure_code", "string"), ("channel", "channel", "string")),
    EventType.RECEIVED: (
        ("procedure_code", "procedure_code", "string"),
        ("channel", "channel", "string"),
        ("due_at", "due_at", "time"),
        ("documents_count", "documents", "integer"),
    ),
    EventType.TRANSFERRED: (
        ("to_unit_code", "to_unit_code", "string"),
        ("step", "step", "string"),
        ("step_due_at", "step_due_at", "time"),
    ),
    EventType.SUPPLEMENT_REQUESTED: (
        ("notice_id", "notice_id", "string"),
        ("reason_given", "reason", "boolean"),
        ("requested_documents_count", "requested_documents", "integer"),
    ),
    EventType.SUPPLEMENT_COMPLETED: (("documents_count", "documents", "integer"),),
    EventType.FINANCIAL_OBLIGATION_REQUESTED: (("notice_id", "notice_id", "string"),),
    EventType.FINANCIAL_OBLIGATION_FULFILLED: (),
    EventType.APOLOGY_ISSUED: (
        ("notice_id", "notice_id", "string"),
        ("reason_given", "reason", "boolean"),
        ("new_due_at", "new_due_at", "time"),
    ),
    EventType.DUE_DATE_CHANGED: (
        ("old_due_at", "old_due_at", "time"),
        ("new_due_at", "new_due_at", "time"),
        ("reason_given", "reason", "boolean"),
    ),
    EventType.REFUSED: (
        ("stage", "stage", "string"),
        ("notice_id", "notice_id", "string"),
        ("reason_given", "reason", "boolean"),
    ),
    EventType.SUSPENDED: (("notice_id", "notice_id", "string"), ("reason_given", "reason", "boolean")),
    EventType.WITHDRAWN: (("reason_given", "reason", "boolean"),),
    EventType.PROCESSED: (("outcome", "outcome", "string"),),
    EventType.RETURNED: (("channel", "channel", "string"),),
}

#: The attribute every exported event has besides its name, time and unit: the contract's event type.
TYPE_ATTRIBUTE = "event_type"
#: The attribute of an event its source deduced rather than read (``source.inferred``, e.g. a supplement
#: completion deduced from a return to processing): ``true`` on such events only, so an analyst measuring
#: delays can leave them out (review of the process-mining exports: they read as observed).
INFERRED_ATTRIBUTE = "inferred"


def activity_names(lang: str) -> dict[str, str]:
    """Each event type's activity name: the report's own words (``reporting.i18n``), Vietnamese by default."""
    texts = Texts(lang)
    return {kind.value: texts.event_type(kind.value) for kind in EventType}


class LogEvent(NamedTuple):
    """One exported event. ``notice_id``, ``to_unit_code`` and ``procedure_code`` are also among its
    ``attributes``; they are kept apart because OCEL relates the event to those objects.

    This and the two below are named tuples: immutable, and the cheapest records to build (one per event of
    a province-year)."""

    event_id: str
    type: str
    occurred_at: datetime
    unit_code: str
    attributes: tuple[tuple[str, Value], ...]
    procedure_code: str | None = None
    to_unit_code: str | None = None
    notice_id: str | None = None


class Verdict(NamedTuple):
    """What the audit says of a dossier at ``as_of``: its classification (``early``, ``on_time``, ``late``,
    or ``none`` for a dossier never received; ``None`` when it could not be judged, see ``AUDIT_ERROR``), the
    rule ids of its open violations and findings, one entry per violation, sorted, and the rulebook that
    judged them (RULES.md: "the rulebook version that produced a verdict is stored with it"): its
    ``rulebook_version`` and, under v2, its ``supplement_clock`` (amendment 13), as each violation records
    them (comma-separated if they differ; ``None`` without any). A dossier with no violation or finding has
    neither: the warehouse stores the version with each violation only, and both sources give one reading."""

    as_of: datetime
    classification: str | None
    violations: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    rulebook_version: str | None = None
    supplement_clock: str | None = None


#: One violation or finding as a verdict reads it: (rule id, kind, rulebook version, supplement clock — ``""``
#: when the violation does not record one).
VerdictRecord = tuple[str, str, str, str]


class DossierLog(NamedTuple):
    """One dossier as exported: a trace in XES, a ``dossier`` object and its events in OCEL."""

    dossier_id: str
    unit_code: str
    procedure_code: str | None
    channel: str | None
    received_at: datetime | None
    due_at: datetime | None
    started_on: date
    events: tuple[LogEvent, ...]
    verdict: Verdict | None


def verdict(as_of: datetime, classification: str | None, rules: Iterable[VerdictRecord]) -> Verdict:
    """A :class:`Verdict` from :data:`VerdictRecord` s. Only kinds ``violation`` and ``finding`` are
    verdicts; any other record (a rule ``not_checkable`` on an event whose source lacks a field) is left out,
    as every count of violations and findings leaves it out."""
    found = sorted(r for r in rules if r[1] in ("violation", "finding"))
    versions = sorted({version for _r, _k, version, _c in found if version})
    clocks = sorted({clock for _r, _k, _v, clock in found if clock})
    return Verdict(
        local(as_of),
        classification,
        tuple(rule for rule, kind, _v, _c in found if kind == "violation"),
        tuple(rule for rule, kind, _v, _c in found if kind == "finding"),
        ",".join(versions) or None,
        ",".join(clocks) or None,
    )


#: Asia/Ho_Chi_Minh as a fixed offset: the zone has been UTC+07:00 without daylight saving since 1975, so
#: for the supported years (``schemas.timerange``) it is the same instants and text as
#: ``inspections.timeunits.VN_TZ``, at a fraction of a zone lookup per timestamp.
VN_OFFSET = timezone(timedelta(hours=7))


def local(t: datetime) -> datetime:
    """``t`` in Asia/Ho_Chi_Minh, the zone the platform reports in (the same instant)."""
    return t.astimezone(VN_OFFSET)


def dossier_log(
    dossier_id: str, events: Sequence[AnyEvent], judged: Verdict | None, *, amended: bool = True
) -> DossierLog:
    """The export of one dossier from all its valid events (unique by ``event_id``, any order: they are put
    in the platform's one event-time order, ``schemas.events.event_sort_key``). ``amended``: the rulebook
    judging it is v2 or later (a blank notice is no notice: :func:`log_event`)."""
    ordered = sorted(events, key=event_sort_key)
    received = next((e for e in ordered if isinstance(e, Received)), None)
    submitted = next((e for e in ordered if isinstance(e, Submitted)), None)
    procedure: str | None
    channel: str | None
    if received is not None:
        unit, procedure, channel = received.unit_code, received.data.procedure_code, received.data.channel
        due = received.data.due_at
    else:
        unit = ordered[0].unit_code if ordered else ""
        procedure = submitted.data.procedure_code if submitted is not None else None
        channel, due = None, None
    received_at = local(received.occurred_at) if received is not None else None
    start = received_at or (local(ordered[0].occurred_at) if ordered else None)
    return DossierLog(
        dossier_id=dossier_id,
        unit_code=unit,
        procedure_code=procedure,
        channel=channel,
        received_at=received_at,
        due_at=local(due) if due is not None else None,
        started_on=start.date() if start is not None else date.min,
        events=tuple(log_event(e, amended) for e in ordered),
        verdict=judged,
    )


def log_event(event: AnyEvent, amended: bool = True) -> LogEvent:
    """An event cut down to :data:`EVENT_FIELDS` (the hot loop of an export: kept plain). ``amended``: under
    rulebook v2 and later a blank ``notice_id`` is no written notice (amendment 7), and is left out; v1 reads
    only a missing one so, and the export keeps a blank one as the verdict counts it (last read of the
    session: under v1 the export dropped notices its verdict counted as written)."""
    data = event.data
    kind = event.type.value
    attributes: list[tuple[str, Value]] = [(TYPE_ATTRIBUTE, kind)]
    procedure = to_unit = notice = None
    provenance = event.source
    unknown = provenance.unknown if provenance is not None else None
    for name, source, typed in EVENT_FIELDS[kind]:
        value = getattr(data, source)  # a declared field of the type's data: always an attribute
        if unknown and source in unknown:
            continue  # the source cannot provide it: no "reason given: no" for a reason it lacks
        if typed == "boolean":
            # The rules' blank (amendment 7), not str.strip()'s: U+001C–U+001F are text to them.
            attributes.append((name, isinstance(value, str) and not is_blank(value)))
        elif value is None:
            continue
        elif name == "notice_id" and notice_absent(value, amended=amended):
            continue  # rulebook v2, amendment 7: a blank notice is no written notice (the verdict says so)
        elif typed == "integer":
            attributes.append((name, len(value)))
        elif typed == "time":
            attributes.append((name, value.astimezone(VN_OFFSET)))
        else:
            text = str(value)
            attributes.append((name, text))
            if name == "procedure_code":
                procedure = text
            elif name == "to_unit_code":
                to_unit = text
            elif name == "notice_id":
                notice = text
    if provenance is not None and provenance.inferred:
        attributes.append((INFERRED_ATTRIBUTE, True))
    return LogEvent(
        event.event_id,
        kind,
        event.occurred_at.astimezone(VN_OFFSET),
        event.unit_code,
        tuple(attributes),
        procedure,
        to_unit,
        notice,
    )


@dataclass(frozen=True, slots=True)
class Selection:
    """Which dossiers an export keeps: started (received, else first event) on a local day in
    ``[start, end)`` (either bound optional), of a unit in ``units`` (``None``: every unit)."""

    start: date | None = None
    end: date | None = None
    units: frozenset[str] | None = None

    def keeps(self, log: DossierLog) -> bool:
        if self.units is not None and log.unit_code not in self.units:
            return False
        if self.start is not None and log.started_on < self.start:
            return False
        return self.end is None or log.started_on < self.end


class Rendered(NamedTuple):
    """One dossier rendered in a format, ready to be written. ``body``: XES, the trace; OCEL, the events
    (JSON items joined by commas). OCEL also has ``objects`` (the dossier's object and its notices, the
    same way) and the codes of the units and procedures its events relate to. Rendering is pure, so the
    batch engine's workers render in parallel and only these bytes cross to the writer's process."""

    unit_code: str
    events: int
    body: bytes
    objects: bytes = b""
    notices: int = 0
    units: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()


@dataclass
class ExportCounts:
    """What an export wrote: dossiers (XES traces), events, and OCEL objects by type."""

    dossiers: int = 0
    events: int = 0
    objects: dict[str, int] | None = None

    def to_json_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"dossiers": self.dossiers, "events": self.events}
        if self.objects is not None:
            out["objects"] = dict(self.objects)
        return out
