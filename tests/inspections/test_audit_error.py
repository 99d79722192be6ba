"""Amendment 12 in the domain: the finding AUDIT_ERROR, built once for every path, and the calendar's
supported years equal to the ones validation enforces."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from inspections import calendar as calendar_module
from inspections.audit import audit_events
from inspections.audit_error import AUDIT_ERROR, AUDIT_ERROR_ID, failure, judge, reported_rules
from inspections.files.calendar import load_calendar
from inspections.rulebook import DEFAULT_RULEBOOKS, RULEBOOKS, Auditor
from inspections.rules import legal
from inspections.timeunits import VN_TZ
from inspections.violations import Severity
from schemas import timerange
from tests.builders import CALENDAR, CATALOGUE, processed, received
from tests.poison import MESSAGE, Poisoned, poison

AS_OF = datetime(2025, 11, 20, tzinfo=VN_TZ)


def test_the_calendar_covers_exactly_the_years_validation_accepts() -> None:
    assert (calendar_module.FIRST_YEAR, calendar_module.LAST_YEAR) == (
        timerange.FIRST_YEAR,
        timerange.LAST_YEAR,
    )
    shipped = load_calendar()
    assert shipped.first_date == timerange.EARLIEST.astimezone(VN_TZ).date()
    assert shipped.last_date == (timerange.END - timedelta(microseconds=1)).astimezone(VN_TZ).date()
    # The first and the last valid instants have a working-day answer; the day beyond has none.
    for instant in (timerange.EARLIEST, timerange.END - timedelta(microseconds=1)):
        shipped.is_working_day(shipped.local_date(instant))
    with pytest.raises(calendar_module.CalendarRangeError):
        shipped.is_working_day(shipped.local_date(timerange.END))


def test_the_finding_and_its_metadata() -> None:
    assert AUDIT_ERROR.rule_id == AUDIT_ERROR_ID == "AUDIT_ERROR"
    assert (AUDIT_ERROR.title_vi, AUDIT_ERROR.title_en) == ("Lỗi khi đánh giá hồ sơ", "Audit error")
    assert AUDIT_ERROR.severity is Severity.LOW and AUDIT_ERROR.kind == "finding"
    assert AUDIT_ERROR.legal_basis == legal.DATA_QUALITY
    assert list(AUDIT_ERROR.check(None)) == []  # type: ignore[arg-type]  # no check ever produces it


def test_reported_rules_are_every_rule_and_finding_then_audit_error() -> None:
    rules = reported_rules()
    ids = [r.rule_id for r in rules]
    assert len(ids) == len(set(ids)) and ids[-1] == AUDIT_ERROR_ID
    for book in RULEBOOKS.values():  # every version: the warehouse may hold verdicts of each
        assert {r.rule_id for r in book.all_rules} <= set(ids)
    assert [r.rule_id for r in reported_rules(DEFAULT_RULEBOOKS)][-1] == AUDIT_ERROR_ID


def test_judge_reports_the_failure_of_one_dossier_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    auditor = Auditor(CATALOGUE, CALENDAR)
    events = [
        received("2025-11-03 09:00", "2025-11-05 17:00", dossier="BAD", unit="U7", event_id="r1"),
        processed("2025-11-12 09:00", dossier="BAD", unit="U8", event_id="p1"),
    ]
    healthy = [received("2025-11-03 09:00", "2025-11-05 17:00", dossier="GOOD")]
    expected_good = auditor.evaluate("GOOD", healthy, AS_OF)
    assert expected_good  # late without apology: the healthy dossier has a verdict to keep

    poison(monkeypatch, "BAD")
    with pytest.raises(Poisoned):
        auditor.evaluate("BAD", events, AS_OF)
    (v,) = judge(auditor, "BAD", events, AS_OF)
    assert (v.dossier_id, v.rule_id, v.kind, v.severity, v.event_id) == (
        "BAD", "AUDIT_ERROR", "finding", Severity.LOW, None
    )  # fmt: skip
    assert (v.unit_code, v.procedure_code) == ("U7", "P1")
    assert v.occurred_at == events[0].occurred_at  # from the dossier's first event
    assert v.evidence == {"error": "Poisoned", "message": MESSAGE}
    assert v.rulebook_version == DEFAULT_RULEBOOKS.for_date(v.occurred_at.date()).version
    assert v.legal_basis == AUDIT_ERROR.basis_on(v.occurred_at.date())
    assert judge(auditor, "GOOD", healthy, AS_OF) == expected_good

    found = audit_events([*events, *healthy], auditor, AS_OF)
    assert [x for x in found if x.dossier_id == "GOOD"] == expected_good
    assert [(x.dossier_id, x.rule_id) for x in found if x.dossier_id == "BAD"] == [("BAD", "AUDIT_ERROR")]


def test_a_date_outside_the_calendar_is_an_audit_error_not_a_crash() -> None:
    auditor = Auditor(CATALOGUE, load_calendar())  # events built here skip validation's range check
    old = [received("1999-06-01 09:00", "1999-06-04 17:00", dossier="OLD")]
    with pytest.raises(calendar_module.CalendarRangeError):
        auditor.evaluate("OLD", old, AS_OF)
    (v,) = judge(auditor, "OLD", old, AS_OF)
    assert v.rule_id == "AUDIT_ERROR" and v.evidence["error"] == "CalendarRangeError"
    assert "outside the calendar" in v.evidence["message"]
    assert v.to_json_dict()["occurred_at"] == "1999-06-01T09:00:00+07:00"


def test_failure_without_events_known_at_as_of() -> None:
    late = [received("2025-12-01 09:00", None, dossier="F", unit="U2")]
    v = failure(DEFAULT_RULEBOOKS, "F", late, AS_OF, ValueError(""))
    assert (v.unit_code, v.occurred_at, v.evidence) == (
        "U2",
        late[0].occurred_at,
        {"error": "ValueError", "message": "ValueError"},
    )
    empty = failure(DEFAULT_RULEBOOKS, "E", [], AS_OF, KeyError("x"))
    assert (empty.unit_code, empty.procedure_code, empty.occurred_at) == ("", None, AS_OF)
