"""Scenarios cut by the horizon: keep those whose verdict at ``as_of`` is already what they record.

A scenario's lifecycle often runs past ``as_of`` (the sample's end): a dossier received in the last week
is processed days or weeks later. Requiring every event before ``as_of`` replaced nearly every scenario of
the last weeks by a clean dossier, so the sample thinned out at its end (issue 15: W47 had half the
violations of the weeks before, even for rules fixed at reception such as ``DUE_DATE_OVERSTATED``).

The events after ``as_of`` are dropped anyway (the output holds what happened by then), so a cut scenario
is kept when the auditor, judging its events before ``as_of`` at ``as_of``, finds exactly the violations
the scenario records — e.g. a due date overstated at reception, or a dossier already late without an
apology — and replaced by a clean dossier otherwise (e.g. a late scenario not yet late at ``as_of``).
The ground truth therefore stays exact by construction, checked by the rulebook itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from dossier_audit.simulator import kit as kt
from dossier_audit.simulator.config import TRUTH_RULEBOOK_VERSION
from inspections.rulebook import Auditor, Rulebooks
from inspections.semantics import RuleParams
from schemas.validation import Rejection, parse_event


class Horizon:
    """Judges a cut dossier at ``as_of`` with the rulebook the sample's truth is written for."""

    def __init__(
        self,
        catalogue: Any,
        calendar: Any,
        as_of: datetime,
        *,
        apology_lead_working_days: int,
        pause_on_financial_obligation: bool,
        rulebook_version: str = TRUTH_RULEBOOK_VERSION,
    ) -> None:
        params = RuleParams(
            apology_lead_working_days=apology_lead_working_days,
            pause_on_financial_obligation=pause_on_financial_obligation,
        )
        self.rulebook_version = rulebook_version
        self.auditor = Auditor(catalogue, calendar, Rulebooks.of_version(rulebook_version, params))
        self.as_of = as_of

    def holds_when_cut(self, d: kt.Dossier) -> bool:
        """Whether ``d``'s events before ``as_of`` give, at ``as_of``, exactly the violations in
        ``d.truth`` (none of another kind, no finding)."""
        kept = [event for at, _, event in d.events if at < self.as_of]
        if not kept or not d.truth:
            return False
        events = []
        for event in kept:
            parsed = parse_event(orjson.dumps(event))
            if isinstance(parsed, Rejection):  # the scenario is not judged on an event the contract refuses
                return False
            events.append(parsed)
        try:
            found = self.auditor.evaluate(d.dossier_id, events, self.as_of)
        except (ValueError, LookupError):
            return False
        got = sorted((v.rule_id, v.event_id or "") for v in found)
        want = sorted((rule, trigger or "") for rule, trigger in d.truth)
        return all(v.kind == "violation" for v in found) and got == want
