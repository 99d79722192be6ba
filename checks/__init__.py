"""Data quality: Great Expectations suites on the warehouse's events and dossier projection.

Public interface (import from ``checks``): ``run_checks(catalogue, rulebooks, wh, week, *, now=None) ->
QualityRun``, ``store_results(wh, run)``, ``latest_results(wh, week) -> list[CheckResult]``,
``CheckResult``, ``QualityRun`` and ``SUITES`` (name, blocking, descriptions of each suite, in report order).

Modules, each importing only those above it in this list: ``formatting`` (numbers, local times, JSON-safe
values), ``check`` (the Check types), ``scope`` (a week or the whole warehouse), ``results`` (what a run
found; stored and read back), ``engine`` (Great Expectations), ``inputs`` (the frames read from the
warehouse), ``suite_run`` (a suite's turn: verdicts become results), ``suites`` (the declarative suites,
one module per concern), ``runner`` (``run_checks``).

One suite per concern (its ``SUITE`` is ``CheckResult.suite``). Blocking checks guard data a report cannot
be trusted on; the others are warnings:

=============  =========================================================  ========
suite          expectation                                                blocking
=============  =========================================================  ========
uniqueness     events.event_id is unique (across dossiers and times)      yes
uniqueness     events.event_id is stored with one fingerprint (raw rows:  yes
               FINAL merges two contents under one sorting key)
vocabulary     events.type, channel per event type; dossiers.channel,     yes
               end_type; violations' (rule, severity) in the rulebook
event_time     events.occurred_at <= now + 5 min (the scope's dossiers)   yes
event_time     the same, in any other stored dossier (the first 1,000)    no
event_time     events.occurred_at >= 2015-01-01                           no
due_dates      dossiers.due_at >= received_at                             yes
catalogue      events.unit_code, dossiers.unit_code (the week's form's    yes
               dossiers) in the newest catalogue snapshot
catalogue      transfer targets, dossiers.procedure_code in it            no
consistency    open violations and outcome rows belong to dossiers with   yes
               stored events; a dossier's outcome intervals do not overlap;
               each dossier the week's form counts has an outcome row in
               force at its last instant (the clock's for the warehouse)
lifecycle      no event after the dossier's end (except returned and      no
               corrections): anomalies
freshness      newest event at most 3 days before now (or the week end)   no
freshness      every unit with events in each of 4 weeks in a row has     no
               events in the last 7 days (a unit that fell silent: named
               every week it stays silent, up to 8 weeks)
load_runs      every warehouse load completed or was finished by a later  yes
               load (whatever the week: an interrupted load's dossiers
               lack their violations)
=============  =========================================================  ========

Importing this package does not import Great Expectations or pandas (the suites do, when they run): the
CLI and Dagster's code server import it at start-up, and those libraries take seconds to load.
"""

from __future__ import annotations

from checks.results import CheckResult, QualityRun, latest_results, store_results
from checks.runner import run_checks
from checks.suites import SUITES, SuiteInfo

__all__ = [
    "SUITES",
    "CheckResult",
    "QualityRun",
    "SuiteInfo",
    "latest_results",
    "run_checks",
    "store_results",
]
