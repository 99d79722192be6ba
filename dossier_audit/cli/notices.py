"""Warning lines a command prints before it works on data (one each, on stderr): what its answer may lack,
or what its output will not let a later run reproduce."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.markup import escape

from bootstrap.settings import Settings
from dossier_audit.cli.common import err
from inspections.timeunits import VN_TZ
from warehouse.base import Warehouse


def warn_one_off_key(settings: Settings, also: str = "") -> None:
    """A warning line when no pseudonymisation key is configured, before a command stores or sends events:
    its applicants get pseudonyms of a one-off key that no later run reproduces (``also``: what else that
    means for the command)."""
    if settings.pseudonym_key is None:
        err.print(
            "[yellow]warning:[/] DOSSIER_AUDIT_PSEUDONYM_KEY is not set: applicants get pseudonyms of a "
            f"one-off key that later runs cannot reproduce{f' ({also})' if also else ''}",
            highlight=False,
        )


def warn_unfinished_loads(wh: Warehouse, consequence: str, then: str = "") -> None:
    """One warning line per load that did not complete (interrupted, or still running) and that no later
    load finished, before a command reads the warehouse: ``consequence`` says what the command's answer may
    lack, ``then`` what to do after the remedy (e.g. rebuild the report)."""
    from warehouse.load_runs import unfinished_runs

    for run in unfinished_runs(wh):
        err.print(
            f"[bold yellow]warning:[/] the {escape(run.describe())} did not complete (interrupted, or still "
            f"running): {escape(consequence)}; {escape(run.remedy())}{', ' + escape(then) if then else ''}",
            highlight=False,
        )


def warn_before_every_event(as_of: datetime, earliest: datetime | None, consequence: str) -> None:
    """A warning line when the evaluation time comes before every valid event of the file (``earliest``,
    the batch engine's): no event is known then, so nothing can be found, which a mistyped year
    (``--as-of 2015-…``) gave without a word (fuzz review of 2026-12-05). ``consequence``: what that did."""
    if earliest is None or as_of >= earliest:
        return
    err.print(
        f"[bold yellow]warning:[/] --as-of {as_of.isoformat()} is before every event of the file (the first "
        f"occurred at {earliest.isoformat()}): none of them is known at that instant, so "
        f"{escape(consequence)}",
        highlight=False,
    )


def say_adopted(warning: str) -> None:
    """The warning of a command that adopted the configured key unchecked (``pseudonym_keys.check_key``),
    said when it is recorded: said at the end, it was lost when the command failed after (review)."""
    err.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False)


#: How far a period may end after the file's newest event before ``metrics`` says so: a week's file often
#: ends on the Friday before its Sunday (offices are closed), which is no mistake to warn of.
_PAST_THE_DATA = timedelta(days=7)


def warn_after_every_event(end: datetime, latest: datetime | None, holder: str = "the file") -> None:
    """A warning line when a period ends more than a week after the newest valid event of ``holder`` (the
    file, or the warehouse: ``latest``):
    every dossier still open in the file is judged at the period's end, overdue where due before it (a
    period in March 2026 of a file ending in October 2025 read "195 carried over, 194 overdue" without a
    word: CLI seat of 2026-12-08)."""
    if latest is None or end - latest <= _PAST_THE_DATA:
        return
    newest = latest.astimezone(VN_TZ)
    err.print(
        f"[bold yellow]warning:[/] the period ends at {end.astimezone(VN_TZ).isoformat()}, more than a week "
        f"after {holder}'s newest event ({newest.isoformat()}): every dossier still open in {holder} is "
        "judged at the period's end, as overdue where it was due before it; end the period sooner for the "
        "figures the data support",
        highlight=False,
    )
