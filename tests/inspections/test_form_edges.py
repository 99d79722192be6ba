"""Edges of the reporting form (the national 766 index's figures) and of a dossier's lateness that a second
mutation review (2026-12-04) found no test pinned, or only a slow one: each test fails if one comparison or
one field of the form is changed (the review checked each against its mutant)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from inspections.metrics import outcome, period_as_of, reporting_form
from inspections.rulebook import Auditor
from inspections.timeunits import VN_TZ
from schemas.events import AnyEvent
from tests.builders import CALENDAR, CATALOGUE, completed, ev, processed, received, supplement

AUDITOR = Auditor(CATALOGUE, CALENDAR)
#: A week, Monday to Monday: [start, end).
START, END = date(2025, 11, 10), date(2025, 11, 17)


def _form(name: str, events: list[AnyEvent]) -> dict[str, Any]:
    """The week's form of one dossier, as the reports compute it (its outcome at the period's end)."""
    events = [e.model_copy(update={"dossier_id": name}) for e in events]
    found = outcome(AUDITOR.facts(name, events, period_as_of(END)), CATALOGUE, CALENDAR)
    assert found is not None  # received
    return reporting_form([found], START, END).to_json_dict()


def test_a_result_returned_online_is_not_returned_by_post() -> None:
    """The form's share returned by post counts first returns by ``postal`` only (docs/rules-semantics.md)."""
    form = _form("R", [received("2025-11-10 09:00", "2025-11-13 17:00"), processed("2025-11-11 09:00"),
                       ev("returned", "2025-11-11 10:00", {"channel": "online"})])  # fmt: skip
    assert form["share_returned_postal"] == 0.0


def test_an_end_at_the_next_periods_first_instant_belongs_to_the_next_period() -> None:
    """The period is [start, end): a dossier processed at 00:00 of the next Monday is still in progress in
    this one, within time, and resolved in the next (else it would count in both)."""
    form = _form("U", [received("2025-11-10 09:00", "2025-11-20 17:00"), processed("2025-11-17 00:00")])
    assert form["resolved"]["total"] == 0
    assert form["in_progress"] == {"total": 1, "within_time": 1, "overdue": 0}


def test_the_average_processing_time_leaves_out_the_applicants_supplement() -> None:
    """Processing days run to the effective end, the applicant's supplement time taken out: received Monday
    09:00, waiting from 10:00 to Thursday 09:00, processed Friday 09:00 is 1 working day, not 4."""
    form = _form("V", [received("2025-11-10 09:00", "2025-11-20 17:00"), supplement("2025-11-10 10:00"),
                       completed("2025-11-13 09:00"), processed("2025-11-14 09:00")])  # fmt: skip
    assert form["avg_processing_working_days"] == 1.0


def test_a_dossier_ended_on_the_periods_first_day_is_carried_over_and_resolved() -> None:
    form = _form("S", [received("2025-11-06 09:00", "2025-11-12 17:00"), processed("2025-11-10 09:00")])
    assert form["received"]["carried_over"] == 1
    assert form["resolved"] == {"total": 1, "early": 1, "on_time": 0, "late": 0}


def test_an_open_dossier_before_its_due_date_is_within_time() -> None:
    form = _form("T", [received("2025-11-14 09:00", "2025-11-20 17:00")])
    assert form["in_progress"] == {"total": 1, "within_time": 1, "overdue": 0}


def test_a_second_supplement_request_makes_the_dossier_late_from_that_request() -> None:
    """RULES.md: more than one supplement request makes the dossier late; it is late from the second
    request, and LATE_NO_APOLOGY is dated then, not at the first."""
    events = [
        received("2025-11-10 09:00", "2025-11-20 17:00"), supplement("2025-11-11 09:00"),
        completed("2025-11-12 09:00"), supplement("2025-11-13 09:00"), processed("2025-11-14 09:00"),
    ]  # fmt: skip
    found = AUDITOR.evaluate("D1", events, datetime(2025, 11, 30, tzinfo=VN_TZ))
    late = [v for v in found if v.rule_id == "LATE_NO_APOLOGY"]
    assert [v.occurred_at for v in late] == [datetime(2025, 11, 13, 9, tzinfo=VN_TZ)]
