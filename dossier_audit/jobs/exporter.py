"""What ``dossier-audit export xes|ocel`` does: read dossiers from an events file or the warehouse, keep the
selected ones, and write them as XES or OCEL 2.0, atomically.

**From a file**, through the batch engine (``jobs.batch_engine``) as ``audit`` reads one: lines are
validated as everywhere (rejected lines are counted by reason, never exported), each dossier's valid events
are grouped in memory bounded by the dossiers open at once, and each dossier is judged at ``as_of`` by the
auditor ``audit`` uses — the same violations as ``audit FILE --as-of``, and the classification the
warehouse load stores — and rendered in the format, in the engine's workers (in parallel): only the
rendered bytes of each selected dossier travel to this process, through the engine's spool, and are
written as they arrive.

**From the warehouse**, page by page (``warehouse.event_log``): the stored events and the stored verdicts.
After ``warehouse load FILE --as-of T`` both give the same dossiers, events and verdicts (a dossier whose
classification alone fails, while its rules can be judged, is the one difference: the load stores
``AUDIT_ERROR`` for it, the file export its violations without a classification).

**Output**: written to a temporary file beside ``--out`` and renamed over it when complete, so a failed or
interrupted export never leaves a truncated file (and an old export stays whole until the new one is);
gzip-compressed when the name ends in ``.gz``; standard output for ``-``.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bootstrap.platform import Platform
from dossier_audit.jobs.batch_engine import (
    PICKLE_FRAMES,
    BatchEngine,
    IngestStats,
    ProgressSink,
    RejectionSink,
)
from dossier_audit.jobs.files import engine_options
from dossier_audit.whole_files import written_whole
from inspections.audit_error import failure
from inspections.catalogue import Catalogue
from inspections.classification import classify
from inspections.rulebook import Auditor, Rulebooks
from inspections.violations import Violation
from reporting.exports.model import (
    ByteSink,
    DossierLog,
    ExportCounts,
    Rendered,
    Selection,
    Verdict,
    VerdictRecord,
    dossier_log,
    verdict,
)
from reporting.exports.ocel import Ocel
from reporting.exports.xes import Xes
from schemas.events import AnyEvent
from warehouse.base import Warehouse
from warehouse.event_log import shared_event_ids, stored_event_log

FORMATS = ("xes", "ocel")
#: Renders one dossier in a format (``Xes.render``, ``Ocel.render``).
Render = Callable[[DossierLog], Rendered]
#: ``--out`` meaning standard output.
STDOUT = "-"


@dataclass
class ExportRun:
    """What an export wrote, what reading an events file found (``None`` for the warehouse), and the unit
    codes of every dossier read, selected or not (whether a ``--unit`` the catalogue lacks has data)."""

    counts: ExportCounts = field(default_factory=ExportCounts)
    stats: IngestStats | None = None
    units: set[str] = field(default_factory=set)


def judged(auditor: Auditor, dossier_id: str, events: list[AnyEvent], as_of: datetime) -> Verdict:
    """The verdict at ``as_of`` of a dossier's events (unique, in event-time order): its violations as
    ``audit`` reports them (``AUDIT_ERROR`` when they cannot be judged), and its classification as the
    warehouse stores it (``none`` for a dossier never received; ``None`` when it cannot be computed)."""
    try:
        facts = auditor.facts(dossier_id, events, as_of, presorted=True)
        found = auditor.evaluate_facts(facts)
    except Exception as exc:  # rulebook v2, amendment 12: this dossier only
        error = failure(auditor.rulebooks, dossier_id, events, as_of, exc)
        return verdict(as_of, None, [_record(error)])
    try:
        cls = classify(facts, auditor.catalogue, auditor.calendar)
        status: str | None = cls.status if cls is not None else "none"
    except Exception:
        status = None
    return verdict(as_of, status, [_record(v) for v in found])


def _record(v: Violation) -> VerdictRecord:
    """A violation as its verdict reads it: with the rulebook version and the supplement clock it records,
    as the warehouse stores them (``warehouse.event_log``)."""
    clock = v.evidence.get("supplement_clock")
    return (v.rule_id, v.kind, v.rulebook_version, clock if isinstance(clock, str) else "")


def file_logs(
    platform: Platform,
    path: Path,
    as_of: datetime,
    selection: Selection,
    run: ExportRun,
    render: Render,
    *,
    on_rejection: RejectionSink | None = None,
    on_progress: ProgressSink | None = None,
) -> Iterator[Rendered]:
    """The selected dossiers of an events file, judged at ``as_of`` and rendered by ``render`` in the batch
    engine's workers; ``run.stats`` and ``run.units`` are final once the iterator is exhausted."""
    auditor = platform.auditor
    amended = amended_rulebook(auditor.rulebooks)

    def evaluate(dossier_id: str, events: list[AnyEvent]) -> list[Any]:
        log = dossier_log(dossier_id, events, judged(auditor, dossier_id, events, as_of), amended=amended)
        # A dossier left out travels as its unit code alone (for the unknown-unit check).
        return [render(log)] if selection.keeps(log) else [log.unit_code]

    engine = BatchEngine(
        evaluate,
        options=engine_options(platform, as_of),
        on_rejection=on_rejection,
        on_progress=on_progress,
        codec=PICKLE_FRAMES,
    )
    run.stats = engine.stats
    for item in engine.run(path):
        if isinstance(item, str):
            run.units.add(item)
        else:
            run.units.add(item.unit_code)
            yield item


def warehouse_logs(
    wh: Warehouse, selection: Selection, run: ExportRun, render: Render, *, amended: bool = True
) -> Iterator[Rendered]:
    """The selected dossiers the warehouse holds, with the verdicts it holds, rendered by ``render``;
    ``amended``: the platform's rulebook is v2 or later (:func:`amended_rulebook`)."""
    for stored in stored_event_log(wh):
        held = verdict(stored.as_of, stored.status, stored.rules) if stored.as_of is not None else None
        log = dossier_log(stored.dossier_id, stored.events, held, amended=amended)
        run.units.add(log.unit_code)
        if selection.keeps(log):
            yield render(log)


def amended_rulebook(rulebooks: Rulebooks) -> bool:
    """Whether every rulebook version of the platform reads v2's amendments (a blank notice is none)."""
    return all(book.semantics.amended for book in rulebooks.versions)


def qualify_shared_ids(form: Xes | Ocel, wh: Warehouse) -> frozenset[str]:
    """For an OCEL log from the warehouse, the event ids it holds under more than one dossier, which the log
    writes qualified by their dossier (``Ocel.shared_ids``); none for XES, whose events need no unique id."""
    if not isinstance(form, Ocel):
        return frozenset()
    form.shared_ids = shared_event_ids(wh)
    return form.shared_ids


def log_format(fmt: str, catalogue: Catalogue, lang: str) -> Xes | Ocel:
    """The format ``fmt`` (``xes`` or ``ocel``) with the catalogue's names, activities in ``lang``."""
    if fmt == "xes":
        return Xes(catalogue, lang)
    if fmt == "ocel":
        return Ocel(catalogue, lang)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def write_log(
    form: Xes | Ocel, out: ByteSink, rendered: Iterable[Rendered], spool: Path | None
) -> ExportCounts:
    """Write rendered dossiers to ``out`` as one log of ``form``; OCEL's spool goes in ``spool``."""
    writer = form.writer(out, spool)
    try:
        for piece in rendered:
            writer.add(piece)
    except BaseException:
        writer.discard()
        raise
    return writer.close()


@contextmanager
def output(path: Path) -> Iterator[tuple[ByteSink, Path | None]]:
    """``path`` opened for an export, with the directory for its spool (``None``: ``TMPDIR``); see the
    module docstring. ``OSError`` when it cannot be written."""
    if str(path) == STDOUT:
        yield sys.stdout.buffer, None
        sys.stdout.buffer.flush()
        return
    directory = path.parent
    with written_whole(path) as raw:
        if path.name.endswith(".gz"):
            # mtime 0: the same log gives the same bytes.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
                yield packed, directory
        else:
            yield raw, directory
