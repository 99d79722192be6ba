"""In-memory audit of a set of events: group by dossier, judge each at ``as_of`` (a dossier that cannot be
judged yields ``AUDIT_ERROR``, and the others are still judged)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from inspections.audit_error import judge
from inspections.rulebook import Auditor
from inspections.timeline import DossierEvents
from inspections.violations import Violation
from schemas.events import AnyEvent


def group_by_dossier(events: Iterable[AnyEvent]) -> dict[str, DossierEvents]:
    """Deduplicated events per dossier (first version of an ``event_id`` wins within a dossier)."""
    groups: dict[str, DossierEvents] = {}
    for event in events:
        group = groups.get(event.dossier_id)
        if group is None:
            group = groups[event.dossier_id] = DossierEvents(event.dossier_id)
        group.add(event)
    return groups


def audit_events(events: Iterable[AnyEvent], auditor: Auditor, as_of: datetime) -> list[Violation]:
    """All violations and findings at ``as_of``, sorted by (dossier, rule, trigger event)."""
    out: list[Violation] = []
    for dossier_id, group in group_by_dossier(events).items():
        out.extend(judge(auditor, dossier_id, group.sorted_events(), as_of))
    out.sort(key=lambda v: (v.dossier_id, v.rule_id, v.event_id or ""))
    return out
