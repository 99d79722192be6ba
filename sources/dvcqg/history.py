"""A processing-history row (``CapNhatTienDoHoSoMC``) as a contract event: one step of one dossier.

- any status with the text "Ban hành văn bản xin lỗi": ``apology_issued`` (deduced from the text alone:
  no code exists);
- 1, 2: none (the dossier record carries the submission and the receipt: procedure, channel, due date);
- 3: ``refused``, or ``withdrawn`` when the text is "Công dân thu hồi hồ sơ";
- 4: ``transferred`` to the dossier's unit, ``step`` = ``PhongBanXuLy`` (unless it names the applicant,
  holds a number or an e-mail, or is longer than a name: :func:`_names_nobody`), ``step_due_at`` =
  ``NgayKetThucTheoQuyDinh``;
- 5, or 9 with "Cán bộ trả hồ sơ bổ sung": ``supplement_requested``;
- 6, or 9 with "Công dân thực hiện NVTC": ``financial_obligation_requested``;
- 7 / 8: ``withdrawn`` / ``suspended``;
- 9 with "Hồ sơ không có ngày hẹn trả": none (not an end; counted);
- 9 / 10: ``processed`` / ``returned`` (its channel from the dossier's ``HinhThuc``).

The time is ``ThoiDiemXuLy`` (else ``NgayBatDau``, said as deduced); the official ``NguoiXuLy`` is the
``actor``, except on a row whose text says the citizen acted ("Công dân …", "Nộp bổ sung …") or of status
7 (the citizen withdraws), where that name may be the applicant's, and when it is the name the dossier's
record gives the applicant (known when the record was read). The row's text, when it becomes a ``reason``:
on a citizen's row its ``NguoiXuLy`` is scrubbed from it (``privacy``); then a text that may name someone
or reach them keeps only the phrase the vocabulary recognises in it, the rest withheld as "[…]"
(``notes.passed_on``): an official's note may name the applicant. That is read from the row alone (a row
imported again, with or without its dossier's record, is the same event), but for the applicant's name: a
text holding a value the record gives, or three words or more of her name in a row, is withheld so too
(``holder.passed_on_unnamed``). "hồ sơ của lò văn páo thiếu giấy tờ" went on in clear: "lò" is no
surname the text alone is read for, and the record naming her was not looked at (review of 2026-12-07).

A row needs its dossier's unit: from a dossier record of the import (the command reads every one before any
row), else from the ``MaHoSo`` prefix; a row with neither is rejected (``unit.unresolved``).

Ends are stated once per dossier and kind: a ``processed`` already read from the dossier's snapshot is not
stated again by its "Kết thúc xử lý hồ sơ" row (and the other way round).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from sources.dvcqg.context import Context
from sources.dvcqg.fields import Fields, Unmappable
from sources.dvcqg.holder import names_holder, official_prints, passed_on_unnamed
from sources.dvcqg.identity import SYSTEM, Provenance, digest, fact_key
from sources.dvcqg.notes import WITHHELD, end_data, may_name, may_reach, withheld
from sources.dvcqg.privacy import ApplicantScrubber
from sources.dvcqg.state import DossierState, Mark, Step
from sources.dvcqg.times import format_instant
from sources.dvcqg.vocabulary import (
    PROGRESS_SERVICE,
    REWRITES,
    Meaning,
    fold,
    meaning_of,
)

__all__ = ["WITHHELD", "map_row", "may_name", "row_reference", "row_scrubber", "withheld"]

_END_KINDS = {"3": "refused", "7": "withdrawn", "8": "suspended", "9": "processed", "10": "returned"}
_APOLOGY_BASIS = (
    "history row text 'Ban hành văn bản xin lỗi': the format has no code for an apology, its notice number "
    "or its new date"
)
#: The basis of an event whose type a row's text says, not its status code (senders rewrite statuses 5, 6
#: and 3 so: DOMAIN §9): deduced, as EVENTS.md's ``inferred`` says (DVCQG review: only the apology was).
_REWRITE_BASIS = {
    Meaning.SUPPLEMENT_REQUEST: "a status-9 history row whose text says the official returned the dossier "
    "for a supplement: senders write a supplement request (status 5) so",
    Meaning.FINANCIAL_OBLIGATION: "a status-9 history row whose text says the citizen is to fulfil a "
    "financial obligation (NVTC): senders write one (status 6) so",
    Meaning.WITHDRAWAL: "a history row whose text says the citizen took the dossier back: senders may write "
    "a withdrawal (status 7) as a refusal (status 3)",
}
#: The basis of an event at the time its step started: the row states no time it happened.
_STARTED_BASIS = "ThoiDiemXuLy (when the step happened) is absent: the time is when it started (NgayBatDau)"


def row_reference(dossier_id: str, at_text: str, status: str) -> str:
    """``source.record`` of a history row: service, dossier, time (``yyyyMMddHHmmss``) and status."""
    compact = at_text[:19].replace("-", "").replace(":", "").replace("T", "")
    return f"{PROGRESS_SERVICE}/{dossier_id}/{compact}/{status}"


def row_scrubber(ctx: Context, fields: Fields) -> ApplicantScrubber:
    """The applicant scrubber of a history row (module docstring): ``NguoiXuLy`` on a row whose text says
    the citizen acted or of status 7 (:func:`_citizen_acted`), or whose text cannot be read (the row is
    rejected; its raw record is scrubbed)."""
    holder: frozenset[str] = frozenset()
    try:
        status = fields.status("TrangThai")
    except Unmappable:  # rejected for it: its text alone says whether the citizen acted
        status = ""
    try:
        if _citizen_acted(status, fields.text("NoiDungXuLy")):
            holder = frozenset({"NguoiXuLy"})
    except Unmappable:
        holder = frozenset({"NguoiXuLy"})
    return ApplicantScrubber(ctx.pseudonymiser, fields, holder_keys=holder)


def map_row(ctx: Context, fields: Fields, applicant: ApplicantScrubber) -> None:
    """Emit the event of one history row into ``ctx`` (module docstring); raises :class:`Unmappable`
    before emitting anything when the row cannot be mapped. ``applicant``: :func:`row_scrubber`'s."""
    dossier_id = ctx.canonical(fields.dossier_id("MaHoSo"))
    status = fields.status("TrangThai")
    at = fields.time("ThoiDiemXuLy")
    started = at is None
    if started:
        at = fields.time("NgayBatDau")
    if at is None:
        raise Unmappable("ThoiDiemXuLy.missing", "ThoiDiemXuLy (when the step happened) is missing")
    step_due = fields.time("NgayKetThucTheoQuyDinh")
    text = fields.text("NoiDungXuLy")
    official = fields.text("NguoiXuLy")
    department = fields.text("PhongBanXuLy")
    state = ctx.states.get(dossier_id)
    unit = state.unit if state is not None else None
    if unit is None:
        unit = ctx.units.from_dossier_id(dossier_id)
    if unit is None:
        near = ctx.differs_in_case(dossier_id)
        read = (
            f"the dossier record read is {near!r}, which differs in letter case (ids are compared exactly)"
            if near is not None
            else "no dossier record of this MaHoSo was read before its history row"
        )
        prefix = "the MaHoSo prefix is not a unit code of the catalogue"
        raise Unmappable("unit.unresolved", f"{read}, and {prefix}")
    meaning = meaning_of(text, status)
    kind = _kind(status, meaning)
    channel: str | None = None
    channel_basis = ""
    if kind == "returned":
        channel = state.return_channel if state is not None else None
        if channel is None and state is not None and state.channel is not None:
            channel, channel_basis = state.channel, "HinhThuc (how the result is returned) is absent: the "
            channel_basis += "channel is the submission channel (KenhThucHien)"
        if channel is None:
            raise Unmappable(
                "HinhThuc.missing",
                "a status-10 row of a dossier whose record was not read: how the result was returned "
                "(HinhThuc) is unknown",
            )
    # -- from here on nothing raises: the row is mapped ------------------------------------------------
    state = ctx.state(dossier_id)
    state.unit = unit
    state.history_rows += 1
    ctx.stats.records["history"] += 1
    at_text = format_instant(at)
    step_due_text = None if step_due is None else format_instant(step_due)
    identity = digest(
        SYSTEM, dossier_id, "row", status, at_text, text, official, department, str(step_due_text)
    )
    ref = row_reference(dossier_id, at_text, status)
    if meaning in REWRITES:
        ctx.stats.rewrites[meaning.value] += 1
    citizen = _citizen_acted(status, text) or any(p in state.holder for p in official_prints(official))
    actor = "" if citizen else official
    deduced = [_REWRITE_BASIS[meaning]] if meaning in _REWRITE_BASIS else []
    emit = _RowEmitter(ctx, state, dossier_id, identity, ref, at, actor,
                       "; ".join([*deduced, _STARTED_BASIS] if started else deduced))  # fmt: skip
    text = passed_on_unnamed(applicant.text(text), state.holder)  # what a ``reason`` may say (docstring)

    if kind is None:
        if meaning is Meaning.NO_APPOINTMENT_DATE:
            state.marks |= Mark.NO_APPOINTMENT_ROW
        return
    if kind == "apology_issued":
        emit(kind, {"notice_id": None, "reason": text, "new_due_at": None},
             unknown=("notice_id", "new_due_at"), basis=_APOLOGY_BASIS,
             inferred_kind="apology_from_text")  # fmt: skip
    elif kind == "transferred":
        data: dict[str, Any] = {"to_unit_code": unit}
        if department and _names_nobody(department, state, applicant):
            data["step"] = department
        if step_due_text is not None:
            data["step_due_at"] = step_due_text
        emit(kind, data)
        state.step(at, Step.RESUME, identity)
    elif kind == "supplement_requested":
        state.marks |= Mark.SUPPLEMENT_REQUESTED
        day = f"supplement_requested@{at.date()}"
        state.claim(f"row:{day}")
        state.claim("any:supplement_requested")
        if state.knows(f"item:{day}"):  # the snapshot's supplement list stated it already
            ctx.stats.repeated += 1
            return
        # The request at its instant, as the snapshot's list states one (:func:`fact_key`): a later
        # snapshot stating it is that event, not a second. By the instant, not the day's first row: which
        # row is first depends on what an import read (a late same-day row moved the id: diff review).
        emit(kind, {"notice_id": None, "reason": text, "requested_documents": []}, unknown=("notice_id",),
             key=fact_key(dossier_id, kind, at_text))  # fmt: skip
        state.step(at, Step.SUPPLEMENT_REQUEST, identity)
    elif kind == "financial_obligation_requested":
        state.claim("any:financial_obligation_requested")
        emit(kind, {"notice_id": None}, unknown=("notice_id",))
        state.step(at, Step.FINANCIAL_REQUEST, identity)
    else:
        if not state.claim(kind):
            ctx.stats.repeated += 1
            return
        if state.unwait(kind):  # the record stated it without a note: the row's, with its text (``dossiers``)
            ctx.stats.repeated += 1
        elif kind == "withdrawn" and status == "3" and state.unwait("refused"):
            # A status-3 record without a note waits as a refusal; a status-3 row saying the citizen withdrew
            # ("Công dân thu hồi hồ sơ", DOMAIN §9) is that end, read: one end, the withdrawal. Both came out,
            # and the refusal, ranked first, made the citizen's withdrawal the unit's (DVCQG review).
            ctx.stats.repeated += 1
        fact = fact_key(dossier_id, kind)  # stated once per dossier, by the record or a row: one id for both
        if kind in ("refused", "suspended", "withdrawn"):  # as a record states it, the row's text its reason
            stage = "processing" if state.knows("received") else "reception"
            data, unknown = end_data(kind, text, stage)
            emit(kind, data, unknown=unknown, key=fact)
        elif kind == "returned":
            assert channel is not None
            if channel_basis:
                state.marks |= Mark.RETURN_CHANNEL_ASSUMED
            inferred = "return_channel_from_submission" if channel_basis else ""
            emit(kind, {"channel": channel}, basis=channel_basis, inferred_kind=inferred, key=fact)
        else:
            emit(kind, {}, key=fact)


#: How a row's text starts when the citizen acted: "Công dân …", and the other words for the applicant
#: ("Người dân nộp bổ sung hồ sơ" made the applicant's full name an ``actor``: review).
_CITIZEN_WORDS = (
    "cong dan", "nguoi dan", "chu ho so", "nguoi nop", "to chuc ca nhan", "ca nhan to chuc",
    # The applicant's own submission of a supplement, logged under her account ("Nộp bổ sung hồ sơ trực
    # tuyến"): known from the row alone, also when its record comes in a later import (diff review).
    "nop bo sung", "nop ho so bo sung",
)  # fmt: skip


def _citizen_acted(status: str, text: str) -> bool:
    """Whether the citizen acted on a row, so that its ``NguoiXuLy`` may be the applicant: its text says so
    (:func:`_by_citizen`), or its status is the citizen's own, 7 "*Công dân* yêu cầu rút hồ sơ" (a
    withdrawal read "Yêu cầu rút hồ sơ" by the applicant's full name made it the ``actor``: review)."""
    return status == _CITIZEN_STATUS or _by_citizen(text)


#: The national status only the citizen takes a dossier to (DOMAIN §3: 7, the citizen withdraws it).
_CITIZEN_STATUS = "7"


#: The longest ``PhongBanXuLy`` taken as a department's name ("Bộ phận Tiếp nhận và Trả kết quả …").
_LONGEST_DEPARTMENT = 200


def _names_nobody(department: str, state: DossierState, applicant: ApplicantScrubber) -> bool:
    """Whether a row's ``PhongBanXuLy`` may go on as the ``step``, which the exports carry: it holds no phone,
    identity number or e-mail, no applicant value the dossier's record gives (when the record was read, as
    for the ``actor``) and nothing of the row's own scrubbing. "Nguyễn Thị Bích Ngọc 0903123456" as the
    department went on in clear, into the warehouse and the XES and OCEL exports (review of the exports).
    A text longer than :data:`_LONGEST_DEPARTMENT` is a note, not a department's name: none goes on (its
    runs of words would take seconds to compare)."""
    return (
        len(department) <= _LONGEST_DEPARTMENT
        and not may_reach(department)
        and not names_holder(department, state.holder)
        and applicant.text(department) in (department, unicodedata.normalize("NFC", department))
    )


@lru_cache(maxsize=4096)
def _by_citizen(text: str) -> bool:
    """Whether a row's text says the citizen acted (:data:`_CITIZEN_WORDS`): its ``NguoiXuLy`` may be the
    applicant. Read from the row alone, as its reason is: the same row imported without its dossier's
    record is the same event."""
    return fold(text).lstrip().startswith(_CITIZEN_WORDS)


def _kind(status: str, meaning: Meaning | None) -> str | None:
    """The event type a row of ``status`` with a text of ``meaning`` maps to (``None``: no event)."""
    if meaning is Meaning.APOLOGY:
        return "apology_issued"
    if meaning is Meaning.NO_APPOINTMENT_DATE:
        return None
    if meaning is Meaning.SUPPLEMENT_REQUEST:
        return "supplement_requested"
    if meaning is Meaning.FINANCIAL_OBLIGATION:
        return "financial_obligation_requested"
    if meaning is Meaning.WITHDRAWAL:
        return "withdrawn"
    if status in ("1", "2"):
        return None
    if status == "4":
        return "transferred"
    if status == "5":
        return "supplement_requested"
    if status == "6":
        return "financial_obligation_requested"
    return _END_KINDS[status]


class _RowEmitter:
    __slots__ = ("actor", "at", "basis", "ctx", "dossier_id", "identity", "ref", "state")

    def __init__(
        self,
        ctx: Context,
        state: DossierState,
        dossier_id: str,
        identity: bytes,
        ref: str,
        at: Any,
        actor: str,
        basis: str = "",
    ) -> None:
        """``basis``: what of the row itself is deduced (its type from its text, its time from its step's
        start), said with every event it gives, after the event's own basis."""
        self.ctx, self.state, self.dossier_id, self.identity = ctx, state, dossier_id, identity
        self.ref, self.at, self.actor, self.basis = ref, at, actor, basis

    def __call__(
        self,
        kind: str,
        data: dict[str, Any],
        *,
        unknown: tuple[str, ...] = (),
        basis: str = "",
        inferred_kind: str = "",
        key: bytes | None = None,
    ) -> None:
        """Emit the row's event of ``kind``, under ``key`` if given (a fact's: :func:`fact_key`), else
        the row's own (its identity and the kind)."""
        basis = "; ".join(part for part in (basis, self.basis) if part)
        provenance = Provenance(self.ref, inferred=bool(basis), basis=basis, unknown=unknown)
        if key is None:
            key = digest(self.identity.hex(), kind)
        self.ctx.emit(self.state, key, self.dossier_id, kind, self.at, data, provenance, actor=self.actor,
                      inferred_kind=inferred_kind)  # fmt: skip
