"""The DVCQG importer: payload records in, contract event lines and rejected records out, as an iterator.

:class:`DvcqgImporter` is a pure state machine over parsed records (``sources.dvcqg.reader`` streams them
from open files): :meth:`~DvcqgImporter.read` maps one item and returns its outputs, :meth:`~DvcqgImporter.
finish` returns the deduced events and closes the accounting. Whatever sink consumes the outputs (a JSONL
file, Kafka through ``ingest``, the warehouse load) sees the same lines in the same order, so the sink is a
choice of the command line, not of the mapping.

**Order.** Records are mapped in the order given. History rows need their dossier's unit and channels from
its dossier record, so the command line gives every dossier record before any history row
(``dossier_audit.jobs.importer.import_outputs``), each kind in the order of the files (file names sort
payload logs by time). Snapshots of one dossier are taken in that order: the first one read is "the
earlier" one.

**Nothing is lost silently.** A record that cannot be mapped (:class:`~sources.dvcqg.fields.Unmappable`, a
read problem, or, should a bug surface, any exception while mapping it: ``record.unmappable``) becomes one
:class:`~sources.dvcqg.context.RejectedRecord` with its reason, and the next record is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from schemas.pseudonym import Pseudonymiser
from sources.dvcqg.blindspots import ImportStats
from sources.dvcqg.bodies import RecordKind, recognise
from sources.dvcqg.context import Context, Output
from sources.dvcqg.dossiers import emit_waiting, map_dossier
from sources.dvcqg.fields import Fields, Unmappable
from sources.dvcqg.history import map_row, row_scrubber
from sources.dvcqg.inference import infer_completions
from sources.dvcqg.notes import unreaching
from sources.dvcqg.privacy import ApplicantScrubber
from sources.dvcqg.reader import Item, ReadProblem, Record, Service
from sources.dvcqg.state import Mark
from sources.dvcqg.units import UnitResolver

__all__ = ["READ_CODES", "DvcqgImporter"]

#: Reason codes of what is not a record at all (the others are ``<Field>.<problem>``, ``unit.*``,
#: ``event.<contract code>`` and ``record.unmappable``).
READ_CODES = frozenset(
    {
        "file.empty",
        "file.unreadable",
        "json.invalid",
        "body.not_container",
        "record.not_object",
        "record.too_deep",
        "record.too_large",
        "record.duplicate_key",
        "record.number_out_of_range",
        "record.unrecognised",
    }
)

_UNRECOGNISED = (
    "the record has the fields of neither a dossier record (TrangThaiHoSo, MaTTHC, NgayTiepNhan, ...) nor "
    "a history row (TrangThai, ThoiDiemXuLy, NoiDungXuLy, ...)"
)
#: A whole payload body where a record was expected: bodies wrapped in a JSON array (concatenated logs put
#: between brackets) were each "a record with the fields of neither", their records lost unexplained.
_BODY_IN_ARRAY = (
    "the record is a whole payload body (service, data) inside a JSON array: give the bodies one after the "
    "other, or one per line in a .jsonl file, not in an array; none of its records was read"
)

#: Blind spots read from each dossier's marks.
_MARKED = (
    (Mark.END_REWRITTEN, "processing_end_rewritten"),
    (Mark.DUE_ADDED_OR_REMOVED, "due_date_added_or_removed"),
    (Mark.DUE_RESET_SEEN, "due_date_reset_seen"),
    (Mark.SNAPSHOT_CHANGED, "snapshot_changed"),
    (Mark.RETURN_CHANNEL_ASSUMED, "return_channel_assumed"),
    (Mark.NO_APPOINTMENT_ROW, "no_appointment_rows"),
)


class DvcqgImporter:
    """Maps DVCQG records to contract events (module docstring). One instance per import."""

    def __init__(self, units: UnitResolver, pseudonymiser: Pseudonymiser, *, validate: bool = True) -> None:
        self._ctx = Context(units, pseudonymiser, validate=validate)
        self._finished = False

    @property
    def stats(self) -> ImportStats:
        return self._ctx.stats

    def start_file(self, source: str, *, again: bool = False) -> None:
        """Outputs that follow belong to ``source`` (a file's path, for rejected records); ``again``: a file
        read before (for its history rows: ``dossier_audit.jobs.importer``), not counted twice."""
        self._ctx.source = source
        self._ctx.index = 0
        if not again:
            self._ctx.stats.files += 1

    def read(self, item: Item) -> Iterable[Output]:
        """The outputs of one item read from the current file."""
        ctx = self._ctx
        if isinstance(item, Service):
            ctx.stats.services[item.name[:64]] += 1
            return ()
        ctx.index = item.index
        if isinstance(item, ReadProblem):
            ctx.stats.unreadable += 1
            ctx.reject(item.code, item.message, b"")
            return ctx.take()
        ctx.stats.records_read += 1
        self._record(item)
        return ctx.take()

    def problem(self, index: int, code: str, message: str) -> Iterable[Output]:
        """A problem with the current file found outside the reader (e.g. it could not be read further)."""
        self._ctx.index = index
        self._ctx.stats.unreadable += 1
        self._ctx.reject(code, message, b"")
        return self._ctx.take()

    def read_all(self, source: str, items: Iterable[Item]) -> Iterator[Output]:
        """Every output of one file's items."""
        self.start_file(source)
        for item in items:
            yield from self.read(item)

    def _record(self, item: Record) -> None:
        ctx = self._ctx
        value = item.value
        pseudonymiser = ctx.pseudonymiser
        if not isinstance(value, dict):
            ctx.reject("record.not_object", "the record is not a JSON object",
                       ApplicantScrubber(pseudonymiser, None).raw(value))  # fmt: skip
            return
        fields = Fields(value)
        kind = recognise(fields)
        if kind is RecordKind.HISTORY:  # scrubbed of its dossier's applicant (``history.row_scrubber``)
            applicant = row_scrubber(ctx, fields)
        else:
            applicant = ApplicantScrubber(pseudonymiser, fields)
        if kind is None:
            body = "service" in value and "data" in value
            ctx.reject("record.unrecognised", _BODY_IN_ARRAY if body else _UNRECOGNISED, applicant.raw(value))
            return
        try:
            if kind is RecordKind.DOSSIER:
                map_dossier(ctx, fields, applicant)
            else:
                map_row(ctx, fields, applicant)
        except Unmappable as exc:  # its message quotes the value refused: whatever may reach someone withheld
            message = unreaching(applicant.text(exc.message))
            ctx.reject(exc.code, message, applicant.raw(value), _dossier_id(fields))
        except Exception as exc:  # one record never stops an import; tests forbid the code
            ctx.reject("record.unmappable", f"the record could not be mapped ({type(exc).__name__})",
                       applicant.raw(value), _dossier_id(fields))  # fmt: skip

    def finish(self) -> Iterator[Output]:
        """The deduced events of every dossier, and the blind-spot accounting; call once, last (and read to
        its end). Yields dossier by dossier: nothing accumulates."""
        if self._finished:
            return
        self._finished = True
        ctx = self._ctx
        ctx.source, ctx.index = "(deduced at the end of the import)", 0
        stats = ctx.stats
        spots = stats.blind_spots
        for dossier_id, state in ctx.states.items():
            emit_waiting(ctx, dossier_id, state)  # a record's end without a note no row stated
            unanswered = infer_completions(ctx, dossier_id, state)
            if ctx.outputs:
                yield from ctx.take()
            if unanswered:
                spots["supplement_without_resume"] += 1
            if state.snapshots == 0:
                spots["history_without_dossier"] += 1
            else:
                if state.history_rows == 0:
                    spots["history_absent"] += 1
                if state.snapshots == 1:
                    spots["single_snapshot"] += 1
            marks = state.marks
            if marks & Mark.SUPPLEMENT_REQUESTED and not marks & Mark.SUPPLEMENT_DETAILS:
                spots["supplement_details_empty"] += 1
            for mark, spot in _MARKED:
                if marks & mark:
                    spots[spot] += 1
            if state.unstated_pending():
                spots["status_time_unknown"] += 1
        stats.dossiers = len(ctx.states)


def _dossier_id(fields: Fields) -> str | None:
    value: Any = fields.raw("MaHoSo")
    return value[:64] if isinstance(value, str) else None
