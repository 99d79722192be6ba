"""What the importer remembers about one dossier between its records: small, and bounded per dossier.

Records of one dossier arrive in several files (a dossier snapshot today, progress rows, a later snapshot),
so a few facts are kept per dossier id for the whole import:

- its unit and channels (history rows carry neither), and its last ``NgayHenTra`` and first
  ``NgayKetThucXuLy`` (a changed due date between snapshots *is* the due-date change this format
  hides; a changed processing end is the "reset overdue dossier" tampering);
- the 8-byte prefixes of the ids it has emitted (a resent row or snapshot emits nothing twice in one run);
- the few fact keys that keep two sources from stating one fact twice (a dossier's processing end read from
  its snapshot and again from its history rows);
- for deduction, the time and identity of its request and return-to-processing rows only;
- a refusal, withdrawal or suspension its record states without a note, until a history row states it
  with its text or the import ends (``dossiers._reasoned_end``): its time, stage and record reference.

Memory is therefore bounded by the number of dossiers, whatever the size of the files: about 1 KB per
dossier (its id, this object, the dictionary entry, its times), plus 8 bytes per distinct event and 24
bytes per request or return-to-processing row, about 500 per end waiting for its reason; one record is in
memory at a time. Measured: 100,000 dossiers with three history rows each add ~110 MB to the command's
~60 MB; 5,000 refusals without a note, 1,320 bytes each against 806 with one.
"""

from __future__ import annotations

from array import array
from datetime import UTC, datetime, timedelta
from enum import IntEnum, IntFlag
from typing import Any

from sources.dvcqg.times import VN

__all__ = ["DossierState", "Mark", "Step"]


class Mark(IntFlag):
    """What was seen of a dossier that the blind-spot accounting reports (``blindspots``)."""

    NONE = 0
    SUPPLEMENT_REQUESTED = 1
    SUPPLEMENT_DETAILS = 2
    END_REWRITTEN = 4
    DUE_ADDED_OR_REMOVED = 8
    STATUS_TIME_UNKNOWN = 16
    RETURN_CHANNEL_ASSUMED = 32
    SNAPSHOT_CHANGED = 64
    NO_APPOINTMENT_ROW = 128
    DUE_RESET_SEEN = 256


class Step(IntEnum):
    """Rows kept for deduction (:mod:`sources.dvcqg.inference`)."""

    SUPPLEMENT_REQUEST = 1
    FINANCIAL_REQUEST = 2
    RESUME = 3


#: Facts every dossier may state, kept as bits (a set per dossier would cost ~200 bytes); ``?fact``: a record
#: stated the fact without a time (a blind spot unless some row states it).
_FIXED_FACTS = (
    "submitted",
    "received",
    "processed",
    "returned",
    "refused",
    "withdrawn",
    "suspended",
    "any:supplement_requested",
    "any:financial_obligation_requested",
)
_BITS = {name: 1 << n for n, name in enumerate(_FIXED_FACTS)}
_PENDING_SHIFT = len(_FIXED_FACTS)
_BITS.update({f"?{name}": bit << _PENDING_SHIFT for name, bit in list(_BITS.items())})
_FIXED_MASK = (1 << _PENDING_SHIFT) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INT64 = 1 << 63


class DossierState:
    __slots__ = (
        "channel",
        "days",
        "due",
        "due_seen",
        "emitted",
        "end_time",
        "facts",
        "history_rows",
        "holder",
        "marks",
        "received_digest",
        "return_channel",
        "snapshots",
        "steps",
        "unit",
        "waiting",
    )

    def __init__(self) -> None:
        self.unit: str | None = None
        self.channel: str | None = None
        self.return_channel: str | None = None
        self.snapshots = 0
        self.history_rows = 0
        self.due: datetime | None = None
        self.due_seen = False
        self.end_time: datetime | None = None
        self.received_digest: bytes | None = None
        self.emitted = array("Q")
        self.facts = 0
        #: Facts of a day (``row:supplement_requested@2025-11-04``): only dossiers with supplements have any.
        self.days: set[str] | None = None
        #: Packed (microseconds since the epoch, Step, 64 bits of the row's identity) per kept row.
        self.steps: array[int] | None = None
        self.marks = Mark.NONE
        #: The prints of the applicant values its record gives (``holder.holder_prints``; none read: empty).
        self.holder: tuple[int, ...] = ()
        #: Ends a record stated without a note, by kind: (time, stage, record reference, extra), each waiting
        #: for a history row that states it with its text (``dossiers._reasoned_end``); else emitted at the
        #: end of the import. ``None`` for the dossiers without one.
        self.waiting: dict[str, Any] | None = None

    def first_emission(self, key: bytes) -> bool:
        """Whether an event with identity ``key`` is new for this dossier in this run (and remember it)."""
        prefix = int.from_bytes(key[:8], "big")
        if prefix in self.emitted:
            return False
        self.emitted.append(prefix)
        return True

    def claim(self, fact: str) -> bool:
        """Whether ``fact`` (e.g. ``processed``) is stated here for the first time (and remember it)."""
        bit = _BITS.get(fact)
        if bit is not None:
            if self.facts & bit:
                return False
            self.facts |= bit
            return True
        if self.days is None:
            self.days = {fact}
            return True
        if fact in self.days:
            return False
        self.days.add(fact)
        return True

    def wait(self, kind: str, end: Any) -> bool:
        """Keep ``end`` (a record's end of ``kind`` without a note) until a row states it or the import
        ends; ``False`` when one of that kind waits already (the first read stays)."""
        if self.waiting is None:
            self.waiting = {}
        return self.waiting.setdefault(kind, end) is end

    def unwait(self, kind: str) -> bool:
        """Drop the end of ``kind`` waiting (another statement of it claimed it); whether one waited."""
        if self.waiting is None or self.waiting.pop(kind, None) is None:
            return False
        if not self.waiting:
            self.waiting = None
        return True

    def knows(self, fact: str) -> bool:
        bit = _BITS.get(fact)
        if bit is not None:
            return bool(self.facts & bit)
        return self.days is not None and fact in self.days

    def unstated_pending(self) -> bool:
        """Whether a record stated a fact without a time that no row stated either."""
        pending = self.facts >> _PENDING_SHIFT
        return bool(pending & ~(self.facts & _FIXED_MASK))

    def step(self, at: datetime, kind: Step, identity: bytes) -> None:
        """Keep a request or return-to-processing row for :mod:`sources.dvcqg.inference`."""
        if self.steps is None:
            self.steps = array("q")
        micros = (at - _EPOCH) // _MICROSECOND
        self.steps.extend((micros, int(kind), int.from_bytes(identity[:8], "big") - _INT64))

    def kept_steps(self) -> list[tuple[datetime, Step, int]]:
        """The kept rows, each once, in time order: (time, kind, 64 bits of its identity)."""
        if not self.steps:
            return []
        packed = self.steps
        rows = sorted({(packed[i], packed[i + 1], packed[i + 2]) for i in range(0, len(packed), 3)})
        return [((_EPOCH + micros * _MICROSECOND).astimezone(VN), Step(kind), ident + _INT64)
                for micros, kind, ident in rows]  # fmt: skip
