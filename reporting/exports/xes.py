"""XES (IEEE 1849-2016) written as it comes: one trace per dossier, one event per contract event.

Each trace is built as text and written in one piece, so memory holds one dossier whatever the log's size.
The XML is written by hand rather than through a DOM because a DOM holds the whole log; every value goes
through ``text.xml_attr`` (escaping, and the characters XML 1.0 forbids replaced), and every element
carries its attributes ``key`` first, then ``value``, in double quotes on one line.

Log: the standard extensions (concept, time, org, lifecycle), globals and the activity classifier.
Trace: ``concept:name`` the dossier id; the dossier's unit, procedure, field (codes and names from the
catalogue), channel, receipt and due date; its verdict — ``classification`` (early / on_time / late /
none) with its label, ``violations`` and ``findings`` (rule ids, comma-separated) with their counts,
``verdict_as_of``, and the ``rulebook_version`` (and v2's ``supplement_clock``) its violations record.
Event: ``concept:name`` the activity's name (Vietnamese unless ``lang`` is ``en``), ``time:timestamp``,
``org:resource`` the unit where it happened, ``lifecycle:transition`` ``complete``, ``event_id``,
``event_type`` (the contract's type) and the fields of ``model.EVENT_FIELDS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from inspections.catalogue import Catalogue
from reporting.exports.model import ByteSink, DossierLog, ExportCounts, Rendered, Value, activity_names
from reporting.exports.text import xml_attr
from reporting.i18n import Texts

XES_NAMESPACE = "http://www.xes-standard.org/"
_EXTENSIONS = (
    ("Concept", "concept"),
    ("Time", "time"),
    ("Organizational", "org"),
    ("Lifecycle", "lifecycle"),
)
LOG_NAME = "dossier-audit event log"


def _extension(name: str, prefix: str) -> str:
    return f'  <extension name="{name}" prefix="{prefix}" uri="{XES_NAMESPACE}{prefix}.xesext"/>\n'


HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<log xes.version="1849-2016" xes.features="" xmlns="{XES_NAMESPACE}">\n'
    + "".join(_extension(name, prefix) for name, prefix in _EXTENSIONS)
    + '  <global scope="trace">\n'
    '    <string key="concept:name" value="__INVALID__"/>\n'
    "  </global>\n"
    '  <global scope="event">\n'
    '    <string key="concept:name" value="__INVALID__"/>\n'
    '    <date key="time:timestamp" value="1970-01-01T00:00:00+00:00"/>\n'
    '    <string key="org:resource" value="__INVALID__"/>\n'
    '    <string key="lifecycle:transition" value="complete"/>\n'
    "  </global>\n"
    '  <classifier name="Activity" keys="concept:name"/>\n'
    '  <classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>\n'
    f'  <string key="concept:name" value="{LOG_NAME}"/>\n'
    '  <string key="lifecycle:model" value="standard"/>\n'
)
FOOTER = "</log>\n"


def _string(key: str, value: str, indent: str) -> str:
    return f'{indent}<string key="{key}" value="{xml_attr(value)}"/>\n'


def _boolean(key: str, value: bool, indent: str) -> str:
    return f'{indent}<boolean key="{key}" value="{"true" if value else "false"}"/>\n'


def _int(key: str, value: int, indent: str) -> str:
    return f'{indent}<int key="{key}" value="{value}"/>\n'


def _date(key: str, value: datetime, indent: str) -> str:
    return f'{indent}<date key="{key}" value="{value.isoformat()}"/>\n'


#: The element of each value type (by exact type: ``bool`` is an ``int`` too).
_ELEMENTS: dict[type, Callable[[str, Any, str], str]] = {
    str: _string,
    bool: _boolean,
    int: _int,
    datetime: _date,
}


def attribute(key: str, value: Value, indent: str) -> str:
    """One XES attribute element, typed by the value."""
    element = _ELEMENTS.get(type(value))
    if element is not None:
        return element(key, value, indent)
    # A subclass (a str enum, a datetime subclass): the slow way.
    if isinstance(value, bool):
        return _boolean(key, value, indent)
    if isinstance(value, int):
        return _int(key, value, indent)
    if isinstance(value, datetime):
        return _date(key, value, indent)
    return _string(key, str(value), indent)


#: Attributes whose values repeat across a log (vocabularies, codes and names): their elements are cached.
_REPEATING = frozenset(
    {"concept:name", "org:resource", "event_type", "channel", "procedure_code", "to_unit_code", "step",
     "stage", "outcome", "reason_given", "documents_count", "requested_documents_count", "unit_code",
     "unit_name", "procedure_name", "field_code", "field_name", "classification", "classification_label",
     "violations", "violations_count", "findings", "findings_count", "verdict_as_of", "rulebook_version",
     "supplement_clock"}
)  # fmt: skip
#: Entries the cache holds at most (then it starts again): bounded whatever the data.
_CACHE_SIZE = 20_000
#: The longest text value whose element is cached: a longer one (a free-text ``step``, a code of a line up
#: to 128 KiB) is rendered each time. The entry count alone did not bound the bytes: 800 distinct 60 KB
#: steps held ~560 MB (review of the exports); now an entry is at most ~1.6 K characters (escaping
#: included), so the cache holds a few tens of MB at the very worst.
_CACHED_LENGTH = 256


class Xes:
    """The XES format for a catalogue (the names of units, procedures and fields) and a language."""

    def __init__(self, catalogue: Catalogue, lang: str = "vi") -> None:
        self.catalogue = catalogue
        self.texts = Texts(lang)
        self.activities = activity_names(lang)
        self._cache: dict[tuple[str, Value, str], str] = {}

    def render(self, dossier: DossierLog) -> Rendered:
        """The dossier's trace (pure: any process may render)."""
        parts = ["  <trace>\n", *self._trace_attributes(dossier)]
        activities = self.activities
        element = self._event_attribute
        pad = "      "
        for event in dossier.events:
            parts += (
                "    <event>\n",
                element("concept:name", activities[event.type]),
                _date("time:timestamp", event.occurred_at, pad),
                element("org:resource", event.unit_code),
                '      <string key="lifecycle:transition" value="complete"/>\n',
                _string("event_id", event.event_id, pad),
            )
            parts += (element(key, value) for key, value in event.attributes)
            parts.append("    </event>\n")
        parts.append("  </trace>\n")
        return Rendered(dossier.unit_code, len(dossier.events), "".join(parts).encode())

    def _event_attribute(self, key: str, value: Value) -> str:
        return self._element(key, value, "      ")

    def _element(self, key: str, value: Value, pad: str) -> str:
        """An attribute element; those of values that repeat across a log (vocabularies, codes, names, the
        verdict's time) come from a cache, bounded whatever the data: in entries and, as only short values
        are cached (:data:`_CACHED_LENGTH`), in bytes."""
        if key not in _REPEATING or (isinstance(value, str) and len(value) > _CACHED_LENGTH):
            return attribute(key, value, pad)
        cached = self._cache.get((key, value, pad))
        if cached is None:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[(key, value, pad)] = attribute(key, value, pad)
        return cached

    def _trace_attributes(self, d: DossierLog) -> list[str]:
        pad = "    "
        catalogue = self.catalogue
        values: list[tuple[str, Value | None]] = [("unit_code", d.unit_code)]
        unit = catalogue.unit(d.unit_code)
        values.append(("unit_name", unit.name if unit is not None else None))
        values.append(("procedure_code", d.procedure_code))
        if d.procedure_code is not None:
            procedure = catalogue.procedure(d.procedure_code)
            if procedure is not None:
                field = catalogue.fields.get(procedure.field)
                values += [
                    ("procedure_name", procedure.name),
                    ("field_code", procedure.field),
                    ("field_name", field.name if field is not None else None),
                ]
        values += [("channel", d.channel), ("received_at", d.received_at), ("due_at", d.due_at)]
        verdict = d.verdict
        if verdict is not None:
            if verdict.classification is not None:
                values += [
                    ("classification", verdict.classification),
                    ("classification_label", self.texts.status(verdict.classification)),
                ]
            values += [
                ("violations", ",".join(verdict.violations)),
                ("violations_count", len(verdict.violations)),
                ("findings", ",".join(verdict.findings)),
                ("findings_count", len(verdict.findings)),
                ("verdict_as_of", verdict.as_of),
                ("rulebook_version", verdict.rulebook_version),
                ("supplement_clock", verdict.supplement_clock),
            ]
        element = self._element
        own = _string("concept:name", d.dossier_id, pad)  # unique: never cached
        return [own, *(element(key, value, pad) for key, value in values if value is not None)]

    def writer(self, out: ByteSink, spool_dir: Path | None = None) -> XesWriter:
        """A writer of this format's rendered dossiers to ``out`` (XES needs no spool)."""
        return XesWriter(out)


class XesWriter:
    """Writes the header now, a rendered trace per :meth:`add`, and the end at :meth:`close`."""

    def __init__(self, out: ByteSink) -> None:
        self.out = out
        self.counts = ExportCounts()
        out.write(HEADER.encode())

    def add(self, rendered: Rendered) -> None:
        self.out.write(rendered.body)
        self.counts.dossiers += 1
        self.counts.events += rendered.events

    def close(self) -> ExportCounts:
        self.out.write(FOOTER.encode())
        return self.counts

    def discard(self) -> None:
        """Nothing to clean: the output is the caller's."""


def write_xes(
    out: ByteSink, dossiers: Iterable[DossierLog], catalogue: Catalogue, lang: str = "vi"
) -> ExportCounts:
    """Write the whole log of ``dossiers`` (any iterable, consumed once) to ``out``."""
    xes = Xes(catalogue, lang)
    writer = xes.writer(out)
    for dossier in dossiers:
        writer.add(xes.render(dossier))
    return writer.close()
