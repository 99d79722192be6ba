"""File-based jobs: validate, audit and metrics over a JSONL file, through the streaming batch engine.

One dossier that cannot be judged never stops a job (rulebook v2, amendment 12): the audit reports
``AUDIT_ERROR`` for it, and the metrics leave it out of every form and list it apart (``failures``) when its
outcome cannot be computed (a dossier whose rules alone fail is counted, as the warehouse's form counts it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bootstrap.platform import Platform
from dossier_audit.jobs.batch_engine import (
    BatchEngine,
    BatchOptions,
    IngestStats,
    ProgressSink,
    RejectionSink,
    default_workers,
)
from inspections.audit_error import failure, judge
from inspections.metrics import DossierOutcome, ReportingForm, outcome, period_as_of
from schemas.events import AnyEvent


def engine_options(platform: Platform, horizon: datetime | None) -> BatchOptions:
    """The batch engine's tuning from the settings (lateness, workers), the same for every job that reads
    a file through it: the audit, the metrics, validation and the warehouse load."""
    settings = platform.settings
    return BatchOptions(
        lateness=timedelta(days=settings.batch_lateness_days),
        horizon=horizon,
        workers=settings.batch_workers or default_workers(),
    )


def _engine(
    platform: Platform,
    evaluate: Callable[[str, list[AnyEvent]], list[Any]] | None,
    on_rejection: RejectionSink | None,
    on_progress: ProgressSink | None,
    horizon: datetime | None = None,
) -> BatchEngine:
    return BatchEngine(
        evaluate,
        options=engine_options(platform, horizon),
        on_rejection=on_rejection,
        on_progress=on_progress,
    )


@dataclass
class AuditRun:
    """An audit in progress: iterate ``violations`` (JSON dicts), then read ``stats``."""

    engine: BatchEngine
    violations: Iterator[dict[str, Any]]

    @property
    def stats(self) -> IngestStats:
        return self.engine.stats


def audit_file(
    platform: Platform,
    path: Path,
    as_of: datetime,
    *,
    on_rejection: RejectionSink | None = None,
    on_progress: ProgressSink | None = None,
) -> AuditRun:
    """Stream the audit of ``path`` at ``as_of``: each violation as the ``audit --json`` object."""
    auditor = platform.auditor
    hidden = platform.pseudonymiser.echoes_hidden

    def evaluate(dossier_id: str, events: list[AnyEvent]) -> list[Any]:
        # The engine hands over each dossier's events unique and in event-time order. A document that repeats
        # the applicant is judged under their pseudonym, as the load and the stream judge it: the evidence
        # of EXCESS_DOCUMENTS quoted it in clear (review of 2026-12-06).
        seen = [hidden(event) for event in events]
        return [v.to_json_dict() for v in judge(auditor, dossier_id, seen, as_of, presorted=True)]

    engine = _engine(platform, evaluate, on_rejection, on_progress, horizon=as_of)
    return AuditRun(engine, engine.run(path))


def validate_file(
    platform: Platform,
    path: Path,
    *,
    on_rejection: RejectionSink | None = None,
    on_progress: ProgressSink | None = None,
) -> IngestStats:
    """Count valid, duplicate and rejected events (with reasons)."""
    engine = _engine(platform, None, on_rejection, on_progress)
    for _ in engine.run(path):
        pass
    return engine.stats


def _outcome_row(o: DossierOutcome) -> list[Any]:
    return [
        o.dossier_id,
        o.unit_code,
        o.procedure_code,
        o.received_on.toordinal(),
        o.channel,
        o.ended_on.toordinal() if o.ended_on else None,
        o.status,
        o.working_days,
        o.returned_channel,
    ]


def _row_outcome(row: list[Any]) -> DossierOutcome:
    return DossierOutcome(
        row[0],
        row[1],
        row[2],
        date.fromordinal(row[3]),
        row[4],
        date.fromordinal(row[5]) if row[5] is not None else None,
        row[6],
        row[7],
        row[8],
    )


@dataclass(frozen=True, slots=True)
class OutcomeFailure:
    """A dossier whose outcome could not be computed (the audit reports it as ``AUDIT_ERROR``)."""

    dossier_id: str
    unit_code: str
    message: str


@dataclass
class OutcomesRun:
    """Outcomes in progress: iterate ``outcomes``; then ``failures`` and the engine's ``stats`` are final."""

    engine: BatchEngine
    outcomes: Iterator[DossierOutcome]
    failures: list[OutcomeFailure] = field(default_factory=list)


def outcomes_file(
    platform: Platform,
    path: Path,
    as_of: datetime,
    *,
    on_rejection: RejectionSink | None = None,
    on_progress: ProgressSink | None = None,
) -> OutcomesRun:
    """Every received dossier's outcome at ``as_of`` (for reporting forms); a dossier whose outcome fails
    is left out and recorded in ``failures``."""
    auditor = platform.auditor

    def evaluate(dossier_id: str, events: list[AnyEvent]) -> list[Any]:
        try:
            facts = auditor.facts(dossier_id, events, as_of, presorted=True)
            o = outcome(facts, auditor.catalogue, auditor.calendar)
        except Exception as exc:  # amendment 12: this dossier only; results cross processes as JSON
            v = failure(auditor.rulebooks, dossier_id, events, as_of, exc)
            return [{"dossier_id": dossier_id, "unit_code": v.unit_code, "message": v.evidence["message"]}]
        return [] if o is None else [_outcome_row(o)]

    engine = _engine(platform, evaluate, on_rejection, on_progress, horizon=as_of)
    run = OutcomesRun(engine, iter(()))

    def outcomes() -> Iterator[DossierOutcome]:
        for row in engine.run(path):
            if isinstance(row, dict):
                run.failures.append(OutcomeFailure(row["dossier_id"], row["unit_code"], row["message"]))
            else:
                yield _row_outcome(row)

    run.outcomes = outcomes()
    return run


def metrics_units(
    platform: Platform, unit: str | None, end: date, *, below: bool = False
) -> frozenset[str] | None:
    """The unit codes the form of ``unit`` counts for a period ending (exclusive) on ``end`` (``None``: every
    unit): its group in force on the period's last day (``Catalogue.in_force_group``: amendment 11, the
    group ``--by unit`` gives it), or with ``below`` the units under it too (``Catalogue.unit_scope``: a
    district with its communes). Until 2026-12-06 ``--unit`` always took the units below, so a unit's form
    was not its group (the province office's 164 dossiers against its group's 21: statistician's review)."""
    if unit is None:
        return None
    catalogue = platform.catalogue
    return catalogue.unit_scope(unit) if below else catalogue.in_force_group(unit, end - timedelta(days=1))


GROUPINGS = ("unit", "field", "procedure")


@dataclass
class Metrics:
    """The reporting form of a period, one form per group (``by``), what reading the file found, and the
    dossiers left out because their outcome could not be computed (of the units asked for)."""

    form: ReportingForm
    groups: dict[str, ReportingForm]
    stats: IngestStats
    failures: list[OutcomeFailure]
    #: The unit codes of every dossier read (of any unit, also one left out): whether a unit the catalogue
    #: does not know has data (unknown codes "stay themselves").
    units: frozenset[str] = frozenset()


def metrics_file(
    platform: Platform,
    path: Path,
    start: date,
    end: date,
    *,
    unit: str | None = None,
    by: str | None = None,
    as_recorded: bool = False,
    below: bool = False,
    on_rejection: RejectionSink | None = None,
    on_progress: ProgressSink | None = None,
) -> Metrics:
    """The reporting form for ``[start, end)`` over the file's dossiers (optionally one unit's:
    :func:`metrics_units`, with ``below`` the units under it too), and one form per group when ``by`` is
    ``unit``, ``field`` or ``procedure``.

    By unit, a dossier counts for the unit in force at the end of the period, following successors
    (rulebook v2, amendment 11), so the groups sum to the whole and a unit's group is what ``unit=`` gives
    for it. ``as_recorded`` groups by the unit codes as received instead.
    """
    run = outcomes_file(platform, path, period_as_of(end), on_rejection=on_rejection, on_progress=on_progress)
    members = metrics_units(platform, unit, end, below=below)
    keep = (lambda _code: True) if members is None else members.__contains__
    key = _group_key(platform, by, end, as_recorded)
    form = ReportingForm(start, end)
    groups: dict[str, ReportingForm] = {}
    units: set[str] = set()
    for o in run.outcomes:
        units.add(o.unit_code)
        if keep(o.unit_code):
            form.add(o)
            if key is not None:
                group = key(o)
                target = groups.get(group)
                if target is None:
                    target = groups[group] = ReportingForm(start, end)
                target.add(o)
    failures = [f for f in run.failures if keep(f.unit_code)]
    units.update(f.unit_code for f in run.failures)
    return Metrics(form, dict(sorted(groups.items())), run.engine.stats, failures, frozenset(units))


def _group_key(
    platform: Platform, by: str | None, end: date, as_recorded: bool
) -> Callable[[DossierOutcome], str] | None:
    if by is None:
        return None
    if by == "unit":
        if as_recorded:
            return lambda o: o.unit_code
        in_force_on = end - timedelta(days=1)  # the period's last day
        current_on = platform.catalogue.current_on
        return lambda o: current_on(o.unit_code, in_force_on)
    if by == "procedure":
        return lambda o: o.procedure_code
    if by == "field":
        field_of = platform.catalogue.field_of
        return lambda o: field_of(o.procedure_code) or "UNKNOWN"
    raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPINGS)}")
