"""A dossier record (``DongBoHoSoMC``) as contract events: a snapshot of one dossier at one moment.

A record states the dossier's present status and a few dates, not its history, so what it yields is:

- ``submitted`` at ``NgayNopHoSo``, for ``KenhThucHien`` "2" (online);
- ``received`` at ``NgayTiepNhan``: ``MaTTHC``, the channel, ``NgayHenTra`` as ``due_at``, the documents
  (``TaiLieuNop[].MaThanhPhanHoSo``), the applicant's pseudonym;
- status 3: ``refused`` at ``NgayTuChoi`` (else ``NgayKetThucXuLy``), or ``withdrawn`` when ``GhiChu`` says
  "Công dân thu hồi hồ sơ";
- status 7 / 8: ``withdrawn`` / ``suspended`` at ``NgayKetThucXuLy``;
- status 9 / 10: ``processed`` at ``NgayKetThucXuLy`` (not when ``GhiChu`` says the 9 is really a supplement
  request, a financial obligation or "no appointment date"); status 10 also ``returned`` at ``NgayTra``,
  its channel from ``HinhThuc``;
- ``DanhSachHoSoBoSung[]`` (observed sent empty): ``supplement_requested`` at ``NgayBoSung`` and
  ``supplement_completed`` at ``NgayTiepNhanBoSung``.

A status with no date in the record (5, 6, or 7/8 without ``NgayKetThucXuLy``) yields nothing here; a history
row may state it, otherwise it is counted as a blind spot. A record is mapped whole or rejected whole: every
field is read and checked before any event leaves.

**Snapshots.** The first snapshot of a dossier read in an import gives its ``received`` event (with that
snapshot's ``NgayHenTra``) and each end; a later snapshot adds what is new (an end not stated before) and
one deduced ``due_date_changed`` when its ``NgayHenTra`` differs from the previous snapshot's (the
"reset appointment date" that the sender's history hides). Its time is the latest time the later snapshot
states (the change happened before that snapshot was taken; the format says no more). Other differences
(a rewritten ``NgayKetThucXuLy``, changed documents) are not events: they are counted as blind spots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sources.dvcqg.appointments import original_due, rescheduled, reschedules
from sources.dvcqg.context import Context
from sources.dvcqg.fields import Fields, Unmappable
from sources.dvcqg.holder import holder_prints, passed_on_unnamed
from sources.dvcqg.identity import Provenance, digest, fact_key
from sources.dvcqg.notes import end_data
from sources.dvcqg.privacy import ApplicantScrubber
from sources.dvcqg.state import DossierState, Mark, Step
from sources.dvcqg.times import format_instant, shown_text
from sources.dvcqg.vocabulary import (
    CHANNELS,
    DOSSIER_SERVICE,
    RETURN_METHODS,
    REWRITES,
    Meaning,
    meaning_of,
    numbered,
)

__all__ = ["emit_waiting", "map_dossier"]

_TRUE = frozenset({"true", "1", "yes"})
#: Statuses only a received dossier can have (1 and 3 come before receipt; 7, a withdrawal, may).
_RECEIVED_STATUSES = frozenset({"2", "4", "5", "6", "8", "9", "10"})


class _Record:
    """Everything a dossier record says, read and checked (raises :class:`Unmappable`)."""

    def __init__(self, fields: Fields) -> None:
        self.dossier_id = fields.dossier_id("MaHoSo")
        alias = fields.code("MaHoSoKhac")
        self.alias = alias if alias is not None and alias != self.dossier_id and len(alias) <= 128 else None
        self.status = fields.status("TrangThaiHoSo")
        self.submitted_at = fields.time("NgayNopHoSo")
        self.received_at = fields.time("NgayTiepNhan")
        self.due_at = fields.time("NgayHenTra")
        self.ended_at = fields.time("NgayKetThucXuLy")
        self.returned_at = fields.time("NgayTra")
        self.refused_at = fields.time("NgayTuChoi")
        self.note = fields.text("GhiChu")
        self.unit_name = fields.text("DonViXuLy")
        self.procedure = fields.code("MaTTHC")
        channel = fields.code("KenhThucHien")
        self.channel = CHANNELS.get(numbered(channel)) if channel is not None else None
        if channel is not None and self.channel is None:
            raise Unmappable("KenhThucHien.unknown", f"KenhThucHien {shown_text(channel)} is not 1, 2 or 3")
        method = fields.code("HinhThuc")
        self.return_channel = RETURN_METHODS.get(numbered(method)) if method is not None else None
        if method is not None and self.return_channel is None:
            raise Unmappable("HinhThuc.unknown", f"HinhThuc {shown_text(method)} is not 0 or 1")
        if self.received_at is not None or (self.submitted_at is not None and self.channel == "online"):
            if self.procedure is None:
                raise Unmappable("MaTTHC.missing", "MaTTHC (the procedure code) is missing")
            if self.channel is None:
                raise Unmappable("KenhThucHien.missing", "KenhThucHien (the channel) is missing")
        elif self.status in _RECEIVED_STATUSES:
            raise Unmappable(
                "NgayTiepNhan.missing", f"status {self.status} needs NgayTiepNhan (when it was received)"
            )
        elif self.status == "1":  # nothing it says could be imported: said, not dropped (DVCQG review)
            if self.channel is None:
                raise Unmappable("KenhThucHien.missing", "KenhThucHien (the channel) is missing")
            if self.channel != "online":
                raise Unmappable(
                    "KenhThucHien.not_online",
                    "status 1 (Mới đăng ký) is a submission online, but KenhThucHien says otherwise and the "
                    "dossier is not received (no NgayTiepNhan): nothing to import until it is",
                )
            raise Unmappable("NgayNopHoSo.missing", "status 1 (submitted online) needs NgayNopHoSo (when)")
        self.documents = _documents(fields)
        self.supplements = [_supplement(item) for item in fields.items("DanhSachHoSoBoSung")]
        self.reschedules = reschedules(fields)
        self.meaning = meaning_of(self.note, self.status) if self.status in ("3", "9") else None
        times = (self.submitted_at, self.received_at, self.ended_at, self.returned_at, self.refused_at)
        self.latest = max((t for t in times if t is not None), default=None)

    @property
    def date(self) -> Any:
        at = self.received_at or self.submitted_at or self.latest
        return None if at is None else at.date()


def map_dossier(ctx: Context, fields: Fields, applicant: ApplicantScrubber) -> None:
    """Emit the events of one dossier record into ``ctx`` (module docstring); raises :class:`Unmappable`
    before emitting anything when the record cannot be mapped."""
    record = _Record(fields)
    dossier_id = ctx.canonical(record.dossier_id)
    state = ctx.states.get(dossier_id)
    unit = state.unit if state is not None else None
    if unit is None:
        unit = ctx.units.resolve(record.dossier_id, record.unit_name, record.date)
    # -- from here on nothing raises: the record is mapped --------------------------------------------
    state = ctx.state(dossier_id)
    state.unit = unit
    if record.alias is not None and record.alias not in ctx.states:
        ctx.aliases.setdefault(record.alias, dossier_id)
    state.snapshots += 1
    if holder := holder_prints(fields):
        state.holder = holder  # a row naming her as its official withholds it (``history``)
    state.channel = state.channel or record.channel
    state.return_channel = record.return_channel or state.return_channel
    ctx.stats.records["dossier"] += 1
    extra = {"dossier_alias": record.alias} if record.alias else None
    ref = f"{DOSSIER_SERVICE}/{record.dossier_id}"
    emitter = _Emitter(ctx, state, dossier_id, ref, extra)

    if record.channel == "online" and record.submitted_at is not None and state.claim("submitted"):
        data: dict[str, Any] = {"procedure_code": record.procedure, "channel": "online"}
        if pseudonym := applicant.applicant:
            data["applicant"] = pseudonym
        emitter.emit("submitted", record.submitted_at, data)
    if record.received_at is not None:
        _received(emitter, record, applicant)
    _supplements(emitter, record, applicant)
    _status(emitter, record, applicant)


class _Emitter:
    __slots__ = ("ctx", "dossier_id", "extra", "ref", "state")

    def __init__(
        self, ctx: Context, state: DossierState, dossier_id: str, ref: str, extra: dict[str, Any] | None
    ) -> None:
        self.ctx, self.state, self.dossier_id, self.ref, self.extra = ctx, state, dossier_id, ref, extra

    def emit(
        self,
        kind: str,
        at: datetime,
        data: dict[str, Any],
        *,
        identity: tuple[str, ...] = (),
        unknown: tuple[str, ...] = (),
        basis: str = "",
        inferred_kind: str = "",
    ) -> None:
        key = fact_key(self.dossier_id, kind, *identity)
        provenance = Provenance(self.ref, inferred=bool(basis), basis=basis, unknown=unknown)
        self.ctx.emit(self.state, key, self.dossier_id, kind, at, data, provenance,
                      inferred_kind=inferred_kind, extra=self.extra)  # fmt: skip


def _received(emitter: _Emitter, record: _Record, applicant: ApplicantScrubber) -> None:
    state = emitter.state
    assert record.received_at is not None and record.channel is not None
    content = digest(str(record.procedure), record.channel, *record.documents)
    if state.claim("received"):
        due = original_due(record.due_at, record.reschedules)
        data: dict[str, Any] = {
            "procedure_code": record.procedure,
            "channel": record.channel,
            "due_at": None if due is None else format_instant(due),
            # A code is the sender's free text too: one that held the holder's name and id number went on in
            # clear, and into violations' evidence (review of 2026-12-06: "Đỗ Văn Eta 079301000007"). Her
            # values are replaced, not her name's parts looked for: a catalogue code of words ("TO-KHAI") is a
            # run of "Tô Khải Minh"'s, and withheld it made an EXCESS_DOCUMENTS that was not (last read).
            "documents": [applicant.text(code) for code in record.documents],
        }
        if pseudonym := applicant.applicant:
            data["applicant"] = pseudonym
        emitter.emit("received", record.received_at, data)
        state.received_digest = content
        state.due, state.due_seen = due, True  # the date in force, as the events say it (RULES.md, 5)
        return
    emitter.ctx.stats.repeated += 1
    if state.received_digest is not None and state.received_digest != content:
        state.marks |= Mark.SNAPSHOT_CHANGED
    if not state.due_seen:
        state.due, state.due_seen = original_due(record.due_at, record.reschedules), True
        return
    old, new = state.due, record.due_at
    if old == new or rescheduled(record.reschedules, old, new):  # a supplement's new date: not a change of it
        return
    state.due = new
    if old is None or new is None:
        state.marks |= Mark.DUE_ADDED_OR_REMOVED
        return
    state.marks |= Mark.DUE_RESET_SEEN
    at = max(record.latest or record.received_at, record.received_at)
    old_text, new_text = format_instant(old), format_instant(new)
    emitter.emit(
        "due_date_changed", at,
        {"old_due_at": old_text, "new_due_at": new_text, "reason": ""},
        identity=(old_text, new_text),
        basis="NgayHenTra differs between two snapshots of the dossier (the sender keeps no history row of "
        "a due-date change); the time is the later snapshot's latest stated time",
        inferred_kind="due_date_changed_between_snapshots",
    )  # fmt: skip


def _supplements(emitter: _Emitter, record: _Record, applicant: ApplicantScrubber) -> None:
    state = emitter.state
    if any(s is not None for s in record.supplements):
        state.marks |= Mark.SUPPLEMENT_DETAILS
    for item in record.supplements:
        if item is None:
            continue
        requested_at, reason, completed_at = item
        if requested_at is not None:
            state.marks |= Mark.SUPPLEMENT_REQUESTED
            day = f"supplement_requested@{requested_at.date()}"
            if not state.knows(f"row:{day}") and state.claim(f"item:{day}"):
                state.claim("any:supplement_requested")
                emitter.emit(
                    "supplement_requested", requested_at,
                    {"notice_id": None, "reason": passed_on_unnamed(applicant.text(reason), state.holder),
                     "requested_documents": []},
                    identity=(format_instant(requested_at),), unknown=("notice_id",),
                )  # fmt: skip
                if completed_at is None:
                    state.step(
                        requested_at, Step.SUPPLEMENT_REQUEST, digest("item", format_instant(requested_at))
                    )
        if completed_at is not None:
            day = f"supplement_completed@{completed_at.date()}"
            if state.claim(f"item:{day}"):
                emitter.emit("supplement_completed", completed_at, {"documents": []},
                             identity=(format_instant(completed_at),))  # fmt: skip


def _status(emitter: _Emitter, record: _Record, applicant: ApplicantScrubber) -> None:
    state, ctx, status = emitter.state, emitter.ctx, record.status
    # The note may name someone else too (``notes``), or the applicant by part of her name (``holder``).
    reason = passed_on_unnamed(applicant.text(record.note), state.holder)
    if record.meaning in REWRITES:
        ctx.stats.rewrites[record.meaning.value] += 1
    if status == "3":
        at = record.refused_at or record.ended_at
        if record.meaning is Meaning.WITHDRAWAL:
            _reasoned_end(emitter, "withdrawn", at, reason)
        else:
            stage = "processing" if record.received_at is not None else "reception"
            _reasoned_end(emitter, "refused", at, reason, stage)
    elif status == "5" or (status == "9" and record.meaning is Meaning.SUPPLEMENT_REQUEST):
        state.marks |= Mark.SUPPLEMENT_REQUESTED
        _pending(state, "any:supplement_requested")
    elif status == "6" or (status == "9" and record.meaning is Meaning.FINANCIAL_OBLIGATION):
        _pending(state, "any:financial_obligation_requested")
    elif status == "7":
        _reasoned_end(emitter, "withdrawn", record.ended_at, reason)
    elif status == "8":
        _reasoned_end(emitter, "suspended", record.ended_at, reason)
    elif status == "9" and record.meaning is Meaning.NO_APPOINTMENT_DATE and record.ended_at is None:
        state.marks |= Mark.NO_APPOINTMENT_ROW  # the sender's marker, no end (DOMAIN §9)
    elif status in ("9", "10"):
        if record.meaning is Meaning.NO_APPOINTMENT_DATE:  # the note says so; the record states its end
            state.marks |= Mark.NO_APPOINTMENT_ROW  # by its date all the same (review: the end was lost)
        _processed(emitter, record)
        if status == "10":
            _returned(emitter, record)


def _processed(emitter: _Emitter, record: _Record) -> None:
    state = emitter.state
    at = record.ended_at
    if at is not None:
        if state.end_time is None:
            state.end_time = at
        elif state.end_time != at:
            state.marks |= Mark.END_REWRITTEN
    if at is None:
        if record.status == "9":
            _pending(state, "processed")
        return
    _end(emitter, "processed", at, {})


def _returned(emitter: _Emitter, record: _Record) -> None:
    state = emitter.state
    at = record.returned_at
    if at is None:
        _pending(state, "returned")
        return
    channel = record.return_channel or state.return_channel
    if channel is not None:
        _end(emitter, "returned", at, {"channel": channel})
        return
    state.marks |= Mark.RETURN_CHANNEL_ASSUMED
    _end(emitter, "returned", at, {"channel": state.channel or "direct"},
         basis="HinhThuc (how the result is returned) is absent: the channel is the submission channel "
         "(KenhThucHien)", inferred_kind="return_channel_from_submission")  # fmt: skip


def _end(
    emitter: _Emitter,
    kind: str,
    at: datetime | None,
    data: dict[str, Any],
    *,
    unknown: tuple[str, ...] = (),
    basis: str = "",
    inferred_kind: str = "",
) -> None:
    """An end (or a return) read from the record, once per dossier and kind whatever states it again."""
    state = emitter.state
    if at is None:
        _pending(state, kind)
        return
    if state.claim(kind):
        if state.unwait(kind):  # a later snapshot states it with a note: the one without is a repeat
            emitter.ctx.stats.repeated += 1
        emitter.emit(kind, at, data, unknown=unknown, basis=basis, inferred_kind=inferred_kind)
    else:
        emitter.ctx.stats.repeated += 1


def _reasoned_end(emitter: _Emitter, kind: str, at: datetime | None, reason: str, stage: str = "") -> None:
    """A refusal, withdrawal or suspension, its note as reason; without a note it waits for the row of its
    status (read after every record) to state it with its text, else comes out at the end of the import
    (:func:`emit_waiting`). At once, the row's text was lost: a false refusal without reason (review)."""
    state = emitter.state
    if at is not None and not reason and not state.knows(kind):
        if not state.wait(kind, (at, stage, emitter.ref, emitter.extra)):  # what rebuilds it
            emitter.ctx.stats.repeated += 1
        return
    data, unknown = end_data(kind, reason, stage)
    _end(emitter, kind, at, data, unknown=unknown)


def emit_waiting(ctx: Context, dossier_id: str, state: DossierState) -> None:
    """Emit the record's ends still waiting for a row's reason (:func:`_reasoned_end`), reason empty."""
    if not state.waiting:
        return
    waiting, state.waiting = state.waiting, None
    for kind, (at, stage, ref, extra) in waiting.items():
        if state.claim(kind):
            data, unknown = end_data(kind, "", stage)
            _Emitter(ctx, state, dossier_id, ref, extra).emit(kind, at, data, unknown=unknown)


def _pending(state: DossierState, fact: str) -> None:
    """The record states ``fact`` without a time: unless some row states it, a blind spot (at the end)."""
    if not state.knows(fact):
        state.claim(f"?{fact}")


def _documents(fields: Fields) -> list[str]:
    """The component codes handed in (``TaiLieuNop[].MaThanhPhanHoSo``), deleted files left out, in order,
    each once."""
    codes: list[str] = []
    for item in fields.items("TaiLieuNop"):
        if not isinstance(item, dict):
            raise Unmappable("TaiLieuNop.invalid", "TaiLieuNop holds an item that is not an object")
        document = Fields(item)
        deleted = document.raw("IsDeleted")
        if deleted is True or (isinstance(deleted, str | int) and str(deleted).strip().lower() in _TRUE):
            continue
        code = document.code("MaThanhPhanHoSo")
        if code is not None and code not in codes:
            codes.append(code)
    return codes


def _supplement(item: Any) -> tuple[datetime | None, str, datetime | None] | None:
    """(requested at, what was asked, completed at) of a ``DanhSachHoSoBoSung`` item; ``None`` when empty."""
    if not isinstance(item, dict):
        raise Unmappable(
            "DanhSachHoSoBoSung.invalid", "DanhSachHoSoBoSung holds an item that is not an object"
        )
    fields = Fields(item)
    requested_at = fields.time("NgayBoSung")
    completed_at = fields.time("NgayTiepNhanBoSung")
    if requested_at is None and completed_at is None:
        return None
    return requested_at, fields.text("NoiDungBoSung"), completed_at
