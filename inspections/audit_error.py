"""The finding ``AUDIT_ERROR`` (rulebook v2, amendment 12: one bad dossier never stops an audit).

Every path that judges dossiers — the batch audit of a file, the warehouse load and its audit, the stream
detector — catches any failure while judging one dossier and reports this finding for it instead: the
dossier is not dropped silently (inspectors see it, with the message), and every other dossier is still
judged. It is built here, once, so that every path reports the same JSON for the same dossier (the
detector's final set must equal the batch audit's). No check produces it, so it is not one of the
rulebook's rules; whatever lists the ids an audit can report takes them from :func:`reported_rules`.

The finding is built from the dossier's raw events, not from its derived facts: deriving them may be what
failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from inspections.rulebook import RULEBOOKS, Auditor, Rulebooks
from inspections.rules import Hit, Rule, RuleInput, legal
from inspections.timeunits import VN_TZ
from inspections.violations import Severity, Violation
from schemas.events import AnyEvent, EventType, event_sort_key

AUDIT_ERROR_ID = "AUDIT_ERROR"


def _never(_inp: RuleInput) -> Iterator[Hit]:
    """Nothing: the finding comes from the judging around the rules, never from a check."""
    return iter(())


AUDIT_ERROR = Rule(
    AUDIT_ERROR_ID,
    "Lỗi khi đánh giá hồ sơ",
    "Audit error",
    Severity.LOW,
    "C",
    legal.DATA_QUALITY,
    _never,
    kind="finding",
)


def reported_rules(rulebooks: Rulebooks | None = None) -> tuple[Rule, ...]:
    """Everything an audit under ``rulebooks`` (default: every version there is) can report: the rules,
    then the findings, of each version (each id once, as its first version defines it), then
    ``AUDIT_ERROR``."""
    versions = rulebooks.versions if rulebooks is not None else tuple(RULEBOOKS.values())
    found: dict[str, Rule] = {}
    for book in versions:
        for rule in book.rules:
            found.setdefault(rule.rule_id, rule)
    for book in versions:
        for rule in book.findings:
            found.setdefault(rule.rule_id, rule)
    found.setdefault(AUDIT_ERROR_ID, AUDIT_ERROR)
    return tuple(found.values())


def audit_error(
    dossier_id: str,
    *,
    unit_code: str,
    procedure_code: str | None,
    occurred_at: datetime,
    message: str,
    rulebook_version: str,
    error: str = "",
) -> Violation:
    """The finding for one dossier that could not be judged: ``message`` says why, ``error`` names the
    kind of failure (an exception class)."""
    return Violation(
        dossier_id=dossier_id,
        rule_id=AUDIT_ERROR_ID,
        kind=AUDIT_ERROR.kind,
        severity=AUDIT_ERROR.severity,
        unit_code=unit_code,
        procedure_code=procedure_code,
        event_id=None,
        occurred_at=occurred_at,
        legal_basis=AUDIT_ERROR.basis_on(occurred_at.astimezone(VN_TZ).date()),
        rulebook_version=rulebook_version,
        evidence={"error": error, "message": message},
    )


def failure(
    rulebooks: Rulebooks,
    dossier_id: str,
    events: Sequence[AnyEvent],
    as_of: datetime,
    exc: BaseException,
) -> Violation:
    """``AUDIT_ERROR`` for a dossier whose judging at ``as_of`` raised ``exc``.

    Unit and procedure are read as the facts would read them (the ``received`` event's, else the first
    event's unit and the ``submitted`` event's procedure); the finding holds from the dossier's first event
    known at ``as_of``, under the rulebook version in force then.
    """
    known = sorted((e for e in events if e.occurred_at <= as_of), key=event_sort_key)
    if not known:
        known = sorted(events, key=event_sort_key)
    received = next((e for e in known if e.type == EventType.RECEIVED), None)
    submitted = next((e for e in known if e.type == EventType.SUBMITTED), None)
    source = received or submitted
    procedure = getattr(source.data, "procedure_code", None) if source is not None else None
    first = known[0] if known else None
    anchor = received or first
    unit = anchor.unit_code if anchor is not None else ""
    at = first.occurred_at if first is not None else as_of
    return audit_error(
        dossier_id,
        unit_code=unit,
        procedure_code=procedure,
        occurred_at=at,
        message=str(exc) or type(exc).__name__,
        rulebook_version=rulebooks.for_date(at.astimezone(VN_TZ).date()).version,
        error=type(exc).__name__,
    )


def judge(
    auditor: Auditor,
    dossier_id: str,
    events: Iterable[AnyEvent],
    as_of: datetime,
    *,
    presorted: bool = False,
) -> list[Violation]:
    """``Auditor.evaluate``, except that any failure yields ``AUDIT_ERROR`` for the dossier instead of
    stopping the caller (which goes on with the next dossier)."""
    events = list(events)
    try:
        return auditor.evaluate(dossier_id, events, as_of, presorted=presorted)
    except Exception as exc:  # amendment 12: whatever went wrong, it concerns this dossier only
        return [failure(auditor.rulebooks, dossier_id, events, as_of, exc)]
