"""Lateness rules: late without apology, apology too late, new due date missed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from inspections.classification import local_midnight
from inspections.rounding import rounded
from inspections.rules.base import Hit, RuleInput
from inspections.timeunits import VN_TZ


def _iso(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _local(t: datetime) -> str:
    """In Vietnam's time: an open dossier's end is ``as_of``, which the batch audit and the detector's
    watermark express in different zones; the same instant must give the same evidence on every path."""
    return t.astimezone(VN_TZ).isoformat()


def lateness_evidence(inp: RuleInput) -> dict[str, object]:
    facts, cls = inp.facts, inp.classification
    evidence: dict[str, object] = {
        "received_at": _iso(facts.received_at),
        "due_at": _iso(facts.due_at),
        "due_date": _iso(cls.due_date) if cls else None,
        "basis": cls.basis if cls else None,
        "end_at": _local(facts.end_at),
        "end_type": facts.end_event.type if facts.end_event is not None else None,
        "effective_end": _local(facts.effective_end),
        "supplement_hours": rounded(facts.supplement_time.total_seconds() / 3600, 2),
        "supplement_requests": len(facts.supplement_requests),
    }
    if facts.waiting:  # end_at is the open supplement request (v2 amendment 2): said so in the pack
        evidence["waiting"] = True
    if inp.amended:  # what v2 adds to the judgement: a legal due instant (amendment 3), a restart (13)
        evidence["legal_due_at"] = _iso(cls.due_instant) if cls else None
        evidence["restart_at"] = _iso(facts.restart_at)
        evidence["financial_hours"] = rounded(facts.financial_time.total_seconds() / 3600, 2)
    return evidence


def _before_end(inp: RuleInput, at: datetime) -> bool:
    """Whether an apology issued ``at`` came before the processing end. v2 orders events of one instant by
    lifecycle, an apology before every end event (amendment 9): one issued at the very instant the dossier
    was processed came before it (strictly earlier only, in v1's order by ``event_id``, when the dossier is
    still open at ``as_of``, and when it ended at the supplement request it was waiting on, which comes
    first). Review: such an apology was read as none."""
    facts = inp.facts
    if at < facts.end_at:
        return True
    return inp.amended and at == facts.end_at and facts.end_event is not None and not facts.waiting


def late_no_apology(inp: RuleInput) -> Iterator[Hit]:
    """Late, and no apology was issued before the processing end."""
    cls = inp.classification
    if cls is None or not cls.is_late or cls.late_since is None:
        return
    if any(_before_end(inp, a.occurred_at) for a in inp.facts.apologies):
        return
    yield Hit(None, min(cls.late_since, inp.facts.end_at), lateness_evidence(inp))


def apology_too_late(inp: RuleInput) -> Iterator[Hit]:
    """Late, and the first apology came after the deadline (N working days before the due date)."""
    cls = inp.classification
    facts = inp.facts
    if cls is None or not cls.is_late or not facts.apologies:
        return
    first = facts.apologies[0]
    if not _before_end(inp, first.occurred_at):
        return
    if cls.basis == "restart":  # the limit counted again: the receipt's appointment no longer binds
        due = cls.due_date
    else:
        due = inp.date(facts.due_at) if facts.due_at is not None else cls.due_date
    if due is None and facts.received is not None:
        legal = inp.legal_due(facts.received.occurred_at)
        due = legal.day if legal is not None else None
    if due is None:
        return
    deadline = inp.calendar.working_day_offset(due, -inp.params.apology_lead_working_days)
    issued = inp.date(first.occurred_at)
    if issued > deadline:
        evidence = lateness_evidence(inp) | {
            "apology_at": first.occurred_at.isoformat(),
            "apology_deadline": deadline.isoformat(),
            "lead_working_days": inp.params.apology_lead_working_days,
        }
        yield Hit(first, first.occurred_at, evidence)


def missed_new_due_date(inp: RuleInput) -> Iterator[Hit]:
    """Finished (or still open) after the date promised in the latest apology.

    v2 reads the latest apology issued before the end (amendment 6): one issued after the end promised
    nothing the processing could keep, so it neither hides nor creates a missed promise.
    """
    facts = inp.facts
    if facts.received is None or not facts.apologies:
        return
    if inp.amended:
        before_end = [a for a in facts.apologies if _before_end(inp, a.occurred_at)]
        if not before_end:
            return
        latest = before_end[-1]
    else:
        latest = facts.apologies[-1]
    if latest.data.new_due_at is None:
        return
    promised = inp.date(latest.data.new_due_at)
    if inp.date(facts.effective_end) > promised:
        evidence = lateness_evidence(inp) | {
            "new_due_at": latest.data.new_due_at.isoformat(),
            "apology_event_id": latest.event_id,
        }
        since = max(latest.occurred_at, local_midnight(promised + timedelta(days=1)) + facts.pause)
        yield Hit(latest, since, evidence)
