"""Events deduced once every record is read: completions that the format has no code for.

The format has a status for a supplement request (5) and a financial obligation (6) but none for the
applicant's answer: processing simply resumes. So a **return to processing** (a status-4 row) after a
request, with no other request in between, is taken as the request's completion:
``supplement_completed`` (documents unknown: ``[]``) or ``financial_obligation_fulfilled``, at the time of
that row, with ``source.inferred: true`` and its basis. A request followed by another request, an end or
nothing has no visible completion; it is counted as a blind spot, and the rulebook judges the dossier as
waiting for the applicant, as it would any open request.

Done at the end of the import, not row by row, because one dossier's rows may arrive in any order across
files: the answer depends only on the set of rows, never on their order. A deduced supplement completion's
id is its dossier's, type's and instant's (``identity.fact_key``: the record's supplement list may state
it), a fulfilled obligation's a hash of the resuming row's identity, so the same rows always give the same
event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sources.dvcqg.context import Context
from sources.dvcqg.history import row_reference
from sources.dvcqg.identity import Provenance, digest, fact_key
from sources.dvcqg.state import DossierState, Step
from sources.dvcqg.times import format_instant

__all__ = ["infer_completions"]

_BASIS = {
    Step.SUPPLEMENT_REQUEST: (
        "return to processing (status 4) after a supplement request; the format has no code for the "
        "applicant's supplement"
    ),
    Step.FINANCIAL_REQUEST: (
        "return to processing (status 4) after a financial-obligation request; the format has no code for "
        "its fulfilment"
    ),
}
_KINDS = {
    Step.SUPPLEMENT_REQUEST: ("supplement_completed", "supplement_completed_from_resume"),
    Step.FINANCIAL_REQUEST: ("financial_obligation_fulfilled", "financial_obligation_fulfilled_from_resume"),
}


def infer_completions(ctx: Context, dossier_id: str, state: DossierState) -> int:
    """Emit the deduced completions of one dossier into ``ctx``; returns how many requests had none."""
    steps = state.kept_steps()
    if not steps:
        return 0
    unanswered = 0
    for i, (at, kind, _identity) in enumerate(steps):
        if kind == Step.RESUME:
            continue
        answer = _next_after(steps, i, at)
        if answer is None or answer[1] != Step.RESUME:
            unanswered += 1
            continue
        resumed_at, _, resume_identity = answer
        request = kind
        event_kind, inferred_kind = _KINDS[request]
        if request is Step.SUPPLEMENT_REQUEST and state.knows(
            f"item:supplement_completed@{resumed_at.date()}"
        ):
            continue  # the snapshot's supplement list gives this completion itself
        data: dict[str, Any] = {"documents": []} if request is Step.SUPPLEMENT_REQUEST else {}
        ref = row_reference(dossier_id, format_instant(resumed_at), "4")
        provenance = Provenance(ref, inferred=True, basis=_BASIS[request])
        # A supplement's completion at its instant, as the snapshot's supplement list states one
        # (``fact_key``): a later snapshot stating it is this event, not a second.
        key = (
            fact_key(dossier_id, event_kind, format_instant(resumed_at))
            if request is Step.SUPPLEMENT_REQUEST
            else digest(f"{resume_identity:016x}", event_kind)
        )
        ctx.emit(
            state, key, dossier_id, event_kind, resumed_at, data, provenance, inferred_kind=inferred_kind
        )
    return unanswered


def _next_after(
    steps: list[tuple[datetime, Step, int]], i: int, at: datetime
) -> tuple[datetime, Step, int] | None:
    """The first step strictly later than ``at`` (a request or a return to processing)."""
    for step in steps[i + 1 :]:
        if step[0] > at:
            return step
    return None
