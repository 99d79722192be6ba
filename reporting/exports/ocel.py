"""OCEL 2.0 (JSON) written as it comes, in memory bounded by the distinct units and procedures.

The format (OCEL 2.0 specification, JSON format; its published JSON schema) is one object with four
arrays: ``objectTypes`` and ``eventTypes`` (each type's name and its attributes' names and types),
``objects`` (id, type, attributes with the time each value holds from, relationships to other objects) and
``events`` (id, type, time, attributes, relationships to objects, each with a qualifier). Attribute values
are written as strings, as the schema says, typed by the declarations (``string``, ``integer``,
``boolean``, ``time``).

Object types: ``dossier``, ``unit`` (where an event happened, or a transfer went), ``procedure`` (of a
submission or receipt) and ``notice`` (a written notice an event names: a supplement request, a financial
obligation, an apology, a refusal or suspension). Object ids carry their type (``dossier:…``, ``unit:…``,
``procedure:…``, ``notice:…``), so a unit code equal to a dossier id cannot collide. A notice is a form
issued for one dossier (forms 02–04 of Circular 01/2018/TT-VPCP) whose number repeats across issuing units,
so its identity is the dossier and its ``notice_id``: ``notice:<dossier>/<notice>`` (``%`` and ``/``
inside either written ``%25`` and ``%2F``).

Every object is listed once, and only objects some event relates to (readers such as PM4Py drop the
others). The log is streamed dossier by dossier, so the events are written straight to the output while
each dossier's object and its notices go to a spool (a temporary file beside the output); the units and
procedures met are remembered (their codes only: the memory bound) and written after the spooled objects.
Key order: ``objectTypes``, ``eventTypes``, ``events``, ``objects`` (JSON objects are unordered).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from inspections.catalogue import Catalogue
from reporting.exports.model import (
    EVENT_FIELDS,
    INFERRED_ATTRIBUTE,
    TYPE_ATTRIBUTE,
    ByteSink,
    DossierLog,
    ExportCounts,
    Rendered,
    Value,
    activity_names,
)
from reporting.exports.text import json_bytes
from reporting.i18n import Texts

#: The time of a value that holds from the start (the specification's initial-value convention).
EPOCH = "1970-01-01T00:00:00Z"

DOSSIER_ATTRIBUTES = (
    ("unit_code", "string"), ("procedure_code", "string"), ("field_code", "string"), ("channel", "string"),
    ("received_at", "time"), ("due_at", "time"), ("classification", "string"),
    ("classification_label", "string"), ("violations", "string"), ("violations_count", "integer"),
    ("findings", "string"), ("findings_count", "integer"), ("rulebook_version", "string"),
    ("supplement_clock", "string"),
)  # fmt: skip
OBJECT_TYPES = (
    ("dossier", DOSSIER_ATTRIBUTES),
    ("unit", (("name", "string"), ("level", "string"))),
    ("procedure", (("name", "string"), ("field_code", "string"), ("field_name", "string"))),
    ("notice", (("notice_id", "string"),)),
)


def _declare(types: Iterable[tuple[str, Iterable[tuple[str, str]]]]) -> list[dict[str, Any]]:
    return [{"name": name, "attributes": [{"name": a, "type": t} for a, t in attrs]} for name, attrs in types]


def event_types(lang: str) -> list[dict[str, Any]]:
    """``eventTypes``: one per contract event type, named by its activity name."""
    names = activity_names(lang)
    return _declare(
        (
            names[kind],
            ((TYPE_ATTRIBUTE, "string"), *((a, k) for a, _src, k in fields), (INFERRED_ATTRIBUTE, "boolean")),
        )
        for kind, fields in EVENT_FIELDS.items()
    )


def _part(text: str) -> str:
    return text.replace("%", "%25").replace("/", "%2F")


def notice_id(dossier_id: str, notice: str) -> str:
    """The object id of notice ``notice`` of dossier ``dossier_id``."""
    return f"notice:{_part(dossier_id)}/{_part(notice)}"


def _string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _attributes(pairs: Iterable[tuple[str, Value | None]], time: str) -> list[dict[str, str]]:
    return [{"name": k, "value": _string(v), "time": time} for k, v in pairs if v is not None]


def _rel(object_id: str, qualifier: str) -> dict[str, str]:
    return {"objectId": object_id, "qualifier": qualifier}


class Ocel:
    """The OCEL 2.0 format for a catalogue (names of units, procedures, fields) and a language."""

    def __init__(self, catalogue: Catalogue, lang: str = "vi") -> None:
        self.catalogue = catalogue
        self.lang = lang
        self.texts = Texts(lang)
        self.activities = activity_names(lang)
        #: Event ids held under more than one dossier (a warehouse's: ``warehouse.event_log
        #: .shared_event_ids``); their events' ids are written ``<event_id>#<dossier_id>``, as OCEL's must be
        #: unique: a reader kept one of two events of one id, and its dossier lost it.
        self.shared_ids: frozenset[str] = frozenset()

    def render(self, dossier: DossierLog) -> Rendered:
        """The dossier's events, its object and its notices (pure: any process may render)."""
        own = f"dossier:{dossier.dossier_id}"
        notices: dict[str, str] = {}
        units: dict[str, None] = {}
        procedures: dict[str, None] = {}
        chunks: list[bytes] = []
        activities = self.activities
        for event in dossier.events:
            relations = [_rel(own, "dossier"), _rel(f"unit:{event.unit_code}", "unit")]
            units[event.unit_code] = None
            if event.to_unit_code is not None:
                relations.append(_rel(f"unit:{event.to_unit_code}", "to unit"))
                units[event.to_unit_code] = None
            if event.procedure_code is not None:
                relations.append(_rel(f"procedure:{event.procedure_code}", "procedure"))
                procedures[event.procedure_code] = None
            if event.notice_id is not None:
                oid = notices.setdefault(event.notice_id, notice_id(dossier.dossier_id, event.notice_id))
                relations.append(_rel(oid, "notice"))
            chunks.append(
                json_bytes(
                    {
                        "id": (
                            f"{event.event_id}#{dossier.dossier_id}"
                            if event.event_id in self.shared_ids
                            else event.event_id
                        ),
                        "type": activities[event.type],
                        "time": event.occurred_at.isoformat(),
                        "attributes": [{"name": k, "value": _string(v)} for k, v in event.attributes],
                        "relationships": relations,
                    }
                )
            )
        objects = [json_bytes(self._dossier_object(dossier, own, notices))]
        for notice, oid in notices.items():
            attributes = _attributes([("notice_id", notice)], EPOCH)
            objects.append(
                json_bytes({"id": oid, "type": "notice", "attributes": attributes, "relationships": []})
            )
        return Rendered(
            dossier.unit_code, len(chunks), b",".join(chunks), b",".join(objects), len(notices),
            tuple(units), tuple(procedures),
        )  # fmt: skip

    def _dossier_object(self, d: DossierLog, own: str, notices: dict[str, str]) -> dict[str, Any]:
        field_code = self.catalogue.field_of(d.procedure_code) if d.procedure_code is not None else None
        attributes = _attributes(
            [("unit_code", d.unit_code), ("procedure_code", d.procedure_code), ("field_code", field_code),
             ("channel", d.channel), ("received_at", d.received_at), ("due_at", d.due_at)],
            EPOCH,
        )  # fmt: skip
        verdict = d.verdict
        if verdict is not None:
            label = self.texts.status(verdict.classification) if verdict.classification is not None else None
            attributes += _attributes(
                [("classification", verdict.classification), ("classification_label", label),
                 ("violations", ",".join(verdict.violations)), ("violations_count", len(verdict.violations)),
                 ("findings", ",".join(verdict.findings)), ("findings_count", len(verdict.findings)),
                 ("rulebook_version", verdict.rulebook_version),
                 ("supplement_clock", verdict.supplement_clock)],
                verdict.as_of.isoformat(),
            )  # fmt: skip
        relations = [_rel(f"unit:{d.unit_code}", "handled by")]
        if d.procedure_code is not None:
            relations.append(_rel(f"procedure:{d.procedure_code}", "procedure"))
        relations += (_rel(oid, "notice") for oid in notices.values())
        return {"id": own, "type": "dossier", "attributes": attributes, "relationships": relations}

    def writer(self, out: ByteSink, spool_dir: Path | None = None) -> OcelWriter:
        """A writer of this format's rendered dossiers to ``out``, spooling in ``spool_dir`` (default:
        ``TMPDIR``)."""
        return OcelWriter(self, out, spool_dir)


class OcelWriter:
    """Writes the type declarations now, a rendered dossier's events per :meth:`add` (its objects to the
    spool), and the objects at :meth:`close`."""

    def __init__(self, ocel: Ocel, out: ByteSink, spool_dir: Path | None = None) -> None:
        self.ocel = ocel
        self.out = out
        self.counts = ExportCounts(objects={name: 0 for name, _ in OBJECT_TYPES})
        self.units: set[str] = set()
        self.procedures: set[str] = set()
        # Closed by close() or discard(): the spool lives as long as the writer.
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="dossier-audit-ocel-", dir=spool_dir)  # noqa: SIM115
        self._spooled = False
        self._first_event = True
        out.write(b'{"objectTypes":' + json_bytes(_declare(OBJECT_TYPES)))
        out.write(b',"eventTypes":' + json_bytes(event_types(ocel.lang)) + b',"events":[')

    def add(self, rendered: Rendered) -> None:
        if rendered.body:
            self.out.write(rendered.body if self._first_event else b"," + rendered.body)
            self._first_event = False
        self._spool.write(rendered.objects if not self._spooled else b"," + rendered.objects)
        self._spooled = True
        self.units.update(rendered.units)
        self.procedures.update(rendered.procedures)
        counts = self.counts
        counts.dossiers += 1
        counts.events += rendered.events
        assert counts.objects is not None
        counts.objects["dossier"] += 1
        counts.objects["notice"] += rendered.notices

    def close(self) -> ExportCounts:
        """Write the objects and the end; the spool is deleted."""
        out = self.out
        out.write(b'],"objects":[')
        try:
            self._spool.seek(0)
            shutil.copyfileobj(self._spool, out)
        finally:
            self._spool.close()
        tail = [self._unit_object(code) for code in sorted(self.units)]
        tail += [self._procedure_object(code) for code in sorted(self.procedures)]
        if tail:
            out.write((b"," if self._spooled else b"") + b",".join(json_bytes(obj) for obj in tail))
        out.write(b"]}\n")
        assert self.counts.objects is not None
        self.counts.objects["unit"] = len(self.units)
        self.counts.objects["procedure"] = len(self.procedures)
        return self.counts

    def _unit_object(self, code: str) -> dict[str, Any]:
        unit = self.ocel.catalogue.unit(code)
        attributes = _attributes(
            [("name", unit.name if unit else None), ("level", unit.level.value if unit else None)], EPOCH
        )
        relations = []
        if unit is not None:
            # Only to units in the log: an object no event relates to is not listed (see the docstring).
            if unit.parent is not None and unit.parent in self.units:
                relations.append(_rel(f"unit:{unit.parent}", "part of"))
            if unit.successor is not None and unit.successor in self.units:
                relations.append(_rel(f"unit:{unit.successor}", "merged into"))
        return {"id": f"unit:{code}", "type": "unit", "attributes": attributes, "relationships": relations}

    def _procedure_object(self, code: str) -> dict[str, Any]:
        catalogue = self.ocel.catalogue
        procedure = catalogue.procedure(code)
        values: list[tuple[str, Value | None]] = []
        if procedure is not None:
            field = catalogue.fields.get(procedure.field)
            values = [("name", procedure.name), ("field_code", procedure.field)]
            values.append(("field_name", field.name if field is not None else None))
        attributes = _attributes(values, EPOCH)
        return {"id": f"procedure:{code}", "type": "procedure", "attributes": attributes, "relationships": []}

    def discard(self) -> None:
        """Delete the spool without finishing the log (an export that failed midway)."""
        self._spool.close()


def write_ocel(
    out: ByteSink,
    dossiers: Iterable[DossierLog],
    catalogue: Catalogue,
    lang: str = "vi",
    spool_dir: Path | None = None,
) -> ExportCounts:
    """Write the whole log of ``dossiers`` (any iterable, consumed once) to ``out``."""
    ocel = Ocel(catalogue, lang)
    writer = ocel.writer(out, spool_dir)
    try:
        for dossier in dossiers:
            writer.add(ocel.render(dossier))
    except BaseException:
        writer.discard()
        raise
    return writer.close()
