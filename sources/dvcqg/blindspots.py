"""What an import counts, and what the DVCQG format could not show for the dossiers imported.

An audit built on this format must say what it could not see (DOMAIN.md §9): the import summary lists
each *blind spot* with the number of dossiers (or events) it touches, next to the usual counts (records
read, events written by type, deduced events by kind, undone rewritings, rejected records by reason).

Fields the format cannot carry are listed in each event's ``source.unknown``; a rule that needs one is not
evaluated on that event. :data:`RULES_NEEDING` says which rules those are (from RULES.md), so the summary
can count, per rule, the events it could not check.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BLIND_SPOTS", "RULES_NEEDING", "UNKNOWN_FIELDS", "ImportStats"]

#: Per event type, the ``data`` fields the format has no place for (EVENTS.md ``source.unknown``).
UNKNOWN_FIELDS: dict[str, tuple[str, ...]] = {
    "supplement_requested": ("notice_id",),
    "financial_obligation_requested": ("notice_id",),
    "refused": ("notice_id",),
    "suspended": ("notice_id",),
    "apology_issued": ("notice_id", "new_due_at"),
}

#: (event type, unknown field) → the rules (RULES.md) that read it on such an event.
RULES_NEEDING: dict[tuple[str, str], tuple[str, ...]] = {
    ("supplement_requested", "notice_id"): ("SUPPLEMENT_UNWRITTEN",),
    ("refused", "notice_id"): ("REFUSAL_UNWRITTEN",),
    ("suspended", "notice_id"): ("REFUSAL_UNWRITTEN",),
    ("apology_issued", "notice_id"): ("APOLOGY_INCOMPLETE",),
    ("apology_issued", "new_due_at"): (
        "APOLOGY_INCOMPLETE",
        "MISSED_NEW_DUE_DATE",
        "DUE_DATE_CHANGED",
        "OLD_DUE_DATE_MISMATCH",
    ),
}

#: Blind spots: id → what the inspector cannot see (the counts are of dossiers unless said otherwise).
BLIND_SPOTS: dict[str, str] = {
    "supplement_details_empty": (
        "supplement requests whose details the sender left empty (DanhSachHoSoBoSung): which components "
        "were asked for and when the applicant handed them in are unknown; completions are deduced from a "
        "return to processing"
    ),
    "supplement_without_resume": (
        "supplement or financial-obligation requests with no later return to processing: their completion "
        "cannot be seen, so the dossier is judged as still waiting for the applicant"
    ),
    "history_absent": (
        "dossiers with snapshots but no processing-history rows: supplement requests, financial "
        "obligations, apologies and hand-overs cannot be seen at all"
    ),
    "history_without_dossier": (
        "dossiers known only from history rows: never received as far as the audit knows (no procedure, "
        "channel or due date), so not judged for lateness"
    ),
    "single_snapshot": (
        "dossiers seen in one snapshot only: the sender deletes the history rows of 'reset appointment "
        "date' and 'reset overdue dossier', so a due-date reset shows only as a changed NgayHenTra between "
        "two snapshots, and cannot be seen here"
    ),
    "due_date_reset_seen": (
        "dossiers whose NgayHenTra changed between snapshots: a due-date change with no history row "
        "(imported as a deduced due_date_changed; its time is the later snapshot's latest time)"
    ),
    "due_date_added_or_removed": (
        "dossiers whose NgayHenTra appeared or disappeared between snapshots: no due_date_changed can say it"
    ),
    "processing_end_rewritten": (
        "dossiers whose NgayKetThucXuLy changed between snapshots ('reset overdue dossier'): the first "
        "processing end read is kept"
    ),
    "snapshot_changed": (
        "dossiers whose procedure, channel or documents changed in a later snapshot: the first snapshot's "
        "received event is kept"
    ),
    "status_time_unknown": (
        "dossier records whose status (supplement, financial obligation, withdrawal, suspension or an end) "
        "has no date in the record and no history row: that status is not imported"
    ),
    "return_channel_assumed": (
        "returned results without HinhThuc: the return channel is the submission channel (source.inferred)"
    ),
    "no_appointment_rows": (
        "status-9 rows 'Hồ sơ không có ngày hẹn trả' (no appointment date): no end, and no event"
    ),
}


@dataclass
class ImportStats:
    """Counts of one import; :meth:`to_json_dict` is the machine summary (``--json``)."""

    files: int = 0
    records_read: int = 0
    #: Pieces of a file read as no record (a line that is not JSON, a cut body): each one rejected.
    unreadable: int = 0
    #: Of ``rejected``, the events of a mapped record (or deduced at the end) that would not be valid (a
    #: line over the limit): so ``records_read + unreadable = records_mapped + rejected - events_rejected``,
    #: the sum a reader checks (review).
    events_rejected: int = 0
    services: Counter[str] = field(default_factory=Counter)
    records: Counter[str] = field(default_factory=Counter)
    dossiers: int = 0
    events: Counter[str] = field(default_factory=Counter)
    inferred: Counter[str] = field(default_factory=Counter)
    rewrites: Counter[str] = field(default_factory=Counter)
    repeated: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    not_checkable: Counter[str] = field(default_factory=Counter)
    blind_spots: Counter[str] = field(default_factory=Counter)

    @property
    def records_total(self) -> int:
        return sum(self.records.values())

    @property
    def events_total(self) -> int:
        return sum(self.events.values())

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def count_event(self, event: dict[str, Any]) -> None:
        """Count a written event: by type, deduced kind, and the rules it cannot be checked by."""
        kind = event["type"]
        self.events[kind] += 1
        source = event.get("source") or {}
        rules: set[str] = set()
        for name in source.get("unknown") or ():
            rules.update(RULES_NEEDING.get((kind, name), ()))
        for rule in rules:
            self.not_checkable[rule] += 1

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "bodies_by_service": dict(sorted(self.services.items())),
            "records_read": self.records_read,
            "unreadable": self.unreadable,
            "events_rejected": self.events_rejected,
            "records_mapped": self.records_total,
            "records_by_kind": dict(sorted(self.records.items())),
            "dossiers": self.dossiers,
            "events": self.events_total,
            "events_by_type": dict(sorted(self.events.items())),
            "inferred_by_kind": dict(sorted(self.inferred.items())),
            "rewrites_undone": dict(sorted(self.rewrites.items())),
            "repeated_facts": self.repeated,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "not_checkable_by_rule": dict(sorted(self.not_checkable.items())),
            "blind_spots": [
                {"id": spot, "count": self.blind_spots[spot], "what": BLIND_SPOTS[spot]}
                for spot in BLIND_SPOTS
                if self.blind_spots[spot]
            ],
        }
